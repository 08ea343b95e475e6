"""Attacks and invalid requests that kgpu_market must reject."""

from __future__ import annotations

import struct

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.transaction_metadata import FailedTransactionMetadata

import kgpu_token_testkit as token_kit
from market_testkit import (
    next_job_nonce,
    ERRORS,
    ESCROW_VAULT,
    INSURANCE_VAULT,
    KIND_SETTLE_RECEIPT,
    KIND_SLASH,
    MARKET,
    PROGRAM_ID,
    STAKE_VAULT,
    Slash,
    UNBONDING_PERIOD,
    UsageReceipt,
    approve_provider_ix,
    balance,
    claim_refund_ix,
    claim_rewards_ix,
    close_job_ix,
    custom_error,
    decode,
    error_text,
    initialize_market_ix,
    kgpu_account,
    market_message,
    open_job_ix,
    receipt_address,
    register_provider_ix,
    replace_account,
    request_unstake_ix,
    settle_receipt_ix,
    slash_ix,
    stake_ix,
    update_market_params_ix,
    withdraw_unstaked_ix,
)


def ok(result):
    assert not isinstance(result, FailedTransactionMetadata), f"{result.err()}\n" + "\n".join(result.meta().logs())
    return result


def assert_error(result, name: str):
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded"
    if name in ERRORS:
        assert custom_error(result) == ERRORS[name], error_text(result)
    else:
        assert name in error_text(result), error_text(result)


@pytest.fixture
def setup(env):
    """An approved, staked provider, a KYC'd renter with K-GPU and one open job."""
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, price=3_000, budget=100_000)
    ok(result)
    return env, provider, renter, job


def receipt_for(env, job, sequence=1, **changes):
    now = env.token.now()
    fields = dict(job=job, sequence=sequence, gpu_seconds=3_600, window_start=now - 3_600, window_end=now, energy_wh=700, renewable_wh=100)
    fields.update(changes)
    return UsageReceipt(**fields)


# --- opening jobs ----------------------------------------------------------------------------


def test_open_job_unapproved_provider(env):
    provider = env.new_provider(approve=False)
    renter = env.new_wallet(kgpu=1_000_000)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "ProviderNotApproved")


def test_open_job_approval_withdrawn(env):
    provider = env.new_provider()
    ok(env.send([approve_provider_ix(env.token.registry.pubkey(), provider.address, False)], [env.token.registry]))
    renter = env.new_wallet(kgpu=1_000_000)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "ProviderNotApproved")


def test_open_job_under_staked_provider(env):
    # Two GPUs need 2,000,000; one unit short.
    provider = env.new_provider(gpu_count=2, stake=1_999_999)
    renter = env.new_wallet(kgpu=1_000_000)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "InsufficientStake")


def test_open_job_after_unstake_below_minimum(env):
    provider = env.new_provider(gpu_count=1, stake=1_000_000)
    ok(env.send([request_unstake_ix(provider.wallet.pubkey(), 1)], [provider.wallet]))
    renter = env.new_wallet(kgpu=1_000_000)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "InsufficientStake")


def test_open_job_blocked_renter_jurisdiction(env):
    # The token program accepts JP holders; the market blocks JP on top of CN and RU.
    ok(env.send([update_market_params_ix(env.admin.pubkey(), blocked=[b"CN", b"RU", b"JP"])]))
    provider = env.new_provider()
    renter = env.new_wallet(jurisdiction=b"JP", kgpu=1_000_000)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "JurisdictionBlocked")


def test_open_job_blocked_provider_region(env):
    provider = env.new_provider(region=b"RU")
    renter = env.new_wallet(kgpu=1_000_000)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "RegionBlocked")


def test_open_job_expired_kyc(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    # The testkit's KYC records expire one year after NOW.
    env.token.set_time(token_kit.NOW + 365 * 86_400)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "KycExpired")


def test_open_job_revoked_kyc(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    ok(env.send([token_kit.set_kyc_ix(env.token.registry.pubkey(), env.admin.pubkey(), renter.pubkey(), revoked=True)], [env.token.registry]))
    result, _ = env.open_job(renter, provider)
    assert_error(result, "KycInvalid")


def test_open_job_without_kyc_record(env):
    provider = env.new_provider()
    renter = env.new_wallet(kyc=False)
    result, _ = env.open_job(renter, provider)
    assert_error(result, "InvalidAccountOwner")


def test_open_job_with_another_wallets_kyc(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    other = env.new_wallet()
    env.nonce = next_job_nonce(renter.pubkey(), env.nonce)
    ix = open_job_ix(renter.pubkey(), provider.address, env.nonce, 3_000, 1_000, env.token.now() + 60, kyc_record=token_kit.kyc_address(other.pubkey()))
    assert_error(env.send([ix], [renter]), "AccountMismatch")


def test_open_job_provider_type_confusion(setup):
    env, provider, renter, job = setup
    env.nonce = next_job_nonce(renter.pubkey(), env.nonce)
    # A Job account passed where the Provider account belongs.
    ix = open_job_ix(renter.pubkey(), job, env.nonce, 3_000, 1_000, env.token.now() + 60)
    assert_error(env.send([ix], [renter]), "InvalidAccountType")


# --- settlement ------------------------------------------------------------------------------


def test_settle_replay_rejected(setup):
    env, provider, renter, job = setup
    receipt = receipt_for(env, job)
    ok(env.settle(receipt, provider))
    escrow = balance(env.svm, ESCROW_VAULT)
    assert_error(env.settle(receipt, provider), "ReceiptAlreadySettled")
    assert balance(env.svm, ESCROW_VAULT) == escrow


def test_settle_replay_at_other_bump_rejected(setup):
    env, provider, renter, job = setup
    receipt = receipt_for(env, job)
    ok(env.settle(receipt, provider))
    # Find another valid bump for the same seeds: its address is a fresh account.
    seeds = [b"receipt", bytes(job), struct.pack("<Q", 1)]
    canonical = receipt_address(job, 1)[1]
    for bump in range(canonical - 1, -1, -1):
        try:
            other = Pubkey.create_program_address(seeds + [bytes([bump])], PROGRAM_ID)
            break
        except Exception:
            continue
    assert_error(env.settle(receipt, provider, receipt_record=other, receipt_bump=bump), "ReceiptAlreadySettled")


def test_settle_older_sequence_rejected(setup):
    env, provider, renter, job = setup
    ok(env.settle(receipt_for(env, job, sequence=5), provider))
    assert_error(env.settle(receipt_for(env, job, sequence=3), provider), "ReceiptAlreadySettled")


def test_settle_receipt_for_someone_elses_job(setup):
    env, provider, renter, job = setup
    # The quorum signed a receipt for job A; it is posted against the renter's other job B.
    other_result, other_job = env.open_job(renter, provider, budget=50_000)
    ok(other_result)
    receipt = receipt_for(env, job)
    assert_error(env.settle(receipt, provider, job=other_job), "AccountMismatch")


def test_settle_payment_redirected_to_other_account(setup):
    env, provider, renter, job = setup
    thief = env.new_wallet()
    result = env.settle(receipt_for(env, job), provider, provider_token_account=kgpu_account(thief.pubkey()))
    assert_error(result, "InvalidTokenAccount")


def test_settle_other_provider_account(setup):
    env, provider, renter, job = setup
    other = env.new_provider()
    ix = settle_receipt_ix(env.admin.pubkey(), receipt_for(env, job), other.address, provider.wallet.pubkey())
    result = env.send([env.quorum(KIND_SETTLE_RECEIPT, receipt_for(env, job).payload()), ix])
    assert_error(result, "AccountMismatch")


def test_settle_below_threshold(setup):
    env, provider, renter, job = setup
    result = env.settle(receipt_for(env, job), provider, signers=env.token.oracles[:1])
    assert_error(result, "QuorumNotReached")


def test_settle_same_oracle_twice(setup):
    env, provider, renter, job = setup
    oracle = env.token.oracles[0]
    result = env.settle(receipt_for(env, job), provider, signers=[oracle, oracle])
    assert_error(result, "QuorumNotReached")


def test_settle_non_oracle_signers(setup):
    env, provider, renter, job = setup
    result = env.settle(receipt_for(env, job), provider, signers=[Keypair(), Keypair()])
    assert_error(result, "QuorumNotReached")


def test_settle_tampered_payload(setup):
    env, provider, renter, job = setup
    signed = receipt_for(env, job)
    posted = receipt_for(env, job, gpu_seconds=7_200)
    ix = settle_receipt_ix(env.admin.pubkey(), posted, provider.address, provider.wallet.pubkey())
    result = env.send([env.quorum(KIND_SETTLE_RECEIPT, signed.payload()), ix])
    assert_error(result, "QuorumNotReached")


@pytest.mark.parametrize("change", ["program_id", "deployment_id", "kind"])
def test_settle_signature_for_other_domain(setup, change):
    env, provider, renter, job = setup
    receipt = receipt_for(env, job)
    deployment_id = env.token.deployment_id if change != "deployment_id" else bytes(32)
    program_id = PROGRAM_ID if change != "program_id" else token_kit.PROGRAM_ID
    kind = KIND_SETTLE_RECEIPT if change != "kind" else 17
    message = market_message(deployment_id, kind, receipt.payload(), program_id=program_id)
    signatures = token_kit.ed25519_instruction(env.token.oracles[:2], message)
    ix = settle_receipt_ix(env.admin.pubkey(), receipt, provider.address, provider.wallet.pubkey())
    assert_error(env.send([signatures, ix]), "QuorumNotReached")


def test_settle_fake_instructions_sysvar(setup):
    env, provider, renter, job = setup
    receipt = receipt_for(env, job)
    ix = settle_receipt_ix(env.admin.pubkey(), receipt, provider.address, provider.wallet.pubkey(), instructions_sysvar=kgpu_account(renter.pubkey()))
    result = env.send([env.quorum(KIND_SETTLE_RECEIPT, receipt.payload()), ix])
    assert_error(result, "UnsupportedSysvar")


def test_settle_closed_job(setup):
    env, provider, renter, job = setup
    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]))
    assert_error(env.settle(receipt_for(env, job), provider), "JobClosed")


@pytest.mark.parametrize("changes", [
    {"gpu_seconds": 7_201},  # more than 2 GPUs over 3,600 s
    {"renewable_wh": 701},  # more renewable than total energy
    {"window_start": 10, "window_end": 10},  # empty window
])
def test_settle_inconsistent_receipt(setup, changes):
    env, provider, renter, job = setup
    assert_error(env.settle(receipt_for(env, job, **changes), provider), "InvalidReceipt")


def test_settle_overflow_pays_escrow(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, price=10**18, budget=1_000)
    ok(result)
    # 2 * 10^12 GPU-seconds * 10^18 / 3600 does not fit in 64 bits, which is more than any escrow.
    receipt = receipt_for(env, job, gpu_seconds=2 * 10**12, window_start=0, window_end=10**12)
    ok(env.settle(receipt, provider))
    state = decode(env.svm, job)
    assert (state.escrowed, state.paid, state.fees) == (0, 975, 25)


# --- closing, staking and rewards ------------------------------------------------------------


def test_close_by_stranger_before_end(setup):
    env, provider, renter, job = setup
    stranger = env.new_wallet()
    assert_error(env.send([close_job_ix(stranger.pubkey(), job, renter.pubkey(), provider.address)], [stranger]), "JobNotEnded")


def test_close_refund_to_other_account(setup):
    """Another wallet's K-GPU account never receives the refund: close_job books it instead."""
    env, provider, renter, job = setup
    other = kgpu_account(provider.wallet.pubkey())
    other_before = balance(env.svm, other)
    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address, destination=other)], [renter]))
    assert balance(env.svm, other) == other_before
    assert decode(env.svm, job).refund_due == 100_000

    assert_error(env.send([claim_refund_ix(job, renter.pubkey(), destination=other)]), "InvalidTokenAccount")
    assert balance(env.svm, other) == other_before
    assert decode(env.svm, job).refund_due == 100_000


def test_close_twice(setup):
    env, provider, renter, job = setup
    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]))
    assert_error(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]), "JobClosed")


def test_early_withdrawal(env):
    provider = env.new_provider(stake=3_000_000)
    wallet = provider.wallet
    ok(env.send([request_unstake_ix(wallet.pubkey(), 1_000_000)], [wallet]))
    env.token.set_time(env.token.now() + UNBONDING_PERIOD - 1)
    assert_error(env.send([withdraw_unstaked_ix(wallet.pubkey())], [wallet]), "UnbondingNotFinished")


def test_withdraw_without_unbonding(env):
    provider = env.new_provider()
    assert_error(env.send([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet]), "NothingToWithdraw")


def test_unstake_more_than_active(env):
    provider = env.new_provider(stake=2_000_000)
    assert_error(env.send([request_unstake_ix(provider.wallet.pubkey(), 2_000_001)], [provider.wallet]), "InvalidAmount")


def test_claim_twice(setup):
    env, provider, renter, job = setup
    ok(env.settle(receipt_for(env, job), provider))
    ok(env.send([claim_rewards_ix(provider.wallet.pubkey())], [provider.wallet]))
    assert_error(env.send([claim_rewards_ix(provider.wallet.pubkey())], [provider.wallet]), "NothingToClaim")


def test_late_staker_earns_no_earlier_fees(setup):
    env, provider, renter, job = setup
    ok(env.settle(receipt_for(env, job), provider))
    late = env.new_provider(stake=5_000_000)
    assert_error(env.send([claim_rewards_ix(late.wallet.pubkey())], [late.wallet]), "NothingToClaim")


def test_stake_for_someone_elses_provider(env):
    provider = env.new_provider()
    attacker = env.new_wallet(kgpu=1_000)
    ix = replace_account(stake_ix(attacker.pubkey(), 1_000), "provider", provider.address)
    assert_error(env.send([ix], [attacker]), "Unauthorized")


def test_claim_for_someone_elses_provider(setup):
    env, provider, renter, job = setup
    ok(env.settle(receipt_for(env, job), provider))
    attacker = env.new_wallet()
    ix = replace_account(claim_rewards_ix(attacker.pubkey()), "provider", provider.address)
    assert_error(env.send([ix], [attacker]), "Unauthorized")


# --- administration --------------------------------------------------------------------------


def test_update_params_by_stranger(env):
    stranger = env.new_wallet()
    assert_error(env.send([update_market_params_ix(stranger.pubkey(), fee_bps=0)], [stranger]), "Unauthorized")


@pytest.mark.parametrize("params", [{"fee_bps": 10_001}, {"unbonding_period": -1}, {"blocked": [b"cn"]}, {"blocked": [b"AA"] * 17}])
def test_update_params_out_of_range(env, params):
    assert_error(env.send([update_market_params_ix(env.admin.pubkey(), **params)]), "InvalidParams")


def test_approve_by_stranger(env):
    provider = env.new_provider(approve=False, stake=0)
    stranger = env.new_wallet()
    assert_error(env.send([approve_provider_ix(stranger.pubkey(), provider.address)], [stranger]), "Unauthorized")


def test_initialize_twice(env):
    assert_error(env.send([initialize_market_ix(env.admin.pubkey())]), "AlreadyInitialized")


def test_register_twice(env):
    provider = env.new_provider()
    ix = register_provider_ix(provider.wallet.pubkey(), provider.node_key.pubkey())
    assert_error(env.send([ix], [provider.wallet]), "AlreadyInitialized")


# --- slashing --------------------------------------------------------------------------------


def test_slash_replay(env):
    provider = env.new_provider(stake=3_000_000)
    slash = Slash(provider.address, 1, 1_000, INSURANCE_VAULT)
    ok(env.slash(slash))
    assert_error(env.slash(slash), "InvalidSlashSequence")
    assert decode(env.svm, provider.address).total_slashed == 1_000


def test_slash_below_threshold(env):
    provider = env.new_provider(stake=3_000_000)
    assert_error(env.slash(Slash(provider.address, 1, 1_000, INSURANCE_VAULT), signers=env.token.oracles[:1]), "QuorumNotReached")


def test_slash_recipient_mismatch(env):
    provider = env.new_provider(stake=3_000_000)
    thief = env.new_wallet()
    slash = Slash(provider.address, 1, 1_000, INSURANCE_VAULT)
    ix = replace_account(slash_ix(slash), "recipient", kgpu_account(thief.pubkey()))
    result = env.send([env.quorum(KIND_SLASH, slash.payload()), ix])
    assert_error(result, "AccountMismatch")


def test_slash_to_stake_vault_rejected(env):
    provider = env.new_provider(stake=3_000_000)
    assert_error(env.slash(Slash(provider.address, 1, 1_000, STAKE_VAULT)), "InvalidTokenAccount")


def test_stake_without_signature(env):
    provider = env.new_provider()
    ix = stake_ix(provider.wallet.pubkey(), 1_000)
    accounts = list(ix.accounts)
    accounts[0] = AccountMeta(provider.wallet.pubkey(), False, False)
    assert_error(env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)]), "MissingRequiredSignature")


def test_forged_market_account_rejected(env):
    # Given a copy of the market's data, admin included, in an account the market does not own.
    forged = Keypair().pubkey()
    real = env.svm.get_account(MARKET)
    env.svm.set_account(forged, Account(real.lamports, bytes(real.data), SYSTEM_PROGRAM_ID, False, 0))
    ix = replace_account(update_market_params_ix(env.admin.pubkey(), fee_bps=0), "market", forged)
    assert_error(env.send([ix]), "InvalidAccountOwner")
