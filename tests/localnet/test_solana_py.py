"""solana-py Client and AsyncClient flows: airdrop, SOL transfer, SPL Token and Token-2022."""

from __future__ import annotations

import asyncio

from solana.rpc.api import Client
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Processed
from solana.rpc.types import TokenAccountOpts, TxOpts
from solders.keypair import Keypair
from solders.message import Message
from solders.transaction import Transaction
from spl.token.client import Token
from spl.token.constants import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID

from localnet_helpers import (
    LAMPORTS_PER_SOL,
    create_ata,
    create_mint,
    funded_keypair,
    mint_tokens,
    send_and_confirm,
    sol_transfer_ix,
    transfer_tokens_ix,
    wait_confirmed,
)


def test_airdrop_and_balance(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client, 3 * LAMPORTS_PER_SOL)
    assert client.get_balance(payer.pubkey(), Confirmed).value == 3 * LAMPORTS_PER_SOL


def test_sol_transfer_moves_lamports_and_charges_fee(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    recipient = Keypair().pubkey()
    before = client.get_balance(payer.pubkey(), Confirmed).value

    signature = send_and_confirm(client, [sol_transfer_ix(payer.pubkey(), recipient, 1_234_567)], [payer])

    assert client.get_balance(recipient, Confirmed).value == 1_234_567
    assert client.get_balance(payer.pubkey(), Confirmed).value == before - 1_234_567 - 5000
    tx = client.get_transaction(signature, commitment=Confirmed).value
    assert tx is not None
    assert tx.transaction.meta.fee == 5000
    assert tx.transaction.meta.err is None


def test_spl_token_mint_and_transfer(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    receiver = Keypair()
    mint = create_mint(client, payer, decimals=6)
    source = create_ata(client, payer, payer.pubkey(), mint)
    destination = create_ata(client, payer, receiver.pubkey(), mint)
    mint_tokens(client, payer, mint, source, 5_000_000)

    send_and_confirm(
        client, [transfer_tokens_ix(source, mint, destination, payer.pubkey(), 1_500_000, 6)], [payer]
    )

    assert client.get_token_account_balance(source, Confirmed).value.amount == "3500000"
    balance = client.get_token_account_balance(destination, Confirmed).value
    assert balance.amount == "1500000"
    assert balance.decimals == 6
    assert balance.ui_amount_string == "1.5"
    assert client.get_token_supply(mint, Confirmed).value.amount == "5000000"


def test_spl_token_client_class(localnet):
    client = Client(localnet.rpc_url, commitment=Confirmed)
    payer = funded_keypair(client)
    token = Token.create_mint(client, payer, payer.pubkey(), 9, TOKEN_PROGRAM_ID)
    account = token.create_associated_token_account(payer.pubkey())
    minted = token.mint_to(account, payer, 42_000_000_000, opts=TxOpts(preflight_commitment=Confirmed)).value
    # Token.mint_to can return once the transaction is processed, before confirmed state has it.
    wait_confirmed(client, minted)
    info = token.get_account_info(account)
    assert info.amount == 42_000_000_000
    assert info.mint == token.pubkey
    mint_info = token.get_mint_info()
    assert mint_info.decimals == 9
    assert mint_info.supply == 42_000_000_000


def test_token_2022_mint_and_transfer(localnet):
    client = Client(localnet.rpc_url)
    payer = funded_keypair(client)
    receiver = Keypair()
    mint = create_mint(client, payer, decimals=2, program_id=TOKEN_2022_PROGRAM_ID)
    source = create_ata(client, payer, payer.pubkey(), mint, TOKEN_2022_PROGRAM_ID)
    destination = create_ata(client, payer, receiver.pubkey(), mint, TOKEN_2022_PROGRAM_ID)
    mint_tokens(client, payer, mint, source, 10_000, TOKEN_2022_PROGRAM_ID)

    send_and_confirm(
        client,
        [transfer_tokens_ix(source, mint, destination, payer.pubkey(), 2_500, 2, TOKEN_2022_PROGRAM_ID)],
        [payer],
    )

    assert client.get_token_account_balance(destination, Confirmed).value.ui_amount_string == "25"
    parsed = client.get_token_accounts_by_owner_json_parsed(
        receiver.pubkey(), TokenAccountOpts(program_id=TOKEN_2022_PROGRAM_ID), Confirmed
    ).value
    assert len(parsed) == 1
    assert parsed[0].account.data.program == "spl-token-2022"
    assert parsed[0].account.data.parsed["info"]["tokenAmount"]["amount"] == "2500"


async def test_async_client_flow(localnet):
    async with AsyncClient(localnet.rpc_url) as client:
        assert (await client.is_connected()) is True
        payer = Keypair()
        airdrop = (await client.request_airdrop(payer.pubkey(), 2 * LAMPORTS_PER_SOL)).value
        await client.confirm_transaction(airdrop, Confirmed, sleep_seconds=0.05)
        recipient = Keypair().pubkey()
        blockhash = (await client.get_latest_blockhash(Processed)).value
        tx = Transaction(
            [payer], Message([sol_transfer_ix(payer.pubkey(), recipient, 10_000_000)], payer.pubkey()), blockhash.blockhash
        )
        signature = (await client.send_transaction(tx, opts=TxOpts(preflight_commitment=Processed))).value
        confirmation = await client.confirm_transaction(
            signature, Confirmed, last_valid_block_height=blockhash.last_valid_block_height, sleep_seconds=0.05
        )
        assert confirmation.value[0].err is None
        assert (await client.get_balance(recipient, Confirmed)).value == 10_000_000


async def test_async_client_finalized_confirmation(localnet):
    async with AsyncClient(localnet.rpc_url) as client:
        payer = Keypair()
        airdrop = (await client.request_airdrop(payer.pubkey(), LAMPORTS_PER_SOL)).value
        response = await asyncio.wait_for(
            client.confirm_transaction(airdrop, "finalized", sleep_seconds=0.1), timeout=60
        )
        assert str(response.value[0].confirmation_status).endswith("Finalized")
