"""Success paths of every kgpu_market instruction, with exact balances, state and events."""

from __future__ import annotations

from solders.transaction_metadata import FailedTransactionMetadata

from market_testkit import (
    CARBON_MINT,
    ERRORS,
    ESCROW_VAULT,
    FEE_BPS,
    GRID_GCO2_PER_KWH,
    INSURANCE_VAULT,
    MARKET,
    MIN_STAKE_PER_GPU,
    PROGRAM_ID,
    REWARD_VAULT,
    STAKE_VAULT,
    UNBONDING_PERIOD,
    Slash,
    UsageReceipt,
    approve_provider_ix,
    balance,
    carbon_account,
    claim_rewards_ix,
    close_job_ix,
    custom_error,
    decode,
    events,
    job_address,
    kgpu_account,
    next_job_nonce,
    receipt_address,
    request_unstake_ix,
    stake_ix,
    update_market_params_ix,
    withdraw_unstaked_ix,
)

PRICE = 3_000
BUDGET = 100_000


def ok(result):
    assert not isinstance(result, FailedTransactionMetadata), f"{result.err()}\n" + "\n".join(result.meta().logs())
    return result


def test_initialize_market_writes_config_and_vaults(env):
    market = env.market()
    assert market.admin == env.admin.pubkey()
    assert market.fee_bps == FEE_BPS
    assert market.min_stake_per_gpu == MIN_STAKE_PER_GPU
    assert market.unbonding_period == UNBONDING_PERIOD
    assert market.grid_gco2_per_kwh == GRID_GCO2_PER_KWH
    assert market.blocked_count == 2
    assert bytes(market.blocked_jurisdictions[0]) == b"CN"
    assert bytes(market.blocked_jurisdictions[1]) == b"RU"
    assert [market.stake_vault, market.reward_vault, market.insurance_vault, market.escrow_vault] == [
        STAKE_VAULT, REWARD_VAULT, INSURANCE_VAULT, ESCROW_VAULT,
    ]
    for vault in (STAKE_VAULT, REWARD_VAULT, INSURANCE_VAULT, ESCROW_VAULT):
        assert balance(env.svm, vault) == 0

    carbon = bytes(env.svm.get_account(CARBON_MINT).data)
    assert carbon[44] == 0  # decimals
    assert carbon[45] == 1  # initialized


def test_update_market_params_by_admin(env):
    result = ok(env.send([update_market_params_ix(env.admin.pubkey(), fee_bps=500, blocked=[b"CN", b"RU", b"KP"])]))
    market = env.market()
    assert market.fee_bps == 500
    assert market.blocked_count == 3
    assert bytes(market.blocked_jurisdictions[2]) == b"KP"
    names = [name for name, _ in events(result)]
    assert names == ["MarketParamsUpdated"]


def test_register_approve_and_stake(env):
    provider = env.new_provider(gpu_count=2, approve=False, stake=0)
    state = decode(env.svm, provider.address)
    assert state.authority == provider.wallet.pubkey()
    assert state.node_key == provider.node_key.pubkey()
    assert state.gpu_count == 2
    assert bytes(state.region) == b"KR"
    assert state.approved is False

    result = ok(env.send([approve_provider_ix(env.token.registry.pubkey(), provider.address)], [env.token.registry]))
    assert decode(env.svm, provider.address).approved is True
    assert [name for name, _ in events(result)] == ["ProviderApprovalChanged"]

    before = balance(env.svm, kgpu_account(provider.wallet.pubkey()))
    result = ok(env.send([stake_ix(provider.wallet.pubkey(), 2_500_000)], [provider.wallet]))
    assert balance(env.svm, kgpu_account(provider.wallet.pubkey())) == before - 2_500_000
    assert balance(env.svm, STAKE_VAULT) == 2_500_000
    state = decode(env.svm, provider.address)
    assert state.active_stake == 2_500_000
    assert state.total_staked == 2_500_000
    assert env.market().total_active_stake == 2_500_000
    (name, data), = events(result)
    assert name == "Staked"
    assert data.amount == 2_500_000


def test_job_settle_close_exact_balances(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, price=PRICE, budget=BUDGET)
    ok(result)
    assert balance(env.svm, kgpu_account(renter.pubkey())) == 1_000_000 - BUDGET
    assert balance(env.svm, ESCROW_VAULT) == BUDGET
    assert [name for name, _ in events(result)] == ["JobOpened"]

    # Given a receipt for 2 GPUs over one hour, 1.5 kWh of which 0.6 kWh renewable.
    now = env.token.now()
    receipt = UsageReceipt(job, 1, 7_200, now - 3_600, now, 1_500, 600)
    provider_before = balance(env.svm, kgpu_account(provider.wallet.pubkey()))
    result = ok(env.settle(receipt, provider))

    # Then payment = 7,200 s * 3,000 / 3,600 = 6,000; fee = 2.5% = 150; provider gets 5,850.
    assert balance(env.svm, kgpu_account(provider.wallet.pubkey())) == provider_before + 5_850
    assert balance(env.svm, REWARD_VAULT) == 150
    assert balance(env.svm, ESCROW_VAULT) == BUDGET - 6_000
    assert balance(env.svm, carbon_account(provider.wallet.pubkey())) == 600
    state = decode(env.svm, job)
    assert (state.funded, state.escrowed, state.paid, state.fees, state.refunded) == (BUDGET, 94_000, 5_850, 150, 0)
    # 900 Wh non-renewable * 436 g/kWh / 1000 = 392.4 g, rounded down.
    assert state.co2_grams == 392
    assert state.last_sequence == 1
    record = decode(env.svm, receipt_address(job, 1)[0])
    assert (record.payment, record.fee, record.co2_grams, record.sequence) == (6_000, 150, 392, 1)
    assert bytes(record.usage_hash) == receipt.usage_hash
    (name, data), = events(result)
    assert name == "ReceiptSettled"
    assert (data.payment, data.fee, data.provider_amount, data.carbon_credits, data.co2_grams) == (6_000, 150, 5_850, 600, 392)

    # When the renter closes the job, the rest is refunded.
    renter_before = balance(env.svm, kgpu_account(renter.pubkey()))
    result = ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]))
    assert balance(env.svm, kgpu_account(renter.pubkey())) == renter_before + 94_000
    assert balance(env.svm, ESCROW_VAULT) == 0
    state = decode(env.svm, job)
    assert (state.escrowed, state.refunded, state.status) == (0, 94_000, 1)
    (name, data), = events(result)
    assert name == "JobClosed"
    assert data.refunded == 94_000
    assert env.market().total_escrowed == 0


def test_payment_capped_at_escrow(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, price=PRICE, budget=1_000)
    ok(result)
    now = env.token.now()
    ok(env.settle(UsageReceipt(job, 1, 7_200, now - 3_600, now, 0, 0), provider))
    state = decode(env.svm, job)
    # 6,000 due but only 1,000 escrowed: fee 25, provider 975.
    assert (state.escrowed, state.paid, state.fees) == (0, 975, 25)
    assert balance(env.svm, ESCROW_VAULT) == 0


def test_close_by_anyone_after_end_time(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, budget=BUDGET, duration=3_600)
    ok(result)
    stranger = env.new_wallet()
    env.token.set_time(env.token.now() + 3_600)
    ok(env.send([close_job_ix(stranger.pubkey(), job, renter.pubkey(), provider.address)], [stranger]))
    assert balance(env.svm, kgpu_account(renter.pubkey())) == 1_000_000
    assert decode(env.svm, job).status == 1


def test_rewards_pro_rata_and_claim(env):
    # Given two providers staking 2,000,000 and 6,000,000.
    small = env.new_provider(stake=2_000_000)
    large = env.new_provider(stake=6_000_000)
    renter = env.new_wallet(kgpu=10_000_000)
    result, job = env.open_job(renter, small, price=3_600_000, budget=5_000_000)
    ok(result)
    now = env.token.now()
    # 1,600 GPU-seconds at 3,600,000 per hour = 1,600,000; fee 2.5% = 40,000.
    ok(env.settle(UsageReceipt(job, 1, 1_600, now - 800, now, 0, 0), small))
    assert balance(env.svm, REWARD_VAULT) == 40_000

    small_before = balance(env.svm, kgpu_account(small.wallet.pubkey()))
    result = ok(env.send([claim_rewards_ix(small.wallet.pubkey())], [small.wallet]))
    assert balance(env.svm, kgpu_account(small.wallet.pubkey())) == small_before + 10_000
    (name, data), = events(result)
    assert (name, data.amount) == ("RewardsClaimed", 10_000)

    large_before = balance(env.svm, kgpu_account(large.wallet.pubkey()))
    ok(env.send([claim_rewards_ix(large.wallet.pubkey())], [large.wallet]))
    assert balance(env.svm, kgpu_account(large.wallet.pubkey())) == large_before + 30_000
    assert balance(env.svm, REWARD_VAULT) == 0

    # A second claim with nothing new earned fails.
    result = env.send([claim_rewards_ix(large.wallet.pubkey())], [large.wallet])
    assert custom_error(result) == ERRORS["NothingToClaim"]


def test_unstake_then_withdraw_after_period(env):
    provider = env.new_provider(stake=3_000_000)
    wallet = provider.wallet
    result = ok(env.send([request_unstake_ix(wallet.pubkey(), 1_000_000)], [wallet]))
    (name, data), = events(result)
    assert name == "UnstakeRequested"
    assert data.unbonding_end == env.token.now() + UNBONDING_PERIOD
    state = decode(env.svm, provider.address)
    assert (state.active_stake, state.unbonding_stake) == (2_000_000, 1_000_000)

    env.token.set_time(env.token.now() + UNBONDING_PERIOD)
    before = balance(env.svm, kgpu_account(wallet.pubkey()))
    result = ok(env.send([withdraw_unstaked_ix(wallet.pubkey())], [wallet]))
    assert balance(env.svm, kgpu_account(wallet.pubkey())) == before + 1_000_000
    assert balance(env.svm, STAKE_VAULT) == 2_000_000
    state = decode(env.svm, provider.address)
    assert (state.active_stake, state.unbonding_stake, state.total_withdrawn) == (2_000_000, 0, 1_000_000)
    assert [name for name, _ in events(result)] == ["UnstakedWithdrawn"]


def test_slash_takes_active_then_unbonding(env):
    provider = env.new_provider(stake=3_000_000)
    ok(env.send([request_unstake_ix(provider.wallet.pubkey(), 1_000_000)], [provider.wallet]))
    renter = env.new_wallet(kgpu=0)

    # Slash 2,500,000 to the renter: 2,000,000 from active, 500,000 from unbonding.
    result = ok(env.slash(Slash(provider.address, 1, 2_500_000, kgpu_account(renter.pubkey()))))
    assert balance(env.svm, kgpu_account(renter.pubkey())) == 2_500_000
    state = decode(env.svm, provider.address)
    assert (state.active_stake, state.unbonding_stake, state.total_slashed, state.slash_count) == (0, 500_000, 2_500_000, 1)
    (name, data), = events(result)
    assert name == "ProviderSlashed"
    assert (data.amount, data.from_active, data.from_unbonding) == (2_500_000, 2_000_000, 500_000)

    # A slash larger than the rest is capped, and may pay the insurance vault.
    ok(env.slash(Slash(provider.address, 2, 9_000_000, INSURANCE_VAULT)))
    assert balance(env.svm, INSURANCE_VAULT) == 500_000
    assert balance(env.svm, STAKE_VAULT) == 0
    market = env.market()
    assert market.total_staked == market.total_active_stake + market.total_unbonding_stake + market.total_withdrawn + market.total_slashed
    assert market.total_slashed == 3_000_000


def test_market_owned_by_program(env):
    assert env.svm.get_account(MARKET).owner == PROGRAM_ID


def test_prefunded_addresses_still_create(env):
    # Given lamports sent to the job and receipt addresses before they exist.
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    # env.open_job takes the next nonce whose job PDA has bump 255.
    job = job_address(renter.pubkey(), next_job_nonce(renter.pubkey(), env.nonce))
    env.svm.airdrop(job, 1_000)
    result, opened = env.open_job(renter, provider, budget=BUDGET)
    ok(result)
    assert opened == job
    assert decode(env.svm, job).funded == BUDGET

    record = receipt_address(job, 1)[0]
    env.svm.airdrop(record, 5_000_000)
    now = env.token.now()
    ok(env.settle(UsageReceipt(job, 1, 3_600, now - 3_600, now, 0, 0), provider))
    assert decode(env.svm, record).payment == 3_000
    assert env.svm.get_account(record).lamports == 5_000_000
