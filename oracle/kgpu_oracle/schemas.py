"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

__all__ = [
    "AttestationView",
    "ChallengeAnswerRequest",
    "ChallengeEvidence",
    "ChallengeRequest",
    "ChallengeView",
    "CollateralReportRequest",
    "DepositRequest",
    "PeerSignRequest",
    "PeerSignResponse",
    "ReceiptRequest",
]

_STRICT = ConfigDict(extra="forbid")


class PositionModel(BaseModel):
    """One KTB position, named as in the EIP-712 `Position` type."""

    model_config = _STRICT
    isin: str = Field(max_length=12, examples=["KR103501GF30"])
    faceValue: StrictInt = Field(description="face value in KRW")
    cleanPrice: str = Field(max_length=20, description="clean price per 10,000 KRW face", examples=["10128.5"])
    maturityDate: str = Field(max_length=10, examples=["2027-03-10"])


class HoldingsReportModel(BaseModel):
    """The EIP-712 `HoldingsReport` message."""

    model_config = _STRICT
    sequence: StrictInt
    valuationDate: str = Field(max_length=10, examples=["2025-07-21"])
    positions: list[PositionModel] = Field(max_length=200)


class CollateralReportRequest(BaseModel):
    """A holdings report and the custodian's EIP-712 signature (0x hex, 65 bytes)."""

    model_config = _STRICT
    report: HoldingsReportModel
    signature: str = Field(max_length=140)


class DepositRequest(BaseModel):
    """A bank deposit notice; `signature` is the bank's base58 ed25519 signature."""

    model_config = _STRICT
    reference: str = Field(max_length=128, description="the bank's deposit reference")
    beneficiary: str = Field(max_length=44, description="wallet public key, base58")
    amount: StrictInt = Field(description="KRW, equal to token units")
    credited_at: StrictInt = Field(description="unix seconds when the bank credited the deposit")
    signature: str = Field(max_length=100)


class ChallengeRequest(BaseModel):
    """A provider's request for a proof-of-compute challenge."""

    model_config = _STRICT
    provider: str = Field(max_length=44, description="provider node public key, base58")


class ChallengeView(BaseModel):
    """A challenge: derive A and B from `seed` and `n`, return C = A·B mod 2^61−1 before `deadline`."""

    challenge_id: str
    provider: str
    seed: str
    n: int
    prime: int
    issued_at: int
    deadline: int
    answered_at: int | None = None
    passed: bool = False
    answer_digest: str | None = None


class ChallengeAnswerRequest(BaseModel):
    """The product C, base64 of n² little-endian u64 entries in row-major order."""

    model_config = _STRICT
    answer: str = Field(max_length=400_000)


class ReceiptRequest(BaseModel):
    """A usage receipt signed by the provider's node key (base58 signature)."""

    model_config = _STRICT
    job: str = Field(max_length=44)
    provider: str = Field(max_length=44)
    sequence: StrictInt
    gpu_seconds: StrictInt
    window_start: StrictInt
    window_end: StrictInt
    energy_wh: StrictInt
    renewable_wh: StrictInt
    challenge_id: str = Field(max_length=32, description="hex")
    answer_digest: str = Field(max_length=64, description="sha256 of the encoded answer, hex")
    signature: str = Field(max_length=100)


class ChallengeEvidence(BaseModel):
    """The issuing oracle's signed challenge result, with the answer for peers to re-check."""

    model_config = _STRICT
    challenge_id: str = Field(max_length=32)
    provider: str = Field(max_length=44)
    seed: str = Field(max_length=64)
    n: StrictInt
    issued_at: StrictInt
    deadline: StrictInt
    answered_at: StrictInt
    answer: str = Field(max_length=400_000, description="base64 of the encoded answer")
    issuer: str = Field(max_length=44)
    issuer_signature: str = Field(max_length=100)


class PeerSignRequest(BaseModel):
    """Evidence for one attestation and the message the requesting oracle expects to be signed."""

    model_config = _STRICT
    kind: Literal["collateral", "deposit", "receipt"]
    message_hex: str = Field(max_length=1000)
    collateral: CollateralReportRequest | None = None
    deposit: DepositRequest | None = None
    receipt: ReceiptRequest | None = None
    challenge: ChallengeEvidence | None = None


class PeerSignResponse(BaseModel):
    """This operator's signature over the message (base58)."""

    signer: str
    signature: str


class AttestationView(BaseModel):
    """Status of one attestation in the outbox."""

    id: str
    kind: int
    state: str
    evidence_key: str
    message_hex: str
    signers: list[str]
    threshold: int
    attempts: int
    last_error: str | None = None
    tx_signature: str | None = None
    history: list[dict[str, object]] = []
