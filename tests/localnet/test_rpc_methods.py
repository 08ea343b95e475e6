"""Every JSON-RPC method the localnet serves, checked for Solana's response shapes."""

from __future__ import annotations

import base64

import pytest
import zstandard
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.transaction import Transaction, VersionedTransaction

from localnet_helpers import (
    create_ata,
    create_mint,
    funded_keypair,
    mint_tokens,
    sol_transfer_ix,
    wait_confirmed,
)


@pytest.fixture(scope="module")
def token_setup(localnet):
    """A payer, a mint with 6 decimals, and the payer's token account holding 7 tokens."""
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    mint = create_mint(client, payer, decimals=6)
    account = create_ata(client, payer, payer.pubkey(), mint)
    signature = mint_tokens(client, payer, mint, account, 7_000_000)
    return {"client": client, "payer": payer, "mint": mint, "account": account, "signature": signature}


def assert_context(result: dict) -> None:
    assert set(result) == {"context", "value"}
    assert isinstance(result["context"]["slot"], int)
    assert isinstance(result["context"]["apiVersion"], str)


def test_cluster_info_methods(localnet):
    assert localnet.result("getHealth") == "ok"
    version = localnet.result("getVersion")
    assert "solana-core" in version
    assert "feature-set" in version
    assert len(Pubkey.from_string(localnet.result("getIdentity")["identity"]).__bytes__()) == 32
    assert isinstance(localnet.result("getGenesisHash"), str)
    assert localnet.result("getGenesisHash") == localnet.result("getGenesisHash")


def test_slot_and_block_height_by_commitment(localnet):
    processed = localnet.result("getSlot", [{"commitment": "processed"}])
    confirmed = localnet.result("getSlot", [{"commitment": "confirmed"}])
    finalized = localnet.result("getSlot")
    assert processed >= confirmed >= finalized
    assert localnet.result("getBlockHeight", [{"commitment": "processed"}]) >= processed


def test_epoch_info_and_schedule(localnet):
    info = localnet.result("getEpochInfo")
    assert set(info) >= {"absoluteSlot", "blockHeight", "epoch", "slotIndex", "slotsInEpoch", "transactionCount"}
    schedule = localnet.result("getEpochSchedule")
    assert set(schedule) == {"firstNormalEpoch", "firstNormalSlot", "leaderScheduleSlotOffset", "slotsPerEpoch", "warmup"}
    if localnet.engine == "litesvm":
        assert info["epoch"] == info["absoluteSlot"] // schedule["slotsPerEpoch"]
        assert info["slotIndex"] == info["absoluteSlot"] % schedule["slotsPerEpoch"]


def test_latest_blockhash_and_validity(localnet):
    result = localnet.result("getLatestBlockhash", [{"commitment": "processed"}])
    assert_context(result)
    value = result["value"]
    assert value["lastValidBlockHeight"] == result["context"]["slot"] + 150 or localnet.engine != "litesvm"
    valid = localnet.result("isBlockhashValid", [value["blockhash"], {"commitment": "processed"}])
    assert_context(valid)
    assert valid["value"] is True
    unknown = localnet.result("isBlockhashValid", ["11111111111111111111111111111111", {"commitment": "processed"}])
    assert unknown["value"] is False


def test_fee_for_message(localnet):
    payer = Keypair()
    blockhash = localnet.result("getLatestBlockhash")["value"]["blockhash"]
    message = Message.new_with_blockhash(
        [sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 1)], payer.pubkey(), Hash.from_string(blockhash)
    )
    encoded = base64.b64encode(to_bytes_versioned(message)).decode()
    result = localnet.result("getFeeForMessage", [encoded])
    assert_context(result)
    assert result["value"] == 5000

    stale = Message.new_with_blockhash([sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 1)], payer.pubkey(), Hash.new_unique())
    assert localnet.result("getFeeForMessage", [base64.b64encode(to_bytes_versioned(stale)).decode()])["value"] is None


def test_rent_exemption(localnet):
    assert localnet.result("getMinimumBalanceForRentExemption", [0]) == 890_880
    assert localnet.result("getMinimumBalanceForRentExemption", [165]) == 2_039_280


def test_balance_and_account_info_encodings(localnet, token_setup):
    payer = token_setup["payer"].pubkey()
    balance = localnet.result("getBalance", [str(payer), {"commitment": "confirmed"}])
    assert_context(balance)
    assert balance["value"] > 0

    for encoding in ("base64", "jsonParsed"):
        info = localnet.result("getAccountInfo", [str(token_setup["account"]), {"encoding": encoding, "commitment": "confirmed"}])
        assert_context(info)
        value = info["value"]
        assert value["owner"] == "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
        assert value["space"] == 165
        assert value["executable"] is False
    parsed = localnet.result("getAccountInfo", [str(token_setup["account"]), {"encoding": "jsonParsed", "commitment": "confirmed"}])["value"]["data"]
    assert parsed["program"] == "spl-token"
    assert parsed["parsed"]["type"] == "account"
    assert parsed["parsed"]["info"]["tokenAmount"]["uiAmountString"] == "7"
    assert parsed["parsed"]["info"]["owner"] == str(payer)

    mint = localnet.result("getAccountInfo", [str(token_setup["mint"]), {"encoding": "jsonParsed", "commitment": "confirmed"}])["value"]["data"]
    assert mint["parsed"]["type"] == "mint"
    assert mint["parsed"]["info"]["supply"] == "7000000"
    assert mint["parsed"]["info"]["decimals"] == 6

    sliced = localnet.result("getAccountInfo", [str(token_setup["account"]), {"encoding": "base64", "dataSlice": {"offset": 32, "length": 32}, "commitment": "confirmed"}])
    assert base64.b64decode(sliced["value"]["data"][0]) == bytes(payer)

    base58 = localnet.result("getAccountInfo", [str(token_setup["account"]), {"encoding": "base58", "dataSlice": {"offset": 32, "length": 32}, "commitment": "confirmed"}])
    assert base58["value"]["data"] == [str(payer), "base58"]
    too_long = localnet.call("getAccountInfo", [str(token_setup["account"]), {"encoding": "base58", "commitment": "confirmed"}])
    assert too_long["error"]["code"] == -32602

    missing = localnet.result("getAccountInfo", [str(Keypair().pubkey())])
    assert missing["value"] is None


def test_zstd_encoding_round_trip(localnet, token_setup):
    plain = localnet.result("getAccountInfo", [str(token_setup["account"]), {"encoding": "base64", "commitment": "confirmed"}])
    packed = localnet.result("getAccountInfo", [str(token_setup["account"]), {"encoding": "base64+zstd", "commitment": "confirmed"}])
    sliced = localnet.result(
        "getAccountInfo",
        [str(token_setup["account"]), {"encoding": "base64+zstd", "dataSlice": {"offset": 32, "length": 32}, "commitment": "confirmed"}],
    )

    assert packed["value"]["data"][1] == "base64+zstd"
    unpacked = zstandard.ZstdDecompressor().decompress(base64.b64decode(packed["value"]["data"][0]))
    assert unpacked == base64.b64decode(plain["value"]["data"][0])
    assert zstandard.ZstdDecompressor().decompress(base64.b64decode(sliced["value"]["data"][0])) == bytes(token_setup["payer"].pubkey())


def test_multiple_accounts(localnet, token_setup):
    result = localnet.result(
        "getMultipleAccounts", [[str(token_setup["account"]), str(Keypair().pubkey())], {"encoding": "base64", "commitment": "confirmed"}]
    )
    assert_context(result)
    assert result["value"][0]["space"] == 165
    assert result["value"][1] is None


def test_program_accounts_filters(localnet, token_setup):
    token_program = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    filters = [{"dataSize": 165}, {"memcmp": {"offset": 0, "bytes": str(token_setup["mint"])}}]
    accounts = localnet.result("getProgramAccounts", [token_program, {"encoding": "base64", "filters": filters, "commitment": "confirmed"}])
    assert [entry["pubkey"] for entry in accounts] == [str(token_setup["account"])]

    with_context = localnet.result(
        "getProgramAccounts", [token_program, {"encoding": "base64", "filters": filters, "withContext": True, "commitment": "confirmed"}]
    )
    assert_context(with_context)
    assert len(with_context["value"]) == 1

    base64_filter = [{"memcmp": {"offset": 0, "bytes": base64.b64encode(bytes(token_setup["mint"])).decode(), "encoding": "base64"}}, {"dataSize": 82}]
    assert localnet.result("getProgramAccounts", [token_program, {"filters": base64_filter, "commitment": "confirmed"}]) == []


def test_token_queries(localnet, token_setup):
    owner = str(token_setup["payer"].pubkey())
    confirmed = {"commitment": "confirmed"}
    balance = localnet.result("getTokenAccountBalance", [str(token_setup["account"]), confirmed])
    assert_context(balance)
    assert balance["value"] == {"amount": "7000000", "decimals": 6, "uiAmount": 7.0, "uiAmountString": "7"}

    supply = localnet.result("getTokenSupply", [str(token_setup["mint"]), confirmed])
    assert supply["value"]["amount"] == "7000000"

    by_mint = localnet.result("getTokenAccountsByOwner", [owner, {"mint": str(token_setup["mint"])}, {"encoding": "jsonParsed", "commitment": "confirmed"}])
    assert_context(by_mint)
    assert [entry["pubkey"] for entry in by_mint["value"]] == [str(token_setup["account"])]
    by_program = localnet.result(
        "getTokenAccountsByOwner", [owner, {"programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"}, {"encoding": "base64", "commitment": "confirmed"}]
    )
    assert len(by_program["value"]) == 1

    largest = localnet.result("getTokenLargestAccounts", [str(token_setup["mint"]), confirmed])
    assert largest["value"][0]["address"] == str(token_setup["account"])


def test_signature_statuses_and_history(localnet, token_setup):
    signature = str(token_setup["signature"])
    statuses = localnet.result("getSignatureStatuses", [[signature, str(Keypair().sign_message(b"x"))]])
    assert_context(statuses)
    status = statuses["value"][0]
    assert status["err"] is None
    assert status["status"] == {"Ok": None}
    assert status["confirmationStatus"] in ("confirmed", "finalized")
    assert statuses["value"][1] is None

    searched = localnet.result("getSignatureStatuses", [[signature], {"searchTransactionHistory": True}])
    assert searched["value"][0]["slot"] == status["slot"]

    history = localnet.result("getSignaturesForAddress", [str(token_setup["mint"]), {"commitment": "confirmed"}])
    assert signature in [entry["signature"] for entry in history]
    entry = history[0]
    assert set(entry) >= {"signature", "slot", "err", "memo", "blockTime", "confirmationStatus"}
    limited = localnet.result("getSignaturesForAddress", [str(token_setup["mint"]), {"commitment": "confirmed", "limit": 1}])
    assert len(limited) == 1
    older = localnet.result("getSignaturesForAddress", [str(token_setup["mint"]), {"commitment": "confirmed", "before": limited[0]["signature"]}])
    assert limited[0]["signature"] not in [item["signature"] for item in older]


def test_get_transaction_encodings(localnet, token_setup):
    signature = str(token_setup["signature"])
    for encoding in ("json", "jsonParsed", "base64", "base58"):
        tx = localnet.result("getTransaction", [signature, {"encoding": encoding, "commitment": "confirmed", "maxSupportedTransactionVersion": 0}])
        assert tx["slot"] > 0
        assert tx["version"] == "legacy"
        assert tx["meta"]["err"] is None
        assert tx["meta"]["fee"] == 5000
        assert len(tx["meta"]["preBalances"]) == len(tx["meta"]["postBalances"])
        assert any("MintTo" in line for line in tx["meta"]["logMessages"])
        assert isinstance(tx["blockTime"], int)
    meta = localnet.result("getTransaction", [signature, {"commitment": "confirmed"}])["meta"]
    assert meta["preTokenBalances"][0]["uiTokenAmount"]["amount"] == "0"
    post = meta["postTokenBalances"][0]
    assert post["mint"] == str(token_setup["mint"])
    assert post["owner"] == str(token_setup["payer"].pubkey())
    assert post["uiTokenAmount"]["uiAmountString"] == "7"

    raw = localnet.result("getTransaction", [signature, {"encoding": "base64", "commitment": "confirmed"}])
    decoded = VersionedTransaction.from_bytes(base64.b64decode(raw["transaction"][0]))
    assert str(decoded.signatures[0]) == signature
    assert "version" not in raw

    processed = localnet.call("getTransaction", [signature, {"commitment": "processed"}])
    assert processed["error"]["code"] == -32602


def test_block_methods(localnet, token_setup):
    tx = localnet.result("getTransaction", [str(token_setup["signature"]), {"commitment": "confirmed"}])
    slot = tx["slot"]
    block = localnet.result("getBlock", [slot, {"commitment": "confirmed", "maxSupportedTransactionVersion": 0}])
    assert set(block) >= {"blockHeight", "blockTime", "blockhash", "parentSlot", "previousBlockhash", "transactions"}
    assert str(token_setup["signature"]) in [item["transaction"]["signatures"][0] for item in block["transactions"]]
    signatures = localnet.result("getBlock", [slot, {"commitment": "confirmed", "transactionDetails": "signatures"}])
    assert str(token_setup["signature"]) in signatures["signatures"]
    assert localnet.result("getBlockTime", [slot]) == block["blockTime"]
    blocks = localnet.result("getBlocks", [max(0, slot - 5), slot + 5, {"commitment": "confirmed"}])
    assert slot in blocks
    assert localnet.result("getBlocksWithLimit", [slot, 3, {"commitment": "confirmed"}])[0] == slot
    assert isinstance(localnet.result("getFirstAvailableBlock"), int)
    assert isinstance(localnet.result("minimumLedgerSlot"), int)


def test_supply_and_misc(localnet):
    supply = localnet.result("getSupply")
    assert_context(supply)
    assert set(supply["value"]) == {"total", "circulating", "nonCirculating", "nonCirculatingAccounts"}
    fees = localnet.result("getRecentPrioritizationFees", [[]])
    assert all(set(item) == {"slot", "prioritizationFee"} for item in fees)
    assert isinstance(localnet.result("getTransactionCount"), int)
    assert localnet.result("getVoteAccounts") is not None
    assert len(localnet.result("getClusterNodes")) >= 1


def test_simulate_transaction(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    recipient = Keypair().pubkey()
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    tx = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), recipient, 5_000_000)], payer.pubkey()), blockhash)
    encoded = base64.b64encode(bytes(tx)).decode()

    result = localnet.result(
        "simulateTransaction",
        [encoded, {"encoding": "base64", "sigVerify": True, "accounts": {"addresses": [str(recipient)], "encoding": "base64"}}],
    )
    assert_context(result)
    value = result["value"]
    assert value["err"] is None
    assert value["unitsConsumed"] > 0
    assert value["logs"][0].startswith("Program 11111111111111111111111111111111 invoke")
    assert value["accounts"][0]["lamports"] == 5_000_000
    assert client.get_balance(recipient, Confirmed).value == 0

    stale = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), recipient, 1)], payer.pubkey()), Hash.new_unique())
    stale_encoded = base64.b64encode(bytes(stale)).decode()
    assert localnet.result("simulateTransaction", [stale_encoded, {"encoding": "base64"}])["value"]["err"] == "BlockhashNotFound"
    replaced = localnet.result("simulateTransaction", [stale_encoded, {"encoding": "base64", "replaceRecentBlockhash": True}])
    assert replaced["value"]["err"] is None
    assert replaced["value"]["replacementBlockhash"]["blockhash"]

    failing = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), recipient, 10**18)], payer.pubkey()), blockhash)
    failed = localnet.result("simulateTransaction", [base64.b64encode(bytes(failing)).decode(), {"encoding": "base64"}])
    assert failed["value"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert any("insufficient lamports" in line for line in failed["value"]["logs"])


def test_send_transaction_base58(localnet):
    from kgpu_localnet.b58 import b58encode

    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    tx = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 1_000_000)], payer.pubkey()), blockhash)
    signature = localnet.result("sendTransaction", [b58encode(bytes(tx))])
    assert signature == str(tx.signatures[0])
    wait_confirmed(client, tx.signatures[0])


def test_batch_request(localnet):
    import requests

    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "getSlot"},
        {"jsonrpc": "2.0", "id": 2, "method": "getHealth"},
        {"jsonrpc": "2.0", "id": 3, "method": "noSuchMethod"},
    ]
    responses = requests.post(localnet.rpc_url, json=batch, timeout=10).json()
    assert [response["id"] for response in responses] == [1, 2, 3]
    assert responses[1]["result"] == "ok"
    assert responses[2]["error"]["code"] == -32601
