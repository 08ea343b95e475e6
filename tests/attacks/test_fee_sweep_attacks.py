"""Attacks on the fee sweep of kgpu_market.

`settle_receipt` books each fee for the stakers at once but leaves its tokens in the escrow vault
as `Market.unswept_fees`. `sweep_fees`, which anyone may send, and `claim_rewards` move them to
the reward vault. Each test asserts the secure behaviour: a sweep moves exactly the booked fees
and never a job's escrow, and stake added after a fee was booked earns none of it.
"""

from __future__ import annotations

import kgpu_token_testkit as token_kit
from solders.transaction_metadata import FailedTransactionMetadata

from market_testkit import (
    ERRORS,
    ESCROW_VAULT,
    MARKET,
    REWARD_VAULT,
    STAKE_VAULT,
    TOKEN_PROGRAM_ID,
    UsageReceipt,
    balance,
    claim_rewards_ix,
    close_job_ix,
    custom_error,
    decode,
    events,
    kgpu_account,
    replace_account,
    stake_ix,
    sweep_fees_ix,
)

# 1,600 GPU-seconds at 3,600,000 K-GPU per GPU-hour: payment 1,600,000, fee 2.5% = 40,000.
PRICE = 3_600_000
BUDGET = 5_000_000
GPU_SECONDS = 1_600
PAYMENT = 1_600_000
FEE = 40_000


def failed(result) -> bool:
    return isinstance(result, FailedTransactionMetadata)


def ok(result):
    assert not failed(result), f"{result.err()}\n" + "\n".join(result.meta().logs())
    return result


def assert_error(result, name: str) -> None:
    assert failed(result), f"expected {name}, the transaction succeeded"
    assert custom_error(result) == ERRORS[name], result.meta().logs()


def snapshot(env, addresses):
    return token_kit.snapshot(env.svm, addresses)


def settle_one(env, provider, job, sequence: int) -> None:
    now = env.token.now()
    ok(env.settle(UsageReceipt(job, sequence, GPU_SECONDS, now - 3_600, now, 0, 0), provider))


def open_funded_job(env, provider):
    renter = env.new_wallet(kgpu=10_000_000)
    result, job = env.open_job(renter, provider, price=PRICE, budget=BUDGET)
    ok(result)
    return renter, job


def assert_vaults_balanced(env) -> None:
    market = env.market()
    assert balance(env.svm, ESCROW_VAULT) == market.total_escrowed + market.unswept_fees
    assert balance(env.svm, REWARD_VAULT) + market.unswept_fees == market.total_fees - market.total_rewards_claimed


def test_sweep_moves_only_fees(market_env):
    """Two open jobs and one booked fee: the sweep moves the fee and leaves both escrows."""
    env = market_env
    provider = env.new_provider()
    _, job = open_funded_job(env, provider)
    _, other_job = open_funded_job(env, provider)

    # With no fee booked the sweep moves nothing, although the escrow vault contains two budgets.
    ok(env.send([sweep_fees_ix()]))
    assert balance(env.svm, ESCROW_VAULT) == 2 * BUDGET
    assert balance(env.svm, REWARD_VAULT) == 0

    settle_one(env, provider, job, 1)
    assert balance(env.svm, ESCROW_VAULT) == 2 * BUDGET - PAYMENT + FEE
    assert env.market().unswept_fees == FEE
    assert_vaults_balanced(env)

    result = ok(env.send([sweep_fees_ix()]))
    assert [(name, data.amount) for name, data in events(result)] == [("FeesSwept", FEE)]
    assert balance(env.svm, ESCROW_VAULT) == 2 * BUDGET - PAYMENT
    assert balance(env.svm, ESCROW_VAULT) == decode(env.svm, job).escrowed + decode(env.svm, other_job).escrowed
    assert balance(env.svm, REWARD_VAULT) == FEE
    assert env.market().unswept_fees == 0
    assert_vaults_balanced(env)


def test_close_refunds_escrow_not_fees(market_env):
    """A close while the fee is unswept refunds the job's escrow only; the fee stays for stakers."""
    env = market_env
    provider = env.new_provider()
    renter, job = open_funded_job(env, provider)
    settle_one(env, provider, job, 1)
    renter_before = balance(env.svm, kgpu_account(renter.pubkey()))

    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]))

    assert balance(env.svm, kgpu_account(renter.pubkey())) == renter_before + BUDGET - PAYMENT
    assert balance(env.svm, ESCROW_VAULT) == FEE
    assert env.market().total_escrowed == 0
    ok(env.send([sweep_fees_ix()]))
    assert balance(env.svm, ESCROW_VAULT) == 0
    assert balance(env.svm, REWARD_VAULT) == FEE


def test_repeated_sweep_is_noop(market_env):
    env = market_env
    provider = env.new_provider()
    _, job = open_funded_job(env, provider)
    settle_one(env, provider, job, 1)
    ok(env.send([sweep_fees_ix()]))
    watched = [MARKET, ESCROW_VAULT, REWARD_VAULT]
    before = snapshot(env, watched)

    for _ in range(2):
        result = ok(env.send([sweep_fees_ix()]))
        assert events(result) == []
        assert snapshot(env, watched) == before


def test_sweep_to_other_accounts_rejected(market_env):
    """The sweep's source and destination are the market's vaults and nothing else."""
    env = market_env
    provider = env.new_provider()
    _, job = open_funded_job(env, provider)
    settle_one(env, provider, job, 1)
    attacker = env.new_wallet()
    watched = [MARKET, ESCROW_VAULT, REWARD_VAULT, STAKE_VAULT, kgpu_account(attacker.pubkey())]
    before = snapshot(env, watched)

    cases = [
        sweep_fees_ix(reward_vault=kgpu_account(attacker.pubkey())),
        sweep_fees_ix(reward_vault=ESCROW_VAULT),
        sweep_fees_ix(escrow_vault=STAKE_VAULT),
        sweep_fees_ix(escrow_vault=STAKE_VAULT, reward_vault=kgpu_account(attacker.pubkey())),
    ]
    for ix in cases:
        assert_error(env.send([ix]), "AccountMismatch")
        assert snapshot(env, watched) == before

    # A program other than Token-2022 in the token program slot moves nothing either.
    result = env.send([replace_account(sweep_fees_ix(), "token_program", TOKEN_PROGRAM_ID)])
    assert failed(result)
    assert snapshot(env, watched) == before


def test_claim_with_other_escrow_rejected(market_env):
    env = market_env
    provider = env.new_provider()
    _, job = open_funded_job(env, provider)
    settle_one(env, provider, job, 1)
    wallet = provider.wallet
    watched = [MARKET, ESCROW_VAULT, REWARD_VAULT, STAKE_VAULT, provider.address, kgpu_account(wallet.pubkey())]
    before = snapshot(env, watched)

    for escrow in (STAKE_VAULT, kgpu_account(wallet.pubkey())):
        assert_error(env.send([claim_rewards_ix(wallet.pubkey(), escrow_vault=escrow)], [wallet]), "AccountMismatch")
        assert snapshot(env, watched) == before


def test_claim_after_sweep_pays_exact_amounts(market_env):
    """Stakes of 2,000,000 and 6,000,000 share a 40,000 fee 1:3, swept before either claims."""
    env = market_env
    small = env.new_provider(stake=2_000_000)
    large = env.new_provider(stake=6_000_000)
    _, job = open_funded_job(env, small)
    settle_one(env, small, job, 1)
    ok(env.send([sweep_fees_ix()]))

    small_before = balance(env.svm, kgpu_account(small.wallet.pubkey()))
    result = ok(env.send([claim_rewards_ix(small.wallet.pubkey())], [small.wallet]))
    assert [(name, data.amount) for name, data in events(result)] == [("RewardsClaimed", 10_000)]
    assert balance(env.svm, kgpu_account(small.wallet.pubkey())) == small_before + 10_000

    large_before = balance(env.svm, kgpu_account(large.wallet.pubkey()))
    ok(env.send([claim_rewards_ix(large.wallet.pubkey())], [large.wallet]))
    assert balance(env.svm, kgpu_account(large.wallet.pubkey())) == large_before + 30_000

    assert balance(env.svm, REWARD_VAULT) == 0
    assert balance(env.svm, ESCROW_VAULT) == BUDGET - PAYMENT
    market = env.market()
    assert (market.total_fees, market.total_rewards_claimed, market.unswept_fees) == (FEE, FEE, 0)
    assert_vaults_balanced(env)


def test_late_staker_gets_no_unswept_fees(market_env):
    """Stake added after a fee was booked but before the sweep earns none of that fee."""
    env = market_env
    early = env.new_provider(stake=2_000_000)
    _, job = open_funded_job(env, early)
    settle_one(env, early, job, 1)
    assert env.market().unswept_fees == FEE

    # A new provider stakes three times as much while the fee still sits in the escrow vault.
    late = env.new_provider(stake=6_000_000)
    late_wallet = late.wallet
    late_before = balance(env.svm, kgpu_account(late_wallet.pubkey()))
    watched = [MARKET, ESCROW_VAULT, REWARD_VAULT, late.address]
    before = snapshot(env, watched)
    assert_error(env.send([claim_rewards_ix(late_wallet.pubkey())], [late_wallet]), "NothingToClaim")
    assert snapshot(env, watched) == before

    # After the sweep the late staker still has nothing, and the early one takes the whole fee.
    ok(env.send([sweep_fees_ix()]))
    assert_error(env.send([claim_rewards_ix(late_wallet.pubkey())], [late_wallet]), "NothingToClaim")
    early_before = balance(env.svm, kgpu_account(early.wallet.pubkey()))
    ok(env.send([claim_rewards_ix(early.wallet.pubkey())], [early.wallet]))
    assert balance(env.svm, kgpu_account(early.wallet.pubkey())) == early_before + FEE

    # A fee booked after the late stake joined is shared 1:3.
    settle_one(env, early, job, 2)
    late_result = ok(env.send([claim_rewards_ix(late_wallet.pubkey())], [late_wallet]))
    assert [(name, data.amount) for name, data in events(late_result)] == [("FeesSwept", FEE), ("RewardsClaimed", 30_000)]
    assert balance(env.svm, kgpu_account(late_wallet.pubkey())) == late_before + 30_000
    assert balance(env.svm, REWARD_VAULT) == 10_000
    assert_vaults_balanced(env)
