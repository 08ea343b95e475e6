"""Figures of a finished demo run and their summary table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table
from solders.pubkey import Pubkey

from kgpu import market
from kgpu.demo.inputs import DemoInputs
from kgpu.i18n import message

__all__ = ["DemoResult", "summary_table"]


@dataclass
class DemoResult:
    """Figures of a finished run, all read back from the cluster or the oracles."""

    inputs: DemoInputs
    rpc_url: str
    renter: Pubkey
    provider_wallet: Pubkey
    job: Pubkey
    collateral_value: int
    capacity: int
    supply: int
    renter_balance: int
    provider_balance: int
    stake_vault: int
    reward_vault: int
    escrow_vault: int
    provider_carbon: int
    co2_grams: int
    receipt: market.Receipt
    closed_job: market.Job
    blocked_error: market.KgpuMarketError
    reserve_url: str
    reserve: dict[str, Any]


def summary_table(result: DemoResult) -> Table:
    """Build the summary table of balances, supply, collateral, K-CARBON and CO2 in the current language."""
    table = Table(title=message("demo.step.summary"))
    table.add_column(message("demo.summary.item"))
    table.add_column(message("demo.summary.value"), justify="right")
    rows = (
        ("demo.summary.renter", result.renter_balance),
        ("demo.summary.provider", result.provider_balance),
        ("demo.summary.stake_vault", result.stake_vault),
        ("demo.summary.reward_vault", result.reward_vault),
        ("demo.summary.escrow_vault", result.escrow_vault),
        ("demo.summary.supply", result.supply),
        ("demo.summary.collateral", result.collateral_value),
        ("demo.summary.capacity", result.capacity),
        ("demo.summary.carbon", result.provider_carbon),
        ("demo.summary.co2", result.co2_grams),
    )
    for key, value in rows:
        table.add_row(message(key), f"{value:,}")
    return table
