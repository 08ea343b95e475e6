"""Reference data for demos and tests: Korean government securities, GPU power and prices, carbon, FX.

The CSV files and their sources are in ``examples/data/`` of the repository (see ``SOURCES.md``
there). Prices and rates are :class:`~decimal.Decimal`. A value marked ``UNCONFIRMED`` or left
empty in the CSV becomes ``None``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

__all__ = [
    "CarbonPrice",
    "FxRate",
    "GpuRentalPrice",
    "GpuSpec",
    "GridFactor",
    "KtbIssue",
    "ShortTermPaper",
    "load_carbon_prices",
    "load_fx_rates",
    "load_gpu_rental_prices",
    "load_gpu_specs",
    "load_grid_factors",
    "load_ktb_issues",
    "load_short_term_paper",
    "reference_data_dir",
]

_UNCONFIRMED = "UNCONFIRMED"


def reference_data_dir() -> Path:
    """Return the reference data directory: ``KGPU_REFERENCE_DATA`` if set, else the repository's ``examples/data``."""
    configured = os.environ.get("KGPU_REFERENCE_DATA")
    if configured:
        return Path(configured)
    # NOTE: this path exists in a source checkout only. An installed wheel does not ship the
    # CSV files, so set KGPU_REFERENCE_DATA or pass data_dir there.
    return Path(__file__).resolve().parents[2] / "examples" / "data"


@dataclass(frozen=True)
class KtbIssue:
    """A Korea Treasury Bond issue (국고채) and, when known, one quoted price or yield."""

    isin: str
    name: str
    """Korean name, e.g. ``국고02625-2703(25-1)``: coupon × 1000, maturity YYMM, issue year and sequence."""
    coupon_pct: Decimal
    """Annual coupon in percent, paid in two halves a year."""
    issue_date: date | None
    maturity_date: date
    tenor: str
    quote_date: date | None
    price_per_10000_face: Decimal | None
    """Clean price in KRW per 10,000 KRW of face value."""
    yield_pct: Decimal | None
    source: str


@dataclass(frozen=True)
class ShortTermPaper:
    """A short-term government security: MSB (통화안정증권), T-bill (재정증권) or FX Stabilisation Fund bond."""

    instrument: str
    issuer: str
    isin: str | None
    name_or_series: str
    coupon_or_type: str
    issue_date: str | None
    """As published. Some rows give only a month or a rule, so this stays text."""
    maturity_date: str | None
    amount_krw: str | None
    rate_pct: Decimal | None
    source: str


@dataclass(frozen=True)
class GpuSpec:
    """Memory and board power of one GPU model and form factor."""

    gpu: str
    form_factor: str
    memory_gb: int
    memory_type: str | None
    board_power_w: int
    """Maximum board power (TDP or TGP) in watts."""
    source: str


@dataclass(frozen=True)
class GpuRentalPrice:
    """A public GPU rental price. Marketplaces quote a range, so both ends are kept."""

    provider: str
    gpu: str
    config: str
    price_low: Decimal
    price_high: Decimal
    currency: str
    unit: str
    """Unit of the price, e.g. ``per GPU-hour`` or ``per instance-hour``."""
    pricing_type: str
    as_of: str
    source: str


@dataclass(frozen=True)
class GridFactor:
    """An electricity emission factor of a national grid."""

    country: str
    factor_tco2eq_per_mwh: Decimal
    g_per_kwh: Decimal
    basis: str
    data_year: str
    publisher: str
    published_date: str
    source: str


@dataclass(frozen=True)
class CarbonPrice:
    """An emission allowance price in KRW per tonne of CO2."""

    market: str
    instrument: str
    price_krw_per_tco2: Decimal
    date: str
    source: str


@dataclass(frozen=True)
class FxRate:
    """A currency rate: KRW per one unit of the base currency of ``pair``."""

    pair: str
    rate: Decimal
    date: date
    fixing: str
    source: str


def _rows(name: str, data_dir: Path | None) -> Iterator[dict[str, str]]:
    path = (data_dir or reference_data_dir()) / name
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _optional(value: str) -> str | None:
    text = value.strip()
    return None if not text or text.startswith(_UNCONFIRMED) else text


def _optional_decimal(value: str) -> Decimal | None:
    text = _optional(value)
    return None if text is None else Decimal(text.replace(",", ""))


def _optional_date(value: str) -> date | None:
    text = _optional(value)
    return None if text is None else date.fromisoformat(text)


def load_ktb_issues(data_dir: Path | None = None) -> list[KtbIssue]:
    """Read ``ktb_issues.csv``."""
    return [
        KtbIssue(
            isin=row["isin"],
            name=row["name"],
            coupon_pct=Decimal(row["coupon_pct"]),
            issue_date=_optional_date(row["issue_date"]),
            maturity_date=date.fromisoformat(row["maturity_date"]),
            tenor=row["tenor"],
            quote_date=_optional_date(row["quote_date"]),
            price_per_10000_face=_optional_decimal(row["price_per_10000_face"]),
            yield_pct=_optional_decimal(row["yield_pct"]),
            source=row["source"],
        )
        for row in _rows("ktb_issues.csv", data_dir)
    ]


def load_short_term_paper(data_dir: Path | None = None) -> list[ShortTermPaper]:
    """Read ``short_term_govt_paper.csv``."""
    return [
        ShortTermPaper(
            instrument=row["instrument"],
            issuer=row["issuer"],
            isin=_optional(row["isin"]),
            name_or_series=row["name_or_series"],
            coupon_or_type=row["coupon_or_type"],
            issue_date=_optional(row["issue_date"]),
            maturity_date=_optional(row["maturity_date"]),
            amount_krw=_optional(row["amount_krw"]),
            rate_pct=_optional_decimal(row["rate_pct"]),
            source=row["source"],
        )
        for row in _rows("short_term_govt_paper.csv", data_dir)
    ]


def load_gpu_specs(data_dir: Path | None = None) -> list[GpuSpec]:
    """Read ``gpu_specs.csv``."""
    return [
        GpuSpec(
            gpu=row["gpu"],
            form_factor=row["form_factor"],
            memory_gb=int(row["memory_gb"]),
            memory_type=_optional(row["memory_type"]),
            board_power_w=int(row["board_power_w"]),
            source=row["source"],
        )
        for row in _rows("gpu_specs.csv", data_dir)
    ]


def load_gpu_rental_prices(data_dir: Path | None = None) -> list[GpuRentalPrice]:
    """Read ``gpu_rental_prices.csv``. A price such as ``0.682-0.875`` becomes its two ends."""
    prices = []
    for row in _rows("gpu_rental_prices.csv", data_dir):
        low_text, _, high_text = row["price"].partition("-")
        low = Decimal(low_text)
        prices.append(
            GpuRentalPrice(
                provider=row["provider"],
                gpu=row["gpu"],
                config=row["config"],
                price_low=low,
                price_high=Decimal(high_text) if high_text else low,
                currency=row["currency"],
                unit=row["unit"],
                pricing_type=row["pricing_type"],
                as_of=row["as_of"],
                source=row["source"],
            )
        )
    return prices


def load_grid_factors(data_dir: Path | None = None) -> list[GridFactor]:
    """Read ``grid_factor.csv``. The first row is the latest published factor."""
    return [
        GridFactor(
            country=row["country"],
            factor_tco2eq_per_mwh=Decimal(row["factor_tco2eq_per_mwh"]),
            g_per_kwh=Decimal(row["g_per_kwh"]),
            basis=row["basis"],
            data_year=row["data_year"],
            publisher=row["publisher"],
            published_date=row["published_date"],
            source=row["source"],
        )
        for row in _rows("grid_factor.csv", data_dir)
    ]


def load_carbon_prices(data_dir: Path | None = None) -> list[CarbonPrice]:
    """Read ``carbon_price.csv``."""
    return [
        CarbonPrice(
            market=row["market"],
            instrument=row["instrument"],
            price_krw_per_tco2=Decimal(row["price_krw_per_tco2"]),
            date=row["date"],
            source=row["source"],
        )
        for row in _rows("carbon_price.csv", data_dir)
    ]


def load_fx_rates(data_dir: Path | None = None) -> list[FxRate]:
    """Read ``fx_rates.csv``."""
    return [
        FxRate(
            pair=row["pair"],
            rate=Decimal(row["rate"]),
            date=date.fromisoformat(row["date"]),
            fixing=row["fixing"],
            source=row["source"],
        )
        for row in _rows("fx_rates.csv", data_dir)
    ]
