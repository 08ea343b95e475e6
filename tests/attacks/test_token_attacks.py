"""Attacks on kgpu_token. Each test asserts the secure behaviour: the attack fails and changes
nothing. A failing test is a vulnerability."""

from __future__ import annotations

import struct

import pytest

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction_metadata import FailedTransactionMetadata
from spl.token.instructions import (
    AuthorityType,
    InitializeAccountParams,
    SetAuthorityParams,
    TransferCheckedParams,
    initialize_account,
    set_authority,
    transfer_checked,
)

from kgpu_token_testkit import (
    ED25519_PROGRAM_ID,
    ERRORS,
    PROGRAM_ID,
    TOKEN_2022_PROGRAM_ID,
    ata,
    config_address,
    custom_error,
    deposit_address,
    ed25519_instruction,
    kyc_address,
    mint_address,
    mint_deposit_ix,
    mint_payload,
    mint_supply,
    quorum_message,
    set_kyc_ix,
    snapshot,
    thaw_program_account_ix,
    token_balance,
    token_frozen,
    update_params_ix,
)

KIND_MINT_DEPOSIT = 2


def failed(result) -> bool:
    return isinstance(result, FailedTransactionMetadata)


def new_plain_token_account(env, owner: Keypair) -> Pubkey:
    """Create a K-GPU Token-2022 account that is not an ATA (no ImmutableOwner extension)."""
    account = Keypair()
    rent = env.svm.minimum_balance_for_rent_exemption(165)
    env.send_ok(
        [
            create_account(CreateAccountParams(
                from_pubkey=env.admin.pubkey(), to_pubkey=account.pubkey(), lamports=rent, space=165,
                owner=TOKEN_2022_PROGRAM_ID,
            )),
            initialize_account(InitializeAccountParams(
                program_id=TOKEN_2022_PROGRAM_ID, account=account.pubkey(), mint=mint_address(), owner=owner.pubkey(),
            )),
        ],
        [account],
    )
    return account.pubkey()


def mint_to(env, beneficiary: Pubkey, amount: int, destination: Pubkey):
    deposit_id = env.next_deposit_id()
    payload = mint_payload(deposit_id, beneficiary, amount)
    return env.send([env.quorum(KIND_MINT_DEPOSIT, payload), mint_deposit_ix(env.admin.pubkey(), deposit_id, beneficiary, amount, destination=destination)])


# --- KYC ------------------------------------------------------------------------------------


def test_kyc_bypass_by_owner_change(token_env):
    """A KYC'd holder tries to hand a non-ATA K-GPU account to a wallet without KYC.

    Token-2022 lets the owner of an account without the ImmutableOwner extension reassign it with
    SetAuthority(AccountOwner). If set_kyc or mint_deposit thawed such an account, a wallet that
    never passed KYC could end up holding and moving K-GPU. Secure behaviour: neither thaws it,
    so the reassignment or the transfer fails."""
    env = token_env
    alice = env.new_holder()
    mallory = Keypair()  # Mallory has no KYC record.
    env.svm.airdrop(mallory.pubkey(), 10_000_000_000)
    plain = new_plain_token_account(env, alice)
    assert token_frozen(env.svm, plain)
    # The registry requests a thaw of all of Alice's accounts. The account without
    # ImmutableOwner is rejected and stays frozen, and a mint into it is rejected too.
    thaw = env.send([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), alice.pubkey(), token_accounts=[plain])], [env.registry])
    assert custom_error(thaw) == ERRORS["InvalidTokenAccount"]
    assert custom_error(mint_to(env, alice.pubkey(), 1_000, plain)) == ERRORS["InvalidTokenAccount"]
    assert token_frozen(env.svm, plain)

    handover = env.send([set_authority(SetAuthorityParams(
        program_id=TOKEN_2022_PROGRAM_ID, account=plain, authority=AuthorityType.ACCOUNT_OWNER,
        current_authority=alice.pubkey(), new_authority=mallory.pubkey(),
    ))], [alice])
    # Mallory (no KYC) now moves K-GPU to another holder.
    bob = env.new_holder()
    spend = env.send([transfer_checked(TransferCheckedParams(
        program_id=TOKEN_2022_PROGRAM_ID, source=plain, mint=mint_address(), dest=ata(bob.pubkey()),
        owner=mallory.pubkey(), amount=1_000, decimals=0,
    ))], [mallory])
    assert failed(handover) or failed(spend), (
        "a wallet without KYC received a thawed K-GPU account and transferred 1,000 K-GPU"
    )
    assert token_balance(env.svm, ata(bob.pubkey())) == 0


def test_mint_thaws_reassignable_account(token_env):
    """mint_deposit into a non-ATA destination of the beneficiary, which the beneficiary could hand
    to a wallet without KYC. Secure behaviour: the mint is rejected and the account stays frozen."""
    env = token_env
    alice = env.new_holder()
    mallory = Keypair()
    env.svm.airdrop(mallory.pubkey(), 10_000_000_000)
    plain = new_plain_token_account(env, alice)
    assert custom_error(mint_to(env, alice.pubkey(), 500, plain)) == ERRORS["InvalidTokenAccount"]
    assert token_frozen(env.svm, plain)
    assert token_balance(env.svm, plain) == 0
    handover = env.send([set_authority(SetAuthorityParams(
        program_id=TOKEN_2022_PROGRAM_ID, account=plain, authority=AuthorityType.ACCOUNT_OWNER,
        current_authority=alice.pubkey(), new_authority=mallory.pubkey(),
    ))], [alice])
    bob = env.new_holder()
    spend = env.send([transfer_checked(TransferCheckedParams(
        program_id=TOKEN_2022_PROGRAM_ID, source=plain, mint=mint_address(), dest=ata(bob.pubkey()),
        owner=mallory.pubkey(), amount=500, decimals=0,
    ))], [mallory])
    assert failed(handover) or failed(spend), "K-GPU minted to a KYC'd wallet reached a wallet without KYC"


def test_redeem_by_wallet_without_kyc(token_env):
    """A wallet without KYC tries to take over a non-ATA account, burn its K-GPU with redeem and
    open a KRW bank payout request in its own name. Secure behaviour: the account is never thawed
    or funded, so the owner change or the redeem fails."""
    from kgpu_token_testkit import redeem_ix, redemption_address

    env = token_env
    alice = env.new_holder()
    mallory = Keypair()
    env.svm.airdrop(mallory.pubkey(), 10_000_000_000)
    plain = new_plain_token_account(env, alice)
    assert custom_error(mint_to(env, alice.pubkey(), 700, plain)) == ERRORS["InvalidTokenAccount"]
    handover = env.send([set_authority(SetAuthorityParams(
        program_id=TOKEN_2022_PROGRAM_ID, account=plain, authority=AuthorityType.ACCOUNT_OWNER,
        current_authority=alice.pubkey(), new_authority=mallory.pubkey(),
    ))], [alice])
    redeem = env.send([redeem_ix(mallory.pubkey(), 1, 700, b"\x33" * 32, source=plain)], [mallory])
    assert env.svm.get_account(kyc_address(mallory.pubkey())) is None
    assert failed(handover) or failed(redeem), "a wallet with no KYC record opened a 700 KRW redemption"
    assert env.svm.get_account(redemption_address(mallory.pubkey(), 1)) is None


def test_mint_at_kyc_expiry_fails(token_env):
    env = token_env
    alice = env.new_holder()
    expires = env.now() + 100
    env.send_ok([set_kyc_ix(env.registry.pubkey(), env.admin.pubkey(), alice.pubkey(), expires_at=expires)], [env.registry])
    env.set_time(expires)
    env.attest(10**15)
    before = snapshot(env.svm, [config_address(), mint_address(), ata(alice.pubkey())])
    result = env.mint(alice.pubkey(), 10)
    assert custom_error(result) == ERRORS["KycExpired"]
    assert snapshot(env.svm, [config_address(), mint_address(), ata(alice.pubkey())]) == before


# --- Ed25519 precompile tricks --------------------------------------------------------------


def test_oracle_twice_across_precompiles(token_env):
    env = token_env
    alice = env.new_holder()
    deposit_id = env.next_deposit_id()
    message = quorum_message(env.deployment_id, KIND_MINT_DEPOSIT, mint_payload(deposit_id, alice.pubkey(), 100))
    oracle = env.oracles[0]
    result = env.send([
        ed25519_instruction([oracle], message),
        ed25519_instruction([oracle], message),
        mint_deposit_ix(env.admin.pubkey(), deposit_id, alice.pubkey(), 100),
    ])
    assert custom_error(result) == ERRORS["QuorumNotReached"]
    assert env.svm.get_account(deposit_address(deposit_id)) is None


def test_signed_message_prefix_rejected(token_env):
    """Oracles signed only the header and part of the payload, so the program must reject it."""
    env = token_env
    alice = env.new_holder()
    deposit_id = env.next_deposit_id()
    message = quorum_message(env.deployment_id, KIND_MINT_DEPOSIT, mint_payload(deposit_id, alice.pubkey(), 100))
    result = env.send([
        ed25519_instruction(env.oracles[:2], message[:-8]),
        mint_deposit_ix(env.admin.pubkey(), deposit_id, alice.pubkey(), 100),
    ])
    assert custom_error(result) == ERRORS["QuorumNotReached"]


def test_entry_into_program_instruction_rejected(token_env):
    """The message entry points into the mint_deposit instruction (index 1) instead of the
    precompile's own data. The program must reject entries that name another instruction."""
    env = token_env
    alice = env.new_holder()
    deposit_id = env.next_deposit_id()
    ix = mint_deposit_ix(env.admin.pubkey(), deposit_id, alice.pubkey(), 100)
    # The oracles sign the program instruction's own data bytes 8.. (the payload), which the
    # precompile reads from instruction 1.
    signed = bytes(ix.data)[8:]
    header_len = 2 + 14 * 2
    blobs = b""
    entries = b""
    for i, signer in enumerate(env.oracles[:2]):
        key_offset = header_len + i * 96
        blobs += bytes(signer.pubkey()) + bytes(signer.sign_message(signed))
        entries += struct.pack("<HHHHHHH", key_offset + 32, 0xFFFF, key_offset, 0xFFFF, 8, len(signed), 1)
    precompile = Instruction(ED25519_PROGRAM_ID, bytes([2, 0]) + entries + blobs, [])
    before = snapshot(env.svm, [config_address(), mint_address()])
    result = env.send([precompile, ix])
    # The precompile accepts these entries because the signatures are valid over instruction
    # 1's bytes, so only the program can reject them.
    assert custom_error(result) == ERRORS["InvalidEd25519Instruction"], result
    assert snapshot(env.svm, [config_address(), mint_address()]) == before


def test_market_program_message_rejected(token_env):
    """A kind-2 payload signed under the market program id (cross-program replay)."""
    env = token_env
    alice = env.new_holder()
    deposit_id = env.next_deposit_id()
    payload = mint_payload(deposit_id, alice.pubkey(), 100)
    market_id = Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")
    message = b"KGPUQRM1" + bytes([1]) + bytes(market_id) + env.deployment_id + bytes([KIND_MINT_DEPOSIT]) + payload
    result = env.send([ed25519_instruction(env.oracles[:2], message), mint_deposit_ix(env.admin.pubkey(), deposit_id, alice.pubkey(), 100)])
    assert custom_error(result) == ERRORS["QuorumNotReached"]


def test_confirm_kind_replayed_as_mint(token_env):
    """Kind 3 and kind 2 payloads differ in length, but the kind byte alone must separate them."""
    env = token_env
    alice = env.new_holder()
    deposit_id = env.next_deposit_id()
    payload = mint_payload(deposit_id, alice.pubkey(), 100)
    result = env.send([env.quorum(3, payload), mint_deposit_ix(env.admin.pubkey(), deposit_id, alice.pubkey(), 100)])
    assert custom_error(result) == ERRORS["QuorumNotReached"]
    assert mint_supply(env.svm) == 0


# --- thaw_program_account --------------------------------------------------------------------


def test_thaw_unapproved_program_pda(token_env):
    """A K-GPU account owned by a PDA of a program that is not approved stays frozen, even when
    the caller names an approved program in the data."""
    env = token_env
    env.send_ok([update_params_ix(env.admin.pubkey(), approved_programs=[Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")])])
    other_program = Pubkey.from_string("Stake11111111111111111111111111111111111111")
    owner, bump = Pubkey.find_program_address([b"vault"], other_program)
    vault = Keypair()
    rent = env.svm.minimum_balance_for_rent_exemption(165)
    env.send_ok([
        create_account(CreateAccountParams(from_pubkey=env.admin.pubkey(), to_pubkey=vault.pubkey(), lamports=rent, space=165, owner=TOKEN_2022_PROGRAM_ID)),
        initialize_account(InitializeAccountParams(program_id=TOKEN_2022_PROGRAM_ID, account=vault.pubkey(), mint=mint_address(), owner=owner)),
    ], [vault])
    result = env.send([thaw_program_account_ix(env.admin.pubkey(), vault.pubkey(), other_program, [b"vault", bytes([bump])])])
    assert custom_error(result) == ERRORS["ProgramNotApproved"]
    market_id = Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")
    result = env.send([thaw_program_account_ix(env.admin.pubkey(), vault.pubkey(), market_id, [b"vault", bytes([bump])])])
    assert custom_error(result) == ERRORS["InvalidSeeds"]
    assert token_frozen(env.svm, vault.pubkey())


def test_thaw_seed_limits_match_runtime(token_env):
    """PDA derivation concatenates seeds, so ["auth", "ority"] and ["authority"] give the same
    address, as in the runtime. The derivation must also reject 17 seeds and 33-byte seeds."""
    env = token_env
    market_id = Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")
    env.send_ok([update_params_ix(env.admin.pubkey(), approved_programs=[market_id])])
    owner, bump = Pubkey.find_program_address([b"x" * 32], market_id)
    vault = Keypair()
    rent = env.svm.minimum_balance_for_rent_exemption(165)
    env.send_ok([
        create_account(CreateAccountParams(from_pubkey=env.admin.pubkey(), to_pubkey=vault.pubkey(), lamports=rent, space=165, owner=TOKEN_2022_PROGRAM_ID)),
        initialize_account(InitializeAccountParams(program_id=TOKEN_2022_PROGRAM_ID, account=vault.pubkey(), mint=mint_address(), owner=owner)),
    ], [vault])
    too_long = env.send([thaw_program_account_ix(env.admin.pubkey(), vault.pubkey(), market_id, [b"x" * 32 + bytes([bump])])])
    assert custom_error(too_long) == ERRORS["InvalidInstructionData"] or failed(too_long)
    too_many = env.send([thaw_program_account_ix(env.admin.pubkey(), vault.pubkey(), market_id, [b"x" * 2] * 16 + [bytes([bump])])])
    assert failed(too_many)
    assert token_frozen(env.svm, vault.pubkey())
    ok = env.send([thaw_program_account_ix(env.admin.pubkey(), vault.pubkey(), market_id, [b"x" * 16, b"x" * 16, bytes([bump])])])
    assert not failed(ok), ok
    assert not token_frozen(env.svm, vault.pubkey())
