"""Instruction builders, account readers and a ready environment for the kgpu_market tests.

Instruction data is encoded by anchorpy from the program's IDL, and each instruction's account
list is laid out from the IDL's account order and flags, so every test that passes also checks
the IDL against the deployed program. The token program is driven through its own testkit:
its `initialize`, `update_params` (to approve the market program), `thaw_program_account` (the
market's vaults), `set_kyc` and `mint_deposit`.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from anchorpy import Idl
from anchorpy.coder.coder import Coder
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.transaction_metadata import FailedTransactionMetadata
from spl.token.instructions import create_associated_token_account, get_associated_token_address

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "token"))

import kgpu_token_testkit as token_kit  # noqa: E402
from kgpu_sbf.loader import find_programdata_address  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
IDL_PATH = REPO / "programs" / "kgpu_market" / "idl" / "kgpu_market.json"
IDL_JSON = json.loads(IDL_PATH.read_text())
IDL = Idl.from_json(IDL_PATH.read_text())
CODER = Coder(IDL)

PROGRAM_ID = Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")
TOKEN_PROGRAM_ID = token_kit.PROGRAM_ID
TOKEN_2022_PROGRAM_ID = token_kit.TOKEN_2022_PROGRAM_ID
INSTRUCTIONS_SYSVAR_ID = token_kit.INSTRUCTIONS_SYSVAR_ID
NOW = token_kit.NOW

ERRORS = {error["name"]: error["code"] for error in IDL_JSON["errors"]}

KIND_SETTLE_RECEIPT = 16
KIND_SLASH = 17

# Launch parameters used by most tests.
FEE_BPS = 250
MIN_STAKE_PER_GPU = 1_000_000
UNBONDING_PERIOD = 7 * 86_400
# Grams of CO2 per kWh for the tests' grid; an illustrative figure, not a measured one.
GRID_GCO2_PER_KWH = 436
LAUNCH_BLOCKED = [b"CN", b"RU"]


# --- addresses -------------------------------------------------------------------------------


def pda(*seeds: bytes) -> Pubkey:
    return Pubkey.find_program_address(list(seeds), PROGRAM_ID)[0]


def pda_with_bump(*seeds: bytes) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address(list(seeds), PROGRAM_ID)


MARKET = pda(b"market")
AUTHORITY, AUTHORITY_BUMP = pda_with_bump(b"authority")
CARBON_MINT = pda(b"carbon_mint")
STAKE_VAULT = pda(b"stake_vault")
REWARD_VAULT = pda(b"reward_vault")
INSURANCE_VAULT = pda(b"insurance_vault")
ESCROW_VAULT = pda(b"escrow_vault")
VAULTS = [STAKE_VAULT, REWARD_VAULT, INSURANCE_VAULT, ESCROW_VAULT]
KGPU_MINT = token_kit.mint_address()
TOKEN_CONFIG = token_kit.config_address()


def provider_seed(authority: Pubkey) -> str:
    """The seed of a Provider address: lowercase hex of the first 16 bytes of the authority."""
    return bytes(authority)[:16].hex()


def provider_address(authority: Pubkey) -> Pubkey:
    """The Provider account of `authority`: a System address with seed, base the vault authority PDA."""
    return Pubkey.create_with_seed(AUTHORITY, provider_seed(authority), PROGRAM_ID)


def job_address(renter: Pubkey, nonce: int) -> Pubkey:
    return pda(b"job", bytes(renter), struct.pack("<Q", nonce))


def job_bump(renter: Pubkey, nonce: int) -> int:
    return pda_with_bump(b"job", bytes(renter), struct.pack("<Q", nonce))[1]


def next_job_nonce(renter: Pubkey, after: int, *, bump: int = 255) -> int:
    """Return the first nonce above `after` whose job PDA has canonical bump `bump`."""
    nonce = after + 1
    while job_bump(renter, nonce) != bump:
        nonce += 1
    return nonce


def receipt_address(job: Pubkey, sequence: int) -> tuple[Pubkey, int]:
    return pda_with_bump(b"receipt", bytes(job), struct.pack("<Q", sequence))


def kgpu_account(owner: Pubkey) -> Pubkey:
    return token_kit.ata(owner)


def carbon_account(owner: Pubkey) -> Pubkey:
    return get_associated_token_address(owner, CARBON_MINT, TOKEN_2022_PROGRAM_ID)


# --- instructions ----------------------------------------------------------------------------


def market_ix(name: str, args: dict[str, Any], accounts: dict[str, Pubkey]) -> Instruction:
    """Build instruction `name` from the IDL: anchorpy encodes the data, and the account metas
    follow the IDL's order and writable/signer flags."""
    spec = next(ix for ix in IDL_JSON["instructions"] if ix["name"] == name)
    metas = [
        AccountMeta(accounts[entry["name"]], entry.get("signer", False), entry.get("writable", False))
        for entry in spec["accounts"]
    ]
    unknown = set(accounts) - {entry["name"] for entry in spec["accounts"]}
    assert not unknown, f"{name}: accounts not in the IDL: {unknown}"
    return Instruction(PROGRAM_ID, CODER.instruction.encode(name, args), metas)


def replace_account(ix: Instruction, name: str, pubkey: Pubkey) -> Instruction:
    """Return `ix` with the account the IDL calls `name` swapped for `pubkey`, flags kept."""
    names = [entry["name"] for entry in _spec_for_data(bytes(ix.data))["accounts"]]
    accounts = list(ix.accounts)
    index = names.index(name)
    accounts[index] = AccountMeta(pubkey, accounts[index].is_signer, accounts[index].is_writable)
    return Instruction(ix.program_id, bytes(ix.data), accounts)


def _spec_for_data(data: bytes) -> dict[str, Any]:
    return next(entry for entry in IDL_JSON["instructions"] if bytes(entry["discriminator"]) == data[:8])


def params_args(
    *,
    fee_bps: int = FEE_BPS,
    min_stake_per_gpu: int = MIN_STAKE_PER_GPU,
    unbonding_period: int = UNBONDING_PERIOD,
    grid_gco2_per_kwh: int = GRID_GCO2_PER_KWH,
    blocked: Sequence[bytes] = tuple(LAUNCH_BLOCKED),
) -> dict[str, Any]:
    return {
        "fee_bps": fee_bps,
        "min_stake_per_gpu": min_stake_per_gpu,
        "unbonding_period": unbonding_period,
        "grid_gco2_per_kwh": grid_gco2_per_kwh,
        "blocked_jurisdictions": [list(code) for code in blocked],
    }


def initialize_market_ix(admin: Pubkey, **params: Any) -> Instruction:
    return market_ix("initialize_market", params_args(**params), {
        "admin": admin, "market": MARKET, "kgpu_mint": KGPU_MINT, "token_config": TOKEN_CONFIG,
        "program_data": find_programdata_address(PROGRAM_ID), "system_program": SYSTEM_PROGRAM_ID,
    })


def initialize_carbon_mint_ix(admin: Pubkey) -> Instruction:
    return market_ix("initialize_carbon_mint", {}, {
        "admin": admin, "market": MARKET, "carbon_mint": CARBON_MINT, "token_program": TOKEN_2022_PROGRAM_ID,
        "system_program": SYSTEM_PROGRAM_ID,
    })


def initialize_vault_ix(admin: Pubkey, kind: int, *, vault: Pubkey | None = None) -> Instruction:
    return market_ix("initialize_vault", {"kind": kind}, {
        "admin": admin, "market": MARKET, "vault": vault or VAULTS[kind], "kgpu_mint": KGPU_MINT,
        "token_program": TOKEN_2022_PROGRAM_ID, "system_program": SYSTEM_PROGRAM_ID,
    })


def setup_market_ixs(admin: Pubkey, **params: Any) -> list[Instruction]:
    """All three setup steps, in the order the program needs them: market, K-CARBON mint, the
    four vaults."""
    vaults = [initialize_vault_ix(admin, kind) for kind in range(len(VAULTS))]
    return [initialize_market_ix(admin, **params), initialize_carbon_mint_ix(admin), *vaults]


def update_market_params_ix(admin: Pubkey, **params: Any) -> Instruction:
    return market_ix("update_market_params", params_args(**params), {"market": MARKET, "admin": admin})


def register_provider_ix(
    authority: Pubkey, node_key: Pubkey, *, gpu_model: bytes = b"NVIDIA H100 80GB", gpu_count: int = 2,
    region: bytes = b"KR", energy_source: int = 5,
) -> Instruction:
    return market_ix("register_provider", {
        "node_key": node_key, "gpu_model": list(gpu_model.ljust(32, b"\0")), "gpu_count": gpu_count,
        "region": list(region), "energy_source": energy_source,
    }, {
        "authority": authority, "provider": provider_address(authority), "market": MARKET, "vault_authority": AUTHORITY,
        "system_program": SYSTEM_PROGRAM_ID,
    })


def approve_provider_ix(registry: Pubkey, provider: Pubkey, approved: bool = True) -> Instruction:
    return market_ix("approve_provider", {"approved": approved}, {
        "market": MARKET, "token_config": TOKEN_CONFIG, "registry_authority": registry, "provider": provider,
    })


def stake_ix(authority: Pubkey, amount: int, *, source: Pubkey | None = None) -> Instruction:
    return market_ix("stake", {"amount": amount}, {
        "authority": authority, "provider": provider_address(authority), "market": MARKET,
        "source": source or kgpu_account(authority), "stake_vault": STAKE_VAULT, "kgpu_mint": KGPU_MINT,
        "token_program": TOKEN_2022_PROGRAM_ID,
    })


def request_unstake_ix(authority: Pubkey, amount: int) -> Instruction:
    return market_ix("request_unstake", {"amount": amount}, {
        "authority": authority, "provider": provider_address(authority), "market": MARKET,
    })


def _vault_payout_accounts(authority: Pubkey, vault_name: str, vault: Pubkey, destination: Pubkey | None) -> dict[str, Pubkey]:
    return {
        "authority": authority, "provider": provider_address(authority), "market": MARKET,
        "destination": destination or kgpu_account(authority), vault_name: vault, "vault_authority": AUTHORITY,
        "kgpu_mint": KGPU_MINT, "token_program": TOKEN_2022_PROGRAM_ID,
    }


def withdraw_unstaked_ix(authority: Pubkey, *, destination: Pubkey | None = None) -> Instruction:
    return market_ix("withdraw_unstaked", {}, _vault_payout_accounts(authority, "stake_vault", STAKE_VAULT, destination))


def claim_rewards_ix(authority: Pubkey, *, destination: Pubkey | None = None, escrow_vault: Pubkey = ESCROW_VAULT) -> Instruction:
    accounts = _vault_payout_accounts(authority, "reward_vault", REWARD_VAULT, destination)
    return market_ix("claim_rewards", {}, {**accounts, "escrow_vault": escrow_vault})


def sweep_fees_ix(*, escrow_vault: Pubkey = ESCROW_VAULT, reward_vault: Pubkey = REWARD_VAULT) -> Instruction:
    return market_ix("sweep_fees", {}, {
        "market": MARKET, "escrow_vault": escrow_vault, "reward_vault": reward_vault, "vault_authority": AUTHORITY,
        "kgpu_mint": KGPU_MINT, "token_program": TOKEN_2022_PROGRAM_ID,
    })


def open_job_ix(
    renter: Pubkey, provider: Pubkey, nonce: int, price_per_gpu_hour: int, budget: int, end_time: int,
    *, kyc_record: Pubkey | None = None, source: Pubkey | None = None,
) -> Instruction:
    return market_ix("open_job", {
        "nonce": nonce, "price_per_gpu_hour": price_per_gpu_hour, "budget": budget, "end_time": end_time,
    }, {
        "renter": renter, "job": job_address(renter, nonce), "market": MARKET, "provider": provider,
        "token_config": TOKEN_CONFIG, "kyc_record": kyc_record or token_kit.kyc_address(renter),
        "source": source or kgpu_account(renter), "escrow_vault": ESCROW_VAULT, "kgpu_mint": KGPU_MINT,
        "token_program": TOKEN_2022_PROGRAM_ID, "system_program": SYSTEM_PROGRAM_ID,
    })


def close_job_ix(caller: Pubkey, job: Pubkey, renter: Pubkey, provider: Pubkey, *, destination: Pubkey | None = None) -> Instruction:
    return market_ix("close_job", {}, {
        "caller": caller, "job": job, "market": MARKET, "destination": destination or kgpu_account(renter),
        "escrow_vault": ESCROW_VAULT, "vault_authority": AUTHORITY, "kgpu_mint": KGPU_MINT,
        "token_program": TOKEN_2022_PROGRAM_ID, "provider": provider,
    })


def claim_refund_ix(job: Pubkey, renter: Pubkey, *, destination: Pubkey | None = None) -> Instruction:
    return market_ix("claim_refund", {}, {
        "job": job, "market": MARKET, "destination": destination or kgpu_account(renter),
        "escrow_vault": ESCROW_VAULT, "vault_authority": AUTHORITY, "kgpu_mint": KGPU_MINT,
        "token_program": TOKEN_2022_PROGRAM_ID,
    })


@dataclass
class UsageReceipt:
    """The signed fields of a kind-16 message."""

    job: Pubkey
    sequence: int
    gpu_seconds: int
    window_start: int
    window_end: int
    energy_wh: int
    renewable_wh: int
    usage_hash: bytes = field(default_factory=lambda: hashlib.sha256(b"usage").digest())

    def payload(self) -> bytes:
        return (
            bytes(self.job)
            + struct.pack("<QQqqQQ", self.sequence, self.gpu_seconds, self.window_start, self.window_end, self.energy_wh, self.renewable_wh)
            + self.usage_hash
        )


def settle_receipt_ix(payer: Pubkey, receipt: UsageReceipt, provider: Pubkey, provider_authority: Pubkey, *, job: Pubkey | None = None, receipt_record: Pubkey | None = None, receipt_bump: int | None = None, provider_token_account: Pubkey | None = None, instructions_sysvar: Pubkey = INSTRUCTIONS_SYSVAR_ID) -> Instruction:
    job = job or receipt.job
    record, bump = receipt_address(receipt.job, receipt.sequence)
    return market_ix("settle_receipt", {
        "job": receipt.job, "sequence": receipt.sequence, "gpu_seconds": receipt.gpu_seconds,
        "window_start": receipt.window_start, "window_end": receipt.window_end, "energy_wh": receipt.energy_wh,
        "renewable_wh": receipt.renewable_wh, "usage_hash": list(receipt.usage_hash),
        "receipt_bump": bump if receipt_bump is None else receipt_bump,
    }, {
        "payer": payer, "market": MARKET, "token_config": TOKEN_CONFIG, "job": job, "provider": provider,
        "receipt": receipt_record or record, "escrow_vault": ESCROW_VAULT,
        "provider_token_account": provider_token_account or kgpu_account(provider_authority),
        "carbon_mint": CARBON_MINT, "provider_carbon_account": carbon_account(provider_authority),
        "vault_authority": AUTHORITY, "kgpu_mint": KGPU_MINT, "instructions_sysvar": instructions_sysvar,
        "token_program": TOKEN_2022_PROGRAM_ID, "system_program": SYSTEM_PROGRAM_ID,
    })


@dataclass
class Slash:
    """The signed fields of a kind-17 message."""

    provider: Pubkey
    slash_sequence: int
    amount: int
    recipient: Pubkey
    evidence_hash: bytes = field(default_factory=lambda: hashlib.sha256(b"evidence").digest())

    def payload(self) -> bytes:
        return bytes(self.provider) + struct.pack("<QQ", self.slash_sequence, self.amount) + self.evidence_hash + bytes(self.recipient)


def slash_ix(slash: Slash) -> Instruction:
    return market_ix("slash", {
        "provider": slash.provider, "slash_sequence": slash.slash_sequence, "amount": slash.amount,
        "evidence_hash": list(slash.evidence_hash), "recipient": slash.recipient,
    }, {
        "market": MARKET, "token_config": TOKEN_CONFIG, "provider": slash.provider, "stake_vault": STAKE_VAULT,
        "recipient": slash.recipient, "vault_authority": AUTHORITY, "kgpu_mint": KGPU_MINT,
        "instructions_sysvar": INSTRUCTIONS_SYSVAR_ID, "token_program": TOKEN_2022_PROGRAM_ID,
    })


def market_message(deployment_id: bytes, kind: int, payload: bytes, *, program_id: Pubkey = PROGRAM_ID) -> bytes:
    """Build the message oracles sign for the market: tag, version, program id, deployment id,
    kind, payload."""
    return b"KGPUQRM1" + bytes([1]) + bytes(program_id) + deployment_id + bytes([kind]) + payload


# --- reads -----------------------------------------------------------------------------------


def decode(svm, address: Pubkey):
    """Decode a market account with anchorpy's account coder."""
    return CODER.accounts.decode(bytes(svm.get_account(address).data))


def balance(svm, account: Pubkey) -> int:
    return token_kit.token_balance(svm, account)


def custom_error(result) -> int | None:
    return token_kit.custom_error(result)


def error_text(result) -> str:
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded"
    return repr(result.err())


def events(result) -> list[tuple[str, Any]]:
    """Decode the Anchor events in a transaction's logs with anchorpy's event coder."""
    decoded = []
    for payload in token_kit.program_data_events(result.logs()):
        event = CODER.events.parse(payload)
        if event is not None:
            decoded.append((event.name, event.data))
    return decoded


# --- environment -----------------------------------------------------------------------------


@dataclass
class Provider:
    wallet: Keypair
    node_key: Keypair
    address: Pubkey
    gpu_count: int


@dataclass
class MarketEnv:
    """kgpu_token and kgpu_market deployed and initialized, market vaults thawed."""

    token: token_kit.TokenEnv
    nonce: int = 0
    initialize_results: list[Any] = field(default_factory=list)

    @property
    def svm(self):
        return self.token.svm

    @property
    def admin(self) -> Keypair:
        return self.token.admin

    def send(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = ()):
        return self.token.send(instructions, signers)

    def send_ok(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = ()):
        return self.token.send_ok(instructions, signers)

    def quorum(self, kind: int, payload: bytes, signers: Sequence[Keypair] | None = None) -> Instruction:
        signers = self.token.oracles[: self.token.threshold] if signers is None else signers
        return token_kit.ed25519_instruction(signers, market_message(self.token.deployment_id, kind, payload))

    def market(self):
        return decode(self.svm, MARKET)

    def new_wallet(self, *, jurisdiction: bytes = b"KR", kyc: bool = True, kgpu: int = 0) -> Keypair:
        """A funded wallet with a K-GPU ATA, a KYC record unless `kyc` is False, and `kgpu` tokens."""
        wallet = self.token.new_holder(jurisdiction=jurisdiction, kyc=kyc)
        if kgpu:
            result = self.token.mint(wallet.pubkey(), kgpu)
            assert not isinstance(result, FailedTransactionMetadata), result
        return wallet

    def new_provider(self, *, gpu_count: int = 2, region: bytes = b"KR", approve: bool = True, stake: int | None = None, kgpu: int = 10_000_000) -> Provider:
        """Register a provider with a K-GPU and a K-CARBON account.

        The registry authority approves it unless `approve` is False, and it stakes
        `MIN_STAKE_PER_GPU * gpu_count` unless `stake` gives another amount (0 for none).
        """
        wallet = self.new_wallet(kgpu=kgpu)
        node_key = Keypair()
        self.send_ok([
            create_associated_token_account(self.admin.pubkey(), wallet.pubkey(), CARBON_MINT, TOKEN_2022_PROGRAM_ID),
            register_provider_ix(wallet.pubkey(), node_key.pubkey(), gpu_count=gpu_count, region=region),
        ], [wallet])
        provider = Provider(wallet, node_key, provider_address(wallet.pubkey()), gpu_count)
        if approve:
            self.send_ok([approve_provider_ix(self.token.registry.pubkey(), provider.address)], [self.token.registry])
        stake = MIN_STAKE_PER_GPU * gpu_count if stake is None else stake
        if stake:
            self.send_ok([stake_ix(wallet.pubkey(), stake)], [wallet])
        return provider

    def open_job(self, renter: Keypair, provider: Provider, *, price: int = 3_000, budget: int = 100_000, duration: int = 86_400):
        """Open a job at the next nonce whose job PDA has bump 255 and return (result, job address)."""
        self.nonce = next_job_nonce(renter.pubkey(), self.nonce)
        job = job_address(renter.pubkey(), self.nonce)
        ix = open_job_ix(renter.pubkey(), provider.address, self.nonce, price, budget, self.token.now() + duration)
        return self.send([ix], [renter]), job

    def settle(self, receipt: UsageReceipt, provider: Provider, *, signers: Sequence[Keypair] | None = None, **kwargs):
        ix = settle_receipt_ix(self.admin.pubkey(), receipt, provider.address, provider.wallet.pubkey(), **kwargs)
        return self.send([self.quorum(KIND_SETTLE_RECEIPT, receipt.payload(), signers), ix])

    def slash(self, slash: Slash, *, signers: Sequence[Keypair] | None = None):
        return self.send([self.quorum(KIND_SLASH, slash.payload(), signers), slash_ix(slash)])


def make_market_env(svm, payer: Keypair, deploy, **params: Any) -> MarketEnv:
    """Deploy and initialize both programs, approve the market in the token program, thaw the
    market's vaults and attest enough collateral to mint test balances."""
    token = token_kit.make_env(svm, payer, deploy)
    assert deploy("kgpu_market") == PROGRAM_ID
    env = MarketEnv(token)
    env.send_ok([token_kit.update_params_ix(payer.pubkey(), approved_programs=[PROGRAM_ID])])
    env.initialize_results = [env.send_ok([ix]) for ix in setup_market_ixs(payer.pubkey(), **params)]
    seeds = [b"authority", bytes([AUTHORITY_BUMP])]
    env.send_ok([token_kit.thaw_program_account_ix(payer.pubkey(), vault, PROGRAM_ID, seeds) for vault in VAULTS])
    result = token.attest(10**15)
    assert not isinstance(result, FailedTransactionMetadata), result
    return env
