"""kgpu.market in LiteSVM: a market run with the SDK's builders, every account the program wrote
decoded by the SDK and by anchorpy from the IDL, and the program's errors decoded into the SDK's
classes with Korean and English messages."""

from __future__ import annotations

from typing import Any

import market_testkit as kit
import pytest
from market_sdk_testkit import LAUNCH_PARAMS, SdkMarketEnv, usage
from solders.transaction_metadata import FailedTransactionMetadata

from kgpu import market
from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.errors import decode_transaction_error
from kgpu.quorum import Slash
from kgpu.token import account_discriminator

IDL_FIELDS = {entry["name"]: [field["name"] for field in entry["type"]["fields"]] for entry in kit.IDL_JSON["types"]}


def assert_matches_anchorpy(view: Any, data: bytes) -> None:
    """Compare every IDL field of the SDK's view with anchorpy's decoding of the same bytes."""
    decoded = kit.CODER.accounts.decode(data)
    for name in IDL_FIELDS[type(view).__name__]:
        expected = getattr(decoded, name)
        if name == "reserved":
            continue
        if name == "blocked_count":
            assert len(view.blocked_jurisdictions) == expected
            continue
        if name == "blocked_jurisdictions":
            assert list(view.blocked_jurisdictions) == [bytes(code) for code in expected[: decoded.blocked_count]]
            continue
        actual = getattr(view, name)
        if isinstance(actual, bytes):
            assert actual == bytes(expected), name
        else:
            assert actual == expected, name


def failure(result) -> Exception:
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded but was expected to fail"
    return decode_transaction_error(result.err(), program_ids=[KGPU_MARKET_PROGRAM_ID], logs=result.meta().logs())


def test_market_after_initialize(market_env: SdkMarketEnv) -> None:
    data = market_env.data(market.market_address())

    view = market.Market.from_bytes(data)

    assert_matches_anchorpy(view, data)
    assert view.admin == market_env.admin.pubkey()
    assert (view.fee_bps, view.min_stake_per_gpu, view.unbonding_period) == (250, 1_000_000, 604_800)
    assert view.grid_gco2_per_kwh == 436
    assert view.blocked_jurisdictions == (b"CN", b"RU")
    assert view.is_blocked(b"CN")
    assert not view.is_blocked(b"KR")
    assert (view.stake_vault, view.reward_vault, view.insurance_vault, view.escrow_vault) == (
        market.stake_vault_address(), market.reward_vault_address(),
        market.insurance_vault_address(), market.escrow_vault_address(),
    )  # fmt: skip
    assert view.authority_bump == market.find_authority_address()[1]
    assert market.decode_account(data) == view


def test_update_market_params(market_env: SdkMarketEnv) -> None:
    params = market.MarketParams(fee_bps=100, min_stake_per_gpu=5, unbonding_period=60, grid_gco2_per_kwh=400, blocked_jurisdictions=(b"KP",))

    market_env.send_ok([market.update_market_params_instruction(admin=market_env.admin.pubkey(), params=params)])

    view = market.Market.from_bytes(market_env.data(market.market_address()))
    assert (view.fee_bps, view.min_stake_per_gpu, view.unbonding_period, view.grid_gco2_per_kwh) == (100, 5, 60, 400)
    assert view.blocked_jurisdictions == (b"KP",)


def test_full_run_decodes_every_account(market_env: SdkMarketEnv) -> None:
    provider = market_env.new_provider()
    renter = market_env.new_wallet(kgpu=1_000_000)
    result, job = market_env.open_job(renter, provider, price=3_600, budget=100_000)
    assert not isinstance(result, FailedTransactionMetadata), result

    payload = usage(job, 1, now=market_env.token.now(), gpu_seconds=7_200, energy_wh=2_000, renewable_wh=1_500)
    market_env.token.send_ok([market_env.quorum(payload), market.settle_receipt_instruction(
        payload, payer=market_env.admin.pubkey(), provider=provider.address, provider_authority=provider.wallet.pubkey(),
    )])  # fmt: skip

    # 7,200 GPU-seconds at 3,600 per GPU-hour is 7,200 K-GPU; the fee is 2.5 % of it.
    job_data = market_env.data(job)
    job_view = market.Job.from_bytes(job_data)
    assert_matches_anchorpy(job_view, job_data)
    assert (job_view.funded, job_view.escrowed, job_view.paid, job_view.fees) == (100_000, 92_800, 7_020, 180)
    assert job_view.status == market.JobStatus.OPEN
    assert job_view.is_open
    assert (job_view.renter, job_view.provider, job_view.provider_authority) == (renter.pubkey(), provider.address, provider.wallet.pubkey())
    assert job_view.last_sequence == 1
    # (2,000 - 1,500) Wh at 436 g per kWh.
    assert job_view.co2_grams == 218

    receipt_data = market_env.data(market.receipt_address(job, 1))
    receipt = market.Receipt.from_bytes(receipt_data)
    assert_matches_anchorpy(receipt, receipt_data)
    assert (receipt.payment, receipt.fee, receipt.usage_hash) == (7_200, 180, payload.usage_hash)
    assert receipt.bump == market.find_receipt_address(job, 1)[1]

    provider_data = market_env.data(provider.address)
    provider_view = market.Provider.from_bytes(provider_data)
    assert_matches_anchorpy(provider_view, provider_data)
    assert provider_view.gpu_model_name == "NVIDIA H100 80GB"
    assert provider_view.energy_source == market.EnergySource.MIXED
    assert provider_view.approved
    assert provider_view.carbon_credits == 1_500
    assert provider_view.total_earned == 7_020
    assert provider_view.open_jobs == 1
    market_view = market.Market.from_bytes(market_env.data(market.market_address()))
    assert provider_view.required_stake(market_view) == 2_000_000
    # The only staker earns the whole fee.
    assert provider_view.claimable_rewards(market_view) == 180
    assert market_env.balance(market.carbon_token_account(provider.wallet.pubkey())) == 1_500

    # Claim, close, unstake, withdraw after the period and slash, all through the SDK builders.
    # The provider stakes exactly the minimum, so it can unstake only after the job is closed.
    wallet = provider.wallet
    kgpu_before = market_env.balance(kit.kgpu_account(wallet.pubkey()))
    market_env.send_ok([market.claim_rewards_instruction(authority=wallet.pubkey())], [wallet])
    assert market_env.balance(kit.kgpu_account(wallet.pubkey())) == kgpu_before + 180

    market_env.send_ok([market.close_job_instruction(caller=renter.pubkey(), job=job, renter=renter.pubkey(), provider=provider.address)], [renter])
    closed = market.Job.from_bytes(market_env.data(job))
    assert closed.status == market.JobStatus.CLOSED
    assert (closed.refunded, closed.escrowed) == (92_800, 0)
    assert market.Provider.from_bytes(market_env.data(provider.address)).open_jobs == 0

    market_env.send_ok([market.request_unstake_instruction(authority=wallet.pubkey(), amount=500_000)], [wallet])
    market_env.token.set_time(market_env.token.now() + LAUNCH_PARAMS.unbonding_period)
    market_env.send_ok([market.withdraw_unstaked_instruction(authority=wallet.pubkey())], [wallet])
    assert market_env.balance(kit.kgpu_account(wallet.pubkey())) == kgpu_before + 180 + 500_000

    slash = Slash(provider.address, 1, 100_000, b"\x05" * 32, market.insurance_vault_address())
    market_env.send_ok([market_env.quorum(slash), market.slash_instruction(slash)])
    assert market_env.balance(market.insurance_vault_address()) == 100_000

    provider_view = market.Provider.from_bytes(market_env.data(provider.address))
    assert (provider_view.active_stake, provider_view.total_withdrawn, provider_view.total_slashed) == (1_400_000, 500_000, 100_000)
    assert provider_view.slash_count == 1
    assert_matches_anchorpy(provider_view, market_env.data(provider.address))
    assert_matches_anchorpy(closed, market_env.data(job))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\0" * 10, "unknown kgpu_market account discriminator"),
        (market.Job.SIZE * b"\0", "unknown kgpu_market account discriminator"),
    ],
    ids=["short", "zeros"],
)
def test_decode_account_rejects_unknown(data: bytes, message: str) -> None:
    with pytest.raises(market.AccountDecodeError, match=message):
        market.decode_account(data)


def test_decode_rejects_wrong_type(market_env: SdkMarketEnv) -> None:
    data = market_env.data(market.market_address())

    with pytest.raises(market.AccountDecodeError, match="a Job account has 248 bytes, got 456"):
        market.Job.from_bytes(data)
    with pytest.raises(market.AccountDecodeError, match="Provider discriminator"):
        market.Provider.from_bytes(account_discriminator("Job") + data[8:248])


def test_decode_rejects_unknown_status(market_env: SdkMarketEnv) -> None:
    provider = market_env.new_provider()
    renter = market_env.new_wallet(kgpu=1_000)
    _, job = market_env.open_job(renter, provider, budget=1_000)
    data = bytearray(market_env.data(job))
    data[market.JOB_STATUS_OFFSET] = 2

    with pytest.raises(market.AccountDecodeError, match="unknown job status 2"):
        market.Job.from_bytes(bytes(data))


def test_open_job_error_decoded(market_env: SdkMarketEnv) -> None:
    provider = market_env.new_provider(stake=0)
    renter = market_env.new_wallet(kgpu=1_000)

    result, _ = market_env.open_job(renter, provider, budget=1_000)

    error = failure(result)
    assert isinstance(error, market.InsufficientStakeError)
    assert isinstance(error, market.KgpuMarketError)
    assert (error.code, error.error_name, error.program_id) == (6006, "InsufficientStake", KGPU_MARKET_PROGRAM_ID)
    assert "stake more K-GPU" in error.message("en")
    assert "stake로 K-GPU를 더 예치하고" in error.message("ko")


def test_replayed_receipt_error_decoded(market_env: SdkMarketEnv) -> None:
    provider = market_env.new_provider()
    renter = market_env.new_wallet(kgpu=10_000)
    _, job = market_env.open_job(renter, provider, budget=10_000)
    first = usage(job, 2, now=market_env.token.now())
    market_env.token.send_ok([market_env.quorum(first), market.settle_receipt_instruction(
        first, payer=market_env.admin.pubkey(), provider=provider.address, provider_authority=provider.wallet.pubkey(),
    )])  # fmt: skip

    result = market_env.settle(usage(job, 1, now=market_env.token.now()), provider)

    error = failure(result)
    assert isinstance(error, market.ReceiptAlreadySettledError)
    assert error.fields["index"] == 1
    assert "last_sequence" in error.message("en")


def test_quorum_below_threshold_error_decoded(market_env: SdkMarketEnv) -> None:
    provider = market_env.new_provider()
    renter = market_env.new_wallet(kgpu=10_000)
    _, job = market_env.open_job(renter, provider, budget=10_000)

    result = market_env.settle(usage(job, 1, now=market_env.token.now()), provider, signers=market_env.token.oracles[:1])

    assert isinstance(failure(result), market.QuorumNotReachedError)


def test_every_idl_error_registered() -> None:
    from kgpu.errors import program_error_class
    from kgpu.i18n import CATALOGUE

    for entry in kit.IDL_JSON["errors"]:
        cls = program_error_class(KGPU_MARKET_PROGRAM_ID, entry["code"])
        assert issubclass(cls, market.KgpuMarketError), entry["name"]
        assert cls.error_name == entry["name"]
        assert cls.key in CATALOGUE
        assert {"ko", "en"} == set(CATALOGUE[cls.key])
    assert market.MARKET_ERROR_OFFSET == kit.IDL_JSON["errors"][0]["code"]

