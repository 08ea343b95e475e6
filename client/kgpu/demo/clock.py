"""The metering clock of the demo's provider agent."""

from __future__ import annotations

import threading
import time

__all__ = ["AcceleratedClock"]


class AcceleratedClock:
    """Metering clock of the demo's provider agent: sleeping advances it without waiting.

    Unix time starts one receipt period in the past, so the first window ends at about the real
    time of the receipt and passes the oracle's future-window check. The monotonic reading moves
    only when the agent sleeps, so each window is exactly one period long.
    """

    def __init__(self, period_seconds: float) -> None:
        self._start_time = time.time() - period_seconds
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def time(self) -> float:
        with self._lock:
            return self._start_time + self._elapsed

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        if stop.is_set():
            return False
        with self._lock:
            self._elapsed += max(seconds, 0.0)
        return True
