"""Decoded views of the `kgpu_token` accounts.

Each account is the Anchor discriminator `sha256("account:<Name>")[:8]` followed by fixed-size
Borsh fields, so every account type has one size. Offsets below are from the start of the data.

```text
Config (753)     8 admin | 40 registry_authority | 72 mint | 104 bump | 105 mint_bump
                 | 106 deployment_id | 138 haircut_bps u16 | 140 max_attestation_age i64
                 | 148 mint_paused | 149 oracle_count | 150 oracle_threshold | 151 oracles [32; 10]
                 | 471 blocked_count | 472 blocked_jurisdictions [2; 16] | 504 approved_program_count
                 | 505 approved_programs [32; 4] | 633 attestation_sequence u64 | 641 valuation_time i64
                 | 649 collateral_value u64 | 657 capacity u64 | 665 report_hash | 697 custodian_id
                 | 729 attested_slot u64 | 737 total_minted u64 | 745 total_burned u64
KycRecord (53)   8 wallet | 40 jurisdiction [2] | 42 level | 43 expires_at i64 | 51 revoked | 52 bump
DepositRecord (89)  8 deposit_id | 40 beneficiary | 72 amount u64 | 80 slot u64 | 88 bump
Redemption (138) 8 owner | 40 nonce u64 | 48 amount u64 | 56 bank_reference_hash | 88 status
                 | 89 payment_reference_hash | 121 requested_at i64 | 129 paid_at i64 | 137 bump
```
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from solders.pubkey import Pubkey

__all__ = [
    "AccountDecodeError",
    "Config",
    "DepositRecord",
    "KycRecord",
    "Redemption",
    "RedemptionStatus",
    "account_discriminator",
]

_MAX_ORACLES = 10
_MAX_BLOCKED = 16
_MAX_APPROVED_PROGRAMS = 4


def account_discriminator(name: str) -> bytes:
    """Return the Anchor account discriminator `sha256("account:<name>")[:8]`."""
    return hashlib.sha256(f"account:{name}".encode()).digest()[:8]


class AccountDecodeError(ValueError):
    """Raised when account data is not the expected `kgpu_token` account type."""


def _check(data: bytes, name: str, size: int) -> None:
    if len(data) != size:
        raise AccountDecodeError(f"a {name} account has {size} bytes, got {len(data)}: check the address")
    if data[:8] != account_discriminator(name):
        raise AccountDecodeError(f"data does not start with the {name} discriminator: check the address")


def _pubkey(data: bytes, offset: int) -> Pubkey:
    return Pubkey.from_bytes(data[offset : offset + 32])


@dataclass(frozen=True)
class Config:
    """The program's singleton settings and latest collateral attestation (PDA `["config"]`).

    Amounts are KRW, which is also the K-GPU base unit (0 decimals). Times are unix seconds.
    """

    NAME: ClassVar[str] = "Config"
    SIZE: ClassVar[int] = 753

    admin: Pubkey
    registry_authority: Pubkey
    mint: Pubkey
    bump: int
    mint_bump: int
    deployment_id: bytes
    haircut_bps: int
    max_attestation_age: int
    """Seconds an attestation stays fresh enough for `mint_deposit`."""
    mint_paused: bool
    oracles: tuple[Pubkey, ...]
    """The first `oracle_count` entries of the stored array."""
    oracle_threshold: int
    blocked_jurisdictions: tuple[bytes, ...]
    """ISO 3166-1 alpha-2 codes as 2 ASCII bytes, for example `b"CN"`."""
    approved_programs: tuple[Pubkey, ...]
    attestation_sequence: int
    """0 before the first attestation."""
    valuation_time: int
    collateral_value: int
    capacity: int
    """`collateral_value * (10_000 - haircut_bps) // 10_000`: the supply `mint_deposit` may reach."""
    report_hash: bytes
    custodian_id: bytes
    attested_slot: int
    total_minted: int
    total_burned: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Config:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size or discriminator."""
        _check(data, cls.NAME, cls.SIZE)
        oracle_count = data[149]
        blocked_count = data[471]
        approved_count = data[504]
        if oracle_count > _MAX_ORACLES or blocked_count > _MAX_BLOCKED or approved_count > _MAX_APPROVED_PROGRAMS:
            raise AccountDecodeError("Config counts exceed their arrays: the account is corrupt or not a Config")
        haircut_bps, max_age, mint_paused = struct.unpack_from("<Hq?", data, 138)
        sequence, valuation_time, collateral_value, capacity = struct.unpack_from("<QqQQ", data, 633)
        attested_slot, total_minted, total_burned = struct.unpack_from("<QQQ", data, 729)
        return cls(
            admin=_pubkey(data, 8),
            registry_authority=_pubkey(data, 40),
            mint=_pubkey(data, 72),
            bump=data[104],
            mint_bump=data[105],
            deployment_id=data[106:138],
            haircut_bps=haircut_bps,
            max_attestation_age=max_age,
            mint_paused=mint_paused,
            oracles=tuple(_pubkey(data, 151 + 32 * i) for i in range(oracle_count)),
            oracle_threshold=data[150],
            blocked_jurisdictions=tuple(data[472 + 2 * i : 474 + 2 * i] for i in range(blocked_count)),
            approved_programs=tuple(_pubkey(data, 505 + 32 * i) for i in range(approved_count)),
            attestation_sequence=sequence,
            valuation_time=valuation_time,
            collateral_value=collateral_value,
            capacity=capacity,
            report_hash=data[665:697],
            custodian_id=data[697:729],
            attested_slot=attested_slot,
            total_minted=total_minted,
            total_burned=total_burned,
        )


@dataclass(frozen=True)
class KycRecord:
    """A wallet's KYC status, at `kyc_record_address(wallet)`."""

    NAME: ClassVar[str] = "KycRecord"
    SIZE: ClassVar[int] = 53

    wallet: Pubkey
    jurisdiction: bytes
    level: int
    expires_at: int
    """Unix seconds. The record is valid strictly before this time."""
    revoked: bool

    @classmethod
    def from_bytes(cls, data: bytes) -> KycRecord:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size or discriminator."""
        _check(data, cls.NAME, cls.SIZE)
        level, expires_at, revoked = struct.unpack_from("<Bq?", data, 42)
        return cls(_pubkey(data, 8), data[40:42], level, expires_at, revoked)

    def is_valid(self, now: int, blocked_jurisdictions: tuple[bytes, ...] = ()) -> bool:
        """Apply the program's rule: level at least 1, not revoked, `now < expires_at`, jurisdiction allowed."""
        return self.level >= 1 and not self.revoked and now < self.expires_at and self.jurisdiction not in blocked_jurisdictions


@dataclass(frozen=True)
class DepositRecord:
    """Proof that one bank deposit was minted (PDA `["deposit", deposit_id]`)."""

    NAME: ClassVar[str] = "DepositRecord"
    SIZE: ClassVar[int] = 89

    deposit_id: bytes
    beneficiary: Pubkey
    amount: int
    slot: int
    bump: int

    @classmethod
    def from_bytes(cls, data: bytes) -> DepositRecord:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size or discriminator."""
        _check(data, cls.NAME, cls.SIZE)
        amount, slot, bump = struct.unpack_from("<QQB", data, 72)
        return cls(data[8:40], _pubkey(data, 40), amount, slot, bump)


class RedemptionStatus(IntEnum):
    """`Redemption.status`."""

    REQUESTED = 0
    PAID = 1


@dataclass(frozen=True)
class Redemption:
    """A holder's burn and request for a bank payment (PDA `["redemption", holder, nonce]`)."""

    NAME: ClassVar[str] = "Redemption"
    SIZE: ClassVar[int] = 138

    owner: Pubkey
    nonce: int
    amount: int
    bank_reference_hash: bytes
    status: RedemptionStatus
    payment_reference_hash: bytes
    """All zero until `confirm_redemption`."""
    requested_at: int
    paid_at: int
    """Unix seconds, 0 until paid."""
    bump: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Redemption:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size, discriminator or status."""
        _check(data, cls.NAME, cls.SIZE)
        nonce, amount = struct.unpack_from("<QQ", data, 40)
        try:
            status = RedemptionStatus(data[88])
        except ValueError:
            raise AccountDecodeError(f"unknown redemption status {data[88]}") from None
        requested_at, paid_at, bump = struct.unpack_from("<qqB", data, 121)
        return cls(_pubkey(data, 8), nonce, amount, data[56:88], status, data[89:121], requested_at, paid_at, bump)
