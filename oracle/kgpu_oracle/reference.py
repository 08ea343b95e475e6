"""Reference tables shipped with the oracle: GPU board power and grid emission factors."""

from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources
from pathlib import Path

__all__ = ["DEFAULT_GRID_FACTOR_G_PER_KWH", "load_gpu_power_table", "load_grid_factor"]


def _data_path(name: str) -> Path:
    return Path(str(resources.files("kgpu_oracle") / "data" / name))


def load_gpu_power_table(path: Path | None = None) -> dict[str, int]:
    """Read `model,board_power_w,...` rows into a map from model id to board power in watts."""
    source = path or _data_path("gpu_power.csv")
    with open(source, newline="", encoding="utf-8") as file:
        table = {row["model"]: int(row["board_power_w"]) for row in csv.DictReader(file)}
    if not table:
        raise ValueError(f"GPU power table {source} has no rows")
    return table


def load_grid_factor(country: str = "KR", path: Path | None = None) -> Decimal:
    """Return the first listed emission factor for `country` in gCO2eq per kWh."""
    source = path or _data_path("grid_factor.csv")
    with open(source, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["country"] == country:
                return Decimal(row["g_co2eq_per_kwh"])
    raise ValueError(f"no grid emission factor for {country} in {source}")


DEFAULT_GRID_FACTOR_G_PER_KWH = Decimal("417.3")
