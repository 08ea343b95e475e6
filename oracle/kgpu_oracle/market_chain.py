"""Reads of `kgpu_market` accounts that the oracle needs to post and check market attestations.

`read_job_accounts` returns the accounts `settle_receipt` pays (the job's `Provider` account and the
provider wallet), read from the job account at posting time through :class:`kgpu.market.MarketClient`.

`MarketChainReader` implements the `ChainReader` protocol of :mod:`kgpu_oracle.chain` from the job
and provider accounts on chain, in place of the `jobs` table that `register-job` fills.
"""

from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass
from pathlib import Path

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment, Confirmed
from solders.pubkey import Pubkey
from sqlalchemy.orm import Session

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.errors import RpcError
from kgpu.market import JobStatus, MarketClient
from kgpu_oracle.chain import ChainReadError
from kgpu_oracle.receipts import JobFacts
from kgpu_oracle.reference import _data_path

__all__ = ["JobAccounts", "JobAccountNotFoundError", "MarketChainReader", "load_gpu_model_ids", "read_job_accounts"]


class JobAccountNotFoundError(RuntimeError):
    """The job of a receipt has no `kgpu_market` account on the cluster."""


@dataclass(frozen=True)
class JobAccounts:
    """Accounts of one job that `settle_receipt` names besides the payload's."""

    provider: Pubkey
    """The `Provider` account (`Job.provider`)."""
    provider_authority: Pubkey
    """The provider wallet (`Job.provider_authority`), owner of the K-GPU and K-CARBON accounts paid."""


async def read_job_accounts(
    rpc: AsyncClient, job: Pubkey, *, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID, commitment: Commitment = Confirmed
) -> JobAccounts:
    """Read the job account and return the provider accounts that a settlement of it pays.

    Raises:
        JobAccountNotFoundError: no job account exists at `job`.
        kgpu.errors.RpcConnectionError, kgpu.errors.RpcResponseError: the RPC read failed.
    """
    client = MarketClient(rpc, commitment=commitment, program_id=program_id)
    account = await client.get_job(job)
    if account is None:
        raise JobAccountNotFoundError(f"job account {job} does not exist; open the job on chain before settling its receipts")
    return JobAccounts(provider=account.provider, provider_authority=account.provider_authority)


def load_gpu_model_ids(path: Path | None = None) -> dict[str, str]:
    """Map the GPU names of the power table (`name` column, e.g. `NVIDIA H100 SXM`) to model ids (`H100-SXM`).

    A `Provider` account stores the name the provider registered, while the power table is keyed
    by model id. Model ids map to themselves, so a provider may register either form.
    """
    source = path or _data_path("gpu_power.csv")
    with open(source, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    names = {row["name"].strip().casefold(): row["model"] for row in rows if row.get("name")}
    names.update({row["model"].casefold(): row["model"] for row in rows})
    return names


class MarketChainReader:
    """`ChainReader` over the `kgpu_market` accounts of `rpc_url`.

    A job's facts are its status, `last_sequence` and `gpu_count`, and from its provider account
    the node key and the GPU model (translated to the power table's model id). The service uses
    it when `job_source` is `"chain"`, the default with `submit_transactions`.
    """

    def __init__(
        self,
        rpc_url: str,
        *,
        program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
        gpu_model_ids: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.rpc_url = rpc_url
        self.program_id = program_id
        self.gpu_model_ids = gpu_model_ids if gpu_model_ids is not None else load_gpu_model_ids()
        self.timeout = timeout

    def job(self, session: Session, job: bytes) -> JobFacts | None:
        """Return the facts of the job account at `job`, or None when it does not exist.

        `session` is unused: the facts come from the cluster. The read runs on its own event loop
        with its own client, because intake calls the reader from a worker thread of the server.
        Calling it from a thread with a running event loop raises `RuntimeError`.

        Raises:
            ChainReadError: the RPC request failed or timed out.
        """
        try:
            return asyncio.run(self._read(Pubkey.from_bytes(job)))
        except RpcError as error:
            raise ChainReadError(job, self.rpc_url, str(error)) from error

    async def _read(self, job: Pubkey) -> JobFacts | None:
        async with AsyncClient(self.rpc_url, timeout=self.timeout) as rpc:
            client = MarketClient(rpc, program_id=self.program_id)
            account = await client.get_job(job)
            if account is None:
                return None
            provider = await client.get_provider(address=account.provider)
        if provider is None:
            return None
        name = provider.gpu_model.rstrip(b"\x00").decode("utf-8", errors="replace").strip()
        return JobFacts(
            job=bytes(job),
            provider=bytes(provider.node_key),
            open=account.status == JobStatus.OPEN,
            gpu_model=self.gpu_model_ids.get(name.casefold(), name),
            gpu_count=account.gpu_count,
            last_sequence=account.last_sequence,
        )
