"""End-to-end: build fixture programs, deploy them through BPF Loader Upgradeable in LiteSVM and run them."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from kgpu_sbf.loader import DeployError, deploy_upgradeable
from kgpu_sbf.relink import relink

pytestmark = pytest.mark.slow


def deploy_fixture(svm: LiteSVM, payer: Keypair, path: Path) -> Pubkey:
    return deploy_upgradeable(svm, payer, Keypair(), path.read_bytes())


def invoke(svm: LiteSVM, payer: Keypair, program_id: Pubkey, data: bytes):
    svm.expire_blockhash()
    instruction = Instruction(program_id, data, [])
    message = Message.new_with_blockhash([instruction], payer.pubkey(), svm.latest_blockhash())
    return svm.send_transaction(Transaction([payer], message, svm.latest_blockhash()))


def logs_of(result) -> list[str]:
    if isinstance(result, FailedTransactionMetadata):
        return list(result.meta().logs())
    return list(result.logs())


def test_hello_logs_and_returns_zero(svm: LiteSVM, payer: Keypair, fixture_programs: dict[str, Path]) -> None:
    program_id = deploy_fixture(svm, payer, fixture_programs["fixture_hello"])

    result = invoke(svm, payer, program_id, b"")

    assert isinstance(result, TransactionMetadata), result
    logs = logs_of(result)
    assert "Program log: hello from the kgpu SBF build" in logs
    assert logs[-1] == f"Program {program_id} success"


def test_misspelled_syscall_rejected_at_deploy(
    svm: LiteSVM, payer: Keypair, fixture_programs: dict[str, Path]
) -> None:
    with pytest.raises(DeployError) as raised:
        deploy_fixture(svm, payer, fixture_programs["fixture_bad_syscall"])

    assert raised.value.step == "deploy"
    assert "sol_lgo_" in str(raised.value)
    assert any("Unresolved symbol (sol_lgo_)" in line for line in raised.value.logs), raised.value.logs


def relocations_data(greeting: int, operation: int, a: int, b: int, payload: bytes) -> bytes:
    return bytes([greeting, operation]) + struct.pack("<QQ", a, b) + payload


@pytest.mark.parametrize(
    ("greeting", "operation", "a", "b", "expected_log", "expected_result"),
    [
        (0, 0, 40, 2, "Program log: greeting zero", "0x2a"),
        (1, 1, 6, 7, "Program log: greeting one", "0x2a"),
        (2, 2, 5, 3, "Program log: greeting two", "0x6"),
    ],
)
def test_relocations_fixture_runs(
    svm: LiteSVM,
    payer: Keypair,
    fixture_programs: dict[str, Path],
    greeting: int,
    operation: int,
    a: int,
    b: int,
    expected_log: str,
    expected_result: str,
) -> None:
    program_id = deploy_fixture(svm, payer, fixture_programs["fixture_relocations"])
    payload = bytes(range(256)) * 3  # longer than the 599-byte buffer, so the copy is truncated

    result = invoke(svm, payer, program_id, relocations_data(greeting, operation, a, b, payload))

    assert isinstance(result, TransactionMetadata), result
    logs = logs_of(result)
    assert expected_log in logs  # a &str pointer read from .data.rel.ro
    assert f"Program log: {expected_result}, 0x0, 0x0, 0x0, 0x0" in logs  # callx through a function pointer
    assert "Program log: payload copied" in logs  # sol_memcpy_, sol_memmove_ and memcmp
    # Logged: 599 bytes copied, two bytes equal to 0xAB in the shifted buffer, and buffer[0] still payload[0].
    assert "Program log: 0x257, 0x2, 0x0, 0x0, 0x0" in logs


def test_relocations_fixture_cold_path(svm: LiteSVM, payer: Keypair, fixture_programs: dict[str, Path]) -> None:
    program_id = deploy_fixture(svm, payer, fixture_programs["fixture_relocations"])

    result = invoke(svm, payer, program_id, relocations_data(7, 0, 0, 0, b""))

    assert isinstance(result, FailedTransactionMetadata)
    assert "Custom(2)" in str(result.err())
    assert "Program log: rejected: instruction data out of range" in logs_of(result)


def test_program_without_relocations_runs(svm: LiteSVM, payer: Keypair, assemble) -> None:
    obj = assemble("""
    .text
    .globl entrypoint
    .type entrypoint,@function
entrypoint:
    r1 = 7
    call double
    r0 -= 14
    exit
double:
    r0 = r1
    r0 += r1
    exit
""")
    elf_bytes = relink(obj)

    program_id = deploy_upgradeable(svm, payer, Keypair(), elf_bytes)
    result = invoke(svm, payer, program_id, b"")

    assert b".rel.dyn" not in elf_bytes
    assert isinstance(result, TransactionMetadata), result
