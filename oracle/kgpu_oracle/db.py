"""Database schema and engine setup: SQLite (WAL mode) by default, PostgreSQL by URL.

Unique constraints make intake idempotent: a deposit id, a receipt's (job, sequence), a
challenge used by a receipt and a custodian's report sequence can each be accepted once.
Times are unix seconds in BIGINT columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

__all__ = [
    "Attestation",
    "AttestationEvent",
    "Base",
    "Challenge",
    "CollateralReport",
    "Deposit",
    "Job",
    "RateCounter",
    "Receipt",
    "SignatureRow",
    "make_engine",
    "make_sessionmaker",
]


class Base(DeclarativeBase):
    pass


class CollateralReport(Base):
    """A verified custodian holdings report and its valuation in KRW."""

    __tablename__ = "collateral_reports"
    __table_args__ = (UniqueConstraint("custodian", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    custodian: Mapped[str] = mapped_column(String(42))
    sequence: Mapped[int] = mapped_column(BigInteger)
    valuation_date: Mapped[dt.date] = mapped_column(Date)
    report_hash: Mapped[str] = mapped_column(String(64), unique=True)
    market_value: Mapped[int] = mapped_column(BigInteger)
    capacity: Mapped[int] = mapped_column(BigInteger)
    positions_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[int] = mapped_column(BigInteger)


class Deposit(Base):
    """A bank deposit notice whose signature verified."""

    __tablename__ = "deposits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deposit_id: Mapped[str] = mapped_column(String(64), unique=True)
    beneficiary: Mapped[str] = mapped_column(String(44))
    amount: Mapped[int] = mapped_column(BigInteger)
    credited_at: Mapped[int] = mapped_column(BigInteger)
    evidence_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[int] = mapped_column(BigInteger)


class Challenge(Base):
    """A proof-of-compute challenge and, once answered, its outcome."""

    __tablename__ = "challenges"

    challenge_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider: Mapped[str] = mapped_column(String(44), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    n: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[int] = mapped_column(BigInteger)
    answered_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    answer_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answer: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    issuer: Mapped[str] = mapped_column(String(44))
    issuer_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)


class Receipt(Base):
    """An accepted usage receipt."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("job", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(44))
    sequence: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(44), index=True)
    gpu_seconds: Mapped[int] = mapped_column(BigInteger)
    window_start: Mapped[int] = mapped_column(BigInteger)
    window_end: Mapped[int] = mapped_column(BigInteger)
    energy_wh: Mapped[int] = mapped_column(BigInteger)
    renewable_wh: Mapped[int] = mapped_column(BigInteger)
    challenge_id: Mapped[str] = mapped_column(String(32), unique=True)
    usage_hash: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[int] = mapped_column(BigInteger)


class Job(Base):
    """A compute job as registered with this oracle.

    NOTE: used in place of the `kgpu_market` job account until that program is deployed; see
    `chain.DatabaseChainReader`.
    """

    __tablename__ = "jobs"

    job: Mapped[str] = mapped_column(String(44), primary_key=True)
    provider: Mapped[str] = mapped_column(String(44))
    gpu_model: Mapped[str] = mapped_column(String(64))
    gpu_count: Mapped[int] = mapped_column(Integer)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger, default=0)


class Attestation(Base):
    """One message to be signed by the quorum and posted: an outbox row.

    `state` moves intake → verified → signatures_gathered → sent → confirmed, and `failed` ends a
    row whose transaction executed with an error. `evidence_key` names the evidence (for example `deposit:<id>`),
    so one piece of evidence yields at most one attestation.
    """

    __tablename__ = "attestations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[int] = mapped_column(Integer)
    evidence_key: Mapped[str] = mapped_column(String(200), unique=True)
    evidence_json: Mapped[str] = mapped_column(Text)
    message: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(32), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int] = mapped_column(BigInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    tx_signature: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_valid_block_height: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tx_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class AttestationEvent(Base):
    """A durable record of one outbox state change."""

    __tablename__ = "attestation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attestation_id: Mapped[str] = mapped_column(ForeignKey("attestations.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    at: Mapped[int] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class SignatureRow(Base):
    """One oracle's ed25519 signature over an attestation's message."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("attestation_id", "signer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attestation_id: Mapped[str] = mapped_column(ForeignKey("attestations.id"), index=True)
    signer: Mapped[str] = mapped_column(String(44))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class RateCounter(Base):
    """Requests counted per signing key and one-minute window."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


def _enable_sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine and the tables; SQLite files get WAL mode and a 5 s busy timeout.

    A `postgresql://` URL uses the psycopg 3 driver.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _enable_sqlite_wal)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """Return a session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
