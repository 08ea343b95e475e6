"""`jsonParsed` reports the Token-2022 extensions that the real Token-2022 program wrote."""

from __future__ import annotations

import struct

import pytest
from solana.rpc.api import Client
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from spl.token.instructions import InitializeMintParams, initialize_mint

from kgpu_localnet.token_extensions import parse_extensions
from localnet_helpers import create_ata, funded_keypair, send_and_confirm

TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")

# Token-2022 instruction tags and the value sizes of the extensions below.
INITIALIZE_MINT_CLOSE_AUTHORITY = 25
DEFAULT_ACCOUNT_STATE_EXTENSION = 28
INITIALIZE_PERMANENT_DELEGATE = 35
METADATA_POINTER_EXTENSION = 39
# Base 165 bytes, account type byte, then TLV entries (4-byte header each):
# close authority 32, default state 1, permanent delegate 32, metadata pointer 64.
EXTENDED_MINT_SIZE = 166 + (4 + 32) + (4 + 1) + (4 + 32) + (4 + 64)


def token_2022_ix(data: bytes, mint: Pubkey) -> Instruction:
    return Instruction(TOKEN_2022_PROGRAM_ID, data, [AccountMeta(mint, False, True)])


@pytest.fixture(scope="module")
def extended_mint(localnet):
    """A Token-2022 mint with four extensions, and a payer-owned associated token account."""
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    mint = Keypair()
    close_authority, delegate, metadata = Keypair().pubkey(), Keypair().pubkey(), Keypair().pubkey()
    rent = client.get_minimum_balance_for_rent_exemption(EXTENDED_MINT_SIZE).value
    send_and_confirm(
        client,
        [
            create_account(CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=mint.pubkey(), lamports=rent,
                                               space=EXTENDED_MINT_SIZE, owner=TOKEN_2022_PROGRAM_ID)),
            token_2022_ix(bytes([INITIALIZE_MINT_CLOSE_AUTHORITY, 1]) + bytes(close_authority), mint.pubkey()),
            token_2022_ix(bytes([DEFAULT_ACCOUNT_STATE_EXTENSION, 0, 1]), mint.pubkey()),
            token_2022_ix(bytes([INITIALIZE_PERMANENT_DELEGATE]) + bytes(delegate), mint.pubkey()),
            token_2022_ix(bytes([METADATA_POINTER_EXTENSION, 0]) + bytes(payer.pubkey()) + bytes(metadata), mint.pubkey()),
            initialize_mint(InitializeMintParams(decimals=0, mint=mint.pubkey(), mint_authority=payer.pubkey(),
                                                 program_id=TOKEN_2022_PROGRAM_ID)),
        ],
        [payer, mint],
    )
    account = create_ata(client, payer, payer.pubkey(), mint.pubkey(), TOKEN_2022_PROGRAM_ID)
    return {
        "mint": mint.pubkey(),
        "account": account,
        "payer": payer.pubkey(),
        "close_authority": close_authority,
        "delegate": delegate,
        "metadata": metadata,
    }


def test_mint_extensions_parsed(localnet, extended_mint):
    value = localnet.result("getAccountInfo", [str(extended_mint["mint"]), {"encoding": "jsonParsed", "commitment": "confirmed"}])["value"]

    assert value["data"]["program"] == "spl-token-2022"
    assert value["data"]["parsed"]["type"] == "mint"
    assert value["data"]["parsed"]["info"]["extensions"] == [
        {"extension": "mintCloseAuthority", "state": {"closeAuthority": str(extended_mint["close_authority"])}},
        {"extension": "defaultAccountState", "state": {"accountState": "initialized"}},
        {"extension": "permanentDelegate", "state": {"delegate": str(extended_mint["delegate"])}},
        {"extension": "metadataPointer",
         "state": {"authority": str(extended_mint["payer"]), "metadataAddress": str(extended_mint["metadata"])}},
    ]


def test_associated_account_has_immutable_owner(localnet, extended_mint):
    value = localnet.result("getAccountInfo", [str(extended_mint["account"]), {"encoding": "jsonParsed", "commitment": "confirmed"}])["value"]
    info = value["data"]["parsed"]["info"]

    assert value["data"]["parsed"]["type"] == "account"
    assert info["owner"] == str(extended_mint["payer"])
    assert info["state"] == "initialized"
    assert info["extensions"] == [{"extension": "immutableOwner"}]


def test_token_metadata_value_parsed():
    mint, authority = Keypair().pubkey(), Keypair().pubkey()

    def borsh(text: str) -> bytes:
        return struct.pack("<I", len(text.encode())) + text.encode()

    value = bytes(authority) + bytes(mint) + borsh("K-GPU") + borsh("KGPU") + borsh("https://example.org/kgpu.json")
    value += struct.pack("<I", 1) + borsh("peg") + borsh("1 KRW")
    data = bytes(165) + bytes([1]) + struct.pack("<HH", 19, len(value)) + value

    assert parse_extensions(data) == [{
        "extension": "tokenMetadata",
        "state": {
            "updateAuthority": str(authority),
            "mint": str(mint),
            "name": "K-GPU",
            "symbol": "KGPU",
            "uri": "https://example.org/kgpu.json",
            "additionalMetadata": [["peg", "1 KRW"]],
        },
    }]


def test_unknown_and_truncated_entries_unparsable():
    unknown = struct.pack("<HH", 4, 2) + b"\x00\x00"
    truncated_metadata = struct.pack("<HH", 19, 10) + bytes(10)
    data = bytes(165) + bytes([1]) + unknown + truncated_metadata + bytes(8)

    assert parse_extensions(data) == [{"extension": "unparsableExtension"}, {"extension": "unparsableExtension"}]


def test_padding_ends_scan():
    data = bytes(165) + bytes([2]) + struct.pack("<HH", 7, 0) + bytes(12)

    assert parse_extensions(data) == [{"extension": "immutableOwner"}]
