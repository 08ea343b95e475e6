"""Reference data loader: typed records from examples/data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kgpu import reference

REPOSITORY = Path(__file__).resolve().parents[2]


def isin_check_digit_ok(isin: str) -> bool:
    """Check an ISIN's Luhn check digit (letters expand to two digits, A = 10)."""
    digits = "".join(str(int(char, 36)) for char in isin[:-1])
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
        total += value // 10 + value % 10
    return (10 - total % 10) % 10 == int(isin[-1])


def test_ktb_issues() -> None:
    issues = reference.load_ktb_issues()

    assert len(issues) == 12
    by_isin = {issue.isin: issue for issue in issues}
    two_year = by_isin["KR103501GF30"]
    assert two_year.name == "국고02625-2703(25-1)"
    assert two_year.coupon_pct == Decimal("2.625")
    assert two_year.maturity_date == date(2027, 3, 10)
    assert two_year.price_per_10000_face == Decimal("10128.5")
    assert two_year.yield_pct == Decimal("2.416")
    assert by_isin["KR103502G6C4"].issue_date is None
    for issue in issues:
        assert re.fullmatch(r"KR[0-9A-Z]{9}[0-9]", issue.isin), issue.isin
        assert isin_check_digit_ok(issue.isin), issue.isin
        assert issue.maturity_date.day == 10
        assert issue.source


def test_short_term_paper() -> None:
    papers = reference.load_short_term_paper()

    assert {paper.isin for paper in papers} == {None, "KR310102GG17"}
    assert all(paper.rate_pct is None for paper in papers)


def test_gpu_specs_and_prices() -> None:
    specs = {(spec.gpu, spec.form_factor): spec for spec in reference.load_gpu_specs()}
    prices = reference.load_gpu_rental_prices()

    assert specs[("NVIDIA H100 SXM", "SXM5")].board_power_w == 700
    assert all(spec.board_power_w > 0 for spec in specs.values())
    vast_4090 = next(price for price in prices if price.provider == "Vast.ai" and price.gpu == "RTX 4090")
    assert (vast_4090.price_low, vast_4090.price_high) == (Decimal("0.682"), Decimal("0.875"))
    assert all(price.price_low <= price.price_high for price in prices)


def test_grid_carbon_fx() -> None:
    grid = reference.load_grid_factors()[0]
    carbon = reference.load_carbon_prices()[0]
    fx = reference.load_fx_rates()[0]

    assert (grid.country, grid.factor_tco2eq_per_mwh, grid.g_per_kwh) == ("KR", Decimal("0.4173"), Decimal("417.3"))
    assert carbon.price_krw_per_tco2 == Decimal("12750")
    assert (fx.pair, fx.rate, fx.date) == ("USD/KRW", Decimal("1439.0"), date(2025, 12, 30))


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fx_rates.csv").write_text("pair,rate,date,fixing,source,notes\nUSD/KRW,1400.5,2026-01-02,close,test,\n")
    monkeypatch.setenv("KGPU_REFERENCE_DATA", str(tmp_path))

    assert reference.reference_data_dir() == tmp_path
    assert reference.load_fx_rates()[0].rate == Decimal("1400.5")


def test_sources_name_every_file() -> None:
    data_dir = REPOSITORY / "examples" / "data"
    sources = (data_dir / "SOURCES.md").read_text(encoding="utf-8")

    for csv_file in data_dir.glob("*.csv"):
        assert f"`{csv_file.name}`" in sources, csv_file.name
