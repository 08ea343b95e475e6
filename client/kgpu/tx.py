"""Build, send and confirm transactions, with priority fees and safe re-sending.

:class:`TransactionSender` sends a transaction and waits until its signature reaches the
requested commitment. It never lets two copies land:

1. ``getLatestBlockhash`` gives a blockhash and its ``lastValidBlockHeight``.
2. The signed transaction is sent once (``maxRetries`` 0, so the node does not re-broadcast it on
   its own) and ``getSignatureStatuses`` is polled for every copy sent so far.
3. When ``getBlockHeight`` passes ``lastValidBlockHeight`` and no copy has been seen, the cluster
   can no longer process that copy. The sender checks once more with
   ``searchTransactionHistory`` and only if the signature is still unknown re-signs with a fresh
   blockhash and sends again, up to ``max_attempts`` copies.

The blockhash and the block height are read at the same commitment, ``confirmed`` (``finalized``
when that is the requested commitment), so a copy counts as expired only on a confirmed height.

Errors from preflight, simulation or execution are decoded by
:func:`kgpu.errors.decode_transaction_error`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment, Confirmed, Finalized, Processed
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus

from kgpu._transport import (
    PreflightFailure,
    RpcTransport,
    SignatureStatusInfo,
    SimulationOutcome,
    SolanaRpcTransport,
)
from kgpu.errors import (
    ConfirmationTimeoutError,
    TransactionExpiredError,
    TransactionFailedError,
    decode_transaction_error,
)

__all__ = [
    "MAX_COMPUTE_UNIT_LIMIT",
    "SentTransaction",
    "TransactionSender",
    "build_transaction",
    "compute_budget_instructions",
    "send_transaction_sync",
]

logger = logging.getLogger("kgpu")

MAX_COMPUTE_UNIT_LIMIT = 1_400_000
"""Largest compute-unit limit a transaction may request (``MAX_COMPUTE_UNIT_LIMIT`` in Agave)."""

_MAX_U64 = 2**64 - 1
_COMMITMENT_RANK: dict[str, int] = {Processed: 0, Confirmed: 1, Finalized: 2}
# solders' TransactionConfirmationStatus is not hashable, so its rank is found by equality.
_STATUS_ORDER = (
    TransactionConfirmationStatus.Processed,
    TransactionConfirmationStatus.Confirmed,
    TransactionConfirmationStatus.Finalized,
)


@dataclass(frozen=True)
class SentTransaction:
    """A transaction that reached the requested commitment."""

    signature: Signature
    """Signature of the copy that landed."""
    slot: int
    """Slot the copy landed in."""
    attempts: int
    """Signed copies sent, 1 when the first copy landed."""
    signatures: tuple[Signature, ...]
    """Every copy sent, in order. Only ``signature`` landed."""


def compute_budget_instructions(
    *, compute_unit_price: int | None = None, compute_unit_limit: int | None = None
) -> list[Instruction]:
    """Build the ComputeBudget instructions for a priority fee and a compute-unit limit.

    Args:
        compute_unit_price: Priority fee in micro-lamports per compute unit
            (``SetComputeUnitPrice``). ``None`` or 0 adds no instruction.
        compute_unit_limit: Compute units the transaction may use (``SetComputeUnitLimit``),
            1 to 1,400,000. ``None`` keeps the cluster default.

    The priority fee in lamports is ``ceil(compute_unit_price * compute_unit_limit / 1_000_000)``
    and is charged on the requested limit, not on the units used.

    Raises:
        ValueError: a value is outside its range.
    """
    instructions: list[Instruction] = []
    if compute_unit_limit is not None:
        if not 1 <= compute_unit_limit <= MAX_COMPUTE_UNIT_LIMIT:
            raise ValueError(
                f"compute_unit_limit {compute_unit_limit} is out of range: use 1 to {MAX_COMPUTE_UNIT_LIMIT}"
            )
        instructions.append(set_compute_unit_limit(compute_unit_limit))
    if compute_unit_price:
        if not 0 < compute_unit_price <= _MAX_U64:
            raise ValueError(f"compute_unit_price {compute_unit_price} is out of range: use 0 to 2**64-1 micro-lamports")
        instructions.append(set_compute_unit_price(compute_unit_price))
    return instructions


def build_transaction(
    instructions: Sequence[Instruction],
    *,
    payer: Keypair,
    blockhash: Hash,
    signers: Sequence[Keypair] = (),
    compute_unit_price: int | None = None,
    compute_unit_limit: int | None = None,
) -> Transaction:
    """Build and sign a legacy transaction, with the ComputeBudget instructions first.

    Args:
        instructions: Instructions to run, in order.
        payer: Fee payer. Always signs.
        blockhash: Recent blockhash from ``getLatestBlockhash``.
        signers: Other required signers. Repeats of ``payer`` are ignored.
        compute_unit_price: See :func:`compute_budget_instructions`.
        compute_unit_limit: See :func:`compute_budget_instructions`.
    """
    budget = compute_budget_instructions(
        compute_unit_price=compute_unit_price, compute_unit_limit=compute_unit_limit
    )
    message = Message.new_with_blockhash([*budget, *instructions], payer.pubkey(), blockhash)

    keypairs: list[Keypair] = [payer]
    for signer in signers:
        if all(signer.pubkey() != known.pubkey() for known in keypairs):
            keypairs.append(signer)
    return Transaction(keypairs, message, blockhash)


class TransactionSender:
    """Send transactions over JSON-RPC and wait for a commitment, re-sending only expired copies.

    Args:
        rpc: solana-py ``AsyncClient`` for any JSON-RPC URL, or any :class:`RpcTransport`.
        commitment: Commitment to wait for: ``processed``, ``confirmed`` (default) or ``finalized``.
        poll_interval: Seconds between ``getSignatureStatuses`` polls.
        timeout: Seconds before :class:`~kgpu.errors.ConfirmationTimeoutError`, across all copies.
            Blockhash expiry usually ends a copy first (150 blocks, about a minute at 400 ms slots).
        max_attempts: Signed copies to send before :class:`~kgpu.errors.TransactionExpiredError`.
    """

    def __init__(
        self,
        rpc: AsyncClient | RpcTransport,
        *,
        commitment: Commitment = Confirmed,
        poll_interval: float = 0.5,
        timeout: float = 180.0,
        max_attempts: int = 3,
    ) -> None:
        if commitment not in _COMMITMENT_RANK:
            raise ValueError(f"unsupported commitment {commitment!r}: use processed, confirmed or finalized")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.rpc: RpcTransport = SolanaRpcTransport(rpc) if isinstance(rpc, AsyncClient) else rpc
        self.commitment = commitment
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_attempts = max_attempts
        # Expiry is judged on a confirmed (or finalized) block height, never a processed one.
        self._blockhash_commitment: Commitment = Finalized if commitment == Finalized else Confirmed

    async def simulate(
        self,
        instructions: Sequence[Instruction],
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        compute_unit_price: int | None = None,
        compute_unit_limit: int | None = None,
    ) -> SimulationOutcome:
        """Simulate the transaction with ``simulateTransaction``.

        Returns:
            The outcome, with logs and compute units used.

        Raises:
            TransactionFailedError: the simulation failed. The subclass names the cause.
        """
        info = await self.rpc.get_latest_blockhash(self._blockhash_commitment)
        transaction = build_transaction(
            instructions,
            payer=payer,
            blockhash=info.blockhash,
            signers=signers,
            compute_unit_price=compute_unit_price,
            compute_unit_limit=compute_unit_limit,
        )
        outcome = await self.rpc.simulate_transaction(transaction, self.commitment)
        if outcome.err is not None:
            raise self._decode(outcome.err, transaction, outcome.logs, signature=None)
        return outcome

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
        """Sign, send and confirm a transaction built from ``instructions``.

        Args:
            instructions: Instructions to run, in order, after any ComputeBudget instructions.
            payer: Fee payer. Always signs.
            signers: Other required signers.
            compute_unit_price: Priority fee in micro-lamports per compute unit.
            compute_unit_limit: Compute-unit limit, 1 to 1,400,000.
            skip_preflight: Skip the node's preflight simulation.

        Returns:
            The landed copy, its slot and every signature sent.

        Raises:
            TransactionFailedError: preflight rejected the transaction, or it landed and failed.
            TransactionExpiredError: ``max_attempts`` copies expired without landing.
            ConfirmationTimeoutError: ``timeout`` passed first.
            RpcError: the RPC node was unreachable or returned an error.
        """
        deadline = time.monotonic() + self.timeout
        sent: list[Signature] = []
        sent_transactions: dict[Signature, Transaction] = {}

        while True:
            info = await self.rpc.get_latest_blockhash(self._blockhash_commitment)
            transaction = build_transaction(
                instructions,
                payer=payer,
                blockhash=info.blockhash,
                signers=signers,
                compute_unit_price=compute_unit_price,
                compute_unit_limit=compute_unit_limit,
            )
            signature = transaction.signatures[0]

            try:
                await self.rpc.send_raw_transaction(
                    bytes(transaction), skip_preflight=skip_preflight, preflight_commitment=self.commitment
                )
            except PreflightFailure as failure:
                # Preflight failed, so the node did not forward this copy. Nothing new can land.
                if failure.err is None:
                    raise TransactionFailedError(logs=failure.logs, detail=str(failure)) from failure
                raise self._decode(failure.err, transaction, failure.logs, signature=None) from failure

            sent.append(signature)
            sent_transactions[signature] = transaction
            logger.info(
                "sent transaction %s (copy %d of at most %d, lastValidBlockHeight %d)",
                signature,
                len(sent),
                self.max_attempts,
                info.last_valid_block_height,
            )

            landed = await self._wait_for_status(sent, info.last_valid_block_height, deadline)
            if landed is None:
                # Every copy is past its last valid block height. Look it up in the full history
                # once before signing a new copy, because the recent-status cache can miss it.
                landed = await self._find_in_history(sent)
            if landed is not None:
                landed_signature, status = landed
                # NOTE: a copy that landed and failed is decoded without its logs (they would need
                # getTransaction), so a custom error raised inside a CPI is attributed to the
                # top-level instruction's program.
                if status.err is not None:
                    raise self._decode(status.err, sent_transactions[landed_signature], [], landed_signature)
                if not self._satisfies(status):
                    status = await self._wait_for_commitment(landed_signature, deadline)
                    if status.err is not None:
                        raise self._decode(status.err, sent_transactions[landed_signature], [], landed_signature)
                return SentTransaction(landed_signature, status.slot, len(sent), tuple(sent))

            if len(sent) >= self.max_attempts:
                raise TransactionExpiredError(attempts=len(sent), signatures=", ".join(map(str, sent)))
            logger.warning(
                "transaction %s expired at block height %d without landing, re-signing with a new blockhash",
                signature,
                info.last_valid_block_height,
            )

    async def _wait_for_status(
        self, signatures: list[Signature], last_valid_block_height: int, deadline: float
    ) -> tuple[Signature, SignatureStatusInfo] | None:
        """Poll until a copy reaches the commitment or fails, or return ``None`` once all expired."""
        while True:
            statuses = await self.rpc.get_signature_statuses(signatures, search_transaction_history=False)
            seen: tuple[Signature, SignatureStatusInfo] | None = None
            for signature, status in zip(signatures, statuses, strict=True):
                if status is None:
                    continue
                if status.err is not None or self._satisfies(status):
                    return signature, status
                seen = (signature, status)
            if seen is not None:
                # Landed but below the commitment: expiry no longer applies to it.
                return seen

            height = await self.rpc.get_block_height(self._blockhash_commitment)
            if height > last_valid_block_height:
                return None
            self._check_deadline(signatures[-1], deadline)
            await asyncio.sleep(self.poll_interval)

    async def _wait_for_commitment(self, signature: Signature, deadline: float) -> SignatureStatusInfo:
        while True:
            (status,) = await self.rpc.get_signature_statuses([signature], search_transaction_history=True)
            if status is not None and (status.err is not None or self._satisfies(status)):
                return status
            # NOTE: a landed copy that disappears again (its fork was dropped) is waited for until
            # the deadline and not re-sent, because its blockhash may still be valid on another fork.
            self._check_deadline(signature, deadline)
            await asyncio.sleep(self.poll_interval)

    async def _find_in_history(self, signatures: list[Signature]) -> tuple[Signature, SignatureStatusInfo] | None:
        statuses = await self.rpc.get_signature_statuses(signatures, search_transaction_history=True)
        for signature, status in zip(signatures, statuses, strict=True):
            if status is not None:
                return signature, status
        return None

    def _satisfies(self, status: SignatureStatusInfo) -> bool:
        # The JSON-RPC API reports a null confirmationStatus only for rooted (finalized) slots.
        rank = 2 if status.confirmation_status is None else _STATUS_ORDER.index(status.confirmation_status)
        return rank >= _COMMITMENT_RANK[self.commitment]

    def _check_deadline(self, signature: Signature, deadline: float) -> None:
        if time.monotonic() > deadline:
            raise ConfirmationTimeoutError(signature=str(signature), commitment=self.commitment, seconds=self.timeout)

    @staticmethod
    def _decode(
        error: object, transaction: Transaction, logs: Sequence[str], signature: Signature | None
    ) -> TransactionFailedError:
        message = transaction.message
        program_ids = [message.account_keys[ix.program_id_index] for ix in message.instructions]
        return decode_transaction_error(
            error,  # type: ignore[arg-type]
            program_ids=program_ids,
            logs=logs,
            signature=signature,
            payer=message.account_keys[0],
        )


def send_transaction_sync(
    rpc_url: str,
    instructions: Sequence[Instruction],
    *,
    payer: Keypair,
    signers: Sequence[Keypair] = (),
    compute_unit_price: int | None = None,
    compute_unit_limit: int | None = None,
    commitment: Commitment = Confirmed,
    timeout: float = 180.0,
) -> SentTransaction:
    """Blocking form of :meth:`TransactionSender.send` for scripts. Opens and closes its own client.

    Must not be called from a running event loop. Use :class:`TransactionSender` there.
    """

    async def run() -> SentTransaction:
        async with AsyncClient(rpc_url, commitment=Confirmed) as client:
            sender = TransactionSender(client, commitment=commitment, timeout=timeout)
            return await sender.send(
                instructions,
                payer=payer,
                signers=signers,
                compute_unit_price=compute_unit_price,
                compute_unit_limit=compute_unit_limit,
            )

    return asyncio.run(run())

