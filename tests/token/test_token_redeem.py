"""`redeem`, `confirm_redemption`, `seize` and `thaw_program_account`."""

from __future__ import annotations

import hashlib
import struct

import pytest
from solders.account import Account
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
    canonical_nonce,
    config_address,
    ed25519_instruction,
    confirm_redemption_ix,
    custom_error,
    event_discriminator,
    load_vectors,
    mint_address,
    mint_supply,
    non_canonical_nonce,
    program_data_events,
    redeem_ix,
    redemption_address,
    seize_ix,
    set_kyc_ix,
    snapshot,
    thaw_program_account_ix,
    token_balance,
    token_frozen,
    update_params_ix,
)

BANK_REF = b"\x5a" * 32
# Token-2022 `TokenError::InsufficientFunds`.
TOKEN_2022_INSUFFICIENT_FUNDS = 1
PAYMENT_REF = b"\xa5" * 32


@pytest.fixture
def holding(env: TokenEnv) -> tuple[TokenEnv, Keypair]:
    """A holder with 1,000 K-GPU."""
    holder = env.new_holder()
    env.attest(10_000_000)
    env.mint(holder.pubkey(), 1_000)
    assert token_balance(env.svm, ata(holder.pubkey())) == 1_000
    return env, holder


def test_redeem_burns_and_opens_request(holding):
    env, holder = holding
    nonce = canonical_nonce(holder.pubkey(), 7)
    result = env.send_ok([redeem_ix(holder.pubkey(), nonce, 400, BANK_REF)], [holder])
    assert token_balance(env.svm, ata(holder.pubkey())) == 600
    assert mint_supply(env.svm) == 600
    assert env.config().total_burned == 400
    request = redemption_address(holder.pubkey(), nonce)
    data = bytes(env.svm.get_account(request).data)
    assert data[:8] == account_discriminator("Redemption")
    assert data[8:40] == bytes(holder.pubkey())
    assert struct.unpack_from("<QQ", data, 40) == (nonce, 400)
    assert data[137] == 255
    assert data[56:88] == BANK_REF
    assert data[88] == 0
    assert struct.unpack_from("<q", data, 121)[0] == NOW
    event = program_data_events(result.logs())[-1]
    assert event[:8] == event_discriminator("RedemptionRequested")
    assert event[8:40] == bytes(request)


def test_redeem_while_paused(holding):
    env, holder = holding
    env.send_ok([update_params_ix(env.admin.pubkey(), mint_paused=True)])
    env.send_ok([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 1_000, BANK_REF)], [holder])
    assert token_balance(env.svm, ata(holder.pubkey())) == 0


def test_redeem_from_frozen_account(holding):
    """Redemption still works after KYC lapses, and the account stays frozen."""
    env, holder = holding
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), revoked=True,
                            token_accounts=[ata(holder.pubkey())])], [env.registry])
    assert token_frozen(env.svm, ata(holder.pubkey()))
    env.send_ok([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 250, BANK_REF)], [holder])
    assert token_balance(env.svm, ata(holder.pubkey())) == 750
    assert token_frozen(env.svm, ata(holder.pubkey()))


def test_redeem_other_holders_account_fails(holding):
    env, holder = holding
    thief = env.stranger()
    watched = [ata(holder.pubkey()), mint_address(), config_address(), redemption_address(thief.pubkey(), canonical_nonce(thief.pubkey(), 1))]
    before = snapshot(env.svm, watched)
    result = env.send([redeem_ix(thief.pubkey(), canonical_nonce(thief.pubkey(), 1), 100, BANK_REF, source=ata(holder.pubkey()))], [thief])
    assert_fails(env, result, "InvalidTokenAccount", watched, before)


def test_redeem_holder_not_signer_fails(holding):
    env, holder = holding
    ix = redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 100, BANK_REF)
    accounts = list(ix.accounts)
    accounts[3] = AccountMeta(holder.pubkey(), False, True)
    watched = [ata(holder.pubkey()), mint_address(), config_address()]
    before = snapshot(env.svm, watched)
    assert_fails(env, env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)]), "MissingSigner", watched, before)


def test_redeem_nonce_reuse_fails(holding):
    env, holder = holding
    env.send_ok([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 3), 100, BANK_REF)], [holder])
    watched = [ata(holder.pubkey()), mint_address(), config_address(), redemption_address(holder.pubkey(), canonical_nonce(holder.pubkey(), 3))]
    before = snapshot(env.svm, watched)
    assert_fails(env, env.send([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 3), 100, BANK_REF)], [holder]), "AlreadyInitialized", watched, before)


def test_redeem_nonce_below_bump_255_fails(holding):
    env, holder = holding
    nonce = non_canonical_nonce(holder.pubkey())
    address, bump = Pubkey.find_program_address([b"redemption", bytes(holder.pubkey()), struct.pack("<Q", nonce)], PROGRAM_ID)
    assert bump < 255
    watched = [ata(holder.pubkey()), mint_address(), config_address(), address]
    before = snapshot(env.svm, watched)
    result = env.send([redeem_ix(holder.pubkey(), nonce, 100, BANK_REF)], [holder])
    assert_fails(env, result, "RedemptionNonceNotCanonical", watched, before)


def test_redeem_request_at_lower_bump_fails(holding):
    env, holder = holding
    nonce = canonical_nonce(holder.pubkey())
    seeds = [b"redemption", bytes(holder.pubkey()), struct.pack("<Q", nonce)]
    other = next(address for address in _addresses_below_255(seeds))
    ix = redeem_ix(holder.pubkey(), nonce, 100, BANK_REF)
    accounts = list(ix.accounts)
    accounts[4] = AccountMeta(other, False, True)
    watched = [ata(holder.pubkey()), mint_address(), config_address(), other]
    before = snapshot(env.svm, watched)
    result = env.send([Instruction(PROGRAM_ID, bytes(ix.data), accounts)], [holder])
    assert_fails(env, result, "RedemptionNonceNotCanonical", watched, before)


def _addresses_below_255(seeds: list[bytes]):
    """Yield the valid PDAs of `seeds` with bumps below 255, highest bump first."""
    for bump in range(254, -1, -1):
        preimage = b"".join(seeds) + bytes([bump]) + bytes(PROGRAM_ID) + b"ProgramDerivedAddress"
        address = Pubkey(hashlib.sha256(preimage).digest())
        if not address.is_on_curve():
            yield address


def test_redeem_more_than_balance_fails(holding):
    env, holder = holding
    watched = [ata(holder.pubkey()), mint_address(), config_address()]
    before = snapshot(env.svm, watched)
    result = env.send([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 1_001, BANK_REF)], [holder])
    assert custom_error(result) == TOKEN_2022_INSUFFICIENT_FUNDS
    assert snapshot(env.svm, watched) == before


def test_confirm_redemption_then_idempotent(holding):
    env, holder = holding
    env.send_ok([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 100, BANK_REF)], [holder])
    request = redemption_address(holder.pubkey(), canonical_nonce(holder.pubkey(), 1))
    result = env.confirm(request, PAYMENT_REF)
    data = bytes(env.svm.get_account(request).data)
    assert data[88] == 1
    assert data[89:121] == PAYMENT_REF
    assert struct.unpack_from("<q", data, 129)[0] == NOW
    assert program_data_events(result.logs())[0][:8] == event_discriminator("RedemptionConfirmed")
    again = env.confirm(request, PAYMENT_REF)
    assert isinstance(again, TransactionMetadata)
    assert program_data_events(again.logs()) == []
    assert bytes(env.svm.get_account(request).data) == data


def test_confirm_with_other_reference_fails(holding):
    env, holder = holding
    env.send_ok([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 100, BANK_REF)], [holder])
    request = redemption_address(holder.pubkey(), canonical_nonce(holder.pubkey(), 1))
    env.confirm(request, PAYMENT_REF)
    before = snapshot(env.svm, [request])
    assert_fails(env, env.confirm(request, b"\x01" * 32), "RedemptionAlreadyPaid", [request], before)


def test_confirm_without_quorum_fails(holding):
    env, holder = holding
    env.send_ok([redeem_ix(holder.pubkey(), canonical_nonce(holder.pubkey(), 1), 100, BANK_REF)], [holder])
    request = redemption_address(holder.pubkey(), canonical_nonce(holder.pubkey(), 1))
    before = snapshot(env.svm, [request])
    payload = bytes(request) + PAYMENT_REF
    result = env.send([env.quorum(3, payload, env.oracles[:1]), confirm_redemption_ix(request, PAYMENT_REF)])
    assert_fails(env, result, "QuorumNotReached", [request], before)


def test_confirm_signed_for_other_request_fails(holding):
    env, holder = holding
    first_nonce = canonical_nonce(holder.pubkey())
    second_nonce = canonical_nonce(holder.pubkey(), first_nonce + 1)
    env.send_ok([redeem_ix(holder.pubkey(), first_nonce, 100, BANK_REF), redeem_ix(holder.pubkey(), second_nonce, 100, BANK_REF)], [holder])
    first = redemption_address(holder.pubkey(), first_nonce)
    second = redemption_address(holder.pubkey(), second_nonce)
    before = snapshot(env.svm, [second])
    result = env.send([env.quorum(3, bytes(first) + PAYMENT_REF), confirm_redemption_ix(second, PAYMENT_REF)])
    assert_fails(env, result, "QuorumNotReached", [second], before)


def test_confirm_golden_vector(env: TokenEnv):
    vector = next(v for v in load_vectors()["vectors"] if v["name"] == "confirm_redemption")
    request = Pubkey.from_string(vector["fields"]["redemption"])
    owner = Keypair().pubkey()
    data = (account_discriminator("Redemption") + bytes(owner) + struct.pack("<QQ", 1, 500) + BANK_REF + b"\x00"
            + b"\x00" * 32 + struct.pack("<qq", NOW, 0) + b"\xff")
    env.svm.set_account(request, Account(10_000_000, data, PROGRAM_ID, False, 0))
    reference = bytes.fromhex(vector["fields"]["payment_reference_hash"])
    env.send_ok([ed25519_instruction(env.oracles[:2], bytes.fromhex(vector["message_hex"])), confirm_redemption_ix(request, reference)])
    assert bytes(env.svm.get_account(request).data)[88] == 1


def test_seize_burns_from_frozen_account(holding):
    env, holder = holding
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), holder.pubkey(), jurisdiction=b"RU",
                            token_accounts=[ata(holder.pubkey())])], [env.registry])
    assert token_frozen(env.svm, ata(holder.pubkey()))
    result = env.send_ok([seize_ix(env.admin.pubkey(), ata(holder.pubkey()), 300, b"\x0c" * 32)])
    assert token_balance(env.svm, ata(holder.pubkey())) == 700
    assert mint_supply(env.svm) == 700
    assert token_frozen(env.svm, ata(holder.pubkey()))
    event = program_data_events(result.logs())[-1]
    assert event[:8] == event_discriminator("Seized")
    assert event[40:72] == bytes(holder.pubkey())
    assert struct.unpack_from("<Q", event, 72)[0] == 300


def test_seize_by_stranger_fails(holding):
    env, holder = holding
    stranger = env.stranger()
    watched = [ata(holder.pubkey()), mint_address(), config_address()]
    before = snapshot(env.svm, watched)
    result = env.send([seize_ix(stranger.pubkey(), ata(holder.pubkey()), 1, b"\x00" * 32)], [stranger])
    assert_fails(env, result, "Unauthorized", watched, before)


def test_seize_wallet_account_exact_balances(holding):
    env, holder = holding
    account = ata(holder.pubkey())
    burned_before = env.config().total_burned

    env.send_ok([seize_ix(env.admin.pubkey(), account, 250, b"\x0d" * 32)])
    assert token_balance(env.svm, account) == 750
    assert mint_supply(env.svm) == 750
    assert env.config().total_burned == burned_before + 250
    assert not token_frozen(env.svm, account)

    # The whole remaining balance may be seized too.
    env.send_ok([seize_ix(env.admin.pubkey(), account, 750, b"\x0e" * 32)])
    assert token_balance(env.svm, account) == 0
    assert mint_supply(env.svm) == 0
    assert env.config().total_burned == burned_before + 1_000


@pytest.mark.parametrize("owner_program", [PROGRAM_ID, Pubkey.from_string("Stake11111111111111111111111111111111111111")], ids=["token-program", "other-program"])
def test_seize_program_owned_account_fails(env: TokenEnv, owner_program: Pubkey):
    """A token account whose owner is a PDA, of this or any other program, cannot be seized."""
    owner, _ = Pubkey.find_program_address([b"vault"], owner_program)
    vault = ata(owner)
    env.send_ok([create_associated_token_account(env.admin.pubkey(), owner, mint_address(), TOKEN_2022_PROGRAM_ID)])
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), owner, token_accounts=[vault])], [env.registry])
    env.attest(10_000_000)
    assert isinstance(env.mint(owner, 500), TransactionMetadata)
    assert token_balance(env.svm, vault) == 500

    watched = [vault, mint_address(), config_address()]
    before = snapshot(env.svm, watched)
    result = env.send([seize_ix(env.admin.pubkey(), vault, 500, b"\x0f" * 32)])
    assert_fails(env, result, "ProtectedAccount", watched, before)

    # Frozen, it is still rejected: the owner check comes before the thaw.
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), owner, revoked=True, token_accounts=[vault])], [env.registry])
    assert token_frozen(env.svm, vault)
    before = snapshot(env.svm, watched)
    result = env.send([seize_ix(env.admin.pubkey(), vault, 1, b"\x0f" * 32)])
    assert_fails(env, result, "ProtectedAccount", watched, before)


def vault_for(env: TokenEnv, seed: bytes) -> tuple[Pubkey, int, Pubkey]:
    """Create a K-GPU ATA owned by a PDA of the token program (standing in for the market program)."""
    owner, bump = Pubkey.find_program_address([seed], PROGRAM_ID)
    env.send_ok([create_associated_token_account(env.admin.pubkey(), owner, mint_address(), TOKEN_2022_PROGRAM_ID)])
    return owner, bump, ata(owner)


def test_thaw_program_account(env: TokenEnv):
    owner, bump, vault = vault_for(env, b"escrow")
    env.send_ok([update_params_ix(env.admin.pubkey(), approved_programs=[PROGRAM_ID])])
    assert token_frozen(env.svm, vault)
    result = env.send_ok([thaw_program_account_ix(env.admin.pubkey(), vault, PROGRAM_ID, [b"escrow", bytes([bump])])])
    assert not token_frozen(env.svm, vault)
    event = program_data_events(result.logs())[0]
    assert event[:8] == event_discriminator("ProgramAccountThawed")
    assert event[40:72] == bytes(owner)


def test_thaw_unapproved_program_fails(env: TokenEnv):
    _, bump, vault = vault_for(env, b"escrow")
    before = snapshot(env.svm, [vault])
    result = env.send([thaw_program_account_ix(env.admin.pubkey(), vault, PROGRAM_ID, [b"escrow", bytes([bump])])])
    assert_fails(env, result, "ProgramNotApproved", [vault], before)


def test_thaw_wallet_account_fails(env: TokenEnv):
    """A wallet's account is not a PDA of the approved program, whatever seeds are passed."""
    holder = Keypair()
    env.send_ok([create_associated_token_account(env.admin.pubkey(), holder.pubkey(), mint_address(), TOKEN_2022_PROGRAM_ID)])
    env.send_ok([update_params_ix(env.admin.pubkey(), approved_programs=[PROGRAM_ID])])
    before = snapshot(env.svm, [ata(holder.pubkey())])
    result = env.send([thaw_program_account_ix(env.admin.pubkey(), ata(holder.pubkey()), PROGRAM_ID, [b"escrow", bytes([255])])])
    assert_fails(env, result, "InvalidSeeds", [ata(holder.pubkey())], before)


def test_thaw_by_registry_fails(env: TokenEnv):
    _, bump, vault = vault_for(env, b"escrow")
    env.send_ok([update_params_ix(env.admin.pubkey(), approved_programs=[PROGRAM_ID])])
    before = snapshot(env.svm, [vault])
    result = env.send([thaw_program_account_ix(env.registry.pubkey(), vault, PROGRAM_ID, [b"escrow", bytes([bump])])], [env.registry])
    assert_fails(env, result, "Unauthorized", [vault], before)
