"""The few JSON-RPC calls the transaction sender makes, behind one small interface.

:class:`SolanaRpcTransport` implements it over solana-py's ``AsyncClient`` and works against any
Solana JSON-RPC node. Tests may implement it over an in-process LiteSVM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Awaitable, Protocol, TypeVar

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment
from solana.rpc.core import RPCException, RPCNoResultException
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus, TransactionErrorType

from kgpu.errors import RpcConnectionError, RpcResponseError

__all__ = [
    "BlockhashInfo",
    "PreflightFailure",
    "RpcTransport",
    "SignatureStatusInfo",
    "SimulationOutcome",
    "SolanaRpcTransport",
]

logger = logging.getLogger("kgpu")


@dataclass(frozen=True)
class BlockhashInfo:
    """Result of ``getLatestBlockhash``."""

    blockhash: Hash
    last_valid_block_height: int
    """Last block height at which a transaction with this blockhash can still be processed."""


@dataclass(frozen=True)
class SignatureStatusInfo:
    """One entry of ``getSignatureStatuses`` for a signature the node has seen."""

    slot: int
    confirmation_status: TransactionConfirmationStatus | None
    err: TransactionErrorType | None


@dataclass(frozen=True)
class SimulationOutcome:
    """Result of ``simulateTransaction``."""

    err: TransactionErrorType | None
    logs: list[str] = field(default_factory=list)
    units_consumed: int | None = None


class PreflightFailure(Exception):
    """``sendTransaction`` rejected the transaction in its preflight simulation."""

    def __init__(self, err: TransactionErrorType | None, logs: list[str], reason: str) -> None:
        super().__init__(reason)
        self.err = err
        self.logs = logs


class RpcTransport(Protocol):
    """The JSON-RPC calls the sender needs. Names follow the Solana JSON-RPC methods."""

    async def get_latest_blockhash(self, commitment: Commitment) -> BlockhashInfo: ...

    async def get_block_height(self, commitment: Commitment) -> int: ...

    async def send_raw_transaction(
        self, transaction: bytes, *, skip_preflight: bool, preflight_commitment: Commitment
    ) -> Signature:
        """Send a signed transaction. Raise :class:`PreflightFailure` when preflight rejects it."""
        ...

    async def get_signature_statuses(
        self, signatures: list[Signature], *, search_transaction_history: bool
    ) -> list[SignatureStatusInfo | None]: ...

    async def simulate_transaction(self, transaction: Transaction, commitment: Commitment) -> SimulationOutcome: ...


class SolanaRpcTransport:
    """:class:`RpcTransport` over solana-py's ``AsyncClient``.

    Transport failures (solana-py wraps every HTTP error in ``SolanaRpcException``) become :class:`~kgpu.errors.RpcConnectionError` and JSON-RPC error
    responses other than a preflight failure become :class:`~kgpu.errors.RpcResponseError`.
    """

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    @property
    def url(self) -> str:
        """JSON-RPC endpoint of the wrapped client."""
        return str(self.client._provider.endpoint_uri)  # noqa: SLF001 - solana-py has no public accessor

    async def get_latest_blockhash(self, commitment: Commitment) -> BlockhashInfo:
        resp = await self._call("getLatestBlockhash", self.client.get_latest_blockhash(commitment))
        return BlockhashInfo(resp.value.blockhash, resp.value.last_valid_block_height)

    async def get_block_height(self, commitment: Commitment) -> int:
        resp = await self._call("getBlockHeight", self.client.get_block_height(commitment))
        return int(resp.value)

    async def send_raw_transaction(
        self, transaction: bytes, *, skip_preflight: bool, preflight_commitment: Commitment
    ) -> Signature:
        # max_retries=0: the sender re-sends by itself and must know about every copy it sends.
        opts = TxOpts(
            skip_confirmation=True,
            skip_preflight=skip_preflight,
            preflight_commitment=preflight_commitment,
            max_retries=0,
        )
        try:
            resp = await self.client.send_raw_transaction(transaction, opts)
        except RPCException as exc:
            detail = exc.args[0] if exc.args else None
            if isinstance(detail, SendTransactionPreflightFailureMessage):
                result = detail.data
                raise PreflightFailure(result.err, list(result.logs or []), detail.message) from exc
            raise RpcResponseError(method="sendTransaction", reason=_rpc_reason(detail)) from exc
        except RPCNoResultException as exc:
            raise RpcResponseError(method="sendTransaction", reason=str(exc)) from exc
        except SolanaRpcException as exc:
            raise RpcConnectionError(url=self.url, reason=str(exc.__cause__ or exc)) from exc
        return resp.value

    async def get_signature_statuses(
        self, signatures: list[Signature], *, search_transaction_history: bool
    ) -> list[SignatureStatusInfo | None]:
        resp = await self._call(
            "getSignatureStatuses",
            self.client.get_signature_statuses(signatures, search_transaction_history=search_transaction_history),
        )
        return [
            None if status is None else SignatureStatusInfo(status.slot, status.confirmation_status, status.err)
            for status in resp.value
        ]

    async def simulate_transaction(self, transaction: Transaction, commitment: Commitment) -> SimulationOutcome:
        resp = await self._call(
            "simulateTransaction", self.client.simulate_transaction(transaction, commitment=commitment)
        )
        value = resp.value
        return SimulationOutcome(value.err, list(value.logs or []), value.units_consumed)

    async def _call(self, method: str, request):  # type: ignore[no-untyped-def]
        return await call_rpc(self.client, method, request)


def _rpc_reason(detail: object) -> str:
    text = getattr(detail, "message", None)
    return str(text) if text else str(detail)


_T = TypeVar("_T")


async def call_rpc(client: AsyncClient, method: str, request: Awaitable[_T]) -> _T:
    """Await a solana-py request made with `client`, mapping its failures to :mod:`kgpu.errors`.

    Raises:
        RpcResponseError: the node answered the JSON-RPC `method` with an error.
        RpcConnectionError: the node could not be reached.
    """
    try:
        return await request
    except RPCException as exc:
        detail = exc.args[0] if exc.args else None
        raise RpcResponseError(method=method, reason=_rpc_reason(detail)) from exc
    except SolanaRpcException as exc:
        url = str(client._provider.endpoint_uri)  # noqa: SLF001 - solana-py has no public accessor
        raise RpcConnectionError(url=url, reason=str(exc.__cause__ or exc)) from exc
