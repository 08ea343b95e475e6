"""An oracle with `job_source = "chain"` checks receipts against job accounts on kgpu-localnet.

The demo's steps set up the cluster: programs, collateral, a funded renter, an approved provider
and one open job. An in-process oracle instance then reads that job through `MarketChainReader`.
"""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from rich.console import Console
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu.demo.flow import DemoRun
from kgpu_oracle.app import create_app
from kgpu_oracle.compute import answer_digest, compute_answer, encode_answer
from kgpu_oracle.config import OracleConfig
from kgpu_oracle.market_chain import MarketChainReader
from kgpu_oracle.receipts import sign_receipt

pytestmark = pytest.mark.slow

DEPLOY = Path(__file__).resolve().parents[2] / "programs" / "target" / "deploy"
# One hour on the job's 2 GPUs of 700 W: within gpu_seconds ≤ 3,600 × 2 and energy ≤ 1,400 Wh × 1.1.
WINDOW_SECONDS = 3_600
GPU_SECONDS = 7_200
ENERGY_WH = 1_400


def _signing_key(keypair: Keypair) -> SigningKey:
    return SigningKey(bytes(keypair)[:32])


def _receipt(client: TestClient, run: DemoRun, job: Pubkey, node_key: Keypair, sequence: int) -> dict[str, Any]:
    """Solve a new challenge for `node_key` and return a receipt for `job` signed by it."""
    provider = str(node_key.pubkey())
    challenge = client.post("/v1/challenges", json={"provider": provider}).json()
    answer = encode_answer(compute_answer(bytes.fromhex(challenge["seed"]), challenge["n"]))
    answered = client.post(
        f"/v1/challenges/{challenge['challenge_id']}/answer", json={"answer": base64.b64encode(answer).decode()}
    )
    assert answered.status_code == 200, answered.text
    now = int(time.time())
    fields = {
        "job": str(job),
        "provider": provider,
        "sequence": sequence,
        "gpu_seconds": GPU_SECONDS,
        "window_start": now - WINDOW_SECONDS,
        "window_end": now,
        "energy_wh": ENERGY_WH,
        "renewable_wh": ENERGY_WH // 2,
        "challenge_id": challenge["challenge_id"],
        "answer_digest": answer_digest(answer).hex(),
    }
    return sign_receipt(fields, run.deployment_id, _signing_key(node_key))


def _chain_oracle(run: DemoRun, database: Path) -> OracleConfig:
    return OracleConfig(
        deployment_id=run.deployment_id,
        operator=Keypair(),
        peers=(),
        threshold=1,
        custodian_address=run.custodian.address,
        bank_pubkey=Pubkey.from_bytes(bytes(run.bank.verify_key)),
        database_url=f"sqlite:///{database}",
        rpc_url=run.localnet.rpc_url,
        job_source="chain",
        challenge_matrix_size=16,
    )


async def test_chain_job_receipts(tmp_path: Path) -> None:
    for name in ("kgpu_token", "kgpu_market"):
        if not (DEPLOY / f"{name}.so").exists():
            pytest.skip(f"{name}.so is not built: run `make programs`")
    run = DemoRun(workdir=tmp_path / "demo", console=Console(file=io.StringIO(), width=100))
    run.workdir.mkdir()
    try:
        await run.start_localnet()
        await run.initialize_programs()
        await run.start_oracles()
        await run.attest_collateral()
        await run.mint_to_renter()
        await run.register_provider()
        await run.open_job()
        job = run.job_address

        app = create_app(_chain_oracle(run, tmp_path / "oracle.db"), run_worker=False)
        assert isinstance(app.state.oracle.chain, MarketChainReader)
        with TestClient(app) as client:
            skipped = client.post("/v1/receipts", json=_receipt(client, run, job, run.node_key, sequence=2))
            assert skipped.status_code == 422, skipped.text
            assert skipped.json()["field"] == "sequence"
            assert "the next is 1" in skipped.json()["detail"]

            other_node = Keypair()
            foreign = client.post("/v1/receipts", json=_receipt(client, run, job, other_node, sequence=1))
            assert foreign.status_code == 422, foreign.text
            assert foreign.json()["field"] == "provider"

            accepted = client.post("/v1/receipts", json=_receipt(client, run, job, run.node_key, sequence=1))
            assert accepted.status_code == 202, accepted.text

            await run.market.close_job(caller=run.renter, job=job)
            closed = client.post("/v1/receipts", json=_receipt(client, run, job, run.node_key, sequence=2))
            assert closed.status_code == 422, closed.text
            assert closed.json()["field"] == "job"

            unknown_job = Keypair().pubkey()
            missing = client.post("/v1/receipts", json=_receipt(client, run, unknown_job, run.node_key, sequence=1))
            assert missing.status_code == 422, missing.text
            assert missing.json()["field"] == "job"
    finally:
        if hasattr(run, "rpc"):
            await run.rpc.close()
        run.services.stop()
