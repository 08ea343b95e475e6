"""Many clients at once, and anchorpy's Provider against the localnet."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from anchorpy import Provider, Wallet
from solana.rpc.api import Client
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Processed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.transaction import Transaction, VersionedTransaction

from localnet_helpers import LAMPORTS_PER_SOL, funded_keypair, send_and_confirm, sol_transfer_ix

CLIENTS = 16
TRANSFERS_PER_CLIENT = 5


def test_threaded_clients(localnet):
    recipient = Keypair().pubkey()

    def run_client(_: int) -> int:
        client = Client(localnet.rpc_url)
        payer = funded_keypair(client, LAMPORTS_PER_SOL)
        for _ in range(TRANSFERS_PER_CLIENT):
            send_and_confirm(client, [sol_transfer_ix(payer.pubkey(), recipient, 1000)], [payer])
        return TRANSFERS_PER_CLIENT

    with ThreadPoolExecutor(CLIENTS) as pool:
        sent = sum(pool.map(run_client, range(CLIENTS)))

    assert Client(localnet.rpc_url).get_balance(recipient, Confirmed).value == sent * 1000


async def test_async_clients_in_parallel(localnet):
    async with AsyncClient(localnet.rpc_url) as client:
        payers = [Keypair() for _ in range(CLIENTS)]
        airdrops = await asyncio.gather(*(client.request_airdrop(p.pubkey(), LAMPORTS_PER_SOL) for p in payers))
        await asyncio.gather(*(client.confirm_transaction(a.value, Processed, sleep_seconds=0.05) for a in airdrops))
        recipient = Keypair().pubkey()
        blockhash = (await client.get_latest_blockhash(Processed)).value.blockhash
        txs = [
            Transaction([payer], Message([sol_transfer_ix(payer.pubkey(), recipient, 777)], payer.pubkey()), blockhash)
            for payer in payers
        ]
        results = await asyncio.gather(*(client.send_transaction(tx, opts=TxOpts(preflight_commitment=Processed)) for tx in txs))
        await asyncio.gather(*(client.confirm_transaction(r.value, Confirmed, sleep_seconds=0.05) for r in results))
        assert (await client.get_balance(recipient, Confirmed)).value == 777 * CLIENTS


async def test_anchorpy_provider_send_and_simulate(localnet):
    wallet = Wallet(Keypair())
    async with AsyncClient(localnet.rpc_url) as connection:
        airdrop = (await connection.request_airdrop(wallet.public_key, 2 * LAMPORTS_PER_SOL)).value
        await connection.confirm_transaction(airdrop, Confirmed, sleep_seconds=0.05)
        provider = Provider(connection, wallet, TxOpts(preflight_commitment=Processed))
        recipient = Keypair().pubkey()
        blockhash = (await connection.get_latest_blockhash(Processed)).value.blockhash
        message = MessageV0.try_compile(wallet.public_key, [sol_transfer_ix(wallet.public_key, recipient, 31_337)], [], blockhash)
        tx = VersionedTransaction(message, [wallet.payer])

        simulation = await provider.simulate(tx)
        assert simulation.value.err is None

        signature = await provider.send(tx)
        await connection.confirm_transaction(signature, Confirmed, sleep_seconds=0.05)
        assert (await connection.get_balance(recipient, Confirmed)).value == 31_337
        fetched = await connection.get_transaction(signature, commitment=Confirmed, max_supported_transaction_version=0)
        assert fetched.value.transaction.version == 0
