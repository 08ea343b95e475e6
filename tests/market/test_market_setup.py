"""The three-step market setup, the declared program id, the job PDA check of `open_job` that
relies on the runtime's curve check, and KYC records.

Every rejected request must change nothing, so each test compares snapshots of the accounts
involved before and after.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.transaction_metadata import FailedTransactionMetadata

import kgpu_token_testkit as token_kit
from kgpu_sbf.loader import deploy_upgradeable, program_elf
from market_testkit import (
    AUTHORITY_BUMP,
    CARBON_MINT,
    ERRORS,
    MARKET,
    PROGRAM_ID,
    REWARD_VAULT,
    STAKE_VAULT,
    VAULTS,
    MarketEnv,
    custom_error,
    decode,
    error_text,
    initialize_carbon_mint_ix,
    initialize_market_ix,
    initialize_vault_ix,
    job_address,
    job_bump,
    next_job_nonce,
    open_job_ix,
    provider_address,
    register_provider_ix,
    replace_account,
    stake_ix,
    update_market_params_ix,
)

ALL_PARTS = 0b11111


class Watch:
    """Snapshots of some accounts, to check that a rejected request changed none of them."""

    def __init__(self, env, addresses) -> None:
        self.env = env
        self.addresses = list(addresses)
        self.before = token_kit.snapshot(env.svm, self.addresses)

    def assert_unchanged(self) -> None:
        assert token_kit.snapshot(self.env.svm, self.addresses) == self.before


def assert_rejected(result, error: str, watch: Watch) -> None:
    """Assert that `result` failed with `error` (an IDL error name, or text of a builtin error)
    and that the watched accounts did not change."""
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded"
    if error in ERRORS:
        assert custom_error(result) == ERRORS[error], error_text(result)
    else:
        assert error in error_text(result), error_text(result)
    watch.assert_unchanged()


def assert_rejected_by_runtime(result, watch: Watch) -> None:
    """Assert that `result` failed without a program error code and changed nothing."""
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded"
    assert custom_error(result) is None, error_text(result)
    watch.assert_unchanged()


@pytest.fixture
def bare_env(svm, payer, deploy) -> MarketEnv:
    """Both programs deployed, the market approved in the token program, and only
    `initialize_market` run: no K-CARBON mint and no vaults yet."""
    token = token_kit.make_env(svm, payer, deploy)
    assert deploy("kgpu_market") == PROGRAM_ID
    env = MarketEnv(token)
    env.send_ok([token_kit.update_params_ix(payer.pubkey(), approved_programs=[PROGRAM_ID])])
    env.send_ok([initialize_market_ix(payer.pubkey())])
    result = token.attest(10**15)
    assert not isinstance(result, FailedTransactionMetadata), result
    return env


# --- setup -----------------------------------------------------------------------------------


def test_initialize_market_leaves_parts_unset(bare_env):
    market = decode(bare_env.svm, MARKET)
    assert market.initialized_parts == 0
    assert market.carbon_mint == CARBON_MINT
    assert [market.stake_vault, market.reward_vault, market.insurance_vault, market.escrow_vault] == VAULTS
    assert bare_env.svm.get_account(CARBON_MINT) is None


def test_stake_rejected_until_every_part_exists(bare_env):
    env = bare_env
    wallet = env.new_wallet(kgpu=5_000_000)
    env.send_ok([register_provider_ix(wallet.pubkey(), Keypair().pubkey())], [wallet])
    steps = [initialize_carbon_mint_ix(env.admin.pubkey())] + [initialize_vault_ix(env.admin.pubkey(), kind) for kind in range(4)]

    for step in steps:
        watch = Watch(env, [MARKET, provider_address(wallet.pubkey()), STAKE_VAULT])
        assert_rejected(env.send([stake_ix(wallet.pubkey(), 1_000_000)], [wallet]), "MarketNotReady", watch)
        env.send_ok([step])

    assert decode(env.svm, MARKET).initialized_parts == ALL_PARTS
    seeds = [b"authority", bytes([AUTHORITY_BUMP])]
    env.send_ok([token_kit.thaw_program_account_ix(env.admin.pubkey(), vault, PROGRAM_ID, seeds) for vault in VAULTS])
    env.send_ok([stake_ix(wallet.pubkey(), 1_000_000)], [wallet])
    assert decode(env.svm, provider_address(wallet.pubkey())).active_stake == 1_000_000


def test_open_job_rejected_before_vaults(bare_env):
    env = bare_env
    env.send_ok([initialize_carbon_mint_ix(env.admin.pubkey())])
    renter = env.new_wallet(kgpu=1_000_000)
    # The provider need not exist: the readiness check comes first.
    nonce = next_job_nonce(renter.pubkey(), 0)
    ix = open_job_ix(renter.pubkey(), Keypair().pubkey(), nonce, 3_000, 1_000, env.token.now() + 60)
    watch = Watch(env, [MARKET, job_address(renter.pubkey(), nonce), token_kit.ata(renter.pubkey())])
    assert_rejected(env.send([ix], [renter]), "MarketNotReady", watch)


@pytest.mark.parametrize("step", ["market", "carbon_mint", "vault"])
def test_second_setup_call_rejected(env, step):
    admin = env.admin.pubkey()
    ix = {
        "market": initialize_market_ix(admin, fee_bps=0),
        "carbon_mint": initialize_carbon_mint_ix(admin),
        "vault": initialize_vault_ix(admin, 1),
    }[step]
    watch = Watch(env, [MARKET, CARBON_MINT, *VAULTS])
    assert_rejected(env.send([ix]), "AlreadyInitialized", watch)


def test_setup_parts_by_stranger_rejected(bare_env):
    env = bare_env
    stranger = env.token.stranger()
    watch = Watch(env, [MARKET, CARBON_MINT, *VAULTS])
    assert_rejected(env.send([initialize_carbon_mint_ix(stranger.pubkey())], [stranger]), "Unauthorized", watch)
    assert_rejected(env.send([initialize_vault_ix(stranger.pubkey(), 0)], [stranger]), "Unauthorized", watch)


def test_initialize_vault_checks_kind_and_address(bare_env):
    env = bare_env
    admin = env.admin.pubkey()
    watch = Watch(env, [MARKET, *VAULTS])
    # Kind 4 has no vault; anchorpy encodes any u8, so build it from kind 0's accounts.
    wrong_kind = initialize_vault_ix(admin, 0)
    wrong_kind = type(wrong_kind)(wrong_kind.program_id, bytes(wrong_kind.data)[:8] + bytes([4]), list(wrong_kind.accounts))
    assert_rejected(env.send([wrong_kind]), "InvalidVaultKind", watch)
    assert_rejected(env.send([initialize_vault_ix(admin, 0, vault=REWARD_VAULT)]), "InvalidArgument", watch)


# --- declared program id ---------------------------------------------------------------------


def test_program_at_other_id_rejected(env, svm, payer):
    other = Keypair()
    deploy_upgradeable(svm, payer, other, program_elf("kgpu_market"))
    ix = update_market_params_ix(env.admin.pubkey(), fee_bps=0)
    ix = type(ix)(other.pubkey(), bytes(ix.data), list(ix.accounts))
    watch = Watch(env, [MARKET])
    assert_rejected(env.send([ix]), "DeclaredProgramIdMismatch", watch)


# --- open_job nonces -------------------------------------------------------------------------


def pda_hash(seeds: list[bytes], program_id: Pubkey) -> Pubkey:
    """The PDA hash of `seeds` (bump included) without the off-curve check."""
    return Pubkey(hashlib.sha256(b"".join(seeds) + bytes(program_id) + b"ProgramDerivedAddress").digest())


def nonce_below_255(renter: Pubkey) -> int:
    return next(nonce for nonce in range(1, 1_000) if job_bump(renter, nonce) != 255)


def test_open_job_nonce_below_bump_255_rejected(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    nonce = nonce_below_255(renter.pubkey())
    job = job_address(renter.pubkey(), nonce)
    ix = open_job_ix(renter.pubkey(), provider.address, nonce, 3_000, 1_000, env.token.now() + 60)
    watch = Watch(env, [MARKET, provider.address, job, token_kit.ata(renter.pubkey())])

    assert_rejected(env.send([ix], [renter]), "InvalidJobNonce", watch)


def test_open_job_on_curve_address_rejected(env):
    # The bump-255 hash of a nonce whose canonical bump is lower lies on the curve. It passes the
    # program's hash comparison, so the runtime must reject the signature for it.
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    nonce = nonce_below_255(renter.pubkey())
    on_curve = pda_hash([b"job", bytes(renter.pubkey()), struct.pack("<Q", nonce), bytes([255])], PROGRAM_ID)
    assert on_curve.is_on_curve()
    ix = replace_account(open_job_ix(renter.pubkey(), provider.address, nonce, 3_000, 1_000, env.token.now() + 60), "job", on_curve)
    watch = Watch(env, [MARKET, provider.address, on_curve, token_kit.ata(renter.pubkey())])

    assert_rejected_by_runtime(env.send([ix], [renter]), watch)


def test_open_job_accepts_bump_255_nonce(env):
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider)
    assert not isinstance(result, FailedTransactionMetadata), error_text(result)
    assert decode(env.svm, job).bump == 255


# --- KYC records -----------------------------------------------------------------------------


def kyc_record_data(wallet: Pubkey, *, expires_at: int) -> bytes:
    """KycRecord bytes as kgpu_token writes them: discriminator, wallet, "KR", level 1, expiry,
    not revoked, bump."""
    discriminator = hashlib.sha256(b"account:KycRecord").digest()[:8]
    return discriminator + bytes(wallet) + b"KR" + bytes([1]) + struct.pack("<q", expires_at) + bytes([0, 255])


@pytest.mark.parametrize("owner", ["market", "system"])
def test_open_job_with_fake_kyc_record(env, owner):
    provider = env.new_provider()
    renter = env.new_wallet(kyc=False, kgpu=0)
    fake = Keypair().pubkey()
    owner_id = {"market": PROGRAM_ID, "system": SYSTEM_PROGRAM_ID}[owner]
    data = kyc_record_data(renter.pubkey(), expires_at=env.token.now() + 86_400)
    env.svm.set_account(fake, Account(10**9, data, owner_id, False, 0))
    nonce = next_job_nonce(renter.pubkey(), 0)
    ix = open_job_ix(renter.pubkey(), provider.address, nonce, 3_000, 1_000, env.token.now() + 60, kyc_record=fake)
    watch = Watch(env, [MARKET, provider.address, job_address(renter.pubkey(), nonce)])

    assert_rejected(env.send([ix], [renter]), "InvalidAccountOwner", watch)
