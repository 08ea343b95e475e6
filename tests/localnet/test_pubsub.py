"""PubSub subscriptions through solana-py's websocket client and raw websockets."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.websocket_api import connect
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionLogsFilter, RpcTransactionLogsFilterMentions
from solders.transaction import Transaction

from localnet_helpers import LAMPORTS_PER_SOL, sol_transfer_ix

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
TIMEOUT_S = 30


async def next_message(websocket):
    return (await asyncio.wait_for(websocket.recv(), TIMEOUT_S))[0]


async def airdrop(net, pubkey: Pubkey, lamports: int = LAMPORTS_PER_SOL):
    async with AsyncClient(net.rpc_url) as client:
        return (await client.request_airdrop(pubkey, lamports)).value


@pytest.mark.parametrize("commitment", [Processed, Confirmed, Finalized])
async def test_account_subscribe(localnet, commitment):
    target = Keypair().pubkey()
    async with connect(localnet.ws_url) as websocket:
        await websocket.account_subscribe(target, commitment=commitment, encoding="base64")
        subscribed = await next_message(websocket)
        subscription = subscribed.result
        await airdrop(localnet, target, 7_000)
        notification = await next_message(websocket)
        assert notification.subscription == subscription
        assert notification.result.value.lamports == 7_000
        await websocket.account_unsubscribe(subscription)


async def test_program_subscribe(localnet):
    target = Keypair().pubkey()
    async with connect(localnet.ws_url) as websocket:
        await websocket.program_subscribe(SYSTEM_PROGRAM, commitment=Confirmed, encoding="base64", filters=[0])
        subscription = (await next_message(websocket)).result
        await airdrop(localnet, target, 9_000)
        while True:
            notification = await next_message(websocket)
            if notification.result.value.pubkey == target:
                break
        assert notification.subscription == subscription
        assert notification.result.value.account.lamports == 9_000
        await websocket.program_unsubscribe(subscription)


@pytest.mark.parametrize("commitment", [Processed, Confirmed, Finalized])
async def test_signature_subscribe(localnet, commitment):
    payer = Keypair()
    async with AsyncClient(localnet.rpc_url) as client:
        funded = (await client.request_airdrop(payer.pubkey(), LAMPORTS_PER_SOL)).value
        await client.confirm_transaction(funded, Processed, sleep_seconds=0.05)
        blockhash = (await client.get_latest_blockhash(Processed)).value.blockhash
        tx = Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), Keypair().pubkey(), 1000)], payer.pubkey()), blockhash)
        async with connect(localnet.ws_url) as websocket:
            await websocket.signature_subscribe(tx.signatures[0], commitment=commitment)
            subscription = (await next_message(websocket)).result
            from solana.rpc.types import TxOpts

            await client.send_transaction(tx, opts=TxOpts(preflight_commitment=Processed))
            notification = await next_message(websocket)
            assert notification.subscription == subscription
            assert notification.result.value.err is None


async def test_signature_subscribe_after_execution(localnet):
    signature = await airdrop(localnet, Keypair().pubkey())
    await asyncio.sleep(0.5)
    async with connect(localnet.ws_url) as websocket:
        await websocket.signature_subscribe(signature, commitment=Confirmed)
        await next_message(websocket)
        notification = await next_message(websocket)
        assert notification.result.value.err is None


async def test_logs_subscribe_all_and_mentions(localnet):
    target = Keypair().pubkey()
    async with connect(localnet.ws_url) as websocket:
        await websocket.logs_subscribe(RpcTransactionLogsFilter.All, commitment=Confirmed)
        all_id = (await next_message(websocket)).result
        await websocket.logs_subscribe(RpcTransactionLogsFilterMentions(target), commitment=Processed)
        mentions_id = (await next_message(websocket)).result
        signature = await airdrop(localnet, target)
        seen = set()
        while seen != {all_id, mentions_id}:
            notification = await next_message(websocket)
            if notification.result.value.signature == signature:
                assert notification.result.value.logs[0].startswith("Program 11111111111111111111111111111111 invoke")
                seen.add(notification.subscription)
        await websocket.logs_unsubscribe(all_id)
        await websocket.logs_unsubscribe(mentions_id)


async def test_slot_subscribe(localnet):
    async with connect(localnet.ws_url) as websocket:
        await websocket.slot_subscribe()
        subscription = (await next_message(websocket)).result
        first = await next_message(websocket)
        second = await next_message(websocket)
        assert first.subscription == subscription
        assert second.result.slot > first.result.slot
        assert second.result.parent < second.result.slot
        await websocket.slot_unsubscribe(subscription)


async def test_raw_websocket_protocol(localnet):
    async with websockets.connect(localnet.ws_url) as websocket:
        await websocket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "logsSubscribe", "params": ["allWithVotes", {"commitment": "processed"}]}))
        reply = json.loads(await websocket.recv())
        assert reply["id"] == 1
        subscription = reply["result"]
        await websocket.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "logsUnsubscribe", "params": [subscription]}))
        assert json.loads(await websocket.recv()) == {"jsonrpc": "2.0", "result": True, "id": 2}
        await websocket.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "logsUnsubscribe", "params": [subscription]}))
        assert json.loads(await websocket.recv())["error"]["code"] == -32602
        await websocket.send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "rootSubscribe"}))
        root_id = json.loads(await websocket.recv())["result"]
        root = json.loads(await asyncio.wait_for(websocket.recv(), TIMEOUT_S))
        assert root["method"] == "rootNotification"
        assert root["params"]["subscription"] == root_id
        assert isinstance(root["params"]["result"], int)
        await websocket.send(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "getSlot"}))
        assert json.loads(await websocket.recv())["error"]["code"] == -32601
