"""Ledger durability: confirmed transactions survive kill -9; --reset starts empty."""

from __future__ import annotations

import base64
import json
import signal
import stat
import time

import pytest

from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from localnet_server import Localnet, start_localnet, stop_localnet
from localnet_helpers import create_ata, create_mint, funded_keypair, mint_tokens, send_and_confirm, sol_transfer_ix


def test_confirmed_state_survives_kill_9(tmp_path):
    ledger = tmp_path / "ledger"
    net = start_localnet("litesvm", ledger)
    try:
        client = Client(net.rpc_url)
        payer = funded_keypair(client)
        mint = create_mint(client, payer, decimals=3)
        account = create_ata(client, payer, payer.pubkey(), mint)
        mint_tokens(client, payer, mint, account, 123_000)
        recipients = [Keypair().pubkey() for _ in range(5)]
        signatures = [
            send_and_confirm(client, [sol_transfer_ix(payer.pubkey(), recipient, 1_000_000 + index)], [payer])
            for index, recipient in enumerate(recipients)
        ]
        genesis = net.result("getGenesisHash")
        slot_before = net.result("getSlot", [{"commitment": "confirmed"}])
        payer_balance = client.get_balance(payer.pubkey(), Confirmed).value
    finally:
        stop_localnet(net, signal.SIGKILL)

    restarted = start_localnet("litesvm", ledger, reset=False)
    try:
        client = Client(restarted.rpc_url)
        assert restarted.result("getGenesisHash") == genesis
        assert restarted.result("getSlot", [{"commitment": "processed"}]) > slot_before
        for index, recipient in enumerate(recipients):
            assert client.get_balance(recipient, Confirmed).value == 1_000_000 + index
        assert client.get_balance(payer.pubkey(), Confirmed).value == payer_balance
        assert client.get_token_account_balance(account, Confirmed).value.amount == "123000"
        statuses = restarted.result("getSignatureStatuses", [[str(s) for s in signatures], {"searchTransactionHistory": True}])
        assert all(status is not None and status["err"] is None for status in statuses["value"])
        for signature in signatures:
            tx = restarted.result("getTransaction", [str(signature), {"commitment": "confirmed"}])
            assert tx["meta"]["err"] is None
        history = restarted.result("getSignaturesForAddress", [str(payer.pubkey()), {"commitment": "confirmed"}])
        assert {str(s) for s in signatures} <= {entry["signature"] for entry in history}

        # Accounts restored from the ledger keep working in new transactions.
        send_and_confirm(client, [sol_transfer_ix(payer.pubkey(), recipients[0], 1)], [payer])
        assert client.get_balance(recipients[0], Confirmed).value == 1_000_001
        # A transaction already in the ledger is still a duplicate after the restart.
        duplicate = restarted.result("getSignatureStatuses", [[str(signatures[-1])]])
        assert duplicate["value"][0] is not None
    finally:
        stop_localnet(restarted)


def test_sigterm_flushes_open_slot(tmp_path):
    ledger = tmp_path / "ledger"
    net = start_localnet("litesvm", ledger, extra=["--slot-ms", "5000"])
    try:
        target = Keypair().pubkey()
        signature = net.result("requestAirdrop", [str(target), 4242])
    finally:
        stop_localnet(net, signal.SIGTERM)
    restarted = start_localnet("litesvm", ledger, reset=False)
    try:
        assert restarted.result("getBalance", [str(target)])["value"] == 4242
        status = restarted.result("getSignatureStatuses", [[signature], {"searchTransactionHistory": True}])
        assert status["value"][0] is not None
    finally:
        stop_localnet(restarted)


def test_reset_starts_empty(tmp_path):
    ledger = tmp_path / "ledger"
    net = start_localnet("litesvm", ledger)
    try:
        target = Keypair().pubkey()
        net.result("requestAirdrop", [str(target), 5555])
        genesis = net.result("getGenesisHash")
        time.sleep(0.5)
    finally:
        stop_localnet(net)
    fresh = start_localnet("litesvm", ledger, reset=True)
    try:
        assert fresh.result("getGenesisHash") != genesis
        assert fresh.result("getBalance", [str(target), {"commitment": "processed"}])["value"] == 0
    finally:
        stop_localnet(fresh)


def test_faucet_keypair_file(litesvm_only: Localnet) -> None:
    path = litesvm_only.ledger / "faucet-keypair.json"
    faucet = Keypair.from_bytes(json.loads(path.read_text()))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert litesvm_only.result("getBalance", [str(faucet.pubkey()), {"commitment": "finalized"}])["value"] > 0
    programdata, _bump = Pubkey.find_program_address(
        [bytes(Pubkey.from_string("EZeMmdPeDvBmR12mLDJwtXAdX8vsQuzMgFiBW1eRns2Q"))],
        Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111"))
    account = litesvm_only.result("getAccountInfo", [str(programdata), {"encoding": "base64", "commitment": "processed"}])["value"]
    if account is None:
        pytest.skip("kgpu_token is not built, so no upgrade authority to compare")
    data = base64.b64decode(account["data"][0])
    assert data[13:45] == bytes(faucet.pubkey())  # ProgramData upgrade authority
