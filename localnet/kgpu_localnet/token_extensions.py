"""`jsonParsed` form of Token-2022 extensions, as Agave's account decoder reports them.

Token-2022 stores extensions after the 165-byte base and the account type byte as TLV entries:
a little-endian u16 extension type, a u16 length and the value. Each entry becomes one object
`{"extension": "<camelCaseName>", "state": {...}}`; extensions without fields (for example
`immutableOwner`) have no `state`. Field names and formats follow Agave's
`account-decoder/src/parse_token_extension.rs`: addresses as base58 strings or null when unset,
amounts as integers.

Extensions whose state needs confidential-transfer or interest-rate decoding are reported as
`unparsableExtension`, which is also what Agave returns for an entry it cannot read.
"""

from __future__ import annotations

import struct
from typing import Any, Callable

from solders.pubkey import Pubkey

# First TLV entry: after the 165-byte base (mints are padded to it) and the account type byte.
TLV_START = 166
TLV_HEADER_LEN = 4

ACCOUNT_STATES = {0: "uninitialized", 1: "initialized", 2: "frozen"}


def _optional_pubkey(value: bytes, offset: int = 0) -> str | None:
    """Read an `OptionalNonZeroPubkey`: 32 bytes, all zero meaning none."""
    key = value[offset : offset + 32]
    if len(key) != 32:
        raise ValueError("truncated address")
    return None if key == bytes(32) else str(Pubkey.from_bytes(key))


def _bool(value: bytes, offset: int = 0) -> bool:
    return value[offset] != 0


def _u64(value: bytes, offset: int) -> int:
    return struct.unpack_from("<Q", value, offset)[0]


class _BorshReader:
    """Sequential reader for the Borsh layout of the token-metadata interface."""

    def __init__(self, value: bytes) -> None:
        self.value = value
        self.offset = 0

    def take(self, length: int) -> bytes:
        end = self.offset + length
        if end > len(self.value):
            raise ValueError("truncated Borsh value")
        chunk = self.value[self.offset : end]
        self.offset = end
        return chunk

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def string(self) -> str:
        return self.take(self.u32()).decode("utf-8")


def _transfer_fee(value: bytes, offset: int) -> dict[str, int]:
    epoch, maximum_fee, basis_points = struct.unpack_from("<QQH", value, offset)
    return {"epoch": epoch, "maximumFee": maximum_fee, "transferFeeBasisPoints": basis_points}


def _transfer_fee_config(value: bytes) -> dict[str, Any]:
    return {
        "transferFeeConfigAuthority": _optional_pubkey(value, 0),
        "withdrawWithheldAuthority": _optional_pubkey(value, 32),
        "withheldAmount": _u64(value, 64),
        "olderTransferFee": _transfer_fee(value, 72),
        "newerTransferFee": _transfer_fee(value, 90),
    }


def _token_metadata(value: bytes) -> dict[str, Any]:
    reader = _BorshReader(value)
    update_authority = _optional_pubkey(reader.take(32))
    mint = str(Pubkey.from_bytes(reader.take(32)))
    name = reader.string()
    symbol = reader.string()
    uri = reader.string()
    additional = [[reader.string(), reader.string()] for _ in range(reader.u32())]
    return {
        "updateAuthority": update_authority,
        "mint": mint,
        "name": name,
        "symbol": symbol,
        "uri": uri,
        "additionalMetadata": additional,
    }


# Extension type number -> (name, state parser or None for an extension without fields).
ExtensionParser = Callable[[bytes], dict[str, Any]] | None
EXTENSIONS: dict[int, tuple[str, ExtensionParser]] = {
    0: ("uninitialized", None),
    1: ("transferFeeConfig", _transfer_fee_config),
    2: ("transferFeeAmount", lambda value: {"withheldAmount": _u64(value, 0)}),
    3: ("mintCloseAuthority", lambda value: {"closeAuthority": _optional_pubkey(value)}),
    6: ("defaultAccountState", lambda value: {"accountState": ACCOUNT_STATES.get(value[0], "uninitialized")}),
    7: ("immutableOwner", None),
    8: ("memoTransfer", lambda value: {"requireIncomingTransferMemos": _bool(value)}),
    9: ("nonTransferable", None),
    11: ("cpiGuard", lambda value: {"lockCpi": _bool(value)}),
    12: ("permanentDelegate", lambda value: {"delegate": _optional_pubkey(value)}),
    13: ("nonTransferableAccount", None),
    14: ("transferHook", lambda value: {"authority": _optional_pubkey(value, 0), "programId": _optional_pubkey(value, 32)}),
    15: ("transferHookAccount", lambda value: {"transferring": _bool(value)}),
    18: ("metadataPointer",
         lambda value: {"authority": _optional_pubkey(value, 0), "metadataAddress": _optional_pubkey(value, 32)}),
    19: ("tokenMetadata", _token_metadata),
    20: ("groupPointer", lambda value: {"authority": _optional_pubkey(value, 0), "groupAddress": _optional_pubkey(value, 32)}),
    22: ("groupMemberPointer",
         lambda value: {"authority": _optional_pubkey(value, 0), "memberAddress": _optional_pubkey(value, 32)}),
    26: ("pausableConfig", lambda value: {"authority": _optional_pubkey(value, 0), "paused": _bool(value, 32)}),
    27: ("pausableAccount", None),
}

UNPARSABLE = {"extension": "unparsableExtension"}


def parse_extensions(data: bytes) -> list[dict[str, Any]]:
    """Return the `extensions` list of a Token-2022 mint or account with the given data.

    Data no longer than the base has no extensions. The TLV scan stops at the first entry of
    type 0 (the zero padding after the last extension) or at a truncated header. An entry that
    is unknown here or whose value does not parse becomes `unparsableExtension`.
    """
    extensions: list[dict[str, Any]] = []
    offset = TLV_START
    while offset + TLV_HEADER_LEN <= len(data):
        extension_type, length = struct.unpack_from("<HH", data, offset)
        if extension_type == 0:
            break
        value = data[offset + TLV_HEADER_LEN : offset + TLV_HEADER_LEN + length]
        offset += TLV_HEADER_LEN + length
        known = EXTENSIONS.get(extension_type)
        if known is None or len(value) != length:
            extensions.append(dict(UNPARSABLE))
            continue

        name, parser = known
        if parser is None:
            extensions.append({"extension": name})
            continue
        try:
            extensions.append({"extension": name, "state": parser(value)})
        except (ValueError, IndexError, struct.error, UnicodeDecodeError):
            extensions.append(dict(UNPARSABLE))
    return extensions
