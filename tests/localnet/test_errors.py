"""JSON-RPC error codes: preflight failure, signature verification, params, method, request."""

from __future__ import annotations

import base64

import requests
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.message import Message
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction

from localnet_helpers import funded_keypair, sol_transfer_ix, wait_confirmed


def encode(tx) -> str:
    return base64.b64encode(bytes(tx)).decode()


def test_preflight_failure_has_logs(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    tx = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 10**18)], payer.pubkey()), blockhash)

    response = localnet.call("sendTransaction", [encode(tx), {"encoding": "base64"}])

    error = response["error"]
    assert error["code"] == -32002
    assert error["message"].startswith("Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1")
    assert error["data"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert any("insufficient lamports" in line for line in error["data"]["logs"])
    status = localnet.result("getSignatureStatuses", [[str(tx.signatures[0])]])
    assert status["value"][0] is None


def test_skip_preflight_records_failed_transaction(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    before = client.get_balance(payer.pubkey(), Confirmed).value
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    tx = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 10**18)], payer.pubkey()), blockhash)

    signature = localnet.result("sendTransaction", [encode(tx), {"encoding": "base64", "skipPreflight": True}])

    status = wait_confirmed(client, Signature.from_string(signature))
    assert status.err is not None
    assert client.get_balance(payer.pubkey(), Confirmed).value == before - 5000


def test_bad_signature_is_rejected(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    message = Message.new_with_blockhash([sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 1)], payer.pubkey(), blockhash)
    forged = VersionedTransaction.populate(message, [Keypair().sign_message(b"not this message")])

    response = localnet.call("sendTransaction", [encode(forged), {"encoding": "base64"}])

    assert response["error"]["code"] == -32003
    assert response["error"]["message"] == "Transaction signature verification failure"


def test_invalid_params(localnet):
    assert localnet.call("getBalance", ["not-a-key"])["error"]["code"] == -32602
    assert localnet.call("getBalance", [])["error"]["code"] == -32602
    assert localnet.call("sendTransaction", ["%%%", {"encoding": "base64"}])["error"]["code"] == -32602
    assert localnet.call("sendTransaction", [base64.b64encode(b"\x01\x02").decode(), {"encoding": "base64"}])["error"]["code"] == -32602
    assert localnet.call("getSlot", [{"commitment": "soon"}])["error"]["code"] == -32602


def test_method_not_found(localnet):
    assert localnet.call("getEverything")["error"]["code"] == -32601


def test_invalid_request_and_parse_error(localnet):
    wrong_version = requests.post(localnet.rpc_url, json={"jsonrpc": "1.0", "id": 1, "method": "getSlot"}, timeout=10).json()
    assert wrong_version["error"]["code"] == -32600
    empty_batch = requests.post(localnet.rpc_url, json=[], timeout=10).json()
    assert empty_batch["error"]["code"] == -32600
    garbage = requests.post(localnet.rpc_url, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10).json()
    assert garbage["error"]["code"] == -32700


def test_min_context_slot_not_reached(litesvm_only):
    response = litesvm_only.call("getBalance", [str(Keypair().pubkey()), {"minContextSlot": 10**12}])
    assert response["error"]["code"] == -32016
