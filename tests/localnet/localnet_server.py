"""Start and stop kgpu-localnet (or solana-test-validator) as a subprocess on free ports."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ENGINES = ("litesvm", "solana-test-validator")
# Short slots make `finalized` (32 slots behind) arrive in about 3 s instead of 13 s.
TEST_SLOT_MS = 100
STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_pair() -> int:
    """Return a port P such that P and P + 1 were both free (solana-test-validator needs P + 1)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no pair of adjacent free ports found")


@dataclass
class Localnet:
    engine: str
    rpc_url: str
    ws_url: str
    ledger: Path
    process: subprocess.Popen
    args: list[str]
    log_path: Path

    def call(self, method: str, params: list | None = None) -> dict:
        """Send one JSON-RPC request and return the whole response object."""
        payload = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            payload["params"] = params
        response = requests.post(self.rpc_url, json=payload, timeout=30)
        response.raise_for_status()
        return response.json()

    def result(self, method: str, params: list | None = None):
        response = self.call(method, params)
        assert "error" not in response, response
        return response["result"]


def start_localnet(engine: str, ledger: Path, extra: list[str] | None = None, reset: bool = True) -> Localnet:
    port = free_port_pair()
    args = [
        sys.executable, "-m", "kgpu_localnet.cli",
        "--engine", engine,
        "--rpc-port", str(port),
        "--ws-port", str(port + 1),
        "--ledger", str(ledger),
        "--slot-ms", str(TEST_SLOT_MS),
        "--slots-per-epoch", "64",
        "--quiet",
    ]
    if engine == "solana-test-validator":
        args = [arg for arg in args if arg not in ("--slot-ms", str(TEST_SLOT_MS), "--slots-per-epoch", "64")]
    if reset:
        args.append("--reset")
    args += extra or []
    # The server's output goes to a file next to the ledger, because a pipe that is never read
    # could fill up and block the server.
    log_path = ledger.parent / f"{ledger.name}-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT)
    net = Localnet(engine, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port + 1}", ledger, process, args, log_path)
    wait_ready(net)
    return net


def wait_ready(net: Localnet) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if net.process.poll() is not None:
            output = net.log_path.read_text(errors="replace")
            raise RuntimeError(f"{net.engine} exited with {net.process.returncode}:\n{output}")
        try:
            if requests.get(net.rpc_url + "/health", timeout=1).text == "ok":
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    stop_localnet(net)
    raise RuntimeError(f"{net.engine} did not answer /health within {STARTUP_TIMEOUT_S} s")


def stop_localnet(net: Localnet, sig: int = signal.SIGTERM) -> None:
    if net.process.poll() is None:
        net.process.send_signal(sig)
        try:
            net.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            net.process.kill()
            net.process.wait()


def engine_available(engine: str) -> bool:
    return engine == "litesvm" or shutil.which(engine) is not None
