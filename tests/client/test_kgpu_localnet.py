"""The sender and the kgpu command against a real JSON-RPC server: kgpu-localnet as a subprocess."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from spl.token.constants import TOKEN_2022_PROGRAM_ID
from spl.token.instructions import (
    FreezeAccountParams,
    MintToCheckedParams,
    create_idempotent_associated_token_account,
    freeze_account,
    mint_to_checked,
)
from typer.testing import CliRunner

from kgpu_client_testkit import LAMPORTS_PER_SOL, LocalnetProcess, start_localnet, stop_localnet
from kgpu.addresses import kgpu_mint_address, kgpu_token_account
from kgpu.cli import build_app
from kgpu.config import save_keypair
from kgpu.errors import AccountNotFoundError, InsufficientLamportsError
from kgpu.tx import TransactionSender, send_transaction_sync

pytestmark = pytest.mark.slow


def funded_keypair(localnet: LocalnetProcess, tmp_path: Path, lamports: int = 2 * LAMPORTS_PER_SOL) -> tuple[Keypair, Path]:
    keypair = Keypair()
    path = save_keypair(keypair, tmp_path / f"{keypair.pubkey()}.json")
    localnet.airdrop(str(keypair.pubkey()), lamports)
    return keypair, path


def kgpu_json(localnet: LocalnetProcess, keypair_path: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        build_app("en"), ["--url", localnet.rpc_url, "--keypair", str(keypair_path), "--json", *args]
    )
    return result.exit_code, json.loads(result.stdout)


def balance(localnet: LocalnetProcess, address: Pubkey) -> int:
    return localnet.call("getBalance", [str(address), {"commitment": "confirmed"}])["value"]  # type: ignore[index]


async def test_sender_confirms_transfer(localnet: LocalnetProcess, tmp_path: Path) -> None:
    payer, _ = funded_keypair(localnet, tmp_path)
    recipient = Pubkey.new_unique()

    async with AsyncClient(localnet.rpc_url) as client:
        sent = await TransactionSender(client, poll_interval=0.05).send(
            [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=123_456))],
            payer=payer,
            compute_unit_price=1_000,
            compute_unit_limit=10_000,
        )

    assert sent.attempts == 1
    assert sent.slot > 0
    assert balance(localnet, recipient) == 123_456


async def test_preflight_errors_decoded(localnet: LocalnetProcess, tmp_path: Path) -> None:
    payer, _ = funded_keypair(localnet, tmp_path)
    unfunded = Keypair()

    async with AsyncClient(localnet.rpc_url) as client:
        sender = TransactionSender(client, poll_interval=0.05)
        with pytest.raises(InsufficientLamportsError) as caught:
            await sender.send(
                [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**15))],
                payer=payer,
            )
        with pytest.raises(AccountNotFoundError):
            await sender.send(
                [transfer(TransferParams(from_pubkey=unfunded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=1))],
                payer=unfunded,
            )

    assert caught.value.logs


def test_sync_wrapper(localnet: LocalnetProcess, tmp_path: Path) -> None:
    payer, _ = funded_keypair(localnet, tmp_path)
    recipient = Pubkey.new_unique()

    sent = send_transaction_sync(
        localnet.rpc_url,
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=5_000_000))],
        payer=payer,
    )

    assert sent.attempts == 1
    assert balance(localnet, recipient) == 5_000_000


def test_cli_balance_and_transfer(localnet: LocalnetProcess, tmp_path: Path) -> None:
    payer, path = funded_keypair(localnet, tmp_path)
    recipient = Pubkey.new_unique()

    code, before = kgpu_json(localnet, path, "wallet", "balance")
    sent_code, sent = kgpu_json(
        localnet, path, "wallet", "transfer", str(recipient), "0.25", "--priority-fee", "100", "--compute-unit-limit", "5000"
    )
    _, after = kgpu_json(localnet, path, "wallet", "balance", str(recipient))

    assert code == 0
    assert before["lamports"] == 2 * LAMPORTS_PER_SOL
    assert before["sol"] == "2"
    assert set(before["kgpu"]) == {"mint", "mint_exists", "token_account", "token_account_exists", "amount"}
    assert sent_code == 0, sent
    assert set(sent) == {
        "ok", "signature", "slot", "attempts", "token", "amount", "base_units", "from", "to", "destination_account",
    }  # fmt: skip
    assert sent["base_units"] == LAMPORTS_PER_SOL // 4
    assert after["lamports"] == LAMPORTS_PER_SOL // 4


def test_cli_transfer_error_exit_1(localnet: LocalnetProcess, tmp_path: Path) -> None:
    _, path = funded_keypair(localnet, tmp_path, lamports=LAMPORTS_PER_SOL)

    code, data = kgpu_json(localnet, path, "wallet", "transfer", str(Pubkey.new_unique()), "5")

    assert code == 1
    assert data["error"]["key"] == "error.system.insufficient_lamports"


def test_cli_kgpu_without_mint(localnet: LocalnetProcess, tmp_path: Path) -> None:
    _, path = funded_keypair(localnet, tmp_path)
    code, data = kgpu_json(localnet, path, "wallet", "balance")
    if data["kgpu"]["mint_exists"]:
        pytest.skip("the K-GPU mint exists on this localnet")

    transfer_code, transfer_data = kgpu_json(
        localnet, path, "wallet", "transfer", str(Pubkey.new_unique()), "1000", "--token", "kgpu"
    )

    assert code == 0
    assert data["kgpu"]["amount"] is None
    assert transfer_code == 1
    assert transfer_data["error"]["key"] == "error.mint_not_found"


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["reserve"], "error.kgpu_token.config_not_found"),
        (["redeem", "1000", "--bank-reference", "KB-123"], "error.kgpu_token.config_not_found"),
        (["provider", "stake", "--amount", "1000000"], "error.provider_not_found"),
        (["admin", "pause", "--program", "token"], "error.kgpu_token.config_not_found"),
        (["admin", "pause", "--program", "market"], "error.command_not_implemented"),
    ],
    ids=lambda value: " ".join(value[:2]) if isinstance(value, list) else value,
)
def test_program_commands_before_initialize(localnet: LocalnetProcess, tmp_path: Path, args: list[str], key: str) -> None:
    # The programs are deployed on this localnet but kgpu_token is not initialized.
    _, path = funded_keypair(localnet, tmp_path)

    code, data = kgpu_json(localnet, path, *args)

    assert code == 1
    assert data["error"]["key"] == key


# ---------------------------------------------------------------------------------------------
# K-GPU transfers, with a stand-in mint preloaded at the K-GPU mint address


def token_2022_mint_json(authority: Pubkey, decimals: int = 0) -> dict:
    """Return a ``solana account --output json`` document for a plain Token-2022 mint (82 bytes)."""
    some = (1).to_bytes(4, "little")
    data = (
        some + bytes(authority)  # mint_authority: COption<Pubkey>
        + (0).to_bytes(8, "little")  # supply
        + bytes([decimals, 1])  # decimals, is_initialized
        + some + bytes(authority)  # freeze_authority: COption<Pubkey>
    )  # fmt: skip
    return {
        "lamports": 1_461_600,
        "data": [base64.b64encode(data).decode(), "base64"],
        "owner": str(TOKEN_2022_PROGRAM_ID),
        "executable": False,
        "rentEpoch": 0,
    }


@pytest.fixture
def mint_localnet(tmp_path: Path) -> Iterator[tuple[LocalnetProcess, Keypair]]:
    """A private localnet with a Token-2022 mint at the K-GPU mint address, controlled by the returned keypair."""
    authority = Keypair()
    account_file = tmp_path / "kgpu-mint.json"
    account_file.write_text(json.dumps(token_2022_mint_json(authority.pubkey())))
    started = start_localnet(tmp_path / "ledger", ["--account", f"{kgpu_mint_address()}={account_file}"])
    if isinstance(started, str):
        pytest.skip(started)
    yield started, authority
    stop_localnet(started.process)


def test_cli_kgpu_transfer_and_frozen(mint_localnet: tuple[LocalnetProcess, Keypair], tmp_path: Path) -> None:
    localnet, authority = mint_localnet
    localnet.airdrop(str(authority.pubkey()), 2 * LAMPORTS_PER_SOL)
    authority_path = save_keypair(authority, tmp_path / "authority.json")
    mint = kgpu_mint_address()
    source = kgpu_token_account(authority.pubkey())
    # The command runs its own event loop, so this test is synchronous and sets up with the sync sender.
    send_transaction_sync(
        localnet.rpc_url,
        [
            create_idempotent_associated_token_account(
                authority.pubkey(), authority.pubkey(), mint, TOKEN_2022_PROGRAM_ID
            ),
            mint_to_checked(
                MintToCheckedParams(
                    program_id=TOKEN_2022_PROGRAM_ID,
                    mint=mint,
                    dest=source,
                    mint_authority=authority.pubkey(),
                    amount=10_000,
                    decimals=0,
                )
            ),
        ],
        payer=authority,
    )
    recipient = Pubkey.new_unique()

    code, before = kgpu_json(localnet, authority_path, "wallet", "balance")
    sent_code, sent = kgpu_json(localnet, authority_path, "wallet", "transfer", str(recipient), "2500", "--token", "kgpu")
    _, received = kgpu_json(localnet, authority_path, "wallet", "balance", str(recipient))

    assert code == 0
    assert before["kgpu"]["mint_exists"] is True
    assert before["kgpu"]["amount"] == 10_000
    assert sent_code == 0, sent
    assert sent["base_units"] == 2_500
    assert sent["destination_account"] == str(kgpu_token_account(recipient))
    assert received["kgpu"]["token_account_exists"] is True
    assert received["kgpu"]["amount"] == 2_500

    send_transaction_sync(
        localnet.rpc_url,
        [
            freeze_account(
                FreezeAccountParams(
                    program_id=TOKEN_2022_PROGRAM_ID,
                    account=kgpu_token_account(recipient),
                    mint=mint,
                    authority=authority.pubkey(),
                )
            )
        ],
        payer=authority,
    )

    frozen_code, frozen = kgpu_json(localnet, authority_path, "wallet", "transfer", str(recipient), "1", "--token", "kgpu")

    assert frozen_code == 1
    assert frozen["error"]["key"] == "error.token.account_frozen"
    assert frozen["error"]["type"] == "AccountFrozenError"
