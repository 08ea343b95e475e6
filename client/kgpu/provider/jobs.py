"""Sources of the node's open jobs: the market program's Job accounts, or a fixed list.

Job account of ``kgpu_market`` (248 bytes, integers little-endian; the full table is drawn in
``programs/kgpu_market/src/state.rs``). The agent reads these fields:

```text
0    8   discriminator   sha256("account:Job")[..8]
8    32  renter
40   32  provider        the Provider account (see ``provider_account_address``)
160  8   opened_at       i64 unix seconds
168  8   end_time        i64 unix seconds
176  8   last_sequence   u64, highest settled receipt sequence, 0 before the first
232  4   gpu_count       u32
236  1   status          0 open, 1 closed
```
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
from dataclasses import dataclass
from typing import Protocol

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import MemcmpOpts
from solders.pubkey import Pubkey

from kgpu.market import provider_address
from kgpu.provider.config import NodeConfig, StaticJob
from kgpu.provider.errors import ChainReadError

__all__ = [
    "JOB_ACCOUNT_SIZE",
    "JOB_DISCRIMINATOR",
    "ChainJobSource",
    "JobAccount",
    "JobSource",
    "OpenJob",
    "StaticJobSource",
    "decode_job_account",
    "provider_account_address",
]

logger = logging.getLogger("kgpu.provider")

JOB_DISCRIMINATOR = hashlib.sha256(b"account:Job").digest()[:8]
JOB_ACCOUNT_SIZE = 248

PROVIDER_OFFSET = 40
OPENED_AT_OFFSET = 160
LAST_SEQUENCE_OFFSET = 176
GPU_COUNT_OFFSET = 232
STATUS_OFFSET = 236
JOB_STATUS_OPEN = 0


@dataclass(frozen=True)
class OpenJob:
    """A job the node must serve: its address, GPU count and last settled sequence."""

    address: Pubkey
    gpu_count: int
    last_sequence: int
    """Highest sequence settled on chain. The agent never sends one at or below it."""
    end_time: int | None = None
    """Unix seconds from which anyone may close the job, or None when the source does not provide it."""


@dataclass(frozen=True)
class JobAccount:
    """The fields of a decoded Job account that the agent uses."""

    renter: Pubkey
    provider: Pubkey
    opened_at: int
    end_time: int
    last_sequence: int
    gpu_count: int
    status: int

    @property
    def is_open(self) -> bool:
        """Whether the job still takes receipts."""
        return self.status == JOB_STATUS_OPEN


def decode_job_account(data: bytes) -> JobAccount:
    """Decode a Job account's data, laid out as the module docstring shows.

    Raises:
        ValueError: the data is not 248 bytes or does not start with the Job discriminator.
    """
    if len(data) != JOB_ACCOUNT_SIZE:
        raise ValueError(f"a Job account has {JOB_ACCOUNT_SIZE} bytes, got {len(data)}")
    if data[:8] != JOB_DISCRIMINATOR:
        raise ValueError(f"account discriminator {data[:8].hex()} is not the Job discriminator {JOB_DISCRIMINATOR.hex()}")
    opened_at, end_time, last_sequence = struct.unpack_from("<qqQ", data, OPENED_AT_OFFSET)
    (gpu_count,) = struct.unpack_from("<I", data, GPU_COUNT_OFFSET)
    return JobAccount(
        renter=Pubkey.from_bytes(data[8:40]),
        provider=Pubkey.from_bytes(data[PROVIDER_OFFSET : PROVIDER_OFFSET + 32]),
        opened_at=opened_at,
        end_time=end_time,
        last_sequence=last_sequence,
        gpu_count=gpu_count,
        status=data[STATUS_OFFSET],
    )


def provider_account_address(authority: Pubkey, program_id: Pubkey) -> Pubkey:
    """Derive the Provider account of a wallet under the market program ``program_id``.

    It is a System address with seed, as :func:`kgpu.market.provider_address` derives it.
    """
    return provider_address(authority, program_id)


class JobSource(Protocol):
    """Source of the jobs the agent serves."""

    def open_jobs(self) -> list[OpenJob]:
        """Return the node's open jobs. Raises :class:`~kgpu.provider.errors.ChainReadError` on RPC failure."""
        ...


class StaticJobSource:
    """A fixed list of jobs, for demos, tests and oracles that learn jobs through ``register-job``."""

    def __init__(self, jobs: list[StaticJob] | tuple[StaticJob, ...]) -> None:
        self._jobs = [OpenJob(job.address, job.gpu_count, job.last_sequence) for job in jobs]

    def open_jobs(self) -> list[OpenJob]:
        return list(self._jobs)


class ChainJobSource:
    """Reads open Job accounts of one Provider account with ``getProgramAccounts``.

    The request filters on the data size, the Job discriminator, the provider field and the open
    status, so the RPC node returns only this node's open jobs.
    """

    def __init__(self, rpc_url: str, *, provider_account: Pubkey, program_id: Pubkey, timeout: float = 10.0) -> None:
        self.rpc_url = rpc_url
        self.provider_account = provider_account
        self.program_id = program_id
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: NodeConfig) -> ChainJobSource:
        """Build the source from ``rpc_url``, ``provider_authority`` and ``market_program_id``."""
        if config.provider_authority is None:
            raise ValueError("provider_authority is required to read jobs from the chain")
        provider = provider_account_address(config.provider_authority, config.market_program_id)
        return cls(
            config.rpc_url,
            provider_account=provider,
            program_id=config.market_program_id,
            timeout=config.request_timeout_seconds,
        )

    def filters(self) -> list[int | MemcmpOpts]:
        """Return the ``getProgramAccounts`` filters: data size, then three memcmp filters."""
        return [
            JOB_ACCOUNT_SIZE,
            MemcmpOpts(offset=0, bytes=_b58(JOB_DISCRIMINATOR)),
            MemcmpOpts(offset=PROVIDER_OFFSET, bytes=str(self.provider_account)),
            MemcmpOpts(offset=STATUS_OFFSET, bytes=_b58(bytes([JOB_STATUS_OPEN]))),
        ]

    def open_jobs(self) -> list[OpenJob]:
        # solana-py 0.39 deprecates its synchronous Client, so each read runs the async one to completion.
        try:
            response = asyncio.run(self._fetch())
        except SolanaRpcException as error:
            raise ChainReadError(url=self.rpc_url, reason=str(error.__cause__ or error)) from error
        except RPCException as error:
            raise ChainReadError(url=self.rpc_url, reason=str(error)) from error

        jobs = []
        for keyed in response.value:
            try:
                account = decode_job_account(bytes(keyed.account.data))
            except ValueError as error:
                logger.warning("job account %s skipped: %s", keyed.pubkey, error)
                continue
            # The RPC node applied the filters. Checking again guards against a node that ignores them.
            if account.provider != self.provider_account or not account.is_open:
                continue
            jobs.append(OpenJob(keyed.pubkey, account.gpu_count, account.last_sequence, account.end_time))
        return jobs

    async def _fetch(self):  # type: ignore[no-untyped-def]
        async with AsyncClient(self.rpc_url, timeout=self.timeout) as client:
            return await client.get_program_accounts(
                self.program_id, commitment="confirmed", encoding="base64", filters=self.filters()
            )


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58(data: bytes) -> str:
    """Base58-encode bytes of any length, as memcmp filters expect.

    solders encodes only 32-byte keys and 64-byte signatures, and the project has no base58 package.
    """
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, digit = divmod(number, 58)
        encoded = _B58_ALPHABET[digit] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded
