"""MarketClient against a kgpu-localnet subprocess running the deployed kgpu_token and kgpu_market:
one job from deployment to close with exact balances, `list_jobs` over getProgramAccounts, and
program errors raised as their kgpu.market classes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator

import pytest
from kgpu_client_testkit import start_localnet, stop_localnet
from kgpu_token_localnet import HAIRCUT_BPS, MAX_ATTESTATION_AGE, TokenDeployment, cluster_time, initialize_token, token_client
from market_sdk_testkit import LAUNCH_PARAMS, VAULTS
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu import market
from kgpu.market import MarketClient
from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.quorum import AttestCollateral, MintDeposit, SettleReceipt, Slash, custodian_id_from_address
from kgpu.token import canonical_deposit_id
from kgpu.token import TokenClient
from kgpu.tx import TransactionSender

pytestmark = pytest.mark.slow

PRICE_PER_GPU_HOUR = 3_600
BUDGET = 100_000
GPU_SECONDS = 7_200
ENERGY_WH = 2_000
RENEWABLE_WH = 1_500
# 7,200 GPU-seconds at 3,600 K-GPU per GPU-hour, and the launch fee of 250 bps on it.
PAYMENT = GPU_SECONDS * PRICE_PER_GPU_HOUR // 3_600
FEE = PAYMENT * LAUNCH_PARAMS.fee_bps // 10_000
STAKE = LAUNCH_PARAMS.min_stake_per_gpu * 2
PROVIDER_FUNDS = 3_000_000
RENTER_FUNDS = 500_000
SLASHED = 100_000


def market_client(rpc: AsyncClient) -> MarketClient:
    """Return a MarketClient that polls fast enough for a 100 ms slot localnet."""
    return MarketClient(rpc, sender=TransactionSender(rpc, poll_interval=0.05, timeout=30))


async def deploy_market(deployment: TokenDeployment) -> None:
    """Approve the market program in the token program, initialize the market with the faucet
    (the market's upgrade authority on kgpu-localnet), thaw its vaults and attest collateral."""
    admin = deployment.admin
    async with AsyncClient(deployment.localnet.rpc_url) as rpc:
        token = token_client(rpc)
        client = market_client(rpc)
        await token.update_params(
            admin=admin, haircut_bps=HAIRCUT_BPS, max_attestation_age=MAX_ATTESTATION_AGE,
            mint_paused=False, approved_programs=[KGPU_MARKET_PROGRAM_ID],
        )  # fmt: skip
        await client.initialize_market(admin=admin, params=LAUNCH_PARAMS)
        _, bump = market.find_authority_address()
        for vault in VAULTS:
            await token.thaw_program_account(
                admin=admin, vault=vault, owner_program=KGPU_MARKET_PROGRAM_ID, seeds=[market.AUTHORITY_SEED, bytes([bump])]
            )
        valuation_time = cluster_time(deployment.localnet) - 60
        custodian = custodian_id_from_address("0x00112233445566778899aabbccddeeff00112233")
        await token.attest_collateral(
            AttestCollateral(1, valuation_time, 10**12, hashlib.sha256(b"report").digest(), custodian),
            payer=admin, signers=deployment.oracles[:2],
        )  # fmt: skip


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenDeployment]:
    """A private kgpu-localnet with kgpu_token initialized (three oracles, threshold two) and
    the market initialized, approved in the token program and its vaults thawed."""
    started = start_localnet(tmp_path_factory.mktemp("market-localnet") / "ledger")
    if isinstance(started, str):
        pytest.skip(started)
    try:
        token = initialize_token(started)
        asyncio.run(deploy_market(token))
        yield token
    finally:
        stop_localnet(started.process)


async def token_balance(rpc: AsyncClient, account: Pubkey) -> int:
    """Return the amount of a Token-2022 account: the SPL layout stores it at offset 64."""
    response = await rpc.get_account_info(account, commitment="confirmed")
    assert response.value is not None, f"token account {account} does not exist"
    return int.from_bytes(bytes(response.value.data)[64:72], "little")


async def fund(token: TokenClient, deployment: TokenDeployment, wallet: Keypair, amount: int, label: bytes) -> None:
    """Create the wallet's K-GPU account, give it a KYC record and mint `amount` K-GPU to it."""
    payer = deployment.admin
    await token.create_token_account(payer=payer, owner=wallet.pubkey())
    expires_at = cluster_time(deployment.localnet) + 365 * 86_400
    await token.set_kyc(
        registry_authority=deployment.registry, payer=payer, wallet=wallet.pubkey(),
        jurisdiction=b"KR", level=1, expires_at=expires_at,
    )  # fmt: skip
    deposit = MintDeposit(canonical_deposit_id(label), wallet.pubkey(), amount)
    await token.mint_deposit(deposit, payer=payer, signers=deployment.oracles[:2])


async def test_job_cycle_exact_balances(deployment: TokenDeployment) -> None:
    admin = deployment.admin
    provider_wallet = deployment.new_wallet()
    renter = deployment.new_wallet()
    node_key = Keypair()

    async with AsyncClient(deployment.localnet.rpc_url) as rpc:
        token = token_client(rpc)
        client = market_client(rpc)
        state = await client.get_market()
        assert state.admin == admin.pubkey()
        assert (state.fee_bps, state.min_stake_per_gpu, state.blocked_jurisdictions) == (250, 1_000_000, (b"CN", b"RU"))
        await fund(token, deployment, provider_wallet, PROVIDER_FUNDS, b"provider deposit")
        await fund(token, deployment, renter, RENTER_FUNDS, b"renter deposit")

        # The provider registers, the registry authority approves it, and it stakes the minimum.
        await client.register_provider(
            authority=provider_wallet, node_key=node_key.pubkey(), gpu_model="NVIDIA H100 80GB",
            gpu_count=2, region=b"KR", energy_source=market.EnergySource.SOLAR,
        )  # fmt: skip
        provider_address = client.provider_address(provider_wallet.pubkey())
        await client.approve_provider(registry_authority=deployment.registry, provider=provider_address, payer=admin)
        await client.stake(authority=provider_wallet, amount=STAKE)
        provider = await client.get_provider(authority=provider_wallet.pubkey())
        assert provider is not None
        assert (provider.approved, provider.active_stake, provider.gpu_count) == (True, STAKE, 2)
        assert provider.node_key == node_key.pubkey()
        assert await client.get_provider(address=provider_address) == provider

        # The renter opens a job; list_jobs finds it by provider and by renter.
        end_time = cluster_time(deployment.localnet) + 86_400
        nonce = client.find_job_nonce(renter.pubkey())
        await client.open_job(
            renter=renter, provider=provider_address, nonce=nonce, price_per_gpu_hour=PRICE_PER_GPU_HOUR,
            budget=BUDGET, end_time=end_time,
        )  # fmt: skip
        job_address = client.job_address(renter.pubkey(), nonce)
        by_provider = await client.list_jobs(provider=provider_address)
        assert [address for address, _ in by_provider] == [job_address]
        assert by_provider[0][1].funded == BUDGET
        assert [address for address, _ in await client.list_jobs(renter=renter.pubkey(), open_only=True)] == [job_address]
        assert await client.list_jobs(provider=client.provider_address(renter.pubkey())) == []
        assert [address for address, _ in await client.list_providers(approved_only=True)] == [provider_address]

        # Two of the three oracles sign one receipt.
        window_end = cluster_time(deployment.localnet)
        receipt = SettleReceipt(
            job_address, 1, GPU_SECONDS, window_end - 3_600, window_end, ENERGY_WH, RENEWABLE_WH,
            hashlib.sha256(b"usage 1").digest(),
        )  # fmt: skip
        signers = [deployment.oracles[0], deployment.oracles[2]]
        await client.settle_receipt(receipt, payer=admin, signers=signers)
        record = await client.get_receipt(job_address, 1)
        assert record is not None
        assert (record.payment, record.fee, record.sequence) == (PAYMENT, FEE, 1)

        # The renter closes the job and gets the rest of the escrow back.
        await client.close_job(caller=renter, job=job_address)
        job = await client.get_job(job_address)
        assert job is not None
        assert job.status == market.JobStatus.CLOSED
        assert (job.funded, job.paid, job.fees, job.refunded, job.escrowed) == (BUDGET, PAYMENT - FEE, FEE, BUDGET - PAYMENT, 0)
        assert await client.list_jobs(provider=provider_address, open_only=True) == []
        assert [address for address, _ in await client.list_jobs(provider=provider_address)] == [job_address]

        # Exact balances: every K-GPU unit is where the formulas put it.
        assert await token.get_token_balance(provider_wallet.pubkey()) == PROVIDER_FUNDS - STAKE + PAYMENT - FEE
        assert await token.get_token_balance(renter.pubkey()) == RENTER_FUNDS - PAYMENT
        assert await token_balance(rpc, market.stake_vault_address()) == STAKE
        assert await token_balance(rpc, market.reward_vault_address()) == 0
        assert await token_balance(rpc, market.escrow_vault_address()) == FEE
        assert await token_balance(rpc, client.carbon_token_account(provider_wallet.pubkey())) == RENEWABLE_WH
        state = await client.get_market()
        assert (state.total_fees, state.total_paid, state.total_escrowed, state.job_count) == (FEE, PAYMENT - FEE, 0, 1)
        assert state.unswept_fees == FEE

        # Anyone sweeps the fee from the escrow vault to the reward vault.
        await client.sweep_fees(payer=renter)
        assert await token_balance(rpc, market.reward_vault_address()) == FEE
        assert await token_balance(rpc, market.escrow_vault_address()) == 0
        state = await client.get_market()
        assert state.unswept_fees == 0
        provider = await client.get_provider(authority=provider_wallet.pubkey())
        assert provider is not None
        assert provider.claimable_rewards(state) == FEE

        # The only staker claims the whole fee, unbonds part of its stake and is slashed by quorum.
        await client.claim_rewards(authority=provider_wallet)
        assert await token.get_token_balance(provider_wallet.pubkey()) == PROVIDER_FUNDS - STAKE + PAYMENT
        assert await token_balance(rpc, market.reward_vault_address()) == 0
        await client.request_unstake(authority=provider_wallet, amount=STAKE // 2)
        slash = Slash(provider_address, 1, SLASHED, hashlib.sha256(b"evidence").digest(), market.insurance_vault_address())
        await client.slash(slash, payer=admin, signers=deployment.oracles[1:])
        provider = await client.get_provider(address=provider_address)
        assert provider is not None
        assert (provider.active_stake, provider.unbonding_stake, provider.slash_count) == (STAKE // 2 - SLASHED, STAKE // 2, 1)
        assert await token_balance(rpc, market.insurance_vault_address()) == SLASHED
        assert await token_balance(rpc, market.stake_vault_address()) == STAKE - SLASHED


async def test_program_errors_raised(deployment: TokenDeployment) -> None:
    outsider = deployment.new_wallet()

    async with AsyncClient(deployment.localnet.rpc_url) as rpc:
        client = market_client(rpc)

        with pytest.raises(market.UnauthorizedError) as caught:
            await client.update_market_params(admin=outsider, params=LAUNCH_PARAMS)
        assert caught.value.code == 6000
        assert "sign with that role's keypair" in caught.value.message("en")

        await client.register_provider(
            authority=outsider, node_key=Keypair().pubkey(), gpu_model="RTX 4090", gpu_count=1,
            region=b"KR", energy_source=market.EnergySource.GRID,
        )  # fmt: skip
        with pytest.raises(market.InvalidAmountError) as amount_error:
            await client.request_unstake(authority=outsider, amount=1)
        assert amount_error.value.code == 6011
        assert "활성 스테이크 이하" in amount_error.value.message("ko")

        with pytest.raises(market.JobNotFoundError):
            await client.close_job(caller=outsider, job=client.job_address(outsider.pubkey(), 9))
        assert await client.get_job(client.job_address(outsider.pubkey(), 9)) is None
        assert await client.get_provider(authority=Keypair().pubkey()) is None
        with pytest.raises(ValueError, match="exactly one of authority"):
            await client.get_provider()
