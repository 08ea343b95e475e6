"""Outbox: posting to kgpu-localnet running kgpu_token, crashes at each step, and expired blockhashes.

The posting, crash and warp-expiry tests run against a kgpu-localnet subprocess with the program
deployed. `test_expired_blockhash_checks_status_before_resend` keeps the fake JSON-RPC server of
`kgpu_oracle_fake_rpc`, because it needs a sent transaction that never lands, and a real cluster
lands every valid transaction it receives.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import asyncio
import base64
import hashlib
from dataclasses import dataclass

import httpx2
import pytest
import uvicorn
from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID
from sqlalchemy import create_engine, text

from kgpu import token
from kgpu.quorum import AttestCollateral, ConfirmRedemption, MintDeposit, custodian_id_from_address
from kgpu_oracle.app import create_app
from kgpu_oracle.messages import ED25519_PROGRAM_ID, TOKEN_PROGRAM_ID, decode_message
from kgpu_oracle.outbox import CRASH_EXIT_STATUS, CRASH_POINTS, build_program_instruction, retry_delay

from kgpu_oracle_fake_rpc import FakeLedger, fake_rpc_app
from kgpu_oracle_testkit import (
    BANK_KEY,
    CUSTODIAN_ADDRESS,
    DEPLOYMENT_ID,
    RunningClock,
    deposit_body,
    example_report,
    make_config,
    operator_keypair,
    signed_report_body,
)

# The kgpu-localnet helpers live with the SDK tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))
from kgpu_client_testkit import LAMPORTS_PER_SOL, LocalnetProcess, start_localnet, stop_localnet  # noqa: E402
from kgpu_token_localnet import (  # noqa: E402
    TokenDeployment,
    cluster_time,
    initialize_token,
    token_client,
    token_program_missing,
)

COLLATERAL_VALUE = 10_000_000_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    def __init__(self, app, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def ledger() -> Iterator[tuple[FakeLedger, str]]:
    fake = FakeLedger()
    server = _Server(fake_rpc_app(fake), _free_port())
    yield fake, server.url
    server.stop()


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_retry_delay_backoff() -> None:
    assert [retry_delay(n) for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert retry_delay(40) == 300


def test_expired_blockhash_checks_status_before_resend(tmp_path: Path, ledger) -> None:
    fake, rpc_url = ledger
    fake.drop_transactions = 1
    fake.height_step = 100  # the 150-block lifetime passes after two height queries
    config = make_config(
        f"sqlite:///{tmp_path / 'oracle.db'}", rpc_url=rpc_url, submit_transactions=True, gather_interval_seconds=0.1
    )
    server = _Server(create_app(config, clock=RunningClock()), _free_port())
    try:
        attestation_id = httpx2.post(f"{server.url}/v1/deposits", json=deposit_body()).json()["id"]
        view_url = f"{server.url}/v1/attestations/{attestation_id}"
        assert _wait_for(lambda: httpx2.get(view_url).json()["state"] == "confirmed")
        view = httpx2.get(view_url).json()
    finally:
        server.stop()

    send_calls = [index for index, (method, _) in enumerate(fake.calls) if method == "sendTransaction"]
    sent_signatures = [str(tx.signatures[0]) for tx in fake.sent]
    signatures = list(dict.fromkeys(sent_signatures))
    assert len(signatures) == 2
    first, second = signatures
    assert view["tx_signature"] == second
    first_sends = [call for call, signature in zip(send_calls, sent_signatures) if signature == first]
    second_sends = [call for call, signature in zip(send_calls, sent_signatures) if signature == second]
    status_checks = [
        index
        for index, (method, params) in enumerate(fake.calls)
        if method == "getSignatureStatuses" and params[0] == [first] and params[1] == {"searchTransactionHistory": True}
    ]
    # The first transaction is rebroadcast while valid; its status is checked before the resend.
    assert len(first_sends) >= 2
    assert status_checks
    assert first_sends[0] < status_checks[-1] < second_sends[0]
    states = [event["state"] for event in view["history"]]
    assert states[:3] == ["intake", "verified", "signatures_gathered"]
    assert states[-1] == "confirmed"
    assert "sent" in states


@dataclass
class Chain:
    """kgpu-localnet with kgpu_token initialized for the test oracle: operator 0 alone, threshold 1."""

    localnet: LocalnetProcess
    deployment: TokenDeployment


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """One kgpu-localnet for the module, with a fresh collateral attestation and a funded operator."""
    started = start_localnet(tmp_path_factory.mktemp("oracle-localnet") / "ledger")
    if isinstance(started, str):
        pytest.skip(started)
    try:
        missing = token_program_missing(started)
        if missing:
            pytest.skip(missing)
        operator = operator_keypair(0)
        deployment = initialize_token(started, oracles=[operator], threshold=1, deployment_id=DEPLOYMENT_ID)
        started.airdrop(str(operator.pubkey()), 10 * LAMPORTS_PER_SOL)
        attestation = AttestCollateral(
            1, cluster_time(started) - 60, COLLATERAL_VALUE, hashlib.sha256(b"report").digest(),
            custodian_id_from_address(CUSTODIAN_ADDRESS),
        )  # fmt: skip

        async def attest() -> None:
            async with AsyncClient(started.rpc_url) as rpc:
                await token_client(rpc).attest_collateral(attestation, payer=operator, signers=[operator])

        asyncio.run(attest())
        yield Chain(started, deployment)
    finally:
        stop_localnet(started.process)


def kyc_wallet(chain: Chain) -> Pubkey:
    """Return a new wallet with a valid KYC record and no token account yet."""
    wallet = Pubkey.from_bytes(os.urandom(32))
    deployment = chain.deployment

    async def set_kyc() -> None:
        async with AsyncClient(chain.localnet.rpc_url) as rpc:
            await token_client(rpc).set_kyc(
                registry_authority=deployment.registry, payer=deployment.admin, wallet=wallet,
                jurisdiction=b"KR", level=1, expires_at=cluster_time(chain.localnet) + 86_400, token_accounts=[],
            )  # fmt: skip

    asyncio.run(set_kyc())
    return wallet


def token_balance(chain: Chain, owner: Pubkey) -> int:
    account = chain.localnet.call(
        "getAccountInfo", [str(token.token_account_address(owner)), {"encoding": "base64", "commitment": "confirmed"}]
    )["value"]  # type: ignore[index]
    if account is None:
        return 0
    return int.from_bytes(base64.b64decode(account["data"][0])[64:72], "little")


def deposit_signatures(chain: Chain, deposit_id: bytes) -> list[dict]:
    """Every transaction that touched the deposit record, failed ones included."""
    address = token.deposit_record_address(deposit_id)
    return chain.localnet.call("getSignaturesForAddress", [str(address), {"commitment": "confirmed"}])  # type: ignore[return-value]


def deposit_id_of(reference: str) -> bytes:
    return token.canonical_deposit_id(reference)


@pytest.mark.slow
def test_deposit_mints_on_chain(tmp_path: Path, chain: Chain) -> None:
    beneficiary = kyc_wallet(chain)
    reference = "SHINHAN-20250721-LAYOUT"
    config = make_config(
        f"sqlite:///{tmp_path / 'oracle.db'}", rpc_url=chain.localnet.rpc_url, submit_transactions=True,
        gather_interval_seconds=0.1,
    )  # fmt: skip
    server = _Server(create_app(config, clock=RunningClock()), _free_port())
    try:
        response = httpx2.post(f"{server.url}/v1/deposits", json=deposit_body(reference, 1_000_000, beneficiary))
        message = bytes.fromhex(response.json()["message_hex"])
        view_url = f"{server.url}/v1/attestations/{response.json()['id']}"
        assert _wait_for(lambda: httpx2.get(view_url).json()["state"] == "confirmed")
        view = httpx2.get(view_url).json()
        reserve = httpx2.get(f"{server.url}/v1/reserve").json()
    finally:
        server.stop()

    assert token_balance(chain, beneficiary) == 1_000_000
    record = chain.localnet.call(
        "getAccountInfo",
        [str(token.deposit_record_address(deposit_id_of(reference))), {"encoding": "base64", "commitment": "confirmed"}],
    )["value"]  # type: ignore[index]
    decoded = token.DepositRecord.from_bytes(base64.b64decode(record["data"][0]))
    assert (decoded.beneficiary, decoded.amount) == (beneficiary, 1_000_000)

    landed = chain.localnet.call("getTransaction", [view["tx_signature"], {"encoding": "base64", "commitment": "confirmed"}])
    transaction = Transaction.from_bytes(base64.b64decode(landed["transaction"][0]))  # type: ignore[index]
    keys = transaction.message.account_keys
    programs = [keys[ix.program_id_index] for ix in transaction.message.instructions]
    assert programs == [ASSOCIATED_TOKEN_PROGRAM_ID, ED25519_PROGRAM_ID, TOKEN_PROGRAM_ID]
    precompile_data = bytes(transaction.message.instructions[1].data)
    assert precompile_data[0] == 1
    assert precompile_data.endswith(message)
    assert landed["meta"]["err"] is None  # type: ignore[index]

    supply = chain.localnet.call("getTokenSupply", [str(token.mint_address()), {"commitment": "confirmed"}])
    assert reserve["source"] == "chain"
    assert reserve["supply"] == int(supply["value"]["amount"])  # type: ignore[index]
    assert reserve["capacity"] == COLLATERAL_VALUE * 95 // 100


@pytest.mark.slow
def test_deposit_without_kyc_fails(tmp_path: Path, chain: Chain) -> None:
    beneficiary = Pubkey.from_bytes(os.urandom(32))
    config = make_config(
        f"sqlite:///{tmp_path / 'oracle.db'}", rpc_url=chain.localnet.rpc_url, submit_transactions=True,
        gather_interval_seconds=0.1,
    )  # fmt: skip
    server = _Server(create_app(config, clock=RunningClock()), _free_port())
    try:
        response = httpx2.post(f"{server.url}/v1/deposits", json=deposit_body("NO-KYC-1", 5_000, beneficiary))
        view_url = f"{server.url}/v1/attestations/{response.json()['id']}"
        assert _wait_for(lambda: httpx2.get(view_url).json()["state"] == "failed")
        view = httpx2.get(view_url).json()
    finally:
        server.stop()

    # The missing KYC record is an empty System account, so the program's owner check rejects it.
    assert view["last_error"].startswith("InvalidOwnerError: An account in instruction 2 is owned by the wrong program")
    assert view["history"][-1]["state"] == "failed"
    assert token_balance(chain, beneficiary) == 0


def test_program_instruction_per_kind() -> None:
    operator = operator_keypair(0)
    attestation = AttestCollateral(3, 1_753_056_000, 5_000, bytes(32), custodian_id_from_address(CUSTODIAN_ADDRESS))
    deposit = MintDeposit(deposit_id_of("REF-1"), Pubkey.from_bytes(bytes(range(32))), 7)
    confirmation = ConfirmRedemption(token.redemption_address(operator.pubkey(), 1), bytes(range(32)))

    assert build_program_instruction(attestation, operator.pubkey()) == token.attest_collateral_instruction(attestation)
    assert build_program_instruction(deposit, operator.pubkey()) == token.mint_deposit_instruction(deposit, payer=operator.pubkey())
    assert build_program_instruction(confirmation, operator.pubkey()) == token.confirm_redemption_instruction(confirmation)


@pytest.mark.slow
def test_collateral_report_attests_on_chain(tmp_path: Path) -> None:
    started = start_localnet(tmp_path / "ledger")
    if isinstance(started, str):
        pytest.skip(started)
    try:
        missing = token_program_missing(started)
        if missing:
            pytest.skip(missing)
        initialize_token(started, oracles=[operator_keypair(0)], threshold=1, deployment_id=DEPLOYMENT_ID)
        started.airdrop(str(operator_keypair(0).pubkey()), LAMPORTS_PER_SOL)
        config = make_config(
            f"sqlite:///{tmp_path / 'oracle.db'}", rpc_url=started.rpc_url, submit_transactions=True,
            gather_interval_seconds=0.1,
        )  # fmt: skip
        server = _Server(create_app(config, clock=RunningClock()), _free_port())
        try:
            response = httpx2.post(f"{server.url}/v1/collateral-reports", json=signed_report_body(example_report(sequence=5)))
            view_url = f"{server.url}/v1/attestations/{response.json()['id']}"
            assert _wait_for(lambda: httpx2.get(view_url).json()["state"] == "confirmed")
            _, payload = decode_message(bytes.fromhex(response.json()["message_hex"]))
            reserve = httpx2.get(f"{server.url}/v1/reserve").json()
        finally:
            server.stop()
        account = started.call(
            "getAccountInfo", [str(token.config_address()), {"encoding": "base64", "commitment": "confirmed"}]
        )["value"]  # type: ignore[index]
    finally:
        stop_localnet(started.process)

    on_chain = token.Config.from_bytes(base64.b64decode(account["data"][0]))
    assert on_chain.attestation_sequence == 5
    assert on_chain.valuation_time == payload.valuation_time
    assert on_chain.collateral_value == payload.collateral_value
    assert on_chain.capacity == payload.collateral_value * 95 // 100
    assert on_chain.report_hash == payload.report_hash
    assert reserve["collateral_value"] == payload.collateral_value
    assert reserve["valuation_date"] == "2025-07-21"


def _write_config(tmp_path: Path, rpc_url: str, port: int) -> Path:
    keypair_path = tmp_path / "operator.json"
    keypair_path.write_text(json.dumps(list(bytes(operator_keypair(0)))))

    config = f"""
deployment_id = "{DEPLOYMENT_ID.hex()}"
operator_keypair = "operator.json"
threshold = 1
custodian_address = "{CUSTODIAN_ADDRESS}"
bank_pubkey = "{Pubkey.from_bytes(bytes(BANK_KEY.verify_key))}"
database_url = "sqlite:///{tmp_path / 'oracle.db'}"
rpc_url = "{rpc_url}"
submit_transactions = true
listen_port = {port}
gather_interval_seconds = 0.1
"""
    path = tmp_path / "oracle.toml"
    path.write_text(config)
    return path


def _start_process(config_path: Path, log_path: Path, crash_at: str | None) -> subprocess.Popen:
    environment = {key: value for key, value in os.environ.items() if key != "KGPU_ORACLE_CRASH_AT"}
    if crash_at:
        environment["KGPU_ORACLE_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "kgpu_oracle.cli", "--config", str(config_path)]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=open(log_path, "ab"))


def _state(database: Path) -> tuple[str, str] | None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT id, state FROM attestations")).first()
    except Exception:
        return None
    finally:
        engine.dispose()
    return (row[0], row[1]) if row else None


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_crash_then_restart_mints_once(tmp_path: Path, chain: Chain, crash_at: str) -> None:
    beneficiary = kyc_wallet(chain)
    reference = f"SHINHAN-CRASH-{crash_at}"
    amount = 250_000
    port = _free_port()
    config_path = _write_config(tmp_path, chain.localnet.rpc_url, port)
    log_path = tmp_path / "oracle.log"
    url = f"http://127.0.0.1:{port}"

    process = _start_process(config_path, log_path, crash_at)
    try:
        assert _wait_for(lambda: _reachable(url)), log_path.read_text()
        try:
            httpx2.post(f"{url}/v1/deposits", json=deposit_body(reference, amount, beneficiary), timeout=10)
        except httpx2.HTTPError:
            pass  # the crash point inside the request closes the connection
        assert process.wait(timeout=20) == CRASH_EXIT_STATUS, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()

    process = _start_process(config_path, log_path, None)
    try:
        assert _wait_for(lambda: (_state(tmp_path / "oracle.db") or ("", ""))[1] == "confirmed", 30), log_path.read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)

    # Exactly one transaction touched the deposit record, and it succeeded: a second copy with a
    # new blockhash would have landed as a failed DepositAlreadyApplied transaction.
    signatures = deposit_signatures(chain, deposit_id_of(reference))
    assert len(signatures) == 1
    assert signatures[0]["err"] is None
    assert token_balance(chain, beneficiary) == amount
    assert _state(tmp_path / "oracle.db")[1] == "confirmed"


@pytest.mark.slow
def test_expired_record_resent_after_warp(tmp_path: Path, chain: Chain) -> None:
    beneficiary = kyc_wallet(chain)
    reference = "SHINHAN-WARP-1"
    port = _free_port()
    config_path = _write_config(tmp_path, chain.localnet.rpc_url, port)
    log_path = tmp_path / "oracle.log"
    url = f"http://127.0.0.1:{port}"
    database = tmp_path / "oracle.db"

    # The process signs and records the transaction, then exits before sending it.
    process = _start_process(config_path, log_path, "after_send_record")
    try:
        assert _wait_for(lambda: _reachable(url)), log_path.read_text()
        try:
            httpx2.post(f"{url}/v1/deposits", json=deposit_body(reference, 40_000, beneficiary), timeout=10)
        except httpx2.HTTPError:
            pass  # the worker, woken by this request, can reach the crash point before the response is sent
        assert process.wait(timeout=20) == CRASH_EXIT_STATUS, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        recorded, last_valid = connection.execute(text("SELECT tx_signature, last_valid_block_height FROM attestations")).one()
    engine.dispose()

    # Block height equals the slot on kgpu-localnet, so this expires the recorded blockhash.
    chain.localnet.call("kgpu_warpSlot", [last_valid + 1])
    process = _start_process(config_path, log_path, None)
    try:
        assert _wait_for(lambda: (_state(database) or ("", ""))[1] == "confirmed", 30), log_path.read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)

    signatures = deposit_signatures(chain, deposit_id_of(reference))
    assert len(signatures) == 1
    assert signatures[0]["err"] is None
    assert signatures[0]["signature"] != recorded
    assert token_balance(chain, beneficiary) == 40_000
    expiry_lines = [line for line in log_path.read_text().splitlines() if "blockhash_expired" in line]
    assert len(expiry_lines) == 1
    assert recorded in expiry_lines[0]


def _reachable(url: str) -> bool:
    try:
        return httpx2.get(f"{url}/v1/health", timeout=1).status_code == 200
    except httpx2.HTTPError:
        return False
