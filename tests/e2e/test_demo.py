"""The demo end to end: kgpu-localnet, both programs, three oracles and the provider agent, with
every balance checked against amounts worked out here from the reference data.

The run takes about 20 s of wall time on a 2-vCPU machine, most of it oracle quorum round trips.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from solana.rpc.async_api import AsyncClient

from kgpu import market
from kgpu.demo import DemoResult, load_demo_inputs, run_demo
from kgpu.demo import inputs as figures
from kgpu_oracle.market_chain import MarketChainReader, read_job_accounts
from kgpu_oracle.receipts import JobFacts

pytestmark = pytest.mark.slow

DEPLOY = Path(__file__).resolve().parents[2] / "programs" / "target" / "deploy"

# Collateral: 10 bn KRW face of each KTB quoted on 2025-07-21, valued at ⌊face × price / 10,000⌋
# and cut by the oracle's maturity haircut (2% up to 3 years, 3% up to 5 years):
#   KR103501GF30 10,128,500,000 × 0.98 = 9,925,930,000 (matures 2027-03-10)
#   KR103501GF63  9,968,000,000 × 0.98 = 9,768,640,000 (matures 2028-06-10)
#   KR103503GF38 10,093,500,000 × 0.97 = 9,790,695,000 (matures 2030-03-10)
COLLATERAL_VALUE = 29_485_265_000
# The token program's own 500 bps haircut on top.
CAPACITY = COLLATERAL_VALUE * 9_500 // 10_000
# Lambda's 3.78 USD per H100 SXM GPU-hour × 1,439.0 KRW per USD (2025-12-30), rounded down.
PRICE_PER_GPU_HOUR = 5_439
BUDGET = PRICE_PER_GPU_HOUR * 2 * 2
# One receipt: 3,600 s on 2 GPUs of 700 W, 40% renewable, grid factor ⌊417.3⌋ g per kWh.
GPU_SECONDS = 7_200
ENERGY_WH = 700 * 2
RENEWABLE_WH = 560
CO2_GRAMS = (ENERGY_WH - RENEWABLE_WH) * 417 // 1_000
PAYMENT = GPU_SECONDS * PRICE_PER_GPU_HOUR // 3_600
FEE = PAYMENT * 250 // 10_000
STAKE = 2 * 1_000_000
RENTER_DEPOSIT = 1_000_000
REDEEMED = 100_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, dict[str, object]]:
    """One full demo run, plus the `kgpu --json wallet balance` outputs and the oracle's chain
    reads of the job, taken before the demo stopped its processes."""
    for name in ("kgpu_token", "kgpu_market"):
        if not (DEPLOY / f"{name}.so").exists():
            pytest.skip(f"{name}.so is not built: run `make programs`")
    readings: dict[str, object] = {}

    async def read_while_running(result: DemoResult) -> None:
        reader = MarketChainReader(result.rpc_url)
        readings["job_facts"] = await asyncio.to_thread(reader.job, None, bytes(result.job))  # type: ignore[arg-type]
        readings["missing_job_facts"] = await asyncio.to_thread(reader.job, None, bytes(result.renter))  # type: ignore[arg-type]
        async with AsyncClient(result.rpc_url) as rpc:
            readings["job_accounts"] = await read_job_accounts(rpc, result.job)
        for role, wallet in (("renter", result.renter), ("provider", result.provider_wallet)):
            completed = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-c", "from kgpu.cli import main; main()", "--url", result.rpc_url, "--json",
                 "wallet", "balance", str(wallet)],
                capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert completed.returncode == 0, completed.stderr
            readings[role] = json.loads(completed.stdout)

    workdir = tmp_path_factory.mktemp("demo")
    with (workdir / "output.txt").open("w") as output:
        result = asyncio.run(run_demo(workdir, Console(file=output, width=100), on_finished=read_while_running))
    return result, readings


def test_reference_figures() -> None:
    inputs = load_demo_inputs()
    assert inputs.price_per_gpu_hour == PRICE_PER_GPU_HOUR
    assert inputs.budget == BUDGET
    assert inputs.grid_gco2_per_kwh == 417
    assert inputs.board_power_w == 700
    assert [position.isin for position in inputs.positions] == ["KR103501GF30", "KR103501GF63", "KR103503GF38"]
    assert figures.RENEWABLE_SHARE == Decimal("0.4")


def test_collateral_attested(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, _ = demo
    assert result.collateral_value == COLLATERAL_VALUE
    assert result.capacity == CAPACITY


def test_receipt_settled_by_oracles(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, _ = demo
    receipt = result.receipt
    assert receipt.sequence == 1
    assert receipt.gpu_seconds == GPU_SECONDS
    assert receipt.window_end - receipt.window_start == 3_600
    assert receipt.energy_wh == ENERGY_WH
    assert receipt.renewable_wh == RENEWABLE_WH
    assert receipt.payment == PAYMENT
    assert receipt.fee == FEE
    assert receipt.co2_grams == CO2_GRAMS


def test_job_closed_with_refund(demo: tuple[DemoResult, dict[str, object]]) -> None:
    job = demo[0].closed_job
    assert job.status == market.JobStatus.CLOSED
    assert job.funded == BUDGET
    assert job.paid == PAYMENT - FEE
    assert job.fees == FEE
    assert job.refunded == BUDGET - PAYMENT
    assert job.escrowed == 0


def test_final_balances_exact(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, _ = demo
    assert result.renter_balance == RENTER_DEPOSIT - PAYMENT - REDEEMED
    assert result.provider_balance == STAKE - STAKE + PAYMENT - FEE
    assert result.stake_vault == STAKE
    assert result.reward_vault == FEE
    assert result.escrow_vault == 0
    assert result.supply == RENTER_DEPOSIT + STAKE - REDEEMED
    assert result.provider_carbon == RENEWABLE_WH
    assert result.co2_grams == CO2_GRAMS


def test_blocked_jurisdiction_rejected(demo: tuple[DemoResult, dict[str, object]]) -> None:
    error = demo[0].blocked_error
    assert isinstance(error, market.JurisdictionBlockedError)
    assert "blocked list" in error.message("en")
    assert "차단 목록" in error.message("ko")


def test_reserve_endpoint_reads_chain(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, _ = demo
    assert result.reserve_url.endswith("/reserve")
    assert result.reserve["source"] == "chain"
    assert result.reserve["supply"] == RENTER_DEPOSIT + STAKE - REDEEMED
    assert result.reserve["capacity"] == CAPACITY
    assert result.reserve["collateral_value"] == COLLATERAL_VALUE


def test_cli_wallet_balance_json(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, outputs = demo
    renter = outputs["renter"]
    provider = outputs["provider"]
    assert isinstance(renter, dict) and isinstance(provider, dict)
    assert renter["ok"] is True
    assert renter["address"] == str(result.renter)
    assert renter["kgpu"]["amount"] == RENTER_DEPOSIT - PAYMENT - REDEEMED
    assert provider["kgpu"]["amount"] == PAYMENT - FEE



def test_oracle_chain_reader_job_facts(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, outputs = demo
    facts = outputs["job_facts"]
    assert isinstance(facts, JobFacts)
    assert facts.job == bytes(result.job)
    assert facts.open is False
    assert facts.gpu_model == "H100-SXM"
    assert facts.gpu_count == 2
    assert facts.last_sequence == 1
    assert outputs["missing_job_facts"] is None


def test_oracle_reads_settlement_accounts(demo: tuple[DemoResult, dict[str, object]]) -> None:
    result, outputs = demo
    accounts = outputs["job_accounts"]
    assert accounts.provider == market.provider_address(result.provider_wallet)  # type: ignore[attr-defined]
    assert accounts.provider_authority == result.provider_wallet  # type: ignore[attr-defined]
