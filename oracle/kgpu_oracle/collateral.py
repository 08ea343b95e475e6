"""Custodian holdings reports: EIP-712 signature check, ISIN checks and haircut valuation.

The custodian signs its report of KTB positions as EIP-712 typed data with its secp256k1 key.
The oracle recovers the signer, checks each position, and values the collateral in whole KRW with
`Decimal` arithmetic, rounding each position down. Valuation uses the clean price, so accrued
interest is left out and the value errs low.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Sequence

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from kgpu_oracle.errors import EvidenceError
from kgpu_oracle.isin import is_valid_isin
from kgpu_oracle.messages import AttestCollateral, custodian_id_from_address

__all__ = [
    "DEFAULT_HAIRCUTS",
    "EIP712_TYPES",
    "CollateralValuation",
    "HaircutTable",
    "PositionValuation",
    "report_typed_data",
    "sign_report",
    "verify_report",
]

EIP712_DOMAIN_NAME = "K-GPU Custodian Holdings Report"
EIP712_DOMAIN_VERSION = "1"

EIP712_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "salt", "type": "bytes32"},
    ],
    "HoldingsReport": [
        {"name": "sequence", "type": "uint64"},
        {"name": "valuationDate", "type": "string"},
        {"name": "positions", "type": "Position[]"},
    ],
    "Position": [
        {"name": "isin", "type": "string"},
        {"name": "faceValue", "type": "uint256"},
        {"name": "cleanPrice", "type": "string"},
        {"name": "maturityDate", "type": "string"},
    ],
}

# Bounds that reject typing errors while staying far above any real position: 10^15 KRW is about
# the whole KTB market, and no KTB trades at twice its face. With 200 positions the total stays
# below 2^63, so it fits a BIGINT column and the u64 message field.
MAX_FACE_VALUE_KRW = 10**15
MAX_CLEAN_PRICE = Decimal(20_000)
MAX_POSITIONS = 200
PRICE_BASE = Decimal(10_000)


@dataclass(frozen=True)
class HaircutTable:
    """Haircut in basis points by years to maturity, counted from the valuation date.

    `buckets` lists `(max_years, haircut_bps)` in ascending `max_years`; a bond maturing on or
    before the valuation date plus `max_years` calendar years takes that haircut. Longer bonds take
    `over_bps`.
    """

    buckets: tuple[tuple[int, int], ...] = ((1, 100), (3, 200), (5, 300), (10, 500))
    over_bps: int = 800

    def __post_init__(self) -> None:
        years = [max_years for max_years, _ in self.buckets]
        if years != sorted(set(years)) or any(year <= 0 for year in years):
            raise ValueError("haircut buckets need distinct positive max_years in ascending order")
        for _, bps in (*self.buckets, (0, self.over_bps)):
            if not 0 <= bps < 10_000:
                raise ValueError(f"a haircut must be 0..9999 basis points, got {bps}")

    def haircut_bps(self, valuation_date: dt.date, maturity_date: dt.date) -> int:
        """Return the haircut for a bond maturing on `maturity_date`."""
        for max_years, bps in self.buckets:
            if maturity_date <= _add_years(valuation_date, max_years):
                return bps
        return self.over_bps


DEFAULT_HAIRCUTS = HaircutTable()


@dataclass(frozen=True)
class PositionValuation:
    """One position's market value and haircut-adjusted capacity, in KRW."""

    isin: str
    face_value: int
    clean_price: Decimal
    maturity_date: dt.date
    market_value: int
    haircut_bps: int
    capacity: int


@dataclass(frozen=True)
class CollateralValuation:
    """Result of a verified holdings report.

    `capacity` is the sum of haircut-adjusted position values: the supply this collateral covers,
    and the `collateral_value` the oracle signs for `attest_collateral`.
    """

    custodian: str
    sequence: int
    valuation_date: dt.date
    report_hash: bytes
    market_value: int
    capacity: int
    positions: tuple[PositionValuation, ...] = field(default_factory=tuple)

    @property
    def valuation_time(self) -> int:
        """Unix seconds of 00:00 UTC on the valuation date."""
        return calendar.timegm(self.valuation_date.timetuple())

    def payload(self) -> AttestCollateral:
        """Build the `attest_collateral` payload for this valuation."""
        return AttestCollateral(
            sequence=self.sequence,
            valuation_time=self.valuation_time,
            collateral_value=self.capacity,
            report_hash=self.report_hash,
            custodian_id=custodian_id_from_address(self.custodian),
        )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year + years, day=28)


def report_typed_data(report: Mapping[str, Any], deployment_id: bytes) -> dict[str, Any]:
    """Build the EIP-712 typed data for `report`; the domain salt is the deployment id."""
    return {
        "types": EIP712_TYPES,
        "primaryType": "HoldingsReport",
        "domain": {
            "name": EIP712_DOMAIN_NAME,
            "version": EIP712_DOMAIN_VERSION,
            "salt": deployment_id,
        },
        "message": dict(report),
    }


def sign_report(report: Mapping[str, Any], deployment_id: bytes, private_key: bytes) -> str:
    """Sign `report` as the custodian would; returns the 65-byte signature as 0x-prefixed hex."""
    signable = encode_typed_data(full_message=report_typed_data(report, deployment_id))
    return "0x" + Account.sign_message(signable, private_key).signature.hex().removeprefix("0x")


def _parse_date(field_name: str, value: Any) -> dt.date:
    if not isinstance(value, str):
        raise EvidenceError(field_name, "must be a date string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise EvidenceError(field_name, f"invalid date {value!r}; use YYYY-MM-DD") from None


def _parse_price(field_name: str, value: Any) -> Decimal:
    if not isinstance(value, str):
        raise EvidenceError(field_name, "must be a decimal string such as \"10128.5\"")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise EvidenceError(field_name, f"invalid decimal {value!r}; use digits with an optional point") from None
    if not price.is_finite() or not 0 < price <= MAX_CLEAN_PRICE:
        raise EvidenceError(field_name, f"clean price per 10,000 face must be in (0, {MAX_CLEAN_PRICE}], got {value}")
    if price.as_tuple().exponent < -4:
        raise EvidenceError(field_name, f"at most 4 decimal places are allowed, got {value}")
    return price


def _parse_int(field_name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EvidenceError(field_name, "must be an integer")
    if not low <= value <= high:
        raise EvidenceError(field_name, f"must be in {low}..{high}, got {value}")
    return value


def _check_shape(report: Any) -> None:
    if not isinstance(report, Mapping):
        raise EvidenceError("report", "must be an object with sequence, valuationDate and positions")
    expected = {"sequence", "valuationDate", "positions"}
    if set(report) != expected:
        raise EvidenceError("report", f"must have exactly the fields {sorted(expected)}, got {sorted(report)}")
    positions = report["positions"]
    if not isinstance(positions, list) or not 1 <= len(positions) <= MAX_POSITIONS:
        raise EvidenceError("report.positions", f"must list 1..{MAX_POSITIONS} positions")
    position_fields = {"isin", "faceValue", "cleanPrice", "maturityDate"}
    for index, position in enumerate(positions):
        if not isinstance(position, Mapping) or set(position) != position_fields:
            raise EvidenceError(
                f"report.positions[{index}]", f"must have exactly the fields {sorted(position_fields)}"
            )


def _recover_signer(report: Mapping[str, Any], signature: Any, deployment_id: bytes) -> tuple[str, bytes]:
    try:
        signable = encode_typed_data(full_message=report_typed_data(report, deployment_id))
    except Exception as error:  # eth_account raises several types for values that do not fit a field
        raise EvidenceError("report", f"does not fit the EIP-712 HoldingsReport type: {error}") from None
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    if not isinstance(signature, str):
        raise EvidenceError("signature", "must be a 0x-prefixed 65-byte hex string")
    try:
        signer = Account.recover_message(signable, signature=signature)
    except Exception:  # malformed hex, wrong length or an s/v value off the curve
        raise EvidenceError("signature", "is not a valid secp256k1 signature; sign the EIP-712 digest with the custodian key") from None
    return signer, digest


def verify_report(
    report: Mapping[str, Any],
    signature: str,
    *,
    custodian_address: str,
    deployment_id: bytes,
    today: dt.date,
    max_age_days: int = 4,
    haircuts: HaircutTable = DEFAULT_HAIRCUTS,
) -> CollateralValuation:
    """Verify a signed holdings report and value it.

    Checks the fields, each ISIN's check digit, and that the EIP-712 signer is
    `custodian_address`. Rejects a repeated ISIN and a bond that matured by the valuation date.
    The valuation date may be neither after `today` nor more than `max_age_days` before it.
    Raises `EvidenceError` naming the field on the first failure.
    """
    _check_shape(report)
    sequence = _parse_int("report.sequence", report["sequence"], 1, 2**63 - 1)
    valuation_date = _parse_date("report.valuationDate", report["valuationDate"])
    if valuation_date > today:
        raise EvidenceError("report.valuationDate", f"{valuation_date} is in the future (today is {today}); report holdings as of today or earlier")
    if (today - valuation_date).days > max_age_days:
        raise EvidenceError(
            "report.valuationDate",
            f"{valuation_date} is more than {max_age_days} days old; send a report valued within {max_age_days} days",
        )

    positions: list[PositionValuation] = []
    seen: set[str] = set()
    for index, raw in enumerate(report["positions"]):
        prefix = f"report.positions[{index}]"
        isin = raw["isin"]
        if not isinstance(isin, str) or not is_valid_isin(isin):
            raise EvidenceError(f"{prefix}.isin", f"invalid ISIN {isin!r}; check the country code, characters and check digit")
        if isin in seen:
            raise EvidenceError(f"{prefix}.isin", f"duplicate ISIN {isin}; list each bond once with its total face value")
        seen.add(isin)
        face_value = _parse_int(f"{prefix}.faceValue", raw["faceValue"], 1, MAX_FACE_VALUE_KRW)
        price = _parse_price(f"{prefix}.cleanPrice", raw["cleanPrice"])
        maturity = _parse_date(f"{prefix}.maturityDate", raw["maturityDate"])
        if maturity <= valuation_date:
            raise EvidenceError(f"{prefix}.maturityDate", f"bond {isin} matured on {maturity}; remove matured bonds from the report")

        market_value = int(Decimal(face_value) * price // PRICE_BASE)
        bps = haircuts.haircut_bps(valuation_date, maturity)
        capacity = market_value * (10_000 - bps) // 10_000
        positions.append(PositionValuation(isin, face_value, price, maturity, market_value, bps, capacity))

    signer, digest = _recover_signer(report, signature, deployment_id)
    if signer.lower() != custodian_address.lower():
        raise EvidenceError("signature", f"signed by {signer}, not the configured custodian {custodian_address}")

    return CollateralValuation(
        custodian=custodian_address,
        sequence=sequence,
        valuation_date=valuation_date,
        report_hash=digest,
        market_value=sum(position.market_value for position in positions),
        capacity=sum(position.capacity for position in positions),
        positions=tuple(positions),
    )


def positions_summary(positions: Sequence[PositionValuation]) -> list[dict[str, Any]]:
    """Return JSON-ready rows for `positions`."""
    return [
        {
            "isin": position.isin,
            "face_value": position.face_value,
            "clean_price": str(position.clean_price),
            "maturity_date": position.maturity_date.isoformat(),
            "market_value": position.market_value,
            "haircut_bps": position.haircut_bps,
            "capacity": position.capacity,
        }
        for position in positions
    ]
