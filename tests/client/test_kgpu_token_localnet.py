"""TokenClient against kgpu-localnet running the deployed kgpu_token program: the full token cycle
with exact balances, and program errors decoded into their classes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient

from kgpu import token
from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu.quorum import AttestCollateral, ConfirmRedemption, MintDeposit, custodian_id_from_address
from kgpu_client_testkit import start_localnet, stop_localnet
from kgpu_token_localnet import (
    HAIRCUT_BPS,
    TokenDeployment,
    cluster_time,
    initialize_token,
    token_client,
    token_program_missing,
)

pytestmark = pytest.mark.slow

COLLATERAL_VALUE = 10_000_000
CAPACITY = COLLATERAL_VALUE * (10_000 - HAIRCUT_BPS) // 10_000
CUSTODIAN_ID = custodian_id_from_address("0x00112233445566778899aabbccddeeff00112233")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenDeployment]:
    """A private kgpu-localnet with kgpu_token initialized: three oracles, threshold two."""
    started = start_localnet(tmp_path_factory.mktemp("token-localnet") / "ledger")
    if isinstance(started, str):
        pytest.skip(started)
    try:
        missing = token_program_missing(started)
        if missing:
            pytest.skip(missing)
        yield initialize_token(started)
    finally:
        stop_localnet(started.process)


async def test_token_cycle_exact_balances(deployment: TokenDeployment) -> None:
    holder = deployment.new_wallet()
    payer = deployment.new_wallet()
    new_oracles = deployment.oracles[1:] + [deployment.oracles[0]]

    async with AsyncClient(deployment.localnet.rpc_url) as rpc:
        client = token_client(rpc)
        config = await client.get_config()
        assert config.admin == deployment.admin.pubkey()
        assert config.deployment_id == deployment.deployment_id
        assert config.attestation_sequence == 0
        assert await client.get_supply() == 0

        # The admin rotates the oracle order and keeps the 2-of-3 threshold.
        await client.update_oracle_set(
            admin=deployment.admin, oracles=[oracle.pubkey() for oracle in new_oracles], threshold=2
        )
        assert (await client.get_config()).oracles == tuple(oracle.pubkey() for oracle in new_oracles)

        account = await client.create_token_account(payer=payer, owner=holder.pubkey())
        assert account == token.token_account_address(holder.pubkey())
        expires_at = cluster_time(deployment.localnet) + 365 * 86_400
        await client.set_kyc(
            registry_authority=deployment.registry, payer=payer, wallet=holder.pubkey(),
            jurisdiction=b"KR", level=1, expires_at=expires_at,
        )  # fmt: skip
        kyc = await client.get_kyc_record(holder.pubkey())
        assert kyc == token.KycRecord(holder.pubkey(), b"KR", 1, expires_at, False)

        valuation_time = cluster_time(deployment.localnet) - 60
        attestation = AttestCollateral(1, valuation_time, COLLATERAL_VALUE, hashlib.sha256(b"report").digest(), CUSTODIAN_ID)
        await client.attest_collateral(attestation, payer=payer, signers=new_oracles[:2])
        config = await client.get_config()
        assert (config.attestation_sequence, config.valuation_time) == (1, valuation_time)
        assert (config.collateral_value, config.capacity) == (COLLATERAL_VALUE, CAPACITY)
        assert await client.get_capacity() == CAPACITY

        deposit_id = token.canonical_deposit_id("SHINHAN-0001")
        await client.mint_deposit(MintDeposit(deposit_id, holder.pubkey(), 1_000_000), payer=payer, signers=new_oracles[1:])
        assert await client.get_token_balance(holder.pubkey()) == 1_000_000
        assert await client.get_supply() == 1_000_000
        record = await client.get_deposit_record(deposit_id)
        assert (record.deposit_id, record.beneficiary, record.amount) == (deposit_id, holder.pubkey(), 1_000_000)

        bank_reference = hashlib.sha256(b"KB 123-456").digest()
        nonce = token.canonical_redemption_nonce(holder.pubkey())
        await client.redeem(holder=holder, nonce=nonce, amount=400_000, bank_reference_hash=bank_reference)
        redemption_address = client.redemption_address(holder.pubkey(), nonce)
        redemption = await client.get_redemption(redemption_address)
        assert (redemption.owner, redemption.amount, redemption.status) == (holder.pubkey(), 400_000, token.RedemptionStatus.REQUESTED)
        assert await client.get_token_balance(holder.pubkey()) == 600_000
        assert await client.get_supply() == 600_000

        payment_reference = hashlib.sha256(b"transfer 0001").digest()
        confirmation = ConfirmRedemption(redemption_address, payment_reference)
        await client.confirm_redemption(confirmation, payer=payer, signers=[new_oracles[0], new_oracles[2]])
        redemption = await client.get_redemption(redemption_address)
        assert redemption.status == token.RedemptionStatus.PAID
        assert redemption.payment_reference_hash == payment_reference

        config = await client.get_config()
        assert (config.total_minted, config.total_burned) == (1_000_000, 400_000)
        assert await client.get_token_balance(holder.pubkey()) == 600_000
        assert await client.get_supply() == 600_000


async def test_program_errors_decoded(deployment: TokenDeployment) -> None:
    payer = deployment.new_wallet()
    outsider = deployment.new_wallet()

    async with AsyncClient(deployment.localnet.rpc_url) as rpc:
        client = token_client(rpc)
        config = await client.get_config()
        next_sequence = config.attestation_sequence + 1
        unsigned = AttestCollateral(next_sequence, config.valuation_time, 1, bytes(32), CUSTODIAN_ID)
        with pytest.raises(token.QuorumNotReachedError) as caught:
            await client.attest_collateral(unsigned, payer=payer, signers=[outsider, deployment.oracles[0]])
        assert caught.value.code == 6013

        stale = AttestCollateral(config.attestation_sequence, config.valuation_time, 1, bytes(32), CUSTODIAN_ID)
        with pytest.raises(token.StaleSequenceError):
            await client.attest_collateral(stale, payer=payer, signers=deployment.oracles)

        with pytest.raises(token.UnauthorizedError):
            await client.update_oracle_set(admin=outsider, oracles=[outsider.pubkey()], threshold=1)

        with pytest.raises(token.AlreadyInitializedError):
            await client.initialize(
                admin=deployment.admin, registry_authority=outsider.pubkey(), deployment_id=bytes(32),
                haircut_bps=0, max_attestation_age=1, oracles=[outsider.pubkey()], threshold=1,
            )  # fmt: skip


async def test_missing_config_raises(tmp_path: Path) -> None:
    started = start_localnet(tmp_path / "ledger", ["--programs-dir", str(tmp_path)])
    if isinstance(started, str):
        pytest.skip(started)
    try:
        async with AsyncClient(started.rpc_url) as rpc:
            with pytest.raises(token.ConfigNotFoundError, match="not initialized"):
                await token_client(rpc).get_config()
    finally:
        stop_localnet(started.process)


def test_sync_clients_read_the_deployment(deployment: TokenDeployment) -> None:
    from kgpu.market import MarketNotFoundError
    from kgpu.sync import SyncMarketClient, SyncTokenClient

    with SyncTokenClient(deployment.localnet.rpc_url) as client:
        config = client.get_config()
        supply = client.get_supply()
        program_id = client.program_id

    assert config.admin == deployment.admin.pubkey()
    assert config.deployment_id == deployment.deployment_id
    assert isinstance(supply, int)
    assert program_id == KGPU_TOKEN_PROGRAM_ID
    with SyncMarketClient(deployment.localnet.rpc_url) as market, pytest.raises(MarketNotFoundError):
        market.get_market()
