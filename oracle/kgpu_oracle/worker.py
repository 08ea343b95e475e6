"""Background work of one instance: gather peer signatures, then post and confirm transactions.

Each pass handles the outbox rows whose `next_attempt_at` has come. Failures are logged with the
attestation id, counted in `attempts`, and retried after `retry_delay(attempts)` seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx2
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from solana.rpc.async_api import AsyncClient
from solana.rpc.models import TxOpts
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction_status import TransactionConfirmationStatus
from sqlalchemy import select

from kgpu_oracle import db
from kgpu_oracle.config import Peer
from kgpu_oracle.logs import log_event
from kgpu_oracle.market_posting import market_program_instruction_for_message
from kgpu_oracle.outbox import (
    build_transaction,
    crash_point,
    describe,
    describe_transaction_error,
    log_fields,
    parse_signature,
    record_state,
    retry_delay,
    signatures_for,
)
from kgpu_oracle.state import OracleState

__all__ = ["OutboxWorker"]

_CONFIRMED = (TransactionConfirmationStatus.Confirmed, TransactionConfirmationStatus.Finalized)


class OutboxWorker:
    """Moves attestations from `verified` to `confirmed`; `run` loops until cancelled."""

    def __init__(self, state: OracleState) -> None:
        self.state = state
        self.http = httpx2.AsyncClient(timeout=state.config.peer_timeout_seconds)
        self.rpc = AsyncClient(state.config.rpc_url)

    async def close(self) -> None:
        await self.http.aclose()
        await self.rpc.close()

    async def run(self) -> None:
        log_event(logging.INFO, "worker_started", operator=self.state.config.operator.pubkey())
        try:
            while True:
                # Clear before the pass, so a wake-up set during it (new evidence, or signatures
                # gathered) starts the next pass at once instead of waiting a whole interval.
                self.state.wake.clear()
                try:
                    await self.run_once()
                except Exception as error:  # keep the loop alive; each row's own errors are handled below
                    log_event(logging.ERROR, "worker_pass_failed", error=describe(error))
                # A sent transaction is checked again after `confirm_poll_seconds`, so the row turns
                # `confirmed` soon after the cluster confirms it, rather than at the next interval.
                interval = self.state.config.gather_interval_seconds
                if self._awaiting_confirmation():
                    interval = min(interval, self.state.config.confirm_poll_seconds)
                try:
                    await asyncio.wait_for(self.state.wake.wait(), interval)
                except asyncio.TimeoutError:
                    pass
        finally:
            log_event(logging.INFO, "worker_stopped", operator=self.state.config.operator.pubkey())

    async def run_once(self) -> None:
        """Handle every due outbox row once."""
        states = ["verified"]
        if self.state.config.submit_transactions:
            states += ["signatures_gathered", "sent"]
        with self.state.sessions() as session:
            due = session.scalars(
                select(db.Attestation.id).where(
                    db.Attestation.state.in_(states),
                    db.Attestation.next_attempt_at <= self.state.now(),
                )
            ).all()
        for attestation_id in due:
            await self.advance(attestation_id)

    def _awaiting_confirmation(self) -> bool:
        """Return whether a sent transaction is due for a status check."""
        if not self.state.config.submit_transactions:
            return False
        with self.state.sessions() as session:
            due = session.scalar(
                select(db.Attestation.id)
                .where(db.Attestation.state == "sent", db.Attestation.next_attempt_at <= self.state.now())
                .limit(1)
            )
        return due is not None

    async def advance(self, attestation_id: str) -> None:
        """Take one step for one attestation; errors are recorded on the row and retried."""
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            step = attestation.state
        try:
            if step == "verified":
                await self.gather(attestation_id)
            elif step == "signatures_gathered":
                await self.send(attestation_id)
            elif step == "sent":
                await self.confirm(attestation_id)
        except Exception as error:  # RPC and database errors: record, log and retry later
            self._schedule_retry(attestation_id, describe(error))

    def _schedule_retry(self, attestation_id: str, error: str) -> None:
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            attestation.attempts += 1
            attestation.last_error = error
            delay = retry_delay(attestation.attempts)
            attestation.next_attempt_at = self.state.now() + delay
            session.commit()
            log_event(logging.WARNING, "attestation_retry", **log_fields(attestation), attempts=attestation.attempts, retry_in=delay, error=error)

    # Signature gathering

    async def _request_signature(self, peer: Peer, body: dict[str, Any], message: bytes) -> bytes | None:
        try:
            response = await self.http.post(f"{peer.url}/v1/peer/sign", json=body)
        except httpx2.HTTPError as error:
            self.state.metrics.peer_errors.labels(str(peer.pubkey)).inc()
            log_event(logging.WARNING, "peer_unreachable", peer=peer.url, error=describe(error))
            return None
        if response.status_code != 200:
            self.state.metrics.peer_errors.labels(str(peer.pubkey)).inc()
            log_event(logging.WARNING, "peer_declined", peer=peer.url, status=response.status_code, detail=response.text[:300])
            return None
        try:
            data = response.json()
            signer = Pubkey.from_string(data["signer"])
            signature = bytes(Signature.from_string(data["signature"]))
            if signer != peer.pubkey:
                raise ValueError(f"signed by {signer}, expected {peer.pubkey}")
            VerifyKey(bytes(peer.pubkey)).verify(message, signature)
        except (ValueError, KeyError, TypeError, BadSignatureError) as error:
            self.state.metrics.peer_errors.labels(str(peer.pubkey)).inc()
            log_event(logging.WARNING, "peer_signature_invalid", peer=peer.url, error=describe(error))
            return None
        return signature

    async def gather(self, attestation_id: str) -> None:
        """Ask each peer that has not signed yet; store valid signatures; advance at threshold."""
        config = self.state.config
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            message = attestation.message
            body = {**json.loads(attestation.evidence_json), "message_hex": message.hex()}
            signed = set(session.scalars(select(db.SignatureRow.signer).where(db.SignatureRow.attestation_id == attestation_id)))
        missing = [peer for peer in config.peers if str(peer.pubkey) not in signed]
        results = await asyncio.gather(*(self._request_signature(peer, body, message) for peer in missing))

        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            for peer, signature in zip(missing, results):
                if signature is not None:
                    session.add(db.SignatureRow(attestation_id=attestation_id, signer=str(peer.pubkey), signature=signature))
            count = len(signed) + sum(signature is not None for signature in results)
            if count >= config.threshold:
                record_state(session, attestation, "signatures_gathered", self.state.now(), f"{count} signatures")
                attestation.attempts = 0
                attestation.next_attempt_at = 0
                session.commit()
                log_event(logging.INFO, "signatures_gathered", **log_fields(attestation), signatures=count)
                crash_point("after_signatures_commit")
                self.state.wake.set()
                return
            session.commit()
        raise RuntimeError(f"{count} of {config.threshold} signatures gathered")

    # Posting

    async def send(self, attestation_id: str) -> None:
        """Post the attestation, unless an earlier submission may still land.

        A row can already have a transaction signature after a crash or an expired blockhash. That
        signature is looked up with `getSignatureStatuses` first. The row is resent only when the
        cluster has not seen it and its blockhash can no longer be used.
        """
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            earlier = parse_signature(attestation.tx_signature)
            last_valid = attestation.last_valid_block_height
            message = attestation.message
        if earlier is not None and not await self._earlier_is_dead(attestation_id, earlier, last_valid):
            return

        config = self.state.config
        # The kgpu_market kinds name accounts that are read from the chain. Token kinds return None.
        program_instruction = await market_program_instruction_for_message(self.rpc, message, config.operator.pubkey())
        try:
            latest = (await self.rpc.get_latest_blockhash()).value
        except Exception:
            self.state.metrics.rpc_errors.labels("getLatestBlockhash").inc()
            raise
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            pairs = signatures_for(session, attestation, config.oracle_set)
            if program_instruction is not None:
                # settle_receipt names 15 accounts, so a third signature pushes its transaction over
                # the 1,232-byte packet limit. Market kinds therefore carry exactly `threshold` signatures.
                pairs = pairs[: config.threshold]
            transaction = build_transaction(
                attestation.message, pairs, config.operator, latest.blockhash, program_instruction=program_instruction
            )
            crash_point("before_send_record")
            attestation.tx_signature = str(transaction.signatures[0])
            attestation.last_valid_block_height = latest.last_valid_block_height
            attestation.tx_bytes = bytes(transaction)
            session.commit()
        crash_point("after_send_record")

        try:
            await self.rpc.send_raw_transaction(bytes(transaction), opts=TxOpts(skip_preflight=True))
        except Exception:
            self.state.metrics.rpc_errors.labels("sendTransaction").inc()
            raise
        crash_point("after_send")
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            record_state(session, attestation, "sent", self.state.now(), attestation.tx_signature)
            attestation.attempts = 0
            attestation.next_attempt_at = self.state.now()
            session.commit()
            log_event(logging.INFO, "attestation_sent", **log_fields(attestation), tx=attestation.tx_signature)
        crash_point("after_sent_commit")

    async def _status(self, signature: Signature) -> Any:
        try:
            response = await self.rpc.get_signature_statuses([signature], search_transaction_history=True)
        except Exception:
            self.state.metrics.rpc_errors.labels("getSignatureStatuses").inc()
            raise
        return response.value[0]

    async def _earlier_is_dead(self, attestation_id: str, signature: Signature, last_valid: int | None) -> bool:
        """Return True when `signature` never landed and its blockhash has expired."""
        status = await self._status(signature)
        if status is not None:
            self._finish(attestation_id, status)
            return False
        try:
            height = (await self.rpc.get_block_height()).value
        except Exception:
            self.state.metrics.rpc_errors.labels("getBlockHeight").inc()
            raise
        if last_valid is not None and height <= last_valid:
            await self._rebroadcast(attestation_id, signature)
            return False
        log_event(logging.WARNING, "blockhash_expired", attestation=attestation_id, tx=signature, block_height=height)
        return True

    async def _rebroadcast(self, attestation_id: str, signature: Signature) -> None:
        """Send the stored transaction again while its blockhash is valid.

        The bytes and signature are identical, and the cluster rejects a signature it has already
        processed, so the transaction executes at most once.
        """
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            transaction_bytes = attestation.tx_bytes
        if transaction_bytes is not None:
            try:
                await self.rpc.send_raw_transaction(transaction_bytes, opts=TxOpts(skip_preflight=True))
            except Exception:
                self.state.metrics.rpc_errors.labels("sendTransaction").inc()
                raise
            log_event(logging.INFO, "transaction_rebroadcast", attestation=attestation_id, tx=signature)
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            if attestation.state != "sent":
                record_state(session, attestation, "sent", self.state.now(), f"{signature} may still land")
            attestation.next_attempt_at = self.state.now()
            session.commit()

    def _finish(self, attestation_id: str, status: Any) -> None:
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            if status.err is not None:
                error = describe_transaction_error(status.err, attestation.tx_bytes)
                attestation.last_error = error
                record_state(session, attestation, "failed", self.state.now(), error)
                log_event(logging.ERROR, "transaction_failed", **log_fields(attestation), tx=attestation.tx_signature, error=error)
            elif status.confirmation_status in _CONFIRMED:
                crash_point("before_confirm_commit")
                record_state(session, attestation, "confirmed", self.state.now(), attestation.tx_signature)
                log_event(logging.INFO, "attestation_confirmed", **log_fields(attestation), tx=attestation.tx_signature)
            else:
                attestation.next_attempt_at = self.state.now()
                if attestation.state != "sent":
                    record_state(session, attestation, "sent", self.state.now(), "processed, awaiting confirmation")
            session.commit()

    async def confirm(self, attestation_id: str) -> None:
        """Check a sent transaction; resend through `send` once its blockhash has expired."""
        with self.state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            signature = parse_signature(attestation.tx_signature)
            last_valid = attestation.last_valid_block_height
        if signature is None:
            raise RuntimeError("sent attestation has no transaction signature")
        if await self._earlier_is_dead(attestation_id, signature, last_valid):
            with self.state.sessions() as session:
                attestation = session.get(db.Attestation, attestation_id)
                record_state(session, attestation, "signatures_gathered", self.state.now(), f"resend: {signature} expired")
                attestation.tx_signature = None
                attestation.last_valid_block_height = None
                attestation.tx_bytes = None
                session.commit()
            await self.send(attestation_id)
        else:
            with self.state.sessions() as session:
                attestation = session.get(db.Attestation, attestation_id)
                if attestation.state == "sent":
                    attestation.next_attempt_at = self.state.now()
                    session.commit()
