"""Prometheus metrics of one oracle instance, in a registry of its own."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kgpu_oracle import db
from kgpu_oracle.energy import provider_energy

__all__ = ["OracleMetrics"]


class _DatabaseCollector(Collector):
    """Reads outbox depth and per-provider totals from the database at scrape time."""

    def __init__(self, sessions: sessionmaker, grid_factor_g_per_kwh: Decimal) -> None:
        self._sessions = sessions
        self._grid_factor = grid_factor_g_per_kwh

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._sessions() as session:
            yield self._outbox_depth(session)
            yield from self._provider_totals(session)

    def _outbox_depth(self, session: Session) -> GaugeMetricFamily:
        family = GaugeMetricFamily("kgpu_oracle_outbox_depth", "Attestations per outbox state", labels=["state"])
        rows = session.execute(select(db.Attestation.state, func.count()).group_by(db.Attestation.state))
        for state, count in rows:
            family.add_metric([state], count)
        return family

    def _provider_totals(self, session: Session) -> Iterator[GaugeMetricFamily]:
        gpu_seconds = GaugeMetricFamily(
            "kgpu_oracle_provider_gpu_seconds", "GPU-seconds in accepted usage receipts", labels=["provider"]
        )
        energy = GaugeMetricFamily("kgpu_oracle_provider_energy_kwh", "Energy in accepted receipts, kWh", labels=["provider"])
        share = GaugeMetricFamily(
            "kgpu_oracle_provider_renewable_share", "Renewable fraction of the energy, 0..1", labels=["provider"]
        )
        emitted = GaugeMetricFamily(
            "kgpu_oracle_provider_grid_co2_kg",
            "CO2 of the non-renewable energy at the shipped grid emission factor, kg",
            labels=["provider"],
        )
        avoided = GaugeMetricFamily(
            "kgpu_oracle_provider_avoided_co2_kg",
            "CO2 the renewable energy would have emitted from the grid, kg",
            labels=["provider"],
        )
        for row in provider_energy(session, self._grid_factor):
            labels = [row.provider]
            gpu_seconds.add_metric(labels, row.gpu_seconds)
            energy.add_metric(labels, row.energy_wh / 1000)
            share.add_metric(labels, float(row.renewable_share))
            # Kilograms from the watt-hours rather than the rounded grams, so the gauges stay exact.
            grid_kwh = Decimal(row.energy_wh - row.renewable_wh) / 1000
            emitted.add_metric(labels, float(grid_kwh * self._grid_factor / 1000))
            avoided.add_metric(labels, float(Decimal(row.renewable_wh) / 1000 * self._grid_factor / 1000))
        yield from (gpu_seconds, energy, share, emitted, avoided)


class OracleMetrics:
    """Counters and histograms updated by the service, plus database-backed gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.attestations = Counter(
            "kgpu_oracle_attestations",
            "Evidence handled, by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.verification_seconds = Histogram(
            "kgpu_oracle_verification_seconds",
            "Time to verify one piece of evidence",
            ["kind"],
            registry=self.registry,
        )
        self.rpc_errors = Counter(
            "kgpu_oracle_rpc_errors", "Failed Solana JSON-RPC calls, by method", ["method"], registry=self.registry
        )
        self.peer_errors = Counter(
            "kgpu_oracle_peer_errors", "Failed or invalid peer signature requests", ["peer"], registry=self.registry
        )

    def watch_database(self, sessions: sessionmaker, grid_factor_g_per_kwh: Decimal) -> None:
        """Add the gauges read from the database at scrape time."""
        self.registry.register(_DatabaseCollector(sessions, grid_factor_g_per_kwh))

    def timer(self, kind: str) -> Callable:
        """Return a context manager timing one verification of `kind`."""
        return self.verification_seconds.labels(kind).time
