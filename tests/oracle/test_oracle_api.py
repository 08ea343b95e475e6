"""HTTP API of one instance on SQLite and PostgreSQL: intake, idempotency, limits and figures."""

from __future__ import annotations

import base64
import logging
import socket
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kgpu_oracle import db
from kgpu_oracle.app import create_app
from kgpu_oracle.chain import register_job
from kgpu_oracle.messages import AttestCollateral, MintDeposit, SettleReceipt, decode_message

from kgpu_oracle_testkit import (
    JOB,
    PROVIDER,
    Clock,
    deposit_body,
    example_report,
    make_config,
    receipt_body,
    signed_report_body,
    solve_challenge,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    app = create_app(make_config(database_url, challenge_matrix_size=16), clock=clock, run_worker=False)
    with app.state.oracle.sessions() as session:
        register_job(session, job=JOB, provider=PROVIDER, gpu_model="H100-SXM", gpu_count=2)
        session.commit()
    with TestClient(app) as test_client:
        yield test_client


def _count(client: TestClient, table) -> int:
    with client.app.state.oracle.sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_health(client: TestClient) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_collateral_report_accepted(client: TestClient) -> None:
    response = client.post("/v1/collateral-reports", json=signed_report_body())
    assert response.status_code == 202, response.text
    view = response.json()
    assert view["state"] == "verified"
    assert [event["state"] for event in view["history"]] == ["intake", "verified"]
    _, payload = decode_message(bytes.fromhex(view["message_hex"]))
    assert isinstance(payload, AttestCollateral)
    assert payload.collateral_value == 29_485_265_000
    assert client.get(f"/v1/attestations/{view['id']}").json()["id"] == view["id"]


def test_collateral_sequence_rules(client: TestClient) -> None:
    first = client.post("/v1/collateral-reports", json=signed_report_body(example_report(sequence=5)))
    again = client.post("/v1/collateral-reports", json=signed_report_body(example_report(sequence=5)))
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]

    changed = example_report(sequence=5)
    changed["positions"].pop()
    conflict = client.post("/v1/collateral-reports", json=signed_report_body(changed))
    assert conflict.status_code == 409
    assert conflict.json()["field"] == "report.sequence"

    older = client.post("/v1/collateral-reports", json=signed_report_body(example_report(sequence=4)))
    assert older.status_code == 409
    assert _count(client, db.CollateralReport) == 1


def test_invalid_report_changes_nothing(client: TestClient) -> None:
    body = signed_report_body()
    body["report"]["positions"][0]["isin"] = "KR103501GF31"
    response = client.post("/v1/collateral-reports", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "report.positions[0].isin"
    assert "check digit" in response.json()["detail"]
    assert _count(client, db.CollateralReport) == 0
    assert _count(client, db.Attestation) == 0


def test_deposit_accepted_once(client: TestClient) -> None:
    first = client.post("/v1/deposits", json=deposit_body())
    assert first.status_code == 202, first.text
    _, payload = decode_message(bytes.fromhex(first.json()["message_hex"]))
    assert isinstance(payload, MintDeposit)
    assert payload.amount == 1_000_000

    again = client.post("/v1/deposits", json=deposit_body())
    assert again.json()["id"] == first.json()["id"]

    conflict = client.post("/v1/deposits", json=deposit_body(amount=2_000_000))
    assert conflict.status_code == 409
    assert conflict.json()["field"] == "reference"
    assert _count(client, db.Deposit) == 1


def test_deposit_bad_signature(client: TestClient) -> None:
    body = deposit_body()
    body["amount"] += 1
    response = client.post("/v1/deposits", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "signature"


def _answered_challenge(client: TestClient) -> tuple[dict, str]:
    challenge = client.post("/v1/challenges", json={"provider": str(PROVIDER)}).json()
    answer, digest = solve_challenge(challenge)
    response = client.post(f"/v1/challenges/{challenge['challenge_id']}/answer", json={"answer": answer})
    assert response.status_code == 200, response.text
    assert response.json()["passed"] is True
    return challenge, digest


def test_receipt_flow(client: TestClient) -> None:
    challenge, digest = _answered_challenge(client)
    response = client.post("/v1/receipts", json=receipt_body(challenge["challenge_id"], digest))
    assert response.status_code == 202, response.text
    _, payload = decode_message(bytes.fromhex(response.json()["message_hex"]))
    assert isinstance(payload, SettleReceipt)
    assert payload.sequence == 1

    reused = client.post("/v1/receipts", json=receipt_body(challenge["challenge_id"], digest, sequence=2))
    assert reused.status_code == 409
    assert reused.json()["field"] == "challenge_id"

    second, second_digest = _answered_challenge(client)
    replay = client.post("/v1/receipts", json=receipt_body(second["challenge_id"], second_digest, energy_wh=1))
    assert replay.status_code == 409
    assert replay.json()["field"] == "sequence"

    skipped = client.post("/v1/receipts", json=receipt_body(second["challenge_id"], second_digest, sequence=3))
    assert skipped.status_code == 422
    next_one = client.post("/v1/receipts", json=receipt_body(second["challenge_id"], second_digest, sequence=2))
    assert next_one.status_code == 202, next_one.text


def test_wrong_answer_blocks_receipt(client: TestClient) -> None:
    challenge = client.post("/v1/challenges", json={"provider": str(PROVIDER)}).json()
    answer, digest = solve_challenge(challenge)
    raw = bytearray(base64.b64decode(answer))
    raw[0] ^= 1
    wrong = base64.b64encode(bytes(raw)).decode()
    response = client.post(f"/v1/challenges/{challenge['challenge_id']}/answer", json={"answer": wrong})
    assert response.json()["passed"] is False
    second = client.post(f"/v1/challenges/{challenge['challenge_id']}/answer", json={"answer": answer})
    assert second.status_code == 409
    receipt = client.post("/v1/receipts", json=receipt_body(challenge["challenge_id"], digest))
    assert receipt.status_code == 422
    assert receipt.json()["field"] == "challenge_id"


def test_late_answer_rejected(client: TestClient, clock: Clock) -> None:
    challenge = client.post("/v1/challenges", json={"provider": str(PROVIDER)}).json()
    answer, _ = solve_challenge(challenge)
    clock.now = challenge["deadline"] + 1
    response = client.post(f"/v1/challenges/{challenge['challenge_id']}/answer", json={"answer": answer})
    assert response.status_code == 422
    assert "deadline" in response.json()["detail"]


def test_unknown_challenge_404(client: TestClient) -> None:
    response = client.post("/v1/challenges/" + "00" * 16 + "/answer", json={"answer": ""})
    assert response.status_code == 404


def test_body_size_limit(client: TestClient) -> None:
    body = deposit_body()
    body["reference"] = "x" * 70_000
    response = client.post("/v1/deposits", json=body)
    assert response.status_code == 413


def test_peer_sign_rejects_other_message(client: TestClient) -> None:
    response = client.post("/v1/peer/sign", json={"kind": "deposit", "message_hex": "00", "deposit": deposit_body()})
    assert response.status_code == 409
    assert response.json()["field"] == "message_hex"


def test_peer_sign_requires_evidence(client: TestClient) -> None:
    response = client.post("/v1/peer/sign", json={"kind": "deposit", "message_hex": "00"})
    assert response.status_code == 422
    assert response.json()["field"] == "deposit"


def test_reserve_and_metrics(client: TestClient) -> None:
    client.post("/v1/collateral-reports", json=signed_report_body())
    reserve = client.get("/v1/reserve").json()
    assert reserve["capacity"] == 29_485_265_000
    assert reserve["collateral_value"] == 30_190_000_000
    assert reserve["supply"] == 0
    assert reserve["ratio"] is None
    assert reserve["valuation_date"] == "2025-07-21"

    metrics = client.get("/metrics").text
    assert 'kgpu_oracle_attestations_total{kind="collateral",outcome="accepted"} 1.0' in metrics
    assert 'kgpu_oracle_outbox_depth{state="verified"} 1.0' in metrics
    assert "kgpu_oracle_verification_seconds_count" in metrics


def test_provider_metrics(client: TestClient) -> None:
    challenge, digest = _answered_challenge(client)
    client.post("/v1/receipts", json=receipt_body(challenge["challenge_id"], digest))
    metrics = client.get("/metrics").text
    assert f'kgpu_oracle_provider_gpu_seconds{{provider="{PROVIDER}"}} 7200.0' in metrics
    assert f'kgpu_oracle_provider_renewable_share{{provider="{PROVIDER}"}} 0.5' in metrics
    # 0.7 kWh from the grid at 417.3 g/kWh.
    assert f'kgpu_oracle_provider_grid_co2_kg{{provider="{PROVIDER}"}} 0.29211' in metrics


def test_rate_limit(database_url: str, clock: Clock) -> None:
    app = create_app(make_config(database_url, intake_per_minute=2), clock=clock, run_worker=False)
    with TestClient(app) as client:
        codes = [client.post("/v1/deposits", json=deposit_body(reference=f"REF-{i}")).status_code for i in range(3)]
        assert codes == [202, 202, 429]
        clock.now += 60
        assert client.post("/v1/deposits", json=deposit_body(reference="REF-9")).status_code == 202


def test_receipt_rpc_down_returns_503(database_url: str, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = make_config(database_url, challenge_matrix_size=16, job_source="chain", rpc_url=f"http://127.0.0.1:{closed_port}")
    caplog.set_level(logging.ERROR, logger="kgpu_oracle")
    app = create_app(config, clock=clock, run_worker=False)
    with TestClient(app) as client:
        challenge, digest = _answered_challenge(client)
        response = client.post("/v1/receipts", json=receipt_body(challenge["challenge_id"], digest))

    assert response.status_code == 503, response.text
    assert f"reading job account {JOB} from http://127.0.0.1:{closed_port} failed" in response.json()["detail"]
    logged = [record.getMessage() for record in caplog.records if "event=job_read_failed" in record.getMessage()]
    assert len(logged) == 1
    assert f"job={JOB}" in logged[0]
    assert _count(client, db.Receipt) == 0


def test_provider_energy_json_and_page(client: TestClient) -> None:
    challenge, digest = _answered_challenge(client)
    client.post("/v1/receipts", json=receipt_body(challenge["challenge_id"], digest))

    figures = client.get("/v1/providers/energy").json()
    english = client.get("/energy?lang=en")
    korean = client.get("/energy", headers={"Accept-Language": "ko-KR,ko;q=0.9"})

    assert figures["grid_factor_g_per_kwh"] == "417.3"
    assert figures["providers"] == [{
        "provider": str(PROVIDER),
        "receipts": 1,
        "gpu_seconds": 7_200,
        "energy_wh": 1_400,
        "renewable_wh": 700,
        # 700 Wh from the grid at 417.3 g/kWh is 292.11 g, rounded down.
        "grid_co2_grams": 292,
        "avoided_co2_grams": 292,
        "renewable_share": "0.5000",
    }]
    assert english.status_code == 200
    assert "<td>2.00</td>" in english.text  # GPU-hours
    assert "<td>1.400</td>" in english.text  # kWh
    assert "<td>50.0%</td>" in english.text
    assert "<td>0.292</td>" in english.text  # grid CO2, kg
    assert 'href="/reserve?lang=en"' in english.text
    assert "공급자별 K-GPU 에너지와 탄소" in korean.text


def test_provider_energy_empty(client: TestClient) -> None:
    assert client.get("/v1/providers/energy").json()["providers"] == []
    assert "No usage receipts yet." in client.get("/energy?lang=en").text


def test_reserve_page_links_energy_page(client: TestClient) -> None:
    assert 'href="/energy?lang=ko"' in client.get("/reserve?lang=ko").text
