"""Byte encoding of the oracle quorum messages and of the Ed25519 precompile instruction.

Every oracle-driven instruction of `kgpu_token` and `kgpu_market` checks that m oracle keys signed
one message: a 74-byte header (tag `KGPUQRM1`, version 1, program id, deployment id, kind)
followed by the kind's payload. Integers are little-endian and fields follow each other with no
padding. The programs rebuild the same bytes from their own instruction data and accounts, so any
change here must change there too. `tests/vectors/quorum_messages.json` fixes the shared vectors.
The oracle service uses this module through its re-export `kgpu_oracle.messages`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from collections.abc import Sequence
from typing import ClassVar, Union

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, KGPU_TOKEN_PROGRAM_ID

__all__ = [
    "ED25519_PROGRAM_ID",
    "HEADER_SIZE",
    "MARKET_PROGRAM_ID",
    "MESSAGE_TAG",
    "MESSAGE_VERSION",
    "TOKEN_PROGRAM_ID",
    "AttestCollateral",
    "ConfirmRedemption",
    "Kind",
    "MessageDecodeError",
    "MintDeposit",
    "Payload",
    "SettleReceipt",
    "Slash",
    "build_ed25519_instruction",
    "custodian_id_from_address",
    "decode_message",
    "encode_message",
    "sign_quorum_instruction",
]

MESSAGE_TAG = b"KGPUQRM1"
MESSAGE_VERSION = 1
HEADER_SIZE = 74

TOKEN_PROGRAM_ID = KGPU_TOKEN_PROGRAM_ID
MARKET_PROGRAM_ID = KGPU_MARKET_PROGRAM_ID
ED25519_PROGRAM_ID = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")

_U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1


class Kind(IntEnum):
    """Instruction kind byte at offset 73 of a quorum message."""

    ATTEST_COLLATERAL = 1
    MINT_DEPOSIT = 2
    CONFIRM_REDEMPTION = 3
    SETTLE_RECEIPT = 16
    SLASH = 17


class MessageDecodeError(ValueError):
    """Raised when bytes are not a well-formed quorum message."""


def _check_u64(name: str, value: int) -> None:
    if not 0 <= value <= _U64_MAX:
        raise ValueError(f"{name} must be an integer in 0..2^64-1, got {value}")


def _check_i64(name: str, value: int) -> None:
    if not _I64_MIN <= value <= _I64_MAX:
        raise ValueError(f"{name} must be an integer in -2^63..2^63-1, got {value}")


def _check_bytes32(name: str, value: bytes) -> None:
    if len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(value)}")


def custodian_id_from_address(address: str | bytes) -> bytes:
    """Return the 32-byte custodian id: 12 zero bytes followed by the 20-byte Ethereum address."""
    raw = bytes.fromhex(address.removeprefix("0x")) if isinstance(address, str) else address
    if len(raw) != 20:
        raise ValueError(f"an Ethereum address is 20 bytes, got {len(raw)}")
    return bytes(12) + raw


@dataclass(frozen=True)
class AttestCollateral:
    """Payload of kind 1, `kgpu_token::attest_collateral`."""

    KIND: ClassVar[Kind] = Kind.ATTEST_COLLATERAL
    PROGRAM_ID: ClassVar[Pubkey] = TOKEN_PROGRAM_ID
    _FORMAT: ClassVar[str] = "<QqQ32s32s"

    sequence: int
    valuation_time: int
    collateral_value: int
    report_hash: bytes
    custodian_id: bytes

    def __post_init__(self) -> None:
        _check_u64("sequence", self.sequence)
        _check_i64("valuation_time", self.valuation_time)
        _check_u64("collateral_value", self.collateral_value)
        _check_bytes32("report_hash", self.report_hash)
        _check_bytes32("custodian_id", self.custodian_id)

    def encode(self) -> bytes:
        return struct.pack(
            self._FORMAT,
            self.sequence,
            self.valuation_time,
            self.collateral_value,
            self.report_hash,
            self.custodian_id,
        )

    @classmethod
    def decode(cls, data: bytes) -> "AttestCollateral":
        return cls(*struct.unpack(cls._FORMAT, data))


@dataclass(frozen=True)
class MintDeposit:
    """Payload of kind 2, `kgpu_token::mint_deposit`."""

    KIND: ClassVar[Kind] = Kind.MINT_DEPOSIT
    PROGRAM_ID: ClassVar[Pubkey] = TOKEN_PROGRAM_ID
    _FORMAT: ClassVar[str] = "<32s32sQ"

    deposit_id: bytes
    beneficiary: Pubkey
    amount: int

    def __post_init__(self) -> None:
        _check_bytes32("deposit_id", self.deposit_id)
        _check_u64("amount", self.amount)

    def encode(self) -> bytes:
        return struct.pack(self._FORMAT, self.deposit_id, bytes(self.beneficiary), self.amount)

    @classmethod
    def decode(cls, data: bytes) -> "MintDeposit":
        deposit_id, beneficiary, amount = struct.unpack(cls._FORMAT, data)
        return cls(deposit_id, Pubkey.from_bytes(beneficiary), amount)


@dataclass(frozen=True)
class ConfirmRedemption:
    """Payload of kind 3, `kgpu_token::confirm_redemption`."""

    KIND: ClassVar[Kind] = Kind.CONFIRM_REDEMPTION
    PROGRAM_ID: ClassVar[Pubkey] = TOKEN_PROGRAM_ID
    _FORMAT: ClassVar[str] = "<32s32s"

    redemption: Pubkey
    payment_reference_hash: bytes

    def __post_init__(self) -> None:
        _check_bytes32("payment_reference_hash", self.payment_reference_hash)

    def encode(self) -> bytes:
        return struct.pack(self._FORMAT, bytes(self.redemption), self.payment_reference_hash)

    @classmethod
    def decode(cls, data: bytes) -> "ConfirmRedemption":
        redemption, reference_hash = struct.unpack(cls._FORMAT, data)
        return cls(Pubkey.from_bytes(redemption), reference_hash)


@dataclass(frozen=True)
class SettleReceipt:
    """Payload of kind 16, `kgpu_market::settle_receipt`."""

    KIND: ClassVar[Kind] = Kind.SETTLE_RECEIPT
    PROGRAM_ID: ClassVar[Pubkey] = MARKET_PROGRAM_ID
    _FORMAT: ClassVar[str] = "<32sQQqqQQ32s"

    job: Pubkey
    sequence: int
    gpu_seconds: int
    window_start: int
    window_end: int
    energy_wh: int
    renewable_wh: int
    usage_hash: bytes

    def __post_init__(self) -> None:
        _check_u64("sequence", self.sequence)
        _check_u64("gpu_seconds", self.gpu_seconds)
        _check_i64("window_start", self.window_start)
        _check_i64("window_end", self.window_end)
        _check_u64("energy_wh", self.energy_wh)
        _check_u64("renewable_wh", self.renewable_wh)
        _check_bytes32("usage_hash", self.usage_hash)

    def encode(self) -> bytes:
        return struct.pack(
            self._FORMAT,
            bytes(self.job),
            self.sequence,
            self.gpu_seconds,
            self.window_start,
            self.window_end,
            self.energy_wh,
            self.renewable_wh,
            self.usage_hash,
        )

    @classmethod
    def decode(cls, data: bytes) -> "SettleReceipt":
        job, *rest = struct.unpack(cls._FORMAT, data)
        return cls(Pubkey.from_bytes(job), *rest)


@dataclass(frozen=True)
class Slash:
    """Payload of kind 17, `kgpu_market::slash`."""

    KIND: ClassVar[Kind] = Kind.SLASH
    PROGRAM_ID: ClassVar[Pubkey] = MARKET_PROGRAM_ID
    _FORMAT: ClassVar[str] = "<32sQQ32s32s"

    provider: Pubkey
    slash_sequence: int
    amount: int
    evidence_hash: bytes
    recipient: Pubkey

    def __post_init__(self) -> None:
        _check_u64("slash_sequence", self.slash_sequence)
        _check_u64("amount", self.amount)
        _check_bytes32("evidence_hash", self.evidence_hash)

    def encode(self) -> bytes:
        return struct.pack(
            self._FORMAT,
            bytes(self.provider),
            self.slash_sequence,
            self.amount,
            self.evidence_hash,
            bytes(self.recipient),
        )

    @classmethod
    def decode(cls, data: bytes) -> "Slash":
        provider, slash_sequence, amount, evidence_hash, recipient = struct.unpack(cls._FORMAT, data)
        return cls(
            Pubkey.from_bytes(provider),
            slash_sequence,
            amount,
            evidence_hash,
            Pubkey.from_bytes(recipient),
        )


Payload = Union[AttestCollateral, MintDeposit, ConfirmRedemption, SettleReceipt, Slash]

_PAYLOAD_TYPES: dict[Kind, type] = {
    payload_type.KIND: payload_type
    for payload_type in (AttestCollateral, MintDeposit, ConfirmRedemption, SettleReceipt, Slash)
}


def encode_message(payload: Payload, deployment_id: bytes) -> bytes:
    """Build the exact bytes that each oracle signs for `payload` in deployment `deployment_id`."""
    _check_bytes32("deployment_id", deployment_id)
    header = (
        MESSAGE_TAG
        + bytes([MESSAGE_VERSION])
        + bytes(payload.PROGRAM_ID)
        + deployment_id
        + bytes([payload.KIND])
    )
    return header + payload.encode()


def decode_message(message: bytes) -> tuple[bytes, Payload]:
    """Split a quorum message into its deployment id and payload.

    Raises `MessageDecodeError` when the tag, version, kind, program id or payload length does not
    match the layout.
    """
    if len(message) < HEADER_SIZE:
        raise MessageDecodeError(f"a quorum message has at least {HEADER_SIZE} bytes, got {len(message)}")
    if message[:8] != MESSAGE_TAG:
        raise MessageDecodeError(f"message tag must be {MESSAGE_TAG!r}, got {message[:8]!r}")
    if message[8] != MESSAGE_VERSION:
        raise MessageDecodeError(f"message version must be {MESSAGE_VERSION}, got {message[8]}")
    try:
        kind = Kind(message[73])
    except ValueError:
        raise MessageDecodeError(f"unknown message kind {message[73]}") from None
    payload_type = _PAYLOAD_TYPES[kind]
    if message[9:41] != bytes(payload_type.PROGRAM_ID):
        raise MessageDecodeError(f"kind {kind.name} belongs to program {payload_type.PROGRAM_ID}")
    body = message[HEADER_SIZE:]
    expected_size = struct.calcsize(payload_type._FORMAT)
    if len(body) != expected_size:
        raise MessageDecodeError(
            f"kind {kind.name} has a {expected_size}-byte payload, got {len(body)} bytes"
        )
    return message[41:73], payload_type.decode(body)


_ENTRY_SIZE = 14
_OWN_INSTRUCTION = 0xFFFF


def build_ed25519_instruction(message: bytes, signatures: list[tuple[Pubkey, bytes]]) -> Instruction:
    """Build one Ed25519 precompile instruction carrying every (signer, signature) over `message`.

    Data layout: `num_signatures: u8`, one padding byte, one 14-byte offsets entry per signature,
    then per signature its 32-byte public key and 64-byte signature, then the shared message once.
    Every instruction index is 0xFFFF (this instruction's own data), which is the only form the
    K-GPU programs accept.
    """
    if not 1 <= len(signatures) <= 255:
        raise ValueError(f"an Ed25519 instruction carries 1..255 signatures, got {len(signatures)}")
    count = len(signatures)
    keys_start = 2 + _ENTRY_SIZE * count
    message_offset = keys_start + 96 * count
    if message_offset + len(message) > 0xFFFF:
        raise ValueError("signatures and message do not fit the precompile's u16 offsets")

    entries = bytearray([count, 0])
    blobs = bytearray()
    for index, (signer, signature) in enumerate(signatures):
        if len(signature) != 64:
            raise ValueError(f"signature {index} must be 64 bytes, got {len(signature)}")
        key_offset = keys_start + 96 * index
        entries += struct.pack(
            "<7H",
            key_offset + 32,
            _OWN_INSTRUCTION,
            key_offset,
            _OWN_INSTRUCTION,
            message_offset,
            len(message),
            _OWN_INSTRUCTION,
        )
        blobs += bytes(signer) + signature
    return Instruction(ED25519_PROGRAM_ID, bytes(entries + blobs + message), [])


def sign_quorum_instruction(payload: Payload, deployment_id: bytes, signers: Sequence[Keypair]) -> Instruction:
    """Sign the quorum message of `payload` with each keypair and build its Ed25519 instruction.

    Put the returned instruction before the program instruction in the same transaction. The
    program counts each signer once and only when its key is in the current oracle set.
    """
    message = encode_message(payload, deployment_id)
    return build_ed25519_instruction(
        message, [(signer.pubkey(), bytes(signer.sign_message(message))) for signer in signers]
    )
