"""Public reserve figures and the bilingual `/reserve` page with a server-side SVG chart."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from sqlalchemy import select
from sqlalchemy.orm import Session

from kgpu import token
from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu_oracle import db

__all__ = [
    "ChainReserve",
    "ChainReserveError",
    "ReserveFigures",
    "choose_language",
    "compute_reserve",
    "read_chain_reserve",
    "render_reserve_page",
]

# Deposits count toward supply once the quorum has signed their mint.
_MINTED_STATES = ("signatures_gathered", "sent", "confirmed")
MAX_HISTORY_POINTS = 500


class ChainReserveError(RuntimeError):
    """Raised when the supply or the token config cannot be read from the cluster."""


@dataclass(frozen=True)
class ChainReserve:
    """Reserve figures read from the cluster: the mint's supply and the token config's attestation."""

    supply: int
    """`getTokenSupply` of the K-GPU mint, KRW."""
    collateral_value: int
    """Collateral value of the latest attestation, KRW after the oracle's maturity haircuts."""
    capacity: int
    """The config's capacity: `collateral_value` after the program's `haircut_bps`, KRW."""
    valuation_time: int | None
    """Unix seconds of the latest attestation, None before the first one."""


async def read_chain_reserve(rpc_url: str, *, timeout: float = 5.0) -> ChainReserve:
    """Read the K-GPU supply (`getTokenSupply`) and the token config (`getAccountInfo`) at `confirmed`.

    Args:
        rpc_url: Solana JSON-RPC endpoint.
        timeout: Seconds per request.

    Raises:
        ChainReserveError: a request failed, or the token program is not initialized there.
    """
    client = AsyncClient(rpc_url, commitment=Confirmed, timeout=timeout)
    try:
        config_account = (await client.get_account_info(token.config_address())).value
        if config_account is None or config_account.owner != KGPU_TOKEN_PROGRAM_ID:
            raise ChainReserveError(
                f"the kgpu_token config {token.config_address()} does not exist at {rpc_url}: "
                "initialize the program there or point rpc_url at the cluster where it runs"
            )
        config = token.Config.from_bytes(bytes(config_account.data))
        supply = int((await client.get_token_supply(token.mint_address())).value.amount)
    except ChainReserveError:
        raise
    except Exception as error:  # solana-py raises several transport and JSON-RPC error types
        raise ChainReserveError(f"reading the reserve from {rpc_url} failed: {error}; check that the node is reachable") from error
    finally:
        await client.close()
    return ChainReserve(
        supply=supply,
        collateral_value=config.collateral_value,
        capacity=config.capacity,
        valuation_time=config.valuation_time if config.attestation_sequence else None,
    )


@dataclass(frozen=True)
class ReserveFigures:
    """Supply against collateral, amounts in KRW, from the chain or as this oracle recorded them."""

    supply: int
    collateral_value: int
    capacity: int
    ratio: float | None
    valuation_date: str | None
    attestation_age_seconds: int | None
    history: list[dict[str, Any]]
    source: str = "database"
    """`chain` when supply and attestation were read from the cluster, else `database`."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "supply": self.supply,
            "collateral_value": self.collateral_value,
            "capacity": self.capacity,
            "ratio": self.ratio,
            "valuation_date": self.valuation_date,
            "attestation_age_seconds": self.attestation_age_seconds,
            "history": self.history,
        }


def compute_reserve(session: Session, now: int, chain: ChainReserve | None = None) -> ReserveFigures:
    """Compute the reserve figures, from `chain` when given, and the history from the database.

    With `chain`, supply, collateral value, capacity, valuation date and attestation age (now
    minus the attested valuation time) are the cluster's. Without it they are this oracle's
    records: supply is the sum of deposits whose mint the quorum signed and the age counts from
    the report's receipt.

    NOTE: the database history counts signed mints only, because this oracle does not track
    redemptions, so its supply line is above the chain's once holders redeem.
    """
    deposits = session.execute(
        select(db.Deposit.amount, db.Attestation.updated_at)
        .join(db.Attestation, db.Attestation.evidence_key == "deposit:" + db.Deposit.deposit_id)
        .where(db.Attestation.state.in_(_MINTED_STATES))
    ).all()
    reports = session.scalars(select(db.CollateralReport).order_by(db.CollateralReport.received_at, db.CollateralReport.id)).all()

    events: list[tuple[int, str, int]] = [(at, "supply", amount) for amount, at in deposits]
    events += [(report.received_at, "capacity", report.capacity) for report in reports]
    events.sort(key=lambda event: event[0])
    supply = 0
    capacity = 0
    history: list[dict[str, Any]] = []
    for at, what, amount in events:
        if what == "supply":
            supply += amount
        else:
            capacity = amount
        history.append({"at": at, "supply": supply, "capacity": capacity})
    history = history[-MAX_HISTORY_POINTS:]

    if chain is not None:
        valuation = chain.valuation_time
        return ReserveFigures(
            supply=chain.supply,
            collateral_value=chain.collateral_value,
            capacity=chain.capacity,
            ratio=round(chain.capacity / chain.supply, 6) if chain.supply else None,
            valuation_date=datetime.fromtimestamp(valuation, timezone.utc).date().isoformat() if valuation is not None else None,
            attestation_age_seconds=now - valuation if valuation is not None else None,
            history=history,
            source="chain",
        )

    latest = reports[-1] if reports else None
    return ReserveFigures(
        supply=supply,
        collateral_value=latest.market_value if latest else 0,
        capacity=latest.capacity if latest else 0,
        ratio=round(latest.capacity / supply, 6) if latest and supply else None,
        valuation_date=latest.valuation_date.isoformat() if latest else None,
        attestation_age_seconds=now - latest.received_at if latest else None,
        history=history,
    )


_TEXT = {
    "en": {
        "title": "K-GPU reserve",
        "supply": "Token supply",
        "collateral": "Collateral market value",
        "capacity": "Capacity after haircuts",
        "ratio": "Capacity / supply",
        "valuation": "Valuation date",
        "age": "Report age",
        "chart": "Capacity and supply over time (KRW)",
        "energy": "Energy and carbon by provider",
        "none": "no data yet",
        "note": "Figures as recorded by this oracle instance.",
        "note_chain": "Supply and collateral as the cluster reports them; the chart shows this oracle's records.",
        "seconds": "s",
    },
    "ko": {
        "title": "K-GPU 준비금 현황",
        "supply": "토큰 발행량",
        "collateral": "담보 시가 평가액",
        "capacity": "헤어컷 적용 발행 한도",
        "ratio": "발행 한도 / 발행량",
        "valuation": "평가 기준일",
        "age": "보고서 경과 시간",
        "chart": "시간에 따른 발행 한도와 발행량 (원)",
        "energy": "공급자별 에너지와 탄소",
        "none": "아직 데이터가 없습니다",
        "note": "이 오라클 인스턴스가 기록한 수치입니다.",
        "note_chain": "발행량과 담보는 클러스터가 보고한 수치이고, 그래프는 이 오라클의 기록입니다.",
        "seconds": "초",
    },
}


def choose_language(query_lang: str | None, accept_language: str | None) -> str:
    """Pick `ko` or `en`: the `lang` query parameter first, then the Accept-Language header."""
    if query_lang in _TEXT:
        return query_lang
    if accept_language:
        ranked = []
        for part in accept_language.split(","):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            ranked.append((quality, tag.strip().lower()[:2]))
        for _, tag in sorted(ranked, key=lambda item: -item[0]):
            if tag in _TEXT:
                return tag
    return "en"


def _chart_svg(history: list[dict[str, Any]], caption: str, empty_text: str) -> str:
    width, height, margin = 720, 300, 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{html.escape(caption)}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - 10}" y2="{height - margin}" stroke="#333"/>',
        f'<line x1="{margin}" y1="10" x2="{margin}" y2="{height - margin}" stroke="#333"/>',
    ]
    if not history:
        parts.append(f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle">{html.escape(empty_text)}</text>')
        return "".join(parts) + "</svg>"

    start = history[0]["at"]
    span = max(history[-1]["at"] - start, 1)
    peak = max(max(point["capacity"], point["supply"]) for point in history) or 1

    def position(point: dict[str, Any], key: str) -> str:
        x = margin + (point["at"] - start) / span * (width - margin - 10)
        y = (height - margin) - point[key] / peak * (height - margin - 10)
        return f"{x:.1f},{y:.1f}"

    for key, colour in (("capacity", "#1b7f3b"), ("supply", "#b3261e")):
        points = " ".join(position(point, key) for point in history)
        parts.append(f'<polyline class="series-{key}" fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
    parts.append(f'<text x="{margin - 4}" y="18" text-anchor="end" font-size="11">{peak:,}</text>')
    parts.append(f'<text x="{margin - 4}" y="{height - margin}" text-anchor="end" font-size="11">0</text>')
    return "".join(parts) + "</svg>"


def render_reserve_page(figures: ReserveFigures, language: str) -> str:
    """Render the reserve page as a self-contained HTML document (no external assets)."""
    text = _TEXT[language]

    def krw(value: int) -> str:
        return f"{value:,} KRW" if language == "en" else f"{value:,}원"

    rows = [
        (text["supply"], krw(figures.supply)),
        (text["collateral"], krw(figures.collateral_value)),
        (text["capacity"], krw(figures.capacity)),
        (text["ratio"], f"{figures.ratio:.4f}" if figures.ratio is not None else "–"),
        (text["valuation"], figures.valuation_date or text["none"]),
        (
            text["age"],
            f"{figures.attestation_age_seconds:,} {text['seconds']}" if figures.attestation_age_seconds is not None else "–",
        ),
    ]
    table = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in rows)
    chart = _chart_svg(figures.history, text["chart"], text["none"])
    note = text["note_chain"] if figures.source == "chain" else text["note"]
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(text['title'])}</title>"
        "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:1em}</style>"
        f"</head><body><h1>{html.escape(text['title'])}</h1><table id=\"figures\">{table}</table>"
        f"<h2>{html.escape(text['chart'])}</h2>{chart}<p>{html.escape(note)}</p>"
        f'<p><a href="/energy?lang={language}">{html.escape(text["energy"])}</a> · '
        '<a href="?lang=ko">한국어</a> · <a href="?lang=en">English</a></p></body></html>'
    )
