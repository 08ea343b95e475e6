"""The provider agent's worker loop: one thread per open job, one receipt per period.

Per period and job the agent
1. waits until the period has passed since the window opened (the GPUs serve the job meanwhile),
2. requests a challenge, first from the oracle that accepted the job's last receipt,
3. computes C = A·B and posts it to the issuing oracle,
4. closes the window on the monotonic clock and meters it (:mod:`kgpu.provider.metering`),
5. signs the receipt with the node key, stores it as pending, and posts it to the issuing oracle,
6. records the sequence as used when the oracle accepts it.

A receipt the oracle rejects frees its sequence and drops its window, so the next receipt starts
where the rejected one ended. A failed challenge keeps the window open, and the next receipt
covers the longer window.
"""

from __future__ import annotations

import base64
import logging
import math
import signal
import threading
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any, Literal

from nacl.signing import SigningKey

from kgpu.provider.config import NodeConfig
from kgpu.provider.errors import ChainReadError
from kgpu.provider.jobs import JobSource, OpenJob
from kgpu.provider.metering import Clock, SystemClock, Usage, Window, meter_usage
from kgpu.provider.oracle_client import OracleClient, OracleRejectedError, OracleUnavailableError, RetryPolicy
from kgpu.provider.progress import NullProgress, ProgressView
from kgpu.provider.prover import Prover, PythonProver
from kgpu.provider.state import PendingReceipt, SequenceStore
from kgpu_oracle.compute import answer_digest
from kgpu_oracle.receipts import sign_receipt

__all__ = ["Outcome", "ProviderAgent", "ReceiptOutcome"]

logger = logging.getLogger("kgpu.provider")

Outcome = Literal["accepted", "rejected", "conflict", "challenge_rejected", "answer_rejected", "unavailable", "skipped"]
"""`accepted`: an oracle accepted the receipt. `rejected`: the oracle rejected the receipt (4xx),
and the sequence stays free. `conflict`: another receipt already has the sequence.
`challenge_rejected`, `answer_rejected`: the oracle rejected the challenge request or the answer,
and no receipt was sent. `unavailable`: no oracle responded. `skipped`: the window was shorter
than one second."""


@dataclass(frozen=True)
class ReceiptOutcome:
    """Result of one receipt period of a job."""

    job: str
    outcome: Outcome
    sequence: int | None = None
    oracle_url: str | None = None
    usage: Usage | None = None
    window: tuple[int, int] | None = None
    """Unix (start, end) of the metered window."""
    attestation: dict[str, Any] | None = None
    """The oracle's attestation view, when it accepted the receipt."""
    detail: str | None = None


class ProviderAgent:
    """Serves a node's open jobs until stopped, or one receipt per job with ``run(once=True)``."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        jobs: JobSource,
        store: SequenceStore,
        prover: Prover | None = None,
        clock: Clock | None = None,
        oracles: OracleClient | None = None,
        progress: ProgressView | None = None,
    ) -> None:
        self.config = config
        self.jobs = jobs
        self.store = store
        self.prover = prover or PythonProver()
        self.clock = clock or SystemClock()
        self.progress = progress or NullProgress()
        self.stop = threading.Event()
        self._job_stops: dict[str, threading.Event] = {}
        self._job_stops_lock = threading.Lock()
        self._oracles = oracles
        # Jobs whose last window, up to their end time, is done. They get no new worker.
        self._ended_jobs: set[str] = set()
        self._signing_key = SigningKey(config.node_keypair.secret())
        self._provider = str(config.node_pubkey)

    def request_stop(self) -> None:
        """Stop every job loop at its next step. Pending receipts stay in the state file."""
        self.stop.set()
        with self._job_stops_lock:
            for event in self._job_stops.values():
                event.set()

    def run(self, *, once: bool = False) -> list[ReceiptOutcome]:
        """Serve jobs until SIGINT or SIGTERM (or one period per job with ``once``) and return the outcomes."""
        oracles = self._oracles or OracleClient(
            self.config.oracle_urls,
            clock=self.clock,
            stop=self.stop,
            retry=RetryPolicy(
                self.config.retry_base_seconds,
                self.config.retry_max_seconds,
                self.config.max_attempts if once else None,
            ),
            timeout=self.config.request_timeout_seconds,
        )
        restore = self._install_signal_handlers()
        logger.info(
            "agent started: node %s, %d × %s (%d W), oracles %s, once=%s",
            self._provider,
            self.config.gpu_count,
            self.config.gpu.gpu,
            self.config.board_power_w,
            ", ".join(self.config.oracle_urls),
            once,
        )
        outcomes: list[ReceiptOutcome] = []
        try:
            self._loop(oracles, outcomes, once=once)
        finally:
            restore()
            if self._oracles is None:
                oracles.close()
            logger.info("agent stopped: %d receipts accepted", sum(o.outcome == "accepted" for o in outcomes))
        return outcomes

    # -- job threads -----------------------------------------------------------------------

    def _loop(self, oracles: OracleClient, outcomes: list[ReceiptOutcome], *, once: bool) -> None:
        workers: dict[str, tuple[threading.Thread, OpenJob]] = {}
        while not self.stop.is_set():
            try:
                open_jobs = self.jobs.open_jobs()
            except ChainReadError as error:
                logger.error("job source failed: %s", error)
                open_jobs = None
            if open_jobs is not None:
                self._reconcile(open_jobs, workers, oracles, outcomes, once=once)
            if once:
                break
            self.clock.sleep(self.config.poll_interval_seconds, self.stop)

        for address, (thread, _job) in workers.items():
            while thread.is_alive():
                # A bounded join keeps the main thread responsive to signals.
                thread.join(0.2)
            logger.debug("job %s worker finished", address)

    def _reconcile(
        self,
        open_jobs: list[OpenJob],
        workers: dict[str, tuple[threading.Thread, OpenJob]],
        oracles: OracleClient,
        outcomes: list[ReceiptOutcome],
        *,
        once: bool,
    ) -> None:
        open_addresses = {str(job.address) for job in open_jobs}
        for address in list(workers):
            thread, _job = workers[address]
            if address not in open_addresses or not thread.is_alive():
                if thread.is_alive():
                    logger.info("job %s is no longer open; stopping its worker", address)
                self._job_stop(address).set()
                if not thread.is_alive():
                    del workers[address]
                    with self._job_stops_lock:
                        self._job_stops.pop(address, None)

        used = sum(job.gpu_count for _thread, job in workers.values())
        for job in sorted(open_jobs, key=lambda job: str(job.address)):
            address = str(job.address)
            if address in workers or address in self._ended_jobs:
                continue
            if job.gpu_count > self.config.gpu_count - used:
                logger.warning(
                    "job %s needs %d GPUs but %d of %d are free; not served now",
                    address,
                    job.gpu_count,
                    self.config.gpu_count - used,
                    self.config.gpu_count,
                )
                continue
            used += job.gpu_count
            stop = self._job_stop(address)
            if self.stop.is_set():
                stop.set()
            thread = threading.Thread(
                target=self._serve_job,
                args=(job, oracles, outcomes, stop, 1 if once else None),
                name=f"job-{address[:8]}",
                daemon=True,
            )
            workers[address] = (thread, job)
            thread.start()

    def _job_stop(self, address: str) -> threading.Event:
        with self._job_stops_lock:
            return self._job_stops.setdefault(address, threading.Event())

    def _serve_job(
        self,
        job: OpenJob,
        oracles: OracleClient,
        outcomes: list[ReceiptOutcome],
        stop: threading.Event,
        periods: int | None,
    ) -> None:
        try:
            self._serve_periods(job, oracles, outcomes, stop, periods)
        except Exception:
            # The serve loop starts a new worker for the job at its next poll.
            logger.exception("job %s worker failed", job.address)
        finally:
            self.progress.done(str(job.address))

    def _serve_periods(
        self,
        job: OpenJob,
        oracles: OracleClient,
        outcomes: list[ReceiptOutcome],
        stop: threading.Event,
        periods: int | None,
    ) -> None:
        address = str(job.address)
        state = self.store.observe_chain(job.address, job.last_sequence)
        if state.pending is not None:
            outcome = self._resend_pending(job, state.pending, oracles)
            outcomes.append(outcome)
            if outcome.outcome == "unavailable":
                logger.error(
                    "job %s: pending sequence %d was not delivered, so no new receipts are sent until it is",
                    address,
                    state.pending.sequence,
                )
                return

        # A window never starts before the end of the last one sent, even if the clock went back.
        start = max(math.floor(self.clock.time()), state.window_end or 0)
        window = Window(start, self.clock.monotonic())
        served = 0
        while periods is None or served < periods:
            self.progress.update(address, "waiting", self.store.job(job.address).last_sequence + 1)
            remaining = window.monotonic_start + self.config.receipt_period_seconds - self.clock.monotonic()
            last_window = False
            if job.end_time is not None:
                # The job may be closed from its end time on, so its last window ends there.
                until_end = job.end_time - self.clock.time()
                if until_end <= 0:
                    logger.info("job %s reached its end time %d, so it gets no more receipts", address, job.end_time)
                    self._ended_jobs.add(address)
                    break
                if until_end <= remaining:
                    remaining, last_window = until_end, True
            if not self.clock.sleep(remaining, stop):
                break
            outcome, wall = self._one_receipt(job, window, oracles)
            outcomes.append(outcome)
            served += 1
            if wall is not None:
                window = window.next(wall)
            if last_window:
                self._ended_jobs.add(address)
                break
            if outcome.outcome == "unavailable" and self.store.job(job.address).pending is not None:
                break

    # -- one receipt -------------------------------------------------------------------------

    def _one_receipt(self, job: OpenJob, window: Window, oracles: OracleClient) -> tuple[ReceiptOutcome, int | None]:
        """Run steps 2–6 of the module docstring.

        Returns the outcome and the wall seconds of the window sent, or None when no receipt was sent.
        """
        address = str(job.address)
        state = self.store.job(job.address)
        sequence = state.last_sequence + 1
        first = self.config.oracle_urls.index(state.oracle_url) if state.oracle_url in self.config.oracle_urls else 0

        self.progress.update(address, "computing", sequence)
        try:
            url, challenge = oracles.request_challenge(self._provider, first=first)
        except OracleUnavailableError as error:
            logger.error("job %s seq %d: no challenge: %s", address, sequence, error)
            return ReceiptOutcome(address, "unavailable", sequence, error.url, detail=str(error)), None
        except OracleRejectedError as error:
            logger.error("job %s seq %d: challenge request rejected: %s", address, sequence, error)
            return ReceiptOutcome(address, "challenge_rejected", sequence, error.url, detail=str(error)), None

        logger.info("job %s seq %d: challenge %s (n=%d) from %s", address, sequence, challenge["challenge_id"], challenge["n"], url)
        answer = self.prover.answer(bytes.fromhex(challenge["seed"]), int(challenge["n"]))
        try:
            view = oracles.answer_challenge(url, challenge["challenge_id"], base64.b64encode(answer).decode())
        except OracleUnavailableError as error:
            logger.error("job %s seq %d: answer not delivered: %s", address, sequence, error)
            return ReceiptOutcome(address, "unavailable", sequence, error.url, detail=str(error)), None
        except OracleRejectedError as error:
            logger.error("job %s seq %d: answer rejected: %s", address, sequence, error)
            return ReceiptOutcome(address, "answer_rejected", sequence, error.url, detail=str(error)), None
        if view is not None and not view.get("passed"):
            logger.error("job %s seq %d: the Freivalds check at %s rejected the answer to challenge %s", address, sequence, url, challenge["challenge_id"])
            return ReceiptOutcome(address, "answer_rejected", sequence, url, detail="the oracle's Freivalds check failed"), None

        wall, end = window.close(self.clock.monotonic())
        if job.end_time is not None and end > job.end_time:
            # Time spent on the challenge after the job's end time is not billed.
            wall = max(0, job.end_time - window.start)
            end = window.start + wall
        if wall < 1:
            logger.warning("job %s seq %d: window shorter than 1 s, so nothing is billed", address, sequence)
            return ReceiptOutcome(address, "skipped", sequence, url, detail="window shorter than 1 s"), None
        usage = meter_usage(
            wall_seconds=wall,
            gpu_count=job.gpu_count,
            board_power_w=self.config.board_power_w,
            renewable_share=self.config.renewable_share,
        )
        fields = {
            "job": address,
            "provider": self._provider,
            "sequence": sequence,
            "gpu_seconds": usage.gpu_seconds,
            "window_start": window.start,
            "window_end": end,
            "energy_wh": usage.energy_wh,
            "renewable_wh": usage.renewable_wh,
            "challenge_id": challenge["challenge_id"],
            "answer_digest": answer_digest(answer).hex(),
        }
        body = sign_receipt(fields, self.config.deployment_id, self._signing_key)
        pending = PendingReceipt(sequence, url, body)
        self.store.record_pending(job.address, pending, end)
        logger.info(
            "job %s seq %d: window %d..%d, %d GPU-s, %d Wh (%d renewable)",
            address,
            sequence,
            window.start,
            end,
            usage.gpu_seconds,
            usage.energy_wh,
            usage.renewable_wh,
        )
        self.progress.update(address, "submitting", sequence)
        outcome = self._submit(job, pending, oracles)
        return replace(outcome, usage=usage, window=(window.start, end)), wall

    def _resend_pending(self, job: OpenJob, pending: PendingReceipt, oracles: OracleClient) -> ReceiptOutcome:
        logger.info("job %s seq %d: resending the pending receipt to %s", job.address, pending.sequence, pending.oracle_url)
        return self._submit(job, pending, oracles)

    def _submit(self, job: OpenJob, pending: PendingReceipt, oracles: OracleClient) -> ReceiptOutcome:
        address = str(job.address)
        sequence = pending.sequence
        try:
            attestation = oracles.submit_receipt(pending.oracle_url, pending.body)
        except OracleUnavailableError as error:
            logger.error("job %s seq %d: receipt not delivered, kept as pending: %s", address, sequence, error)
            return ReceiptOutcome(address, "unavailable", sequence, pending.oracle_url, detail=str(error))
        except OracleRejectedError as error:
            if error.status == 409 and error.field == "sequence":
                # Another receipt has this sequence at the oracle, so it can never be sent again.
                self.store.record_accepted(job.address, sequence)
                logger.error("job %s seq %d: sequence already used at %s: %s", address, sequence, error.url, error.detail)
                return ReceiptOutcome(address, "conflict", sequence, error.url, detail=str(error))
            self.store.record_rejected(job.address, sequence)
            logger.error("job %s seq %d: receipt rejected: %s", address, sequence, error)
            return ReceiptOutcome(address, "rejected", sequence, error.url, detail=str(error))

        self.store.record_accepted(job.address, sequence)
        logger.info("job %s seq %d: accepted by %s as attestation %s", address, sequence, pending.oracle_url, attestation.get("id"))
        self.progress.receipt_accepted(address)
        return ReceiptOutcome(address, "accepted", sequence, pending.oracle_url, attestation=attestation)

    # -- signals -----------------------------------------------------------------------------

    def _install_signal_handlers(self):  # type: ignore[no-untyped-def]
        """Route SIGINT and SIGTERM to :meth:`request_stop`.

        Returns a function that restores the previous handlers.
        """
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def handle(signum: int, _frame: FrameType | None) -> None:
            logger.info("received %s, stopping after the current step", signal.Signals(signum).name)
            self.request_stop()

        previous = {signum: signal.signal(signum, handle) for signum in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        return restore


