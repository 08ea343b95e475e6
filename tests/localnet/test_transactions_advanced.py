"""Durable nonce transactions, v0 transactions with lookup tables, and startup options."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed, Processed
from solders.address_lookup_table_account import ADDRESS_LOOKUP_TABLE_ID, AddressLookupTableAccount
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import AdvanceNonceAccountParams, advance_nonce_account, create_nonce_account
from solders.transaction import Transaction, VersionedTransaction

from localnet_server import start_localnet, stop_localnet
from localnet_helpers import funded_keypair, send_and_confirm, sol_transfer_ix, wait_confirmed

NONCE_ACCOUNT_SIZE = 80
U64_MAX = 2**64 - 1
ROOT = Path(__file__).resolve().parents[2]


def stored_nonce(client: Client, nonce: Pubkey) -> Hash:
    data = client.get_account_info(nonce, Processed).value.data
    return Hash(bytes(data[40:72]))


def test_durable_nonce_transactions(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    nonce = Keypair()
    rent = client.get_minimum_balance_for_rent_exemption(NONCE_ACCOUNT_SIZE).value
    send_and_confirm(client, create_nonce_account(payer.pubkey(), nonce.pubkey(), payer.pubkey(), rent), [payer, nonce])
    recipient = Keypair().pubkey()

    for amount in (1_000, 2_000):
        value = stored_nonce(client, nonce.pubkey())
        instructions = [
            advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=nonce.pubkey(), authorized_pubkey=payer.pubkey())),
            sol_transfer_ix(payer.pubkey(), recipient, amount),
        ]
        tx = Transaction([payer], Message(instructions, payer.pubkey()), value)
        signature = client.send_transaction(tx).value
        assert wait_confirmed(client, signature).err is None
        assert stored_nonce(client, nonce.pubkey()) != value

    assert client.get_balance(recipient, Confirmed).value == 3_000


def lookup_table_data(addresses: list[Pubkey], authority: Pubkey) -> bytes:
    """Serialize an active lookup table (ProgramState::LookupTable, then the addresses)."""
    meta = (
        (1).to_bytes(4, "little")
        + U64_MAX.to_bytes(8, "little")
        + (0).to_bytes(8, "little")
        + bytes([0])
        + bytes([1]) + bytes(authority)
        + bytes(2)
    )
    return meta + b"".join(bytes(address) for address in addresses)


def test_v0_transaction_with_lookup_table(litesvm_only):
    net = litesvm_only
    client = Client(net.rpc_url)
    payer = funded_keypair(client)
    recipients = [Keypair().pubkey() for _ in range(3)]
    table = Keypair().pubkey()
    data = lookup_table_data(recipients, payer.pubkey())
    net.result(
        "kgpu_setAccount",
        [str(table), {"lamports": 10**9, "data": [base64.b64encode(data).decode(), "base64"], "owner": str(ADDRESS_LOOKUP_TABLE_ID), "executable": False, "rentEpoch": 0}],
    )
    blockhash = client.get_latest_blockhash(Processed).value.blockhash
    message = MessageV0.try_compile(
        payer.pubkey(),
        [sol_transfer_ix(payer.pubkey(), recipient, 1_000_000 + i) for i, recipient in enumerate(recipients)],
        [AddressLookupTableAccount(table, recipients)],
        blockhash,
    )
    tx = VersionedTransaction(message, [payer])
    signature = client.send_transaction(tx).value
    assert wait_confirmed(client, signature).err is None

    for index, recipient in enumerate(recipients):
        assert client.get_balance(recipient, Confirmed).value == 1_000_000 + index
    fetched = net.result("getTransaction", [str(signature), {"commitment": "confirmed", "maxSupportedTransactionVersion": 0}])
    assert fetched["version"] == 0
    indexes = bytes(message.address_table_lookups[0].writable_indexes)
    assert fetched["meta"]["loadedAddresses"]["writable"] == [str(recipients[i]) for i in indexes]
    assert len(fetched["meta"]["postBalances"]) == len(message.account_keys) + 3
    unsupported = net.call("getTransaction", [str(signature), {"commitment": "confirmed"}])
    assert unsupported["error"]["code"] == -32015
    history = net.result("getSignaturesForAddress", [str(recipients[2]), {"commitment": "confirmed"}])
    assert [entry["signature"] for entry in history] == [str(signature)]


def test_account_option_loads_json_file(tmp_path):
    address = Keypair().pubkey()
    document = {
        "pubkey": str(address),
        "account": {
            "lamports": 777_777,
            "data": [base64.b64encode(b"\x01\x02\x03").decode(), "base64"],
            "owner": "11111111111111111111111111111111",
            "executable": False,
            "rentEpoch": 18446744073709551615,
            "space": 3,
        },
    }
    path = tmp_path / "account.json"
    path.write_text(json.dumps(document))
    net = start_localnet("litesvm", tmp_path / "ledger", extra=["--account", f"{address}={path}"])
    try:
        value = net.result("getAccountInfo", [str(address), {"commitment": "processed"}])["value"]
        assert value["lamports"] == 777_777
        assert base64.b64decode(value["data"][0]) == b"\x01\x02\x03"
        assert value["rentEpoch"] == 18446744073709551615
    finally:
        stop_localnet(net)


def built_program() -> tuple[Path, Path] | None:
    for name in ("kgpu_probe", "kgpu_token", "kgpu_market"):
        elf = ROOT / "programs" / "target" / "deploy" / f"{name}.so"
        key = ROOT / "programs" / "keys" / f"{name}-keypair.json"
        if elf.is_file() and key.is_file():
            return elf, key
    return None


def test_kgpu_programs_deployed_upgradeable(tmp_path):
    built = built_program()
    if built is None:
        pytest.skip("no K-GPU program is built (run `make programs`)")
    elf, key = built
    program_id = Keypair.from_bytes(json.loads(key.read_text())).pubkey()
    net = start_localnet("litesvm", tmp_path / "ledger")
    try:
        value = net.result("getAccountInfo", [str(program_id), {"commitment": "processed"}])["value"]
        assert value is not None, f"{elf.name} was not deployed"
        assert value["executable"] is True
        assert value["owner"] == "BPFLoaderUpgradeab1e11111111111111111111111"
    finally:
        stop_localnet(net)


def test_program_option_adds_program(tmp_path):
    built = built_program()
    if built is None:
        pytest.skip("no SBF program is built to load with --program (run `make programs`)")
    elf, _ = built
    program_id = Keypair().pubkey()
    net = start_localnet("litesvm", tmp_path / "ledger", extra=["--program", f"{program_id}={elf}", "--programs-dir", str(tmp_path)])
    try:
        value = net.result("getAccountInfo", [str(program_id), {"commitment": "processed"}])["value"]
        assert value["executable"] is True
    finally:
        stop_localnet(net)
