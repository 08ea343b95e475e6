"""Operator configuration, read from a TOML file."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu_oracle.collateral import HaircutTable
from kgpu_oracle.reference import load_grid_factor

__all__ = ["ConfigError", "OracleConfig", "Peer", "load_config", "read_keypair"]


class ConfigError(ValueError):
    """Raised when the configuration file is missing a key or contains an invalid value."""


@dataclass(frozen=True)
class Peer:
    """Another oracle instance: its base URL and operator public key."""

    url: str
    pubkey: Pubkey


@dataclass(frozen=True)
class OracleConfig:
    """Settings of one oracle instance; `load_config` documents each TOML key."""

    deployment_id: bytes
    operator: Keypair
    peers: tuple[Peer, ...]
    threshold: int
    custodian_address: str
    bank_pubkey: Pubkey
    database_url: str = "sqlite:///kgpu-oracle.db"
    rpc_url: str = "http://127.0.0.1:8899"
    submit_transactions: bool = False
    reserve_from_chain: bool | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 8700
    gpu_power_table: Path | None = None
    grid_factor_g_per_kwh: Decimal = field(default_factory=load_grid_factor)
    max_report_age_days: int = 4
    haircuts: HaircutTable = field(default_factory=HaircutTable)
    challenge_matrix_size: int = 64
    challenge_deadline_seconds: int = 120
    freivalds_rounds: int = 2
    intake_per_minute: int = 120
    max_body_bytes: int = 64 * 1024
    max_answer_bytes: int = 512 * 1024
    peer_timeout_seconds: float = 5.0
    gather_interval_seconds: float = 1.0

    def __post_init__(self) -> None:
        oracle_set = {self.operator.pubkey(), *(peer.pubkey for peer in self.peers)}
        if len(oracle_set) != len(self.peers) + 1:
            raise ConfigError("peers: each peer needs a distinct pubkey that differs from the operator key")
        if not 1 <= self.threshold <= len(oracle_set):
            raise ConfigError(f"threshold must be 1..{len(oracle_set)} (this operator plus peers), got {self.threshold}")
        if len(self.deployment_id) != 32:
            raise ConfigError("deployment_id must be 32 bytes as 64 hex characters")

    @property
    def reads_reserve_from_chain(self) -> bool:
        """Whether `/v1/reserve` reads `rpc_url`: `reserve_from_chain`, else `submit_transactions`."""
        return self.submit_transactions if self.reserve_from_chain is None else self.reserve_from_chain

    @property
    def oracle_set(self) -> frozenset[Pubkey]:
        """This operator's key and every peer's key."""
        return frozenset({self.operator.pubkey(), *(peer.pubkey for peer in self.peers)})


def read_keypair(path: Path) -> Keypair:
    """Read a Solana CLI keypair file: a JSON array of 64 bytes (secret key then public key)."""
    try:
        raw = json.loads(path.read_text())
        return Keypair.from_bytes(bytes(raw))
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(f"operator_keypair: cannot read a Solana keypair from {path}: {error}") from None


def _require(table: dict[str, Any], key: str) -> Any:
    if key not in table:
        raise ConfigError(f"missing required key {key!r}")
    return table[key]


def _haircuts(table: dict[str, Any]) -> HaircutTable:
    if "haircuts" not in table:
        return HaircutTable()
    section = table["haircuts"]
    try:
        buckets = tuple((int(row["max_years"]), int(row["bps"])) for row in section["buckets"])
        return HaircutTable(buckets, int(section["over_bps"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"haircuts: expected buckets = [{{max_years, bps}}, …] and over_bps: {error}") from None


def load_config(path: Path) -> OracleConfig:
    """Load a TOML configuration; relative paths in it are resolved against its directory.

    Required keys: `deployment_id` (64 hex characters), `operator_keypair` (path), `threshold`,
    `custodian_address` (0x Ethereum address), `bank_pubkey` (base58), and `[[peers]]` tables
    with `url` and `pubkey`. The optional keys and their defaults are the `OracleConfig` fields.
    """
    try:
        table = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read configuration {path}: {error}") from None
    base = path.parent

    try:
        deployment_id = bytes.fromhex(_require(table, "deployment_id"))
        peers = tuple(
            Peer(url=str(peer["url"]).rstrip("/"), pubkey=Pubkey.from_string(peer["pubkey"]))
            for peer in table.get("peers", [])
        )
        bank_pubkey = Pubkey.from_string(_require(table, "bank_pubkey"))
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"invalid deployment_id, bank_pubkey or peers entry: {error}") from None

    options: dict[str, Any] = {}
    simple_keys = {
        "database_url": str,
        "rpc_url": str,
        "submit_transactions": bool,
        "reserve_from_chain": bool,
        "listen_host": str,
        "listen_port": int,
        "max_report_age_days": int,
        "challenge_matrix_size": int,
        "challenge_deadline_seconds": int,
        "freivalds_rounds": int,
        "intake_per_minute": int,
        "max_body_bytes": int,
        "peer_timeout_seconds": float,
        "gather_interval_seconds": float,
    }
    for key, kind in simple_keys.items():
        if key in table:
            options[key] = kind(table[key])
    if "gpu_power_table" in table:
        options["gpu_power_table"] = base / table["gpu_power_table"]
    if "grid_factor_g_per_kwh" in table:
        options["grid_factor_g_per_kwh"] = Decimal(str(table["grid_factor_g_per_kwh"]))

    return OracleConfig(
        deployment_id=deployment_id,
        operator=read_keypair(base / _require(table, "operator_keypair")),
        peers=peers,
        threshold=int(_require(table, "threshold")),
        custodian_address=str(_require(table, "custodian_address")),
        bank_pubkey=bank_pubkey,
        haircuts=_haircuts(table),
        **options,
    )
