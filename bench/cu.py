"""Compute units per framework primitive, measured on LiteSVM.

    uv run --frozen python bench/cu.py

Builds nothing: it deploys the already built programs from programs/target/deploy (run
`python -m kgpu_sbf.build` first) through BPF Loader Upgradeable into a fresh LiteSVM, runs one
transaction per primitive and prints a table with, per row:

- total CU: the "consumed" log line of the measured program's top-level invocation;
- CPI CU: the sum of the "consumed" lines of its direct inner invocations (each already includes
  any deeper invocation);
- own CU: total minus CPI, the work the program itself did (entrypoint, dispatch, checks, CPI
  setup and syscalls);
- fixed CU: the part of own CU that the runtime charges as a flat syscall price, whatever the
  program does: 1,500 per `create_program_address` (and per bump `try_find_program_address`
  tries) and 1,000 per CPI, the defaults of Agave's ComputeBudget;
- framework CU: own minus fixed, which is what the framework controls and what the 3,000 CU
  target applies to;
- the ratio of own CU to a plain SPL Token `Transfer` measured in the same run.

Every program contributes rows through a function `<program>_rows(bench) -> list[Row]`; add one
per new program and list it in ROW_SOURCES.
"""

from __future__ import annotations

import hashlib
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nacl.signing import SigningKey
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "programs"))
from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair  # noqa: E402
from kgpu_sbf.spl import ensure_token_2022, install_token_2022

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ED25519_PROGRAM_ID = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")
INSTRUCTIONS_SYSVAR_ID = Pubkey.from_string("Sysvar1nstructions1111111111111111111111111")
CLOCK_SYSVAR_ID = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")

# Maximum framework compute units (own minus fixed syscall prices) for one primitive.
OWN_CU_TARGET = 3_000

# Flat price of a CPI (the invoke syscall) in Agave's default ComputeBudget. The framework derives
# PDAs with sol_sha256 and sol_curve_validate_point, so PDA rows count those syscalls as own work.
INVOKE_CU = 1_000

CONSUMED = re.compile(r"^Program (\S+) consumed (\d+) of \d+ compute units$")
INVOKE = re.compile(r"^Program (\S+) invoke \[(\d+)\]$")


@dataclass
class Row:
    """One measured instruction."""

    program: str
    primitive: str
    total_cu: int
    cpi_cu: int
    fixed_cu: int = 0
    has_target: bool = True

    @property
    def own_cu(self) -> int:
        return self.total_cu - self.cpi_cu

    @property
    def framework_cu(self) -> int:
        return self.own_cu - self.fixed_cu

    @property
    def within_target(self) -> bool:
        return self.framework_cu < OWN_CU_TARGET


def split_compute_units(logs: list[str], program_id: Pubkey) -> tuple[int, int]:
    """Return (total, CPI) compute units of `program_id`'s first top-level invocation in `logs`."""
    stack: list[str] = []
    total = None
    cpi = 0
    measuring = False
    for line in logs:
        invoke = INVOKE.match(line)
        if invoke:
            stack.append(invoke.group(1))
            if len(stack) == 1:
                measuring = total is None and invoke.group(1) == str(program_id)
            continue
        consumed = CONSUMED.match(line)
        if consumed and measuring:
            if len(stack) == 1:
                total = int(consumed.group(2))
            elif len(stack) == 2:
                cpi += int(consumed.group(2))
        if stack and (line == f"Program {stack[-1]} success" or line.startswith(f"Program {stack[-1]} failed")):
            stack.pop()
    if total is None:
        raise RuntimeError(f"no consumed line for {program_id} in logs:\n" + "\n".join(logs))
    return total, cpi


class Bench:
    """A LiteSVM with a funded payer and helpers to send and measure transactions."""

    def __init__(self) -> None:
        self.svm = LiteSVM()
        install_token_2022(self.svm)
        self.payer = Keypair()
        self.svm.airdrop(self.payer.pubkey(), 1_000 * 1_000_000_000)

    def deploy(self, name: str) -> Pubkey:
        return deploy_upgradeable(self.svm, self.payer, program_keypair(name), program_elf(name))

    def send(self, instructions: list[Instruction], signers: list[Keypair] | None = None) -> TransactionMetadata:
        self.svm.expire_blockhash()
        message = Message.new_with_blockhash(instructions, self.payer.pubkey(), self.svm.latest_blockhash())
        result = self.svm.send_transaction(
            Transaction([self.payer, *(signers or [])], message, self.svm.latest_blockhash())
        )
        if not isinstance(result, TransactionMetadata):
            raise RuntimeError(f"transaction failed: {result.err()}\n" + "\n".join(result.meta().logs()))
        return result

    def measure(self, program: str, primitive: str, program_id: Pubkey, instructions: list[Instruction], *,
                signers: list[Keypair] | None = None, fixed_cu: int = 0, has_target: bool = True) -> Row:
        result = self.send(instructions, signers)
        total, cpi = split_compute_units(result.logs(), program_id)
        return Row(program, primitive, total, cpi, fixed_cu, has_target)


# --- reference: SPL Token transfer -------------------------------------------------------------


def spl_token_reference_row(bench: Bench) -> Row:
    """Measure a plain SPL Token `Transfer` between two initialized accounts, called by the client."""
    mint, source, destination = Keypair(), Keypair(), Keypair()
    owner = bench.payer.pubkey()
    rent_mint = bench.svm.minimum_balance_for_rent_exemption(82)
    rent_account = bench.svm.minimum_balance_for_rent_exemption(165)
    setup = [
        create_account(CreateAccountParams(from_pubkey=owner, to_pubkey=mint.pubkey(), lamports=rent_mint,
                                           space=82, owner=TOKEN_PROGRAM_ID)),
        Instruction(TOKEN_PROGRAM_ID, bytes([20, 0]) + bytes(owner) + b"\x00", [AccountMeta(mint.pubkey(), False, True)]),
    ]
    for account in (source, destination):
        setup.append(create_account(CreateAccountParams(from_pubkey=owner, to_pubkey=account.pubkey(),
                                                        lamports=rent_account, space=165, owner=TOKEN_PROGRAM_ID)))
        setup.append(Instruction(TOKEN_PROGRAM_ID, bytes([18]) + bytes(owner),
                                 [AccountMeta(account.pubkey(), False, True), AccountMeta(mint.pubkey(), False, False)]))
    setup.append(Instruction(TOKEN_PROGRAM_ID, bytes([7]) + struct.pack("<Q", 1_000),
                             [AccountMeta(mint.pubkey(), False, True), AccountMeta(source.pubkey(), False, True),
                              AccountMeta(owner, True, False)]))
    bench.send(setup, [mint, source, destination])

    transfer = Instruction(TOKEN_PROGRAM_ID, bytes([3]) + struct.pack("<Q", 10), [
        AccountMeta(source.pubkey(), False, True),
        AccountMeta(destination.pubkey(), False, True),
        AccountMeta(owner, True, False),
    ])
    return bench.measure("spl_token", "Transfer (reference)", TOKEN_PROGRAM_ID, [transfer], has_target=False)


# --- kgpu_probe ---------------------------------------------------------------------------------


def probe_ix(program_id: Pubkey, name: str, args: bytes = b"", accounts: list[AccountMeta] | None = None) -> Instruction:
    discriminator = hashlib.sha256(f"global:{name}".encode()).digest()[:8]
    return Instruction(program_id, discriminator + args, accounts or [])


def ed25519_instruction(keys: list[SigningKey], message: bytes) -> Instruction:
    """Build one precompile instruction with a signature of `message` by each key, all in its own data."""
    header_len = 2 + 14 * len(keys)
    body = bytearray()
    offsets = bytearray()
    for key in keys:
        public_key_offset = header_len + len(body)
        body += bytes(key.verify_key)
        signature_offset = header_len + len(body)
        body += key.sign(message).signature
        message_offset = header_len + len(body)
        body += message
        offsets += struct.pack("<HHHHHHH", signature_offset, 0xFFFF, public_key_offset, 0xFFFF,
                               message_offset, len(message), 0xFFFF)
    return Instruction(ED25519_PROGRAM_ID, bytes([len(keys), 0]) + bytes(offsets) + bytes(body), [])


def kgpu_probe_rows(bench: Bench) -> list[Row]:
    probe = bench.deploy("kgpu_probe")
    rows = []

    # Account checks: signer, writable, owner and address.
    signer = Keypair()
    owned = Keypair().pubkey()
    bench.svm.set_account(owned, Account(lamports=1_000_000, data=bytes(8), owner=probe, executable=False,
                                         rent_epoch=0))
    metas = [AccountMeta(signer.pubkey(), True, False), AccountMeta(bench.payer.pubkey(), True, True),
             AccountMeta(owned, False, False), AccountMeta(CLOCK_SYSVAR_ID, False, False)]
    rows.append(bench.measure("kgpu_probe", "account checks (4)", probe,
                              [probe_ix(probe, "check_accounts", accounts=metas)], signers=[signer]))

    # PDAs.
    pda, bump = Pubkey.find_program_address([b"probe"], probe)
    rows.append(bench.measure("kgpu_probe", f"PDA create, stored bump {bump}", probe,
                              [probe_ix(probe, "pda_create", bytes([bump]), [AccountMeta(pda, False, False)])]))
    rows.append(bench.measure("kgpu_probe", f"PDA find, canonical bump {bump}", probe,
                              [probe_ix(probe, "pda_find")]))

    # CPI to Token-2022 MintTo, signed by the authority PDA.
    authority, authority_bump = Pubkey.find_program_address([b"authority"], probe)
    mint, token_account = Keypair(), Keypair()
    strings = b"".join(struct.pack("<I", len(s)) + s for s in (b"K-GPU Won", b"KGPU", b"https://kgpu.example"))
    bench.send([probe_ix(probe, "create_mint", bytes([6, authority_bump]) + strings, [
        AccountMeta(bench.payer.pubkey(), True, True), AccountMeta(mint.pubkey(), True, True),
        AccountMeta(authority, False, False), AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False)])], [mint])
    bench.send([probe_ix(probe, "create_token_account", accounts=[
        AccountMeta(bench.payer.pubkey(), True, True), AccountMeta(token_account.pubkey(), True, True),
        AccountMeta(mint.pubkey(), False, False), AccountMeta(bench.payer.pubkey(), False, False),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False), AccountMeta(SYSTEM_PROGRAM_ID, False, False)])],
        [token_account])
    token_metas = [AccountMeta(token_account.pubkey(), False, True), AccountMeta(mint.pubkey(), False, False),
                   AccountMeta(authority, False, False), AccountMeta(TOKEN_2022_PROGRAM_ID, False, False)]
    bench.send([probe_ix(probe, "set_frozen", bytes([0, authority_bump]), token_metas)])
    mint_metas = [AccountMeta(mint.pubkey(), False, True), AccountMeta(token_account.pubkey(), False, True),
                  AccountMeta(authority, False, False), AccountMeta(TOKEN_2022_PROGRAM_ID, False, False)]
    rows.append(bench.measure("kgpu_probe", "CPI Token-2022 MintTo (PDA signer)", probe, [
        probe_ix(probe, "mint_to", struct.pack("<Q", 1_000) + bytes([0, 0, authority_bump]), mint_metas)],
        fixed_cu=INVOKE_CU))

    # Ed25519 introspection: three oracle signatures in one precompile instruction.
    oracles = [SigningKey(bytes([i + 1]) * 32) for i in range(5)]
    message = b"KGPUQRM1" + bytes([1]) + bytes(probe) + bytes(32) + bytes([2]) + bytes(72)
    quorum_args = bytes([3, len(oracles)]) + b"".join(bytes(key.verify_key) for key in oracles) + message
    rows.append(bench.measure("kgpu_probe", "Ed25519 quorum, 3 of 5 signatures", probe, [
        ed25519_instruction(oracles[:3], message),
        probe_ix(probe, "verify_quorum", quorum_args, [AccountMeta(INSTRUCTIONS_SYSVAR_ID, False, False)]),
    ]))

    # Event log and 128-bit multiply-divide.
    rows.append(bench.measure("kgpu_probe", "event (sol_log_data)", probe,
                              [probe_ix(probe, "emit_event", struct.pack("<Q", 42))]))
    worst_case = struct.pack("<QQQ", 2**64 - 1, 2**64 - 1, 2**64 - 1) + bytes([0])
    rows.append(bench.measure("kgpu_probe", "mul_div_floor, 128-bit path", probe,
                              [probe_ix(probe, "mul_div", worst_case)]))
    return rows


def kgpu_token_rows(_bench: Bench) -> list[Row]:
    """Measure every kgpu_token instruction with `cu_token`, in a LiteSVM of its own.

    Its CPI column already includes the 1,000-CU invoke price of each CPI.
    """
    from cu_token import measure_token_cu

    return [Row("kgpu_token", name, total, cpi) for name, total, cpi, _own in measure_token_cu()]


def kgpu_market_rows(_bench: Bench) -> list[Row]:
    """Measure every kgpu_market instruction with `cu_market`, with both programs deployed."""
    from cu_market import measure

    return [Row("kgpu_market", row.instruction, row.total, row.cpi) for row in measure()]


ROW_SOURCES: list[Callable[[Bench], list[Row]]] = [kgpu_probe_rows, kgpu_token_rows, kgpu_market_rows]


def render(rows: list[Row], reference: Row) -> str:
    header = (f"{'program':<11} {'primitive':<36} {'total':>7} {'CPI':>6} {'own':>6} {'fixed':>6} "
              f"{'framework':>9} {'own/ref':>7}  target")
    lines = [header, "-" * len(header)]
    for row in [*rows, reference]:
        ratio = row.own_cu / reference.total_cu
        if row.has_target:
            verdict = "ok" if row.within_target else f"OVER {OWN_CU_TARGET}"
        else:
            verdict = "-"
        lines.append(f"{row.program:<11} {row.primitive:<36} {row.total_cu:>7} {row.cpi_cu:>6} {row.own_cu:>6} "
                     f"{row.fixed_cu:>6} {row.framework_cu:>9} {ratio:>7.2f}  {verdict}")
    return "\n".join(lines)


def main() -> int:
    ensure_token_2022()
    bench = Bench()
    reference = spl_token_reference_row(bench)
    rows = [row for source in ROW_SOURCES for row in source(bench)]
    print(render(rows, reference))
    print(f"\nCU columns: total, CPI (inner invocations), own = total - CPI, fixed = flat syscall prices, "
          f"framework = own - fixed.\nTarget: framework CU under {OWN_CU_TARGET} per primitive. "
          f"own/ref divides own CU by the SPL Token Transfer's total CU.")
    over = [f"{row.program} {row.primitive}" for row in rows if row.has_target and not row.within_target]
    if over:
        print(f"\n{len(over)} rows over the {OWN_CU_TARGET} CU target: " + "; ".join(over))
    # The set_kyc row above is one wallet; the spread shows the cost does not depend on the wallet.
    from cu_token import measure_set_kyc_spread, render_spread

    print()
    print("\n".join(render_spread(measure_set_kyc_spread(OWN_CU_TARGET))))
    # A benchmark reports; tests/market/test_market_cu.py and the probe tests hold the CU caps.
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
