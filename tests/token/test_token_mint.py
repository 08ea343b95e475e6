"""`mint_deposit`: the minting rules and the attacks on them."""

from __future__ import annotations

import hashlib
import struct

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_metadata import FailedTransactionMetadata
from spl.token.instructions import create_associated_token_account

from kgpu_token_testkit import (
    MAX_AGE,
    NOW,
    PROGRAM_ID,
    TOKEN_2022_PROGRAM_ID,
    TokenEnv,
    account_discriminator,
    assert_fails,
    ata,
    canonical_deposit_id,
    config_address,
    deposit_address,
    event_discriminator,
    kyc_address,
    load_vectors,
    mint_address,
    mint_deposit_ix,
    mint_payload,
    mint_supply,
    non_canonical_deposit_id,
    program_data_events,
    set_kyc_ix,
    snapshot,
    token_balance,
    token_frozen,
    update_params_ix,
)

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")


@pytest.fixture
def funded(env: TokenEnv) -> tuple[TokenEnv, Keypair]:
    """The env with capacity 9,500,000 (10,000,000 collateral, 5% haircut) and one KYC'd holder."""
    holder = env.new_holder()
    env.attest(10_000_000)
    return env, holder


def watched(holder: Pubkey, deposit_id: bytes) -> list[Pubkey]:
    return [config_address(), mint_address(), ata(holder), deposit_address(deposit_id)]


def test_mint_deposit_mints_exact_amount(funded):
    env, holder = funded
    deposit_id = canonical_deposit_id(b"bank-ref-1")
    result = env.mint(holder.pubkey(), 1_234_567, deposit_id=deposit_id)
    assert token_balance(env.svm, ata(holder.pubkey())) == 1_234_567
    assert mint_supply(env.svm) == 1_234_567
    assert env.config().total_minted == 1_234_567
    record = bytes(env.svm.get_account(deposit_address(deposit_id)).data)
    assert record[:8] == account_discriminator("DepositRecord")
    assert record[8:40] == deposit_id
    assert record[40:72] == bytes(holder.pubkey())
    assert struct.unpack_from("<Q", record, 72)[0] == 1_234_567
    assert record[88] == 255
    assert Pubkey.find_program_address([b"deposit", deposit_id], PROGRAM_ID)[1] == 255
    events = program_data_events(result.logs())
    assert events[-1][:8] == event_discriminator("DepositMinted")
    assert events[-1][8:40] == deposit_id
    assert struct.unpack_from("<QQ", events[-1], 72) == (1_234_567, 1_234_567)


def test_mint_up_to_capacity_exactly(funded):
    env, holder = funded
    env.mint(holder.pubkey(), 9_500_000)
    assert token_balance(env.svm, ata(holder.pubkey())) == 9_500_000
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 1, deposit_id=deposit_id), "CapacityExceeded", watched(holder.pubkey(), deposit_id), before)


def test_mint_golden_vector(env: TokenEnv):
    vector = next(v for v in load_vectors()["vectors"] if v["name"] == "mint_deposit")
    fields = vector["fields"]
    beneficiary = Pubkey.from_string(fields["beneficiary"])
    env.send_ok([create_associated_token_account(env.admin.pubkey(), beneficiary, mint_address(), TOKEN_2022_PROGRAM_ID)])
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), beneficiary, token_accounts=[ata(beneficiary)])], [env.registry])
    env.attest(10_000_000)
    deposit_id = bytes.fromhex(fields["deposit_id"])
    from kgpu_token_testkit import ed25519_instruction

    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, beneficiary, fields["amount"])
    env.send_ok([ed25519_instruction(env.oracles[:2], bytes.fromhex(vector["message_hex"])), ix])
    assert token_balance(env.svm, ata(beneficiary)) == fields["amount"]


def test_mint_deposit_replay_fails(funded):
    env, holder = funded
    deposit_id = env.next_deposit_id()
    env.mint(holder.pubkey(), 100, deposit_id=deposit_id)
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "DepositAlreadyApplied", watched(holder.pubkey(), deposit_id), before)
    assert token_balance(env.svm, ata(holder.pubkey())) == 100


def test_mint_deposit_noncanonical_address_fails(funded):
    """A record address derived with a lower bump cannot carry the same deposit id again."""
    env, holder = funded
    deposit_id = env.next_deposit_id()
    other = Pubkey.create_program_address([b"deposit", deposit_id, bytes([254])], PROGRAM_ID)
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[4] = AccountMeta(other, False, True)
    watched_accounts = watched(holder.pubkey(), deposit_id) + [other]
    before = snapshot(env.svm, watched_accounts)
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "DepositIdNotCanonical", watched_accounts, before)


def test_mint_deposit_id_below_bump_255_fails(funded):
    """A quorum-signed id whose record PDA has a canonical bump below 255 mints nothing."""
    env, holder = funded
    deposit_id = non_canonical_deposit_id(b"bank-ref-low-bump")
    address, bump = Pubkey.find_program_address([b"deposit", deposit_id], PROGRAM_ID)
    assert bump < 255
    watched_accounts = [config_address(), mint_address(), ata(holder.pubkey()), address]
    before = snapshot(env.svm, watched_accounts)
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "DepositIdNotCanonical", watched_accounts, before)
    assert env.svm.get_account(address) is None


def test_mint_deposit_on_curve_hash_fails(funded):
    """Passing the on-curve bump-255 hash as the record fails in the runtime's signer derivation."""
    env, holder = funded
    deposit_id = non_canonical_deposit_id(b"bank-ref-on-curve")
    on_curve = Pubkey(hashlib.sha256(b"deposit" + deposit_id + bytes([255]) + bytes(PROGRAM_ID) + b"ProgramDerivedAddress").digest())
    assert on_curve.is_on_curve()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[4] = AccountMeta(on_curve, False, True)
    watched_accounts = [config_address(), mint_address(), ata(holder.pubkey()), on_curve]
    before = snapshot(env.svm, watched_accounts)
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert isinstance(result, FailedTransactionMetadata)
    assert snapshot(env.svm, watched_accounts) == before


def test_mint_stale_attestation_fails(funded):
    env, holder = funded
    env.set_time(NOW + MAX_AGE + 1)
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "StaleAttestation", watched(holder.pubkey(), deposit_id), before)


def test_mint_at_max_age_succeeds(funded):
    env, holder = funded
    env.set_time(env.config().valuation_time + MAX_AGE)
    env.mint(holder.pubkey(), 100)
    assert token_balance(env.svm, ata(holder.pubkey())) == 100


def test_mint_without_attestation_fails(env: TokenEnv):
    holder = env.new_holder()
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 1, deposit_id=deposit_id), "StaleAttestation", watched(holder.pubkey(), deposit_id), before)


def test_mint_expired_kyc_fails(funded):
    env, holder = funded
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), expires_at=NOW + 10)], [env.registry])
    env.set_time(NOW + 10)
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "KycExpired", watched(holder.pubkey(), deposit_id), before)


def test_mint_revoked_kyc_fails(funded):
    env, holder = funded
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), revoked=True)], [env.registry])
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "KycInvalid", watched(holder.pubkey(), deposit_id), before)


def test_mint_blocked_jurisdiction_fails(env: TokenEnv):
    holder = env.new_holder(jurisdiction=b"RU")
    env.attest(10_000_000)
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "JurisdictionBlocked", watched(holder.pubkey(), deposit_id), before)


def test_mint_without_kyc_record_fails(env: TokenEnv):
    holder = env.new_holder(kyc=False)
    env.attest(10_000_000)
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "InvalidOwner", watched(holder.pubkey(), deposit_id), before)


def test_mint_paused_fails(funded):
    env, holder = funded
    env.send_ok([update_params_ix(env.admin.pubkey(), mint_paused=True)])
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "MintPaused", watched(holder.pubkey(), deposit_id), before)


def test_mint_zero_amount_fails(funded):
    env, holder = funded
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 0, deposit_id=deposit_id), "InvalidAmount", watched(holder.pubkey(), deposit_id), before)


def test_mint_overflow_fails(funded):
    env, holder = funded
    env.mint(holder.pubkey(), 10)
    env.attest(2**64 - 1)
    deposit_id = env.next_deposit_id()
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    assert_fails(env, env.mint(holder.pubkey(), 2**64 - 5, deposit_id=deposit_id), "Overflow", watched(holder.pubkey(), deposit_id), before)


def test_mint_for_other_beneficiary_account_fails(funded):
    """Quorum signed for the holder, but the destination belongs to someone else."""
    env, holder = funded
    other = env.new_holder()
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100, destination=ata(other.pubkey()))
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id) + [ata(other.pubkey())])
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), ix])
    assert_fails(env, result, "InvalidTokenAccount", watched(holder.pubkey(), deposit_id) + [ata(other.pubkey())], before)


def test_mint_with_other_wallets_kyc_fails(funded):
    env, holder = funded
    stranger = Keypair()
    env.svm.airdrop(stranger.pubkey(), 10_000_000_000)
    env.send_ok([create_associated_token_account(env.admin.pubkey(), stranger.pubkey(), mint_address(), TOKEN_2022_PROGRAM_ID)])
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, stranger.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[3] = AccountMeta(kyc_address(holder.pubkey()), False, False)
    before = snapshot(env.svm, watched(stranger.pubkey(), deposit_id))
    result = env.send([env.quorum(2, mint_payload(deposit_id, stranger.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "InvalidAddress", watched(stranger.pubkey(), deposit_id), before)


def test_mint_type_confusion_fails(funded):
    """A deposit record passed where the KYC record belongs is rejected by its discriminator."""
    env, holder = funded
    first = env.next_deposit_id()
    env.mint(holder.pubkey(), 100, deposit_id=first)
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[3] = AccountMeta(deposit_address(first), False, False)
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "InvalidAccountData", watched(holder.pubkey(), deposit_id), before)


def test_mint_config_as_token_account_fails(funded):
    """Duplicate mutable account: the config passed again as the destination."""
    env, holder = funded
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[2] = AccountMeta(config_address(), False, True)
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "InvalidOwner", watched(holder.pubkey(), deposit_id), before)


def test_mint_wrong_token_program_fails(funded):
    env, holder = funded
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[7] = AccountMeta(TOKEN_PROGRAM_ID, False, False)
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "InvalidAddress", watched(holder.pubkey(), deposit_id), before)


def test_mint_wrong_config_owner_fails(funded):
    """A copy of the config owned by another program is rejected."""
    env, holder = funded
    fake = Pubkey.new_unique()
    real = env.svm.get_account(config_address())
    from solders.account import Account

    env.svm.set_account(fake, Account(real.lamports, bytes(real.data), TOKEN_PROGRAM_ID, False, 0))
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[0] = AccountMeta(fake, False, True)
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "InvalidOwner", watched(holder.pubkey(), deposit_id), before)


def test_mint_payer_not_signer_fails(funded):
    env, holder = funded
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, holder.pubkey(), 100)
    accounts = list(ix.accounts)
    accounts[5] = AccountMeta(holder.pubkey(), False, True)
    before = snapshot(env.svm, watched(holder.pubkey(), deposit_id))
    result = env.send([env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 100)), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "MissingSigner", watched(holder.pubkey(), deposit_id), before)


def test_mint_thaws_account_created_after_kyc(env: TokenEnv):
    holder = Keypair()
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey())], [env.registry])
    env.send_ok([create_associated_token_account(env.admin.pubkey(), holder.pubkey(), mint_address(), TOKEN_2022_PROGRAM_ID)])
    assert token_frozen(env.svm, ata(holder.pubkey()))
    env.attest(10_000_000)
    env.mint(holder.pubkey(), 100)
    assert not token_frozen(env.svm, ata(holder.pubkey()))
    assert token_balance(env.svm, ata(holder.pubkey())) == 100


def test_mint_with_prefunded_deposit_address(funded):
    """Lamports sent to the deposit record address in advance do not block the deposit."""
    env, holder = funded
    deposit_id = env.next_deposit_id()
    env.svm.airdrop(deposit_address(deposit_id), 1_000)
    env.mint(holder.pubkey(), 100, deposit_id=deposit_id)
    assert token_balance(env.svm, ata(holder.pubkey())) == 100
    record = env.svm.get_account(deposit_address(deposit_id))
    assert record.owner == PROGRAM_ID
    assert record.lamports == env.svm.minimum_balance_for_rent_exemption(89)
    assert_fails(env, env.mint(holder.pubkey(), 100, deposit_id=deposit_id), "DepositAlreadyApplied",
                 watched(holder.pubkey(), deposit_id), snapshot(env.svm, watched(holder.pubkey(), deposit_id)))


def test_mint_with_prefunded_rent_exempt_address(funded):
    env, holder = funded
    deposit_id = env.next_deposit_id()
    env.svm.airdrop(deposit_address(deposit_id), 10_000_000)
    env.mint(holder.pubkey(), 100, deposit_id=deposit_id)
    assert token_balance(env.svm, ata(holder.pubkey())) == 100
    assert env.svm.get_account(deposit_address(deposit_id)).lamports == 10_000_000
