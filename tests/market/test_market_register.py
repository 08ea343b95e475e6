"""`register_provider` and the Provider account's System address with seed.

The Provider account of wallet A is at `sha256(vault authority || hex(A[:16]) || program id)`,
the address `CreateAccountWithSeed` derives with the vault authority PDA as base. Every rejected
request must change nothing, so those tests compare snapshots of the accounts involved.
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
from market_testkit import (
    AUTHORITY,
    ERRORS,
    MARKET,
    PROGRAM_ID,
    custom_error,
    decode,
    error_text,
    events,
    provider_address,
    register_provider_ix,
    replace_account,
)

PROVIDER_LEN = 248
PROVIDER_DISCRIMINATOR = hashlib.sha256(b"account:Provider").digest()[:8]
GPU_MODEL = b"NVIDIA H100 80GB"


def seed_address(authority: Pubkey) -> Pubkey:
    """The Provider address computed from its definition, without solders' `create_with_seed`."""
    seed = bytes(authority)[:16].hex().encode()
    return Pubkey.from_bytes(hashlib.sha256(bytes(AUTHORITY) + seed + bytes(PROGRAM_ID)).digest())


def expected_provider_data(authority: Pubkey, node_key: Pubkey, registered_at: int) -> bytes:
    """Provider bytes right after registration: no stake, not approved, no jobs."""
    counters_before = bytes(8 * 10)  # active_stake to slash_count
    counters_after = bytes(8 * 5)  # total_earned to receipt_count
    return (
        PROVIDER_DISCRIMINATOR + bytes(authority) + bytes(node_key) + GPU_MODEL.ljust(32, b"\0")
        + counters_before + struct.pack("<q", registered_at) + counters_after
        + struct.pack("<I", 2) + b"KR" + bytes([5]) + bytes([0]) + bytes(4) + struct.pack("<I", 0)
    )


def new_authority(env) -> Keypair:
    authority = Keypair()
    env.svm.airdrop(authority.pubkey(), 10**9)
    return authority


def register(env, authority: Keypair, node_key: Pubkey):
    return env.send([register_provider_ix(authority.pubkey(), node_key, gpu_model=GPU_MODEL)], [authority])


def snapshot(env, addresses: list[Pubkey]) -> list[bytes | None]:
    return token_kit.snapshot(env.svm, addresses)


def assert_failed_with(result, error: str) -> None:
    """Assert that `result` failed with `error`, an IDL error name or text of a builtin error."""
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded"
    if error in ERRORS:
        assert custom_error(result) == ERRORS[error], error_text(result)
    else:
        assert error in error_text(result), error_text(result)


def test_provider_address_is_seed_address():
    authority = Keypair().pubkey()
    assert provider_address(authority) == seed_address(authority)
    assert provider_address(authority) == Pubkey.create_with_seed(AUTHORITY, bytes(authority)[:16].hex(), PROGRAM_ID)


def test_provider_address_uses_first_16_bytes():
    key = bytes(range(32))
    other = key[:16] + bytes(16)
    assert provider_address(Pubkey.from_bytes(key)) == provider_address(Pubkey.from_bytes(other))
    assert provider_address(Pubkey.from_bytes(key)) != provider_address(Pubkey.from_bytes(bytes([1]) + key[1:]))


def test_register_writes_provider(env):
    authority = new_authority(env)
    node_key = Keypair().pubkey()
    count_before = env.market().provider_count

    result = register(env, authority, node_key)

    assert not isinstance(result, FailedTransactionMetadata), error_text(result)
    address = seed_address(authority.pubkey())
    account = env.svm.get_account(address)
    assert account.owner == PROGRAM_ID
    assert account.lamports == env.svm.minimum_balance_for_rent_exemption(PROVIDER_LEN)
    assert bytes(account.data) == expected_provider_data(authority.pubkey(), node_key, env.token.now())
    assert env.market().provider_count == count_before + 1
    registered = [data for name, data in events(result) if name == "ProviderRegistered"]
    assert len(registered) == 1
    assert registered[0].provider == address
    assert registered[0].authority == authority.pubkey()


def test_register_twice_changes_nothing(env):
    authority = new_authority(env)
    assert not isinstance(register(env, authority, Keypair().pubkey()), FailedTransactionMetadata)
    watched = [MARKET, seed_address(authority.pubkey())]
    before = snapshot(env, watched)

    assert_failed_with(register(env, authority, Keypair().pubkey()), "AlreadyInitialized")

    assert snapshot(env, watched) == before


def former_pda(authority: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([b"provider", bytes(authority)], PROGRAM_ID)[0]


@pytest.mark.parametrize("case", ["former PDA", "other authority", "other base", "other owner", "random key"])
def test_register_at_other_address_rejected(env, case):
    authority = new_authority(env)
    seed = bytes(authority.pubkey())[:16].hex()
    address = {
        "former PDA": former_pda(authority.pubkey()),
        "other authority": provider_address(Keypair().pubkey()),
        "other base": Pubkey.create_with_seed(authority.pubkey(), seed, PROGRAM_ID),
        "other owner": Pubkey.create_with_seed(AUTHORITY, seed, SYSTEM_PROGRAM_ID),
        "random key": Keypair().pubkey(),
    }[case]
    ix = replace_account(register_provider_ix(authority.pubkey(), Keypair().pubkey()), "provider", address)
    watched = [MARKET, address, seed_address(authority.pubkey())]
    before = snapshot(env, watched)

    assert_failed_with(env.send([ix], [authority]), "InvalidArgument")

    assert snapshot(env, watched) == before


def test_register_with_other_base_account_rejected(env):
    authority = new_authority(env)
    ix = replace_account(register_provider_ix(authority.pubkey(), Keypair().pubkey()), "vault_authority", authority.pubkey())
    watched = [MARKET, seed_address(authority.pubkey())]
    before = snapshot(env, watched)

    assert_failed_with(env.send([ix], [authority]), "AccountMismatch")

    assert snapshot(env, watched) == before


@pytest.mark.parametrize("prefunded", [1, "rent", "above rent"])
def test_register_at_prefunded_address(env, prefunded):
    # Anyone can send lamports to the address first, and registration must still succeed.
    authority = new_authority(env)
    node_key = Keypair().pubkey()
    address = seed_address(authority.pubkey())
    rent = env.svm.minimum_balance_for_rent_exemption(PROVIDER_LEN)
    lamports = {1: 1, "rent": rent, "above rent": rent + 5_000}[prefunded]
    env.svm.airdrop(address, lamports)

    result = register(env, authority, node_key)

    assert not isinstance(result, FailedTransactionMetadata), error_text(result)
    account = env.svm.get_account(address)
    assert account.owner == PROGRAM_ID
    assert account.lamports == max(lamports, rent)
    assert bytes(account.data) == expected_provider_data(authority.pubkey(), node_key, env.token.now())
    assert decode(env.svm, address).authority == authority.pubkey()


def test_register_over_system_account_with_data_rejected(env):
    # Only the vault authority can allocate at this address, so this state is set up directly.
    authority = new_authority(env)
    address = seed_address(authority.pubkey())
    env.svm.set_account(address, Account(10**7, bytes(8), SYSTEM_PROGRAM_ID, False, 0))
    watched = [MARKET, address]
    before = snapshot(env, watched)

    assert_failed_with(register(env, authority, Keypair().pubkey()), "AlreadyInitialized")

    assert snapshot(env, watched) == before
