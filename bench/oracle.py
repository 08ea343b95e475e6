"""Benchmark: usage receipts verified per second on one core, against raw ed25519 verification.

Full verification is what `POST /v1/receipts` does before touching the database: decode the JSON
body, parse and range-check the fields, check the provider's ed25519 signature, and apply the
metering rules. The raw rate verifies the same signatures over the same bytes with libsodium
(PyNaCl) and nothing else. Both run in this one process, one after the other, on the same
receipts, so the ratio compares like with like.

Run: `uv run --frozen python bench/oracle.py [--receipts N] [--repeats R]`
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

import orjson
from nacl.bindings import crypto_sign_open
from nacl.signing import SigningKey
from solders.pubkey import Pubkey
from solders.signature import Signature

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))

from kgpu_oracle.receipts import ChallengeFacts, JobFacts, check_receipt_rules, parse_receipt, sign_receipt  # noqa: E402

DEPLOYMENT_ID = hashlib.sha256(b"bench deployment").digest()
NOW = 1_753_056_000
TARGET_RATE = 5_000
TARGET_RATIO = 0.5


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=5_000, help="receipts per timed pass (default 5000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes; the fastest counts (default 5)")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    bodies, jobs, challenge = _make_receipts(args.receipts)
    parsed = [parse_receipt(orjson.loads(body), DEPLOYMENT_ID) for body in bodies]
    raw = []
    for body, receipt in zip(bodies, parsed):
        signature = bytes(Signature.from_string(orjson.loads(body)["signature"]))
        raw.append((signature + receipt.signed_bytes, receipt.provider))

    full_rate = _best_rate(_verify_full, (bodies, jobs, challenge), len(bodies), args.repeats)
    raw_rate = _best_rate(_verify_raw, (raw,), len(raw), args.repeats)
    ratio = full_rate / raw_rate

    print(f"cpu: {_cpu_model()} ({os.cpu_count()} logical), python {platform.python_version()}, pinned to one core")
    print(f"receipts per pass: {len(bodies)}, passes: {args.repeats} (fastest counts)")
    print(f"full receipt verification: {full_rate:,.0f} receipts/s (target ≥ {TARGET_RATE:,})")
    print(f"raw ed25519 verification:  {raw_rate:,.0f} signatures/s")
    print(f"ratio full/raw: {ratio:.2f} (target ≥ {TARGET_RATIO})")
    return 0 if full_rate >= TARGET_RATE and ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
