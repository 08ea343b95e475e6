"""`set_kyc`, `update_oracle_set` and `update_params`: authority checks and their effects."""

from __future__ import annotations

import struct

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_metadata import TransactionMetadata
from spl.token.instructions import create_associated_token_account

from kgpu_token_testkit import (
    NOW,
    PROGRAM_ID,
    TOKEN_2022_PROGRAM_ID,
    TokenEnv,
    account_discriminator,
    assert_fails,
    ata,
    config_address,
    event_discriminator,
    kyc_address,
    mint_address,
    program_data_events,
    set_kyc_ix,
    snapshot,
    token_frozen,
    update_oracle_set_ix,
    update_params_ix,
)


def holder_with_account(env: TokenEnv) -> Keypair:
    holder = Keypair()
    env.send_ok([create_associated_token_account(env.admin.pubkey(), holder.pubkey(), mint_address(), TOKEN_2022_PROGRAM_ID)])
    return holder


def kyc(env, holder, **kwargs):
    return env.send([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), token_accounts=[ata(holder.pubkey())], **kwargs)], [env.registry])


def test_new_account_starts_frozen(env: TokenEnv):
    holder = holder_with_account(env)
    assert token_frozen(env.svm, ata(holder.pubkey()))


def test_set_kyc_writes_record_and_thaws(env: TokenEnv):
    holder = holder_with_account(env)
    result = kyc(env, holder, jurisdiction=b"KR", level=2, expires_at=NOW + 100)
    assert not token_frozen(env.svm, ata(holder.pubkey()))
    record = bytes(env.svm.get_account(kyc_address(holder.pubkey())).data)
    assert record[:8] == account_discriminator("KycRecord")
    assert record[8:40] == bytes(holder.pubkey())
    assert record[40:42] == b"KR"
    assert record[42] == 2
    assert struct.unpack_from("<q", record, 43)[0] == NOW + 100
    assert record[51] == 0
    events = program_data_events(result.logs())
    assert events[0][:8] == event_discriminator("KycUpdated")
    assert events[0][-2:] == bytes([0, 1]), "revoked false, allowed true"


@pytest.mark.parametrize(
    ("change", "frozen"),
    [
        ({"revoked": True}, True),
        ({"expires_at": NOW}, True),
        ({"jurisdiction": b"CN"}, True),
        ({"level": 0}, True),
        ({}, False),
    ],
    ids=["revoked", "expired", "blocked", "level-zero", "valid"],
)
def test_set_kyc_freezes_invalid(env: TokenEnv, change, frozen):
    holder = holder_with_account(env)
    kyc(env, holder)
    assert not token_frozen(env.svm, ata(holder.pubkey()))
    assert isinstance(kyc(env, holder, **change), TransactionMetadata)
    assert token_frozen(env.svm, ata(holder.pubkey())) is frozen


def test_set_kyc_by_stranger_fails(env: TokenEnv):
    holder = holder_with_account(env)
    stranger = Keypair()
    watched = [kyc_address(holder.pubkey()), ata(holder.pubkey())]
    before = snapshot(env.svm, watched)
    result = env.send([set_kyc_ix(stranger.pubkey(), env.admin.pubkey(), holder.pubkey(), token_accounts=[ata(holder.pubkey())])], [stranger])
    assert_fails(env, result, "Unauthorized", watched, before)


def test_set_kyc_registry_not_signer_fails(env: TokenEnv):
    holder = holder_with_account(env)
    ix = set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey())
    accounts = list(ix.accounts)
    accounts[1] = AccountMeta(env.registry.pubkey(), False, False)
    watched = [kyc_address(holder.pubkey())]
    before = snapshot(env.svm, watched)
    assert_fails(env, env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)]), "MissingSigner", watched, before)


def test_set_kyc_other_wallets_account_fails(env: TokenEnv):
    holder = holder_with_account(env)
    other = holder_with_account(env)
    watched = [kyc_address(holder.pubkey()), ata(other.pubkey())]
    before = snapshot(env.svm, watched)
    result = env.send([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), token_accounts=[ata(other.pubkey())])], [env.registry])
    assert_fails(env, result, "InvalidTokenAccount", watched, before)


def test_set_kyc_record_of_other_wallet_fails(env: TokenEnv):
    holder = holder_with_account(env)
    other = holder_with_account(env)
    kyc(env, other)
    ix = set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey())
    accounts = list(ix.accounts)
    accounts[3] = AccountMeta(kyc_address(other.pubkey()), False, True)
    watched = [kyc_address(other.pubkey())]
    before = snapshot(env.svm, watched)
    assert_fails(env, env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)], [env.registry]), "InvalidAddress", watched, before)


def test_set_kyc_lowercase_jurisdiction_fails(env: TokenEnv):
    holder = holder_with_account(env)
    watched = [kyc_address(holder.pubkey())]
    before = snapshot(env.svm, watched)
    assert_fails(env, kyc(env, holder, jurisdiction=b"kr"), "InvalidParams", watched, before)


@pytest.mark.parametrize(
    "mutate",
    [lambda data: data[:-1] + b"\x02", lambda data: data[:-1], lambda data: data + b"\x00"],
    ids=["revoked-not-bool", "short", "long"],
)
def test_set_kyc_malformed_data_fails(env: TokenEnv, mutate):
    holder = holder_with_account(env)
    ix = set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), token_accounts=[ata(holder.pubkey())])
    watched = [kyc_address(holder.pubkey()), ata(holder.pubkey())]
    before = snapshot(env.svm, watched)
    result = env.send([Instruction(PROGRAM_ID, mutate(bytes(ix.data)), ix.accounts)], [env.registry])
    assert_fails(env, result, "InvalidInstructionData", watched, before)


def test_set_kyc_account_listed_twice_changes_once(env: TokenEnv):
    holder = holder_with_account(env)
    result = env.send([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(),
                                  token_accounts=[ata(holder.pubkey()), ata(holder.pubkey())])], [env.registry])
    assert isinstance(result, TransactionMetadata), result
    assert not token_frozen(env.svm, ata(holder.pubkey()))


def test_set_kyc_existing_record_updates_fields(env: TokenEnv):
    holder = holder_with_account(env)
    kyc(env, holder)
    kyc(env, holder, jurisdiction=b"JP", level=3, expires_at=NOW + 7, revoked=True)
    record = bytes(env.svm.get_account(kyc_address(holder.pubkey())).data)
    assert record[8:40] == bytes(holder.pubkey())
    assert record[40:42] == b"JP"
    assert record[42] == 3
    assert struct.unpack_from("<q", record, 43)[0] == NOW + 7
    assert record[51] == 1
    assert token_frozen(env.svm, ata(holder.pubkey()))


def test_update_oracle_set(env: TokenEnv):
    keys = [Keypair().pubkey() for _ in range(10)]
    result = env.send_ok([update_oracle_set_ix(env.admin.pubkey(), keys, 7)])
    config = env.config()
    assert config.oracles == keys
    assert config.threshold == 7
    event = program_data_events(result.logs())[0]
    assert event[:8] == event_discriminator("OracleSetUpdated")
    assert event[8:12] == struct.pack("<I", 10)
    assert event[-1] == 7


def test_update_oracle_set_by_stranger_fails(env: TokenEnv):
    stranger = Keypair()
    before = snapshot(env.svm, [config_address()])
    result = env.send([update_oracle_set_ix(stranger.pubkey(), [stranger.pubkey()], 1)], [stranger])
    assert_fails(env, result, "Unauthorized", [config_address()], before)


def test_update_oracle_set_missing_signer_fails(env: TokenEnv):
    ix = update_oracle_set_ix(env.admin.pubkey(), [Keypair().pubkey()], 1)
    accounts = [ix.accounts[0], AccountMeta(env.admin.pubkey(), False, False)]
    before = snapshot(env.svm, [config_address()])
    result = env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)], fee_payer=env.stranger())
    assert_fails(env, result, "MissingSigner", [config_address()], before)


def test_update_params(env: TokenEnv):
    env.attest(1_000_000)
    approved = Keypair().pubkey()
    result = env.send_ok([update_params_ix(env.admin.pubkey(), haircut_bps=2_000, max_age=60, mint_paused=True,
                                           blocked=[b"KP", b"IR", b"CN"], approved_programs=[approved])])
    config = env.config()
    assert config.haircut_bps == 2_000
    assert config.max_attestation_age == 60
    assert config.mint_paused is True
    assert config.blocked == [b"KP", b"IR", b"CN"]
    assert config.approved_programs == [approved]
    assert config.capacity == 800_000
    event = program_data_events(result.logs())[0]
    assert event[:8] == event_discriminator("ParamsUpdated")
    assert struct.unpack_from("<Q", event, len(event) - 8)[0] == 800_000


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"haircut_bps": 10_001}, "InvalidParams"),
        ({"max_age": 0}, "InvalidParams"),
        ({"blocked": [b"c1"]}, "InvalidParams"),
        ({"blocked": [b"AA"] * 17}, "InvalidInstructionData"),
        ({"approved_programs": [Keypair().pubkey() for _ in range(5)]}, "InvalidInstructionData"),
    ],
    ids=["haircut", "max-age", "bad-code", "too-many-codes", "too-many-programs"],
)
def test_update_params_invalid_fails(env: TokenEnv, kwargs, error):
    before = snapshot(env.svm, [config_address()])
    assert_fails(env, env.send([update_params_ix(env.admin.pubkey(), **kwargs)]), error, [config_address()], before)


def test_update_params_by_registry_fails(env: TokenEnv):
    before = snapshot(env.svm, [config_address()])
    result = env.send([update_params_ix(env.registry.pubkey(), mint_paused=True)], [env.registry])
    assert_fails(env, result, "Unauthorized", [config_address()], before)


def test_set_kyc_record_at_old_pda_fails(env: TokenEnv):
    holder = holder_with_account(env)
    pda = Pubkey.find_program_address([b"kyc", bytes(holder.pubkey())], PROGRAM_ID)[0]
    ix = set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey())
    accounts = list(ix.accounts)
    accounts[3] = AccountMeta(pda, False, True)
    watched = [pda, kyc_address(holder.pubkey())]
    before = snapshot(env.svm, watched)
    assert_fails(env, env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)], [env.registry]), "InvalidAddress", watched, before)


def test_set_kyc_record_address_is_seed_address(env: TokenEnv):
    holder = holder_with_account(env)
    kyc(env, holder)
    expected = Pubkey.create_with_seed(config_address(), bytes(holder.pubkey())[:16].hex(), PROGRAM_ID)
    record = env.svm.get_account(expected)

    assert kyc_address(holder.pubkey()) == expected
    assert record.owner == PROGRAM_ID
    assert bytes(record.data)[8:40] == bytes(holder.pubkey())


def test_set_kyc_prefunded_record_address(env: TokenEnv):
    holder = holder_with_account(env)
    address = kyc_address(holder.pubkey())
    env.svm.airdrop(address, 1_000)
    rent = env.svm.minimum_balance_for_rent_exemption(53)

    assert isinstance(kyc(env, holder, jurisdiction=b"KR", level=1, expires_at=NOW + 100), TransactionMetadata)
    record = env.svm.get_account(address)
    assert record.owner == PROGRAM_ID
    assert record.lamports == rent
    assert bytes(record.data)[8:40] == bytes(holder.pubkey())
    assert not token_frozen(env.svm, ata(holder.pubkey()))
