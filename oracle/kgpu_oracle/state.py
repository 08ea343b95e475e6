"""Everything one oracle instance shares between requests and background tasks."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from kgpu_oracle.chain import ChainReader
from kgpu_oracle.config import OracleConfig
from kgpu_oracle.metrics import OracleMetrics

__all__ = ["OracleState"]


@dataclass
class OracleState:
    """Configuration, database, clock and metrics of one instance.

    `clock` returns unix seconds; tests replace it to fix the date of example evidence.
    """

    config: OracleConfig
    engine: Engine
    sessions: sessionmaker
    chain: ChainReader
    gpu_power: dict[str, int]
    metrics: OracleMetrics
    clock: Callable[[], float] = time.time
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # The event loop that runs the outbox worker, set when the app starts.
    loop: asyncio.AbstractEventLoop | None = None

    def now(self) -> int:
        """Current unix time in whole seconds."""
        return int(self.clock())

    def wake_worker(self) -> None:
        """Make the outbox worker run its next pass now, from any thread.

        Request handlers declared with `def` run in a thread pool, and `asyncio.Event.set` is not
        thread-safe, so the set goes through the worker's loop.
        """
        if self.loop is None:
            self.wake.set()
            return
        self.loop.call_soon_threadsafe(self.wake.set)
