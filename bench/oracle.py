"""Benchmark the oracle: receipt verification rate on one core, and receipt-to-settled latency.

Verification rate. Full verification is what `POST /v1/receipts` does before touching the
database: decode the JSON body, parse and range-check the fields, check the provider's ed25519
signature, and apply the metering rules. The raw rate verifies the same signatures over the same
bytes with libsodium (PyNaCl) and nothing else. Both run in this one process, one after the
other, on the same receipts, so the ratio compares like with like.

Latency. The demo's setup (`kgpu.demo`) starts kgpu-localnet with both programs, three
kgpu-oracle instances (threshold 2) that post `kgpu_market::settle_receipt`, and opens one job.
The demo's provider agent then sends receipts one at a time. Each latency runs from the moment
the agent posts the signed receipt (`POST /v1/receipts`, after its challenge is answered) until
the job account read at `confirmed` commitment shows the receipt's sequence as `last_sequence`.
The oracles' log lines split each latency into stages. kgpu-localnet confirms a transaction when
the slot it executed in ends, so the last stage takes up to one slot (`--slot-ms`, default 400 ms
as on a real cluster).

Run: `uv run --frozen python bench/oracle.py [--part verify|latency|all] [--quick]`
(`--help` lists the sizes and settings). Exit status: 0 when every measured target is met,
1 when one is missed, 2 when the latency run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from nacl.bindings import crypto_sign_open
from nacl.signing import SigningKey
from rich.console import Console
from solders.pubkey import Pubkey
from solders.signature import Signature

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))

from kgpu.demo import DemoError, DemoRun  # noqa: E402
from kgpu.demo.clock import AcceleratedClock  # noqa: E402
from kgpu.demo.inputs import JOB_HOURS, RENEWABLE_SHARE  # noqa: E402
from kgpu.demo.services import LocalnetHandle, OracleHandle, ServiceError, Services  # noqa: E402
from kgpu.errors import KgpuError  # noqa: E402
from kgpu.provider import ChainJobSource, EnergySource, NodeConfig, ProviderAgent, PythonProver, SequenceStore, find_gpu  # noqa: E402
from kgpu.provider.metering import SystemClock  # noqa: E402
from kgpu.provider.oracle_client import OracleClient, RetryPolicy  # noqa: E402
from kgpu_oracle.receipts import ChallengeFacts, JobFacts, check_receipt_rules, parse_receipt, sign_receipt  # noqa: E402

DEPLOYMENT_ID = hashlib.sha256(b"bench deployment").digest()
NOW = 1_753_056_000
TARGET_RATE = 5_000
TARGET_RATIO = 0.5
TARGET_P95_SECONDS = 1.0


def _make_receipts(count: int) -> tuple[list[bytes], dict[bytes, JobFacts], ChallengeFacts]:
    """Build `count` signed receipt bodies from 16 providers, one job each."""
    keys = [SigningKey(hashlib.sha256(f"bench provider {i}".encode()).digest()) for i in range(16)]
    jobs: dict[bytes, JobFacts] = {}
    bodies = []
    for index in range(count):
        key = keys[index % len(keys)]
        provider = bytes(key.verify_key)
        job = hashlib.sha256(b"job" + provider).digest()
        jobs[job] = JobFacts(job, provider, True, "H100-SXM", 8, 0)
        fields = {
            "job": str(Pubkey.from_bytes(job)),
            "provider": str(Pubkey.from_bytes(provider)),
            "sequence": 1,
            "gpu_seconds": 28_000 + index % 800,
            "window_start": NOW - 3_600,
            "window_end": NOW,
            "energy_wh": 5_000 + index % 1_000,
            "renewable_wh": 2_000,
            "challenge_id": (index % 2**32).to_bytes(16, "little").hex(),
            "answer_digest": "ab" * 32,
        }
        bodies.append(orjson.dumps(sign_receipt(fields, DEPLOYMENT_ID, key)))
    challenge = ChallengeFacts(bytes(16), b"", NOW, NOW - 1, bytes.fromhex("ab" * 32), True)
    return bodies, jobs, challenge


def _verify_full(bodies: list[bytes], jobs: dict[bytes, JobFacts], challenge: ChallengeFacts) -> int:
    accepted = 0
    for body in bodies:
        receipt = parse_receipt(orjson.loads(body), DEPLOYMENT_ID)
        job = jobs[receipt.job]
        facts = ChallengeFacts(receipt.challenge_id, receipt.provider, challenge.deadline, challenge.answered_at, challenge.answer_digest, True)
        check_receipt_rules(receipt, job=job, board_power_w=700, challenge=facts, expected_sequence=1, now=NOW)
        accepted += 1
    return accepted


def _verify_raw(signed: list[tuple[bytes, bytes]]) -> int:
    for signed_message, public_key in signed:
        crypto_sign_open(signed_message, public_key)
    return len(signed)


def _best_rate(function, argument_sets: tuple, count: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function(*argument_sets)
        best = min(best, time.perf_counter() - started)
    return count / best


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_verification(receipt_count: int, repeats: int) -> bool:
    """Print the verification rates; return whether both targets are met."""
    bodies, jobs, challenge = _make_receipts(receipt_count)
    parsed = [parse_receipt(orjson.loads(body), DEPLOYMENT_ID) for body in bodies]
    raw = []
    for body, receipt in zip(bodies, parsed):
        signature = bytes(Signature.from_string(orjson.loads(body)["signature"]))
        raw.append((signature + receipt.signed_bytes, receipt.provider))

    # The rates are per core, so the process stays on one CPU while it measures them.
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if affinity is not None:
        os.sched_setaffinity(0, {min(affinity)})
    try:
        full_rate = _best_rate(_verify_full, (bodies, jobs, challenge), len(bodies), repeats)
        raw_rate = _best_rate(_verify_raw, (raw,), len(raw), repeats)
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
    ratio = full_rate / raw_rate

    print(f"cpu: {_cpu_model()} ({os.cpu_count()} logical), python {platform.python_version()}, pinned to one core")
    print(f"receipts per pass: {len(bodies)}, passes: {repeats} (fastest counts)")
    print(f"full receipt verification: {full_rate:,.0f} receipts/s (target ≥ {TARGET_RATE:,})")
    print(f"raw ed25519 verification:  {raw_rate:,.0f} signatures/s")
    print(f"ratio full/raw: {ratio:.2f} (target ≥ {TARGET_RATIO})")
    return full_rate >= TARGET_RATE and ratio >= TARGET_RATIO


# Receipt-to-settled latency on localnet

# The oracle log lines that mark each stage of a receipt's attestation, in order.
STAGE_EVENTS = ("evidence_accepted", "signatures_gathered", "attestation_sent")
LOG_LINE = re.compile(r"^ts=(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ event=(?P<event>\w+) .*?\battestation=(?P<id>[0-9a-f]+)")
SETTLE_TIMEOUT_SECONDS = 30.0
# The demo job's escrow pays JOB_HOURS on each of its GPUs, so receipts up to that much wall time are paid in full.
BUDGET_WINDOW_SECONDS = JOB_HOURS * 3_600


@dataclass
class ReceiptTiming:
    """Unix times of one receipt's stages, from the provider's POST to its settlement on chain."""

    sequence: int
    attestation_id: str
    submitted_at: float
    settled_at: float
    oracle_events: dict[str, float] = field(default_factory=dict)
    """Oracle log event name to its time, for the events of `STAGE_EVENTS` and `attestation_confirmed`."""

    @property
    def latency(self) -> float:
        return self.settled_at - self.submitted_at


class TimedOracleClient(OracleClient):
    """OracleClient that stores the unix time just before it posts each receipt, by sequence."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submitted_at: dict[int, float] = {}

    def submit_receipt(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        self.submitted_at[int(body["sequence"])] = time.time()
        return super().submit_receipt(url, body)


@dataclass
class BenchServices(Services):
    """The demo's child processes, with the bench's slot time and oracle settings."""

    slot_ms: int = 400
    oracle_settings: dict[str, str] = field(default_factory=dict)

    def start_localnet(self, *, slot_ms: int | None = None) -> LocalnetHandle:
        return super().start_localnet(slot_ms=self.slot_ms if slot_ms is None else slot_ms)

    def start_oracle(self, oracle: OracleHandle) -> None:
        oracle.config_path.write_text(_with_settings(oracle.config_path.read_text(), self.oracle_settings))
        super().start_oracle(oracle)


def _with_settings(config_text: str, settings: dict[str, str]) -> str:
    """Set top-level TOML keys of an oracle configuration, replacing lines that set them already.

    Values are TOML literals. New keys go before the first `[[peers]]` table, where they are still
    top-level keys.
    """
    lines = config_text.splitlines()
    missing = dict(settings)
    for index, line in enumerate(lines):
        key = line.split("=", 1)[0].strip()
        if "=" in line and key in missing:
            lines[index] = f"{key} = {missing.pop(key)}"
    new_lines = [f"{key} = {value}" for key, value in missing.items()]
    first_table = next((index for index, line in enumerate(lines) if line.startswith("[")), len(lines))
    lines[first_table:first_table] = new_lines
    return "\n".join(lines) + "\n"


def _percentile(values: list[float], fraction: float) -> float:
    """Return the `fraction` percentile with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _read_oracle_events(log_paths: list[Path]) -> dict[str, dict[str, float]]:
    """Return attestation id → {event: unix time} from the oracles' log files.

    The oracle writes `ts=` in local time with milliseconds (`kgpu_oracle.logs`), which
    `time.mktime` converts back in the same time zone.
    """
    events: dict[str, dict[str, float]] = {}
    for path in log_paths:
        for line in path.read_text(errors="replace").splitlines():
            match = LOG_LINE.match(line)
            if match is None:
                continue
            stamp = datetime.strptime(match["ts"], "%Y-%m-%d %H:%M:%S,%f")
            at = time.mktime(stamp.timetuple()) + stamp.microsecond / 1e6
            events.setdefault(match["id"], {}).setdefault(match["event"], at)
    return events


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _print_latency(timings: list[ReceiptTiming], *, slot_ms: int, settings: dict[str, str], poll_seconds: float) -> bool:
    """Print the latency summary and the stage table; return whether p95 meets the target."""
    latencies = [timing.latency for timing in timings]
    p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
    met = p95 < TARGET_P95_SECONDS
    print(f"receipts: {len(timings)}, sent one at a time; slot time {slot_ms} ms; settlement polled every {_ms(poll_seconds)} ms")
    print("oracle settings: " + ", ".join(f"{key} = {value}" for key, value in settings.items()))
    print(
        f"receipt-to-settled latency: p50 {_ms(p50)} ms, p95 {_ms(p95)} ms, max {_ms(max(latencies))} ms "
        f"(target p95 < {_ms(TARGET_P95_SECONDS)} ms: {'met' if met else 'missed'})"
    )
    print(f"kgpu-localnet confirms a transaction when its slot ends, so the last stage takes up to one slot ({slot_ms} ms)")

    # Each stage ends at the next mark, so the stage times of a receipt add up to its latency.
    marks = [("submitted", "POST /v1/receipts until the oracle stored and signed it")]
    marks += [
        ("evidence_accepted", "accepted until a peer's signature made the threshold"),
        ("signatures_gathered", "threshold reached until settle_receipt was sent"),
        ("attestation_sent", "sent until the job shows it at confirmed commitment"),
    ]
    complete = [timing for timing in timings if all(event in timing.oracle_events for event in STAGE_EVENTS)]
    if not complete:
        print("stage times: no receipt has all oracle log lines, so the stages are not shown")
        return met
    print(f"stages ({len(complete)} receipts with every oracle log line)   p50 ms   p95 ms   max ms")
    for index, (start_event, description) in enumerate(marks):
        durations = []
        for timing in complete:
            start = timing.submitted_at if start_event == "submitted" else timing.oracle_events[start_event]
            end = timing.oracle_events[marks[index + 1][0]] if index + 1 < len(marks) else timing.settled_at
            durations.append(end - start)
        print(f"  {description:<58} {_ms(_percentile(durations, 0.5)):>6} {_ms(_percentile(durations, 0.95)):>8} {_ms(max(durations)):>8}")
    lags = [timing.oracle_events["attestation_confirmed"] - timing.settled_at for timing in complete if "attestation_confirmed" in timing.oracle_events]
    if lags:
        print(
            f"the issuing oracle logged attestation_confirmed {_ms(statistics.median(lags))} ms (median) after the bench saw the "
            f"settlement; that step is outside the latency"
        )
    return met


async def _measure_receipts(
    run: DemoRun, receipt_count: int, *, window_seconds: int, poll_seconds: float, slot_seconds: float
) -> list[ReceiptTiming]:
    """Send `receipt_count` receipts through the demo's provider agent, each after the last one settled.

    Each receipt starts after a random pause of up to one slot. Without it, each receipt would
    start a fixed time after the slot boundary at which the last one settled. Every transaction
    would then land at the same point of its slot, and the wait for confirmation would not vary
    as it does for receipts that arrive at random times.
    """
    inputs = run.inputs
    config = NodeConfig(
        node_keypair=run.node_key,
        deployment_id=run.deployment_id,
        gpu=find_gpu(inputs.gpu_model),
        gpu_count=inputs.gpu_count,
        energy_source=EnergySource.MIXED,
        renewable_share=RENEWABLE_SHARE,
        oracle_urls=tuple(oracle.url for oracle in run.oracles),
        state_file=run.workdir / "provider-state.json",
        receipt_period_seconds=window_seconds,
        rpc_url=run.localnet.rpc_url,
        provider_authority=run.provider_wallet.pubkey(),
    )
    oracles = TimedOracleClient(config.oracle_urls, clock=SystemClock(), stop=threading.Event(), retry=RetryPolicy(0.2, 1.0, 3))
    # The metering clock starts far enough back that every window has ended in real time, because
    # the oracle rejects windows that end more than 300 s in the future. Sleeping advances it by
    # one window without waiting.
    clock = AcceleratedClock((receipt_count + 1) * window_seconds)
    timings: list[ReceiptTiming] = []
    try:
        with SequenceStore(config.state_file, deployment_id=config.deployment_id, node=config.node_pubkey) as store:
            agent = ProviderAgent(
                config, jobs=ChainJobSource.from_config(config), store=store, prover=PythonProver(), clock=clock, oracles=oracles
            )
            for _ in range(receipt_count):
                await asyncio.sleep(random.uniform(0, slot_seconds))
                outcomes = await asyncio.to_thread(agent.run, once=True)
                accepted = [outcome for outcome in outcomes if outcome.outcome == "accepted"]
                if len(accepted) != 1 or accepted[0].attestation is None or accepted[0].sequence is None:
                    details = "; ".join(f"{outcome.outcome}: {outcome.detail}" for outcome in outcomes) or "no open job"
                    raise RuntimeError(f"expected one receipt accepted by the oracles, got: {details}")
                sequence = accepted[0].sequence
                settled_at = await _wait_for_settlement(run, sequence, poll_seconds)
                timings.append(ReceiptTiming(sequence, accepted[0].attestation["id"], oracles.submitted_at[sequence], settled_at))
    finally:
        oracles.close()
    return timings


async def _wait_for_settlement(run: DemoRun, sequence: int, poll_seconds: float) -> float:
    """Poll the job account until its `last_sequence` reaches `sequence`; return when that was seen.

    The returned time is when the first read that shows the receipt came back, so it is late by
    up to one poll interval plus one read.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        job = await run.market.get_job(run.job_address)
        if job is not None and job.last_sequence >= sequence:
            return time.time()
        await asyncio.sleep(poll_seconds)
    raise RuntimeError(f"receipt {sequence} of job {run.job_address} did not settle within {SETTLE_TIMEOUT_SECONDS:.0f} s")


async def _run_latency(workdir: Path, args: argparse.Namespace, settings: dict[str, str]) -> list[ReceiptTiming]:
    """Set up the demo's cluster, oracles and job up to its step 7, then time the receipts."""
    run = DemoRun(workdir=workdir, console=Console(stderr=True, quiet=not args.verbose))
    run.services = BenchServices(workdir, slot_ms=args.slot_ms, oracle_settings=settings)
    try:
        await run.start_localnet()
        await run.initialize_programs()
        await run.start_oracles()
        await run.attest_collateral()
        await run.mint_to_renter()
        await run.register_provider()
        await run.open_job()
        timings = await _measure_receipts(
            run, args.latency_receipts, window_seconds=args.window_seconds, poll_seconds=args.poll_ms / 1000, slot_seconds=args.slot_ms / 1000
        )
    finally:
        if hasattr(run, "rpc"):
            await run.rpc.close()
        await asyncio.to_thread(run.services.stop)
    events = _read_oracle_events(sorted(workdir.glob("oracle-*.log")))
    for timing in timings:
        timing.oracle_events = events.get(timing.attestation_id, {})
    return timings


def run_latency(args: argparse.Namespace) -> bool | None:
    """Print the receipt-to-settled latency; return whether p95 meets the target, or None when the run failed."""
    settings = {
        "gather_interval_seconds": repr(args.gather_interval),
        # Receipts that settle in under half a second can exceed the default limit of 120 requests
        # per provider key per minute, and the agent's retry after a 429 would count as latency.
        "intake_per_minute": "10000",
    }
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kgpu-bench-oracle-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"setting up localnet, both programs, 3 oracles and a job in {workdir} (about 20 s)", flush=True)
    try:
        timings = asyncio.run(_run_latency(workdir, args, settings))
    except (DemoError, ServiceError, KgpuError, RuntimeError) as error:
        print(f"latency run failed: {error}; the ledger and process logs are kept in {workdir}", file=sys.stderr)
        return None
    met = _print_latency(timings, slot_ms=args.slot_ms, settings=settings, poll_seconds=args.poll_ms / 1000)
    if args.workdir is None and not args.keep_files:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"ledger and oracle logs: {workdir}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("verify", "latency", "all"), default="all", help="which measurement to run (default all)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 receipts × 2 passes and 5 settled receipts")
    parser.add_argument("--receipts", type=int, help="verification: receipts per timed pass (default 5000, quick 500)")
    parser.add_argument("--repeats", type=int, help="verification: timed passes, the fastest counts (default 5, quick 2)")
    parser.add_argument("--latency-receipts", type=int, help="latency: receipts sent one at a time (default 30, quick 5)")
    parser.add_argument("--slot-ms", type=int, default=400, help="latency: kgpu-localnet slot time in ms (default 400, as on a real cluster)")
    parser.add_argument(
        "--gather-interval",
        type=float,
        default=1.0,
        help="latency: oracle gather_interval_seconds, the outbox worker's poll interval in seconds "
        "(default 1.0, the oracle's own default)",
    )
    parser.add_argument("--window-seconds", type=int, default=60, help="latency: metered window of each receipt in seconds (default 60)")
    parser.add_argument("--poll-ms", type=int, default=20, help="latency: interval between reads of the job account in ms (default 20)")
    parser.add_argument("--workdir", type=Path, help="latency: folder for the ledger, oracle files and logs (default: a new temporary folder)")
    parser.add_argument("--keep-files", action="store_true", help="latency: keep the temporary folder after a successful run")
    parser.add_argument("--verbose", action="store_true", help="latency: print the demo's setup steps to stderr")
    args = parser.parse_args()
    args.receipts = args.receipts or (500 if args.quick else 5_000)
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.latency_receipts = args.latency_receipts or (5 if args.quick else 30)
    if args.latency_receipts * args.window_seconds > BUDGET_WINDOW_SECONDS:
        parser.error(
            f"--latency-receipts × --window-seconds is {args.latency_receipts * args.window_seconds} s, but the demo job's "
            f"escrow pays for at most {BUDGET_WINDOW_SECONDS} s per GPU; lower either value"
        )

    results = []
    if args.part in ("verify", "all"):
        results.append(run_verification(args.receipts, args.repeats))
    if args.part in ("latency", "all"):
        met = run_latency(args)
        if met is None:
            return 2
        results.append(met)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
