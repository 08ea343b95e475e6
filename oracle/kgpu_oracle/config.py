"""Operator configuration, read from a TOML file."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eth_utils import is_checksum_address, to_checksum_address
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kgpu_oracle.collateral import HaircutTable
from kgpu_oracle.compute import MAX_MATRIX_SIZE, MIN_MATRIX_SIZE
from kgpu_oracle.reference import load_grid_factor

__all__ = ["ConfigError", "OracleConfig", "Peer", "load_config", "read_keypair"]


class ConfigError(ValueError):
    """Raised when the configuration file is missing a key or contains an invalid value."""


MAX_PORT = 65535
_ETHEREUM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

# Smallest accepted value of each numeric setting; a smaller one disables or breaks the feature.
_MINIMUM_VALUES: dict[str, int] = {
    "max_report_age_days": 0,
    "challenge_deadline_seconds": 1,
    "freivalds_rounds": 1,
    "intake_per_minute": 1,
    "max_body_bytes": 1,
    "max_answer_bytes": 1,
}
_POSITIVE_SECONDS = ("peer_timeout_seconds", "gather_interval_seconds", "confirm_poll_seconds")
JOB_SOURCES = ("chain", "database")


def _checksummed_address(address: str) -> str:
    """Return `custodian_address` in EIP-55 letter case; raise `ConfigError` unless it is 0x and 40 hex digits.

    An address in one letter case carries no checksum and is accepted. A mixed-case address must
    match its EIP-55 checksum, so a mistyped digit is caught.
    """
    if not _ETHEREUM_ADDRESS.fullmatch(address):
        raise ConfigError(
            "custodian_address must be a 20-byte Ethereum address written as 0x and 40 hexadecimal"
            f" characters, got {address[:80]!r}"
        )
    digits = address[2:]
    is_mixed_case = digits != digits.lower() and digits != digits.upper()
    if is_mixed_case and not is_checksum_address(address):
        raise ConfigError(
            f"custodian_address {address!r} fails its EIP-55 checksum (the letter case), so it likely"
            " contains a typo; copy it again from the custodian"
        )
    return to_checksum_address(address)


def _check_http_url(key: str, value: str, example: str) -> None:
    parts = urlsplit(value)
    try:
        port_is_valid = parts.port is None or 1 <= parts.port <= MAX_PORT
    except ValueError:
        port_is_valid = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_is_valid:
        raise ConfigError(f"{key} must be an http:// or https:// URL such as {example}, got {value!r}")


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
    job_source: str | None = None
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
    confirm_poll_seconds: float = 0.2

    def __post_init__(self) -> None:
        oracle_set = {self.operator.pubkey(), *(peer.pubkey for peer in self.peers)}
        if len(oracle_set) != len(self.peers) + 1:
            raise ConfigError("peers: each peer needs a distinct pubkey that differs from the operator key")
        if not 1 <= self.threshold <= len(oracle_set):
            raise ConfigError(f"threshold must be 1..{len(oracle_set)} (this operator plus peers), got {self.threshold}")
        if len(self.deployment_id) != 32:
            raise ConfigError(f"deployment_id must be 64 hexadecimal characters (32 bytes), got {len(self.deployment_id)} bytes")
        self._check_settings()

    def _check_settings(self) -> None:
        _checksummed_address(self.custodian_address)
        _check_http_url("rpc_url", self.rpc_url, "http://127.0.0.1:8899")
        for index, peer in enumerate(self.peers):
            _check_http_url(f"peers[{index}].url", peer.url, "http://127.0.0.1:8702")
        if not 1 <= self.listen_port <= MAX_PORT:
            raise ConfigError(f"listen_port must be a TCP port 1..{MAX_PORT}, got {self.listen_port}")
        if not MIN_MATRIX_SIZE <= self.challenge_matrix_size <= MAX_MATRIX_SIZE:
            raise ConfigError(
                f"challenge_matrix_size must be {MIN_MATRIX_SIZE}..{MAX_MATRIX_SIZE}, got {self.challenge_matrix_size}"
            )
        for key, minimum in _MINIMUM_VALUES.items():
            value = getattr(self, key)
            if value < minimum:
                raise ConfigError(f"{key} must be at least {minimum}, got {value}")
        for key in _POSITIVE_SECONDS:
            value = getattr(self, key)
            if not value > 0:
                raise ConfigError(f"{key} must be a number of seconds above 0, got {value}")
        if self.job_source is not None and self.job_source not in JOB_SOURCES:
            raise ConfigError(f"job_source must be \"chain\" or \"database\", got {_shown(self.job_source)}")
        if self.grid_factor_g_per_kwh < 0:
            raise ConfigError(f"grid_factor_g_per_kwh must be 0 or more, got {self.grid_factor_g_per_kwh}")

    @property
    def reads_reserve_from_chain(self) -> bool:
        """Whether `/v1/reserve` reads `rpc_url`: `reserve_from_chain`, else `submit_transactions`."""
        return self.submit_transactions if self.reserve_from_chain is None else self.reserve_from_chain

    @property
    def reads_jobs_from_chain(self) -> bool:
        """Whether receipts are checked against `kgpu_market` job accounts at `rpc_url` rather than the `jobs` table.

        `job_source` decides, and without it `submit_transactions` does.
        """
        return self.submit_transactions if self.job_source is None else self.job_source == "chain"

    @property
    def listen_url(self) -> str:
        """Base URL of the HTTP service, such as `http://127.0.0.1:8700`; an IPv6 host is bracketed."""
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"http://{host}:{self.listen_port}"

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


# Keys of the TOML file and the type each needs; `load_config` documents their meaning.
_REQUIRED_KEYS = ("deployment_id", "operator_keypair", "threshold", "custodian_address", "bank_pubkey")
_OPTIONAL_KEYS: dict[str, type] = {
    "database_url": str,
    "rpc_url": str,
    "submit_transactions": bool,
    "reserve_from_chain": bool,
    "job_source": str,
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
    "confirm_poll_seconds": float,
}
_OTHER_KEYS = ("peers", "haircuts", "gpu_power_table", "grid_factor_g_per_kwh")
_TOP_LEVEL_KEYS = (*_REQUIRED_KEYS, *_OPTIONAL_KEYS, *_OTHER_KEYS)
_PEER_KEYS = ("url", "pubkey")
_HAIRCUT_KEYS = ("buckets", "over_bps")
_BUCKET_KEYS = ("max_years", "bps")

_EXPECTED_NAMES = {str: "a string", bool: "a boolean (true or false)", int: "an integer", float: "a number"}
_SQLITE_IN_MEMORY = ("", ":memory:")


def _toml_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (dt.date, dt.time)):
        return "a date or time"
    return type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _has_kind(value: Any, kind: type) -> bool:
    """Return True when `value` has the TOML type `kind`; TOML integers also count as floats."""
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _is_quoted(value: Any, kind: type) -> bool:
    """Return True when `value` is a string that, without its quotes, would be a TOML value of type `kind`."""
    if not isinstance(value, str) or kind is str:
        return False
    try:
        unquoted = tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        return False
    return _has_kind(unquoted, kind)


def _type_error(key: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{key} must be {expected}, got {_shown(value)} ({_toml_type_name(value)})")


def _typed(key: str, value: Any, kind: type) -> Any:
    """Return `value` (a float for `kind` float) or raise `ConfigError` unless it has the TOML type `kind`."""
    if not _has_kind(value, kind):
        error = _type_error(key, value, _EXPECTED_NAMES[kind])
        if _is_quoted(value, kind):
            error = ConfigError(f"{error}; remove the quotes around it")
        raise error
    return float(value) if kind is float else value


def _reject_unknown_keys(table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key in known:
            continue
        matches = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {matches[0]!r}?" if matches else f"the valid keys are {', '.join(known)}"
        raise ConfigError(f"unknown key {key!r}{where}; {hint}")


def _require(table: dict[str, Any], key: str, kind: type) -> Any:
    if key not in table:
        raise ConfigError(f"missing required key {key!r}")
    return _typed(key, table[key], kind)


def _table(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _type_error(key, value, "a table")
    return value


def _array(key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _type_error(key, value, "an array")
    return value


def _deployment_id(table: dict[str, Any]) -> bytes:
    text = _require(table, "deployment_id", str)
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise ConfigError(f"deployment_id must be 64 hexadecimal characters (32 bytes), got {_shown(text)}")
    return bytes.fromhex(text)


def _pubkey(key: str, text: str) -> Pubkey:
    try:
        return Pubkey.from_string(text)
    except ValueError:
        raise ConfigError(f"{key} must be a base58 ed25519 public key (32 bytes), got {_shown(text)}") from None


def _peers(table: dict[str, Any]) -> tuple[Peer, ...]:
    peers = []
    for index, entry in enumerate(_array("peers", table.get("peers", []))):
        where = f"peers[{index}]"
        entry = _table(where, entry)
        _reject_unknown_keys(entry, _PEER_KEYS, f" in {where}")
        for key in _PEER_KEYS:
            if key not in entry:
                raise ConfigError(f"{where} is missing the key {key!r}; each [[peers]] table needs url and pubkey")
        url = _typed(f"{where}.url", entry["url"], str).rstrip("/")
        pubkey = _pubkey(f"{where}.pubkey", _typed(f"{where}.pubkey", entry["pubkey"], str))
        peers.append(Peer(url=url, pubkey=pubkey))
    return tuple(peers)


def _haircuts(table: dict[str, Any]) -> HaircutTable:
    if "haircuts" not in table:
        return HaircutTable()
    section = _table("haircuts", table["haircuts"])
    _reject_unknown_keys(section, _HAIRCUT_KEYS, " in [haircuts]")
    if "buckets" not in section:
        raise ConfigError("haircuts is missing the key 'buckets'; see the [haircuts] table in examples/oracle/oracle-1.toml")
    buckets = []
    for index, row in enumerate(_array("haircuts.buckets", section["buckets"])):
        where = f"haircuts.buckets[{index}]"
        row = _table(where, row)
        _reject_unknown_keys(row, _BUCKET_KEYS, f" in {where}")
        for key in _BUCKET_KEYS:
            if key not in row:
                raise ConfigError(f"{where} is missing the key {key!r}; write each bucket as {{ max_years = 1, bps = 100 }}")
        buckets.append((_typed(f"{where}.max_years", row["max_years"], int), _typed(f"{where}.bps", row["bps"], int)))
    if "over_bps" not in section:
        raise ConfigError("haircuts is missing the key 'over_bps', the haircut in basis points past the last bucket")
    over_bps = _typed("haircuts.over_bps", section["over_bps"], int)
    try:
        return HaircutTable(tuple(buckets), over_bps)
    except ValueError as error:
        raise ConfigError(f"haircuts: {error}") from None


def _database_url(text: str, base: Path) -> str:
    """Check the database URL and resolve a relative SQLite file path against `base`."""
    try:
        url = make_url(text)
    except ArgumentError:
        # The text is not echoed because a database URL can contain a password.
        raise ConfigError(
            "database_url is not a valid URL; write sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
        ) from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"database_url must start with sqlite:/// or postgresql://, got {url.drivername}://")
    if backend != "sqlite":
        return text
    database = url.database or ""
    is_uri = url.query.get("uri") == "true" or database.startswith("file:")
    if database in _SQLITE_IN_MEMORY or is_uri or Path(database).is_absolute():
        return text
    return url.set(database=str(base / database)).render_as_string(hide_password=False)


def _options(table: dict[str, Any], base: Path) -> dict[str, Any]:
    options = {key: _typed(key, table[key], kind) for key, kind in _OPTIONAL_KEYS.items() if key in table}
    if "database_url" in options:
        options["database_url"] = _database_url(options["database_url"], base)
    if "gpu_power_table" in table:
        power_table = base / _typed("gpu_power_table", table["gpu_power_table"], str)
        if not power_table.is_file():
            raise ConfigError(f"gpu_power_table: file not found: {power_table}; give the CSV's path, absolute or relative to the configuration file's folder")
        options["gpu_power_table"] = power_table
    if "grid_factor_g_per_kwh" in table:
        _typed("grid_factor_g_per_kwh", table["grid_factor_g_per_kwh"], float)
        # str() keeps the decimal digits as written, such as 417.3, instead of the float's binary value.
        options["grid_factor_g_per_kwh"] = Decimal(str(table["grid_factor_g_per_kwh"]))
    return options


def load_config(path: Path) -> OracleConfig:
    """Load a TOML configuration; relative paths in it are resolved against its directory.

    Required keys: `deployment_id` (64 hex characters), `operator_keypair` (path), `threshold`,
    `custodian_address` (0x Ethereum address), `bank_pubkey` (base58), and `[[peers]]` tables
    with `url` and `pubkey`. The optional keys and their defaults are the `OracleConfig` fields.
    Relative paths cover `operator_keypair`, `gpu_power_table` and a relative SQLite file in
    `database_url`. An unknown key, a value of the wrong TOML type or one out of its range raises
    `ConfigError` with a one-line message that names the key and the value.
    """
    try:
        table = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read configuration {path}: {error}") from None
    base = path.parent.absolute()
    _reject_unknown_keys(table, _TOP_LEVEL_KEYS, "")

    deployment_id = _deployment_id(table)
    operator_path = _require(table, "operator_keypair", str)
    threshold = _require(table, "threshold", int)
    custodian_address = _checksummed_address(_require(table, "custodian_address", str))
    bank_pubkey = _pubkey("bank_pubkey", _require(table, "bank_pubkey", str))
    peers = _peers(table)
    haircuts = _haircuts(table)
    options = _options(table, base)

    return OracleConfig(
        deployment_id=deployment_id,
        operator=read_keypair(base / operator_path),
        peers=peers,
        threshold=threshold,
        custodian_address=custodian_address,
        bank_pubkey=bank_pubkey,
        haircuts=haircuts,
        **options,
    )
