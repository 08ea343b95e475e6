"""Commands that drive the ``kgpu_token`` and ``kgpu_market`` programs, and the oracle evidence commands.

Every write is signed and paid by the ``--keypair`` wallet and waits for ``confirmed``. The
``admin`` group is in :mod:`kgpu.cli._admin`.
"""

# No `from __future__ import annotations`: typer evaluates the annotations of commands declared
# inside functions, and string annotations could not see the local option types there.

import asyncio
import hashlib
import sys
import time
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from solders.signature import Signature

from kgpu import market
from kgpu.cli import _admin
from kgpu.cli._admin import parse_country_codes, parse_deployment_id
from kgpu.cli._errors import GpuCountMismatchError, InvalidOptionError, ProviderNotFoundError
from kgpu.cli._oracle_requests import (
    import_oracle_module,
    load_bank_key,
    load_custodian_key,
    load_positions,
    oracle_json,
)
from kgpu.cli._output import Output, Settings, run_command
from kgpu.cli._program_support import (
    cluster_time,
    format_value,
    job_fields,
    next_job_nonce,
    next_redemption_nonce,
    open_clients,
    print_fields,
    provider_fields,
    resolve_provider,
    sent_fields,
)
from kgpu.cli._wallet import parse_pubkey
from kgpu.config import load_keypair
from kgpu.i18n import Language, message
from kgpu.market import JobNotFoundError
from kgpu.provider import _catalogue as _provider_catalogue  # noqa: F401  (adds the provider option texts)

TOKEN = "kgpu_token"
MARKET = "kgpu_market"
_DATE_FORMATS = ["%Y-%m-%d"]
SECONDS_PER_HOUR = 3_600
ORACLE_DEFAULT = "http://127.0.0.1:8700"


class EnergySource(str, Enum):
    """Electricity source a provider node declares, as `Provider.energy_source` stores it."""

    grid = "grid"
    solar = "solar"
    wind = "wind"
    hydro = "hydro"
    geothermal = "geothermal"
    mixed = "mixed"


class JobStatus(str, Enum):
    """Job filter of ``job list``."""

    open = "open"
    closed = "closed"
    all = "all"


def _keep_job(status: JobStatus, job: market.Job) -> bool:
    if status is JobStatus.all:
        return True
    is_open = job.status == market.JobStatus.OPEN
    return is_open if status is JobStatus.open else not is_open


def _print_jobs(console: Console, settings: Settings, jobs: list[dict[str, Any]]) -> None:
    if not jobs:
        console.print(settings.text("job.none"))
        return
    table = Table(title=settings.text("job.list_title", count=len(jobs)), title_justify="left")
    for column in ("address", "status", "provider", "price_per_gpu_hour", "escrowed", "paid", "end_time"):
        table.add_column(column, justify="right" if column in ("price_per_gpu_hour", "escrowed", "paid") else "left")
    for job in jobs:
        table.add_row(
            job["address"],
            job["status"],
            job["provider"],
            f"{job['price_per_gpu_hour']:,}",
            f"{job['escrowed']:,}",
            f"{job['paid']:,}",
            datetime.fromtimestamp(job["end_time"], timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        )
    console.print(table)


def register(app: typer.Typer, lang: Language) -> None:
    """Add the program commands to ``app`` with help text in ``lang``."""

    def t(key: str) -> str:
        return message(key, lang=lang)

    # Option types shared by several commands.
    PriorityFee = Annotated[int, typer.Option("--priority-fee", min=0, help=t("opt.priority_fee"))]
    AmountKrw = Annotated[int, typer.Option("--amount", min=1, help=t("opt.amount_krw"), show_default=False)]
    OracleUrl = Annotated[str, typer.Option("--oracle", "--oracle-url", help=t("opt.oracle_url"))]
    NodeKeypair = Annotated[Path, typer.Option("--node-keypair", help=t("opt.node_keypair"), show_default=False)]
    DeploymentId = Annotated[
        Optional[str], typer.Option("--deployment-id", help=t("opt.evidence_deployment_id"), show_default=False)
    ]

    def send_and_report(
        ctx: typer.Context,
        programs: list[str],
        priority_fee: int,
        action: Any,
        render_key: str,
        validate: Any = None,
    ) -> None:
        """Run ``validate()``, then ``action(clients, wallet)`` in a spinner, and print the ``render_key`` line.

        ``validate`` checks the options before any RPC call, so invalid input fails without a cluster.
        """

        def body(settings: Settings, out: Output) -> None:
            if validate is not None:
                validate()
            wallet = load_keypair(settings.keypair_path)

            async def run() -> dict[str, Any]:
                async with open_clients(settings, programs, priority_fee=priority_fee) as clients:
                    return await action(clients, wallet)

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())

            def render(console: Console) -> None:
                console.print(settings.text(render_key, **{name: format_value(name, value) for name, value in data.items()}))
                if "provider" in data and isinstance(data["provider"], dict):
                    print_fields(console, settings.text("provider.title"), data["provider"])

            out.result(data, render)

        run_command(ctx, body)

    # -- redeem ----------------------------------------------------------------------------
    @app.command("redeem", help=t("help.redeem"))
    def redeem(
        ctx: typer.Context,
        amount: Annotated[int, typer.Argument(metavar="AMOUNT", min=1, help=t("arg.redeem_amount"), show_default=False)],
        bank_reference: Annotated[
            str, typer.Option("--bank-reference", "--bank-ref", help=t("opt.bank_ref"), show_default=False)
        ],
        nonce: Annotated[
            Optional[int], typer.Option("--nonce", min=0, max=2**64 - 1, help=t("opt.redemption_nonce"), show_default=False)
        ] = None,
        priority_fee: PriorityFee = 0,
    ) -> None:
        reference_hash = hashlib.sha256(bank_reference.encode()).digest()

        async def action(clients: Any, wallet: Any) -> dict[str, Any]:
            # Raises ConfigNotFoundError on a cluster where kgpu_token is deployed but not initialized.
            await clients.token.get_config()
            chosen = nonce if nonce is not None else await next_redemption_nonce(clients.token, wallet.pubkey())
            sent = await clients.token.redeem(
                holder=wallet, nonce=chosen, amount=amount, bank_reference_hash=reference_hash
            )
            address = clients.token.redemption_address(wallet.pubkey(), chosen)
            redemption = await clients.token.get_redemption(address)
            assert redemption is not None, f"redeem landed but {address} does not exist"
            return {
                **sent_fields(sent),
                "redemption": str(address),
                "nonce": chosen,
                "amount": redemption.amount,
                "bank_reference_hash": reference_hash.hex(),
                "status": redemption.status.name.lower(),
                "balance": await clients.token.get_token_balance(wallet.pubkey()),
            }

        send_and_report(ctx, [TOKEN], priority_fee, action, "redeem.done")

    # -- job -------------------------------------------------------------------------------
    job = typer.Typer(help=t("help.job"), no_args_is_help=True)
    app.add_typer(job, name="job")

    @job.command("open", help=t("help.job_open"))
    def job_open(
        ctx: typer.Context,
        provider: Annotated[str, typer.Option("--provider", help=t("opt.provider"), show_default=False)],
        hours: Annotated[int, typer.Option("--hours", min=1, help=t("opt.hours"), show_default=False)],
        price: Annotated[int, typer.Option("--price", min=1, help=t("opt.price_per_gpu_hour"), show_default=False)],
        gpu_count: Annotated[
            Optional[int], typer.Option("--gpu-count", "--gpus", min=1, help=t("opt.job_gpu_count"), show_default=False)
        ] = None,
        budget: Annotated[
            Optional[int], typer.Option("--budget", min=1, help=t("opt.budget"), show_default=False)
        ] = None,
        nonce: Annotated[
            Optional[int], typer.Option("--nonce", min=0, max=2**64 - 1, help=t("opt.job_nonce"), show_default=False)
        ] = None,
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            provider_key = parse_pubkey(provider)
            wallet = load_keypair(settings.keypair_path)

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN, MARKET], priority_fee=priority_fee) as clients:
                    provider_address, record = await resolve_provider(clients.market, provider_key)
                    if gpu_count is not None and gpu_count != record.gpu_count:
                        raise GpuCountMismatchError(requested=gpu_count, provider_count=record.gpu_count)
                    chosen_budget = budget if budget is not None else record.gpu_count * hours * price
                    chosen_nonce = nonce if nonce is not None else await next_job_nonce(clients.market, wallet.pubkey())
                    end_time = await cluster_time(clients.rpc) + hours * SECONDS_PER_HOUR
                    sent = await clients.market.open_job(
                        renter=wallet,
                        provider=provider_address,
                        nonce=chosen_nonce,
                        price_per_gpu_hour=price,
                        budget=chosen_budget,
                        end_time=end_time,
                    )
                    address = clients.market.job_address(wallet.pubkey(), chosen_nonce)
                    opened = await clients.market.get_job(address)
                    assert opened is not None, f"open_job landed but {address} does not exist"
                    return {**sent_fields(sent), "job": job_fields(address, opened)}

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())

            def render(console: Console) -> None:
                opened = data["job"]
                console.print(settings.text("job.opened", job=opened["address"], budget=f"{opened['funded']:,}"))
                print_fields(console, settings.text("job.title"), opened)

            out.result(data, render)

        run_command(ctx, body)

    @job.command("list", help=t("help.job_list"))
    def job_list(
        ctx: typer.Context,
        renter: Annotated[Optional[str], typer.Option("--renter", help=t("opt.renter"), show_default=False)] = None,
        provider: Annotated[
            Optional[str], typer.Option("--provider", help=t("opt.provider_filter"), show_default=False)
        ] = None,
        status: Annotated[JobStatus, typer.Option("--status", help=t("opt.job_status"))] = JobStatus.open,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            renter_key = parse_pubkey(renter) if renter else None
            provider_key = parse_pubkey(provider) if provider else None
            if renter_key is None and provider_key is None:
                renter_key = load_keypair(settings.keypair_path).pubkey()

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [MARKET]) as clients:
                    provider_address = None
                    if provider_key is not None:
                        provider_address, _ = await resolve_provider(clients.market, provider_key)
                    found = await clients.market.list_jobs(
                        provider=provider_address, renter=renter_key, open_only=status is JobStatus.open
                    )
                    jobs = [job_fields(address, item) for address, item in found if _keep_job(status, item)]
                    return {"jobs": jobs, "count": len(jobs), "status": status.value}

            with out.progress("progress.read", url=settings.cluster.rpc_url):
                data = asyncio.run(run())
            out.result(data, lambda console: _print_jobs(console, settings, data["jobs"]))

        run_command(ctx, body)

    @job.command("show", help=t("help.job_show"))
    def job_show(
        ctx: typer.Context,
        job_address: Annotated[str, typer.Argument(metavar="JOB", help=t("arg.job"), show_default=False)],
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            address = parse_pubkey(job_address)

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [MARKET]) as clients:
                    found = await clients.market.get_job(address)
                    if found is None:
                        raise JobNotFoundError(address=str(address))
                    return {"job": job_fields(address, found)}

            with out.progress("progress.read", url=settings.cluster.rpc_url):
                data = asyncio.run(run())
            out.result(data, lambda console: print_fields(console, settings.text("job.title"), data["job"]))

        run_command(ctx, body)

    @job.command("close", help=t("help.job_close"))
    def job_close(
        ctx: typer.Context,
        job_address: Annotated[str, typer.Argument(metavar="JOB", help=t("arg.job"), show_default=False)],
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            address = parse_pubkey(job_address)
            wallet = load_keypair(settings.keypair_path)

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN, MARKET], priority_fee=priority_fee) as clients:
                    sent = await clients.market.close_job(caller=wallet, job=address)
                    closed = await clients.market.get_job(address)
                    assert closed is not None, f"close_job landed but {address} does not exist"
                    return {**sent_fields(sent), "job": job_fields(address, closed)}

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())

            def render(console: Console) -> None:
                closed = data["job"]
                console.print(settings.text("job.closed", job=closed["address"], refund=f"{closed['refunded']:,}"))
                if closed["refund_due"]:
                    console.print(settings.text("job.refund_booked", job=closed["address"], refund=f"{closed['refund_due']:,}"))

            out.result(data, render)

        run_command(ctx, body)

    @job.command("claim-refund", help=t("help.job_claim_refund"))
    def job_claim_refund(
        ctx: typer.Context,
        job_address: Annotated[str, typer.Argument(metavar="JOB", help=t("arg.job"), show_default=False)],
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            address = parse_pubkey(job_address)
            wallet = load_keypair(settings.keypair_path)

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN, MARKET], priority_fee=priority_fee) as clients:
                    before = await clients.market.get_job(address)
                    if before is None:
                        raise JobNotFoundError(address=str(address))
                    sent = await clients.market.claim_refund(payer=wallet, job=address)
                    after = await clients.market.get_job(address)
                    assert after is not None, f"claim_refund landed but {address} does not exist"
                    return {**sent_fields(sent), "amount": before.refund_due, "job": job_fields(address, after)}

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())

            def render(console: Console) -> None:
                console.print(settings.text("job.refund_claimed", job=data["job"]["address"], refund=f"{data['amount']:,}"))

            out.result(data, render)

        run_command(ctx, body)

    # -- provider --------------------------------------------------------------------------
    provider_app = typer.Typer(help=t("help.provider"), no_args_is_help=True)
    app.add_typer(provider_app, name="provider")

    async def provider_state(clients: Any, wallet: Any) -> dict[str, Any]:
        """Return the wallet's `Provider` account fields, or raise :class:`ProviderNotFoundError` before any write."""
        address = clients.market.provider_address(wallet.pubkey())
        record = await clients.market.get_provider(address=address)
        if record is None:
            raise ProviderNotFoundError(address=str(wallet.pubkey()))
        return provider_fields(address, record)

    @provider_app.command("register", help=t("help.provider_register"))
    def provider_register(
        ctx: typer.Context,
        node_keypair: NodeKeypair,
        gpu_model: Annotated[str, typer.Option("--gpu-model", help=t("opt.gpu_model"), show_default=False)],
        gpu_count: Annotated[int, typer.Option("--gpu-count", min=1, max=4096, help=t("opt.gpu_count"))] = 1,
        region: Annotated[str, typer.Option("--region", help=t("opt.region"))] = "KR",
        energy_source: Annotated[
            EnergySource, typer.Option("--energy-source", help=t("opt.energy_source"))
        ] = EnergySource.grid,
        priority_fee: PriorityFee = 0,
    ) -> None:
        source = market.EnergySource[energy_source.value.upper()]

        def validate() -> None:
            parse_country_codes("--region", [region])
            load_keypair(node_keypair)

        async def action(clients: Any, wallet: Any) -> dict[str, Any]:
            (region_code,) = parse_country_codes("--region", [region])
            node_key = load_keypair(node_keypair).pubkey()
            try:
                sent = await clients.market.register_provider(
                    authority=wallet,
                    node_key=node_key,
                    gpu_model=gpu_model,
                    gpu_count=gpu_count,
                    region=region_code,
                    energy_source=source,
                )
            except ValueError as error:
                raise InvalidOptionError(option="--gpu-model", value=gpu_model, reason=str(error)) from error
            state = await provider_state(clients, wallet)
            return {**sent_fields(sent), "provider": state, "address": state["address"]}

        send_and_report(ctx, [TOKEN, MARKET], priority_fee, action, "provider.registered", validate)

    @provider_app.command("stake", help=t("help.provider_stake"))
    def provider_stake(ctx: typer.Context, amount: AmountKrw, priority_fee: PriorityFee = 0) -> None:
        async def action(clients: Any, wallet: Any) -> dict[str, Any]:
            await provider_state(clients, wallet)
            sent = await clients.market.stake(authority=wallet, amount=amount)
            return {**sent_fields(sent), "amount": amount, "provider": await provider_state(clients, wallet)}

        send_and_report(ctx, [TOKEN, MARKET], priority_fee, action, "provider.staked")

    @provider_app.command("unstake", help=t("help.provider_unstake"))
    def provider_unstake(ctx: typer.Context, amount: AmountKrw, priority_fee: PriorityFee = 0) -> None:
        async def action(clients: Any, wallet: Any) -> dict[str, Any]:
            await provider_state(clients, wallet)
            sent = await clients.market.request_unstake(authority=wallet, amount=amount)
            return {**sent_fields(sent), "amount": amount, "provider": await provider_state(clients, wallet)}

        send_and_report(ctx, [TOKEN, MARKET], priority_fee, action, "provider.unstaked")

    @provider_app.command("withdraw", help=t("help.provider_withdraw"))
    def provider_withdraw(ctx: typer.Context, priority_fee: PriorityFee = 0) -> None:
        async def action(clients: Any, wallet: Any) -> dict[str, Any]:
            before = await provider_state(clients, wallet)
            sent = await clients.market.withdraw_unstaked(authority=wallet)
            return {**sent_fields(sent), "amount": before["unbonding_stake"], "provider": await provider_state(clients, wallet)}

        send_and_report(ctx, [TOKEN, MARKET], priority_fee, action, "provider.withdrawn")

    @provider_app.command("claim", help=t("help.provider_claim"))
    def provider_claim(ctx: typer.Context, priority_fee: PriorityFee = 0) -> None:
        async def action(clients: Any, wallet: Any) -> dict[str, Any]:
            before = await provider_state(clients, wallet)
            sent = await clients.market.claim_rewards(authority=wallet)
            after = await provider_state(clients, wallet)
            claimed = after["claimed_rewards"] - before["claimed_rewards"]
            return {**sent_fields(sent), "amount": claimed, "provider": after}

        send_and_report(ctx, [TOKEN, MARKET], priority_fee, action, "provider.claimed")

    @provider_app.command("serve", help=t("help.provider_serve"))
    def provider_serve(
        ctx: typer.Context,
        config: Annotated[Path, typer.Option("--config", help=t("opt.node_config"), show_default=False)],
        node_keypair: Annotated[
            Optional[Path], typer.Option("--node-keypair", help=t("opt.node_keypair"), show_default=False)
        ] = None,
        oracle_url: Annotated[
            Optional[list[str]], typer.Option("--oracle-url", help=t("opt.oracle_url"), show_default=False)
        ] = None,
        poll_interval: Annotated[
            Optional[float], typer.Option("--poll-interval", min=0.1, help=t("opt.poll_interval"), show_default=False)
        ] = None,
        once: Annotated[bool, typer.Option("--once", help=t("opt.once"))] = False,
        prover: Annotated[str, typer.Option("--prover", help=t("opt.prover"))] = "auto",
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            from kgpu.provider import configure_logging, serve, summarize  # noqa: PLC0415

            interactive = not settings.json_output and sys.stderr.isatty()
            configure_logging("INFO", interactive)
            outcomes = serve(
                config,
                once=once,
                prover=prover,
                interactive=interactive,
                node_keypair=node_keypair,
                oracle_urls=tuple(oracle_url) if oracle_url else None,
                poll_interval_seconds=poll_interval,
            )
            summary = summarize(outcomes)
            out.result(
                summary,
                lambda console: console.print(
                    settings.text("provider.summary", jobs=summary["jobs"], accepted=summary["accepted"], failed=summary["failed"])
                ),
            )
            if summary["failed"]:
                raise typer.Exit(code=1)

        run_command(ctx, body)

    # -- reserve ---------------------------------------------------------------------------
    @app.command("reserve", help=t("help.reserve"))
    def reserve(
        ctx: typer.Context,
        oracle: Annotated[
            Optional[str], typer.Option("--oracle", help=t("opt.reserve_oracle"), show_default=False)
        ] = None,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            if oracle is not None:
                url = f"{oracle.rstrip('/')}/v1/reserve"
                with out.progress("progress.oracle", url=url):
                    view = oracle_json("GET", url)
                data = {
                    "source": f"oracle:{view.get('source', 'database')}",
                    "supply": view.get("supply"),
                    "collateral_value": view.get("collateral_value"),
                    "capacity": view.get("capacity"),
                    "ratio": view.get("ratio"),
                    "valuation_time": None,
                    "valuation_date": view.get("valuation_date"),
                    "attestation_age_seconds": view.get("attestation_age_seconds"),
                    "attestation_sequence": None,
                }
            else:

                async def run() -> dict[str, Any]:
                    async with open_clients(settings, [TOKEN]) as clients:
                        config = await clients.token.get_config()
                        supply = await clients.token.get_supply()
                        now = await cluster_time(clients.rpc)
                        attested = config.attestation_sequence > 0
                        return {
                            "source": "chain",
                            "supply": supply,
                            "collateral_value": config.collateral_value,
                            "capacity": config.capacity,
                            "ratio": round(config.capacity / supply, 6) if supply else None,
                            "valuation_time": config.valuation_time if attested else None,
                            "valuation_date": (
                                datetime.fromtimestamp(config.valuation_time, timezone.utc).date().isoformat() if attested else None
                            ),
                            "attestation_age_seconds": now - config.valuation_time if attested else None,
                            "attestation_sequence": config.attestation_sequence,
                        }

                with out.progress("progress.read", url=settings.cluster.rpc_url):
                    data = asyncio.run(run())

            def render(console: Console) -> None:
                table = Table(title=settings.text("reserve.title", source=data["source"]), show_header=False, title_justify="left")
                table.add_column(style="bold")
                table.add_column(justify="right")
                for key in ("supply", "collateral_value", "capacity"):
                    value = data[key]
                    table.add_row(settings.text(f"reserve.{key}"), "-" if value is None else f"{value:,}")
                ratio = data["ratio"]
                table.add_row(settings.text("reserve.ratio"), "-" if ratio is None else f"{ratio:.4f}")
                table.add_row(settings.text("reserve.valuation_date"), escape(str(data["valuation_date"] or "-")))
                age = data["attestation_age_seconds"]
                table.add_row(settings.text("reserve.age"), "-" if age is None else f"{age:,}")
                console.print(table)

            out.result(data, render)

        run_command(ctx, body)

    # -- admin -----------------------------------------------------------------------------
    _admin.register(app, lang)

    # -- custodian -------------------------------------------------------------------------
    custodian = typer.Typer(help=t("help.custodian"), no_args_is_help=True)
    app.add_typer(custodian, name="custodian")

    async def chain_evidence_context(settings: Settings, deployment_id: Optional[str]) -> tuple[bytes, int]:
        """Return the deployment id (from ``--deployment-id`` or the token config) and the last attestation sequence."""
        if deployment_id:
            return parse_deployment_id(deployment_id), 0
        async with open_clients(settings, [TOKEN]) as clients:
            config = await clients.token.get_config()
            return config.deployment_id, config.attestation_sequence

    @custodian.command("report", help=t("help.custodian_report"))
    def custodian_report(
        ctx: typer.Context,
        positions_file: Annotated[Path, typer.Argument(metavar="FILE", help=t("arg.positions_file"), show_default=False)],
        custodian_key: Annotated[Path, typer.Option("--custodian-key", help=t("opt.custodian_key"), show_default=False)],
        valuation_date: Annotated[
            Optional[datetime],
            typer.Option("--valuation-date", formats=_DATE_FORMATS, help=t("opt.valuation_date"), show_default=False),
        ] = None,
        sequence: Annotated[
            Optional[int], typer.Option("--sequence", min=1, help=t("opt.sequence"), show_default=False)
        ] = None,
        deployment_id: DeploymentId = None,
        oracle_url: OracleUrl = ORACLE_DEFAULT,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            collateral = import_oracle_module("collateral")
            positions = load_positions(positions_file)
            private_key = load_custodian_key(custodian_key)
            day = (valuation_date or datetime.now(timezone.utc)).date().isoformat()

            if sequence is None and deployment_id:
                raise InvalidOptionError(option="--sequence", value="", reason="give --sequence together with --deployment-id")
            with out.progress("progress.read", url=settings.cluster.rpc_url):
                domain, last_sequence = asyncio.run(chain_evidence_context(settings, deployment_id))
            report = {"sequence": sequence or last_sequence + 1, "valuationDate": day, "positions": positions}
            signature = collateral.sign_report(report, domain, private_key)
            url = f"{oracle_url.rstrip('/')}/v1/collateral-reports"
            with out.progress("progress.oracle", url=url):
                view = oracle_json("POST", url, {"report": report, "signature": signature})
            data = {
                "attestation_id": view.get("id"),
                "state": view.get("state"),
                "sequence": report["sequence"],
                "valuation_date": day,
                "positions": len(positions),
                "face_value": sum(position["faceValue"] for position in positions),
                "signature": signature,
                "oracle": url,
            }
            out.result(
                data,
                lambda console: console.print(
                    settings.text("custodian.reported", sequence=data["sequence"], id=data["attestation_id"], state=data["state"])
                ),
            )

        run_command(ctx, body)

    # -- bank ------------------------------------------------------------------------------
    bank = typer.Typer(help=t("help.bank"), no_args_is_help=True)
    app.add_typer(bank, name="bank")

    @bank.command("deposit", help=t("help.bank_deposit"))
    def bank_deposit(
        ctx: typer.Context,
        reference: Annotated[
            str, typer.Option("--reference", "--deposit-id", help=t("opt.deposit_id"), show_default=False)
        ],
        beneficiary: Annotated[str, typer.Option("--beneficiary", help=t("opt.beneficiary"), show_default=False)],
        amount: AmountKrw,
        bank_keypair: Annotated[Path, typer.Option("--bank-keypair", help=t("opt.bank_keypair"), show_default=False)],
        credited_at: Annotated[
            Optional[int], typer.Option("--credited-at", min=0, help=t("opt.credited_at"), show_default=False)
        ] = None,
        deployment_id: DeploymentId = None,
        oracle_url: OracleUrl = ORACLE_DEFAULT,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            wallet = parse_pubkey(beneficiary)
            deposits = import_oracle_module("deposits")
            key = load_bank_key(bank_keypair)

            with out.progress("progress.read", url=settings.cluster.rpc_url):
                domain, _ = asyncio.run(chain_evidence_context(settings, deployment_id))
            notice = deposits.DepositNotice(reference, wallet, amount, credited_at if credited_at is not None else int(time.time()))
            signature = deposits.sign_deposit(notice, domain, key)
            request = {
                "reference": reference,
                "beneficiary": str(wallet),
                "amount": amount,
                "credited_at": notice.credited_at,
                "signature": str(Signature.from_bytes(signature)),
            }
            url = f"{oracle_url.rstrip('/')}/v1/deposits"
            with out.progress("progress.oracle", url=url):
                view = oracle_json("POST", url, request)
            data = {
                "attestation_id": view.get("id"),
                "state": view.get("state"),
                "deposit_id": notice.deposit_id.hex(),
                **request,
                "oracle": url,
            }
            out.result(
                data,
                lambda console: console.print(
                    settings.text("bank.deposited", amount=f"{amount:,}", beneficiary=wallet, id=data["attestation_id"])
                ),
            )

        run_command(ctx, body)
