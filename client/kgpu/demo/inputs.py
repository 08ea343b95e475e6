"""The demo's figures, derived from the reference tables in `examples/data/` (see `SOURCES.md` there).

Every amount the demo moves comes from here, so the end-to-end test can recompute it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from kgpu.reference import (
    load_fx_rates,
    load_gpu_rental_prices,
    load_gpu_specs,
    load_grid_factors,
    load_ktb_issues,
)

__all__ = ["DemoInputs", "HoldingPosition", "load_demo_inputs"]

# Face value the custodian reports for each priced KTB issue, in KRW.
FACE_VALUE_PER_ISSUE = 10_000_000_000
GPU_MODEL = "NVIDIA H100 SXM"
GPU_COUNT = 2
# The rental quote used for the job price: Lambda's on-demand H100 SXM price per GPU-hour.
RENTAL_PROVIDER = "Lambda"
RENTAL_GPU = "H100 SXM"
# A provider on a mixed supply with 40% renewable energy, which earns K-CARBON for that share.
RENEWABLE_SHARE = Decimal("0.4")
RECEIPT_PERIOD_SECONDS = 3_600
JOB_HOURS = 2
FEE_BPS = 250
MIN_STAKE_PER_GPU = 1_000_000
UNBONDING_PERIOD = 7 * 86_400
TOKEN_HAIRCUT_BPS = 500
RENTER_DEPOSIT = 1_000_000
REDEEM_AMOUNT = 100_000
BLOCKED_JURISDICTIONS = (b"CN", b"RU")


@dataclass(frozen=True)
class HoldingPosition:
    """One KTB position of the custodian's holdings report."""

    isin: str
    name: str
    face_value: int
    clean_price: Decimal
    maturity_date: dt.date


@dataclass(frozen=True)
class DemoInputs:
    """Figures of one demo run, each with the reference row it came from."""

    valuation_date: dt.date
    positions: tuple[HoldingPosition, ...]
    gpu_model: str
    gpu_count: int
    board_power_w: int
    rental_usd_per_gpu_hour: Decimal
    usd_krw: Decimal
    usd_krw_date: dt.date
    grid_g_per_kwh: Decimal
    grid_data_year: str

    @property
    def price_per_gpu_hour(self) -> int:
        """Job price in K-GPU (KRW) per GPU-hour: the USD quote times USD/KRW, rounded down."""
        return int((self.rental_usd_per_gpu_hour * self.usd_krw).to_integral_value(ROUND_FLOOR))

    @property
    def grid_gco2_per_kwh(self) -> int:
        """The market's grid factor, a whole number of grams per kWh (the reference value rounded down)."""
        return int(self.grid_g_per_kwh.to_integral_value(ROUND_FLOOR))

    @property
    def budget(self) -> int:
        """Escrow of the job: `JOB_HOURS` hours on every GPU."""
        return self.price_per_gpu_hour * self.gpu_count * JOB_HOURS

    @property
    def stake(self) -> int:
        """The minimum stake for the provider's GPUs."""
        return MIN_STAKE_PER_GPU * self.gpu_count

    def report(self, sequence: int = 1) -> dict[str, object]:
        """Return the custodian's holdings report in the oracle's EIP-712 JSON form."""
        return {
            "sequence": sequence,
            "valuationDate": self.valuation_date.isoformat(),
            "positions": [
                {
                    "isin": position.isin,
                    "faceValue": position.face_value,
                    "cleanPrice": str(position.clean_price),
                    "maturityDate": position.maturity_date.isoformat(),
                }
                for position in self.positions
            ],
        }


def load_demo_inputs(data_dir: Path | None = None) -> DemoInputs:
    """Read the reference tables and pick the demo's figures.

    The holdings are every KTB issue with a quoted clean price, all on the latest quote date.
    The USD/KRW rate is the most recent row of `fx_rates.csv`, and the grid factor the first KR
    row of `grid_factor.csv` (the latest published).

    Raises:
        LookupError: a table lacks the row the demo needs.
    """
    priced = [issue for issue in load_ktb_issues(data_dir) if issue.price_per_10000_face is not None and issue.quote_date]
    if not priced:
        raise LookupError("ktb_issues.csv has no issue with a quoted clean price")
    valuation_date = max(issue.quote_date for issue in priced if issue.quote_date is not None)
    positions = tuple(
        HoldingPosition(issue.isin, issue.name, FACE_VALUE_PER_ISSUE, issue.price_per_10000_face, issue.maturity_date)  # type: ignore[arg-type]
        for issue in priced
        if issue.quote_date == valuation_date
    )

    specs = [spec for spec in load_gpu_specs(data_dir) if spec.gpu == GPU_MODEL]
    if len(specs) != 1:
        raise LookupError(f"gpu_specs.csv must list {GPU_MODEL!r} once, found {len(specs)} rows")

    rentals = [
        row
        for row in load_gpu_rental_prices(data_dir)
        if row.provider == RENTAL_PROVIDER and row.gpu == RENTAL_GPU and row.unit == "per GPU-hour" and row.currency == "USD"
    ]
    if not rentals:
        raise LookupError(f"gpu_rental_prices.csv has no USD per GPU-hour price of {RENTAL_GPU} from {RENTAL_PROVIDER}")

    usd = [rate for rate in load_fx_rates(data_dir) if rate.pair == "USD/KRW"]
    if not usd:
        raise LookupError("fx_rates.csv has no USD/KRW rate")
    latest_usd = max(usd, key=lambda rate: rate.date)

    grid = [factor for factor in load_grid_factors(data_dir) if factor.country == "KR"]
    if not grid:
        raise LookupError("grid_factor.csv has no KR emission factor")

    return DemoInputs(
        valuation_date=valuation_date,
        positions=positions,
        gpu_model=GPU_MODEL,
        gpu_count=GPU_COUNT,
        board_power_w=specs[0].board_power_w,
        rental_usd_per_gpu_hour=rentals[0].price_low,
        usd_krw=latest_usd.rate,
        usd_krw_date=latest_usd.date,
        grid_g_per_kwh=grid[0].g_per_kwh,
        grid_data_year=grid[0].data_year,
    )
