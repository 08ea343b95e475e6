"""The program commands of kgpu against a kgpu-localnet subprocess with kgpu_token and kgpu_market
deployed: one flow from `admin init` to `reserve`, driven through CliRunner with --json.

Only the oracle quorum's part (the collateral attestation and the deposit mints) goes through
kgpu.token directly, because it needs the oracle keys and no oracle process runs here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kgpu_client_testkit import LAMPORTS_PER_SOL, LocalnetProcess, start_localnet, stop_localnet
from kgpu_token_localnet import cluster_time, token_client, token_program_missing
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from typer.testing import CliRunner

from kgpu import market
from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.cli import build_app
from kgpu.config import save_keypair
from kgpu.quorum import AttestCollateral, MintDeposit, custodian_id_from_address
from kgpu.token import canonical_deposit_id, canonical_redemption_nonce, redemption_address

COLLATERAL_VALUE = 10**12
HAIRCUT_BPS = 500
# 10^12 KRW of collateral less the 5% haircut.
CAPACITY = 950_000_000_000
RENTER_FUNDS = 500_000
PROVIDER_FUNDS = 3_000_000
MIN_STAKE_PER_GPU = 1_000_000
GPU_COUNT = 2
STAKE = MIN_STAKE_PER_GPU * GPU_COUNT
HOURS = 2
PRICE = 3_600
# The default budget: GPU count × hours × price per GPU-hour.
BUDGET = GPU_COUNT * HOURS * PRICE
REDEEM = 100_000
BANK_REFERENCE = "KB 110-123-456789"


@dataclass
class Wallets:
    """Keypair files of the flow's roles on one localnet."""

    localnet: LocalnetProcess
    admin: Path
    renter: Path
    provider: Path
    node: Path
    keys: dict[str, Keypair]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def wallets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wallets]:
    """A private kgpu-localnet with both programs deployed but not initialized, and funded role wallets."""
    folder = tmp_path_factory.mktemp("cli-programs")
    started = start_localnet(folder / "ledger")
    if isinstance(started, str):
        pytest.skip(started)
    try:
        missing = token_program_missing(started)
        market_account = started.call(
            "getAccountInfo", [str(KGPU_MARKET_PROGRAM_ID), {"encoding": "base64", "commitment": "processed"}]
        )["value"]  # type: ignore[index]
        if missing or market_account is None:
            pytest.skip(missing or "kgpu_market is not deployed: build it with `uv run --frozen python -m kgpu_sbf.build kgpu_market`")
        ledger = Path(started.call("kgpu_getLedgerInfo", [])["path"]).parent  # type: ignore[index]
        keys = {name: Keypair() for name in ("renter", "provider", "node")}
        paths = {name: save_keypair(key, folder / f"{name}.json") for name, key in keys.items()}
        for name in ("renter", "provider"):
            started.airdrop(str(keys[name].pubkey()), 2 * LAMPORTS_PER_SOL)
        yield Wallets(started, ledger / "faucet-keypair.json", paths["renter"], paths["provider"], paths["node"], keys)
    finally:
        stop_localnet(started.process)


def kgpu(wallets: Wallets, keypair: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        build_app("en"), ["--url", wallets.localnet.rpc_url, "--keypair", str(keypair), "--json", *args]
    )
    assert result.stdout, result.output
    return result.exit_code, json.loads(result.stdout)


def attest_and_mint(wallets: Wallets, oracles: list[Keypair]) -> None:
    """Record a collateral attestation and mint the renter's and provider's deposits with two oracle signatures."""
    admin_payer = wallets.keys["renter"]

    async def run() -> None:
        async with AsyncClient(wallets.localnet.rpc_url) as rpc:
            token = token_client(rpc)
            custodian = custodian_id_from_address("0x00112233445566778899aabbccddeeff00112233")
            valuation_time = cluster_time(wallets.localnet) - 60
            await token.attest_collateral(
                AttestCollateral(1, valuation_time, COLLATERAL_VALUE, hashlib.sha256(b"report").digest(), custodian),
                payer=admin_payer, signers=oracles[:2],
            )  # fmt: skip
            for name, amount in (("renter", RENTER_FUNDS), ("provider", PROVIDER_FUNDS)):
                deposit = MintDeposit(canonical_deposit_id(name), wallets.keys[name].pubkey(), amount)
                await token.mint_deposit(deposit, payer=admin_payer, signers=oracles[:2])

    asyncio.run(run())


def test_program_flow_through_cli(wallets: Wallets) -> None:
    renter = str(wallets.keys["renter"].pubkey())
    provider_wallet = str(wallets.keys["provider"].pubkey())
    provider_account = str(market.provider_address(wallets.keys["provider"].pubkey()))
    first_oracles = [str(Keypair().pubkey()) for _ in range(3)]
    oracles = [Keypair() for _ in range(3)]

    # admin init: the faucet is both programs' upgrade authority and becomes admin and registry authority.
    code, data = kgpu(
        wallets, wallets.admin, "admin", "init",
        *[arg for key in first_oracles for arg in ("--oracle", key)],
        "--oracle-threshold", "2", "--haircut-bps", str(HAIRCUT_BPS), "--max-attestation-age", "86400",
        "--protocol-fee-bps", "250", "--min-stake-per-gpu", str(MIN_STAKE_PER_GPU),
        "--unbonding-period", "604800", "--grid-gco2-per-kwh", "436",
    )  # fmt: skip
    assert code == 0, data
    admin = data["token"]["admin"]
    assert data["token_initialized"] is True
    assert data["market_initialized"] is True
    assert data["vaults_thawed"] == 4
    assert data["token"]["registry_authority"] == admin
    assert data["token"]["oracles"] == first_oracles
    assert data["token"]["oracle_threshold"] == 2
    assert data["token"]["haircut_bps"] == HAIRCUT_BPS
    assert data["token"]["blocked_jurisdictions"] == ["CN", "RU"]
    assert data["token"]["approved_programs"] == [str(KGPU_MARKET_PROGRAM_ID)]
    assert data["market"] == {
        "admin": admin,
        "fee_bps": 250,
        "min_stake_per_gpu": MIN_STAKE_PER_GPU,
        "unbonding_period": 604_800,
        "grid_gco2_per_kwh": 436,
        "blocked_jurisdictions": ["CN", "RU"],
    }

    # A second init finds every step done and sends nothing.
    code, data = kgpu(wallets, wallets.admin, "admin", "init", "--oracle", first_oracles[0], "--oracle-threshold", "1", "--grid-gco2-per-kwh", "436")
    assert code == 0, data
    assert (data["token_initialized"], data["market_initialized"], data["vaults_thawed"], data["signatures"]) == (False, False, 0, [])

    # admin oracle-set replaces the operators with keys this test holds.
    code, data = kgpu(
        wallets, wallets.admin, "admin", "oracle-set",
        *[arg for key in oracles for arg in ("--oracle", str(key.pubkey()))], "--threshold", "2",
    )  # fmt: skip
    assert code == 0, data
    assert data["oracles"] == [str(key.pubkey()) for key in oracles]
    assert data["oracle_threshold"] == 2

    # admin kyc creates and thaws each wallet's K-GPU account.
    for wallet in (renter, provider_wallet):
        code, data = kgpu(wallets, wallets.admin, "admin", "kyc", wallet, "--jurisdiction", "kr")
        assert code == 0, data
        assert data["wallet"] == wallet
        assert data["jurisdiction"] == "KR"
        assert data["level"] == 1
        assert data["expires_at"] is None
        assert data["revoked"] is False

    attest_and_mint(wallets, oracles)

    # provider register, approve, stake.
    code, data = kgpu(
        wallets, wallets.provider, "provider", "register", "--node-keypair", str(wallets.node),
        "--gpu-model", "NVIDIA H100 80GB", "--gpu-count", str(GPU_COUNT), "--region", "KR", "--energy-source", "solar",
    )  # fmt: skip
    assert code == 0, data
    assert data["address"] == provider_account
    assert data["provider"]["authority"] == provider_wallet
    assert data["provider"]["node_key"] == str(wallets.keys["node"].pubkey())
    assert data["provider"]["gpu_model"] == "NVIDIA H100 80GB"
    assert data["provider"]["gpu_count"] == GPU_COUNT
    assert data["provider"]["region"] == "KR"
    assert data["provider"]["energy_source"] == "solar"
    assert data["provider"]["approved"] is False

    code, data = kgpu(wallets, wallets.admin, "admin", "approve", provider_wallet)
    assert code == 0, data
    assert (data["provider"], data["approved"]) == (provider_account, True)

    code, data = kgpu(wallets, wallets.provider, "provider", "stake", "--amount", str(STAKE))
    assert code == 0, data
    assert data["amount"] == STAKE
    assert data["provider"]["active_stake"] == STAKE

    # job open: the budget defaults to GPU count × hours × price, and a wrong --gpu-count is rejected.
    code, data = kgpu(wallets, wallets.renter, "job", "open", "--provider", provider_wallet, "--hours", str(HOURS), "--price", str(PRICE), "--gpus", "3")
    assert code == 1
    assert data["error"]["key"] == "error.gpu_count_mismatch"

    code, data = kgpu(wallets, wallets.renter, "job", "open", "--provider", renter, "--hours", "1", "--price", "1")
    assert code == 1
    assert data["error"]["key"] == "error.provider_not_found"

    code, data = kgpu(wallets, wallets.renter, "job", "open", "--provider", provider_wallet, "--hours", str(HOURS), "--price", str(PRICE))
    assert code == 0, data
    job = data["job"]
    job_address = job["address"]
    # The CLI's default nonce is the first from 1 whose job PDA has bump 255, as open_job requires.
    first_job_nonce = market.find_job_nonce(wallets.keys["renter"].pubkey())
    assert job_address == str(market.job_address(wallets.keys["renter"].pubkey(), first_job_nonce))
    assert job["status"] == "open"
    assert job["renter"] == renter
    assert job["provider"] == provider_account
    assert job["provider_authority"] == provider_wallet
    assert job["nonce"] == first_job_nonce
    assert job["gpu_count"] == GPU_COUNT
    assert job["price_per_gpu_hour"] == PRICE
    assert (job["funded"], job["escrowed"], job["paid"], job["refunded"]) == (BUDGET, BUDGET, 0, 0)
    # The end time counts from the cluster time read before sending, a few seconds before opened_at.
    assert HOURS * 3_600 - 30 <= job["end_time"] - job["opened_at"] <= HOURS * 3_600

    # job list: the wallet's jobs by default, or a provider's.
    code, data = kgpu(wallets, wallets.renter, "job", "list")
    assert code == 0, data
    assert (data["count"], data["status"]) == (1, "open")
    assert data["jobs"] == [job]
    code, data = kgpu(wallets, wallets.admin, "job", "list", "--provider", provider_account)
    assert code == 0, data
    assert [item["address"] for item in data["jobs"]] == [job_address]

    code, data = kgpu(wallets, wallets.admin, "job", "show", job_address)
    assert code == 0, data
    assert data["job"] == job

    # job close refunds the whole budget, since no receipt settled.
    code, data = kgpu(wallets, wallets.renter, "job", "close", job_address)
    assert code == 0, data
    assert data["job"]["status"] == "closed"
    assert data["job"]["refunded"] == BUDGET
    assert data["job"]["escrowed"] == 0
    assert data["job"]["refund_due"] == 0
    # The renter's account took the refund, so nothing is left to claim.
    code, data = kgpu(wallets, wallets.provider, "job", "claim-refund", job_address)
    assert code == 1
    assert data["error"]["type"] == "NothingToRefundError"
    code, data = kgpu(wallets, wallets.renter, "job", "list")
    assert data["count"] == 0
    code, data = kgpu(wallets, wallets.renter, "job", "list", "--status", "closed")
    assert [item["address"] for item in data["jobs"]] == [job_address]

    # redeem burns the amount and stores the hash of the bank reference.
    code, data = kgpu(wallets, wallets.renter, "redeem", str(REDEEM), "--bank-reference", BANK_REFERENCE)
    assert code == 0, data
    first_nonce = canonical_redemption_nonce(wallets.keys["renter"].pubkey())
    assert data["redemption"] == str(redemption_address(wallets.keys["renter"].pubkey(), first_nonce))
    assert data["nonce"] == first_nonce
    assert data["amount"] == REDEEM
    assert data["bank_reference_hash"] == hashlib.sha256(BANK_REFERENCE.encode()).hexdigest()
    assert data["status"] == "requested"
    assert data["balance"] == RENTER_FUNDS - REDEEM
    code, data = kgpu(wallets, wallets.renter, "redeem", "1", "--bank-ref", BANK_REFERENCE)
    assert code == 0, data
    assert data["nonce"] == canonical_redemption_nonce(wallets.keys["renter"].pubkey(), first_nonce + 1)

    # reserve reads supply, collateral and capacity from chain.
    code, data = kgpu(wallets, wallets.renter, "reserve")
    assert code == 0, data
    assert data["source"] == "chain"
    assert data["supply"] == RENTER_FUNDS + PROVIDER_FUNDS - REDEEM - 1
    assert data["collateral_value"] == COLLATERAL_VALUE
    assert data["capacity"] == CAPACITY
    assert data["ratio"] == round(CAPACITY / (RENTER_FUNDS + PROVIDER_FUNDS - REDEEM - 1), 6)
    assert data["attestation_sequence"] == 1
    assert data["attestation_age_seconds"] >= 60

    # admin params changes only the values given; admin pause toggles minting in kgpu_token.
    code, data = kgpu(wallets, wallets.admin, "admin", "params", "--protocol-fee-bps", "300", "--haircut-bps", "600")
    assert code == 0, data
    assert len(data["signatures"]) == 2
    assert (data["token"]["haircut_bps"], data["token"]["max_attestation_age"]) == (600, 86_400)
    assert (data["market"]["fee_bps"], data["market"]["min_stake_per_gpu"]) == (300, MIN_STAKE_PER_GPU)
    code, data = kgpu(wallets, wallets.admin, "admin", "pause", "--program", "token")
    assert (code, data["mint_paused"]) == (0, True)
    code, data = kgpu(wallets, wallets.admin, "admin", "pause", "--program", "token", "--unpause")
    assert (code, data["mint_paused"]) == (0, False)
    code, data = kgpu(wallets, wallets.admin, "admin", "pause", "--program", "market")
    assert (code, data["error"]["key"]) == (1, "error.command_not_implemented")

    # provider unstake starts unbonding, and withdraw fails until the 7-day unbonding period ends.
    code, data = kgpu(wallets, wallets.provider, "provider", "unstake", "--amount", str(MIN_STAKE_PER_GPU))
    assert code == 0, data
    assert (data["provider"]["active_stake"], data["provider"]["unbonding_stake"]) == (STAKE - MIN_STAKE_PER_GPU, MIN_STAKE_PER_GPU)
    code, data = kgpu(wallets, wallets.provider, "provider", "withdraw")
    assert code == 1
    assert data["error"]["type"] == "UnbondingNotFinishedError"
    # No receipt settled, so no fee reward accrued and kgpu_market rejects the claim.
    code, data = kgpu(wallets, wallets.provider, "provider", "claim")
    assert code == 1
    assert data["error"]["type"] == "NothingToClaimError"

    # Human output: rich tables and one-line results, in both languages.
    for lang in ("en", "ko"):
        for keypair, args in (
            (wallets.renter, ["job", "list", "--status", "all"]),
            (wallets.renter, ["job", "show", job_address]),
            (wallets.renter, ["reserve"]),
            (wallets.provider, ["provider", "stake", "--amount", "1"]),
            (wallets.renter, ["redeem", "1", "--bank-reference", BANK_REFERENCE]),
        ):
            result = CliRunner().invoke(
                build_app(lang), ["--url", wallets.localnet.rpc_url, "--keypair", str(keypair), *args], env={"COLUMNS": "200"}
            )
            assert result.exit_code == 0, (lang, args, result.output)
            assert result.stdout.strip(), (lang, args)
    human = CliRunner().invoke(build_app("en"), ["--url", wallets.localnet.rpc_url, "--keypair", str(wallets.renter), "reserve"], env={"COLUMNS": "200"})
    # Two more redemptions of 1 KRW ran in the loop above.
    assert f"{RENTER_FUNDS + PROVIDER_FUNDS - REDEEM - 3:,}" in human.stdout


def test_reserve_unreachable_rpc_exits_3(tmp_path: Path) -> None:
    path = save_keypair(Keypair(), tmp_path / "id.json")

    result = CliRunner().invoke(build_app("en"), ["--url", closed_port_url(), "--keypair", str(path), "--json", "reserve"])

    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["error"]["key"] == "error.rpc_connection"


# ---------------------------------------------------------------------------------------------
# Evidence commands against a stand-in oracle that records each request


DEPLOYMENT_ID = hashlib.sha256(b"cli evidence tests").digest()
POSITIONS_CSV = """isin,faceValue,cleanPrice,maturityDate
KR103501GF30,10000000000,10128.5,2027-03-10
KR103501GF63,"10,000,000,000",9968.0,2028-06-10
"""


class RecordingOracle:
    """An HTTP server on 127.0.0.1 that stores each request body and responds with a fixed status and body."""

    def __init__(self, status: int, body: dict) -> None:
        import http.server
        import threading

        self.requests: list[tuple[str, str, dict | None]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, payload: dict | None) -> None:
                recorder.requests.append((self.command, self.path, payload))
                encoded = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                length = int(self.headers["Content-Length"])
                self.answer(json.loads(self.rfile.read(length)))

            def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
                self.answer(None)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - overrides the base signature
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def accepting_oracle() -> Iterator[RecordingOracle]:
    oracle = RecordingOracle(202, {"id": "attestation-1", "state": "pending"})
    yield oracle
    oracle.close()


def kgpu_offline(tmp_path: Path, *args: str) -> tuple[int, dict]:
    path = tmp_path / "id.json"
    if not path.exists():
        save_keypair(Keypair(), path)
    result = CliRunner().invoke(build_app("en"), ["--url", closed_port_url(), "--keypair", str(path), "--json", *args])
    assert result.stdout, result.output
    return result.exit_code, json.loads(result.stdout)


def test_custodian_report_signs_eip712(tmp_path: Path, accepting_oracle: RecordingOracle) -> None:
    import datetime as dt

    from eth_account import Account
    from kgpu_oracle.collateral import verify_report

    custodian = Account.create()
    key_file = tmp_path / "custodian.hex"
    key_file.write_text(bytes(custodian.key).hex() + "\n")
    positions = tmp_path / "positions.csv"
    positions.write_text(POSITIONS_CSV)

    code, data = kgpu_offline(
        tmp_path, "custodian", "report", str(positions), "--custodian-key", str(key_file),
        "--valuation-date", "2025-07-21", "--sequence", "7", "--deployment-id", DEPLOYMENT_ID.hex(),
        "--oracle", accepting_oracle.url,
    )  # fmt: skip

    assert code == 0, data
    assert (data["attestation_id"], data["state"], data["sequence"], data["positions"]) == ("attestation-1", "pending", 7, 2)
    assert data["face_value"] == 20_000_000_000
    [(method, path, body)] = accepting_oracle.requests
    assert (method, path) == ("POST", "/v1/collateral-reports")
    assert body is not None
    assert body["report"] == {
        "sequence": 7,
        "valuationDate": "2025-07-21",
        "positions": [
            {"isin": "KR103501GF30", "faceValue": 10_000_000_000, "cleanPrice": "10128.5", "maturityDate": "2027-03-10"},
            {"isin": "KR103501GF63", "faceValue": 10_000_000_000, "cleanPrice": "9968.0", "maturityDate": "2028-06-10"},
        ],
    }
    valuation = verify_report(
        body["report"], body["signature"], custodian_address=custodian.address, deployment_id=DEPLOYMENT_ID, today=dt.date(2025, 7, 21)
    )
    assert valuation.market_value == 10_128_500_000 + 9_968_000_000


def test_bank_deposit_signs_notice(tmp_path: Path, accepting_oracle: RecordingOracle) -> None:
    from kgpu_oracle.deposits import verify_deposit
    from nacl.signing import SigningKey
    from solders.signature import Signature

    bank = Keypair()
    bank_file = save_keypair(bank, tmp_path / "bank.json")
    beneficiary = str(Keypair().pubkey())

    code, data = kgpu_offline(
        tmp_path, "bank", "deposit", "--reference", "SHINHAN-20250721-000123", "--beneficiary", beneficiary,
        "--amount", "1000000", "--bank-keypair", str(bank_file), "--credited-at", "1753056000",
        "--deployment-id", DEPLOYMENT_ID.hex(), "--oracle", accepting_oracle.url,
    )  # fmt: skip

    assert code == 0, data
    assert data["attestation_id"] == "attestation-1"
    assert data["deposit_id"] == canonical_deposit_id("SHINHAN-20250721-000123").hex()
    [(method, path, body)] = accepting_oracle.requests
    assert (method, path) == ("POST", "/v1/deposits")
    assert body is not None
    assert {key: body[key] for key in ("reference", "beneficiary", "amount", "credited_at")} == {
        "reference": "SHINHAN-20250721-000123",
        "beneficiary": beneficiary,
        "amount": 1_000_000,
        "credited_at": 1_753_056_000,
    }
    notice = verify_deposit(
        **{key: body[key] for key in ("reference", "beneficiary", "amount", "credited_at")},
        signature=bytes(Signature.from_string(body["signature"])),
        bank_key=SigningKey(bytes(bank)[:32]).verify_key,
        deployment_id=DEPLOYMENT_ID,
        now=1_753_056_000,
    )
    assert notice.amount == 1_000_000


def test_reserve_from_oracle(tmp_path: Path) -> None:
    view = {
        "source": "chain", "supply": 3_400_000, "collateral_value": 10**12, "capacity": 950_000_000_000,
        "ratio": 279411.764706, "valuation_date": "2025-07-21", "attestation_age_seconds": 120, "history": [],
    }  # fmt: skip
    oracle = RecordingOracle(200, view)
    try:
        code, data = kgpu_offline(tmp_path, "reserve", "--oracle", oracle.url)
    finally:
        oracle.close()

    assert code == 0, data
    assert oracle.requests == [("GET", "/v1/reserve", None)]
    assert data["source"] == "oracle:chain"
    assert (data["supply"], data["collateral_value"], data["capacity"]) == (3_400_000, 10**12, 950_000_000_000)
    assert data["attestation_age_seconds"] == 120


def test_oracle_rejection_exits_1(tmp_path: Path) -> None:
    oracle = RecordingOracle(422, {"detail": "signature does not verify"})
    bank_file = save_keypair(Keypair(), tmp_path / "bank.json")
    try:
        code, data = kgpu_offline(
            tmp_path, "bank", "deposit", "--reference", "R-1", "--beneficiary", str(Keypair().pubkey()), "--amount", "5",
            "--bank-keypair", str(bank_file), "--deployment-id", DEPLOYMENT_ID.hex(), "--oracle", oracle.url,
        )  # fmt: skip
    finally:
        oracle.close()

    assert code == 1
    assert data["error"]["key"] == "error.oracle_rejected"
    assert "422" in data["error"]["message"]


def test_oracle_unreachable_exits_3(tmp_path: Path) -> None:
    positions = tmp_path / "positions.json"
    positions.write_text(json.dumps({"positions": [{"isin": "KR103501GF30", "face_value": 1, "clean_price": "1", "maturity_date": "2030-01-01"}]}))
    key_file = tmp_path / "custodian.hex"
    key_file.write_text("0x" + "11" * 32)

    code, data = kgpu_offline(
        tmp_path, "custodian", "report", str(positions), "--custodian-key", str(key_file), "--sequence", "1",
        "--deployment-id", DEPLOYMENT_ID.hex(), "--oracle", closed_port_url(),
    )  # fmt: skip

    assert code == 3
    assert data["error"]["key"] == "error.oracle_unreachable"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("isin,faceValue\nKR103501GF30,1\n", "lacks cleanPrice, maturityDate"),
        ("isin,faceValue,cleanPrice,maturityDate\nKR103501GF30,1.5,1,2030-01-01\n", "faceValue is not a whole number"),
        ("isin,faceValue,cleanPrice,maturityDate\n", "contains no positions"),
    ],
    ids=["missing-columns", "fractional-face-value", "empty"],
)
def test_positions_file_invalid(tmp_path: Path, content: str, reason: str) -> None:
    positions = tmp_path / "positions.csv"
    positions.write_text(content)
    key_file = tmp_path / "custodian.hex"
    key_file.write_text("11" * 32)

    code, data = kgpu_offline(
        tmp_path, "custodian", "report", str(positions), "--custodian-key", str(key_file), "--sequence", "1",
        "--deployment-id", DEPLOYMENT_ID.hex(), "--oracle", closed_port_url(),
    )  # fmt: skip

    assert code == 1
    assert data["error"]["key"] == "error.input_file"
    assert reason in data["error"]["message"]
