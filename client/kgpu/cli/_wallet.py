"""``kgpu wallet``: create and show a wallet, read balances, send SOL and K-GPU."""

# No `from __future__ import annotations`: typer evaluates the annotations of commands declared
# inside functions, and string annotations could not see the local option types there.

import asyncio
import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from spl.token.instructions import (
    TransferCheckedParams,
    create_idempotent_associated_token_account,
    transfer_checked,
)

from kgpu.addresses import KGPU_DECIMALS, TOKEN_2022_PROGRAM_ID, kgpu_mint_address, kgpu_token_account
from kgpu.cli._chain import account_exists, kgpu_balance, rpc
from kgpu.cli._output import Output, Settings, run_command
from kgpu.config import load_keypair, save_keypair
from kgpu.errors import InvalidAddressError, InvalidAmountError, MintNotFoundError
from kgpu.i18n import Language, message
from kgpu.tx import TransactionSender

LAMPORTS_PER_SOL = 1_000_000_000


class TokenKind(str, Enum):
    """Asset sent by ``wallet transfer``."""

    sol = "sol"
    kgpu = "kgpu"


def parse_pubkey(value: str) -> Pubkey:
    """Parse a base58 public key or raise :class:`InvalidAddressError`."""
    try:
        return Pubkey.from_string(value.strip())
    except ValueError as exc:
        raise InvalidAddressError(value=value) from exc


# Plain digits with an optional decimal part, or digits grouped in threes by commas ("1,000,000").
# A comma anywhere else, as in "0,5", is rejected rather than dropped, so it cannot turn 0.5 into 5.
_AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")

U64_MAX = 2**64 - 1


def parse_amount(value: str, token: TokenKind) -> int:
    """Convert a user amount to base units: lamports for SOL (up to 9 decimals), KRW for K-GPU (whole numbers).

    Raises InvalidAmountError for anything but a positive decimal number whose base units fit in a u64.
    """
    unit = "SOL" if token is TokenKind.sol else "KRW"
    text = value.strip()
    if not _AMOUNT.match(text):
        raise InvalidAmountError(value=value, unit=unit)
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidAmountError(value=value, unit=unit) from exc
    if amount <= 0:
        raise InvalidAmountError(value=value, unit=unit)
    scale = LAMPORTS_PER_SOL if token is TokenKind.sol else 10**KGPU_DECIMALS
    base_units = amount * scale
    if base_units != base_units.to_integral_value() or base_units > U64_MAX:
        raise InvalidAmountError(value=value, unit=unit)
    return int(base_units)


def format_sol(lamports: int) -> str:
    """Format lamports as SOL without trailing zeros, e.g. ``1.5``."""
    text = f"{Decimal(lamports) / LAMPORTS_PER_SOL:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def register(app: typer.Typer, lang: Language) -> None:
    """Add the ``wallet`` command group to ``app`` with help text in ``lang``."""

    def t(key: str) -> str:
        return message(key, lang=lang)

    wallet = typer.Typer(help=t("help.wallet"), no_args_is_help=True)
    app.add_typer(wallet, name="wallet")

    @wallet.command("new", help=t("help.wallet_new"))
    def wallet_new(
        ctx: typer.Context,
        outfile: Annotated[
            Optional[Path], typer.Option("--outfile", "-o", help=t("opt.outfile"), show_default=False)
        ] = None,
        force: Annotated[bool, typer.Option("--force", help=t("opt.force"))] = False,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            keypair = Keypair()
            path = save_keypair(keypair, outfile or settings.keypair_path, overwrite=force)
            pubkey = str(keypair.pubkey())

            def render(console: Console) -> None:
                console.print(settings.text("wallet.created", path=path))
                console.print(settings.text("wallet.pubkey_line", pubkey=pubkey))
                console.print(settings.text("wallet.backup_warning"), style="yellow")

            out.result({"pubkey": pubkey, "keypair_path": str(path)}, render)

        run_command(ctx, body)

    @wallet.command("show", help=t("help.wallet_show"))
    def wallet_show(ctx: typer.Context) -> None:
        def body(settings: Settings, out: Output) -> None:
            keypair = load_keypair(settings.keypair_path)
            owner = keypair.pubkey()
            mint = kgpu_mint_address()
            data = {
                "pubkey": str(owner),
                "keypair_path": str(settings.keypair_path.expanduser()),
                "rpc_url": settings.cluster.rpc_url,
                "ws_url": settings.cluster.ws_url,
                "kgpu_mint": str(mint),
                "kgpu_token_account": str(kgpu_token_account(owner, mint)),
            }

            def render(console: Console) -> None:
                table = Table(show_header=False, box=None)
                for key in ("pubkey", "keypair_path", "rpc_url", "ws_url", "kgpu_mint", "kgpu_token_account"):
                    table.add_row(settings.text(f"field.{key}"), data[key])
                console.print(table)

            out.result(data, render)

        run_command(ctx, body)

    @wallet.command("balance", help=t("help.wallet_balance"))
    def wallet_balance(
        ctx: typer.Context,
        address: Annotated[
            Optional[str], typer.Argument(help=t("arg.balance_address"), show_default=False)
        ] = None,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            owner = parse_pubkey(address) if address else load_keypair(settings.keypair_path).pubkey()

            async def query() -> tuple[int, object]:
                async with AsyncClient(settings.cluster.rpc_url, commitment=Confirmed) as client:
                    lamports = (await rpc(client, "getBalance", client.get_balance(owner))).value
                    return lamports, await kgpu_balance(client, owner)

            with out.progress("progress.balance", url=settings.cluster.rpc_url):
                lamports, kgpu = asyncio.run(query())

            data = {
                "address": str(owner),
                "lamports": lamports,
                "sol": format_sol(lamports),
                "kgpu": {
                    "mint": str(kgpu.mint),
                    "mint_exists": kgpu.mint_exists,
                    "token_account": str(kgpu.token_account),
                    "token_account_exists": kgpu.token_account_exists,
                    "amount": kgpu.amount,
                },
            }

            def render(console: Console) -> None:
                console.print(settings.text("wallet.address_line", address=owner))
                console.print(settings.text("wallet.sol_balance", sol=format_sol(lamports), lamports=f"{lamports:,}"))
                if not kgpu.mint_exists:
                    console.print(settings.text("wallet.mint_missing", mint=kgpu.mint, url=settings.cluster.rpc_url))
                elif not kgpu.token_account_exists:
                    console.print(settings.text("wallet.kgpu_no_account", account=kgpu.token_account))
                else:
                    console.print(settings.text("wallet.kgpu_balance", amount=f"{kgpu.amount:,}"))

            out.result(data, render)

        run_command(ctx, body)

    @wallet.command("transfer", help=t("help.wallet_transfer"))
    def wallet_transfer(
        ctx: typer.Context,
        recipient: Annotated[str, typer.Argument(help=t("arg.recipient"), show_default=False)],
        amount: Annotated[str, typer.Argument(help=t("arg.amount"), show_default=False)],
        token: Annotated[TokenKind, typer.Option("--token", help=t("opt.token"))] = TokenKind.sol,
        priority_fee: Annotated[
            int, typer.Option("--priority-fee", min=0, help=t("opt.priority_fee"))
        ] = 0,
        compute_unit_limit: Annotated[
            Optional[int],
            typer.Option("--compute-unit-limit", min=1, max=1_400_000, help=t("opt.compute_unit_limit"), show_default=False),
        ] = None,
    ) -> None:
        def body(settings: Settings, out: Output) -> None:
            payer = load_keypair(settings.keypair_path)
            destination_owner = parse_pubkey(recipient)
            base_units = parse_amount(amount, token)

            async def send() -> dict[str, object]:
                async with AsyncClient(settings.cluster.rpc_url, commitment=Confirmed) as client:
                    if token is TokenKind.sol:
                        instructions = [
                            transfer(
                                TransferParams(
                                    from_pubkey=payer.pubkey(), to_pubkey=destination_owner, lamports=base_units
                                )
                            )
                        ]
                        destination = destination_owner
                    else:
                        mint = kgpu_mint_address()
                        if not await account_exists(client, mint):
                            raise MintNotFoundError(mint=str(mint), url=settings.cluster.rpc_url)
                        source = kgpu_token_account(payer.pubkey(), mint)
                        destination = kgpu_token_account(destination_owner, mint)
                        # NOTE: a new K-GPU account starts frozen, so a transfer to a recipient
                        # without a KYC record fails with AccountFrozenError after the account is made.
                        instructions = [
                            create_idempotent_associated_token_account(
                                payer.pubkey(), destination_owner, mint, TOKEN_2022_PROGRAM_ID
                            ),
                            transfer_checked(
                                TransferCheckedParams(
                                    program_id=TOKEN_2022_PROGRAM_ID,
                                    source=source,
                                    mint=mint,
                                    dest=destination,
                                    owner=payer.pubkey(),
                                    amount=base_units,
                                    decimals=KGPU_DECIMALS,
                                )
                            ),
                        ]
                    sender = TransactionSender(client)
                    sent = await sender.send(
                        instructions,
                        payer=payer,
                        compute_unit_price=priority_fee or None,
                        compute_unit_limit=compute_unit_limit,
                    )
                    return {
                        "signature": str(sent.signature),
                        "slot": sent.slot,
                        "attempts": sent.attempts,
                        "token": token.value,
                        "amount": amount,
                        "base_units": base_units,
                        "from": str(payer.pubkey()),
                        "to": str(destination_owner),
                        "destination_account": str(destination),
                    }

            with out.progress("progress.transfer", url=settings.cluster.rpc_url):
                data = asyncio.run(send())

            def render(console: Console) -> None:
                unit = "SOL" if token is TokenKind.sol else "K-GPU"
                console.print(settings.text("wallet.transfer_done", amount=amount, unit=unit, to=destination_owner))
                console.print(settings.text("wallet.signature_line", signature=data["signature"], slot=data["slot"]))

            out.result(data, render)

        run_command(ctx, body)
