"""Cluster semantics: blockhash expiry, duplicates, commitments, epochs and time travel."""

from __future__ import annotations

import base64
import time

from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed, Processed
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction

from localnet_helpers import LAMPORTS_PER_SOL, funded_keypair, sol_transfer_ix, wait_confirmed

CLOCK_SYSVAR = "SysvarC1ock11111111111111111111111111111111"


def encode(tx) -> str:
    return base64.b64encode(bytes(tx)).decode()


def read_clock(net) -> dict:
    data = base64.b64decode(net.result("getAccountInfo", [CLOCK_SYSVAR, {"commitment": "processed"}])["value"]["data"][0])
    fields = [int.from_bytes(data[i : i + 8], "little", signed=(i in (8, 32))) for i in range(0, 40, 8)]
    return dict(zip(("slot", "epoch_start_timestamp", "epoch", "leader_schedule_epoch", "unix_timestamp"), fields))


def transfer_tx(payer: Keypair, blockhash: Hash, lamports: int = 1000, recipient: Pubkey | None = None) -> Transaction:
    recipient = recipient or Keypair().pubkey()
    return Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), recipient, lamports)], payer.pubkey()), blockhash)


def test_slots_advance_with_the_clock(localnet):
    first = localnet.result("getSlot", [{"commitment": "processed"}])
    time.sleep(1.0)
    assert localnet.result("getSlot", [{"commitment": "processed"}]) > first


def test_clock_sysvar_follows_slot_and_wall_time(litesvm_only):
    clock = read_clock(litesvm_only)
    slot = litesvm_only.result("getSlot", [{"commitment": "processed"}])
    assert abs(clock["slot"] - slot) <= 2
    assert abs(clock["unix_timestamp"] - time.time()) < 5


def test_commitments_move_in_order(litesvm_only):
    client = Client(litesvm_only.rpc_url)
    payer = Keypair()
    signature = client.request_airdrop(payer.pubkey(), LAMPORTS_PER_SOL).value
    first = client.get_signature_statuses([signature]).value[0]
    assert first is not None
    assert str(first.confirmation_status).endswith("Processed")
    wait_confirmed(client, signature, level="confirmed")
    status = wait_confirmed(client, signature, timeout=30, level="finalized")
    assert status.confirmations is None
    processed = litesvm_only.result("getSlot", [{"commitment": "processed"}])
    finalized = litesvm_only.result("getSlot", [{"commitment": "finalized"}])
    assert processed - finalized >= 31


def test_reads_follow_requested_commitment(litesvm_only):
    net = litesvm_only
    client = Client(net.rpc_url)
    payer = funded_keypair(client)
    recipient = Keypair().pubkey()
    tx = transfer_tx(payer, client.get_latest_blockhash(Processed).value.blockhash, 4_000_000, recipient)

    signature = net.result("sendTransaction", [encode(tx), {"encoding": "base64", "preflightCommitment": "processed"}])

    assert net.result("getBalance", [str(recipient), {"commitment": "processed"}])["value"] == 4_000_000
    assert net.result("getBalance", [str(recipient), {"commitment": "finalized"}])["value"] == 0
    assert net.result("getAccountInfo", [str(recipient), {"commitment": "finalized"}])["value"] is None
    wait_confirmed(client, Signature.from_string(signature), timeout=30, level="finalized")
    assert net.result("getBalance", [str(recipient), {"commitment": "finalized"}])["value"] == 4_000_000
    assert net.result("getAccountInfo", [str(recipient), {"commitment": "finalized"}])["value"]["lamports"] == 4_000_000


def test_duplicate_transaction_rejected(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    tx = transfer_tx(payer, client.get_latest_blockhash(Processed).value.blockhash)
    first = localnet.result("sendTransaction", [encode(tx), {"encoding": "base64", "preflightCommitment": "processed"}])
    wait_confirmed(client, Signature.from_string(first))

    duplicate = localnet.call("sendTransaction", [encode(tx), {"encoding": "base64", "preflightCommitment": "processed"}])

    assert duplicate["error"]["code"] == -32002
    assert duplicate["error"]["data"]["err"] == "AlreadyProcessed"
    skipped = localnet.result("sendTransaction", [encode(tx), {"encoding": "base64", "skipPreflight": True}])
    assert skipped == first
    balance_after = client.get_balance(payer.pubkey(), Processed).value
    time.sleep(0.3)
    assert client.get_balance(payer.pubkey(), Processed).value == balance_after


def test_unknown_blockhash_rejected(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    response = localnet.call("sendTransaction", [encode(transfer_tx(payer, Hash.new_unique())), {"encoding": "base64"}])
    assert response["error"]["code"] == -32002
    assert response["error"]["message"] == "Transaction simulation failed: Blockhash not found"
    assert response["error"]["data"]["err"] == "BlockhashNotFound"


def test_blockhash_expires_after_150_slots(private_localnet):
    net = private_localnet
    client = Client(net.rpc_url)
    payer = funded_keypair(client)
    latest = net.result("getLatestBlockhash", [{"commitment": "processed"}])
    blockhash = latest["value"]["blockhash"]
    last_valid = latest["value"]["lastValidBlockHeight"]

    net.result("kgpu_warpSlot", [last_valid])
    assert net.result("isBlockhashValid", [blockhash, {"commitment": "processed"}])["value"] is True
    net.result("kgpu_warpSlot", [last_valid + 1])
    assert net.result("isBlockhashValid", [blockhash, {"commitment": "processed"}])["value"] is False
    assert net.result("getBlockHeight", [{"commitment": "processed"}]) > last_valid

    tx = transfer_tx(payer, Hash.from_string(blockhash))
    rejected = net.call("sendTransaction", [encode(tx), {"encoding": "base64"}])
    assert rejected["error"]["data"]["err"] == "BlockhashNotFound"
    dropped = net.result("sendTransaction", [encode(tx), {"encoding": "base64", "skipPreflight": True}])
    time.sleep(0.5)
    assert net.result("getSignatureStatuses", [[dropped], {"searchTransactionHistory": True}])["value"][0] is None


def test_warp_slot_updates_clock_and_epoch(private_localnet):
    net = private_localnet
    slots_per_epoch = net.result("getEpochSchedule")["slotsPerEpoch"]
    before = read_clock(net)
    target = (before["epoch"] + 3) * slots_per_epoch + 5

    clock = net.result("kgpu_warpSlot", [target])

    assert clock["slot"] == target
    assert clock["epoch"] == before["epoch"] + 3
    assert read_clock(net)["epoch"] == before["epoch"] + 3
    info = net.result("getEpochInfo", [{"commitment": "processed"}])
    assert info["epoch"] == before["epoch"] + 3
    assert info["slotIndex"] == 5 or info["slotIndex"] > 5
    elapsed = clock["unixTimestamp"] - before["unix_timestamp"]
    expected = (target - before["slot"]) * 0.1
    assert expected - 2 <= elapsed <= expected + 3
    assert net.call("kgpu_warpSlot", [1])["error"]["code"] == -32602


def test_transactions_work_after_warp(private_localnet):
    net = private_localnet
    client = Client(net.rpc_url)
    payer = funded_keypair(client)
    net.result("kgpu_warpSlot", [net.result("getSlot", [{"commitment": "processed"}]) + 10_000])
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    signature = client.send_transaction(transfer_tx(payer, blockhash)).value
    assert wait_confirmed(client, signature).err is None


def test_set_clock_and_warp_time(private_localnet):
    net = private_localnet
    clock = net.result("kgpu_setClock", [{"unixTimestamp": 2_000_000_000}])
    assert abs(clock["unixTimestamp"] - 2_000_000_000) <= 1
    assert abs(read_clock(net)["unix_timestamp"] - 2_000_000_000) <= 2

    slot_before = net.result("getSlot", [{"commitment": "processed"}])
    after = net.result("kgpu_warpTime", [3600])
    assert after["unixTimestamp"] - clock["unixTimestamp"] >= 3600
    assert after["slot"] - slot_before >= 36_000

    target = after["slot"] + 1000
    set_slot = net.result("kgpu_setClock", [{"slot": target}])
    assert set_slot["slot"] == target
    assert net.call("kgpu_setClock", [{"slot": 5}])["error"]["code"] == -32602


def test_set_account(private_localnet):
    net = private_localnet
    address = str(Keypair().pubkey())
    account = {
        "pubkey": address,
        "account": {
            "lamports": 123_456,
            "data": [base64.b64encode(b"hello").decode(), "base64"],
            "owner": "11111111111111111111111111111111",
            "executable": False,
            "rentEpoch": 0,
        },
    }
    net.result("kgpu_setAccount", [address, account])
    value = net.result("getAccountInfo", [address, {"commitment": "processed"}])["value"]
    assert value["lamports"] == 123_456
    assert base64.b64decode(value["data"][0]) == b"hello"
    assert net.call("kgpu_setAccount", [address, {"lamports": 1}])["error"]["code"] == -32602
