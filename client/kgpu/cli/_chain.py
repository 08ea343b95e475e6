"""Read-only cluster queries the ``kgpu`` command makes, with RPC failures mapped to SDK errors."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solders.pubkey import Pubkey

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, KGPU_TOKEN_PROGRAM_ID, kgpu_mint_address, kgpu_token_account
from kgpu._transport import call_rpc
from kgpu.errors import ProgramNotDeployedError

T = TypeVar("T")

PROGRAMS: dict[str, Pubkey] = {
    "kgpu_token": KGPU_TOKEN_PROGRAM_ID,
    "kgpu_market": KGPU_MARKET_PROGRAM_ID,
}


async def rpc(client: AsyncClient, method: str, request: Awaitable[T]) -> T:
    """Await a solana-py request, mapping its failures to :mod:`kgpu.errors`."""
    return await call_rpc(client, method, request)


async def account_exists(client: AsyncClient, address: Pubkey) -> bool:
    """Return whether an account exists at ``address``, read at ``confirmed`` commitment."""
    resp = await rpc(client, "getAccountInfo", client.get_account_info(address, commitment=Confirmed))
    return resp.value is not None


async def require_programs(client: AsyncClient, names: list[str], url: str) -> None:
    """Raise :class:`ProgramNotDeployedError` for the first program in ``names`` without an executable account."""
    for name in names:
        program_id = PROGRAMS[name]
        resp = await rpc(client, "getAccountInfo", client.get_account_info(program_id, commitment=Confirmed))
        if resp.value is None or not resp.value.executable:
            raise ProgramNotDeployedError(program=name, program_id=str(program_id), url=url)


@dataclass(frozen=True)
class KgpuBalance:
    """K-GPU holdings of one wallet."""

    mint: Pubkey
    mint_exists: bool
    token_account: Pubkey
    token_account_exists: bool
    amount: int | None
    """Balance in KRW (base units, 0 decimals). ``None`` when the mint does not exist."""


async def kgpu_balance(client: AsyncClient, owner: Pubkey) -> KgpuBalance:
    """Read the K-GPU balance of ``owner``'s Token-2022 associated token account."""
    mint = kgpu_mint_address()
    token_account = kgpu_token_account(owner, mint)
    if not await account_exists(client, mint):
        return KgpuBalance(mint, False, token_account, False, None)
    if not await account_exists(client, token_account):
        return KgpuBalance(mint, True, token_account, False, 0)
    resp = await rpc(
        client, "getTokenAccountBalance", client.get_token_account_balance(token_account, commitment=Confirmed)
    )
    return KgpuBalance(mint, True, token_account, True, int(resp.value.amount))
