"""The quorum message encoding, re-exported from the SDK module :mod:`kgpu.quorum`.

The oracle and the SDK sign and check the same bytes, so the encoding lives once, in the SDK.
"""

from __future__ import annotations

from kgpu.quorum import (
    ED25519_PROGRAM_ID,
    HEADER_SIZE,
    MARKET_PROGRAM_ID,
    MESSAGE_TAG,
    MESSAGE_VERSION,
    TOKEN_PROGRAM_ID,
    AttestCollateral,
    ConfirmRedemption,
    Kind,
    MessageDecodeError,
    MintDeposit,
    Payload,
    SettleReceipt,
    Slash,
    build_ed25519_instruction,
    custodian_id_from_address,
    decode_message,
    encode_message,
)

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
]
