"""Compute units of every kgpu_market instruction, split into the program's own work and its CPIs.

Run from the repository root:

    uv run --frozen python bench/cu_market.py

It deploys kgpu_token and kgpu_market into a fresh LiteSVM (the runtime bundled with solders
0.27), drives one success path of each instruction through the test kit in `tests/market`, and
prints one row per instruction. Every keypair comes from a fixed seed, so the table is the same
on every run for a given build.

No instruction searches a bump, so each costs the same for every key. `register_provider`
checks its Provider account, a System address with seed, with one hash whatever the authority.
It contributes one row per authority in REGISTER_AUTHORITIES, fixed seeded keys, to show that,
and one row for a Provider address that held lamports before registration.
`open_job` requires a job nonce whose PDA has bump 255.

Columns:
- total: units the market program consumed, as its "consumed N of M" log line reports; this
  includes everything it invoked.
- cpi: units spent on cross-program invocations: what each invoked program logged as consumed,
  plus 150 for each System program call (a builtin that logs no consumption) and the runtime's
  fixed charge of 1,000 units per invocation (Agave's `invoke_units`).
- own: total minus cpi, the market program's own instructions and syscalls.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from kgpu_sbf.spl import install_token_2022

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "market"))

# Runtime charges that no log line reports (Agave compute budget defaults).
INVOKE_UNITS = 1_000
SYSTEM_PROGRAM_UNITS = 150
SYSTEM_PROGRAM_ID = "11111111111111111111111111111111"

# Own-unit target of every instruction.
OWN_CU_TARGET = 3_000

# Labels of the seeded authorities that register_provider is measured with, one row each. Under
# the former Provider PDA `["provider", authority]` these keys needed 1, 2, 9, 1 and 7 bump
# tries.
REGISTER_AUTHORITIES = ("provider-0", "provider-1", "provider-2", "provider-3", "provider-4")

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
    keys decide addresses, PDA bumps and signatures, so seeding them makes runs repeat exactly.
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


def measure() -> list[CuRow]:
    """Deploy both programs in a fresh LiteSVM, run every instruction once and return its row.

    `register_provider` contributes one row per authority in REGISTER_AUTHORITIES, named
    `register_provider, <label>`, and `register_provider, pre-funded`.
    """
    with seeded_keypairs():
        return _measure()


def _measure() -> list[CuRow]:
    from solders.litesvm import LiteSVM
    from solders.transaction_metadata import FailedTransactionMetadata

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
        claim_refund_ix,
        claim_rewards_ix,
        close_job_ix,
        kgpu_account,
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
    from spl.token.instructions import close_account, create_associated_token_account
    from spl.token.models import CloseAccountParams

    import kgpu_token_testkit as token_kit

    svm = LiteSVM()
    install_token_2022(svm)
    payer = seeded_keypair("payer")
    svm.airdrop(payer.pubkey(), 1_000 * 10**9)
    env = make_market_env(svm, payer, lambda name: deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name)))
    program = str(PROGRAM_ID)
    rows: list[CuRow] = []

    def record(name: str, result) -> CuRow:
        row = cu_from_logs(name, result.logs(), program)
        rows.append(row)
        return row

    setup_names = ["initialize_market", "initialize_carbon_mint", *(
        f"initialize_vault {kind}" for kind in ("stake", "reward", "insurance", "escrow")
    )]
    for name, result in zip(setup_names, env.initialize_results, strict=True):
        record(name, result)
    record("update_market_params", env.send_ok([update_market_params_ix(env.admin.pubkey())]))

    for label in REGISTER_AUTHORITIES:
        authority = seeded_keypair(label)
        svm.airdrop(authority.pubkey(), 10**9)
        node_key = seeded_keypair(f"node-{label}").pubkey()
        record(f"register_provider, {label}", env.send_ok([register_provider_ix(authority.pubkey(), node_key)], [authority]))

    # An address that someone funded before registration takes Transfer and AllocateWithSeed
    # instead of CreateAccountWithSeed.
    authority = seeded_keypair("provider-prefunded")
    svm.airdrop(authority.pubkey(), 10**9)
    svm.airdrop(provider_address(authority.pubkey()), 1_000_000)
    node_key = seeded_keypair("node-provider-prefunded").pubkey()
    record("register_provider, pre-funded", env.send_ok([register_provider_ix(authority.pubkey(), node_key)], [authority]))

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

    # A renter that spent its account down, closed it and recreated it frozen: close_job books the
    # refund, and claim_refund pays it once set_kyc has thawed the new account.
    spender = env.new_wallet(kgpu=100_000)
    result, spent_job = env.open_job(spender, provider)
    assert not isinstance(result, FailedTransactionMetadata), result
    spender_account = kgpu_account(spender.pubkey())
    env.send_ok([
        close_account(CloseAccountParams(program_id=TOKEN_2022_PROGRAM_ID, account=spender_account, dest=spender.pubkey(), owner=spender.pubkey())),
        create_associated_token_account(spender.pubkey(), spender.pubkey(), token_kit.mint_address(), TOKEN_2022_PROGRAM_ID),
    ], [spender])
    record("close_job, refund booked", env.send_ok([close_job_ix(wallet.pubkey(), spent_job, spender.pubkey(), provider_key)], [wallet]))
    registry = env.token.registry
    env.send_ok([token_kit.set_kyc_ix(registry.pubkey(), env.admin.pubkey(), spender.pubkey(), token_accounts=[spender_account])], [registry])
    record("claim_refund", env.send_ok([claim_refund_ix(spent_job, spender.pubkey())]))
    record("request_unstake", env.send_ok([request_unstake_ix(wallet.pubkey(), 1_000_000)], [wallet]))
    env.token.set_time(env.token.now() + env.market().unbonding_period)
    record("withdraw_unstaked", env.send_ok([withdraw_unstaked_ix(wallet.pubkey())], [wallet]))
    slash = Slash(provider_key, 1, 1_000, INSURANCE_VAULT)
    record("slash", env.send_ok([env.quorum(17, slash.payload()), slash_ix(slash)]))
    return rows


def main() -> None:
    rows = measure()
    print(f"{'instruction':<32} {'total':>7} {'cpi':>7} {'own':>7}")
    for row in rows:
        print(f"{row.instruction:<32} {row.total:>7} {row.cpi:>7} {row.own:>7}")
    over = [row.instruction for row in rows if row.own >= OWN_CU_TARGET]
    print(f"\n{len(over)} of {len(rows)} rows at or over {OWN_CU_TARGET} own units: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
