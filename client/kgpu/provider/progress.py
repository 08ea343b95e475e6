"""Progress display of the agent: one rich line per job on a terminal, nothing otherwise."""

from __future__ import annotations

import threading
from typing import Protocol

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from kgpu.i18n import message

__all__ = ["NullProgress", "ProgressView", "RichProgress"]

_PHASE_KEYS = {
    "waiting": "provider.progress_waiting",
    "computing": "provider.progress_computing",
    "submitting": "provider.progress_submitting",
}


class ProgressView(Protocol):
    """Receives the phase of each job's worker."""

    def update(self, job: str, phase: str, sequence: int) -> None:
        """Show that ``job`` is in ``phase`` (waiting, computing or submitting) for ``sequence``."""
        ...

    def receipt_accepted(self, job: str) -> None:
        """Count one accepted receipt for ``job``."""
        ...

    def done(self, job: str) -> None:
        """Show that the worker of ``job`` ended."""
        ...


class NullProgress:
    """Shows nothing; used when stderr is not a terminal."""

    def update(self, job: str, phase: str, sequence: int) -> None:
        pass

    def receipt_accepted(self, job: str) -> None:
        pass

    def done(self, job: str) -> None:
        pass


class RichProgress:
    """A rich live display with one line per job: phase, next sequence and receipts accepted."""

    def __init__(self, console: Console | None = None) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._accepted: dict[str, int] = {}
        self._lines: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def update(self, job: str, phase: str, sequence: int) -> None:
        text = message(_PHASE_KEYS[phase]) if phase in _PHASE_KEYS else phase
        with self._lock:
            self._lines[job] = (text, sequence)
            if job not in self._tasks:
                self._tasks[job] = self.progress.add_task("", total=None)
            self._render(job)

    def receipt_accepted(self, job: str) -> None:
        with self._lock:
            self._accepted[job] = self._accepted.get(job, 0) + 1
            self._render(job)

    def done(self, job: str) -> None:
        with self._lock:
            task = self._tasks.get(job)
            if task is not None:
                self.progress.update(task, total=1, completed=1)

    def _render(self, job: str) -> None:
        task = self._tasks.get(job)
        if task is None:
            return
        text, sequence = self._lines.get(job, ("", 0))
        self.progress.update(task, description=f"{job[:8]}… #{sequence} {text} ({self._accepted.get(job, 0)} ✓)")
