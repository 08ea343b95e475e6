"""Compute units of every kgpu_market instruction, split into the program's own work and its CPIs.

Run from the repository root:

    uv run --frozen python bench/cu_market.py

It deploys kgpu_token and kgpu_market into a fresh LiteSVM (the runtime bundled with solders
0.27), drives one success path of each instruction through the test kit in `tests/market`, and
prints one row per instruction. Compute units are deterministic for a given build and inputs,
so the figures do not depend on the machine. Instructions that derive a PDA with
`find_program_address` (`register_provider`, `open_job`, `initialize_market`) vary by about 300
units per extra bump tried, because the wallets are new keys on every run. The `tries` column
gives the number of bumps `open_job` tried for its job PDA (256 minus the canonical bump), and
`register_provider`'s for its provider PDA.

Columns:
- total: units the market program consumed, as its "consumed N of M" log line reports; this
  includes everything it invoked.
- cpi: units spent on cross-program invocations: what each invoked program logged as consumed,
  plus 150 for each System program call (a builtin that logs no consumption) and the runtime's
  fixed charge of 1,000 units per invocation (Agave's `invoke_units`).
- own: total minus cpi, the market program's own instructions and syscalls.
- tries: bumps tried by the instruction's canonical bump search, 0 for instructions without one.
"""

from __future__ import annotations

import re
import sys
from kgpu_sbf.spl import install_token_2022
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "market"))

# Runtime charges that no log line reports (Agave compute budget defaults).
INVOKE_UNITS = 1_000
SYSTEM_PROGRAM_UNITS = 150
SYSTEM_PROGRAM_ID = "11111111111111111111111111111111"

_INVOKE = re.compile(r"^Program (\w+) invoke \[(\d+)\]$")
_CONSUMED = re.compile(r"^Program (\w+) consumed (\d+) of \d+ compute units$")
_RESULT = re.compile(r"^Program (\w+) (success|failed: .*)$")


@dataclass(frozen=True)
class CuRow:
    """Compute units of one instruction."""

    instruction: str
    total: int
    cpi: int
    own: int
    bump_tries: int = 0


def cu_from_logs(instruction: str, logs: Sequence[str], program_id: str) -> CuRow:
    """Split the units of the top-level invocation of `program_id` in `logs` into CPI and own.

    Only invocations at depth 2 are counted as CPIs; their own log lines already include
    anything they invoke in turn.

    Raises:
        ValueError: the logs hold no completed top-level invocation of `program_id`.
    """
    depth = 0
    inside = False
    total = None
    nested = 0
    invokes = 0
    for line in logs:
        invoke = _INVOKE.match(line)
        if invoke:
            depth = int(invoke.group(2))
            if depth == 1:
                inside = invoke.group(1) == program_id
            elif inside and depth == 2:
                invokes += 1
                if invoke.group(1) == SYSTEM_PROGRAM_ID:
                    nested += SYSTEM_PROGRAM_UNITS
            continue
        consumed = _CONSUMED.match(line)
        if consumed and inside:
            if depth == 1 and total is None:
                total = int(consumed.group(2))
            elif depth == 2:
                nested += int(consumed.group(2))
            continue
        if _RESULT.match(line):
            depth -= 1
    if total is None:
        raise ValueError(f"{instruction}: no completed invocation of {program_id} in the logs")
    cpi = nested + INVOKE_UNITS * invokes
    return CuRow(instruction, total, cpi, total - cpi)


def measure() -> list[CuRow]:
    """Deploy both programs in a fresh LiteSVM, run every instruction once and return its row."""
    from solders.keypair import Keypair
    from solders.litesvm import LiteSVM
    from solders.pubkey import Pubkey

    from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair
    from market_testkit import (
        CARBON_MINT,
        INSURANCE_VAULT,
        PROGRAM_ID,
        TOKEN_2022_PROGRAM_ID,
        Provider,
        Slash,
        UsageReceipt,
        approve_provider_ix,
        claim_rewards_ix,
        close_job_ix,
        make_market_env,
        provider_address,
        register_provider_ix,
        request_unstake_ix,
        settle_receipt_ix,
        slash_ix,
        stake_ix,
        update_market_params_ix,
        withdraw_unstaked_ix,
    )
    from spl.token.instructions import create_associated_token_account

    svm = LiteSVM()
    install_token_2022(svm)
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 1_000 * 10**9)
    env = make_market_env(svm, payer, lambda name: deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name)))
    program = str(PROGRAM_ID)
    rows: list[CuRow] = []

    def record(name: str, result, *, pda_seeds: list[bytes] | None = None) -> None:
        row = cu_from_logs(name, result.logs(), program)
        if pda_seeds is not None:
            _, bump = Pubkey.find_program_address(pda_seeds, PROGRAM_ID)
            row = replace(row, bump_tries=256 - bump)
        rows.append(row)

    record("initialize_market", env.initialize_result)
    record("update_market_params", env.send_ok([update_market_params_ix(env.admin.pubkey())]))

    wallet = env.new_wallet(kgpu=10_000_000)
    node = Keypair()
    env.send_ok([create_associated_token_account(env.admin.pubkey(), wallet.pubkey(), CARBON_MINT, TOKEN_2022_PROGRAM_ID)])
    record(
        "register_provider",
        env.send_ok([register_provider_ix(wallet.pubkey(), node.pubkey())], [wallet]),
        pda_seeds=[b"provider", bytes(wallet.pubkey())],
    )
    provider_key = provider_address(wallet.pubkey())
    record("approve_provider", env.send_ok([approve_provider_ix(env.token.registry.pubkey(), provider_key)], [env.token.registry]))
    record("stake", env.send_ok([stake_ix(wallet.pubkey(), 3_000_000)], [wallet]))

    provider = Provider(wallet, node, provider_key, 2)
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider)
    record("open_job", result, pda_seeds=[b"job", bytes(renter.pubkey()), env.nonce.to_bytes(8, "little")])
    now = env.token.now()
    receipt = UsageReceipt(job, 1, 7_200, now - 3_600, now, 1_500, 600)
    record("settle_receipt", env.send_ok([
        env.quorum(16, receipt.payload()),
        settle_receipt_ix(env.admin.pubkey(), receipt, provider_key, wallet.pubkey()),
    ]))
    record("close_job", env.send_ok([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider_key)], [renter]))
    record("claim_rewards", env.send_ok([claim_rewards_ix(wallet.pubkey())], [wallet]))
    record("request_unstake", env.send_ok([request_unstake_ix(wallet.pubkey(), 1_000_000)], [wallet]))
    env.token.set_time(env.token.now() + env.market().unbonding_period)
    record("withdraw_unstaked", env.send_ok([withdraw_unstaked_ix(wallet.pubkey())], [wallet]))
    slash = Slash(provider_key, 1, 1_000, INSURANCE_VAULT)
    record("slash", env.send_ok([env.quorum(17, slash.payload()), slash_ix(slash)]))
    return rows


def main() -> None:
    rows = measure()
    print(f"{'instruction':<22} {'total':>7} {'cpi':>7} {'own':>7} {'tries':>6}")
    for row in rows:
        print(f"{row.instruction:<22} {row.total:>7} {row.cpi:>7} {row.own:>7} {row.bump_tries:>6}")


if __name__ == "__main__":
    main()
