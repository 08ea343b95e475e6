"""`initialize` and `initialize_mint`: config and mint creation, who may call them, and in what order."""

from __future__ import annotations

import struct

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_metadata import FailedTransactionMetadata

from kgpu_sbf.loader import deploy_upgradeable, program_elf
from kgpu_token_testkit import (
    ERRORS,
    HAIRCUT_BPS,
    MAX_AGE,
    PROGRAM_ID,
    TOKEN_2022_PROGRAM_ID,
    TokenEnv,
    config_address,
    custom_error,
    initialize_ix,
    initialize_mint_ix,
    load_vectors,
    mint_address,
    program_data_events,
    event_discriminator,
)

# Token-2022 extension type numbers in the mint's TLV area.
EXTENSION_DEFAULT_ACCOUNT_STATE = 6
EXTENSION_PERMANENT_DELEGATE = 12
EXTENSION_METADATA_POINTER = 18


def mint_extensions(data: bytes) -> dict[int, bytes]:
    """Parse the TLV extensions after the 165-byte padded base and the account-type byte."""
    assert data[165] == 1, "account type is not Mint"
    out = {}
    offset = 166
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == 0:
            break
        out[kind] = data[offset + 4:offset + 4 + length]
        offset += 4 + length
    return out


def test_initialize_writes_config(env: TokenEnv):
    config = env.config()
    assert config.admin == env.admin.pubkey()
    assert config.registry_authority == env.registry.pubkey()
    assert config.mint == mint_address()
    assert config.deployment_id == bytes.fromhex(load_vectors()["deployment_id_hex"])
    assert config.haircut_bps == HAIRCUT_BPS
    assert config.max_attestation_age == MAX_AGE
    assert config.mint_paused is False
    assert config.oracles == [k.pubkey() for k in env.oracles]
    assert config.threshold == 2
    assert config.blocked == [b"CN", b"RU"]
    assert config.approved_programs == []
    assert config.sequence == 0
    assert config.capacity == 0
    assert config.total_minted == 0


def test_initialize_creates_mint_with_extensions(env: TokenEnv):
    account = env.svm.get_account(mint_address())
    assert account.owner == TOKEN_2022_PROGRAM_ID
    data = bytes(account.data)
    config = bytes(config_address())
    assert data[0:4] == b"\x01\x00\x00\x00", "mint authority is unset"
    assert data[4:36] == config, "mint authority is not the config PDA"
    assert struct.unpack_from("<Q", data, 36)[0] == 0
    assert data[44] == 0, "decimals"
    assert data[46:50] == b"\x01\x00\x00\x00", "freeze authority is unset"
    assert data[50:82] == config, "freeze authority is not the config PDA"
    extensions = mint_extensions(data)
    assert extensions[EXTENSION_DEFAULT_ACCOUNT_STATE] == bytes([2])
    assert extensions[EXTENSION_PERMANENT_DELEGATE] == config
    assert extensions[EXTENSION_METADATA_POINTER] == config + bytes(mint_address())


def test_initialize_emits_events(env: TokenEnv):
    events = program_data_events(env.last_result.logs())
    assert len(events) == 2
    event = events[0]
    assert event[:8] == event_discriminator("Initialized")
    assert event[8:40] == bytes(env.admin.pubkey())
    assert event[40:72] == bytes(env.registry.pubkey())
    assert event[72:104] == bytes(mint_address())
    assert event[104:136] == env.deployment_id
    mint_event = events[1]
    assert mint_event[:8] == event_discriminator("MintInitialized")
    assert mint_event[8:40] == bytes(mint_address())
    assert mint_event[40:72] == bytes(env.admin.pubkey())
    assert len(mint_event) == 72


def test_initialize_twice_fails(env: TokenEnv):
    before = bytes(env.svm.get_account(config_address()).data)
    result = env.send([initialize_ix(env.admin.pubkey(), env.registry.pubkey(), b"\x09" * 32, [env.admin.pubkey()], 1)])
    assert custom_error(result) == ERRORS["AlreadyInitialized"]
    assert bytes(env.svm.get_account(config_address()).data) == before


def _deploy_only(svm, payer, deploy) -> TokenEnv:
    assert deploy("kgpu_token") == PROGRAM_ID
    return TokenEnv(svm=svm, admin=payer, registry=Keypair(), oracles=[Keypair() for _ in range(3)], deployment_id=b"\x07" * 32)


def test_initialize_by_stranger_fails(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    stranger = Keypair()
    svm.airdrop(stranger.pubkey(), 10_000_000_000)
    ix = initialize_ix(stranger.pubkey(), stranger.pubkey(), b"\x07" * 32, [stranger.pubkey()], 1)
    result = env.send([ix], [stranger])
    assert custom_error(result) == ERRORS["NotUpgradeAuthority"]
    assert svm.get_account(config_address()) is None


@pytest.mark.parametrize(
    ("oracle_count", "threshold", "duplicate"),
    [(0, 1, False), (11, 1, False), (3, 0, False), (3, 4, False), (3, 2, True)],
    ids=["empty", "eleven", "zero-threshold", "threshold-above-n", "duplicate-key"],
)
def test_initialize_invalid_oracle_set_fails(svm, payer, deploy, oracle_count, threshold, duplicate):
    env = _deploy_only(svm, payer, deploy)
    keys = [Keypair().pubkey() for _ in range(oracle_count)]
    if duplicate:
        keys[1] = keys[0]
    result = env.send([initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, keys, threshold)])
    assert custom_error(result) == ERRORS["InvalidOracleSet"]
    assert svm.get_account(config_address()) is None


@pytest.mark.parametrize(("haircut", "max_age"), [(10_001, MAX_AGE), (HAIRCUT_BPS, 0), (HAIRCUT_BPS, -5)])
def test_initialize_invalid_params_fails(svm, payer, deploy, haircut, max_age):
    env = _deploy_only(svm, payer, deploy)
    ix = initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1, haircut_bps=haircut, max_age=max_age)
    assert custom_error(env.send([ix])) == ERRORS["InvalidParams"]


def test_initialize_with_token_metadata(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    ix = initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1)
    mint_ix = initialize_mint_ix(payer.pubkey(), name="K-GPU Won", symbol="KGPU", uri="https://k-gpu.example/token.json")
    result = env.send([ix, mint_ix])
    assert not isinstance(result, FailedTransactionMetadata), "\n".join(result.meta().logs())

    # The token-metadata TLV entry stores name, symbol and uri as Borsh strings in the mint.
    mint, _bump = Pubkey.find_program_address([b"mint"], PROGRAM_ID)
    data = bytes(svm.get_account(mint).data)
    expected = b"".join(len(text).to_bytes(4, "little") + text
                        for text in (b"K-GPU Won", b"KGPU", b"https://k-gpu.example/token.json"))
    assert expected in data


def test_initialize_alone_leaves_mint_absent(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    env.send_ok([initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1)])
    assert env.config().mint == mint_address()
    assert svm.get_account(mint_address()) is None


def test_initialize_mint_in_later_transaction(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    env.send_ok([initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1)])
    config_before = bytes(svm.get_account(config_address()).data)
    env.send_ok([initialize_mint_ix(payer.pubkey())])
    account = svm.get_account(mint_address())
    assert account.owner == TOKEN_2022_PROGRAM_ID
    assert bytes(account.data)[4:36] == bytes(config_address())
    assert bytes(svm.get_account(config_address()).data) == config_before


def test_initialize_mint_twice_fails(env: TokenEnv):
    before = bytes(env.svm.get_account(mint_address()).data)
    result = env.send([initialize_mint_ix(env.admin.pubkey(), name="Other", symbol="OTH", uri="")])
    assert custom_error(result) == ERRORS["AlreadyInitialized"]
    assert bytes(env.svm.get_account(mint_address()).data) == before


def test_initialize_mint_before_initialize_fails(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    result = env.send([initialize_mint_ix(payer.pubkey())])
    assert custom_error(result) == ERRORS["NotInitialized"]
    assert svm.get_account(mint_address()) is None
    assert svm.get_account(config_address()) is None


def test_initialize_mint_by_non_admin_fails(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    env.send_ok([initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1)])
    stranger = Keypair()
    svm.airdrop(stranger.pubkey(), 10_000_000_000)
    result = env.send([initialize_mint_ix(stranger.pubkey())], [stranger])
    assert custom_error(result) == ERRORS["Unauthorized"]
    assert svm.get_account(mint_address()) is None


def test_initialize_mint_without_signature_fails(svm, payer, deploy):
    env = _deploy_only(svm, payer, deploy)
    env.send_ok([initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1)])
    ix = initialize_mint_ix(payer.pubkey())
    ix.accounts = [meta if meta.pubkey != payer.pubkey() else type(meta)(meta.pubkey, False, True) for meta in ix.accounts]
    stranger = Keypair()
    svm.airdrop(stranger.pubkey(), 10_000_000_000)
    result = env.send([ix], fee_payer=stranger)
    assert custom_error(result) == ERRORS["MissingSigner"]
    assert svm.get_account(mint_address()) is None


def test_program_at_other_id_fails(svm, payer):
    """The program checks its id first, because its constant PDAs hold only for addresses::ID."""
    other_id = deploy_upgradeable(svm, payer, Keypair(), program_elf("kgpu_token"))
    ix = initialize_ix(payer.pubkey(), payer.pubkey(), b"\x07" * 32, [payer.pubkey()], 1)
    moved = Instruction(other_id, bytes(ix.data), ix.accounts)
    env = TokenEnv(svm=svm, admin=payer, registry=payer, oracles=[payer], deployment_id=b"\x07" * 32)
    result = env.send([moved])
    assert custom_error(result) == ERRORS["ProgramIdMismatch"]
    assert svm.get_account(config_address()) is None
