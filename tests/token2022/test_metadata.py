"""Token-2022 token metadata on LiteSVM (solders 0.27.1), called directly from a client.

The mint is created the way the K-GPU mint is: 0 decimals, the MetadataPointer extension
pointing at the mint itself, and name, symbol and URI stored in the mint through the
token-metadata interface `Initialize` instruction.

The Token-2022 build that solders 0.27.1 bundles (LiteSVM 0.8.0's `spl_token_2022-8.0.0.so`)
grows the mint with `realloc(new_len, false)` and then reads the grown bytes before writing
them. LiteSVM() enables every runtime feature, including the SIMD-0219 "stricter ABI and
runtime constraints", which raise `InvalidRealloc` on a load from grown account space that
no store has touched yet. Token-2022 v10.0.0 and later zero-fill the grown bytes first
(upstream commit "program: Use realloc with zero-init"), and the v11.0.0 build that
`kgpu_sbf.spl` fetches passes on the same runtime.
docs/token2022-metadata.md has the details.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import InstructionErrorFieldless, TransactionErrorInsufficientFundsForRent

from kgpu_sbf.spl import TOKEN_2022_PATH, ensure_token_2022

TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")

# SHA-256 of the program data that `LiteSVM()` loads at the Token-2022 id in solders 0.27.1.
BUNDLED_TOKEN_2022_SHA256 = "d2f8858d3204d0f47cef71a419048380dee8e88da4c63cf207d61d486555d240"

TOKEN_2022_V11_PATH = TOKEN_2022_PATH
TOKEN_2022_V11_SHA256 = "495e9d7680dd555cb126a6a8e5464af5be9b01f02f2cd70634352722d22e3cad"

# Token-2022 instruction indexes (`TokenInstruction` in spl-token-2022).
INITIALIZE_MINT_2 = 20
METADATA_POINTER_EXTENSION = 39
METADATA_POINTER_INITIALIZE = 0

# Token-metadata interface `Initialize`: sha256("spl_token_metadata_interface:initialize_account")[:8].
TOKEN_METADATA_INITIALIZE = hashlib.sha256(b"spl_token_metadata_interface:initialize_account").digest()[:8]

# Token-2022 `ExtensionType` values.
EXTENSION_METADATA_POINTER = 18
EXTENSION_TOKEN_METADATA = 19

# Mint layout: base mint padded to the token account size (165), the account type byte, then
# TLV entries of type u16, length u16 and value.
MINT_BASE_LEN = 82
ACCOUNT_TYPE_OFFSET = 165
ACCOUNT_TYPE_MINT = 1
TLV_START = 166
TLV_HEADER_LEN = 4
METADATA_POINTER_LEN = 64
MINT_WITH_POINTER_LEN = TLV_START + TLV_HEADER_LEN + METADATA_POINTER_LEN  # 234

DECIMALS = 0
NAME = "K-GPU Won"
SYMBOL = "KGPU"
URI = "https://kgpu.example/token.json"

PAYER_LAMPORTS = 10 * 1_000_000_000


def borsh_string(value: str) -> bytes:
    encoded = value.encode()
    return struct.pack("<I", len(encoded)) + encoded


def token_metadata_value() -> bytes:
    """Return the expected TokenMetadata value without its authorities: strings, empty map."""
    return borsh_string(NAME) + borsh_string(SYMBOL) + borsh_string(URI) + struct.pack("<I", 0)


# Full TokenMetadata TLV entry: header, update authority, mint, strings, empty additional map.
TOKEN_METADATA_ENTRY_LEN = TLV_HEADER_LEN + 32 + 32 + len(token_metadata_value())
MINT_WITH_METADATA_LEN = MINT_WITH_POINTER_LEN + TOKEN_METADATA_ENTRY_LEN  # 362


class MintBuilder:
    """Instructions that create a K-GPU style Token-2022 mint with in-mint metadata."""

    def __init__(self, svm: LiteSVM) -> None:
        self.svm = svm
        self.payer = Keypair()
        self.mint_keypair = Keypair()
        self.mint = self.mint_keypair.pubkey()
        self.authority = self.payer.pubkey()
        svm.airdrop(self.payer.pubkey(), PAYER_LAMPORTS)

    def create_account_ix(self, space: int, rent_exempt_len: int) -> Instruction:
        """Create the mint owned by Token-2022 with `space` bytes and rent for `rent_exempt_len`."""
        params = CreateAccountParams(
            from_pubkey=self.payer.pubkey(),
            to_pubkey=self.mint,
            lamports=self.svm.minimum_balance_for_rent_exemption(rent_exempt_len),
            space=space,
            owner=TOKEN_2022_PROGRAM_ID,
        )
        return create_account(params)

    def metadata_pointer_ix(self) -> Instruction:
        data = bytes([METADATA_POINTER_EXTENSION, METADATA_POINTER_INITIALIZE]) + bytes(self.authority) + bytes(self.mint)
        return Instruction(TOKEN_2022_PROGRAM_ID, data, [AccountMeta(self.mint, False, True)])

    def initialize_mint_ix(self) -> Instruction:
        # decimals, mint authority, then freeze authority as COption tag 0 (None).
        data = bytes([INITIALIZE_MINT_2, DECIMALS]) + bytes(self.authority) + bytes([0])
        return Instruction(TOKEN_2022_PROGRAM_ID, data, [AccountMeta(self.mint, False, True)])

    def metadata_initialize_ix(self) -> Instruction:
        data = TOKEN_METADATA_INITIALIZE + borsh_string(NAME) + borsh_string(SYMBOL) + borsh_string(URI)
        accounts = [
            AccountMeta(self.mint, False, True),  # metadata account, the mint itself
            AccountMeta(self.authority, False, False),  # update authority
            AccountMeta(self.mint, False, False),  # mint
            AccountMeta(self.authority, True, False),  # mint authority, signs
        ]
        return Instruction(TOKEN_2022_PROGRAM_ID, data, accounts)

    def setup_ixs(self, space: int = MINT_WITH_POINTER_LEN,
                  rent_exempt_len: int = MINT_WITH_METADATA_LEN) -> list[Instruction]:
        """Create the account, then initialize MetadataPointer and the mint.

        Token-2022 requires `space` to match the initialized extensions exactly, and it grows
        the mint for the metadata itself. So by default the account gets room for the mint and
        MetadataPointer only, and lamports for the size after the metadata.
        """
        return [self.create_account_ix(space, rent_exempt_len), self.metadata_pointer_ix(), self.initialize_mint_ix()]

    def send(self, instructions: list[Instruction]) -> TransactionMetadata | FailedTransactionMetadata:
        self.svm.expire_blockhash()
        blockhash = self.svm.latest_blockhash()
        message = Message.new_with_blockhash(instructions, self.payer.pubkey(), blockhash)
        signer_keys = {meta.pubkey for ix in instructions for meta in ix.accounts if meta.is_signer}
        signers = [self.payer] + ([self.mint_keypair] if self.mint in signer_keys else [])
        return self.svm.send_transaction(Transaction(signers, message, blockhash))

    def mint_data(self) -> bytes:
        return bytes(self.svm.get_account(self.mint).data)


def logs_of(result: TransactionMetadata | FailedTransactionMetadata) -> list[str]:
    return list(result.logs() if isinstance(result, TransactionMetadata) else result.meta().logs())


def assert_ok(result: TransactionMetadata | FailedTransactionMetadata) -> None:
    assert isinstance(result, TransactionMetadata), f"{result.err()}\n" + "\n".join(logs_of(result))


def failed_instruction(result: TransactionMetadata | FailedTransactionMetadata):
    """Return (instruction index, InstructionError) of a failed transaction."""
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded but was expected to fail"
    error = result.err()
    return error.index, error.err


def tlv_entries(data: bytes) -> dict[int, bytes]:
    entries = {}
    offset = TLV_START
    while offset + TLV_HEADER_LEN <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == 0:
            break
        entries[kind] = data[offset + TLV_HEADER_LEN:offset + TLV_HEADER_LEN + length]
        offset += TLV_HEADER_LEN + length
    return entries


def load_token_2022_v11(svm: LiteSVM) -> None:
    ensure_token_2022(log=lambda _line: None)
    elf = TOKEN_2022_V11_PATH.read_bytes()
    assert hashlib.sha256(elf).hexdigest() == TOKEN_2022_V11_SHA256, f"{TOKEN_2022_V11_PATH} changed"
    svm.add_program(TOKEN_2022_PROGRAM_ID, elf)


@pytest.fixture
def svm_v11() -> LiteSVM:
    """LiteSVM with every feature enabled and Token-2022 v11.0.0 loaded at the Token-2022 id."""
    svm = LiteSVM()
    load_token_2022_v11(svm)
    return svm


# --- the bundled build fails ------------------------------------------------------------------


def test_bundled_token2022_build_hash() -> None:
    # If solders changes its bundled Token-2022, the failure tests below may no longer apply.
    program = LiteSVM().get_account(TOKEN_2022_PROGRAM_ID)
    assert program is not None
    assert hashlib.sha256(bytes(program.data)).hexdigest() == BUNDLED_TOKEN_2022_SHA256


@pytest.mark.parametrize("separate_transaction", [False, True], ids=["one_tx", "two_tx"])
def test_bundled_metadata_invalid_realloc(separate_transaction: bool) -> None:
    builder = MintBuilder(LiteSVM())
    if separate_transaction:
        assert_ok(builder.send(builder.setup_ixs()))
        result = builder.send([builder.metadata_initialize_ix()])
        expected_index = 0
    else:
        result = builder.send(builder.setup_ixs() + [builder.metadata_initialize_ix()])
        expected_index = 3

    index, error = failed_instruction(result)
    assert index == expected_index
    assert error == InstructionErrorFieldless.InvalidRealloc
    logs = logs_of(result)
    assert "Program log: TokenMetadataInstruction: Initialize" in logs
    assert logs[-1] == f"Program {TOKEN_2022_PROGRAM_ID} failed: Failed to reallocate account data"


def test_bundled_failure_leaves_mint_unchanged() -> None:
    builder = MintBuilder(LiteSVM())
    assert_ok(builder.send(builder.setup_ixs()))
    before = builder.mint_data()

    builder.send([builder.metadata_initialize_ix()])

    assert builder.mint_data() == before
    assert len(before) == MINT_WITH_POINTER_LEN


def test_bundled_metadata_without_features() -> None:
    # Diagnostic only: with no runtime features active the same build writes the metadata,
    # which ties the failure to the feature set. This runtime cannot replace LiteSVM() for
    # the project's tests because it lacks the ed25519 precompile and feature-gated syscalls
    # such as sol_curve_validate_point.
    svm = LiteSVM.default().with_builtins().with_lamports(10**15).with_sysvars().with_default_programs()
    builder = MintBuilder(svm)

    assert_ok(builder.send(builder.setup_ixs() + [builder.metadata_initialize_ix()]))

    assert len(builder.mint_data()) == MINT_WITH_METADATA_LEN


# --- Token-2022 v11.0.0 works -----------------------------------------------------------------


@pytest.mark.parametrize("separate_transaction", [False, True], ids=["one_tx", "two_tx"])
def test_v11_metadata_writes_fields(svm_v11: LiteSVM, separate_transaction: bool) -> None:
    builder = MintBuilder(svm_v11)
    if separate_transaction:
        assert_ok(builder.send(builder.setup_ixs()))
        result = builder.send([builder.metadata_initialize_ix()])
    else:
        result = builder.send(builder.setup_ixs() + [builder.metadata_initialize_ix()])
    assert_ok(result)
    assert "Program log: TokenMetadataInstruction: Initialize" in logs_of(result)

    account = svm_v11.get_account(builder.mint)
    data = bytes(account.data)
    assert account.owner == TOKEN_2022_PROGRAM_ID
    assert len(data) == MINT_WITH_METADATA_LEN
    assert account.lamports == svm_v11.minimum_balance_for_rent_exemption(MINT_WITH_METADATA_LEN)

    # Base mint: mint authority COption, supply, decimals, initialized, no freeze authority.
    assert struct.unpack_from("<I", data, 0)[0] == 1
    assert data[4:36] == bytes(builder.authority)
    assert struct.unpack_from("<Q", data, 36)[0] == 0
    assert data[44] == DECIMALS
    assert data[45] == 1
    assert struct.unpack_from("<I", data, 46)[0] == 0
    assert data[MINT_BASE_LEN:ACCOUNT_TYPE_OFFSET] == bytes(ACCOUNT_TYPE_OFFSET - MINT_BASE_LEN)
    assert data[ACCOUNT_TYPE_OFFSET] == ACCOUNT_TYPE_MINT

    entries = tlv_entries(data)
    assert list(entries) == [EXTENSION_METADATA_POINTER, EXTENSION_TOKEN_METADATA]
    assert entries[EXTENSION_METADATA_POINTER] == bytes(builder.authority) + bytes(builder.mint)
    metadata = entries[EXTENSION_TOKEN_METADATA]
    assert metadata[:32] == bytes(builder.authority)  # update authority
    assert metadata[32:64] == bytes(builder.mint)
    assert metadata[64:] == token_metadata_value()


def test_v11_presized_mint_rejected(svm_v11: LiteSVM) -> None:
    # InitializeMint2 requires the account size to match its initialized extensions, so the
    # metadata space cannot be allocated up front to avoid the realloc.
    builder = MintBuilder(svm_v11)
    ixs = builder.setup_ixs(space=MINT_WITH_METADATA_LEN, rent_exempt_len=MINT_WITH_METADATA_LEN)

    index, error = failed_instruction(builder.send(ixs))

    assert index == 2
    assert error == InstructionErrorFieldless.InvalidAccountData


def test_v11_metadata_without_rent_fails(svm_v11: LiteSVM) -> None:
    # Token-2022 does not move lamports when it grows the mint, so the mint must already hold
    # the rent-exempt minimum for the grown size.
    builder = MintBuilder(svm_v11)
    ixs = builder.setup_ixs(rent_exempt_len=MINT_WITH_POINTER_LEN) + [builder.metadata_initialize_ix()]

    result = builder.send(ixs)

    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded but was expected to fail"
    # Account index 1 of the message is the mint.
    assert result.err() == TransactionErrorInsufficientFundsForRent(1)


def test_v11_metadata_before_mint_rejected(svm_v11: LiteSVM) -> None:
    builder = MintBuilder(svm_v11)
    create, pointer, initialize_mint = builder.setup_ixs()

    result = builder.send([create, pointer, builder.metadata_initialize_ix(), initialize_mint])

    index, error = failed_instruction(result)
    assert index == 2
    assert error == InstructionErrorFieldless.UninitializedAccount
