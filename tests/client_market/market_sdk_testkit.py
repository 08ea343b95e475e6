"""A LiteSVM environment driven by the kgpu.market builders: both programs deployed, the market
initialized and its vaults thawed, plus helpers that register providers and open jobs.

The token side (initialize, KYC, minting) comes from `kgpu_token_testkit`. Every market
instruction here is built by `kgpu.market`, so a test that passes also checks the builders against
the deployed program.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import kgpu_token_testkit as token_kit
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_metadata import FailedTransactionMetadata
from spl.token.instructions import create_associated_token_account

from kgpu import market
from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, TOKEN_2022_PROGRAM_ID
from kgpu.market import MarketParams
from kgpu.quorum import SettleReceipt, Slash
from kgpu.token import thaw_program_account_instruction, update_params_instruction

LAUNCH_PARAMS = MarketParams(
    fee_bps=250,
    min_stake_per_gpu=1_000_000,
    unbonding_period=7 * 86_400,
    # Grams of CO2 per kWh for the tests' grid; an illustrative figure, not a measured one.
    grid_gco2_per_kwh=436,
    blocked_jurisdictions=(b"CN", b"RU"),
)
VAULTS = (
    market.stake_vault_address(),
    market.reward_vault_address(),
    market.insurance_vault_address(),
    market.escrow_vault_address(),
)


@dataclass
class ProviderKeys:
    wallet: Keypair
    node_key: Keypair
    address: Pubkey
    gpu_count: int


@dataclass
class SdkMarketEnv:
    token: token_kit.TokenEnv
    nonce: int = 0

    @property
    def svm(self):
        return self.token.svm

    @property
    def admin(self) -> Keypair:
        return self.token.admin

    def send(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = ()):
        return self.token.send(instructions, signers)

    def send_ok(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = ()):
        return self.token.send_ok(instructions, signers)

    def data(self, address: Pubkey) -> bytes:
        return bytes(self.svm.get_account(address).data)

    def balance(self, account: Pubkey) -> int:
        return token_kit.token_balance(self.svm, account)

    def quorum(self, payload: SettleReceipt | Slash, signers: Sequence[Keypair] | None = None) -> Instruction:
        signers = self.token.oracles[: self.token.threshold] if signers is None else signers
        return market.market_quorum_instruction(payload, self.token.deployment_id, signers=signers)

    def new_wallet(self, *, jurisdiction: bytes = b"KR", kgpu: int = 0) -> Keypair:
        """A funded wallet with a thawed K-GPU account, a KYC record and `kgpu` tokens."""
        wallet = self.token.new_holder(jurisdiction=jurisdiction)
        if kgpu:
            result = self.token.mint(wallet.pubkey(), kgpu)
            assert not isinstance(result, FailedTransactionMetadata), result
        return wallet

    def new_provider(self, *, gpu_count: int = 2, stake: int | None = None, approve: bool = True) -> ProviderKeys:
        """Register a provider with a K-CARBON account. It is approved unless `approve` is False, and stakes the minimum unless `stake` gives another amount (0 for none)."""
        wallet = self.new_wallet(kgpu=10_000_000)
        node_key = Keypair()
        self.send_ok([
            market.register_provider_instruction(
                authority=wallet.pubkey(), node_key=node_key.pubkey(), gpu_model="NVIDIA H100 80GB",
                gpu_count=gpu_count, region=b"KR", energy_source=market.EnergySource.MIXED,
            ),
            create_associated_token_account(wallet.pubkey(), wallet.pubkey(), market.carbon_mint_address(), TOKEN_2022_PROGRAM_ID),
        ], [wallet])  # fmt: skip
        provider = ProviderKeys(wallet, node_key, market.provider_address(wallet.pubkey()), gpu_count)
        if approve:
            registry = self.token.registry
            self.send_ok([market.approve_provider_instruction(registry_authority=registry.pubkey(), provider=provider.address)], [registry])
        amount = LAUNCH_PARAMS.min_stake_per_gpu * gpu_count if stake is None else stake
        if amount:
            self.send_ok([market.stake_instruction(authority=wallet.pubkey(), amount=amount)], [wallet])
        return provider

    def open_job(self, renter: Keypair, provider: ProviderKeys, *, price: int = 3_600, budget: int = 100_000, duration: int = 86_400):
        """Open a job with the next nonce whose job PDA has bump 255 and return (result, job address)."""
        self.nonce = market.find_job_nonce(renter.pubkey(), self.nonce + 1)
        instruction = market.open_job_instruction(
            renter=renter.pubkey(), provider=provider.address, nonce=self.nonce, price_per_gpu_hour=price,
            budget=budget, end_time=self.token.now() + duration,
        )  # fmt: skip
        return self.send([instruction], [renter]), market.job_address(renter.pubkey(), self.nonce)

    def settle(self, payload: SettleReceipt, provider: ProviderKeys, *, signers: Sequence[Keypair] | None = None):
        instruction = market.settle_receipt_instruction(
            payload, payer=self.admin.pubkey(), provider=provider.address, provider_authority=provider.wallet.pubkey()
        )
        return self.send([self.quorum(payload, signers), instruction])


def usage(job: Pubkey, sequence: int, *, now: int, gpu_seconds: int = 3_600, energy_wh: int = 2_000, renewable_wh: int = 1_500) -> SettleReceipt:
    """A kind-16 payload for one hour of work ending at `now`."""
    return SettleReceipt(
        job=job, sequence=sequence, gpu_seconds=gpu_seconds, window_start=now - 3_600, window_end=now,
        energy_wh=energy_wh, renewable_wh=renewable_wh, usage_hash=hashlib.sha256(b"usage-%d" % sequence).digest(),
    )  # fmt: skip


def make_sdk_market_env(svm, payer: Keypair, deploy, params: MarketParams = LAUNCH_PARAMS) -> SdkMarketEnv:
    """Deploy and initialize both programs, approve the market in the token program, thaw the
    market's vaults and attest enough collateral to mint test balances."""
    token = token_kit.make_env(svm, payer, deploy)
    assert deploy("kgpu_market") == KGPU_MARKET_PROGRAM_ID
    env = SdkMarketEnv(token)
    env.send_ok([update_params_instruction(
        admin=payer.pubkey(), haircut_bps=token_kit.HAIRCUT_BPS, max_attestation_age=token_kit.MAX_AGE,
        mint_paused=False, approved_programs=[KGPU_MARKET_PROGRAM_ID],
    )])  # fmt: skip
    env.send_ok(market.setup_market_instructions(admin=payer.pubkey(), params=params))
    _, bump = market.find_authority_address()
    seeds = [market.AUTHORITY_SEED, bytes([bump])]
    env.send_ok([
        thaw_program_account_instruction(admin=payer.pubkey(), vault=vault, owner_program=KGPU_MARKET_PROGRAM_ID, seeds=seeds)
        for vault in VAULTS
    ])  # fmt: skip
    result = token.attest(10**15)
    assert not isinstance(result, FailedTransactionMetadata), result
    return env
