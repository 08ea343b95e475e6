"""The processes the demo starts: one kgpu-localnet and three kgpu-oracle instances.

Each runs as a child process on free 127.0.0.1 ports, with its files in the demo's temporary
directory and its output in a log file there. `Services.stop` terminates them in reverse start
order; it runs on normal exit, on errors and on Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from based58 import b58decode
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu.config import load_keypair

__all__ = [
    "LocalnetHandle",
    "OracleHandle",
    "ServiceError",
    "Services",
    "deployment_id_for",
    "free_port",
    "http_json",
]

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


class ServiceError(RuntimeError):
    """A child process failed to start or returned an error."""


def free_port(*, pair: bool = False) -> int:
    """Return a free TCP port on 127.0.0.1; with `pair`, the next port is free too."""
    for _ in range(100):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if not pair:
                return port
            try:
                with socket.socket() as second:
                    second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise ServiceError("no free port pair on 127.0.0.1")


def http_json(method: str, url: str, body: Any = None, *, timeout: float = 10.0) -> tuple[int, Any]:
    """Send one JSON request and return the status and the decoded body (None when empty)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else None
        except ValueError:
            return error.code, raw.decode(errors="replace")


def deployment_id_for(genesis_hash: str, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> bytes:
    """Return sha256(genesis hash ‖ program id), the recommended deployment id of a cluster."""
    return hashlib.sha256(b58decode(genesis_hash.encode()) + bytes(program_id)).digest()


@dataclass
class LocalnetHandle:
    """A running kgpu-localnet."""

    rpc_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def call(self, method: str, params: list[Any]) -> Any:
        """Send one JSON-RPC request and return its `result`."""
        status, payload = http_json("POST", self.rpc_url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        if status != 200 or not isinstance(payload, dict) or "error" in payload:
            raise ServiceError(f"kgpu-localnet {method} failed: HTTP {status}: {payload}")
        return payload["result"]

    def airdrop(self, address: Pubkey, lamports: int) -> None:
        """Airdrop `lamports` and wait until the balance shows them."""
        before = self.call("getBalance", [str(address), {"commitment": "confirmed"}])["value"]
        self.call("requestAirdrop", [str(address), lamports])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.call("getBalance", [str(address), {"commitment": "confirmed"}])["value"] >= before + lamports:
                return
            time.sleep(0.05)
        raise ServiceError(f"airdrop of {lamports} lamports to {address} did not arrive within 20 s")

    def faucet_keypair(self) -> Keypair:
        """Load the faucet keypair, which kgpu-localnet also makes the programs' upgrade authority.

        kgpu-localnet writes it to `<ledger>/faucet-keypair.json`, as solana-test-validator does.
        """
        database = Path(self.call("kgpu_getLedgerInfo", [])["path"])
        path = database.parent / "faucet-keypair.json"
        if not path.exists():
            raise ServiceError(f"{path} is missing: start kgpu-localnet from this version, which writes it")
        return load_keypair(path)

    def cluster_time(self) -> int:
        """Return the unix time of the latest confirmed block."""
        slot = self.call("getSlot", [{"commitment": "confirmed"}])
        return int(self.call("getBlockTime", [slot]))


@dataclass
class OracleHandle:
    """A running kgpu-oracle instance and the files it uses."""

    index: int
    url: str
    operator: Keypair
    config_path: Path
    database_path: Path
    process: subprocess.Popen[bytes] | None = None


@dataclass
class Services:
    """Child processes of one demo run, stopped together by `stop`."""

    workdir: Path
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def _spawn(self, name: str, args: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            # A new session keeps Ctrl-C in the terminal from reaching the children directly, so
            # `stop` shuts them down in order.
            process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process))
        return process, log_path

    def start_localnet(self, *, slot_ms: int = 100) -> LocalnetHandle:
        """Start kgpu-localnet with a fresh ledger and the repository's built programs."""
        port = free_port(pair=True)
        ledger = self.workdir / "ledger"
        args = [
            sys.executable, "-m", "kgpu_localnet.cli",
            "--rpc-port", str(port), "--ws-port", str(port + 1),
            "--ledger", str(ledger), "--reset", "--slot-ms", str(slot_ms), "--quiet",
        ]  # fmt: skip
        process, log_path = self._spawn("localnet", args)
        handle = LocalnetHandle(f"http://127.0.0.1:{port}", process, log_path)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServiceError(f"kgpu-localnet exited with status {process.returncode}; see {log_path}")
            try:
                if handle.call("getHealth", []) == "ok":
                    return handle
            except (OSError, ServiceError):
                pass
            time.sleep(0.1)
        raise ServiceError(f"kgpu-localnet did not respond to getHealth within {STARTUP_TIMEOUT_SECONDS:.0f} s; see {log_path}")

    def start_oracle(self, oracle: OracleHandle) -> None:
        """Start one kgpu-oracle instance from its configuration and wait for `/v1/health`."""
        args = [sys.executable, "-m", "kgpu_oracle.cli", "--config", str(oracle.config_path)]
        process, log_path = self._spawn(f"oracle-{oracle.index}", args)
        oracle.process = process
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServiceError(f"kgpu-oracle {oracle.index} exited with status {process.returncode}; see {log_path}")
            try:
                status, _ = http_json("GET", f"{oracle.url}/v1/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise ServiceError(f"kgpu-oracle {oracle.index} did not respond to /v1/health within {STARTUP_TIMEOUT_SECONDS:.0f} s; see {log_path}")

    def stop(self) -> None:
        """Terminate every child in reverse start order, and kill one that outlives the timeout."""
        while self.processes:
            _, process = self.processes.pop()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def write_keypair(path: Path, keypair: Keypair) -> Path:
    """Write `keypair` as a Solana CLI keypair file (a JSON array of 64 bytes)."""
    path.write_text(json.dumps(list(bytes(keypair))))
    return path


def oracle_config_text(
    oracle: OracleHandle,
    peers: list[OracleHandle],
    *,
    deployment_id: bytes,
    threshold: int,
    custodian_address: str,
    bank_pubkey: Pubkey,
    rpc_url: str,
    max_report_age_days: int,
    grid_factor_g_per_kwh: str,
) -> str:
    """Return the TOML configuration of one instance, in the form of `examples/oracle/oracle-1.toml`."""
    port = int(oracle.url.rsplit(":", 1)[1])
    lines = [
        f"# kgpu-oracle instance {oracle.index} of the K-GPU demo, threshold {threshold}.",
        f'deployment_id = "{deployment_id.hex()}"',
        f'operator_keypair = "operator-{oracle.index}.json"',
        f"threshold = {threshold}",
        f'custodian_address = "{custodian_address}"',
        f'bank_pubkey = "{bank_pubkey}"',
        f'database_url = "sqlite:///{oracle.database_path}"',
        f'rpc_url = "{rpc_url}"',
        "submit_transactions = true",
        'job_source = "chain"',
        'listen_host = "127.0.0.1"',
        f"listen_port = {port}",
        f"max_report_age_days = {max_report_age_days}",
        "gather_interval_seconds = 0.5",
        f"grid_factor_g_per_kwh = {grid_factor_g_per_kwh}",
        "",
    ]
    for peer in peers:
        lines += ["[[peers]]", f'url = "{peer.url}"', f'pubkey = "{peer.operator.pubkey()}"', ""]
    return "\n".join(lines)
