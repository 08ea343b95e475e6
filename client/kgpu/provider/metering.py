"""Clocks and the metering formulas of a usage receipt.

For a window of ``wall`` whole seconds on a job of ``g`` GPUs with declared board power ``P`` watts
per GPU and renewable share ``r``:

- gpu_seconds = wall × g
- energy_wh = ⌊P × g × wall / 3600⌋
- renewable_wh = ⌊energy_wh × r⌋

The oracle accepts energy up to 1.1 × P × g × wall / 3600, so these values pass when the oracle's
power table lists the same board power for the job's model.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

__all__ = ["Clock", "SystemClock", "Usage", "Window", "meter_usage"]


class Clock(Protocol):
    """Time sources of the agent. Tests inject a controlled one."""

    def monotonic(self) -> float:
        """Seconds of a clock that never goes back, for measuring wall time."""
        ...

    def time(self) -> float:
        """Unix seconds, for the receipt window timestamps."""
        ...

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        """Wait ``seconds`` and return True, or return False as soon as ``stop`` is set."""
        ...


class SystemClock:
    """The process clocks: ``time.monotonic``, ``time.time`` and ``Event.wait``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        return not stop.wait(max(seconds, 0.0))


@dataclass(frozen=True)
class Window:
    """A metering window: unix start and the monotonic reading taken at that start."""

    start: int
    """Unix seconds."""
    monotonic_start: float

    def close(self, monotonic_now: float) -> tuple[int, int]:
        """Return (whole wall seconds elapsed, unix end) for a window closed at ``monotonic_now``.

        The end is start + whole seconds, so it never runs ahead of the time actually measured.
        """
        wall = max(0, math.floor(monotonic_now - self.monotonic_start))
        return wall, self.start + wall

    def next(self, wall: int) -> Window:
        """Return the window that starts where a closed window of ``wall`` seconds ended.

        The fraction of a second that the closed window dropped is carried into this one.
        """
        return Window(self.start + wall, self.monotonic_start + wall)


@dataclass(frozen=True)
class Usage:
    """Metered values of one receipt."""

    wall_seconds: int
    gpu_seconds: int
    energy_wh: int
    renewable_wh: int


def meter_usage(*, wall_seconds: int, gpu_count: int, board_power_w: int, renewable_share: Decimal) -> Usage:
    """Apply the formulas of the module docstring, in exact integer and decimal arithmetic."""
    if wall_seconds < 0 or gpu_count < 1 or board_power_w < 1:
        raise ValueError(
            f"wall_seconds must be ≥ 0 and gpu_count, board_power_w ≥ 1, got {wall_seconds}, {gpu_count}, {board_power_w}"
        )
    if not Decimal(0) <= renewable_share <= Decimal(1):
        raise ValueError(f"renewable_share must be in 0..1, got {renewable_share}")
    energy_wh = board_power_w * gpu_count * wall_seconds // 3600
    renewable_wh = int((Decimal(energy_wh) * renewable_share).to_integral_value(rounding=ROUND_FLOOR))
    return Usage(wall_seconds, wall_seconds * gpu_count, energy_wh, renewable_wh)
