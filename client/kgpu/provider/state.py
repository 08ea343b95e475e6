"""Durable per-job sequence state of the agent, in one JSON file.

The agent writes a receipt into the file as *pending* before it first sends it, and records the
sequence as used only after an oracle accepted it. After a crash the pending receipt is sent
again unchanged, and an oracle returns the existing attestation for an identical receipt, so a
restart neither reuses nor skips a sequence.

Every write replaces the file atomically (temporary file, fsync, rename, fsync of the
directory). An advisory ``flock`` on ``<state file>.lock`` keeps a second agent off the same file.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from solders.pubkey import Pubkey

from kgpu.provider.errors import StateFileInvalidError, StateFileLockedError

__all__ = ["STATE_VERSION", "JobState", "PendingReceipt", "SequenceStore"]

STATE_VERSION = 1


@dataclass(frozen=True)
class PendingReceipt:
    """A signed receipt sent, or about to be sent, whose outcome is not recorded yet."""

    sequence: int
    oracle_url: str
    """The oracle that issued the receipt's challenge, the only one that accepts the receipt."""
    body: dict[str, Any]
    """The signed receipt exactly as posted to ``/v1/receipts``."""


@dataclass(frozen=True)
class JobState:
    """Recorded state of one job."""

    last_sequence: int = 0
    """Highest sequence an oracle accepted, or the chain settled."""
    window_end: int | None = None
    """Unix end of the last window sent, accepted or not. The next window starts here or later."""
    pending: PendingReceipt | None = None
    oracle_url: str | None = None
    """The oracle that accepted the last receipt. The agent requests the next challenge from it first."""


class SequenceStore:
    """The state file of one node key and deployment, safe to share between the agent's threads."""

    def __init__(self, path: Path, *, deployment_id: bytes, node: Pubkey) -> None:
        self.path = path
        self.deployment_id = deployment_id
        self.node = node
        self._jobs: dict[str, JobState] = {}
        self._lock = threading.Lock()
        self._lock_file: Any = None

    def open(self) -> SequenceStore:
        """Take the file lock and load the file (a missing file is an empty state).

        Raises:
            StateFileLockedError: another process has the lock.
            StateFileInvalidError: the file is not valid, or belongs to another node key or deployment.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(self.path.with_name(self.path.name + ".lock"), "a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            raise StateFileLockedError(path=str(self.path)) from None
        self._lock_file = lock_file
        try:
            self._jobs = self._load()
        except StateFileInvalidError:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Release the file lock."""
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> SequenceStore:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def job(self, address: Pubkey) -> JobState:
        """Return the recorded state of a job (the empty state for a job never served)."""
        with self._lock:
            return self._jobs.get(str(address), JobState())

    def observe_chain(self, address: Pubkey, chain_last_sequence: int) -> JobState:
        """Raise the recorded sequence to the chain's last settled one when the chain is ahead."""
        with self._lock:
            state = self._jobs.get(str(address), JobState())
            if chain_last_sequence > state.last_sequence:
                state = replace(state, last_sequence=chain_last_sequence)
                self._write({**self._jobs, str(address): state})
            return state

    def record_pending(self, address: Pubkey, pending: PendingReceipt, window_end: int) -> None:
        """Store a signed receipt before its first send. Its sequence must be the next one."""
        with self._lock:
            state = self._jobs.get(str(address), JobState())
            if state.pending is not None:
                raise RuntimeError(f"job {address} already has pending sequence {state.pending.sequence}")
            if pending.sequence != state.last_sequence + 1:
                raise RuntimeError(f"job {address}: sequence {pending.sequence} is not {state.last_sequence} + 1")
            self._write({**self._jobs, str(address): replace(state, pending=pending, window_end=window_end)})

    def record_accepted(self, address: Pubkey, sequence: int) -> None:
        """Mark the pending receipt's sequence as used after an oracle accepted it."""
        self._finish(address, sequence, used=True)

    def record_rejected(self, address: Pubkey, sequence: int) -> None:
        """Drop a pending receipt the oracle rejected. Its sequence stays free for the next receipt."""
        self._finish(address, sequence, used=False)

    def _finish(self, address: Pubkey, sequence: int, *, used: bool) -> None:
        with self._lock:
            state = self._jobs.get(str(address), JobState())
            if state.pending is None or state.pending.sequence != sequence:
                raise RuntimeError(f"job {address} has no pending sequence {sequence}")
            if used:
                state = replace(state, last_sequence=max(state.last_sequence, sequence), oracle_url=state.pending.oracle_url)
            self._write({**self._jobs, str(address): replace(state, pending=None)})

    def _load(self) -> dict[str, JobState]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StateFileInvalidError(path=str(self.path), reason=str(error)) from None
        try:
            data = json.loads(text)
            if data["version"] != STATE_VERSION:
                raise ValueError(f"version {data['version']} is not {STATE_VERSION}")
            if data["deployment_id"] != self.deployment_id.hex() or data["node"] != str(self.node):
                raise ValueError("it belongs to another node key or deployment")
            jobs = {}
            for address, entry in data["jobs"].items():
                pending = entry["pending"]
                jobs[str(Pubkey.from_string(address))] = JobState(
                    last_sequence=int(entry["last_sequence"]),
                    window_end=None if entry["window_end"] is None else int(entry["window_end"]),
                    pending=None if pending is None else PendingReceipt(int(pending["sequence"]), str(pending["oracle_url"]), dict(pending["body"])),
                    oracle_url=entry.get("oracle_url"),
                )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise StateFileInvalidError(path=str(self.path), reason=f"{type(error).__name__}: {error}") from None
        return jobs

    def _write(self, jobs: dict[str, JobState]) -> None:
        document = {
            "version": STATE_VERSION,
            "deployment_id": self.deployment_id.hex(),
            "node": str(self.node),
            "jobs": {address: asdict(state) for address, state in sorted(jobs.items())},
        }
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        # The in-memory copy changes only after the file contains the new state.
        self._jobs = jobs
