"""Job facts as the market program records them, behind a small protocol.

The receipt rules only need `JobFacts`, so a reader of the real `kgpu_market` accounts can replace
`DatabaseChainReader` without touching them.
"""

from __future__ import annotations

from typing import Protocol

from solders.pubkey import Pubkey
from sqlalchemy.orm import Session

from kgpu_oracle import db
from kgpu_oracle.receipts import JobFacts

__all__ = ["ChainReader", "DatabaseChainReader", "register_job"]


class ChainReader(Protocol):
    """Read access to the on-chain state the oracle checks evidence against."""

    def job(self, session: Session, job: bytes) -> JobFacts | None:
        """Return the job's facts, or None when no such job exists."""
        ...


class DatabaseChainReader:
    """Reads jobs from the oracle's own `jobs` table.

    NOTE: the `kgpu_market` program is not deployed yet, so jobs are registered with each oracle
    by `register_job` (or the `kgpu-oracle register-job` command) instead of read from their
    accounts. Replace this with an RPC reader of the job accounts once their layout is fixed.
    """

    def job(self, session: Session, job: bytes) -> JobFacts | None:
        row = session.get(db.Job, str(Pubkey.from_bytes(job)))
        if row is None:
            return None
        return JobFacts(
            job=job,
            provider=bytes(Pubkey.from_string(row.provider)),
            open=row.open,
            gpu_model=row.gpu_model,
            gpu_count=row.gpu_count,
            last_sequence=row.last_sequence,
        )


def register_job(
    session: Session,
    *,
    job: Pubkey,
    provider: Pubkey,
    gpu_model: str,
    gpu_count: int,
    open_: bool = True,
    last_sequence: int = 0,
) -> None:
    """Insert or replace a job in the `jobs` table used by `DatabaseChainReader`."""
    if gpu_count < 1:
        raise ValueError(f"gpu_count must be at least 1, got {gpu_count}")
    session.merge(
        db.Job(
            job=str(job),
            provider=str(provider),
            gpu_model=gpu_model,
            gpu_count=gpu_count,
            open=open_,
            last_sequence=last_sequence,
        )
    )
