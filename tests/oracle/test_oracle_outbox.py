"""Outbox: posting through Solana JSON-RPC, expired blockhashes, and crashes at each step."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx2
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from kgpu_oracle.app import create_app
from kgpu_oracle.messages import ED25519_PROGRAM_ID, TOKEN_PROGRAM_ID
from kgpu_oracle.outbox import CRASH_EXIT_STATUS, CRASH_POINTS, retry_delay

from kgpu_oracle_fake_rpc import FakeLedger, fake_rpc_app
from kgpu_oracle_testkit import (
    BANK_KEY,
    CUSTODIAN_ADDRESS,
    DEPLOYMENT_ID,
    RunningClock,
    deposit_body,
    make_config,
    operator_keypair,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    def __init__(self, app, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def ledger() -> Iterator[tuple[FakeLedger, str]]:
    fake = FakeLedger()
    server = _Server(fake_rpc_app(fake), _free_port())
    yield fake, server.url
    server.stop()


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_retry_delay_backoff() -> None:
    assert [retry_delay(n) for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert retry_delay(40) == 300


def test_expired_blockhash_checks_status_before_resend(tmp_path: Path, ledger) -> None:
    fake, rpc_url = ledger
    fake.drop_transactions = 1
    fake.height_step = 100  # the 150-block lifetime passes after two height queries
    config = make_config(
        f"sqlite:///{tmp_path / 'oracle.db'}", rpc_url=rpc_url, submit_transactions=True, gather_interval_seconds=0.1
    )
    server = _Server(create_app(config, clock=RunningClock()), _free_port())
    try:
        attestation_id = httpx2.post(f"{server.url}/v1/deposits", json=deposit_body()).json()["id"]
        view_url = f"{server.url}/v1/attestations/{attestation_id}"
        assert _wait_for(lambda: httpx2.get(view_url).json()["state"] == "confirmed")
        view = httpx2.get(view_url).json()
    finally:
        server.stop()

    send_calls = [index for index, (method, _) in enumerate(fake.calls) if method == "sendTransaction"]
    sent_signatures = [str(tx.signatures[0]) for tx in fake.sent]
    signatures = list(dict.fromkeys(sent_signatures))
    assert len(signatures) == 2
    first, second = signatures
    assert view["tx_signature"] == second
    first_sends = [call for call, signature in zip(send_calls, sent_signatures) if signature == first]
    second_sends = [call for call, signature in zip(send_calls, sent_signatures) if signature == second]
    status_checks = [
        index
        for index, (method, params) in enumerate(fake.calls)
        if method == "getSignatureStatuses" and params[0] == [first] and params[1] == {"searchTransactionHistory": True}
    ]
    # The first transaction is rebroadcast while valid; its status is checked before the resend.
    assert len(first_sends) >= 2
    assert status_checks
    assert first_sends[0] < status_checks[-1] < second_sends[0]
    states = [event["state"] for event in view["history"]]
    assert states[:3] == ["intake", "verified", "signatures_gathered"]
    assert states[-1] == "confirmed"
    assert "sent" in states


def test_transaction_layout(tmp_path: Path, ledger) -> None:
    fake, rpc_url = ledger
    config = make_config(f"sqlite:///{tmp_path / 'oracle.db'}", rpc_url=rpc_url, submit_transactions=True, gather_interval_seconds=0.1)
    server = _Server(create_app(config, clock=RunningClock()), _free_port())
    try:
        response = httpx2.post(f"{server.url}/v1/deposits", json=deposit_body())
        message = bytes.fromhex(response.json()["message_hex"])
        assert _wait_for(lambda: len(fake.sent) == 1)
    finally:
        server.stop()
    transaction = fake.sent[0]
    keys = transaction.message.account_keys
    programs = [keys[ix.program_id_index] for ix in transaction.message.instructions]
    assert programs == [ED25519_PROGRAM_ID, TOKEN_PROGRAM_ID]
    precompile_data = bytes(transaction.message.instructions[0].data)
    assert precompile_data[0] == 1
    assert precompile_data.endswith(message)
    assert bytes(operator_keypair(0).pubkey()) in precompile_data
    assert transaction.verify() is None


def _write_config(tmp_path: Path, rpc_url: str, port: int) -> Path:
    keypair_path = tmp_path / "operator.json"
    keypair_path.write_text(json.dumps(list(bytes(operator_keypair(0)))))
    from solders.pubkey import Pubkey

    config = f"""
deployment_id = "{DEPLOYMENT_ID.hex()}"
operator_keypair = "operator.json"
threshold = 1
custodian_address = "{CUSTODIAN_ADDRESS}"
bank_pubkey = "{Pubkey.from_bytes(bytes(BANK_KEY.verify_key))}"
database_url = "sqlite:///{tmp_path / 'oracle.db'}"
rpc_url = "{rpc_url}"
submit_transactions = true
listen_port = {port}
gather_interval_seconds = 0.1
"""
    path = tmp_path / "oracle.toml"
    path.write_text(config)
    return path


def _start_process(config_path: Path, log_path: Path, crash_at: str | None) -> subprocess.Popen:
    environment = {key: value for key, value in os.environ.items() if key != "KGPU_ORACLE_CRASH_AT"}
    if crash_at:
        environment["KGPU_ORACLE_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "kgpu_oracle.cli", "--config", str(config_path)]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=open(log_path, "ab"))


def _state(database: Path) -> tuple[str, str] | None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT id, state FROM attestations")).first()
    except Exception:
        return None
    finally:
        engine.dispose()
    return (row[0], row[1]) if row else None


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_crash_then_restart_sends_once(tmp_path: Path, ledger, crash_at: str) -> None:
    fake, rpc_url = ledger
    fake.height_step = 100
    port = _free_port()
    config_path = _write_config(tmp_path, rpc_url, port)
    log_path = tmp_path / "oracle.log"
    url = f"http://127.0.0.1:{port}"

    process = _start_process(config_path, log_path, crash_at)
    try:
        assert _wait_for(lambda: _reachable(url)), log_path.read_text()
        try:
            httpx2.post(f"{url}/v1/deposits", json=deposit_body(), timeout=10)
        except httpx2.HTTPError:
            pass  # the crash point inside the request closes the connection
        assert process.wait(timeout=20) == CRASH_EXIT_STATUS, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()

    process = _start_process(config_path, log_path, None)
    try:
        assert _wait_for(lambda: (_state(tmp_path / "oracle.db") or ("", ""))[1] == "confirmed", 30), log_path.read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)

    # A rebroadcast repeats the same signed bytes, so one distinct transaction is sent.
    assert len({str(tx.signatures[0]) for tx in fake.sent}) == 1
    assert len(fake.landed) == 1
    assert _state(tmp_path / "oracle.db")[1] == "confirmed"


def _reachable(url: str) -> bool:
    try:
        return httpx2.get(f"{url}/v1/health", timeout=1).status_code == 200
    except httpx2.HTTPError:
        return False
