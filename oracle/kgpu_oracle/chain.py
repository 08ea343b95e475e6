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

__all__ = ["ChainReadError", "ChainReader", "DatabaseChainReader", "register_job"]


class ChainReadError(RuntimeError):
    """Raised when a job cannot be read from the cluster; the service returns 503."""

    def __init__(self, job: bytes, rpc_url: str, reason: str) -> None:
        self.job = str(Pubkey.from_bytes(job))
        self.rpc_url = rpc_url
        super().__init__(f"reading job account {self.job} from {rpc_url} failed: {reason}; retry when the RPC endpoint is reachable")


class ChainReader(Protocol):
    """Read access to the on-chain state the oracle checks evidence against."""

    def job(self, session: Session, job: bytes) -> JobFacts | None:
        """Return the job's facts, or None when no such job exists.

        Raises `ChainReadError` when the source cannot be read.
        """
        ...


class DatabaseChainReader:
    """Reads jobs from the oracle's own `jobs` table, which `kgpu-oracle register-job` fills.

    The service uses it when `job_source` is `"database"`, for operators without a `kgpu_market`
    deployment at `rpc_url`. `kgpu_oracle.market_chain.MarketChainReader` reads the job accounts.
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
