"""Client-side helpers shared by the localnet tests."""

from __future__ import annotations

import time

from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    InitializeMintParams,
    MintToParams,
    TransferCheckedParams,
    get_associated_token_address,
    initialize_mint,
    mint_to,
    transfer_checked,
)
from spl.token.instructions import create_associated_token_account

MINT_SIZE = 82
LAMPORTS_PER_SOL = 1_000_000_000


def funded_keypair(client: Client, lamports: int = 10 * LAMPORTS_PER_SOL) -> Keypair:
    keypair = Keypair()
    signature = client.request_airdrop(keypair.pubkey(), lamports).value
    wait_confirmed(client, signature)
    return keypair


def wait_confirmed(client: Client, signature: Signature, timeout: float = 20, level: str = "confirmed") -> dict:
    order = {"processed": 0, "confirmed": 1, "finalized": 2}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get_signature_statuses([signature]).value[0]
        if status is not None and status.confirmation_status is not None:
            reached = str(status.confirmation_status).split(".")[-1].lower()
            if order[reached] >= order[level]:
                return status
        time.sleep(0.05)
    raise TimeoutError(f"{signature} not {level} within {timeout} s")


def send_and_confirm(client: Client, instructions: list, signers: list[Keypair]) -> Signature:
    blockhash = client.get_latest_blockhash(Confirmed).value.blockhash
    tx = Transaction(signers, Message(instructions, signers[0].pubkey()), blockhash)
    signature = client.send_transaction(tx).value
    wait_confirmed(client, signature)
    return signature


def create_mint(client: Client, payer: Keypair, decimals: int = 6, program_id: Pubkey = TOKEN_PROGRAM_ID) -> Pubkey:
    mint = Keypair()
    rent = client.get_minimum_balance_for_rent_exemption(MINT_SIZE).value
    send_and_confirm(
        client,
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=payer.pubkey(), to_pubkey=mint.pubkey(), lamports=rent, space=MINT_SIZE, owner=program_id
                )
            ),
            initialize_mint(
                InitializeMintParams(
                    decimals=decimals, mint=mint.pubkey(), mint_authority=payer.pubkey(), program_id=program_id
                )
            ),
        ],
        [payer, mint],
    )
    return mint.pubkey()


def create_ata(client: Client, payer: Keypair, owner: Pubkey, mint: Pubkey, program_id: Pubkey = TOKEN_PROGRAM_ID) -> Pubkey:
    send_and_confirm(
        client, [create_associated_token_account(payer.pubkey(), owner, mint, program_id)], [payer]
    )
    return get_associated_token_address(owner, mint, program_id)


def mint_tokens(client: Client, payer: Keypair, mint: Pubkey, destination: Pubkey, amount: int, program_id: Pubkey = TOKEN_PROGRAM_ID) -> Signature:
    return send_and_confirm(
        client,
        [
            mint_to(
                MintToParams(
                    program_id=program_id, mint=mint, dest=destination, mint_authority=payer.pubkey(), amount=amount
                )
            )
        ],
        [payer],
    )


def transfer_tokens_ix(source: Pubkey, mint: Pubkey, destination: Pubkey, owner: Pubkey, amount: int, decimals: int, program_id: Pubkey = TOKEN_PROGRAM_ID):
    return transfer_checked(
        TransferCheckedParams(
            program_id=program_id,
            source=source,
            mint=mint,
            dest=destination,
            owner=owner,
            amount=amount,
            decimals=decimals,
        )
    )


def sol_transfer_ix(source: Pubkey, destination: Pubkey, lamports: int):
    return transfer(TransferParams(from_pubkey=source, to_pubkey=destination, lamports=lamports))
