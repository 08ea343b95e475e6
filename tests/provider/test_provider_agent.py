"""The agent against three real kgpu-oracle processes (threshold 2), with a controlled clock."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from rich.console import Console
from solders.pubkey import Pubkey

from kgpu_provider_testkit import (
    DEPLOYMENT_ID,
    NODE_KEYPAIR,
    PROGRAM_ID,
    THRESHOLD,
    FakeRpc,
    ManualClock,
    OracleCluster,
    free_port,
    job_account_bytes,
    make_node_config,
)
from kgpu.provider import (
    ProviderAgent,
    PythonProver,
    SequenceStore,
    StaticJob,
    StaticJobSource,
    job_source_for,
    provider_account_address,
    serve,
    summarize,
)
from kgpu.provider.progress import RichProgress
from kgpu_oracle.messages import decode_message


def _job(name: str) -> Pubkey:
    return Pubkey.from_bytes(hashlib.sha256(f"provider agent test job {name}".encode()).digest())


class ClockedProver:
    """The pure-Python prover, advancing the controlled clock by `seconds` per answer."""

    name = "python-clocked"

    def __init__(self, clock: ManualClock, seconds: float, *, corrupt: bool = False) -> None:
        self.clock = clock
        self.seconds = seconds
        self.corrupt = corrupt

    def answer(self, seed: bytes, n: int) -> bytes:
        answer = PythonProver().answer(seed, n)
        self.clock.advance(self.seconds)
        if self.corrupt:
            # Entry (0, 0) plus one, still below p, so the oracle decodes it and Freivalds rejects it.
            first = int.from_bytes(answer[:8], "little")
            answer = ((first + 1) % (2**61 - 1)).to_bytes(8, "little") + answer[8:]
        return answer


def _run_once(config, clock: ManualClock, prover=None, store_class=SequenceStore, progress=None):
    with store_class(config.state_file, deployment_id=config.deployment_id, node=config.node_pubkey) as store:
        agent = ProviderAgent(
            config,
            jobs=StaticJobSource(config.static_jobs),
            store=store,
            prover=prover or ClockedProver(clock, 0.75),
            clock=clock,
            progress=progress,
        )
        return agent.run(once=True)


def _state(path: Path, job: Pubkey) -> dict:
    return json.loads(path.read_text())["jobs"][str(job)]


def _wait_for_signers(url: str, attestation_id: str, count: int, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = httpx2.get(f"{url}/v1/attestations/{attestation_id}").json()
        if len(view["signers"]) >= count or time.monotonic() > deadline:
            return view
        time.sleep(0.2)


def test_once_meters_exact_values(oracles: OracleCluster, tmp_path: Path) -> None:
    job = _job("exact")
    oracles.register(job, gpu_model="H100-SXM", gpu_count=2)
    clock = ManualClock()
    start = int(clock.unix)
    config = make_node_config(tmp_path, oracles.urls, [StaticJob(job, 2)], receipt_period_seconds=1800.5)

    (outcome,) = _run_once(config, clock)

    # Wall time 1800.5 s of waiting + 0.75 s of computing = 1801.25 s, billed as 1801 s.
    # 700 W × 2 GPUs × 1801 s / 3600 = 700.39 Wh → 700 Wh; 40 % renewable → 280 Wh.
    assert outcome.outcome == "accepted", outcome.detail
    assert outcome.sequence == 1
    assert outcome.window == (start, start + 1801)
    deployment_id, payload = decode_message(bytes.fromhex(outcome.attestation["message_hex"]))
    assert deployment_id == DEPLOYMENT_ID
    assert payload.job == job
    assert payload.sequence == 1
    assert payload.gpu_seconds == 3602
    assert payload.window_start == start
    assert payload.window_end == start + 1801
    assert payload.energy_wh == 700
    assert payload.renewable_wh == 280

    view = _wait_for_signers(outcome.oracle_url, outcome.attestation["id"], THRESHOLD)
    assert len(view["signers"]) >= THRESHOLD
    assert _state(config.state_file, job)["last_sequence"] == 1
    assert _state(config.state_file, job)["pending"] is None


def test_wrong_answer_sends_no_receipt(oracles: OracleCluster, tmp_path: Path) -> None:
    job = _job("wrong answer")
    oracles.register(job)
    clock = ManualClock()
    config = make_node_config(tmp_path, oracles.urls, [StaticJob(job, 2)], receipt_period_seconds=600)

    (outcome,) = _run_once(config, clock, ClockedProver(clock, 0.5, corrupt=True))

    assert outcome.outcome == "answer_rejected"
    assert "Freivalds" in outcome.detail
    if config.state_file.exists():
        assert str(job) not in json.loads(config.state_file.read_text())["jobs"]
    assert all(oracles.receipts(index, job) == [] for index in range(3))

    # The sequence was not consumed: the next correct receipt is sequence 1.
    (retry,) = _run_once(config, clock)
    assert retry.outcome == "accepted", retry.detail
    assert retry.sequence == 1


@pytest.mark.parametrize(
    ("declared_model", "registered_gpus", "field"),
    [
        ("NVIDIA B200", 2, "energy_wh"),  # 1,000 W declared, the oracle allows 700 W × 1.1
        ("NVIDIA H100 SXM", 1, "gpu_seconds"),  # the agent bills 2 GPUs, the oracle's job has 1
    ],
)
def test_over_metered_receipt_rejected(oracles: OracleCluster, tmp_path: Path, declared_model: str, registered_gpus: int, field: str) -> None:
    job = _job(f"over-metered {field}")
    oracles.register(job, gpu_model="H100-SXM", gpu_count=registered_gpus)
    clock = ManualClock()
    config = make_node_config(tmp_path, oracles.urls, [StaticJob(job, 2)], gpu_model=declared_model, receipt_period_seconds=3600)

    (outcome,) = _run_once(config, clock)

    assert outcome.outcome == "rejected"
    assert f"field {field}" in outcome.detail
    state = _state(config.state_file, job)
    assert state["last_sequence"] == 0
    assert state["pending"] is None
    assert all(oracles.receipts(index, job) == [] for index in range(3))


def test_sequence_survives_restart(oracles: OracleCluster, tmp_path: Path) -> None:
    job = _job("restart")
    oracles.register(job)
    clock = ManualClock()
    config = make_node_config(tmp_path, oracles.urls, [StaticJob(job, 2)], receipt_period_seconds=900)

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with RichProgress(console) as progress:
        (first,) = _run_once(config, clock, progress=progress)
    (second,) = _run_once(config, clock)  # a new store and agent read the same state file

    assert (first.outcome, first.sequence) == ("accepted", 1)
    assert (second.outcome, second.sequence) == ("accepted", 2)
    assert second.window[0] >= first.window[1]
    assert second.oracle_url == first.oracle_url
    assert _state(config.state_file, job)["last_sequence"] == 2
    assert "(1 ✓)" in console.file.getvalue()
    index = oracles.urls.index(first.oracle_url)
    assert [row[0] for row in oracles.receipts(index, job)] == [1, 2]


def test_chain_jobs_continue_settled_sequence(oracles: OracleCluster, tmp_path: Path) -> None:
    authority = Pubkey.from_bytes(hashlib.sha256(b"agent test provider wallet").digest())
    provider = provider_account_address(authority, PROGRAM_ID)
    job = _job("chain")
    oracles.register(job, gpu_count=3, last_sequence=5)
    clock = ManualClock()
    end_time = int(clock.unix) + 7_200
    with FakeRpc([(job, job_account_bytes(provider=provider, gpu_count=3, last_sequence=5, end_time=end_time))]) as rpc:
        config = make_node_config(tmp_path, oracles.urls, [], rpc_url=rpc.url, provider_authority=authority, receipt_period_seconds=3600)
        with SequenceStore(config.state_file, deployment_id=config.deployment_id, node=config.node_pubkey) as store:
            agent = ProviderAgent(config, jobs=job_source_for(config), store=store, prover=ClockedProver(clock, 0.25), clock=clock)
            (outcome,) = agent.run(once=True)

    # The chain settled sequences 1..5, so the agent continues at 6 with the chain's GPU count.
    assert (outcome.outcome, outcome.sequence) == ("accepted", 6), outcome.detail
    assert outcome.usage.gpu_seconds == 3 * 3600
    assert outcome.usage.energy_wh == 2100


def test_last_window_ends_at_job_end_time(oracles: OracleCluster, tmp_path: Path) -> None:
    authority = Pubkey.from_bytes(hashlib.sha256(b"agent test wallet with ending job").digest())
    provider = provider_account_address(authority, PROGRAM_ID)
    job = _job("ending")
    oracles.register(job, gpu_count=1)
    clock = ManualClock()
    end_time = int(clock.unix) + 1_000
    with FakeRpc([(job, job_account_bytes(provider=provider, gpu_count=1, end_time=end_time))]) as rpc:
        config = make_node_config(tmp_path, oracles.urls, [], rpc_url=rpc.url, provider_authority=authority, receipt_period_seconds=3600)
        with SequenceStore(config.state_file, deployment_id=config.deployment_id, node=config.node_pubkey) as store:
            agent = ProviderAgent(config, jobs=job_source_for(config), store=store, prover=ClockedProver(clock, 0.25), clock=clock)
            (outcome,) = agent.run(once=True)

    # The period is an hour, but the job may be closed 1,000 s after the window opened.
    assert outcome.outcome == "accepted", outcome.detail
    assert outcome.window == (end_time - 1_000, end_time)
    assert outcome.usage.gpu_seconds == 1_000


class LosingStore(SequenceStore):
    """Loses the first `record_accepted` write, as if the agent died right after the oracle accepted."""

    lost = False

    def record_accepted(self, address, sequence) -> None:
        if not LosingStore.lost:
            LosingStore.lost = True
            return
        super().record_accepted(address, sequence)


def test_pending_receipt_resent_after_crash(oracles: OracleCluster, tmp_path: Path) -> None:
    job = _job("crash")
    oracles.register(job)
    clock = ManualClock()
    config = make_node_config(tmp_path, oracles.urls, [StaticJob(job, 2)], receipt_period_seconds=900)

    (lost,) = _run_once(config, clock, store_class=LosingStore)
    assert lost.outcome == "accepted"
    pending = _state(config.state_file, job)["pending"]
    assert pending["sequence"] == 1

    resent, fresh = _run_once(config, clock)

    assert (resent.outcome, resent.sequence) == ("accepted", 1)
    assert resent.attestation["id"] == lost.attestation["id"]
    assert (fresh.outcome, fresh.sequence) == ("accepted", 2)
    index = oracles.urls.index(lost.oracle_url)
    assert [row[0] for row in oracles.receipts(index, job)] == [1, 2]


def test_unreachable_oracles_leave_state_unchanged(tmp_path: Path) -> None:
    job = _job("unreachable")
    clock = ManualClock()
    closed = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    config = make_node_config(tmp_path, closed, [StaticJob(job, 2)], receipt_period_seconds=60, max_attempts=3, request_timeout_seconds=1.0)
    before = clock.monotonic()

    (outcome,) = _run_once(config, clock)

    assert outcome.outcome == "unavailable"
    assert "3 attempts failed" in outcome.detail
    # 60 s period, then backoff of 1 s and 2 s between the three rounds.
    assert clock.monotonic() - before == 63
    assert not config.state_file.exists()


def test_serve_once_with_system_clock(oracles: OracleCluster, tmp_path: Path) -> None:
    job = _job("system clock")
    oracles.register(job, gpu_count=1)
    (tmp_path / "node.json").write_text(json.dumps(list(bytes(NODE_KEYPAIR))))
    config_path = tmp_path / "node.toml"
    config_path.write_text(
        'node_keypair = "node.json"\n'
        f'deployment_id = "{DEPLOYMENT_ID.hex()}"\n'
        'gpu_model = "NVIDIA H100 SXM"\n'
        "gpu_count = 1\n"
        'oracle_urls = ["http://127.0.0.1:1"]\n'
        "receipt_period_seconds = 1.5\n"
        f'[[jobs]]\naddress = "{job}"\ngpu_count = 1\n'
    )

    # The command-line override replaces the unreachable oracle URL of the file.
    outcomes = serve(config_path, once=True, prover="python", interactive=False, oracle_urls=tuple(oracles.urls))

    summary = summarize(outcomes)
    assert (summary["jobs"], summary["accepted"], summary["failed"]) == (1, 1, 0)
    (receipt,) = summary["receipts"]
    wall = receipt["window"][1] - receipt["window"][0]
    assert 1 <= wall <= 3
    assert receipt["usage"]["gpu_seconds"] == wall
    assert receipt["usage"]["energy_wh"] == 700 * wall // 3600
    assert receipt["usage"]["renewable_wh"] == 0  # grid power by default


def test_sigterm_stops_serving_agent(oracles: OracleCluster, tmp_path: Path) -> None:
    job = _job("sigterm")
    oracles.register(job)
    keypair_path = tmp_path / "node.json"
    keypair_path.write_text(json.dumps(list(bytes(NODE_KEYPAIR))))
    config_path = tmp_path / "node.toml"
    urls = ", ".join(f'"{url}"' for url in oracles.urls)
    config_path.write_text(
        'node_keypair = "node.json"\n'
        f'deployment_id = "{DEPLOYMENT_ID.hex()}"\n'
        'gpu_model = "NVIDIA H100 SXM"\n'
        "gpu_count = 2\n"
        'energy_source = "solar"\n'
        f"oracle_urls = [{urls}]\n"
        "receipt_period_seconds = 3600\n"
        "poll_interval_seconds = 3600\n"
        f'[[jobs]]\naddress = "{job}"\ngpu_count = 2\n'
    )

    log_path = tmp_path / "agent.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kgpu.provider", "--config", str(config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "KGPU_LANG": "en"},
        )

    try:
        deadline = time.monotonic() + 30
        while "agent started" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()

    output = log_path.read_text()
    assert "received SIGTERM" in output
    assert "agent stopped: 0 receipts accepted" in output
    assert "Served 0 jobs: 0 receipts accepted, 0 failed." in output
