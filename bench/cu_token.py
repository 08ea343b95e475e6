"""Measure the compute units of every kgpu_token instruction in LiteSVM.

`measure_token_cu()` deploys `programs/target/deploy/kgpu_token.so` through BPF Loader
Upgradeable into a fresh LiteSVM, runs each instruction once on its success path, and returns one
row per instruction: (instruction, total CU, CPI CU, own CU).

- total: the "Program <kgpu_token> consumed N of M compute units" line of the outer invocation;
- CPI: for each invocation it makes (depth 2), the callee's "consumed" line (150 for the System
  program, a builtin that logs none) plus 1,000 for the CPI syscall's base charge to the caller
  (`invoke_units` of Agave's default compute budget);
- own: total minus CPI: the program's own instructions and its other syscalls (hashing, curve
  checks, sysvars, logs), plus the serialization part of each CPI syscall charge.

Usage: uv run --frozen python bench/cu_token.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "token"))

from solders.keypair import Keypair  # noqa: E402
from solders.litesvm import LiteSVM  # noqa: E402
from solders.pubkey import Pubkey  # noqa: E402

from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair  # noqa: E402
from kgpu_sbf.spl import install_token_2022
import kgpu_token_testkit as kit  # noqa: E402

Row = tuple[str, int, int, int]


SYSTEM_PROGRAM = "11111111111111111111111111111111"
# Compute units the CPI syscall charges the caller per invocation (Agave's `invoke_units`).
INVOKE_UNITS = 1_000
# Compute units the System program consumes per instruction; as a builtin it logs no
# "consumed" line.
SYSTEM_PROGRAM_UNITS = 150


def split_compute_units(logs: Sequence[str], program_id: Pubkey) -> tuple[int, int]:
    """Return (total, CPI) compute units of the first top-level invocation of `program_id`.

    CPI counts, for every invocation at depth 2, the callee's logged consumption (150 for the
    System program, which logs none) plus the 1,000 units the CPI syscall charges the caller.
    """
    depth = 0
    inside = False
    total = 0
    cpi = 0
    for line in logs:
        parts = line.split()
        if len(parts) < 3 or parts[0] != "Program":
            continue
        if parts[2] == "invoke" and len(parts) >= 4:
            depth = int(parts[3].strip("[]"))
            if depth == 1:
                inside = parts[1] == str(program_id)
            elif depth == 2 and inside:
                cpi += INVOKE_UNITS + (SYSTEM_PROGRAM_UNITS if parts[1] == SYSTEM_PROGRAM else 0)
        elif parts[2] == "consumed" and inside:
            units = int(parts[3])
            if depth == 1 and parts[1] == str(program_id):
                total = units
                break
            if depth == 2:
                cpi += units
        elif parts[2] in ("success", "failed:", "failed"):
            depth -= 1
    return total, cpi


def _row(name: str, result, program_id: Pubkey) -> Row:
    total, cpi = split_compute_units(result.logs(), program_id)
    return (name, total, cpi, total - cpi)


def measure_token_cu() -> list[Row]:
    """Run every kgpu_token instruction once and return (instruction, total, CPI, own) rows."""
    svm = LiteSVM()
    install_token_2022(svm)
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 1_000 * 1_000_000_000)

    def deploy(name: str) -> Pubkey:
        return deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name))

    rows: list[Row] = []
    env = kit.make_env(svm, payer, deploy)
    program_id = kit.PROGRAM_ID
    # `initialize` ran inside make_env; measure it from its logs.
    rows.append(_row("initialize", env.last_result, program_id))

    rows.append(_row("update_oracle_set", env.send_ok(
        [kit.update_oracle_set_ix(payer.pubkey(), [k.pubkey() for k in env.oracles], env.threshold)]), program_id))
    rows.append(_row("update_params", env.send_ok([kit.update_params_ix(payer.pubkey())]), program_id))

    # A fixed holder key makes the PDA bump searches, and so the figures, repeatable.
    holder = Keypair.from_seed(hashlib.sha256(b"kgpu_token cu holder").digest())
    svm.airdrop(holder.pubkey(), 10_000_000_000)
    env.send_ok([kit.create_associated_token_account(payer.pubkey(), holder.pubkey(), kit.mint_address(), kit.TOKEN_2022_PROGRAM_ID)])
    rows.append(_row(f"set_kyc (new record, thaw, {_candidates([b'kyc', bytes(holder.pubkey())])} bump tries)", env.send_ok(
        [kit.set_kyc_ix(env.registry.pubkey(), payer.pubkey(), holder.pubkey(), token_accounts=[kit.ata(holder.pubkey())])],
        [env.registry]), program_id))

    # The common update path: the record exists and the account is already thawed.
    rows.append(_row("set_kyc (existing record, no state change)", env.send_ok(
        [kit.set_kyc_ix(env.registry.pubkey(), payer.pubkey(), holder.pubkey(), level=2,
                        token_accounts=[kit.ata(holder.pubkey())])],
        [env.registry]), program_id))
    rows.append(_row("attest_collateral", _ok(env.attest(10_000_000)), program_id))
    deposit_id = env.next_deposit_id()
    rows.append(_row(f"mint_deposit ({_candidates([b'deposit', deposit_id])} bump tries)",
                     _ok(env.mint(holder.pubkey(), 1_000, deposit_id=deposit_id)), program_id))
    redeem_seeds = [b"redemption", bytes(holder.pubkey()), (1).to_bytes(8, "little")]
    rows.append(_row(f"redeem ({_candidates(redeem_seeds)} bump tries)", env.send_ok([kit.redeem_ix(holder.pubkey(), 1, 100, b"\x01" * 32)], [holder]), program_id))
    rows.append(_row("confirm_redemption", _ok(env.confirm(kit.redemption_address(holder.pubkey(), 1), b"\x02" * 32)), program_id))
    rows.append(_row("seize", env.send_ok([kit.seize_ix(payer.pubkey(), kit.ata(holder.pubkey()), 10, b"\x03" * 32)]), program_id))

    # A vault owned by a PDA of an approved program; the token program itself plays that program.
    vault_owner, vault_bump = Pubkey.find_program_address([b"vault"], program_id)
    env.send_ok([kit.update_params_ix(payer.pubkey(), approved_programs=[program_id])])
    env.send_ok([kit.create_associated_token_account(payer.pubkey(), vault_owner, kit.mint_address(), kit.TOKEN_2022_PROGRAM_ID)])
    rows.append(_row("thaw_program_account", env.send_ok(
        [kit.thaw_program_account_ix(payer.pubkey(), kit.ata(vault_owner), program_id, [b"vault", bytes([vault_bump])])]),
        program_id))
    return rows


def _candidates(seeds: list[bytes]) -> int:
    """Return how many bumps the program tries before it finds the canonical one for `seeds`."""
    return 256 - Pubkey.find_program_address(seeds, kit.PROGRAM_ID)[1]


def _ok(result):
    if not hasattr(result, "logs"):
        raise RuntimeError(f"transaction failed: {result.err()}\n" + "\n".join(result.meta().logs()))
    return result


def main() -> None:
    rows = measure_token_cu()
    print(f"{'instruction':44} {'total':>7} {'CPI':>7} {'own':>7}")
    for name, total, cpi, own in rows:
        print(f"{name:44} {total:7d} {cpi:7d} {own:7d}")


if __name__ == "__main__":
    main()
