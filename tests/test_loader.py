"""Deploying through BPF Loader Upgradeable in LiteSVM, with a known-good SPL program."""

from __future__ import annotations

import struct

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from kgpu_sbf.loader import (
    BPF_LOADER_UPGRADEABLE_ID,
    PROGRAMDATA_METADATA_SIZE,
    DeployError,
    deploy_upgradeable,
    find_programdata_address,
)

MEMO_PROGRAM_ID = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")


def memo_elf(svm: LiteSVM) -> bytes:
    """The SPL Memo ELF that LiteSVM ships, a program the real loader is known to accept."""
    return bytes(svm.get_account(MEMO_PROGRAM_ID).data)


def test_deploy_memo_then_invoke(svm: LiteSVM, payer: Keypair) -> None:
    program = Keypair()
    elf = memo_elf(svm)

    program_id = deploy_upgradeable(svm, payer, program, elf)

    assert program_id == program.pubkey()
    program_account = svm.get_account(program_id)
    assert program_account.owner == BPF_LOADER_UPGRADEABLE_ID
    assert program_account.executable
    programdata = svm.get_account(find_programdata_address(program_id)).data
    assert len(programdata) == PROGRAMDATA_METADATA_SIZE + 2 * len(elf)
    assert struct.unpack_from("<I", programdata, 0)[0] == 3  # UpgradeableLoaderState::ProgramData
    assert programdata[12] == 1  # the upgrade authority is set
    assert bytes(programdata[13:45]) == bytes(payer.pubkey())
    assert bytes(programdata[PROGRAMDATA_METADATA_SIZE:PROGRAMDATA_METADATA_SIZE + len(elf)]) == elf

    instruction = Instruction(program_id, b"kgpu", [AccountMeta(payer.pubkey(), True, False)])
    message = Message.new_with_blockhash([instruction], payer.pubkey(), svm.latest_blockhash())
    result = svm.send_transaction(Transaction([payer], message, svm.latest_blockhash()))
    assert isinstance(result, TransactionMetadata), result
    assert 'Program log: Memo (len 4): "kgpu"' in result.logs()


def test_deploy_rejects_invalid_elf(svm: LiteSVM, payer: Keypair) -> None:
    program = Keypair()
    balance_before = svm.get_balance(payer.pubkey())

    with pytest.raises(DeployError) as raised:
        deploy_upgradeable(svm, payer, program, b"\x7fELF" + bytes(200))

    assert raised.value.step == "deploy"
    assert "InvalidAccountData" in str(raised.value.error)
    assert svm.get_account(program.pubkey()) is None
    assert svm.get_balance(payer.pubkey()) < balance_before  # the buffer stays funded


def test_deploy_rejects_small_max_data_len(svm: LiteSVM, payer: Keypair) -> None:
    with pytest.raises(ValueError, match="max_data_len 10 is smaller than the ELF"):
        deploy_upgradeable(svm, payer, Keypair(), memo_elf(svm), max_data_len=10)
