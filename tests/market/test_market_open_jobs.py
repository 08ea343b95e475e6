"""The provider's open job count and the stake it keeps in place.

`open_job` and `close_job` count a provider's open jobs in `Provider.open_jobs`. While the count
is above zero, `request_unstake` rejects an amount that would leave less than
`min_stake_per_gpu * gpu_count` active, so a slash for an open job still finds that stake.
"""

from __future__ import annotations

import kgpu_token_testkit as token_kit
from solders.instruction import AccountMeta, Instruction
from solders.transaction_metadata import FailedTransactionMetadata

from market_testkit import (
    ERRORS,
    ESCROW_VAULT,
    INSURANCE_VAULT,
    MARKET,
    MIN_STAKE_PER_GPU,
    STAKE_VAULT,
    UNBONDING_PERIOD,
    Slash,
    UsageReceipt,
    balance,
    close_job_ix,
    custom_error,
    decode,
    error_text,
    events,
    kgpu_account,
    request_unstake_ix,
    withdraw_unstaked_ix,
)

# Providers register 2 GPUs, so open_job requires 2,000,000 K-GPU of active stake.
GPU_COUNT = 2
REQUIRED_STAKE = MIN_STAKE_PER_GPU * GPU_COUNT


def ok(result):
    assert not isinstance(result, FailedTransactionMetadata), f"{result.err()}\n" + "\n".join(result.meta().logs())
    return result


def assert_error(result, name: str):
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded"
    if name in ERRORS:
        assert custom_error(result) == ERRORS[name], error_text(result)
    else:
        assert name in error_text(result), error_text(result)


def open_jobs(env, provider) -> int:
    return decode(env.svm, provider.address).open_jobs


def open_job(env, provider, *, duration=86_400):
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, duration=duration)
    ok(result)
    return renter, job


def close(env, caller, renter, job, provider):
    return env.send([close_job_ix(caller.pubkey(), job, renter.pubkey(), provider.address)], [caller])


def unstake(env, provider, amount):
    return env.send([request_unstake_ix(provider.wallet.pubkey(), amount)], [provider.wallet])


def test_unstake_blocked_until_job_closed(env):
    # Given a provider staked at exactly the minimum, with one open job.
    provider = env.new_provider(gpu_count=GPU_COUNT, stake=REQUIRED_STAKE)
    renter, job = open_job(env, provider)

    # When it requests to unstake any amount, then the request fails and changes nothing.
    before = token_kit.snapshot(env.svm, [provider.address, STAKE_VAULT])
    assert_error(unstake(env, provider, 1), "InsufficientStake")
    assert_error(unstake(env, provider, REQUIRED_STAKE), "InsufficientStake")
    assert token_kit.snapshot(env.svm, [provider.address, STAKE_VAULT]) == before

    # When the renter closes the job, then the whole stake may be unstaked and withdrawn.
    ok(close(env, renter, renter, job, provider))
    assert open_jobs(env, provider) == 0
    ok(unstake(env, provider, REQUIRED_STAKE))
    state = decode(env.svm, provider.address)
    assert (state.active_stake, state.unbonding_stake) == (0, REQUIRED_STAKE)
    env.token.set_time(env.token.now() + UNBONDING_PERIOD)
    wallet_before = balance(env.svm, kgpu_account(provider.wallet.pubkey()))
    ok(env.send([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet]))
    assert balance(env.svm, kgpu_account(provider.wallet.pubkey())) == wallet_before + REQUIRED_STAKE


def test_partial_unstake_keeping_minimum(env):
    # Given a provider with 1,000,000 K-GPU above the minimum and one open job.
    provider = env.new_provider(gpu_count=GPU_COUNT, stake=REQUIRED_STAKE + 1_000_000)
    open_job(env, provider)

    # Then it may unstake the excess down to exactly the minimum, but not one unit more.
    ok(unstake(env, provider, 400_000))
    ok(unstake(env, provider, 600_000))
    assert_error(unstake(env, provider, 1), "InsufficientStake")
    state = decode(env.svm, provider.address)
    assert (state.active_stake, state.unbonding_stake) == (REQUIRED_STAKE, 1_000_000)

    # And it may withdraw the unbonded excess while the job is still open.
    env.token.set_time(env.token.now() + UNBONDING_PERIOD)
    ok(env.send([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet]))
    assert balance(env.svm, STAKE_VAULT) == REQUIRED_STAKE
    assert open_jobs(env, provider) == 1


def test_unstake_blocked_after_slash_below_minimum(env):
    # Given a provider with an open job, slashed below the minimum.
    provider = env.new_provider(gpu_count=GPU_COUNT, stake=REQUIRED_STAKE + 500_000)
    open_job(env, provider)
    ok(env.slash(Slash(provider.address, 1, 1_000_000, INSURANCE_VAULT)))
    assert decode(env.svm, provider.address).active_stake == REQUIRED_STAKE - 500_000

    # Then none of the remaining stake may be unstaked while the job is open.
    assert_error(unstake(env, provider, 1), "InsufficientStake")


def test_open_jobs_counts_up_and_down(env):
    provider = env.new_provider(gpu_count=GPU_COUNT)
    other = env.new_provider(gpu_count=GPU_COUNT)
    stranger = env.new_wallet()
    assert open_jobs(env, provider) == 0

    # Each open_job adds one to its own provider only.
    first_renter, first_job = open_job(env, provider)
    assert open_jobs(env, provider) == 1
    second_renter, second_job = open_job(env, provider, duration=3_600)
    assert open_jobs(env, provider) == 2
    other_renter, other_job = open_job(env, other)
    assert open_jobs(env, provider) == 2
    assert open_jobs(env, other) == 1

    # Each close_job takes one off, and a second close of the same job fails and takes nothing.
    ok(close(env, first_renter, first_renter, first_job, provider))
    assert open_jobs(env, provider) == 1
    assert_error(close(env, first_renter, first_renter, first_job, provider), "JobClosed")
    assert open_jobs(env, provider) == 1

    # A close by anyone after the end time counts the same as one by the renter.
    env.token.set_time(env.token.now() + 3_600)
    ok(close(env, stranger, second_renter, second_job, provider))
    assert open_jobs(env, provider) == 0
    assert open_jobs(env, other) == 1

    ok(close(env, other_renter, other_renter, other_job, other))
    assert open_jobs(env, other) == 0


def test_close_job_with_other_provider(env):
    """A close that names another provider's account must not lower that provider's count."""
    provider = env.new_provider(gpu_count=GPU_COUNT)
    other = env.new_provider(gpu_count=GPU_COUNT)
    renter, job = open_job(env, provider)
    open_job(env, other)

    before = token_kit.snapshot(env.svm, [job, provider.address, other.address])
    assert_error(close(env, renter, renter, job, other), "AccountMismatch")
    assert token_kit.snapshot(env.svm, [job, provider.address, other.address]) == before


def test_close_job_provider_read_only(env):
    provider = env.new_provider(gpu_count=GPU_COUNT)
    renter, job = open_job(env, provider)
    ix = close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)
    accounts = list(ix.accounts)
    index = next(i for i, meta in enumerate(accounts) if meta.pubkey == provider.address)
    accounts[index] = AccountMeta(provider.address, False, False)

    result = env.send([Instruction(ix.program_id, bytes(ix.data), accounts)], [renter])

    assert_error(result, "Immutable")
    assert open_jobs(env, provider) == 1


def test_provider_closes_job_early(env):
    # Given a provider staked at exactly the minimum, with a 30-day job of 100,000 K-GPU at
    # 3,000 per GPU-hour, and one settled receipt of 3,600 GPU-seconds: payment 3,000, fee 75.
    provider = env.new_provider(gpu_count=GPU_COUNT, stake=REQUIRED_STAKE)
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, price=3_000, budget=100_000, duration=30 * 86_400)
    ok(result)
    now = env.token.now()
    ok(env.settle(UsageReceipt(job, 1, 3_600, now - 3_600, now, 0, 0), provider))
    assert decode(env.svm, job).escrowed == 97_000
    assert balance(env.svm, ESCROW_VAULT) == 97_000 + 75
    assert env.market().total_escrowed == 97_000
    renter_before = balance(env.svm, kgpu_account(renter.pubkey()))
    provider_wallet_before = balance(env.svm, kgpu_account(provider.wallet.pubkey()))
    assert_error(unstake(env, provider, 1), "InsufficientStake")

    # When the provider's authority closes the job long before its end time.
    result = ok(close(env, provider.wallet, renter, job, provider))

    # Then the renter gets the rest of the escrow, and the provider's wallet nothing.
    assert balance(env.svm, kgpu_account(renter.pubkey())) == renter_before + 97_000
    assert balance(env.svm, kgpu_account(provider.wallet.pubkey())) == provider_wallet_before
    assert balance(env.svm, ESCROW_VAULT) == 75
    assert env.market().total_escrowed == 0
    assert env.market().unswept_fees == 75
    state = decode(env.svm, job)
    assert (state.funded, state.escrowed, state.paid, state.fees, state.refunded) == (100_000, 0, 2_925, 75, 97_000)
    assert state.status == 1
    assert state.closed_at == env.token.now()
    (name, data), = events(result)
    assert name == "JobClosed"
    assert (data.closed_by, data.refunded) == (provider.wallet.pubkey(), 97_000)
    assert open_jobs(env, provider) == 0

    # And the provider may unstake and withdraw its whole stake.
    ok(unstake(env, provider, REQUIRED_STAKE))
    env.token.set_time(env.token.now() + UNBONDING_PERIOD)
    ok(env.send([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet]))
    assert balance(env.svm, kgpu_account(provider.wallet.pubkey())) == provider_wallet_before + REQUIRED_STAKE


def test_stranger_cannot_close_early(env):
    provider = env.new_provider(gpu_count=GPU_COUNT)
    other = env.new_provider(gpu_count=GPU_COUNT)
    renter, job = open_job(env, provider)
    watched = [job, MARKET, ESCROW_VAULT, provider.address, kgpu_account(renter.pubkey())]
    before = token_kit.snapshot(env.svm, watched)

    # Neither a stranger, another provider's authority nor the provider's node key may close it.
    stranger = env.new_wallet()
    node_key = provider.node_key
    env.svm.airdrop(node_key.pubkey(), 1_000_000_000)
    for caller in (stranger, other.wallet, node_key):
        assert_error(close(env, caller, renter, job, provider), "JobNotEnded")
        assert token_kit.snapshot(env.svm, watched) == before
    assert open_jobs(env, provider) == 1
