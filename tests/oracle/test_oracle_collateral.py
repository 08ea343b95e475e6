"""Holdings reports: ISIN check digits, EIP-712 signer recovery, valuation and rejections."""

from __future__ import annotations

import copy
import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgpu_oracle.collateral import HaircutTable, sign_report, verify_report
from kgpu_oracle.errors import EvidenceError
from kgpu_oracle.isin import is_valid_isin, isin_check_digit

from kgpu_oracle_testkit import CUSTODIAN_ADDRESS, CUSTODIAN_KEY, DEPLOYMENT_ID, example_report

TODAY = dt.date(2025, 7, 22)


def _verify(report, signature=None, **options):
    signature = signature or sign_report(report, DEPLOYMENT_ID, CUSTODIAN_KEY)
    options.setdefault("today", TODAY)
    return verify_report(report, signature, custodian_address=CUSTODIAN_ADDRESS, deployment_id=DEPLOYMENT_ID, **options)


@pytest.mark.parametrize("isin", ["KR103501GF30", "KR103503GF38", "KR103502GFC1", "US0378331005", "GB0002634946"])
def test_isin_valid(isin: str) -> None:
    assert is_valid_isin(isin)


@pytest.mark.parametrize("isin", ["KR103501GF31", "KR103501GF3", "kr103501GF30", "KR10350!GF30", "1R103501GF30"])
def test_isin_invalid(isin: str) -> None:
    assert not is_valid_isin(isin)


@given(st.from_regex(r"[A-Z]{2}[A-Z0-9]{9}", fullmatch=True))
def test_isin_single_digit_change_detected(body: str) -> None:
    check = isin_check_digit(body)
    assert is_valid_isin(body + str(check))
    assert not is_valid_isin(body + str((check + 1) % 10))


def test_example_report_valuation() -> None:
    valuation = _verify(example_report())
    # 10 bn face each at 10128.5, 9968.0 and 10093.5 per 10,000 face.
    assert [p.market_value for p in valuation.positions] == [10_128_500_000, 9_968_000_000, 10_093_500_000]
    # Maturities 2027-03, 2028-06 (≤3y: 2%) and 2030-03 (≤5y: 3%) from 2025-07-21.
    assert [p.haircut_bps for p in valuation.positions] == [200, 200, 300]
    assert valuation.market_value == 30_190_000_000
    assert valuation.capacity == 9_925_930_000 + 9_768_640_000 + 9_790_695_000
    assert valuation.valuation_time == 1753056000
    assert valuation.payload().collateral_value == valuation.capacity


def test_valuation_rounds_down() -> None:
    report = example_report()
    report["positions"] = [dict(report["positions"][0], faceValue=3, cleanPrice="10128.5")]
    valuation = _verify(report)
    assert valuation.positions[0].market_value == 3  # 3 × 1.01285 = 3.03855
    assert valuation.capacity == 2  # 3 × 0.98 = 2.94


def test_wrong_signer_rejected() -> None:
    report = example_report()
    signature = sign_report(report, DEPLOYMENT_ID, b"\x01" * 32)
    with pytest.raises(EvidenceError) as caught:
        _verify(report, signature)
    assert caught.value.field == "signature"


def test_signature_bound_to_deployment() -> None:
    report = example_report()
    signature = sign_report(report, bytes(32), CUSTODIAN_KEY)
    with pytest.raises(EvidenceError, match="not the configured custodian"):
        _verify(report, signature)


def test_tampered_report_rejected() -> None:
    report = example_report()
    signature = sign_report(report, DEPLOYMENT_ID, CUSTODIAN_KEY)
    tampered = copy.deepcopy(report)
    tampered["positions"][0]["faceValue"] += 1
    with pytest.raises(EvidenceError) as caught:
        _verify(tampered, signature)
    assert caught.value.field == "signature"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r["positions"].append(dict(r["positions"][0])), "report.positions[3].isin"),
        (lambda r: r["positions"][1].update(isin="KR103501GF64"), "report.positions[1].isin"),
        (lambda r: r["positions"][0].update(maturityDate="2025-07-21"), "report.positions[0].maturityDate"),
        (lambda r: r["positions"][0].update(cleanPrice="abc"), "report.positions[0].cleanPrice"),
        (lambda r: r["positions"][0].update(cleanPrice="0"), "report.positions[0].cleanPrice"),
        (lambda r: r["positions"][0].update(cleanPrice="10128.12345"), "report.positions[0].cleanPrice"),
        (lambda r: r["positions"][0].update(faceValue=0), "report.positions[0].faceValue"),
        (lambda r: r.update(valuationDate="2025-07-23"), "report.valuationDate"),
        (lambda r: r.update(valuationDate="2025-07-01"), "report.valuationDate"),
        (lambda r: r.update(valuationDate="21/07/2025"), "report.valuationDate"),
        (lambda r: r.update(positions=[]), "report.positions"),
        (lambda r: r.update(extra=1), "report"),
        (lambda r: r.update(sequence=0), "report.sequence"),
        (lambda r: r.update(sequence=2**63), "report.sequence"),
        (lambda r: r["positions"][0].update(faceValue=10**15 + 1), "report.positions[0].faceValue"),
        (lambda r: r["positions"][0].update(cleanPrice="20000.0001"), "report.positions[0].cleanPrice"),
    ],
)
def test_invalid_report_names_field(mutate, field: str) -> None:
    report = example_report()
    mutate(report)
    with pytest.raises(EvidenceError) as caught:
        _verify(report, "0x" + "00" * 65)
    assert caught.value.field == field


def test_stale_limit_configurable() -> None:
    report = example_report()
    with pytest.raises(EvidenceError, match="more than 0 days old"):
        _verify(report, max_age_days=0)
    assert _verify(report, today=dt.date(2025, 7, 31), max_age_days=10).sequence == 1


def test_haircut_buckets() -> None:
    table = HaircutTable()
    day = dt.date(2024, 2, 29)
    assert table.haircut_bps(day, dt.date(2025, 2, 28)) == 100
    assert table.haircut_bps(day, dt.date(2025, 3, 1)) == 200
    assert table.haircut_bps(day, dt.date(2029, 2, 28)) == 300
    assert table.haircut_bps(day, dt.date(2034, 2, 28)) == 500
    assert table.haircut_bps(day, dt.date(2034, 3, 1)) == 800


def test_haircut_table_validation() -> None:
    with pytest.raises(ValueError):
        HaircutTable(((3, 100), (1, 200)), 800)
    with pytest.raises(ValueError):
        HaircutTable(((1, 10_000),), 800)


@settings(max_examples=40, deadline=None)
@given(
    face=st.integers(1, 10**15),
    price=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(20_000), places=4),
)
def test_market_value_exact_floor(face: int, price: Decimal) -> None:
    report = example_report()
    report["positions"] = [dict(report["positions"][0], faceValue=face, cleanPrice=str(price))]
    position = _verify(report).positions[0]
    exact = Fraction(face) * Fraction(price) / 10_000
    assert position.market_value == math.floor(exact)
    assert position.capacity == math.floor(Fraction(position.market_value) * Fraction(9_800, 10_000))
