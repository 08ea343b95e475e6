"""Blocking wrappers over the async SDK clients, for scripts and notebooks without an event loop.

The SDK is async first: :class:`kgpu.token.TokenClient` and :class:`kgpu.market.MarketClient` take
a solana-py ``AsyncClient``. :class:`SyncTokenClient` and :class:`SyncMarketClient` own a private
event loop and an ``AsyncClient`` bound to it, and run each coroutine method to completion on it,
so every async method is available under the same name and arguments, returning its result.

    with SyncTokenClient("http://127.0.0.1:8899") as token:
        print(token.get_supply())

They must not be used from a thread whose event loop is running; use the async clients there.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any, Callable, Generic, TypeVar

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment, Confirmed

from kgpu.market import MarketClient
from kgpu.token import TokenClient

__all__ = ["SyncMarketClient", "SyncTokenClient"]

ClientT = TypeVar("ClientT")


class _SyncClient(Generic[ClientT]):
    """Run the methods of an async client on a private event loop."""

    def __init__(self, rpc_url: str, factory: Callable[[AsyncClient], ClientT], commitment: Commitment) -> None:
        self._loop = asyncio.new_event_loop()
        self._rpc = AsyncClient(rpc_url, commitment=commitment)
        self.client: ClientT = factory(self._rpc)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(attribute(*args, **kwargs))

        return call

    def close(self) -> None:
        """Close the RPC connection and the event loop; the client cannot be used afterwards."""
        if self._loop.is_closed():
            return
        self._loop.run_until_complete(self._rpc.close())
        self._loop.close()

    def __enter__(self) -> "_SyncClient[ClientT]":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class SyncTokenClient(_SyncClient[TokenClient]):
    """:class:`kgpu.token.TokenClient` with blocking methods. Keyword arguments go to the client."""

    def __init__(self, rpc_url: str, *, commitment: Commitment = Confirmed, **options: Any) -> None:
        super().__init__(rpc_url, lambda rpc: TokenClient(rpc, commitment=commitment, **options), commitment)


class SyncMarketClient(_SyncClient[MarketClient]):
    """:class:`kgpu.market.MarketClient` with blocking methods. Keyword arguments go to the client."""

    def __init__(self, rpc_url: str, *, commitment: Commitment = Confirmed, **options: Any) -> None:
        super().__init__(rpc_url, lambda rpc: MarketClient(rpc, commitment=commitment, **options), commitment)
