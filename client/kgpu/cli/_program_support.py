"""Shared steps of the program commands: clients for one invocation, nonce search, account views."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu.cli._chain import require_programs, rpc
from kgpu.cli._errors import ProviderNotFoundError
from kgpu.cli._output import Settings
from kgpu.market import Job, MarketClient, Provider
from kgpu.token import TokenClient, canonical_redemption_nonce
from kgpu.tx import SentTransaction, TransactionSender

# Seconds between signature status polls: half the SDK default of 0.5 s, so that a command
# returns soon after its transaction confirms.
POLL_INTERVAL_SECONDS = 0.25
# Addresses per getMultipleAccounts request, the maximum the Solana JSON-RPC API accepts.
MULTIPLE_ACCOUNTS_BATCH = 100


class PrioritySender(TransactionSender):
    """A :class:`TransactionSender` that adds the ``--priority-fee`` to every transaction it sends."""

    def __init__(self, client: AsyncClient, *, compute_unit_price: int) -> None:
        super().__init__(client, poll_interval=POLL_INTERVAL_SECONDS)
        self.compute_unit_price = compute_unit_price

    async def send(
        self,
        instructions: Sequence[Instruction],
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        compute_unit_price: int | None = None,
        compute_unit_limit: int | None = None,
        skip_preflight: bool = False,
    ) -> SentTransaction:
        price = compute_unit_price if compute_unit_price is not None else (self.compute_unit_price or None)
        return await super().send(
            instructions,
            payer=payer,
            signers=signers,
            compute_unit_price=price,
            compute_unit_limit=compute_unit_limit,
            skip_preflight=skip_preflight,
        )


@dataclass
class Clients:
    """The RPC connection and both program clients of one command."""

    rpc: AsyncClient
    token: TokenClient
    market: MarketClient
    url: str


@contextlib.asynccontextmanager
async def open_clients(settings: Settings, programs: list[str], *, priority_fee: int = 0) -> AsyncIterator[Clients]:
    """Connect to the ``--url`` cluster, check that ``programs`` are deployed and yield the clients."""
    url = settings.cluster.rpc_url
    async with AsyncClient(url, commitment=Confirmed) as client:
        await require_programs(client, programs, url)
        sender = PrioritySender(client, compute_unit_price=priority_fee)
        yield Clients(client, TokenClient(client, sender=sender), MarketClient(client, sender=sender), url)


async def cluster_time(client: AsyncClient) -> int:
    """Return the unix time of the latest confirmed block, the clock the programs compare against."""
    slot = (await rpc(client, "getSlot", client.get_slot(Confirmed))).value
    block_time = (await rpc(client, "getBlockTime", client.get_block_time(slot))).value
    assert block_time is not None, f"slot {slot} has no block time"
    return int(block_time)


async def next_redemption_nonce(token: TokenClient, holder: Pubkey) -> int:
    """Return the lowest nonce from 1 up whose redemption PDA of ``holder`` has bump 255 and does not exist.

    `redeem` accepts only nonces whose request PDA has canonical bump 255 (see
    :func:`kgpu.token.canonical_redemption_nonce`).
    """
    start = 1
    while True:
        nonces = []
        while len(nonces) < MULTIPLE_ACCOUNTS_BATCH:
            nonces.append(canonical_redemption_nonce(holder, start, token.program_id))
            start = nonces[-1] + 1
        addresses = [token.redemption_address(holder, nonce) for nonce in nonces]
        response = await rpc(token.rpc, "getMultipleAccounts", token.rpc.get_multiple_accounts(addresses, Confirmed))
        for nonce, account in zip(nonces, response.value):
            if account is None:
                return nonce


async def next_job_nonce(market: MarketClient, renter: Pubkey) -> int:
    """Return the first nonce above the highest among the renter's jobs (from 1 for a first job)
    whose job PDA has bump 255, the only bump `open_job` accepts."""
    jobs = await market.list_jobs(renter=renter)
    return market.find_job_nonce(renter, max((job.nonce for _, job in jobs), default=0) + 1)


async def resolve_provider(market: MarketClient, address: Pubkey) -> tuple[Pubkey, Provider]:
    """Return the `Provider` account and its data for ``address``, a `Provider` account or a provider wallet.

    Raises:
        ProviderNotFoundError: neither reading finds a `Provider` account.
    """
    provider = await market.get_provider(address=address)
    if provider is not None:
        return address, provider
    provider = await market.get_provider(authority=address)
    if provider is not None:
        return market.provider_address(address), provider
    raise ProviderNotFoundError(address=str(address))


def sent_fields(sent: SentTransaction) -> dict[str, Any]:
    """Return the ``signature`` and ``slot`` keys every write command prints."""
    return {"signature": str(sent.signature), "slot": sent.slot}


def code_text(code: bytes) -> str:
    """Decode a fixed-width ASCII code such as a jurisdiction, dropping the zero padding."""
    return code.rstrip(b"\x00").decode("ascii", errors="replace")


def job_fields(address: Pubkey, job: Job) -> dict[str, Any]:
    """Return a job account as JSON-ready fields. Amounts are K-GPU in KRW, times unix seconds."""
    return {
        "address": str(address),
        "status": job.status.name.lower(),
        "renter": str(job.renter),
        "provider": str(job.provider),
        "provider_authority": str(job.provider_authority),
        "nonce": job.nonce,
        "gpu_count": job.gpu_count,
        "price_per_gpu_hour": job.price_per_gpu_hour,
        "funded": job.funded,
        "escrowed": job.escrowed,
        "paid": job.paid,
        "fees": job.fees,
        "refunded": job.refunded,
        "refund_due": job.refund_due,
        "opened_at": job.opened_at,
        "end_time": job.end_time,
        "closed_at": job.closed_at,
        "receipt_count": job.receipt_count,
        "gpu_seconds": job.gpu_seconds,
        "energy_wh": job.energy_wh,
        "renewable_wh": job.renewable_wh,
    }


def provider_fields(address: Pubkey, provider: Provider) -> dict[str, Any]:
    """Return a `Provider` account as JSON-ready fields. Amounts are K-GPU in KRW."""
    return {
        "address": str(address),
        "authority": str(provider.authority),
        "node_key": str(provider.node_key),
        "gpu_model": provider.gpu_model.rstrip(b"\x00").decode("utf-8", errors="replace"),
        "gpu_count": provider.gpu_count,
        "region": code_text(provider.region),
        "energy_source": provider.energy_source.name.lower(),
        "approved": provider.approved,
        "active_stake": provider.active_stake,
        "unbonding_stake": provider.unbonding_stake,
        "unbonding_end": provider.unbonding_end,
        "accrued_rewards": provider.accrued_rewards,
        "claimed_rewards": provider.claimed_rewards,
    }


# Fields that hold unix seconds, shown as UTC times in human output. Zero means "not yet".
TIME_FIELDS = frozenset({"opened_at", "end_time", "closed_at", "unbonding_end", "expires_at", "valuation_time"})
# Fields shown without thousands separators because they are identifiers, not amounts.
PLAIN_FIELDS = frozenset({"nonce", "slot", "level"})


def format_value(name: str, value: Any) -> str:
    """Format one field for human output: UTC times, grouped amounts, and everything else as text."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "-" if value is None else str(value)
    if name in TIME_FIELDS:
        return "-" if value == 0 else datetime.fromtimestamp(value, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value) if name in PLAIN_FIELDS else f"{value:,}"


def print_fields(console: Console, title: str, fields: Mapping[str, Any]) -> None:
    """Print ``fields`` as a two-column table, formatted by :func:`format_value`."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for name, value in fields.items():
        table.add_row(escape(name), escape(format_value(name, value)))
    console.print(table)
