"""Shared helpers of the provider agent tests: the node key, a controlled clock, the oracle
cluster handle, node configurations, Job account bytes and a JSON-RPC endpoint for job reads.

The oracle test kit in tests/oracle supplies the deterministic keys and the deployment id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
from solders.keypair import Keypair
from solders.pubkey import Pubkey

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))

from kgpu_oracle_testkit import (  # noqa: E402
    BANK_KEY,
    CUSTODIAN_ADDRESS,
    DEPLOYMENT_ID,
    PROVIDER_KEY,
    operator_keypair,
)

from kgpu.provider import EnergySource, NodeConfig, StaticJob, find_gpu  # noqa: E402
from kgpu.provider.jobs import JOB_DISCRIMINATOR  # noqa: E402
from kgpu_oracle import db  # noqa: E402
from kgpu_oracle.chain import register_job  # noqa: E402

PROGRAM_ID = Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")

NODE_KEYPAIR = Keypair.from_seed(bytes(PROVIDER_KEY))
"""The node key of the oracle test kit, as a Solana keypair."""

ORACLE_COUNT = 3
THRESHOLD = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ManualClock:
    """A clock that moves only when the agent sleeps or a test advances it.

    Unix time starts three hours back, so receipt windows of an hour or two end before the
    oracles' real clocks.
    """

    def __init__(self) -> None:
        self.unix = float(int(time.time()) - 3 * 3600)
        self.mono = 1_000.0
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.unix

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.mono += seconds
            self.unix += seconds

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        if stop.is_set():
            return False
        self.advance(max(seconds, 0.0))
        return True


@dataclass
class OracleCluster:
    urls: list[str]
    databases: list[str]
    directory: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def register(self, job: Pubkey, *, gpu_model: str = "H100-SXM", gpu_count: int = 2, last_sequence: int = 0) -> None:
        """Record the job in the jobs table of each instance, as `kgpu-oracle register-job` does."""
        for database in self.databases:
            engine = db.make_engine(database)
            try:
                with db.make_sessionmaker(engine)() as session:
                    register_job(
                        session,
                        job=job,
                        provider=NODE_KEYPAIR.pubkey(),
                        gpu_model=gpu_model,
                        gpu_count=gpu_count,
                        last_sequence=last_sequence,
                    )
                    session.commit()
            finally:
                engine.dispose()

    def receipts(self, index: int, job: Pubkey) -> list[tuple[int, int, int]]:
        """Return (sequence, gpu_seconds, energy_wh) of the receipts instance `index` accepted for `job`."""
        from sqlalchemy import select

        engine = db.make_engine(self.databases[index])
        try:
            with db.make_sessionmaker(engine)() as session:
                rows = session.scalars(select(db.Receipt).where(db.Receipt.job == str(job)).order_by(db.Receipt.sequence))
                return [(row.sequence, row.gpu_seconds, row.energy_wh) for row in rows]
        finally:
            engine.dispose()


def write_oracle_config(directory: Path, index: int, ports: list[int]) -> Path:
    keypair_path = directory / f"operator-{index}.json"
    keypair_path.write_text(json.dumps(list(bytes(operator_keypair(index)))))
    peers = "".join(
        f'\n[[peers]]\nurl = "http://127.0.0.1:{port}"\npubkey = "{operator_keypair(other).pubkey()}"\n'
        for other, port in enumerate(ports)
        if other != index
    )
    config = directory / f"oracle-{index}.toml"
    config.write_text(
        f'deployment_id = "{DEPLOYMENT_ID.hex()}"\n'
        f'operator_keypair = "{keypair_path.name}"\n'
        f"threshold = {THRESHOLD}\n"
        f'custodian_address = "{CUSTODIAN_ADDRESS}"\n'
        f'bank_pubkey = "{Pubkey.from_bytes(bytes(BANK_KEY.verify_key))}"\n'
        f'database_url = "sqlite:///{directory / f"oracle-{index}.db"}"\n'
        f'listen_port = {ports[index]}\n'
        "challenge_matrix_size = 16\n"
        "gather_interval_seconds = 0.2\n"
        "peer_timeout_seconds = 2.0\n"
        "intake_per_minute = 1000\n"
        + peers
    )
    return config


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oracle at {url} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx2.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"oracle at {url} did not respond on /v1/health within 30 s:\n{log.read_text()[-2000:]}")


def make_node_config(
    tmp_path: Path,
    urls: list[str],
    jobs: list[StaticJob],
    *,
    gpu_model: str = "NVIDIA H100 SXM",
    gpu_count: int = 8,
    renewable_share: str = "0.4",
    **options: Any,
) -> NodeConfig:
    return NodeConfig(
        node_keypair=NODE_KEYPAIR,
        deployment_id=DEPLOYMENT_ID,
        gpu=find_gpu(gpu_model),
        gpu_count=gpu_count,
        energy_source=EnergySource.MIXED,
        renewable_share=Decimal(renewable_share),
        oracle_urls=tuple(urls),
        state_file=tmp_path / "state.json",
        static_jobs=tuple(jobs),
        **options,
    )


def job_account_bytes(
    *, provider: Pubkey, status: int = 0, gpu_count: int = 2, last_sequence: int = 0, end_time: int = 1_750_086_400
) -> bytes:
    """Build Job account data from the layout table in programs/kgpu_market/src/state.rs."""
    renter = hashlib.sha256(b"renter").digest()
    authority = hashlib.sha256(b"provider authority").digest()
    data = (
        JOB_DISCRIMINATOR
        + renter
        + bytes(provider)
        + authority
        + struct.pack("<7Q", 7, 1_500, 100_000, 90_000, 9_000, 1_000, 0)  # nonce … refunded
        + struct.pack("<qq", 1_750_000_000, end_time)  # opened_at, end_time
        + struct.pack("<6Q", last_sequence, last_sequence, 0, 0, 0, 0)  # last_sequence … co2_grams
        + struct.pack("<q", 0)  # closed_at
        + struct.pack("<IBB", gpu_count, status, 254)
        + bytes(2)
        + struct.pack("<Q", 0)  # refund_due
    )
    assert len(data) == 248
    return data


class FakeRpc:
    """A JSON-RPC endpoint that returns fixed accounts for getProgramAccounts and ignores its filters."""

    def __init__(self, accounts: list[tuple[Pubkey, bytes]]) -> None:
        self.accounts = accounts
        self.requests: list[dict[str, Any]] = []
        rpc = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rpc.requests.append(request)
                result = [
                    {
                        "pubkey": str(address),
                        "account": {
                            "data": [base64.b64encode(data).decode(), "base64"],
                            "executable": False,
                            "lamports": 2_561_280,
                            "owner": str(PROGRAM_ID),
                            "rentEpoch": 0,
                            "space": len(data),
                        },
                    }
                    for address, data in rpc.accounts
                ]
                body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeRpc":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


