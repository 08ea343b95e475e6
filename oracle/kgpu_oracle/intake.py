"""Evidence intake: verify each kind of evidence, record it once, and build its quorum payload.

The same functions serve direct submissions and peers' signature requests, so an operator signs
only what its own checks accepted. Each `accept_*` function adds rows to the session without
committing; the caller commits, and a unique-constraint race there means a conflicting duplicate.
Resubmitting identical evidence is accepted again and adds nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from solders.pubkey import Pubkey
from solders.signature import Signature
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kgpu_oracle import db
from kgpu_oracle.collateral import positions_summary, verify_report
from kgpu_oracle.compute import (
    MAX_MATRIX_SIZE,
    MIN_MATRIX_SIZE,
    PRIME,
    ChallengeResult,
    answer_digest,
    decode_answer,
    freivalds_check,
)
from kgpu_oracle.deposits import verify_deposit
from kgpu_oracle.errors import ConflictError, EvidenceError
from kgpu_oracle.logs import log_event
from kgpu_oracle.messages import Payload
from kgpu_oracle.receipts import ChallengeFacts, check_receipt_rules, parse_receipt
from kgpu_oracle.schemas import (
    ChallengeEvidence,
    ChallengeView,
    CollateralReportRequest,
    DepositRequest,
    ReceiptRequest,
)
from kgpu_oracle.state import OracleState

__all__ = [
    "Accepted",
    "RateLimitedError",
    "accept_collateral",
    "accept_deposit",
    "accept_receipt",
    "answer_challenge",
    "challenge_evidence",
    "check_rate",
    "issue_challenge",
]


class RateLimitedError(Exception):
    """Raised when a signing key has used up its requests for the current minute."""

    def __init__(self, key: str, limit: int, retry_after: int) -> None:
        super().__init__(f"more than {limit} requests this minute for key {key}; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Accepted:
    """Verified evidence: its payload, a unique key and the JSON a peer needs to re-verify it."""

    kind: str
    payload: Payload
    evidence_key: str
    evidence: dict[str, Any]


def _sha256_json(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_rate(state: OracleState, key: str) -> None:
    """Count one request for `key` in the current minute, in its own transaction.

    Raises `RateLimitedError` once the count passes `intake_per_minute`.
    """
    now = state.now()
    window = now // 60
    limit = state.config.intake_per_minute
    for _ in range(3):
        with state.sessions() as session:
            counter = session.get(db.RateCounter, (key, window))
            if counter is None:
                session.add(db.RateCounter(key=key, window=window, count=1))
                count = 1
            else:
                counter.count += 1
                count = counter.count
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                log_event(logging.INFO, "rate_counter_retry", key=key, window=window)
                continue  # another request created the row first, so count again
        if count > limit:
            raise RateLimitedError(key, limit, 60 - now % 60)
        return


def accept_collateral(state: OracleState, session: Session, request: CollateralReportRequest) -> Accepted:
    """Verify a custodian report and record it; the sequence must exceed the last one accepted."""
    config = state.config
    report = request.report.model_dump()
    valuation = verify_report(
        report,
        request.signature,
        custodian_address=config.custodian_address,
        deployment_id=config.deployment_id,
        today=dt.datetime.fromtimestamp(state.now(), dt.timezone.utc).date(),
        max_age_days=config.max_report_age_days,
        haircuts=config.haircuts,
    )
    check_rate(state, f"custodian:{config.custodian_address.lower()}")

    accepted = Accepted(
        kind="collateral",
        payload=valuation.payload(),
        evidence_key=f"collateral:{config.custodian_address.lower()}:{valuation.sequence}",
        evidence={"collateral": request.model_dump()},
    )
    existing = session.scalar(
        select(db.CollateralReport).where(
            db.CollateralReport.custodian == config.custodian_address.lower(),
            db.CollateralReport.sequence == valuation.sequence,
        )
    )
    if existing is not None:
        if existing.report_hash == valuation.report_hash.hex():
            return accepted
        raise ConflictError("report.sequence", f"sequence {valuation.sequence} was already used by another report")
    last = session.scalar(
        select(func.max(db.CollateralReport.sequence)).where(
            db.CollateralReport.custodian == config.custodian_address.lower()
        )
    )
    if last is not None and valuation.sequence <= last:
        raise ConflictError("report.sequence", f"must be greater than the last accepted sequence {last}")

    session.add(
        db.CollateralReport(
            custodian=config.custodian_address.lower(),
            sequence=valuation.sequence,
            valuation_date=valuation.valuation_date,
            report_hash=valuation.report_hash.hex(),
            market_value=valuation.market_value,
            capacity=valuation.capacity,
            positions_json=json.dumps(positions_summary(valuation.positions)),
            received_at=state.now(),
        )
    )
    return accepted


def accept_deposit(state: OracleState, session: Session, request: DepositRequest) -> Accepted:
    """Verify a bank deposit notice and record its deposit id once."""
    config = state.config
    try:
        signature = bytes(Signature.from_string(request.signature))
    except ValueError:
        raise EvidenceError("signature", "must be a base58 ed25519 signature (64 bytes)") from None
    notice = verify_deposit(
        reference=request.reference,
        beneficiary=request.beneficiary,
        amount=request.amount,
        credited_at=request.credited_at,
        signature=signature,
        bank_key=VerifyKey(bytes(config.bank_pubkey)),
        deployment_id=config.deployment_id,
        now=state.now(),
    )
    check_rate(state, f"bank:{config.bank_pubkey}")

    evidence = request.model_dump()
    accepted = Accepted(
        kind="deposit",
        payload=notice.payload(),
        evidence_key=f"deposit:{notice.deposit_id.hex()}",
        evidence={"deposit": evidence},
    )
    existing = session.scalar(select(db.Deposit).where(db.Deposit.deposit_id == notice.deposit_id.hex()))
    if existing is not None:
        if existing.evidence_hash == _sha256_json(evidence):
            return accepted
        raise ConflictError("reference", "a different notice with this deposit reference was already accepted")
    session.add(
        db.Deposit(
            deposit_id=notice.deposit_id.hex(),
            beneficiary=str(notice.beneficiary),
            amount=notice.amount,
            credited_at=notice.credited_at,
            evidence_hash=_sha256_json(evidence),
            received_at=state.now(),
        )
    )
    return accepted


def _local_challenge(session: Session, challenge_id: bytes) -> ChallengeFacts | None:
    row = session.get(db.Challenge, challenge_id.hex())
    if row is None:
        return None
    return ChallengeFacts(
        challenge_id=challenge_id,
        provider=bytes(Pubkey.from_string(row.provider)),
        deadline=row.deadline,
        answered_at=row.answered_at,
        answer_digest=bytes.fromhex(row.answer_digest) if row.answer_digest else None,
        passed=row.passed,
    )


def _peer_challenge(state: OracleState, evidence: ChallengeEvidence) -> ChallengeFacts:
    """Check another oracle's signed challenge result and re-run Freivalds on its answer."""
    try:
        issuer = Pubkey.from_string(evidence.issuer)
        result = ChallengeResult(
            challenge_id=bytes.fromhex(evidence.challenge_id),
            provider=bytes(Pubkey.from_string(evidence.provider)),
            seed=bytes.fromhex(evidence.seed),
            n=evidence.n,
            issued_at=evidence.issued_at,
            deadline=evidence.deadline,
            answered_at=evidence.answered_at,
            answer_digest=b"",
        )
        answer = base64.b64decode(evidence.answer, validate=True)
        signature = bytes(Signature.from_string(evidence.issuer_signature))
    except ValueError:  # includes binascii.Error
        raise EvidenceError("challenge", "invalid key, hex, base64 or signature encoding in the challenge evidence") from None
    if issuer not in state.config.oracle_set:
        raise EvidenceError("challenge.issuer", "the challenge was issued by a key outside the oracle set")
    if len(result.seed) != 32 or len(result.challenge_id) != 16 or not MIN_MATRIX_SIZE <= result.n <= MAX_MATRIX_SIZE:
        raise EvidenceError("challenge", "seed must be 32 bytes, challenge_id 16 bytes, n within the allowed sizes")
    result = ChallengeResult(**{**result.__dict__, "answer_digest": answer_digest(answer)})
    try:
        VerifyKey(bytes(issuer)).verify(result.signing_bytes(state.config.deployment_id), signature)
    except BadSignatureError:
        raise EvidenceError("challenge.issuer_signature", "does not verify with the issuer key over the challenge result") from None
    try:
        matrix = decode_answer(answer, result.n)
    except ValueError as error:
        raise EvidenceError("challenge.answer", str(error)) from None
    passed = freivalds_check(result.seed, result.n, matrix, state.config.freivalds_rounds)
    return ChallengeFacts(
        challenge_id=result.challenge_id,
        provider=result.provider,
        deadline=result.deadline,
        answered_at=result.answered_at,
        answer_digest=result.answer_digest,
        passed=passed,
    )


def accept_receipt(
    state: OracleState,
    session: Session,
    request: ReceiptRequest,
    challenge: ChallengeEvidence | None = None,
) -> Accepted:
    """Verify a usage receipt and record its (job, sequence) once.

    A receipt submitted directly must name a challenge this instance issued. A peer request
    carries the issuing oracle's signed challenge result in `challenge` instead.
    """
    receipt = parse_receipt(request.model_dump(), state.config.deployment_id)
    provider = str(Pubkey.from_bytes(receipt.provider))
    check_rate(state, f"provider:{provider}")
    job_key = str(Pubkey.from_bytes(receipt.job))

    if challenge is None:
        facts = _local_challenge(session, receipt.challenge_id)
        peer_evidence = challenge_evidence(state, session, receipt.challenge_id.hex())
    else:
        if challenge.challenge_id != receipt.challenge_id.hex():
            raise EvidenceError("challenge.challenge_id", "does not match the receipt's challenge_id")
        facts = _peer_challenge(state, challenge)
        peer_evidence = challenge.model_dump()

    accepted = Accepted(
        kind="receipt",
        payload=receipt.payload(),
        evidence_key=f"receipt:{job_key}:{receipt.sequence}",
        evidence={"receipt": request.model_dump(), "challenge": peer_evidence},
    )
    existing = session.scalar(
        select(db.Receipt).where(db.Receipt.job == job_key, db.Receipt.sequence == receipt.sequence)
    )
    if existing is not None:
        if existing.usage_hash == receipt.usage_hash.hex():
            return accepted
        raise ConflictError("sequence", f"a different receipt for job {job_key} sequence {receipt.sequence} was already accepted")
    reused = session.scalar(select(db.Receipt.id).where(db.Receipt.challenge_id == receipt.challenge_id.hex()))
    if reused is not None:
        raise ConflictError("challenge_id", "this challenge already backs another receipt; request a new challenge")

    job = state.chain.job(session, receipt.job)
    local_last = session.scalar(select(func.max(db.Receipt.sequence)).where(db.Receipt.job == job_key)) or 0
    expected = max(job.last_sequence if job else 0, local_last) + 1
    check_receipt_rules(
        receipt,
        job=job,
        board_power_w=state.gpu_power.get(job.gpu_model) if job else None,
        challenge=facts,
        expected_sequence=expected,
        now=state.now(),
    )
    session.add(
        db.Receipt(
            job=job_key,
            sequence=receipt.sequence,
            provider=provider,
            gpu_seconds=receipt.gpu_seconds,
            window_start=receipt.window_start,
            window_end=receipt.window_end,
            energy_wh=receipt.energy_wh,
            renewable_wh=receipt.renewable_wh,
            challenge_id=receipt.challenge_id.hex(),
            usage_hash=receipt.usage_hash.hex(),
            received_at=state.now(),
        )
    )
    return accepted


def _challenge_view(row: db.Challenge) -> ChallengeView:
    return ChallengeView(
        challenge_id=row.challenge_id,
        provider=row.provider,
        seed=row.seed,
        n=row.n,
        prime=PRIME,
        issued_at=row.issued_at,
        deadline=row.deadline,
        answered_at=row.answered_at,
        passed=row.passed,
        answer_digest=row.answer_digest,
    )


def issue_challenge(state: OracleState, provider: str) -> ChallengeView:
    """Create a challenge for `provider` with a fresh random seed.

    NOTE: challenge requests are not signed, so the rate limit counts requests per claimed
    provider key. Anyone can use up a provider's quota for the minute.
    """
    try:
        provider_key = Pubkey.from_string(provider)
    except ValueError:
        raise EvidenceError("provider", f"invalid base58 public key {provider!r}") from None
    check_rate(state, f"challenge:{provider_key}")
    now = state.now()
    row = db.Challenge(
        challenge_id=secrets.token_bytes(16).hex(),
        provider=str(provider_key),
        seed=secrets.token_bytes(32).hex(),
        n=state.config.challenge_matrix_size,
        issued_at=now,
        deadline=now + state.config.challenge_deadline_seconds,
        passed=False,
        issuer=str(state.config.operator.pubkey()),
    )
    with state.sessions() as session:
        session.add(row)
        session.commit()
    return _challenge_view(row)


def answer_challenge(state: OracleState, challenge_id: str, answer_b64: str) -> ChallengeView:
    """Check a provider's answer with Freivalds' algorithm; a challenge takes one answer."""
    now = state.now()
    try:
        answer = base64.b64decode(answer_b64, validate=True)
    except ValueError:  # binascii.Error and non-ASCII input
        raise EvidenceError("answer", "must be base64 of the encoded matrix C") from None
    with state.sessions() as session:
        row = session.get(db.Challenge, challenge_id)
        if row is None:
            raise LookupError(f"no challenge with id {challenge_id}")
        if row.answered_at is not None:
            raise ConflictError("challenge_id", "this challenge was already answered; request a new one")
        if now > row.deadline:
            raise EvidenceError("challenge_id", f"the deadline {row.deadline} has passed; request a new challenge")
        try:
            matrix = decode_answer(answer, row.n)
        except ValueError as error:
            raise EvidenceError("answer", str(error)) from None
        seed = bytes.fromhex(row.seed)
        row.passed = freivalds_check(seed, row.n, matrix, state.config.freivalds_rounds)
        row.answered_at = now
        row.answer_digest = answer_digest(answer).hex()
        if row.passed:
            row.answer = answer
            result = ChallengeResult(
                challenge_id=bytes.fromhex(row.challenge_id),
                provider=bytes(Pubkey.from_string(row.provider)),
                seed=seed,
                n=row.n,
                issued_at=row.issued_at,
                deadline=row.deadline,
                answered_at=now,
                answer_digest=answer_digest(answer),
            )
            signature = state.config.operator.sign_message(result.signing_bytes(state.config.deployment_id))
            row.issuer_signature = str(signature)
        session.commit()
        return _challenge_view(row)


def challenge_evidence(state: OracleState, session: Session, challenge_id: str) -> dict[str, Any] | None:
    """Return the signed challenge result that peers need, or None if it has no passing answer."""
    row = session.get(db.Challenge, challenge_id)
    if row is None or not row.passed or row.answer is None or row.issuer_signature is None:
        return None
    return ChallengeEvidence(
        challenge_id=row.challenge_id,
        provider=row.provider,
        seed=row.seed,
        n=row.n,
        issued_at=row.issued_at,
        deadline=row.deadline,
        answered_at=row.answered_at,
        answer=base64.b64encode(row.answer).decode(),
        issuer=row.issuer,
        issuer_signature=row.issuer_signature,
    ).model_dump()
