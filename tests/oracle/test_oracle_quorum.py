"""Quorum gathering between real uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Iterator

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI

from kgpu_oracle.app import create_app
from kgpu_oracle.chain import register_job
from kgpu_oracle.config import Peer

from kgpu_oracle_testkit import (
    JOB,
    PROVIDER,
    RunningClock,
    deposit_body,
    make_config,
    operator_keypair,
    receipt_body,
    solve_challenge,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """A uvicorn server running `app` in a background thread."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError(f"server at {self.url} did not start within 10 s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _cluster_configs(tmp_path, ports: list[int], threshold: int):
    peers_of = []
    for index in range(len(ports)):
        peers = tuple(
            Peer(f"http://127.0.0.1:{port}", operator_keypair(other).pubkey())
            for other, port in enumerate(ports)
            if other != index
        )
        peers_of.append(
            make_config(
                f"sqlite:///{tmp_path / f'oracle{index}.db'}",
                index=index,
                peers=peers,
                threshold=threshold,
                challenge_matrix_size=16,
                gather_interval_seconds=0.2,
                peer_timeout_seconds=2.0,
            )
        )
    return peers_of


@pytest.fixture
def servers() -> Iterator[list[ServerThread]]:
    running: list[ServerThread] = []
    yield running
    for server in running:
        server.stop()


def _wait_for_state(url: str, attestation_id: str, expected: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = httpx2.get(f"{url}/v1/attestations/{attestation_id}").json()
        if view["state"] == expected or time.monotonic() > deadline:
            return view
        time.sleep(0.1)


def test_quorum_with_one_instance_down(tmp_path, servers) -> None:
    ports = [_free_port() for _ in range(3)]
    configs = _cluster_configs(tmp_path, ports, threshold=2)
    for index in (0, 1):  # instance 2 never starts
        servers.append(ServerThread(_app(configs[index]), ports[index]).start())

    response = httpx2.post(f"{servers[0].url}/v1/deposits", json=deposit_body())
    assert response.status_code == 202, response.text
    view = _wait_for_state(servers[0].url, response.json()["id"], "signatures_gathered")
    assert view["state"] == "signatures_gathered"
    assert view["signers"] == sorted([str(operator_keypair(0).pubkey()), str(operator_keypair(1).pubkey())])


def test_receipt_quorum_rechecks_challenge(tmp_path, servers) -> None:
    ports = [_free_port() for _ in range(3)]
    configs = _cluster_configs(tmp_path, ports, threshold=3)
    for index in range(3):
        servers.append(ServerThread(_app(configs[index]), ports[index]).start())
    url = servers[0].url

    challenge = httpx2.post(f"{url}/v1/challenges", json={"provider": str(PROVIDER)}).json()
    answer, digest = solve_challenge(challenge)
    httpx2.post(f"{url}/v1/challenges/{challenge['challenge_id']}/answer", json={"answer": answer}).raise_for_status()
    response = httpx2.post(f"{url}/v1/receipts", json=receipt_body(challenge["challenge_id"], digest))
    assert response.status_code == 202, response.text
    view = _wait_for_state(url, response.json()["id"], "signatures_gathered")
    assert view["state"] == "signatures_gathered"
    assert len(view["signers"]) == 3


def test_bad_peer_signature_ignored(tmp_path, servers, caplog) -> None:
    ports = [_free_port() for _ in range(3)]
    configs = _cluster_configs(tmp_path, ports, threshold=2)
    bad = FastAPI()

    @bad.post("/v1/peer/sign")
    def forged(body: dict) -> dict:
        return {"signer": str(operator_keypair(2).pubkey()), "signature": str(operator_keypair(2).sign_message(b"other bytes"))}

    servers.append(ServerThread(_app(configs[0]), ports[0]).start())
    servers.append(ServerThread(bad, ports[2]).start())

    caplog.set_level(logging.WARNING, logger="kgpu_oracle")
    response = httpx2.post(f"{servers[0].url}/v1/deposits", json=deposit_body())
    attestation_id = response.json()["id"]
    deadline = time.monotonic() + 10
    while "peer_signature_invalid" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "peer_signature_invalid" in caplog.text
    view = httpx2.get(f"{servers[0].url}/v1/attestations/{attestation_id}").json()
    assert view["state"] == "verified"
    assert view["signers"] == [str(operator_keypair(0).pubkey())]

    # The honest peer comes up; the retry reaches the threshold without the forged signature.
    servers.append(ServerThread(_app(configs[1]), ports[1]).start())
    view = _wait_for_state(servers[0].url, attestation_id, "signatures_gathered")
    assert view["state"] == "signatures_gathered"
    assert str(operator_keypair(2).pubkey()) not in view["signers"]


def _app(config) -> FastAPI:
    app = create_app(config, clock=RunningClock())
    with app.state.oracle.sessions() as session:
        register_job(session, job=JOB, provider=PROVIDER, gpu_model="H100-SXM", gpu_count=2)
        session.commit()
    return app
