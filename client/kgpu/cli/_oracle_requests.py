"""HTTP calls to a kgpu-oracle and the evidence files the custodian and bank commands read."""

from __future__ import annotations

import csv
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from kgpu.cli._errors import InputFileError, OracleModuleMissingError, OracleRejectedError, OracleUnreachableError
from kgpu.config import load_keypair

HTTP_TIMEOUT_SECONDS = 10.0
# Column names of a positions CSV, in the EIP-712 HoldingsReport spelling the oracle expects.
POSITION_FIELDS = ("isin", "faceValue", "cleanPrice", "maturityDate")
_SNAKE_CASE = {"face_value": "faceValue", "clean_price": "cleanPrice", "maturity_date": "maturityDate"}


def oracle_json(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send one JSON request to a kgpu-oracle and return the decoded JSON response.

    Raises:
        OracleUnreachableError: no HTTP response arrived within ``HTTP_TIMEOUT_SECONDS``.
        OracleRejectedError: the oracle returned status 400 or above.
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", errors="replace")[:500]
        raise OracleRejectedError(url=url, status=error.code, detail=detail) from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise OracleUnreachableError(url=url, reason=str(reason)) from error


def load_positions(path: Path) -> list[dict[str, Any]]:
    """Read bond positions from a CSV file with a header row, or a JSON list or ``{"positions": [...]}``.

    Column and key names are ``isin``, ``faceValue``, ``cleanPrice`` and ``maturityDate``
    (snake case is accepted too). ``faceValue`` is KRW, ``cleanPrice`` KRW per 10,000 KRW of face
    value as a decimal string, and ``maturityDate`` is YYYY-MM-DD. The oracle checks the ranges.

    Raises:
        InputFileError: the file is missing, is neither form, or a position lacks a field.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputFileError(path=str(path), reason=str(error)) from error

    if path.suffix.lower() == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputFileError(path=str(path), reason=str(error)) from error
        rows = loaded.get("positions") if isinstance(loaded, dict) else loaded
        if not isinstance(rows, list):
            raise InputFileError(path=str(path), reason="expected a JSON list of positions or an object with a positions list")
    else:
        rows = list(csv.DictReader(text.splitlines()))

    positions = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InputFileError(path=str(path), reason=f"position {number} is not an object")
        named = {_SNAKE_CASE.get(key.strip(), key.strip()): value for key, value in row.items() if key}
        missing = [name for name in POSITION_FIELDS if named.get(name) in (None, "")]
        if missing:
            raise InputFileError(path=str(path), reason=f"position {number} lacks {', '.join(missing)}")
        try:
            face_value = int(str(named["faceValue"]).replace(",", ""))
        except ValueError as error:
            raise InputFileError(path=str(path), reason=f"position {number}: faceValue is not a whole number of KRW") from error
        positions.append(
            {
                "isin": str(named["isin"]).strip(),
                "faceValue": face_value,
                "cleanPrice": str(named["cleanPrice"]).strip(),
                "maturityDate": str(named["maturityDate"]).strip(),
            }
        )
    if not positions:
        raise InputFileError(path=str(path), reason="the file contains no positions")
    return positions


def load_custodian_key(path: Path) -> bytes:
    """Read a 32-byte secp256k1 private key written as hex, with or without ``0x``.

    Raises:
        InputFileError: the file is missing or does not contain 64 hex digits.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise InputFileError(path=str(path), reason=str(error)) from error
    try:
        key = bytes.fromhex(text.removeprefix("0x"))
    except ValueError as error:
        raise InputFileError(path=str(path), reason="the key is not hex") from error
    if len(key) != 32:
        raise InputFileError(path=str(path), reason=f"a secp256k1 private key is 32 bytes, got {len(key)}")
    return key


def load_bank_key(path: Path) -> SigningKey:
    """Read the bank's Ed25519 key from a Solana CLI keypair file."""
    keypair = load_keypair(path)
    return SigningKey(bytes(keypair)[:32])


def import_oracle_module(name: str) -> Any:
    """Import ``kgpu_oracle.<name>``, whose signing helpers define the formats the oracle verifies.

    Raises:
        OracleModuleMissingError: the kgpu_oracle package is not installed next to kgpu.
    """
    import importlib  # noqa: PLC0415

    try:
        return importlib.import_module(f"kgpu_oracle.{name}")
    except ImportError as error:
        raise OracleModuleMissingError(reason=str(error)) from error
