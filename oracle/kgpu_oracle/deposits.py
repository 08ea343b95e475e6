"""KRW deposit notices signed by the bank's ed25519 key.

The bank signs these bytes (integers little-endian):

| size | field |
| --- | --- |
| 20 | ASCII `KGPU-BANK-DEPOSIT-1` followed by one zero byte |
| 32 | deployment id |
| 2 | `u16` length L of the deposit reference in UTF-8 bytes (1..128) |
| L | the bank's deposit reference, UTF-8 |
| 32 | beneficiary wallet public key |
| 8 | `u64` amount in KRW |
| 8 | `i64` time the bank credited the deposit, unix seconds |

The oracle signs `mint_deposit` with `deposit_id = sha256(reference || counter)`: the reference in
UTF-8, then `counter` as a u32 little-endian, for the smallest counter from 0 whose deposit record
PDA `["deposit", deposit_id]` has canonical bump 255 (`kgpu.token.canonical_deposit_id`). The
program rejects other ids, every oracle derives the same id from the same reference, and the
bank's own identifier never goes on chain.

NOTE: ids derived before this scheme were `sha256(reference)`. An oracle database that accepted
deposits under the old scheme does not recognise those references as duplicates.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from solders.pubkey import Pubkey

from kgpu.token import canonical_deposit_id

from kgpu_oracle.errors import EvidenceError
from kgpu_oracle.messages import MintDeposit

__all__ = ["DEPOSIT_DOMAIN", "DepositNotice", "deposit_signing_bytes", "sign_deposit", "verify_deposit"]

DEPOSIT_DOMAIN = b"KGPU-BANK-DEPOSIT-1\x00"
MAX_REFERENCE_BYTES = 128
MAX_AMOUNT_KRW = 10**15
MAX_CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class DepositNotice:
    """A verified deposit: who receives tokens and how many."""

    reference: str
    beneficiary: Pubkey
    amount: int
    credited_at: int

    @property
    def deposit_id(self) -> bytes:
        """The canonical deposit id of the bank's reference (see the module docstring)."""
        return canonical_deposit_id(self.reference)

    def payload(self) -> MintDeposit:
        """Build the `mint_deposit` payload for this deposit."""
        return MintDeposit(self.deposit_id, self.beneficiary, self.amount)


def deposit_signing_bytes(notice: DepositNotice, deployment_id: bytes) -> bytes:
    """Return the bytes the bank signs for `notice` (layout in the module docstring)."""
    reference = notice.reference.encode()
    return (
        DEPOSIT_DOMAIN
        + deployment_id
        + struct.pack("<H", len(reference))
        + reference
        + bytes(notice.beneficiary)
        + struct.pack("<Qq", notice.amount, notice.credited_at)
    )


def sign_deposit(notice: DepositNotice, deployment_id: bytes, bank_key: SigningKey) -> bytes:
    """Sign `notice` as the bank would; returns the 64-byte signature."""
    return bank_key.sign(deposit_signing_bytes(notice, deployment_id)).signature


def verify_deposit(
    *,
    reference: str,
    beneficiary: str,
    amount: int,
    credited_at: int,
    signature: bytes,
    bank_key: VerifyKey,
    deployment_id: bytes,
    now: int,
) -> DepositNotice:
    """Check the fields and the bank's signature of a deposit notice.

    Raises `EvidenceError` naming the field when a value is out of range, the credit time is in
    the future, or the signature is not the configured bank key's.
    """
    encoded = reference.encode()
    if not 1 <= len(encoded) <= MAX_REFERENCE_BYTES or not reference.isprintable():
        raise EvidenceError("reference", f"must be 1..{MAX_REFERENCE_BYTES} bytes of printable UTF-8")
    try:
        beneficiary_key = Pubkey.from_string(beneficiary)
    except ValueError:
        raise EvidenceError("beneficiary", f"invalid base58 public key {beneficiary!r}") from None
    if not 1 <= amount <= MAX_AMOUNT_KRW:
        raise EvidenceError("amount", f"must be 1..{MAX_AMOUNT_KRW} KRW, got {amount}")
    if not 0 <= credited_at <= now + MAX_CLOCK_SKEW_SECONDS:
        raise EvidenceError(
            "credited_at", f"{credited_at} is negative or in the future; send the unix time the bank credited the deposit"
        )
    if len(signature) != 64:
        raise EvidenceError("signature", f"must be 64 bytes, got {len(signature)}")

    notice = DepositNotice(reference, beneficiary_key, amount, credited_at)
    try:
        bank_key.verify(deposit_signing_bytes(notice, deployment_id), signature)
    except BadSignatureError:
        raise EvidenceError("signature", "does not verify with the configured bank key over the deposit notice bytes") from None
    return notice
