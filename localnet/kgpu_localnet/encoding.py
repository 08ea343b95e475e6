"""JSON-RPC encodings of accounts, SPL token state, transactions and transaction errors."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from kgpu_localnet import b58
import zstandard
from solders.account import Account
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from kgpu_localnet.errors import RpcError, INVALID_PARAMS
from kgpu_localnet.token_extensions import parse_extensions

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_PROGRAM_IDS = (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)
TOKEN_PROGRAM_NAMES = {TOKEN_PROGRAM_ID: "spl-token", TOKEN_2022_PROGRAM_ID: "spl-token-2022"}

# SPL Token state layouts (spl-token 4, unchanged in Token-2022 for the base fields).
MINT_SIZE = 82
TOKEN_ACCOUNT_SIZE = 165
# Token-2022 puts the account type byte right after the 165-byte base for both mints (padded)
# and accounts, followed by TLV extensions.
TOKEN_2022_ACCOUNT_TYPE_OFFSET = 165
ACCOUNT_TYPE_MINT = 1
ACCOUNT_TYPE_ACCOUNT = 2
TOKEN_ACCOUNT_STATES = {0: "uninitialized", 1: "initialized", 2: "frozen"}

ACCOUNT_ENCODINGS = ("base58", "base64", "base64+zstd", "jsonParsed", "binary")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _coption_pubkey(data: bytes, offset: int) -> str | None:
    tag = int.from_bytes(data[offset : offset + 4], "little")
    if tag == 0:
        return None
    return str(Pubkey.from_bytes(data[offset + 4 : offset + 36]))


def _coption_u64(data: bytes, offset: int) -> int | None:
    tag = int.from_bytes(data[offset : offset + 4], "little")
    if tag == 0:
        return None
    return int.from_bytes(data[offset + 4 : offset + 12], "little")


def token_kind(owner: Pubkey, data: bytes) -> str | None:
    """Return "mint", "account" or None for data owned by a token program."""
    if owner not in TOKEN_PROGRAM_IDS:
        return None
    if len(data) == MINT_SIZE:
        return "mint"
    if len(data) == TOKEN_ACCOUNT_SIZE:
        return "account"
    if owner == TOKEN_2022_PROGRAM_ID and len(data) > TOKEN_2022_ACCOUNT_TYPE_OFFSET:
        account_type = data[TOKEN_2022_ACCOUNT_TYPE_OFFSET]
        if account_type == ACCOUNT_TYPE_MINT:
            return "mint"
        if account_type == ACCOUNT_TYPE_ACCOUNT:
            return "account"
    return None


def ui_token_amount(amount: int, decimals: int) -> dict[str, Any]:
    if decimals == 0:
        amount_string = str(amount)
    else:
        scaled = Decimal(amount).scaleb(-decimals)
        amount_string = format(scaled.normalize(), "f") if amount else "0"
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": float(amount_string),
        "uiAmountString": amount_string,
    }


def parse_mint(data: bytes) -> dict[str, Any]:
    return {
        "mintAuthority": _coption_pubkey(data, 0),
        "supply": str(int.from_bytes(data[36:44], "little")),
        "decimals": data[44],
        "isInitialized": bool(data[45]),
        "freezeAuthority": _coption_pubkey(data, 46),
    }


def mint_decimals(data: bytes) -> int:
    return data[44]


def token_account_fields(data: bytes) -> tuple[Pubkey, Pubkey, int]:
    """Return (mint, owner, amount) of a token account."""
    return (
        Pubkey.from_bytes(data[0:32]),
        Pubkey.from_bytes(data[32:64]),
        int.from_bytes(data[64:72], "little"),
    )


def parse_token_account(data: bytes, decimals: int) -> dict[str, Any]:
    mint, owner, amount = token_account_fields(data)
    delegate = _coption_pubkey(data, 72)
    is_native = _coption_u64(data, 109)
    info: dict[str, Any] = {
        "isNative": is_native is not None,
        "mint": str(mint),
        "owner": str(owner),
        "state": TOKEN_ACCOUNT_STATES.get(data[108], "uninitialized"),
        "tokenAmount": ui_token_amount(amount, decimals),
    }
    if delegate is not None:
        info["delegate"] = delegate
        info["delegatedAmount"] = ui_token_amount(int.from_bytes(data[121:129], "little"), decimals)
    close_authority = _coption_pubkey(data, 129)
    if close_authority is not None:
        info["closeAuthority"] = close_authority
    if is_native is not None:
        info["rentExemptReserve"] = ui_token_amount(is_native, decimals)
    return info


def parse_token_data(owner: Pubkey, data: bytes, mint_lookup) -> dict[str, Any] | None:
    """Build the `jsonParsed` value of a token program account, or None if it is not one.

    `mint_lookup(mint) -> bytes | None` returns a mint's data so a token account can report its
    decimals, as the real RPC does.
    """
    kind = token_kind(owner, data)
    if kind is None:
        return None
    if kind == "mint":
        info = parse_mint(data)
    else:
        mint_data = mint_lookup(Pubkey.from_bytes(data[0:32]))
        if mint_data is None or len(mint_data) < MINT_SIZE:
            return None
        info = parse_token_account(data, mint_decimals(mint_data))
    if owner == TOKEN_2022_PROGRAM_ID and len(data) > TOKEN_ACCOUNT_SIZE:
        info["extensions"] = parse_extensions(data)
    return {
        "program": TOKEN_PROGRAM_NAMES[owner],
        "parsed": {"info": info, "type": kind},
        "space": len(data),
    }


def check_encoding(encoding: str, allowed: tuple[str, ...] = ACCOUNT_ENCODINGS) -> None:
    if encoding not in allowed:
        raise RpcError(INVALID_PARAMS, f"Invalid params: unknown encoding `{encoding}`, expected one of {', '.join(allowed)}")


def encode_data(data: bytes, encoding: str, data_slice: dict | None) -> Any:
    if data_slice is not None:
        offset = int(data_slice.get("offset", 0))
        length = int(data_slice.get("length", 0))
        data = data[offset : offset + length]
    if encoding == "binary":
        return b58.b58encode(data)
    if encoding == "base58":
        if len(data) > 128:
            raise RpcError(INVALID_PARAMS, "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.")
        return [b58.b58encode(data), "base58"]
    if encoding == "base64+zstd":
        return [b64(zstandard.ZstdCompressor().compress(data)), "base64+zstd"]
    return [b64(data), "base64"]


def encode_account(
    account: Account, encoding: str = "base64", data_slice: dict | None = None, mint_lookup=None
) -> dict[str, Any]:
    data = bytes(account.data)
    value: Any = None
    if encoding == "jsonParsed" and mint_lookup is not None and data_slice is None:
        value = parse_token_data(account.owner, data, mint_lookup)
    if value is None:
        value = encode_data(data, "base64" if encoding == "jsonParsed" else encoding, data_slice)
    return {
        "lamports": account.lamports,
        "owner": str(account.owner),
        "data": value,
        "executable": account.executable,
        "rentEpoch": account.rent_epoch,
        "space": len(data),
    }


# --- transactions ---


def message_header(message: Message | MessageV0) -> dict[str, int]:
    header = message.header
    return {
        "numRequiredSignatures": header.num_required_signatures,
        "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
        "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
    }


def writable_flags(message: Message | MessageV0) -> list[bool]:
    """Writability of each static account key, from the message header."""
    header = message.header
    keys = len(message.account_keys)
    signed = header.num_required_signatures
    writable_signed = signed - header.num_readonly_signed_accounts
    writable_unsigned_end = keys - header.num_readonly_unsigned_accounts
    return [i < writable_signed or (signed <= i < writable_unsigned_end) for i in range(keys)]


def encode_transaction(
    tx: VersionedTransaction, raw: bytes, encoding: str, loaded: dict[str, list[str]] | None
) -> Any:
    if encoding == "base64":
        return [b64(raw), "base64"]
    if encoding == "base58":
        return [b58.b58encode(raw), "base58"]
    message = tx.message
    instructions = [
        {
            "programIdIndex": ix.program_id_index,
            "accounts": list(bytes(ix.accounts)),
            "data": b58.b58encode(bytes(ix.data)),
            "stackHeight": None,
        }
        for ix in message.instructions
    ]
    static_keys = [str(key) for key in message.account_keys]
    if encoding == "jsonParsed":
        # Instructions stay in the partially decoded form ({programId, accounts, data});
        # no program-specific parsers run.
        flags = writable_flags(message)
        signers = message.header.num_required_signatures
        account_keys = [
            {"pubkey": key, "writable": flags[i], "signer": i < signers, "source": "transaction"}
            for i, key in enumerate(static_keys)
        ]
        if loaded:
            account_keys += [
                {"pubkey": key, "writable": True, "signer": False, "source": "lookupTable"}
                for key in loaded["writable"]
            ]
            account_keys += [
                {"pubkey": key, "writable": False, "signer": False, "source": "lookupTable"}
                for key in loaded["readonly"]
            ]
        all_keys = [entry["pubkey"] for entry in account_keys]
        instructions = [
            {
                "programId": all_keys[ix["programIdIndex"]],
                "accounts": [all_keys[i] for i in ix["accounts"]],
                "data": ix["data"],
                "stackHeight": None,
            }
            for ix in instructions
        ]
        encoded_message: dict[str, Any] = {
            "accountKeys": account_keys,
            "recentBlockhash": str(message.recent_blockhash),
            "instructions": instructions,
        }
    else:
        encoded_message = {
            "header": message_header(message),
            "accountKeys": static_keys,
            "recentBlockhash": str(message.recent_blockhash),
            "instructions": instructions,
        }
    if isinstance(message, MessageV0):
        encoded_message["addressTableLookups"] = [
            {
                "accountKey": str(lookup.account_key),
                "writableIndexes": list(bytes(lookup.writable_indexes)),
                "readonlyIndexes": list(bytes(lookup.readonly_indexes)),
            }
            for lookup in message.address_table_lookups
        ]
    return {"signatures": [str(sig) for sig in tx.signatures], "message": encoded_message}


# --- transaction errors ---

_INSTRUCTION_ERROR_TEXT = {
    "GenericError": "generic instruction error",
    "InvalidArgument": "invalid program argument",
    "InvalidInstructionData": "invalid instruction data",
    "InvalidAccountData": "invalid account data for instruction",
    "AccountDataTooSmall": "account data too small for instruction",
    "InsufficientFunds": "insufficient funds for instruction",
    "IncorrectProgramId": "incorrect program id for instruction",
    "MissingRequiredSignature": "missing required signature for instruction",
    "AccountAlreadyInitialized": "instruction requires an uninitialized account",
    "UninitializedAccount": "instruction requires an initialized account",
    "AccountNotRentExempt": "An account does not have enough lamports to be rent-exempt",
    "PrivilegeEscalation": "Cross-program invocation with unauthorized signer or writable account",
    "ProgramFailedToComplete": "Program failed to complete",
    "ComputationalBudgetExceeded": "Computational budget exceeded",
    "InvalidSeeds": "Provided seeds do not result in a valid address",
    "ExecutableModified": "instruction changed executable bit of an account",
    "ReadonlyLamportChange": "instruction changed the balance of a read-only account",
    "ReadonlyDataModified": "instruction modified data of a read-only account",
    "ExternalAccountLamportSpend": "instruction spent from the balance of an account it does not own",
    "UnbalancedInstruction": "sum of account balances before and after instruction do not match",
    "IncorrectAuthority": "Incorrect authority provided",
    "AccountBorrowFailed": "instruction tries to borrow reference for an account which is already borrowed",
    "InvalidAccountOwner": "Invalid account owner",
    "MaxSeedLengthExceeded": "Length of the seed is too long for address generation",
    "UnsupportedProgramId": "Unsupported program id",
    "InvalidRealloc": "Failed to reallocate account data",
}

_TRANSACTION_ERROR_TEXT = {
    "AccountInUse": "Account in use",
    "AccountLoadedTwice": "Account loaded twice",
    "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
    "ProgramAccountNotFound": "Attempt to load a program that does not exist",
    "InsufficientFundsForFee": "Insufficient funds for fee",
    "InvalidAccountForFee": "This account may not be used to pay transaction fees",
    "AlreadyProcessed": "This transaction has already been processed",
    "BlockhashNotFound": "Blockhash not found",
    "CallChainTooDeep": "Loader call chain is too deep",
    "MissingSignatureForFee": "Transaction requires a fee but has no signature present",
    "InvalidAccountIndex": "Transaction contains an invalid account reference",
    "SignatureFailure": "Transaction did not pass signature verification",
    "InvalidProgramForExecution": "This program may not be used for executing instructions",
    "SanitizeFailure": "Transaction failed to sanitize accounts offsets correctly",
    "TooManyAccountLocks": "Transaction locked too many accounts",
    "AddressLookupTableNotFound": "Transaction loads an address table account that doesn't exist",
    "UnsupportedVersion": "Transaction version is unsupported",
}


def instruction_error_text(error: Any) -> str:
    if isinstance(error, dict):
        (name, value), = error.items()
        if name == "Custom":
            return f"custom program error: {value:#x}"
        if name == "BorshIoError":
            return f"Failed to serialize or deserialize account data: {value}"
        return f"{name}: {value}"
    return _INSTRUCTION_ERROR_TEXT.get(error, str(error))


def transaction_error_text(error: Any) -> str:
    """Render a JSON transaction error as the validator's Display text."""
    if isinstance(error, dict):
        (name, value), = error.items()
        if name == "InstructionError":
            index, inner = value
            return f"Error processing Instruction {index}: {instruction_error_text(inner)}"
        if name == "InsufficientFundsForRent":
            return f"Transaction results in an account ({value['account_index']}) with insufficient funds for rent"
        if name == "DuplicateInstruction":
            return f"Transaction contains a duplicate instruction ({value}) that is not allowed"
        return f"{name}: {value}"
    return _TRANSACTION_ERROR_TEXT.get(error, str(error))
