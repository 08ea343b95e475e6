"""The ``kgpu admin`` commands: program set-up and governance, signed by the ``--keypair`` wallet.

The wallet is the token config's and the market's admin for ``init``, ``oracle-set``, ``params``
and ``pause``, and the registry authority for ``kyc`` and ``approve``. On kgpu-localnet the admin
is the faucet, `<ledger>/faucet-keypair.json`, because `initialize` must be signed by the
programs' upgrade authority.
"""

# No `from __future__ import annotations`: typer evaluates the annotations of commands declared
# inside functions, and string annotations could not see the local option types there.

import asyncio
import hashlib
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from solana.rpc.commitment import Confirmed
from solders.hash import Hash
from solders.keypair import Keypair

from kgpu import market
from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, KGPU_TOKEN_PROGRAM_ID
from kgpu.cli._chain import rpc
from kgpu.cli._errors import InvalidOptionError
from kgpu.cli._output import Output, Settings, run_command
from kgpu.cli._program_support import (
    Clients,
    code_text,
    open_clients,
    print_fields,
    resolve_provider,
    sent_fields,
)
from kgpu.cli._wallet import parse_pubkey
from kgpu.config import load_keypair
from kgpu.errors import CommandNotImplementedError
from kgpu.i18n import Language, message
from kgpu.market import MarketNotFoundError, MarketParams
from kgpu.token import DEFAULT_BLOCKED_JURISDICTIONS, ConfigNotFoundError

TOKEN = "kgpu_token"
MARKET = "kgpu_market"
_DATE_FORMATS = ["%Y-%m-%d"]
# `expires_at` of a KYC record without an expiry: the largest i64, which no block time reaches.
NO_EXPIRY = 2**63 - 1
# Byte offset of the account state in the SPL Token layout (0 uninitialized, 1 initialized, 2 frozen).
TOKEN_ACCOUNT_STATE_OFFSET = 108
TOKEN_ACCOUNT_FROZEN = 2
MARKET_VAULTS = (
    market.stake_vault_address,
    market.reward_vault_address,
    market.insurance_vault_address,
    market.escrow_vault_address,
)


class ProgramName(str, Enum):
    """Program selected by ``admin pause``."""

    token = "token"
    market = "market"


def parse_country_codes(option: str, values: list[str]) -> tuple[bytes, ...]:
    """Parse country codes into upper-case ISO 3166-1 alpha-2 bytes, or raise :class:`InvalidOptionError`."""
    codes = []
    for value in values:
        code = value.strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise InvalidOptionError(option=option, value=value, reason="expected a 2-letter ISO 3166-1 alpha-2 code such as KR")
        codes.append(code.encode())
    return tuple(codes)


def parse_deployment_id(value: str) -> bytes:
    """Parse ``--deployment-id``: 32 bytes as 64 hex digits."""
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError as error:
        raise InvalidOptionError(option="--deployment-id", value=value, reason="expected 64 hex digits") from error
    if len(raw) != 32:
        raise InvalidOptionError(option="--deployment-id", value=value, reason=f"expected 32 bytes, got {len(raw)}")
    return raw


async def default_deployment_id(clients: Clients) -> bytes:
    """Return sha256(genesis hash ‖ kgpu_token program id), which differs on every cluster."""
    genesis = (await rpc(clients.rpc, "getGenesisHash", clients.rpc.get_genesis_hash())).value
    return hashlib.sha256(bytes(Hash.from_string(str(genesis))) + bytes(KGPU_TOKEN_PROGRAM_ID)).digest()


async def thaw_market_vaults(clients: Clients, admin: Keypair) -> int:
    """Thaw the market vaults that are still frozen, and return how many were thawed.

    The K-GPU mint creates every token account frozen, the market's vaults included.
    """
    _, bump = market.find_authority_address()
    thawed = 0
    for vault_address in MARKET_VAULTS:
        vault = vault_address()
        account = (await rpc(clients.rpc, "getAccountInfo", clients.rpc.get_account_info(vault, commitment=Confirmed))).value
        if account is None or bytes(account.data)[TOKEN_ACCOUNT_STATE_OFFSET] != TOKEN_ACCOUNT_FROZEN:
            continue
        await clients.token.thaw_program_account(
            admin=admin, vault=vault, owner_program=KGPU_MARKET_PROGRAM_ID, seeds=[market.AUTHORITY_SEED, bytes([bump])]
        )
        thawed += 1
    return thawed


def config_fields(config: Any) -> dict[str, Any]:
    """Return the governance fields of the token config as JSON-ready values."""
    return {
        "admin": str(config.admin),
        "registry_authority": str(config.registry_authority),
        "deployment_id": config.deployment_id.hex(),
        "oracles": [str(oracle) for oracle in config.oracles],
        "oracle_threshold": config.oracle_threshold,
        "haircut_bps": config.haircut_bps,
        "max_attestation_age": config.max_attestation_age,
        "mint_paused": config.mint_paused,
        "blocked_jurisdictions": [code_text(code) for code in config.blocked_jurisdictions],
        "approved_programs": [str(program) for program in config.approved_programs],
    }


def market_fields(state: Any) -> dict[str, Any]:
    """Return the parameters of the `Market` account as JSON-ready values."""
    return {
        "admin": str(state.admin),
        "fee_bps": state.fee_bps,
        "min_stake_per_gpu": state.min_stake_per_gpu,
        "unbonding_period": state.unbonding_period,
        "grid_gco2_per_kwh": state.grid_gco2_per_kwh,
        "blocked_jurisdictions": [code_text(code) for code in state.blocked_jurisdictions],
    }


def register(app: typer.Typer, lang: Language) -> None:
    """Add the ``admin`` group to ``app`` with help text in ``lang``."""

    def t(key: str) -> str:
        return message(key, lang=lang)

    PriorityFee = Annotated[int, typer.Option("--priority-fee", min=0, help=t("opt.priority_fee"))]
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
    GridFactor = Annotated[
        Optional[int],
        typer.Option("--grid-gco2-per-kwh", min=0, max=2**32 - 1, help=t("opt.grid_gco2_per_kwh"), show_default=False),
    ]
    BlockedJurisdiction = Annotated[
        Optional[list[str]],
        typer.Option("--blocked-jurisdiction", help=t("opt.blocked_jurisdiction"), show_default=False),
    ]

    admin = typer.Typer(help=t("help.admin"), no_args_is_help=True)
    app.add_typer(admin, name="admin")

    @admin.command("init", help=t("help.admin_init"))
    def admin_init(
        ctx: typer.Context,
        oracle: Annotated[list[str], typer.Option("--oracle", help=t("opt.oracle"), show_default=False)],
        grid_gco2_per_kwh: Annotated[
            int, typer.Option("--grid-gco2-per-kwh", min=0, max=2**32 - 1, help=t("opt.grid_gco2_per_kwh"), show_default=False)
        ],
        registry_authority: Annotated[
            Optional[str], typer.Option("--registry-authority", help=t("opt.registry_authority"), show_default=False)
        ] = None,
        oracle_threshold: Annotated[int, typer.Option("--oracle-threshold", min=1, help=t("opt.threshold"))] = 2,
        haircut_bps: Annotated[int, typer.Option("--haircut-bps", min=0, max=10_000, help=t("opt.haircut_bps"))] = 200,
        max_attestation_age: MaxAttestationAge = 86_400,
        protocol_fee_bps: ProtocolFeeBps = 100,
        min_stake_per_gpu: MinStakePerGpu = 1_000_000,
        unbonding_period: Annotated[
            int, typer.Option("--unbonding-period", min=0, help=t("opt.unbonding_period"))
        ] = 604_800,
        blocked_jurisdiction: BlockedJurisdiction = None,
        deployment_id: Annotated[
            Optional[str], typer.Option("--deployment-id", help=t("opt.deployment_id"), show_default=False)
        ] = None,
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            wallet = load_keypair(settings.keypair_path)
            oracles = [parse_pubkey(value) for value in oracle]
            registry = parse_pubkey(registry_authority) if registry_authority else wallet.pubkey()
            blocked = (
                parse_country_codes("--blocked-jurisdiction", blocked_jurisdiction)
                if blocked_jurisdiction
                else tuple(DEFAULT_BLOCKED_JURISDICTIONS)
            )
            chosen_id = parse_deployment_id(deployment_id) if deployment_id else None
            if oracle_threshold > len(oracles):
                raise InvalidOptionError(
                    option="--oracle-threshold", value=str(oracle_threshold), reason=f"only {len(oracles)} --oracle keys were given"
                )
            try:
                params = MarketParams(
                    fee_bps=protocol_fee_bps if protocol_fee_bps is not None else 100,
                    min_stake_per_gpu=min_stake_per_gpu if min_stake_per_gpu is not None else 1_000_000,
                    unbonding_period=unbonding_period,
                    grid_gco2_per_kwh=grid_gco2_per_kwh,
                    blocked_jurisdictions=blocked,
                )
            except ValueError as error:
                raise InvalidOptionError(option="--blocked-jurisdiction", value=",".join(blocked_jurisdiction or []), reason=str(error)) from error

            async def run() -> dict[str, Any]:
                signatures: list[str] = []
                async with open_clients(settings, [TOKEN, MARKET], priority_fee=priority_fee) as clients:
                    # Each step is skipped when an earlier run finished it, so a failed init can be rerun.
                    token_initialized = False
                    try:
                        config = await clients.token.get_config()
                    except ConfigNotFoundError:
                        config = None
                    if config is None:
                        sent = await clients.token.initialize(
                            admin=wallet,
                            registry_authority=registry,
                            deployment_id=chosen_id or await default_deployment_id(clients),
                            haircut_bps=haircut_bps,
                            max_attestation_age=max_attestation_age or 86_400,
                            oracles=oracles,
                            threshold=oracle_threshold,
                        )
                        signatures.append(str(sent.signature))
                        token_initialized = True
                        config = await clients.token.get_config()
                    elif not await clients.token.mint_exists():
                        # `initialize` ran without `initialize_mint`, for example from another tool.
                        sent = await clients.token.initialize_mint(admin=wallet)
                        signatures.append(str(sent.signature))
                        token_initialized = True

                    approved = list(config.approved_programs)
                    if KGPU_MARKET_PROGRAM_ID not in approved:
                        approved.append(KGPU_MARKET_PROGRAM_ID)
                    if tuple(approved) != tuple(config.approved_programs) or tuple(config.blocked_jurisdictions) != blocked:
                        sent = await clients.token.update_params(
                            admin=wallet,
                            haircut_bps=config.haircut_bps,
                            max_attestation_age=config.max_attestation_age,
                            mint_paused=config.mint_paused,
                            blocked_jurisdictions=blocked,
                            approved_programs=approved,
                        )
                        signatures.append(str(sent.signature))

                    market_initialized = False
                    try:
                        await clients.market.get_market()
                    except MarketNotFoundError:
                        sent = await clients.market.initialize_market(admin=wallet, params=params)
                        signatures.append(str(sent.signature))
                        market_initialized = True
                    thawed = await thaw_market_vaults(clients, wallet)

                    return {
                        "token_initialized": token_initialized,
                        "market_initialized": market_initialized,
                        "vaults_thawed": thawed,
                        "signatures": signatures,
                        "token": config_fields(await clients.token.get_config()),
                        "market": market_fields(await clients.market.get_market()),
                    }

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())

            def render(console: Console) -> None:
                console.print(
                    settings.text(
                        "admin.init_done",
                        token=data["token_initialized"],
                        market=data["market_initialized"],
                        vaults=data["vaults_thawed"],
                    )
                )
                print_fields(console, "kgpu_token", data["token"])
                print_fields(console, "kgpu_market", data["market"])

            out.result(data, render)

        run_command(ctx, body)

    @admin.command("oracle-set", help=t("help.admin_oracle_set"))
    def admin_oracle_set(
        ctx: typer.Context,
        oracle: Annotated[list[str], typer.Option("--oracle", help=t("opt.oracle"), show_default=False)],
        threshold: Annotated[int, typer.Option("--threshold", min=1, help=t("opt.threshold"), show_default=False)],
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            oracles = [parse_pubkey(value) for value in oracle]
            wallet = load_keypair(settings.keypair_path)
            if threshold > len(oracles):
                raise InvalidOptionError(option="--threshold", value=str(threshold), reason=f"only {len(oracles)} --oracle keys were given")

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN], priority_fee=priority_fee) as clients:
                    sent = await clients.token.update_oracle_set(admin=wallet, oracles=oracles, threshold=threshold)
                    config = await clients.token.get_config()
                    return {
                        **sent_fields(sent),
                        "oracles": [str(key) for key in config.oracles],
                        "oracle_threshold": config.oracle_threshold,
                    }

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())
            out.result(
                data,
                lambda console: console.print(
                    settings.text("admin.oracle_set_done", count=len(data["oracles"]), threshold=data["oracle_threshold"])
                ),
            )

        run_command(ctx, body)

    @admin.command("params", help=t("help.admin_params"))
    def admin_params(
        ctx: typer.Context,
        protocol_fee_bps: ProtocolFeeBps = None,
        min_stake_per_gpu: MinStakePerGpu = None,
        unbonding_period: Annotated[
            Optional[int], typer.Option("--unbonding-period", min=0, help=t("opt.unbonding_period"), show_default=False)
        ] = None,
        grid_gco2_per_kwh: GridFactor = None,
        haircut_bps: Annotated[
            Optional[int], typer.Option("--haircut-bps", min=0, max=10_000, help=t("opt.haircut_bps"), show_default=False)
        ] = None,
        max_attestation_age: MaxAttestationAge = None,
        blocked_jurisdiction: BlockedJurisdiction = None,
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            wallet = load_keypair(settings.keypair_path)
            blocked = parse_country_codes("--blocked-jurisdiction", blocked_jurisdiction) if blocked_jurisdiction else None
            token_change = any(value is not None for value in (haircut_bps, max_attestation_age, blocked))
            market_change = any(
                value is not None for value in (protocol_fee_bps, min_stake_per_gpu, unbonding_period, grid_gco2_per_kwh, blocked)
            )

            async def run() -> dict[str, Any]:
                signatures: list[str] = []
                async with open_clients(settings, [TOKEN, MARKET], priority_fee=priority_fee) as clients:
                    config = await clients.token.get_config()
                    state = await clients.market.get_market()
                    if token_change:
                        sent = await clients.token.update_params(
                            admin=wallet,
                            haircut_bps=haircut_bps if haircut_bps is not None else config.haircut_bps,
                            max_attestation_age=max_attestation_age or config.max_attestation_age,
                            mint_paused=config.mint_paused,
                            blocked_jurisdictions=blocked if blocked is not None else config.blocked_jurisdictions,
                            approved_programs=config.approved_programs,
                        )
                        signatures.append(str(sent.signature))
                    if market_change:
                        try:
                            params = MarketParams(
                                fee_bps=protocol_fee_bps if protocol_fee_bps is not None else state.fee_bps,
                                min_stake_per_gpu=min_stake_per_gpu if min_stake_per_gpu is not None else state.min_stake_per_gpu,
                                unbonding_period=unbonding_period if unbonding_period is not None else state.unbonding_period,
                                grid_gco2_per_kwh=grid_gco2_per_kwh if grid_gco2_per_kwh is not None else state.grid_gco2_per_kwh,
                                blocked_jurisdictions=blocked if blocked is not None else state.blocked_jurisdictions,
                            )
                        except ValueError as error:
                            raise InvalidOptionError(option="--blocked-jurisdiction", value="", reason=str(error)) from error
                        sent = await clients.market.update_market_params(admin=wallet, params=params)
                        signatures.append(str(sent.signature))
                    return {
                        "signatures": signatures,
                        "token": config_fields(await clients.token.get_config()),
                        "market": market_fields(await clients.market.get_market()),
                    }

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())

            def render(console: Console) -> None:
                console.print(settings.text("admin.params_done", count=len(data["signatures"])))
                print_fields(console, "kgpu_token", data["token"])
                print_fields(console, "kgpu_market", data["market"])

            out.result(data, render)

        run_command(ctx, body)

    @admin.command("pause", help=t("help.admin_pause"))
    def admin_pause(
        ctx: typer.Context,
        program: Annotated[ProgramName, typer.Option("--program", help=t("opt.pause_program"), show_default=False)],
        unpause: Annotated[bool, typer.Option("--unpause", help=t("opt.unpause"))] = False,
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            wallet = load_keypair(settings.keypair_path)
            if program is ProgramName.market:
                # NOTE: kgpu_market has no pause instruction, so only the token program can be paused.
                raise CommandNotImplementedError(command="admin pause --program market")

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN], priority_fee=priority_fee) as clients:
                    config = await clients.token.get_config()
                    sent = await clients.token.update_params(
                        admin=wallet,
                        haircut_bps=config.haircut_bps,
                        max_attestation_age=config.max_attestation_age,
                        mint_paused=not unpause,
                        blocked_jurisdictions=config.blocked_jurisdictions,
                        approved_programs=config.approved_programs,
                    )
                    return {**sent_fields(sent), "program": program.value, "mint_paused": (await clients.token.get_config()).mint_paused}

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())
            key = "admin.paused" if data["mint_paused"] else "admin.unpaused"
            out.result(data, lambda console: console.print(settings.text(key, program=TOKEN)))

        run_command(ctx, body)

    @admin.command("kyc", help=t("help.admin_kyc"))
    def admin_kyc(
        ctx: typer.Context,
        wallet_address: Annotated[str, typer.Argument(metavar="WALLET", help=t("arg.kyc_wallet"), show_default=False)],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help=t("opt.jurisdiction"))] = "KR",
        level: Annotated[int, typer.Option("--level", min=0, max=255, help=t("opt.kyc_level"))] = 1,
        expires: Annotated[
            Optional[datetime],
            typer.Option("--expires", formats=_DATE_FORMATS, help=t("opt.kyc_expires"), show_default=False),
        ] = None,
        revoke: Annotated[bool, typer.Option("--revoke", help=t("opt.kyc_revoke"))] = False,
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            target = parse_pubkey(wallet_address)
            (code,) = parse_country_codes("--jurisdiction", [jurisdiction])
            authority = load_keypair(settings.keypair_path)
            expires_at = int(expires.replace(tzinfo=timezone.utc).timestamp()) if expires is not None else NO_EXPIRY

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN], priority_fee=priority_fee) as clients:
                    # set_kyc thaws the wallet's K-GPU account only when it exists, so create it first.
                    token_account = await clients.token.create_token_account(payer=authority, owner=target)
                    sent = await clients.token.set_kyc(
                        registry_authority=authority,
                        payer=authority,
                        wallet=target,
                        jurisdiction=code,
                        level=level,
                        expires_at=expires_at,
                        revoked=revoke,
                    )
                    record = await clients.token.get_kyc_record(target)
                    assert record is not None, f"set_kyc landed but {target} has no KYC record"
                    return {
                        **sent_fields(sent),
                        "wallet": str(target),
                        "token_account": str(token_account),
                        "jurisdiction": code_text(record.jurisdiction),
                        "level": record.level,
                        "expires_at": None if record.expires_at == NO_EXPIRY else record.expires_at,
                        "revoked": record.revoked,
                    }

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())
            key = "admin.kyc_revoked" if data["revoked"] else "admin.kyc_done"
            out.result(
                data,
                lambda console: console.print(
                    settings.text(key, wallet=data["wallet"], jurisdiction=data["jurisdiction"], expires=data["expires_at"] or "-")
                ),
            )

        run_command(ctx, body)

    @admin.command("approve", help=t("help.admin_approve"))
    def admin_approve(
        ctx: typer.Context,
        node: Annotated[str, typer.Argument(metavar="PROVIDER", help=t("arg.node"), show_default=False)],
        revoke: Annotated[bool, typer.Option("--revoke", help=t("opt.approve_revoke"))] = False,
        priority_fee: PriorityFee = 0,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            address = parse_pubkey(node)
            authority = load_keypair(settings.keypair_path)

            async def run() -> dict[str, Any]:
                async with open_clients(settings, [TOKEN, MARKET], priority_fee=priority_fee) as clients:
                    provider_address, _ = await resolve_provider(clients.market, address)
                    sent = await clients.market.approve_provider(
                        registry_authority=authority, provider=provider_address, approved=not revoke
                    )
                    provider = await clients.market.get_provider(address=provider_address)
                    assert provider is not None
                    return {**sent_fields(sent), "provider": str(provider_address), "approved": provider.approved}

            with out.progress("progress.send", url=settings.cluster.rpc_url):
                data = asyncio.run(run())
            key = "admin.approved" if data["approved"] else "admin.approval_revoked"
            out.result(data, lambda console: console.print(settings.text(key, provider=data["provider"])))

        run_command(ctx, body)

