"""Compute units of every kgpu_market instruction, split into the program's own work and its CPIs.

Run from the repository root:

    uv run --frozen python bench/cu_market.py

It deploys kgpu_token and kgpu_market into a fresh LiteSVM (the runtime bundled with solders
0.27), drives one success path of each instruction through the test kit in `tests/market`, and
prints one row per instruction. Every keypair comes from a fixed seed, so the table is the same
on every run for a given build.

`register_provider` is the only instruction that searches a canonical bump, for its provider
PDA `["provider", authority]`; each extra bump tried costs about 315 units. It is measured over
a fixed sample of REGISTER_SAMPLE authorities: one row at each of 1 to 4 tries (the first
authority of the sample with that count), one row for the sample's maximum, and the share of
the sample under OWN_CU_TARGET own units. `open_job` requires a job nonce whose PDA has bump
255 and searches nothing.

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

import contextlib
import hashlib
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

from kgpu_sbf.spl import install_token_2022

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "market"))

# Runtime charges that no log line reports (Agave compute budget defaults).
INVOKE_UNITS = 1_000
SYSTEM_PROGRAM_UNITS = 150
SYSTEM_PROGRAM_ID = "11111111111111111111111111111111"

# Own-unit target of every instruction, and the number of seeded authorities that
# register_provider is measured over.
OWN_CU_TARGET = 3_000
REGISTER_SAMPLE = 64

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


def seeded_keypair(label: str):
    """Return the keypair whose ed25519 seed is sha256 of `label`."""
    from solders.keypair import Keypair

    return Keypair.from_seed(hashlib.sha256(b"kgpu-bench/" + label.encode()).digest())


@contextlib.contextmanager
def seeded_keypairs() -> Iterator[None]:
    """Make the test kits' `Keypair()` calls return seeded keypairs, one new seed per call.

    The kits create the registry authority, the oracles and every wallet with `Keypair()`. Those
    keys decide PDA bumps and so the units of a bump search, which would change between runs.
    """
    import market_testkit  # first: it puts tests/token on sys.path
    import kgpu_token_testkit

    count = 0

    def next_keypair():
        nonlocal count
        count += 1
        return seeded_keypair(f"kit-{count}")

    modules = [kgpu_token_testkit, market_testkit]
    originals = [module.Keypair for module in modules]
    for module in modules:
        module.Keypair = next_keypair
    try:
        yield
    finally:
        for module, original in zip(modules, originals):
            module.Keypair = original


@dataclass(frozen=True)
class RegisterSample:
    """`register_provider` over the seeded sample of authorities."""

    by_tries: dict[int, CuRow]
    max_row: CuRow
    under_target: int
    size: int


def measure() -> list[CuRow]:
    """Deploy both programs in a fresh LiteSVM, run every instruction once and return its row.

    `register_provider` contributes the rows of `RegisterSample`: one per try count from 1 to 4,
    named `register_provider`, and the sample maximum, named `register_provider, sample max`.
    """
    rows, _ = measure_with_sample()
    return rows


def measure_with_sample() -> tuple[list[CuRow], RegisterSample]:
    """Like `measure`, and also return the `register_provider` sample."""
    with seeded_keypairs():
        return _measure()


def _measure() -> tuple[list[CuRow], RegisterSample]:
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
        sweep_fees_ix,
        update_market_params_ix,
        withdraw_unstaked_ix,
    )
    from spl.token.instructions import create_associated_token_account

    svm = LiteSVM()
    install_token_2022(svm)
    payer = seeded_keypair("payer")
    svm.airdrop(payer.pubkey(), 1_000 * 10**9)
    env = make_market_env(svm, payer, lambda name: deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name)))
    program = str(PROGRAM_ID)
    rows: list[CuRow] = []

    def provider_tries(authority: Pubkey) -> int:
        return 256 - Pubkey.find_program_address([b"provider", bytes(authority)], PROGRAM_ID)[1]

    def record(name: str, result, *, bump_tries: int = 0) -> CuRow:
        row = replace(cu_from_logs(name, result.logs(), program), bump_tries=bump_tries)
        rows.append(row)
        return row

    setup_names = ["initialize_market", "initialize_carbon_mint", *(
        f"initialize_vault {kind}" for kind in ("stake", "reward", "insurance", "escrow")
    )]
    for name, result in zip(setup_names, env.initialize_results, strict=True):
        record(name, result)
    record("update_market_params", env.send_ok([update_market_params_ix(env.admin.pubkey())]))

    # register_provider over the seeded sample; the first authority is the provider used below.
    sample: list[CuRow] = []
    for index in range(REGISTER_SAMPLE):
        authority = seeded_keypair(f"provider-{index}")
        svm.airdrop(authority.pubkey(), 10**9)
        result = env.send_ok([register_provider_ix(authority.pubkey(), seeded_keypair(f"node-{index}").pubkey())], [authority])
        sample.append(replace(cu_from_logs("register_provider", result.logs(), program), bump_tries=provider_tries(authority.pubkey())))
    by_tries = {tries: next(row for row in sample if row.bump_tries == tries) for tries in range(1, 5)}
    rows.extend(by_tries.values())
    max_row = replace(max(sample, key=lambda row: row.own), instruction="register_provider, sample max")
    rows.append(max_row)
    register = RegisterSample(by_tries, max_row, sum(row.own < OWN_CU_TARGET for row in sample), len(sample))

    wallet = env.new_wallet(kgpu=10_000_000)
    node = seeded_keypair("node")
    env.send_ok([
        create_associated_token_account(env.admin.pubkey(), wallet.pubkey(), CARBON_MINT, TOKEN_2022_PROGRAM_ID),
        register_provider_ix(wallet.pubkey(), node.pubkey()),
    ], [wallet])
    provider_key = provider_address(wallet.pubkey())
    record("approve_provider", env.send_ok([approve_provider_ix(env.token.registry.pubkey(), provider_key)], [env.token.registry]))
    record("stake", env.send_ok([stake_ix(wallet.pubkey(), 3_000_000)], [wallet]))

    provider = Provider(wallet, node, provider_key, 2)
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider)
    record("open_job", result)
    now = env.token.now()
    receipt = UsageReceipt(job, 1, 7_200, now - 3_600, now, 1_500, 600)
    record("settle_receipt", env.send_ok([
        env.quorum(16, receipt.payload()),
        settle_receipt_ix(env.admin.pubkey(), receipt, provider_key, wallet.pubkey()),
    ]))
    record("sweep_fees", env.send_ok([sweep_fees_ix()]))
    record("sweep_fees, nothing to sweep", env.send_ok([sweep_fees_ix()]))
    record("claim_rewards", env.send_ok([claim_rewards_ix(wallet.pubkey())], [wallet]))

    def settle_unrecorded(sequence: int) -> None:
        receipt = UsageReceipt(job, sequence, 3_600, now - 3_600, now, 1_500, 600)
        env.send_ok([
            env.quorum(16, receipt.payload()),
            settle_receipt_ix(env.admin.pubkey(), receipt, provider_key, wallet.pubkey()),
        ])

    # claim_rewards also pays for the sweep when fees are unswept.
    settle_unrecorded(2)
    record("claim_rewards, with sweep", env.send_ok([claim_rewards_ix(wallet.pubkey())], [wallet]))
    record("close_job", env.send_ok([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider_key)], [renter]))
    record("request_unstake", env.send_ok([request_unstake_ix(wallet.pubkey(), 1_000_000)], [wallet]))
    env.token.set_time(env.token.now() + env.market().unbonding_period)
    record("withdraw_unstaked", env.send_ok([withdraw_unstaked_ix(wallet.pubkey())], [wallet]))
    slash = Slash(provider_key, 1, 1_000, INSURANCE_VAULT)
    record("slash", env.send_ok([env.quorum(17, slash.payload()), slash_ix(slash)]))
    return rows, register


def main() -> None:
    rows, register = measure_with_sample()
    print(f"{'instruction':<30} {'total':>7} {'cpi':>7} {'own':>7} {'tries':>6}")
    for row in rows:
        print(f"{row.instruction:<30} {row.total:>7} {row.cpi:>7} {row.own:>7} {row.bump_tries:>6}")
    print(
        f"\nregister_provider over {register.size} seeded authorities: max {register.max_row.own} own units at "
        f"{register.max_row.bump_tries} tries; {register.under_target} of {register.size} under {OWN_CU_TARGET}."
    )


if __name__ == "__main__":
    main()
