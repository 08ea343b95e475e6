"""The reserve figures, language choice, and the /reserve page rendered by headless Chromium."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from typing import Iterator

import httpx2
import pytest
import uvicorn
from fastapi.testclient import TestClient

from kgpu_oracle.app import create_app
from kgpu_oracle.reserve import choose_language

from kgpu_oracle_testkit import Clock, deposit_body, example_report, make_config, signed_report_body


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("ko", "en-US", "ko"),
        ("en", "ko-KR", "en"),
        (None, "ko-KR,ko;q=0.9,en;q=0.8", "ko"),
        (None, "en;q=0.5, ko;q=0.8", "ko"),
        (None, "fr-FR, en;q=0.1", "en"),
        (None, "ko;q=abc, en", "en"),
        (None, None, "en"),
    ],
)
def test_choose_language(query, header, expected) -> None:
    assert choose_language(query, header) == expected


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    clock = Clock()
    app = create_app(make_config(sqlite_url, gather_interval_seconds=0.05), clock=clock)
    with TestClient(app) as test_client:
        test_client.post("/v1/collateral-reports", json=signed_report_body(example_report(sequence=1)))
        clock.now += 60
        test_client.post("/v1/deposits", json=deposit_body(amount=5_000_000_000))
        clock.now += 60
        test_client.post("/v1/deposits", json=deposit_body(reference="REF-2", amount=7_000_000_000))
        # With threshold 1 the worker marks each mint signed within a few passes.
        for _ in range(100):
            if test_client.get("/v1/reserve").json()["supply"] == 12_000_000_000:
                break
            time.sleep(0.05)
        yield test_client


def test_reserve_figures(client: TestClient) -> None:
    reserve = client.get("/v1/reserve").json()
    assert reserve["supply"] == 12_000_000_000
    assert reserve["capacity"] == 29_485_265_000
    assert reserve["ratio"] == round(29_485_265_000 / 12_000_000_000, 6)
    assert [point["supply"] for point in reserve["history"]] == [0, 5_000_000_000, 12_000_000_000]
    assert reserve["attestation_age_seconds"] == 120


def test_reserve_page_languages(client: TestClient) -> None:
    korean = client.get("/reserve", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).text
    assert '<html lang="ko">' in korean
    assert "토큰 발행량" in korean
    assert "12,000,000,000원" in korean
    english = client.get("/reserve?lang=en", headers={"Accept-Language": "ko"}).text
    assert "Token supply" in english
    assert "12,000,000,000 KRW" in english
    assert "<svg" in english
    assert 'class="series-capacity"' in english
    assert "http://" not in english.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_reserve_page_rejects_unknown_language(client: TestClient) -> None:
    assert client.get("/reserve?lang=fr").status_code == 422


@pytest.mark.slow
def test_reserve_page_in_chromium(sqlite_url: str) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed; install it with `apt-get install -y chromium`")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(make_config(sqlite_url), clock=Clock())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    try:
        httpx2.post(f"http://127.0.0.1:{port}/v1/collateral-reports", json=signed_report_body()).raise_for_status()
        result = _dump_dom(browser, f"http://127.0.0.1:{port}/reserve?lang=ko")
        energy = _dump_dom(browser, f"http://127.0.0.1:{port}/energy?lang=en")
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "K-GPU 준비금 현황" in dom
    assert "29,485,265,000원" in dom
    assert 'class="series-capacity"' in dom
    assert 'href="/energy?lang=ko"' in dom
    assert energy.returncode == 0, energy.stderr[-2000:]
    assert "K-GPU energy and carbon by provider" in energy.stdout
    assert "No usage receipts yet." in energy.stdout


def _dump_dom(browser: str, url: str) -> subprocess.CompletedProcess[str]:
    """Load `url` in headless Chromium with a new profile and return the rendered DOM."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )


def test_reserve_source_is_database(client: TestClient) -> None:
    assert client.get("/v1/reserve").json()["source"] == "database"


def test_reserve_from_unreachable_chain_returns_503(sqlite_url: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    config = make_config(sqlite_url, rpc_url=f"http://127.0.0.1:{closed_port}", reserve_from_chain=True)

    with TestClient(create_app(config, clock=Clock(), run_worker=False)) as test_client:
        response = test_client.get("/v1/reserve")
        page = test_client.get("/reserve?lang=en")

    assert response.status_code == 503
    assert "check that the node is reachable" in response.json()["detail"]
    assert page.status_code == 503
