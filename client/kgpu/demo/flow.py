"""The demo's steps: from an empty local cluster to a settled GPU job, with exact balances.

`run_demo` runs all ten steps and returns a `DemoResult` with every figure the summary shows.
Each step is a method of `DemoRun`, which contains the keys, clients and child processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from nacl.signing import SigningKey
from rich.console import Console
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from kgpu import market
from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, KGPU_TOKEN_PROGRAM_ID
from kgpu.demo import inputs as figures
from kgpu.demo.clock import AcceleratedClock
from kgpu.demo.inputs import DemoInputs, load_demo_inputs
from kgpu.demo.summary import DemoResult, summary_table
from kgpu.demo.services import (
    LocalnetHandle,
    OracleHandle,
    Services,
    deployment_id_for,
    free_port,
    http_json,
    oracle_config_text,
    write_keypair,
)
from kgpu.i18n import message
from kgpu.market import MarketClient, MarketParams
from kgpu.provider import ChainJobSource, EnergySource, NodeConfig, ProviderAgent, PythonProver, SequenceStore, find_gpu
from kgpu.provider.agent import ReceiptOutcome
from kgpu.token import TokenClient, canonical_redemption_nonce
from kgpu.tx import TransactionSender

__all__ = ["DemoError", "DemoResult", "DemoRun", "run_demo"]

LAMPORTS_PER_SOL = 1_000_000_000
ORACLE_COUNT = 3
THRESHOLD = 2
ATTESTATION_TIMEOUT_SECONDS = 90.0
KYC_VALIDITY_SECONDS = 365 * 86_400


class DemoError(RuntimeError):
    """A demo step did not reach the state it needs, with the reason."""


def _amount(value: int) -> str:
    return f"{value:,}"


@dataclass
class DemoRun:
    """State of one run: child processes, keys and clients. Use :func:`run_demo` to run it."""

    workdir: Path
    console: Console
    inputs: DemoInputs = field(default_factory=load_demo_inputs)
    services: Services = field(init=False)
    localnet: LocalnetHandle = field(init=False)
    rpc: AsyncClient = field(init=False)
    token: TokenClient = field(init=False)
    market: MarketClient = field(init=False)
    oracles: list[OracleHandle] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.services = Services(self.workdir)
        self.registry = Keypair()
        self.operators = [Keypair() for _ in range(ORACLE_COUNT)]
        self.custodian = Account.create()
        self.bank = SigningKey.generate()
        self.renter = Keypair()
        self.provider_wallet = Keypair()
        self.node_key = Keypair()
        self.blocked_renter = Keypair()

    # -- helpers ------------------------------------------------------------------------------

    def say(self, key: str, **fields: object) -> None:
        self.console.print(message(key, **fields))

    def step(self, number: int, key: str) -> None:
        self.console.rule(f"[bold]{message('demo.step', number=number, title=message(key))}")

    @property
    def job_address(self) -> Pubkey:
        return self.market.job_address(self.renter.pubkey(), self.job_nonce)

    @property
    def job_nonce(self) -> int:
        # open_job accepts only nonces whose job PDA has bump 255.
        return self.market.find_job_nonce(self.renter.pubkey())

    @property
    def provider_address(self) -> Pubkey:
        return self.market.provider_address(self.provider_wallet.pubkey())

    async def wait_for_attestation(self, oracle_url: str, attestation_id: str) -> dict[str, Any]:
        """Poll an oracle's outbox row until it is confirmed on chain.

        Raises:
            DemoError: the transaction failed, or it was not confirmed within the timeout.
        """
        deadline = time.monotonic() + ATTESTATION_TIMEOUT_SECONDS
        view: Any = None
        while time.monotonic() < deadline:
            status, view = await asyncio.to_thread(http_json, "GET", f"{oracle_url}/v1/attestations/{attestation_id}")
            if status == 200 and view["state"] == "confirmed":
                self.say(
                    "demo.attestation_confirmed", id=attestation_id[:8], signers=len(view["signers"]), tx=view["tx_signature"]
                )
                return view
            if status == 200 and view["state"] == "failed":
                raise DemoError(f"attestation {attestation_id} failed on chain: {view['last_error']}")
            await asyncio.sleep(0.25)
        raise DemoError(f"attestation {attestation_id} was not confirmed within {ATTESTATION_TIMEOUT_SECONDS:.0f} s; last state: {view}")

    async def post_evidence(self, oracle: OracleHandle, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST evidence to an oracle and wait until the quorum's transaction is confirmed."""
        status, view = await asyncio.to_thread(http_json, "POST", f"{oracle.url}{path}", body)
        if status != 202:
            raise DemoError(f"oracle {oracle.index} rejected {path} with HTTP {status}: {view}")
        return await self.wait_for_attestation(oracle.url, view["id"])

    async def set_kyc(self, wallet: Keypair, jurisdiction: bytes, role_key: str) -> None:
        self.localnet.airdrop(wallet.pubkey(), 2 * LAMPORTS_PER_SOL)
        await self.token.create_token_account(payer=wallet, owner=wallet.pubkey())
        await self.token.set_kyc(
            registry_authority=self.registry,
            payer=self.registry,
            wallet=wallet.pubkey(),
            jurisdiction=jurisdiction,
            level=1,
            expires_at=self.localnet.cluster_time() + KYC_VALIDITY_SECONDS,
        )
        self.say("demo.kyc_set", role=message(role_key), wallet=wallet.pubkey(), jurisdiction=jurisdiction.decode())

    async def deposit(self, wallet: Pubkey, amount: int, reference: str, oracle: OracleHandle) -> None:
        """Sign a bank deposit notice for `wallet` and have the oracle quorum mint it."""
        from kgpu_oracle.deposits import DepositNotice, sign_deposit

        notice = DepositNotice(reference, wallet, amount, int(time.time()))
        signature = sign_deposit(notice, self.deployment_id, self.bank)
        body = {
            "reference": reference,
            "beneficiary": str(wallet),
            "amount": amount,
            "credited_at": notice.credited_at,
            "signature": str(Signature.from_bytes(signature)),
        }
        self.say("demo.deposit_posted", reference=reference, amount=_amount(amount), index=oracle.index)
        await self.post_evidence(oracle, "/v1/deposits", body)

    async def vault_balance(self, account: Pubkey) -> int:
        response = await self.rpc.get_account_info(account, commitment="confirmed")
        if response.value is None:
            raise DemoError(f"token account {account} does not exist")
        # Token-2022 accounts start with the SPL Token layout, which stores the amount at offset 64.
        return int.from_bytes(bytes(response.value.data)[64:72], "little")

    # -- steps --------------------------------------------------------------------------------

    async def start_localnet(self) -> None:
        self.step(1, "demo.step.localnet")
        self.localnet = await asyncio.to_thread(self.services.start_localnet)
        for name, program_id in (("kgpu_token", KGPU_TOKEN_PROGRAM_ID), ("kgpu_market", KGPU_MARKET_PROGRAM_ID)):
            account = self.localnet.call("getAccountInfo", [str(program_id), {"encoding": "base64", "commitment": "processed"}])["value"]
            if account is None or not account["executable"]:
                raise DemoError(message("demo.programs_missing", program=name))
        self.rpc = AsyncClient(self.localnet.rpc_url)
        sender = TransactionSender(self.rpc, poll_interval=0.05, timeout=30)
        self.token = TokenClient(self.rpc, sender=sender)
        self.market = MarketClient(self.rpc, sender=sender)
        self.say("demo.localnet_started", url=self.localnet.rpc_url, ledger=self.workdir / "ledger")

    async def initialize_programs(self) -> None:
        self.step(2, "demo.step.programs")
        admin = self.localnet.faucet_keypair()
        self.deployment_id = deployment_id_for(self.localnet.call("getGenesisHash", []))
        for keypair in (*self.operators, self.registry):
            self.localnet.airdrop(keypair.pubkey(), 10 * LAMPORTS_PER_SOL)

        # The KTB quotes are from a fixed date, so the attestation must stay valid since then.
        age_days = (dt.datetime.now(dt.timezone.utc).date() - self.inputs.valuation_date).days + 30
        self.max_report_age_days = age_days
        max_attestation_age = age_days * 86_400
        await self.token.initialize(
            admin=admin,
            registry_authority=self.registry.pubkey(),
            deployment_id=self.deployment_id,
            haircut_bps=figures.TOKEN_HAIRCUT_BPS,
            max_attestation_age=max_attestation_age,
            oracles=[operator.pubkey() for operator in self.operators],
            threshold=THRESHOLD,
        )
        self.say(
            "demo.token_initialized",
            deployment_id=self.deployment_id.hex()[:16] + "…",
            count=ORACLE_COUNT,
            threshold=THRESHOLD,
            haircut_bps=figures.TOKEN_HAIRCUT_BPS,
        )
        self.say("demo.attestation_age", date=self.inputs.valuation_date.isoformat(), days=age_days)

        await self.token.update_params(
            admin=admin,
            haircut_bps=figures.TOKEN_HAIRCUT_BPS,
            max_attestation_age=max_attestation_age,
            mint_paused=False,
            blocked_jurisdictions=figures.BLOCKED_JURISDICTIONS,
            approved_programs=[KGPU_MARKET_PROGRAM_ID],
        )
        params = MarketParams(
            fee_bps=figures.FEE_BPS,
            min_stake_per_gpu=figures.MIN_STAKE_PER_GPU,
            unbonding_period=figures.UNBONDING_PERIOD,
            grid_gco2_per_kwh=self.inputs.grid_gco2_per_kwh,
            blocked_jurisdictions=figures.BLOCKED_JURISDICTIONS,
        )
        await self.market.initialize_market(admin=admin, params=params)
        self.say(
            "demo.market_initialized",
            fee_bps=params.fee_bps,
            min_stake=_amount(params.min_stake_per_gpu),
            grid=params.grid_gco2_per_kwh,
            grid_year=self.inputs.grid_data_year,
            blocked=", ".join(code.decode() for code in params.blocked_jurisdictions),
        )
        _, bump = market.find_authority_address()
        vaults = (
            market.stake_vault_address(),
            market.reward_vault_address(),
            market.insurance_vault_address(),
            market.escrow_vault_address(),
        )
        for vault in vaults:
            await self.token.thaw_program_account(
                admin=admin, vault=vault, owner_program=KGPU_MARKET_PROGRAM_ID, seeds=[market.AUTHORITY_SEED, bytes([bump])]
            )
        self.say("demo.vaults_thawed", count=len(vaults))

    async def start_oracles(self) -> None:
        self.step(3, "demo.step.oracles")
        for index, operator in enumerate(self.operators, start=1):
            folder = self.workdir / f"oracle-{index}"
            folder.mkdir()
            write_keypair(folder / f"operator-{index}.json", operator)
            self.oracles.append(
                OracleHandle(
                    index=index,
                    url=f"http://127.0.0.1:{free_port()}",
                    operator=operator,
                    config_path=folder / f"oracle-{index}.toml",
                    database_path=folder / f"oracle-{index}.db",
                )
            )
        for oracle in self.oracles:
            peers = [peer for peer in self.oracles if peer is not oracle]
            oracle.config_path.write_text(
                oracle_config_text(
                    oracle,
                    peers,
                    deployment_id=self.deployment_id,
                    threshold=THRESHOLD,
                    custodian_address=self.custodian.address,
                    bank_pubkey=Pubkey.from_bytes(bytes(self.bank.verify_key)),
                    rpc_url=self.localnet.rpc_url,
                    max_report_age_days=self.max_report_age_days,
                    grid_factor_g_per_kwh=str(self.inputs.grid_g_per_kwh),
                )
            )
        for oracle in self.oracles:
            await asyncio.to_thread(self.services.start_oracle, oracle)
            self.say("demo.oracle_started", index=oracle.index, url=oracle.url, operator=oracle.operator.pubkey())

    async def attest_collateral(self) -> None:
        from kgpu_oracle.collateral import sign_report

        self.step(4, "demo.step.collateral")
        report = self.inputs.report()
        self.say(
            "demo.report_posted",
            positions=len(self.inputs.positions),
            face=_amount(figures.FACE_VALUE_PER_ISSUE),
            date=self.inputs.valuation_date.isoformat(),
        )
        for position in self.inputs.positions:
            self.say(
                "demo.position",
                isin=position.isin,
                name=position.name,
                price=position.clean_price,
                maturity=position.maturity_date.isoformat(),
            )
        signature = sign_report(report, self.deployment_id, bytes(self.custodian.key))
        await self.post_evidence(self.oracles[0], "/v1/collateral-reports", {"report": report, "signature": signature})
        config = await self.token.get_config()
        self.say("demo.collateral_attested", value=_amount(config.collateral_value), capacity=_amount(config.capacity))

    async def mint_to_renter(self) -> None:
        self.step(5, "demo.step.deposit")
        await self.set_kyc(self.renter, b"KR", "demo.role.renter")
        await self.deposit(self.renter.pubkey(), figures.RENTER_DEPOSIT, "KB-DEMO-RENTER-0001", self.oracles[1])
        balance = await self.token.get_token_balance(self.renter.pubkey())
        self.say("demo.balance", role=message("demo.role.renter"), amount=_amount(balance))

    async def register_provider(self) -> None:
        self.step(6, "demo.step.provider")
        inputs = self.inputs
        await self.set_kyc(self.provider_wallet, b"KR", "demo.role.provider")
        await self.deposit(self.provider_wallet.pubkey(), inputs.stake, "KB-DEMO-PROVIDER-0001", self.oracles[2])
        await self.market.register_provider(
            authority=self.provider_wallet,
            node_key=self.node_key.pubkey(),
            gpu_model=inputs.gpu_model,
            gpu_count=inputs.gpu_count,
            region=b"KR",
            energy_source=market.EnergySource.MIXED,
        )
        self.say(
            "demo.provider_registered",
            provider=self.provider_address,
            gpu=inputs.gpu_model,
            count=inputs.gpu_count,
            power=inputs.board_power_w,
            share=figures.RENEWABLE_SHARE,
            node=self.node_key.pubkey(),
        )
        await self.market.approve_provider(registry_authority=self.registry, provider=self.provider_address)
        await self.market.stake(authority=self.provider_wallet, amount=inputs.stake)
        self.say("demo.provider_staked", stake=_amount(inputs.stake))

    async def open_job(self) -> None:
        self.step(7, "demo.step.job")
        inputs = self.inputs
        self.say(
            "demo.job_price",
            source=f"{figures.RENTAL_PROVIDER} {figures.RENTAL_GPU}",
            usd=inputs.rental_usd_per_gpu_hour,
            rate=inputs.usd_krw,
            rate_date=inputs.usd_krw_date.isoformat(),
            price=_amount(inputs.price_per_gpu_hour),
        )
        await self.market.open_job(
            renter=self.renter,
            provider=self.provider_address,
            nonce=self.job_nonce,
            price_per_gpu_hour=inputs.price_per_gpu_hour,
            budget=inputs.budget,
            end_time=self.localnet.cluster_time() + 86_400,
        )
        self.say("demo.job_opened", job=self.job_address, budget=_amount(inputs.budget))

    async def run_provider(self) -> market.Receipt:
        self.step(8, "demo.step.compute")
        inputs = self.inputs
        config = NodeConfig(
            node_keypair=self.node_key,
            deployment_id=self.deployment_id,
            gpu=find_gpu(inputs.gpu_model),
            gpu_count=inputs.gpu_count,
            energy_source=EnergySource.MIXED,
            renewable_share=figures.RENEWABLE_SHARE,
            oracle_urls=tuple(oracle.url for oracle in self.oracles),
            state_file=self.workdir / "provider-state.json",
            receipt_period_seconds=figures.RECEIPT_PERIOD_SECONDS,
            poll_interval_seconds=1.0,
            retry_base_seconds=0.5,
            retry_max_seconds=2.0,
            rpc_url=self.localnet.rpc_url,
            provider_authority=self.provider_wallet.pubkey(),
        )
        self.say("demo.clock_note", period=figures.RECEIPT_PERIOD_SECONDS)

        def serve_once() -> list[ReceiptOutcome]:
            with SequenceStore(config.state_file, deployment_id=config.deployment_id, node=config.node_pubkey) as store:
                agent = ProviderAgent(
                    config,
                    jobs=ChainJobSource.from_config(config),
                    store=store,
                    prover=PythonProver(),
                    clock=AcceleratedClock(figures.RECEIPT_PERIOD_SECONDS),
                )
                return agent.run(once=True)

        outcomes = await asyncio.to_thread(serve_once)
        accepted = [outcome for outcome in outcomes if outcome.outcome == "accepted"]
        if not accepted:
            details = "; ".join(f"{outcome.outcome} {outcome.detail or ''}" for outcome in outcomes) or "no open job"
            raise DemoError(message("demo.receipt_rejected", outcome="", detail=details))
        outcome = accepted[0]
        usage = outcome.usage
        if usage is None or outcome.attestation is None or outcome.oracle_url is None:
            raise DemoError(f"the agent reported receipt {outcome.sequence} as accepted without its usage or attestation")
        self.say(
            "demo.receipt_accepted",
            sequence=outcome.sequence,
            oracle=outcome.oracle_url,
            gpu_seconds=_amount(usage.gpu_seconds),
            energy_wh=_amount(usage.energy_wh),
            renewable_wh=_amount(usage.renewable_wh),
        )
        await self.wait_for_attestation(outcome.oracle_url, outcome.attestation["id"])
        receipt = await self.market.get_receipt(self.job_address, outcome.sequence)
        if receipt is None:
            raise DemoError(f"receipt {outcome.sequence} of job {self.job_address} is not on chain after its attestation was confirmed")
        self.say(
            "demo.receipt_settled",
            payment=_amount(receipt.payment),
            provider_share=_amount(receipt.payment - receipt.fee),
            fee=_amount(receipt.fee),
            carbon=_amount(receipt.renewable_wh),
            co2=_amount(receipt.co2_grams),
        )
        return receipt

    async def close_and_redeem(self) -> tuple[market.Job, market.KgpuMarketError]:
        self.step(9, "demo.step.close")
        await self.market.close_job(caller=self.renter, job=self.job_address)
        # Settlement leaves the fee in the escrow vault; anyone may sweep it to the reward vault.
        await self.market.sweep_fees(payer=self.renter)
        job = await self.market.get_job(self.job_address)
        assert job is not None
        self.say("demo.job_closed", refund=_amount(job.refunded))

        # `redeem` takes only nonces whose request PDA has canonical bump 255.
        nonce = canonical_redemption_nonce(self.renter.pubkey(), program_id=self.token.program_id)
        await self.token.redeem(
            holder=self.renter,
            nonce=nonce,
            amount=figures.REDEEM_AMOUNT,
            bank_reference_hash=hashlib.sha256(b"KB 110-123-456789").digest(),
        )
        redemption = self.token.redemption_address(self.renter.pubkey(), nonce)
        self.say("demo.redeemed", amount=_amount(figures.REDEEM_AMOUNT), redemption=redemption)

        await self.set_kyc(self.blocked_renter, b"CN", "demo.role.blocked_renter")
        try:
            await self.market.open_job(
                renter=self.blocked_renter,
                provider=self.provider_address,
                nonce=self.market.find_job_nonce(self.blocked_renter.pubkey()),
                price_per_gpu_hour=self.inputs.price_per_gpu_hour,
                budget=self.inputs.budget,
                end_time=self.localnet.cluster_time() + 86_400,
            )
        except market.KgpuMarketError as error:
            self.say("demo.blocked_rejected", error=type(error).__name__)
            self.console.print(f"  ko: {error.message('ko')}")
            self.console.print(f"  en: {error.message('en')}")
            return job, error
        raise DemoError(message("demo.blocked_not_rejected"))

    async def summarize(self, receipt: market.Receipt, job: market.Job, blocked: market.KgpuMarketError) -> DemoResult:
        self.step(10, "demo.step.summary")
        config = await self.token.get_config()
        state = await self.market.get_market()
        result = DemoResult(
            inputs=self.inputs,
            rpc_url=self.localnet.rpc_url,
            renter=self.renter.pubkey(),
            provider_wallet=self.provider_wallet.pubkey(),
            job=self.job_address,
            collateral_value=config.collateral_value,
            capacity=config.capacity,
            supply=await self.token.get_supply(),
            renter_balance=await self.token.get_token_balance(self.renter.pubkey()),
            provider_balance=await self.token.get_token_balance(self.provider_wallet.pubkey()),
            stake_vault=await self.vault_balance(market.stake_vault_address()),
            reward_vault=await self.vault_balance(market.reward_vault_address()),
            escrow_vault=await self.vault_balance(market.escrow_vault_address()),
            provider_carbon=await self.vault_balance(self.market.carbon_token_account(self.provider_wallet.pubkey())),
            co2_grams=state.total_co2_grams,
            receipt=receipt,
            closed_job=job,
            blocked_error=blocked,
            reserve_url=f"{self.oracles[0].url}/reserve",
            reserve=(await asyncio.to_thread(http_json, "GET", f"{self.oracles[0].url}/v1/reserve"))[1],
        )

        self.console.print(summary_table(result))

        self.say("demo.reserve_url", url=result.reserve_url)
        return result

    async def run(self, on_finished: Callable[[DemoResult], Awaitable[None] | None] | None = None) -> DemoResult:
        """Run the ten steps. `on_finished` receives the result while the processes still run."""
        self.console.print(f"[bold]{message('demo.title')}")
        try:
            await self.start_localnet()
            await self.initialize_programs()
            await self.start_oracles()
            await self.attest_collateral()
            await self.mint_to_renter()
            await self.register_provider()
            await self.open_job()
            receipt = await self.run_provider()
            job, blocked = await self.close_and_redeem()
            result = await self.summarize(receipt, job, blocked)
            if on_finished is not None:
                pending = on_finished(result)
                if pending is not None:
                    await pending
            return result
        finally:
            self.say("demo.stopping")
            if hasattr(self, "rpc"):
                await self.rpc.close()
            await asyncio.to_thread(self.services.stop)


async def run_demo(
    workdir: Path,
    console: Console | None = None,
    *,
    on_finished: Callable[[DemoResult], Awaitable[None] | None] | None = None,
) -> DemoResult:
    """Run the whole demo with its files in `workdir` and return the figures.

    Raises:
        DemoError: a step did not reach the state it needs.
        kgpu.demo.services.ServiceError: a child process failed to start.
        kgpu.errors.KgpuError: a transaction failed.
    """
    run = DemoRun(workdir=workdir, console=console or Console())
    return await run.run(on_finished)

