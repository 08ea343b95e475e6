"""Node configuration of the provider agent, read from a TOML file.

Example (relative paths are resolved against the file's directory)::

    node_keypair = "node.json"              # Solana CLI keypair of the node key that signs receipts
    deployment_id = "1dfa…b859"             # 64 hex characters, the same as the oracles'
    gpu_model = "NVIDIA H100 SXM"           # the `gpu` column of examples/data/gpu_specs.csv
    gpu_count = 8
    energy_source = "mixed"                 # grid, solar, wind, hydro, geothermal or mixed
    renewable_share = 0.35                  # share of the energy from renewables, 0..1
    oracle_urls = ["http://127.0.0.1:8701", "http://127.0.0.1:8702"]
    state_file = "provider-state.json"
    receipt_period_seconds = 3600
    rpc_url = "http://127.0.0.1:8899"
    provider_authority = "<wallet that registered the Provider account>"

A ``[[jobs]]`` list (``address``, ``gpu_count``, optional ``last_sequence``) replaces the chain as
the job source, for demos and tests.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.config import load_keypair
from kgpu.provider.errors import (
    GpuModelAmbiguousError,
    GpuModelUnknownError,
    GpuTableUnreadableError,
    NodeConfigError,
    NodeConfigUnreadableError,
)
from kgpu.reference import GpuSpec, load_gpu_specs, reference_data_dir

__all__ = [
    "MAX_GPU_COUNT",
    "EnergySource",
    "NodeConfig",
    "StaticJob",
    "find_gpu",
    "load_node_config",
]

MAX_GPU_COUNT = 4096
"""Largest GPU count the market program accepts for a provider."""


class EnergySource(enum.IntEnum):
    """Electricity source of the node, with the codes of the Provider account's `energy_source` byte."""

    GRID = 0
    SOLAR = 1
    WIND = 2
    HYDRO = 3
    GEOTHERMAL = 4
    MIXED = 5


@dataclass(frozen=True)
class StaticJob:
    """A job from the ``[[jobs]]`` list of the configuration."""

    address: Pubkey
    gpu_count: int
    last_sequence: int = 0


@dataclass(frozen=True)
class NodeConfig:
    """Settings of one provider node. The module docstring shows the TOML form."""

    node_keypair: Keypair
    deployment_id: bytes
    gpu: GpuSpec
    gpu_count: int
    energy_source: EnergySource
    renewable_share: Decimal
    oracle_urls: tuple[str, ...]
    state_file: Path
    receipt_period_seconds: float = 3600.0
    """Wall time covered by one receipt, in seconds."""
    poll_interval_seconds: float = 30.0
    """Time between two reads of the job source, in seconds."""
    request_timeout_seconds: float = 10.0
    """Timeout of each HTTP request to an oracle or the RPC node, in seconds."""
    retry_base_seconds: float = 1.0
    """First delay after a network error, doubled on every retry."""
    retry_max_seconds: float = 60.0
    """Maximum delay between two retries."""
    max_attempts: int = 6
    """Attempts per request in ``--once`` mode. Serving retries until stopped."""
    rpc_url: str = "http://127.0.0.1:8899"
    provider_authority: Pubkey | None = None
    """Wallet of the Provider account, needed to read jobs from the chain."""
    market_program_id: Pubkey = KGPU_MARKET_PROGRAM_ID
    static_jobs: tuple[StaticJob, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.deployment_id) != 32:
            raise NodeConfigError(path="<NodeConfig>", key="deployment_id", reason="must be 32 bytes")
        if not 1 <= self.gpu_count <= MAX_GPU_COUNT:
            raise NodeConfigError(path="<NodeConfig>", key="gpu_count", reason=f"must be 1..{MAX_GPU_COUNT}")
        if not self.oracle_urls:
            raise NodeConfigError(path="<NodeConfig>", key="oracle_urls", reason="list at least one oracle URL")
        check_renewable_share(self.energy_source, self.renewable_share, path="<NodeConfig>")

    @property
    def node_pubkey(self) -> Pubkey:
        """Public key of the node key, the `provider` field of every receipt."""
        return self.node_keypair.pubkey()

    @property
    def board_power_w(self) -> int:
        """Declared board power of one GPU in watts, from the reference GPU table."""
        return self.gpu.board_power_w


def find_gpu(model: str, form_factor: str | None = None, data_dir: Path | None = None) -> GpuSpec:
    """Look up a GPU by the `gpu` column of the reference table, case-insensitively.

    Raises:
        GpuTableUnreadableError: ``gpu_specs.csv`` cannot be read from the reference data directory.
        GpuModelUnknownError: no row has this model (and form factor, when given).
        GpuModelAmbiguousError: the model has rows for several form factors and none was chosen.
    """
    try:
        specs = load_gpu_specs(data_dir)
    except OSError as error:
        raise GpuTableUnreadableError(path=str(data_dir or reference_data_dir()), reason=str(error)) from None
    rows = [spec for spec in specs if spec.gpu.casefold() == model.strip().casefold()]
    if form_factor is not None:
        rows = [spec for spec in rows if spec.form_factor.casefold() == form_factor.strip().casefold()]
    if not rows:
        known = ", ".join(sorted({f"{spec.gpu} ({spec.form_factor})" for spec in specs}))
        raise GpuModelUnknownError(model=model, known=known)
    if len(rows) > 1:
        raise GpuModelAmbiguousError(model=model, form_factors=", ".join(spec.form_factor for spec in rows))
    return rows[0]


def check_renewable_share(source: EnergySource, share: Decimal, *, path: str) -> None:
    """Check that the share is in 0..1 and fits the source: 0 for grid power."""
    if not Decimal(0) <= share <= Decimal(1):
        raise NodeConfigError(path=path, key="renewable_share", reason=f"{share} is outside 0..1")
    if source is EnergySource.GRID and share != 0:
        raise NodeConfigError(path=path, key="renewable_share", reason="must be 0 when energy_source is grid")


def _require(table: dict[str, Any], key: str, path: Path) -> Any:
    if key not in table:
        raise NodeConfigError(path=str(path), key=key, reason="the key is required")
    return table[key]


def _pubkey(value: Any, key: str, path: Path) -> Pubkey:
    try:
        return Pubkey.from_string(str(value))
    except ValueError:
        raise NodeConfigError(path=str(path), key=key, reason=f"{value!r} is not a base58 public key") from None


def _positive_number(table: dict[str, Any], key: str, default: float, path: Path) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise NodeConfigError(path=str(path), key=key, reason=f"{value!r} is not a positive number of seconds")
    return float(value)


def _oracle_urls(table: dict[str, Any], path: Path) -> tuple[str, ...]:
    urls = _require(table, "oracle_urls", path)
    if not isinstance(urls, list) or not urls:
        raise NodeConfigError(path=str(path), key="oracle_urls", reason="must be a non-empty list of URLs")
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NodeConfigError(path=str(path), key="oracle_urls", reason=f"{url!r} is not an http(s) URL")
    return tuple(str(url).rstrip("/") for url in urls)


def _energy(table: dict[str, Any], path: Path) -> tuple[EnergySource, Decimal]:
    name = str(table.get("energy_source", "grid"))
    try:
        source = EnergySource[name.upper()]
    except KeyError:
        choices = ", ".join(member.name.lower() for member in EnergySource)
        raise NodeConfigError(path=str(path), key="energy_source", reason=f"{name!r} is not one of {choices}") from None

    if "renewable_share" in table:
        try:
            share = Decimal(str(table["renewable_share"]))
        except InvalidOperation:
            raise NodeConfigError(path=str(path), key="renewable_share", reason="must be a number in 0..1") from None
    elif source is EnergySource.GRID:
        share = Decimal(0)
    elif source is EnergySource.MIXED:
        raise NodeConfigError(path=str(path), key="renewable_share", reason="is required when energy_source is mixed")
    else:
        share = Decimal(1)
    check_renewable_share(source, share, path=str(path))
    return source, share


def _static_jobs(table: dict[str, Any], path: Path) -> tuple[StaticJob, ...]:
    jobs = []
    for entry in table.get("jobs", []):
        if not isinstance(entry, dict):
            raise NodeConfigError(path=str(path), key="jobs", reason="each [[jobs]] entry needs address and gpu_count")
        gpu_count = _require(entry, "gpu_count", path)
        last_sequence = entry.get("last_sequence", 0)
        if not isinstance(gpu_count, int) or gpu_count < 1 or not isinstance(last_sequence, int) or last_sequence < 0:
            raise NodeConfigError(path=str(path), key="jobs", reason="gpu_count must be ≥ 1 and last_sequence ≥ 0")
        jobs.append(StaticJob(_pubkey(_require(entry, "address", path), "jobs.address", path), gpu_count, last_sequence))
    return tuple(jobs)


def load_node_config(path: Path, *, data_dir: Path | None = None) -> NodeConfig:
    """Read a node configuration file. ``data_dir`` overrides the reference data directory.

    Raises:
        NodeConfigUnreadableError: the file cannot be read or is not TOML.
        NodeConfigError: a key is missing or has an invalid value.
        GpuModelUnknownError, GpuModelAmbiguousError: ``gpu_model`` does not name one table row.
        kgpu.errors.KeypairNotFoundError, kgpu.errors.InvalidKeypairError: the node keypair file.
    """
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise NodeConfigUnreadableError(path=str(path), reason=str(error)) from None
    base = path.parent

    try:
        deployment_id = bytes.fromhex(str(_require(table, "deployment_id", path)))
    except ValueError:
        deployment_id = b""
    if len(deployment_id) != 32:
        raise NodeConfigError(path=str(path), key="deployment_id", reason="must be 64 hex characters")

    gpu_count = _require(table, "gpu_count", path)
    if isinstance(gpu_count, bool) or not isinstance(gpu_count, int) or not 1 <= gpu_count <= MAX_GPU_COUNT:
        raise NodeConfigError(path=str(path), key="gpu_count", reason=f"must be an integer in 1..{MAX_GPU_COUNT}")
    max_attempts = table.get("max_attempts", 6)
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise NodeConfigError(path=str(path), key="max_attempts", reason="must be an integer ≥ 1")

    energy_source, renewable_share = _energy(table, path)
    authority = table.get("provider_authority")
    static_jobs = _static_jobs(table, path)
    if authority is None and not static_jobs:
        raise NodeConfigError(
            path=str(path), key="provider_authority", reason="set it to read jobs from the chain, or list [[jobs]]"
        )

    return NodeConfig(
        node_keypair=load_keypair(base / str(_require(table, "node_keypair", path))),
        deployment_id=deployment_id,
        gpu=find_gpu(str(_require(table, "gpu_model", path)), table.get("gpu_form_factor"), data_dir),
        gpu_count=gpu_count,
        energy_source=energy_source,
        renewable_share=renewable_share,
        oracle_urls=_oracle_urls(table, path),
        state_file=base / str(table.get("state_file", "provider-state.json")),
        receipt_period_seconds=_positive_number(table, "receipt_period_seconds", 3600.0, path),
        poll_interval_seconds=_positive_number(table, "poll_interval_seconds", 30.0, path),
        request_timeout_seconds=_positive_number(table, "request_timeout_seconds", 10.0, path),
        retry_base_seconds=_positive_number(table, "retry_base_seconds", 1.0, path),
        retry_max_seconds=_positive_number(table, "retry_max_seconds", 60.0, path),
        max_attempts=max_attempts,
        rpc_url=str(table.get("rpc_url", "http://127.0.0.1:8899")),
        provider_authority=None if authority is None else _pubkey(authority, "provider_authority", path),
        market_program_id=_pubkey(table.get("market_program_id", str(KGPU_MARKET_PROGRAM_ID)), "market_program_id", path),
        static_jobs=static_jobs,
    )
