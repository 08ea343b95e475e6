"""Shared test data for the oracle tests: deterministic keys, a settable clock and signed example evidence."""

from __future__ import annotations

import base64
import csv
import hashlib
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from nacl.signing import SigningKey
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from kgpu_oracle.collateral import sign_report
from kgpu_oracle.compute import answer_digest, compute_answer, encode_answer
from kgpu_oracle.config import OracleConfig, Peer
from kgpu_oracle.deposits import DepositNotice, sign_deposit
from kgpu_oracle.receipts import sign_receipt

DEPLOYMENT_ID = hashlib.sha256(b"kgpu oracle tests").digest()
CUSTODIAN_KEY = hashlib.sha256(b"test custodian key").digest()
CUSTODIAN_ADDRESS = Account.from_key(CUSTODIAN_KEY).address
BANK_KEY = SigningKey(hashlib.sha256(b"test bank key").digest())
PROVIDER_KEY = SigningKey(hashlib.sha256(b"test provider node key").digest())
PROVIDER = Pubkey.from_bytes(bytes(PROVIDER_KEY.verify_key))
JOB = Pubkey.from_bytes(hashlib.sha256(b"test job").digest())
QUOTE_DAY = 1753056000  # 2025-07-21 00:00 UTC, the date of the shipped KTB quotes
TEST_NOW = QUOTE_DAY + 86_400 + 3_600
KTB_QUOTES = Path(__file__).resolve().parents[2] / "oracle" / "kgpu_oracle" / "data" / "ktb_quotes.csv"


def operator_keypair(index: int) -> Keypair:
    return Keypair.from_seed(hashlib.sha256(f"test operator {index}".encode()).digest())


class Clock:
    """A settable clock in unix seconds."""

    def __init__(self, now: float = TEST_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_config(database_url: str, *, index: int = 0, peers: tuple[Peer, ...] = (), threshold: int = 1, **options: Any) -> OracleConfig:
    return OracleConfig(
        deployment_id=DEPLOYMENT_ID,
        operator=operator_keypair(index),
        peers=peers,
        threshold=threshold,
        custodian_address=CUSTODIAN_ADDRESS,
        bank_pubkey=Pubkey.from_bytes(bytes(BANK_KEY.verify_key)),
        database_url=database_url,
        **options,
    )


def example_report(sequence: int = 1) -> dict[str, Any]:
    """A holdings report of the shipped 2025-07-21 KTB quotes, 10 bn KRW face each."""
    with open(KTB_QUOTES, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return {
        "sequence": sequence,
        "valuationDate": "2025-07-21",
        "positions": [
            {
                "isin": row["isin"],
                "faceValue": 10_000_000_000,
                "cleanPrice": row["price_per_10000_face"],
                "maturityDate": row["maturity_date"],
            }
            for row in rows
        ],
    }


def signed_report_body(report: dict[str, Any] | None = None) -> dict[str, Any]:
    report = report or example_report()
    return {"report": report, "signature": sign_report(report, DEPLOYMENT_ID, CUSTODIAN_KEY)}


def deposit_body(reference: str = "SHINHAN-20250721-000123", amount: int = 1_000_000, beneficiary: Pubkey | None = None) -> dict[str, Any]:
    notice = DepositNotice(reference, beneficiary or Pubkey.from_bytes(hashlib.sha256(b"wallet").digest()), amount, QUOTE_DAY)
    signature = sign_deposit(notice, DEPLOYMENT_ID, BANK_KEY)
    return {
        "reference": reference,
        "beneficiary": str(notice.beneficiary),
        "amount": amount,
        "credited_at": QUOTE_DAY,
        "signature": str(Signature.from_bytes(signature)),
    }


def solve_challenge(challenge: dict[str, Any]) -> tuple[str, str]:
    """Return the base64 answer and its sha256 hex digest for a challenge view."""
    encoded = encode_answer(compute_answer(bytes.fromhex(challenge["seed"]), challenge["n"]))
    return base64.b64encode(encoded).decode(), answer_digest(encoded).hex()


def receipt_body(challenge_id: str, digest: str, sequence: int = 1, **overrides: Any) -> dict[str, Any]:
    fields = {
        "job": str(JOB),
        "provider": str(PROVIDER),
        "sequence": sequence,
        "gpu_seconds": 7_200,
        "window_start": TEST_NOW - 7_200,
        "window_end": TEST_NOW - 3_600,
        "energy_wh": 1_400,
        "renewable_wh": 700,
        "challenge_id": challenge_id,
        "answer_digest": digest,
    }
    fields.update(overrides)
    return sign_receipt(fields, DEPLOYMENT_ID, PROVIDER_KEY)




class RunningClock:
    """A clock that starts at `start` and advances with real time, so retries come due."""

    def __init__(self, start: float = TEST_NOW) -> None:
        self._offset = start - time.time()

    def __call__(self) -> float:
        return time.time() + self._offset
