"""Energy and carbon figures per provider, from the usage receipts this oracle accepted.

The same totals feed the Prometheus gauges (`kgpu_oracle_provider_*`), `GET /v1/providers/energy`
and the `/energy` page beside `/reserve`. CO2 is computed with the configured grid emission factor
(grams per kWh) and kept in whole grams, rounded down, with Decimal arithmetic.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kgpu_oracle import db

__all__ = ["ProviderEnergy", "provider_energy", "render_energy_page"]


@dataclass(frozen=True)
class ProviderEnergy:
    """Totals of one provider's accepted receipts."""

    provider: str
    receipts: int
    gpu_seconds: int
    energy_wh: int
    renewable_wh: int
    # Non-renewable Wh times the grid factor, in grams.
    grid_co2_grams: int
    # Renewable Wh times the grid factor: what the same energy would have emitted from the grid.
    avoided_co2_grams: int

    @property
    def renewable_share(self) -> Decimal:
        """Renewable fraction of the energy, 0 when there was none."""
        if self.energy_wh == 0:
            return Decimal(0)
        return Decimal(self.renewable_wh) / Decimal(self.energy_wh)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form, with the share as a string to keep it exact."""
        return {**asdict(self), "renewable_share": str(self.renewable_share.quantize(Decimal("0.0001")))}


def _grams(watt_hours: int, grid_factor_g_per_kwh: Decimal) -> int:
    grams = Decimal(watt_hours) * grid_factor_g_per_kwh / 1000
    return int(grams.to_integral_value(rounding=ROUND_DOWN))


def provider_energy(session: Session, grid_factor_g_per_kwh: Decimal) -> list[ProviderEnergy]:
    """Sum the accepted receipts per provider, ordered by provider address."""
    rows = session.execute(
        select(
            db.Receipt.provider,
            func.count(),
            func.sum(db.Receipt.gpu_seconds),
            func.sum(db.Receipt.energy_wh),
            func.sum(db.Receipt.renewable_wh),
        )
        .group_by(db.Receipt.provider)
        .order_by(db.Receipt.provider)
    )
    totals = []
    for provider, count, gpu_seconds, energy_wh, renewable_wh in rows:
        energy_wh = int(energy_wh or 0)
        renewable_wh = int(renewable_wh or 0)
        totals.append(ProviderEnergy(
            provider=provider,
            receipts=int(count),
            gpu_seconds=int(gpu_seconds or 0),
            energy_wh=energy_wh,
            renewable_wh=renewable_wh,
            grid_co2_grams=_grams(energy_wh - renewable_wh, grid_factor_g_per_kwh),
            avoided_co2_grams=_grams(renewable_wh, grid_factor_g_per_kwh),
        ))
    return totals


_TEXT = {
    "en": {
        "title": "K-GPU energy and carbon by provider",
        "provider": "Provider",
        "receipts": "Receipts",
        "gpu_hours": "GPU-hours",
        "energy": "Energy (kWh)",
        "renewable": "Renewable share",
        "grid_co2": "Grid CO2 (kg)",
        "avoided": "Avoided CO2 (kg)",
        "none": "No usage receipts yet.",
        "note": "Totals of the usage receipts this oracle accepted. CO2 uses the grid emission factor "
                "of {factor} g per kWh; renewable energy is counted as emitting none.",
        "reserve": "Reserve",
    },
    "ko": {
        "title": "공급자별 K-GPU 에너지와 탄소",
        "provider": "공급자",
        "receipts": "영수증",
        "gpu_hours": "GPU 시간",
        "energy": "에너지(kWh)",
        "renewable": "재생에너지 비율",
        "grid_co2": "전력망 CO2(kg)",
        "avoided": "회피한 CO2(kg)",
        "none": "아직 사용량 영수증이 없습니다.",
        "note": "이 오라클이 받아들인 사용량 영수증의 합계입니다. CO2는 kWh당 {factor}g의 전력망 "
                "배출계수로 계산하며, 재생에너지는 배출이 없는 것으로 셉니다.",
        "reserve": "준비금",
    },
}


def render_energy_page(rows: list[ProviderEnergy], language: str, grid_factor_g_per_kwh: Decimal) -> str:
    """Render the per-provider table as a self-contained HTML document (no external assets)."""
    text = _TEXT[language]
    header = "".join(
        f"<th>{html.escape(text[key])}</th>"
        for key in ("provider", "receipts", "gpu_hours", "energy", "renewable", "grid_co2", "avoided")
    )
    body = []
    for row in rows:
        cells = [
            row.provider,
            f"{row.receipts:,}",
            f"{Decimal(row.gpu_seconds) / 3600:,.2f}",
            f"{Decimal(row.energy_wh) / 1000:,.3f}",
            f"{row.renewable_share * 100:.1f}%",
            f"{Decimal(row.grid_co2_grams) / 1000:,.3f}",
            f"{Decimal(row.avoided_co2_grams) / 1000:,.3f}",
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>")
    table = (
        f'<table id="providers"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        if rows else f"<p>{html.escape(text['none'])}</p>"
    )
    note = text["note"].format(factor=grid_factor_g_per_kwh)
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(text['title'])}</title>"
        "<style>body{font-family:sans-serif;margin:2em}th,td{text-align:right;padding:0 .6em}"
        "th:first-child,td:first-child{text-align:left}</style>"
        f"</head><body><h1>{html.escape(text['title'])}</h1>{table}<p>{html.escape(note)}</p>"
        f'<p><a href="/reserve?lang={language}">{html.escape(text["reserve"])}</a> · '
        '<a href="?lang=ko">한국어</a> · <a href="?lang=en">English</a></p></body></html>'
    )
