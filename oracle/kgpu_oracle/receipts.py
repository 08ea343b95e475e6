"""Usage receipts signed by a provider's node key, and the metering rules they must pass.

The provider signs these bytes (integers little-endian):
`KGPU-USAGE-RECEIPT-1` ‖ 0x00 ‖ deployment id (32) ‖ job (32) ‖ provider node key (32) ‖
sequence u64 ‖ gpu_seconds u64 ‖ window_start i64 ‖ window_end i64 ‖ energy_wh u64 ‖
renewable_wh u64 ‖ challenge id (16) ‖ answer digest (32).
The `usage_hash` in `settle_receipt` is sha256 of exactly these bytes.

The rule checks take the job and challenge facts as plain values, so they do not depend on
where those facts come from (the chain, or the oracle's own tables).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any, Mapping

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from solders.pubkey import Pubkey
from solders.signature import Signature

from kgpu_oracle.errors import ConflictError, EvidenceError
from kgpu_oracle.messages import SettleReceipt

__all__ = [
    "ENERGY_TOLERANCE_PERCENT",
    "RECEIPT_DOMAIN",
    "ChallengeFacts",
    "JobFacts",
    "Receipt",
    "check_receipt_rules",
    "parse_receipt",
    "sign_receipt",
]

RECEIPT_DOMAIN = b"KGPU-USAGE-RECEIPT-1\x00"
ENERGY_TOLERANCE_PERCENT = 110
MAX_CLOCK_SKEW_SECONDS = 300
_U64_MAX = 2**64 - 1
_I64_MAX = 2**63 - 1
_INTEGER_FIELDS = ("sequence", "gpu_seconds", "window_start", "window_end", "energy_wh", "renewable_wh")
_INTEGER_MAXIMA = (_U64_MAX, _U64_MAX, _I64_MAX, _I64_MAX, _U64_MAX, _U64_MAX)
_RECEIPT_FIELDS = frozenset((*_INTEGER_FIELDS, "job", "provider", "challenge_id", "answer_digest", "signature"))


@dataclass(frozen=True)
class Receipt:
    """A usage receipt whose signature has been checked."""

    job: bytes
    provider: bytes
    sequence: int
    gpu_seconds: int
    window_start: int
    window_end: int
    energy_wh: int
    renewable_wh: int
    challenge_id: bytes
    answer_digest: bytes
    signed_bytes: bytes

    @property
    def usage_hash(self) -> bytes:
        """sha256 of the bytes the provider signed."""
        return hashlib.sha256(self.signed_bytes).digest()

    def payload(self) -> SettleReceipt:
        """Build the `settle_receipt` payload for this receipt."""
        return SettleReceipt(
            job=Pubkey.from_bytes(self.job),
            sequence=self.sequence,
            gpu_seconds=self.gpu_seconds,
            window_start=self.window_start,
            window_end=self.window_end,
            energy_wh=self.energy_wh,
            renewable_wh=self.renewable_wh,
            usage_hash=self.usage_hash,
        )


@dataclass(frozen=True)
class JobFacts:
    """Job facts as the market program records them."""

    job: bytes
    provider: bytes
    open: bool
    gpu_model: str
    gpu_count: int
    last_sequence: int


@dataclass(frozen=True)
class ChallengeFacts:
    """The outcome of the proof-of-compute challenge a receipt refers to."""

    challenge_id: bytes
    provider: bytes
    deadline: int
    answered_at: int | None
    answer_digest: bytes | None
    passed: bool


def _receipt_bytes(
    deployment_id: bytes,
    job: bytes,
    provider: bytes,
    integers: tuple[int, ...],
    challenge_id: bytes,
    digest: bytes,
) -> bytes:
    return RECEIPT_DOMAIN + deployment_id + job + provider + struct.pack("<QQqqQQ", *integers) + challenge_id + digest


def sign_receipt(fields: Mapping[str, Any], deployment_id: bytes, node_key: Any) -> dict[str, Any]:
    """Return `fields` with a `signature` made by `node_key` (a nacl SigningKey), as a provider would."""
    signed = _receipt_bytes(
        deployment_id,
        bytes(Pubkey.from_string(fields["job"])),
        bytes(Pubkey.from_string(fields["provider"])),
        tuple(fields[name] for name in _INTEGER_FIELDS),
        bytes.fromhex(fields["challenge_id"]),
        bytes.fromhex(fields["answer_digest"]),
    )
    signature = node_key.sign(signed).signature
    return {**fields, "signature": str(Signature.from_bytes(signature))}


def _parse_key(data: Mapping[str, Any], name: str) -> bytes:
    value = data[name]
    try:
        return bytes(Pubkey.from_string(value))
    except (ValueError, TypeError):
        raise EvidenceError(name, f"invalid base58 public key {value!r}") from None


def _parse_hex(data: Mapping[str, Any], name: str, size: int) -> bytes:
    value = data[name]
    try:
        raw = bytes.fromhex(value)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != size:
        raise EvidenceError(name, f"must be {size} bytes as {2 * size} hex characters")
    return raw


def parse_receipt(data: Mapping[str, Any], deployment_id: bytes) -> Receipt:
    """Parse a receipt object and check the provider's signature over its bytes.

    Raises `EvidenceError` naming the field on a missing, extra or out-of-range field, or a
    signature that does not verify with the receipt's `provider` key.
    """
    if set(data) != _RECEIPT_FIELDS:
        missing = sorted(_RECEIPT_FIELDS - set(data))
        extra = sorted(set(data) - _RECEIPT_FIELDS)
        raise EvidenceError("receipt", f"missing fields {missing}, unknown fields {extra}")
    integers = tuple(data[name] for name in _INTEGER_FIELDS)
    for name, value, high in zip(_INTEGER_FIELDS, integers, _INTEGER_MAXIMA):
        if type(value) is not int or not 0 <= value <= high:
            raise EvidenceError(name, f"must be an integer in 0..{high}")

    job = _parse_key(data, "job")
    provider = _parse_key(data, "provider")
    challenge_id = _parse_hex(data, "challenge_id", 16)
    digest = _parse_hex(data, "answer_digest", 32)
    try:
        signature = bytes(Signature.from_string(data["signature"]))
    except (ValueError, TypeError):
        raise EvidenceError("signature", "must be a base58 ed25519 signature (64 bytes)") from None

    signed = _receipt_bytes(deployment_id, job, provider, integers, challenge_id, digest)
    try:
        crypto_sign_open(signature + signed, provider)
    except BadSignatureError:
        raise EvidenceError("signature", "does not verify with the provider key over the receipt bytes; sign them with the node key") from None
    return Receipt(job, provider, *integers, challenge_id, digest, signed)


def check_receipt_rules(
    receipt: Receipt,
    *,
    job: JobFacts | None,
    board_power_w: int | None,
    challenge: ChallengeFacts | None,
    expected_sequence: int,
    now: int,
) -> None:
    """Apply the metering rules to a receipt whose signature is already checked.

    `expected_sequence` is one more than the last sequence settled or accepted for the job.
    Raises `ConflictError` for a sequence already used and `EvidenceError` for every other
    failure, naming the field.
    """
    if job is None or not job.open:
        raise EvidenceError("job", "no open job with this address; open the job on chain first")
    if job.provider != receipt.provider:
        raise EvidenceError("provider", "the job is assigned to another provider node key")
    if receipt.sequence < expected_sequence:
        raise ConflictError("sequence", f"sequence {receipt.sequence} is already used; the next is {expected_sequence}")
    if receipt.sequence > expected_sequence:
        raise EvidenceError("sequence", f"sequence {receipt.sequence} skips ahead; the next is {expected_sequence}")

    wall_seconds = receipt.window_end - receipt.window_start
    if wall_seconds <= 0:
        raise EvidenceError("window_end", "must be after window_start")
    if receipt.window_end > now + MAX_CLOCK_SKEW_SECONDS:
        raise EvidenceError("window_end", "is in the future; send receipts for finished windows only")
    if receipt.gpu_seconds > wall_seconds * job.gpu_count:
        raise EvidenceError(
            "gpu_seconds",
            f"{receipt.gpu_seconds} exceeds wall time {wall_seconds} s × {job.gpu_count} GPUs",
        )
    if board_power_w is None:
        raise EvidenceError("job", f"GPU model {job.gpu_model!r} is not in the power table; ask the operator to add it")
    # energy_wh ≤ board power × GPUs × hours × 1.1, in integers: Wh·3600·100 ≤ W·GPUs·s·110.
    if receipt.energy_wh * 3600 * 100 > board_power_w * job.gpu_count * wall_seconds * ENERGY_TOLERANCE_PERCENT:
        raise EvidenceError(
            "energy_wh",
            f"{receipt.energy_wh} Wh exceeds {board_power_w} W × {job.gpu_count} GPUs × {wall_seconds} s × 1.1",
        )
    if receipt.renewable_wh > receipt.energy_wh:
        raise EvidenceError("renewable_wh", "must not exceed energy_wh")

    if challenge is None:
        raise EvidenceError("challenge_id", "unknown challenge; request one with POST /v1/challenges")
    if challenge.provider != receipt.provider:
        raise EvidenceError("challenge_id", "the challenge was issued to another provider")
    if not challenge.passed or challenge.answered_at is None:
        raise EvidenceError("challenge_id", "the challenge has no correct answer; submit C = A·B first")
    if challenge.answered_at > challenge.deadline:
        raise EvidenceError("challenge_id", "the challenge was answered after its deadline; request a new one")
    if challenge.answer_digest != receipt.answer_digest:
        raise EvidenceError("answer_digest", "does not match the sha256 of the accepted answer")
