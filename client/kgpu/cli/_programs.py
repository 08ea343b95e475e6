"""Commands that drive the ``kgpu_token`` and ``kgpu_market`` programs.

Their options are final. Each body checks that the programs it needs are deployed on the
cluster and then reports that this ``kgpu`` version cannot drive them yet.
"""

# No `from __future__ import annotations`: typer evaluates the annotations of commands declared
# inside functions, and string annotations could not see the local option types there.

import asyncio
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed

from kgpu.cli._chain import require_programs
from kgpu.cli._output import Output, Settings, run_command
from kgpu.cli._wallet import parse_pubkey
from kgpu.errors import CommandNotImplementedError
from kgpu.i18n import Language, message
from kgpu.provider import _catalogue as _provider_catalogue  # noqa: F401  (adds the provider option texts)

TOKEN = "kgpu_token"
MARKET = "kgpu_market"
_DATE_FORMATS = ["%Y-%m-%d"]


class EnergySource(str, Enum):
    """Electricity source a provider node declares."""

    grid = "grid"
    renewable = "renewable"
    mixed = "mixed"


class JobStatus(str, Enum):
    """Job filter of ``job list``."""

    open = "open"
    closed = "closed"
    all = "all"


class ProgramName(str, Enum):
    """Program selected by ``admin pause``."""

    token = "token"
    market = "market"


def pending(ctx: typer.Context, command: str, programs: list[str], addresses: tuple[str | None, ...] = ()) -> None:
    """Validate ``addresses``, check that ``programs`` are deployed, then report that ``command`` is not implemented yet."""

    def body(settings: Settings, out: Output) -> None:
        for address in addresses:
            if address is not None:
                parse_pubkey(address)

        async def check() -> None:
            async with AsyncClient(settings.cluster.rpc_url, commitment=Confirmed) as client:
                await require_programs(client, programs, settings.cluster.rpc_url)

        with out.progress("progress.program_check", url=settings.cluster.rpc_url):
            asyncio.run(check())
        # NOTE: the instruction layouts come from the programs' Anchor IDL files, which do not exist
        # yet, so every body stops here even when the programs are deployed.
        raise CommandNotImplementedError(command=command)

    run_command(ctx, body)


def register(app: typer.Typer, lang: Language) -> None:
    """Add the program commands to ``app`` with help text in ``lang``."""

    def t(key: str) -> str:
        return message(key, lang=lang)

    # Option types shared by several commands.
    PriorityFee = Annotated[int, typer.Option("--priority-fee", min=0, help=t("opt.priority_fee"))]
    AmountKrw = Annotated[int, typer.Option("--amount", min=1, help=t("opt.amount_krw"), show_default=False)]
    OracleUrl = Annotated[str, typer.Option("--oracle-url", help=t("opt.oracle_url"))]
    NodeKeypair = Annotated[Path, typer.Option("--node-keypair", help=t("opt.node_keypair"), show_default=False)]
    ProtocolFeeBps = Annotated[
        Optional[int], typer.Option("--protocol-fee-bps", min=0, max=10_000, help=t("opt.protocol_fee_bps"), show_default=False)
    ]
    MinStakePerGpu = Annotated[
        Optional[int], typer.Option("--min-stake-per-gpu", min=0, help=t("opt.min_stake_per_gpu"), show_default=False)
    ]
    MaxAttestationAge = Annotated[
        Optional[int],
        typer.Option("--max-attestation-age", min=1, help=t("opt.max_attestation_age"), show_default=False),
    ]
    oracle_default = "http://127.0.0.1:8080"

    # -- redeem ----------------------------------------------------------------------------
    @app.command("redeem", help=t("help.redeem"))
    def redeem(
        ctx: typer.Context,
        amount: AmountKrw,
        bank_ref: Annotated[str, typer.Option("--bank-ref", help=t("opt.bank_ref"), show_default=False)],
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "redeem", [TOKEN])

    # -- job -------------------------------------------------------------------------------
    job = typer.Typer(help=t("help.job"), no_args_is_help=True)
    app.add_typer(job, name="job")

    @job.command("open", help=t("help.job_open"))
    def job_open(
        ctx: typer.Context,
        provider: Annotated[str, typer.Option("--provider", help=t("opt.provider"), show_default=False)],
        hours: Annotated[int, typer.Option("--hours", min=1, help=t("opt.hours"), show_default=False)],
        price: Annotated[int, typer.Option("--price", min=1, help=t("opt.price_per_gpu_hour"), show_default=False)],
        gpu_count: Annotated[int, typer.Option("--gpu-count", min=1, help=t("opt.gpu_count"))] = 1,
        budget: Annotated[
            Optional[int], typer.Option("--budget", min=1, help=t("opt.budget"), show_default=False)
        ] = None,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "job open", [MARKET], (provider,))

    @job.command("list", help=t("help.job_list"))
    def job_list(
        ctx: typer.Context,
        renter: Annotated[Optional[str], typer.Option("--renter", help=t("opt.renter"), show_default=False)] = None,
        provider: Annotated[
            Optional[str], typer.Option("--provider", help=t("opt.provider_filter"), show_default=False)
        ] = None,
        status: Annotated[JobStatus, typer.Option("--status", help=t("opt.job_status"))] = JobStatus.open,
    ) -> None:
        pending(ctx, "job list", [MARKET], (renter, provider))

    @job.command("show", help=t("help.job_show"))
    def job_show(
        ctx: typer.Context,
        job_address: Annotated[str, typer.Argument(metavar="JOB", help=t("arg.job"), show_default=False)],
    ) -> None:
        pending(ctx, "job show", [MARKET], (job_address,))

    @job.command("close", help=t("help.job_close"))
    def job_close(
        ctx: typer.Context,
        job_address: Annotated[str, typer.Argument(metavar="JOB", help=t("arg.job"), show_default=False)],
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "job close", [MARKET], (job_address,))

    # -- provider --------------------------------------------------------------------------
    provider_app = typer.Typer(help=t("help.provider"), no_args_is_help=True)
    app.add_typer(provider_app, name="provider")

    @provider_app.command("register", help=t("help.provider_register"))
    def provider_register(
        ctx: typer.Context,
        node_keypair: NodeKeypair,
        gpu_model: Annotated[str, typer.Option("--gpu-model", help=t("opt.gpu_model"), show_default=False)],
        price: Annotated[int, typer.Option("--price", min=1, help=t("opt.price_per_gpu_hour"), show_default=False)],
        gpu_count: Annotated[int, typer.Option("--gpu-count", min=1, help=t("opt.gpu_count"))] = 1,
        region: Annotated[str, typer.Option("--region", help=t("opt.region"))] = "KR",
        energy_source: Annotated[
            EnergySource, typer.Option("--energy-source", help=t("opt.energy_source"))
        ] = EnergySource.grid,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "provider register", [MARKET])

    @provider_app.command("stake", help=t("help.provider_stake"))
    def provider_stake(ctx: typer.Context, amount: AmountKrw, priority_fee: PriorityFee = 0) -> None:
        pending(ctx, "provider stake", [MARKET])

    @provider_app.command("unstake", help=t("help.provider_unstake"))
    def provider_unstake(ctx: typer.Context, amount: AmountKrw, priority_fee: PriorityFee = 0) -> None:
        pending(ctx, "provider unstake", [MARKET])

    @provider_app.command("withdraw", help=t("help.provider_withdraw"))
    def provider_withdraw(ctx: typer.Context, priority_fee: PriorityFee = 0) -> None:
        pending(ctx, "provider withdraw", [MARKET])

    @provider_app.command("claim", help=t("help.provider_claim"))
    def provider_claim(ctx: typer.Context, priority_fee: PriorityFee = 0) -> None:
        pending(ctx, "provider claim", [MARKET])

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
    def reserve(ctx: typer.Context) -> None:
        pending(ctx, "reserve", [TOKEN])

    # -- admin -----------------------------------------------------------------------------
    admin = typer.Typer(help=t("help.admin"), no_args_is_help=True)
    app.add_typer(admin, name="admin")

    @admin.command("init", help=t("help.admin_init"))
    def admin_init(
        ctx: typer.Context,
        registry_authority: Annotated[
            str, typer.Option("--registry-authority", help=t("opt.registry_authority"), show_default=False)
        ],
        oracle_threshold: Annotated[int, typer.Option("--oracle-threshold", min=1, help=t("opt.threshold"))] = 2,
        haircut_bps: Annotated[int, typer.Option("--haircut-bps", min=0, max=10_000, help=t("opt.haircut_bps"))] = 200,
        max_attestation_age: MaxAttestationAge = 86_400,
        protocol_fee_bps: ProtocolFeeBps = 100,
        min_stake_per_gpu: MinStakePerGpu = 1_000_000,
        unbonding_period: Annotated[
            int, typer.Option("--unbonding-period", min=0, help=t("opt.unbonding_period"))
        ] = 604_800,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "admin init", [TOKEN, MARKET], (registry_authority,))

    @admin.command("oracle-set", help=t("help.admin_oracle_set"))
    def admin_oracle_set(
        ctx: typer.Context,
        oracle: Annotated[list[str], typer.Option("--oracle", help=t("opt.oracle"), show_default=False)],
        threshold: Annotated[int, typer.Option("--threshold", min=1, help=t("opt.threshold"), show_default=False)],
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "admin oracle-set", [TOKEN], tuple(oracle))

    @admin.command("params", help=t("help.admin_params"))
    def admin_params(
        ctx: typer.Context,
        protocol_fee_bps: ProtocolFeeBps = None,
        min_stake_per_gpu: MinStakePerGpu = None,
        unbonding_period: Annotated[
            Optional[int], typer.Option("--unbonding-period", min=0, help=t("opt.unbonding_period"), show_default=False)
        ] = None,
        max_attestation_age: MaxAttestationAge = None,
        blocked_jurisdiction: Annotated[
            Optional[list[str]],
            typer.Option("--blocked-jurisdiction", help=t("opt.blocked_jurisdiction"), show_default=False),
        ] = None,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "admin params", [TOKEN, MARKET])

    @admin.command("pause", help=t("help.admin_pause"))
    def admin_pause(
        ctx: typer.Context,
        program: Annotated[ProgramName, typer.Option("--program", help=t("opt.pause_program"), show_default=False)],
        unpause: Annotated[bool, typer.Option("--unpause", help=t("opt.unpause"))] = False,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "admin pause", [TOKEN if program is ProgramName.token else MARKET])

    @admin.command("kyc", help=t("help.admin_kyc"))
    def admin_kyc(
        ctx: typer.Context,
        wallet: Annotated[str, typer.Argument(metavar="WALLET", help=t("arg.kyc_wallet"), show_default=False)],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help=t("opt.jurisdiction"))] = "KR",
        expires: Annotated[
            Optional[datetime],
            typer.Option("--expires", formats=_DATE_FORMATS, help=t("opt.kyc_expires"), show_default=False),
        ] = None,
        revoke: Annotated[bool, typer.Option("--revoke", help=t("opt.kyc_revoke"))] = False,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "admin kyc", [TOKEN], (wallet,))

    @admin.command("approve", help=t("help.admin_approve"))
    def admin_approve(
        ctx: typer.Context,
        node: Annotated[str, typer.Argument(metavar="NODE", help=t("arg.node"), show_default=False)],
        revoke: Annotated[bool, typer.Option("--revoke", help=t("opt.approve_revoke"))] = False,
        priority_fee: PriorityFee = 0,
    ) -> None:
        pending(ctx, "admin approve", [MARKET], (node,))

    # -- custodian -------------------------------------------------------------------------
    custodian = typer.Typer(help=t("help.custodian"), no_args_is_help=True)
    app.add_typer(custodian, name="custodian")

    @custodian.command("report", help=t("help.custodian_report"))
    def custodian_report(
        ctx: typer.Context,
        isin: Annotated[str, typer.Option("--isin", help=t("opt.isin"), show_default=False)],
        face_value: Annotated[int, typer.Option("--face-value", min=1, help=t("opt.face_value"), show_default=False)],
        clean_price: Annotated[str, typer.Option("--clean-price", help=t("opt.clean_price"), show_default=False)],
        maturity: Annotated[
            datetime, typer.Option("--maturity", formats=_DATE_FORMATS, help=t("opt.maturity"), show_default=False)
        ],
        valuation_date: Annotated[
            datetime,
            typer.Option("--valuation-date", formats=_DATE_FORMATS, help=t("opt.valuation_date"), show_default=False),
        ],
        custodian_key: Annotated[Path, typer.Option("--custodian-key", help=t("opt.custodian_key"), show_default=False)],
        sequence: Annotated[int, typer.Option("--sequence", min=1, help=t("opt.sequence"), show_default=False)],
        oracle_url: OracleUrl = oracle_default,
    ) -> None:
        pending(ctx, "custodian report", [TOKEN])

    # -- bank ------------------------------------------------------------------------------
    bank = typer.Typer(help=t("help.bank"), no_args_is_help=True)
    app.add_typer(bank, name="bank")

    @bank.command("deposit", help=t("help.bank_deposit"))
    def bank_deposit(
        ctx: typer.Context,
        deposit_id: Annotated[str, typer.Option("--deposit-id", help=t("opt.deposit_id"), show_default=False)],
        beneficiary: Annotated[str, typer.Option("--beneficiary", help=t("opt.beneficiary"), show_default=False)],
        amount: AmountKrw,
        oracle_url: OracleUrl = oracle_default,
    ) -> None:
        pending(ctx, "bank deposit", [TOKEN], (beneficiary,))
