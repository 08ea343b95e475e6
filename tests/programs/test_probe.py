"""The `kgpu_probe` program on LiteSVM: one test group per `kgpu_framework` feature.

Each probe instruction exercises one framework feature and reports what it saw through logs,
return data or an error code, so every test here fails if that feature breaks. Attack tests
check that each account, PDA, sysvar and signature check rejects the forged input.
"""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from nacl.signing import SigningKey
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import InstructionErrorCustom, InstructionErrorFieldless

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ATA_PROGRAM_ID = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
ED25519_PROGRAM_ID = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")
INSTRUCTIONS_SYSVAR_ID = Pubkey.from_string("Sysvar1nstructions1111111111111111111111111")
CLOCK_SYSVAR_ID = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
MEMO_PROGRAM_ID = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")

# Token-2022 ExtensionType values (spl-token-2022 `extension/mod.rs`).
EXTENSION_DEFAULT_ACCOUNT_STATE = 6
EXTENSION_IMMUTABLE_OWNER = 7
EXTENSION_PERMANENT_DELEGATE = 12
EXTENSION_METADATA_POINTER = 18
EXTENSION_TOKEN_METADATA = 19

# Token-2022 `TokenError` codes.
TOKEN_ERROR_ACCOUNT_FROZEN = 17
TOKEN_ERROR_MINT_DECIMALS_MISMATCH = 18

# Token account states at byte 108.
STATE_INITIALIZED = 1
STATE_FROZEN = 2

QUORUM_NOT_REACHED = 6000
DECIMALS = 6


# --- client helpers -------------------------------------------------------------------------


def discriminator(name: str) -> bytes:
    """Return Anchor's instruction discriminator, sha256("global:<name>")[:8]."""
    return hashlib.sha256(f"global:{name}".encode()).digest()[:8]


def probe_ix(program_id: Pubkey, name: str, args: bytes = b"", accounts: list[AccountMeta] | None = None) -> Instruction:
    return Instruction(program_id, discriminator(name) + args, accounts or [])


def send(
    svm: LiteSVM, payer: Keypair, instructions: list[Instruction], signers: list[Keypair] | None = None
) -> TransactionMetadata | FailedTransactionMetadata:
    """Send one transaction with a fresh blockhash, so repeating an instruction is not a replay."""
    svm.expire_blockhash()
    message = Message.new_with_blockhash(instructions, payer.pubkey(), svm.latest_blockhash())
    return svm.send_transaction(Transaction([payer, *(signers or [])], message, svm.latest_blockhash()))


def ok(result: TransactionMetadata | FailedTransactionMetadata) -> TransactionMetadata:
    assert isinstance(result, TransactionMetadata), f"{result.err()}\n" + "\n".join(result.meta().logs())
    return result


def instruction_error(result: TransactionMetadata | FailedTransactionMetadata, index: int = 0):
    """Return the InstructionError of a failed transaction, checking which instruction failed."""
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded but was expected to fail"
    error = result.err()
    assert error.index == index, error
    return error.err


def custom(code: int) -> InstructionErrorCustom:
    return InstructionErrorCustom(code)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def borsh_string(value: str) -> bytes:
    encoded = value.encode()
    return struct.pack("<I", len(encoded)) + encoded


def return_data(result: TransactionMetadata) -> bytes:
    return bytes(result.return_data().data)


# --- echo, error codes, dispatch --------------------------------------------------------------


def test_echo_logs_and_returns_message(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    result = ok(send(svm, payer, [probe_ix(probe, "echo", b"hello K-GPU")]))

    logs = result.logs()
    assert f"Program {probe} invoke [1]" in logs
    start = logs.index("Program log: echo")
    assert logs[start + 1] == "Program log: hello K-GPU"
    assert logs[start + 2] == "Program log: 0xb, 0x1, 0x2, 0x3, 0x4"
    assert logs[start + 3] == f"Program log: {probe}"
    assert logs[start + 4].startswith("Program consumption: ")
    assert logs[start + 4].endswith(" units remaining")
    assert return_data(result) == b"hello K-GPU"
    assert result.return_data().program_id == probe


def test_echo_rejects_invalid_utf8(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    result = send(svm, payer, [probe_ix(probe, "echo", b"\xff\xfe")])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidInstructionData


@pytest.mark.parametrize("code", [6000, 1, 0xFFFF_FFFF, 0])
def test_fail_returns_custom_code(svm: LiteSVM, payer: Keypair, probe: Pubkey, code: int) -> None:
    result = send(svm, payer, [probe_ix(probe, "fail", struct.pack("<I", code))])
    assert instruction_error(result) == custom(code)


def test_unknown_discriminator_rejected(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    result = send(svm, payer, [Instruction(probe, discriminator("no_such_instruction"), [])])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidInstructionData


def test_short_instruction_data_rejected(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    result = send(svm, payer, [Instruction(probe, b"\x01\x02\x03", [])])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidInstructionData


# --- account checks ----------------------------------------------------------------------------


def owned_account(svm: LiteSVM, owner: Pubkey, data: bytes = b"\x00" * 8) -> Pubkey:
    address = Keypair().pubkey()
    lamports = svm.minimum_balance_for_rent_exemption(len(data))
    svm.set_account(address, Account(lamports=lamports, data=data, owner=owner, executable=False, rent_epoch=0))
    return address


def check_accounts_metas(signer: Pubkey, writable: Pubkey, owned: Pubkey, clock: Pubkey = CLOCK_SYSVAR_ID,
                         signer_flag: bool = True, writable_flag: bool = True) -> list[AccountMeta]:
    return [
        AccountMeta(signer, signer_flag, False),
        AccountMeta(writable, False, writable_flag),
        AccountMeta(owned, False, False),
        AccountMeta(clock, False, False),
    ]


def test_check_accounts_accepts_valid_accounts(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    signer = Keypair()
    writable = owned_account(svm, SYSTEM_PROGRAM_ID)
    owned = owned_account(svm, probe)
    metas = check_accounts_metas(signer.pubkey(), writable, owned)

    result = ok(send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas)], [signer]))

    assert "Program log: accounts ok" in result.logs()


def test_check_accounts_missing_signer(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    metas = check_accounts_metas(Keypair().pubkey(), owned_account(svm, SYSTEM_PROGRAM_ID), owned_account(svm, probe),
                                 signer_flag=False)
    result = send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas)])
    assert instruction_error(result) == InstructionErrorFieldless.MissingRequiredSignature


def test_check_accounts_read_only_account(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    signer = Keypair()
    metas = check_accounts_metas(signer.pubkey(), owned_account(svm, SYSTEM_PROGRAM_ID), owned_account(svm, probe),
                                 writable_flag=False)
    result = send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas)], [signer])
    assert instruction_error(result) == InstructionErrorFieldless.Immutable


def test_check_accounts_wrong_owner(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    signer = Keypair()
    foreign = owned_account(svm, TOKEN_2022_PROGRAM_ID)
    metas = check_accounts_metas(signer.pubkey(), owned_account(svm, SYSTEM_PROGRAM_ID), foreign)
    result = send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas)], [signer])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidAccountOwner


def test_check_accounts_wrong_address(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    signer = Keypair()
    metas = check_accounts_metas(signer.pubkey(), owned_account(svm, SYSTEM_PROGRAM_ID), owned_account(svm, probe),
                                 clock=INSTRUCTIONS_SYSVAR_ID)
    result = send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas)], [signer])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidArgument


def test_check_accounts_not_enough_accounts(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    signer = Keypair()
    metas = check_accounts_metas(signer.pubkey(), owned_account(svm, SYSTEM_PROGRAM_ID), owned_account(svm, probe))
    result = send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas[:3])], [signer])
    assert instruction_error(result) == InstructionErrorFieldless.NotEnoughAccountKeys


# --- duplicate accounts ------------------------------------------------------------------------


def test_borrow_twice_distinct_accounts(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    first = owned_account(svm, probe)
    second = owned_account(svm, probe)
    metas = [AccountMeta(first, False, True), AccountMeta(second, False, True)]

    result = ok(send(svm, payer, [probe_ix(probe, "borrow_twice", accounts=metas)]))

    assert return_data(result) == b"\x00"
    assert svm.get_account(first).data[0] == 0xA1
    assert svm.get_account(second).data[0] == 0xB2


def test_borrow_twice_duplicate_account(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    account = owned_account(svm, probe)
    metas = [AccountMeta(account, False, True), AccountMeta(account, False, True)]

    result = send(svm, payer, [probe_ix(probe, "borrow_twice", accounts=metas)])

    # The duplicate entry shares the first entry's borrow state, so the second mutable borrow fails.
    assert instruction_error(result) == InstructionErrorFieldless.AccountBorrowFailed
    assert svm.get_account(account).data[0] == 0


def test_duplicate_entry_after_other_accounts(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    signer = Keypair()
    owned = owned_account(svm, probe)
    # Account 2 repeats account 1: both the writable and the owned check see one account.
    metas = [
        AccountMeta(signer.pubkey(), True, False),
        AccountMeta(owned, False, True),
        AccountMeta(owned, False, True),
        AccountMeta(CLOCK_SYSVAR_ID, False, False),
    ]
    result = ok(send(svm, payer, [probe_ix(probe, "check_accounts", accounts=metas)], [signer]))
    assert "Program log: accounts ok" in result.logs()


# --- PDAs --------------------------------------------------------------------------------------


def non_canonical_bump(seeds: list[bytes], program_id: Pubkey) -> int:
    """Return the highest valid bump below the canonical one."""
    _, canonical = Pubkey.find_program_address(seeds, program_id)
    for bump in range(canonical - 1, -1, -1):
        try:
            Pubkey.create_program_address([*seeds, bytes([bump])], program_id)
        except Exception:  # solders raises a plain exception for an on-curve address
            continue
        return bump
    raise AssertionError("no second valid bump")


def test_pda_find_returns_canonical_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    expected, bump = Pubkey.find_program_address([b"probe"], probe)
    result = ok(send(svm, payer, [probe_ix(probe, "pda_find")]))
    assert return_data(result) == bytes(expected) + bytes([bump])


def test_pda_create_with_stored_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    address, bump = Pubkey.find_program_address([b"probe"], probe)
    ix = probe_ix(probe, "pda_create", bytes([bump]), [AccountMeta(address, False, False)])
    ok(send(svm, payer, [ix]))


def test_pda_create_wrong_address(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    _, bump = Pubkey.find_program_address([b"probe"], probe)
    ix = probe_ix(probe, "pda_create", bytes([bump]), [AccountMeta(Keypair().pubkey(), False, False)])
    assert instruction_error(send(svm, payer, [ix])) == InstructionErrorFieldless.InvalidSeeds


def test_pda_create_wrong_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    address, _ = Pubkey.find_program_address([b"probe"], probe)
    other = non_canonical_bump([b"probe"], probe)
    ix = probe_ix(probe, "pda_create", bytes([other]), [AccountMeta(address, False, False)])
    assert instruction_error(send(svm, payer, [ix])) == InstructionErrorFieldless.InvalidSeeds


def test_pda_canonical_accepts_canonical_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    address, bump = Pubkey.find_program_address([b"probe"], probe)
    result = ok(send(svm, payer, [probe_ix(probe, "pda_canonical", bytes([bump]))]))
    assert return_data(result) == bytes(address)


def test_pda_canonical_rejects_valid_non_canonical_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    other = non_canonical_bump([b"probe"], probe)
    # The bump does derive an address; only its being non-canonical is wrong.
    Pubkey.create_program_address([b"probe", bytes([other])], probe)
    result = send(svm, payer, [probe_ix(probe, "pda_canonical", bytes([other]))])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidSeeds


# `pda_derive` modes.
DERIVE_FIND = 0
DERIVE_CREATE = 1


def derive_ix(probe: Pubkey, owner: Pubkey, mode: int, seeds: list[bytes]) -> Instruction:
    """Build `pda_derive`: owner, mode, seed count, then each seed with a length byte."""
    args = bytes(owner) + bytes([mode, len(seeds)]) + b"".join(bytes([len(seed)]) + seed for seed in seeds)
    return probe_ix(probe, "pda_derive", args)


def derive_seed_sets() -> list[tuple[list[bytes], Pubkey]]:
    """Return 64 repeatable (seeds, program id) cases: 0 to 4 seeds of 0 to 32 bytes each."""
    owners = [TOKEN_2022_PROGRAM_ID, SYSTEM_PROGRAM_ID, Pubkey(hashlib.sha256(b"pda owner").digest())]
    cases = []
    for i in range(64):
        digest = hashlib.sha256(b"pda case %d" % i).digest()
        seeds = []
        for j in range(i % 5):
            seed_len = (digest[j] % 33) if j else digest[j] % 12
            seeds.append(hashlib.sha256(digest + bytes([j])).digest()[:seed_len])
        cases.append((seeds, owners[i % len(owners)]))
    return cases


def test_pda_derive_find_matches_solders(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    bumps = []
    for seeds, owner in derive_seed_sets():
        expected, bump = Pubkey.find_program_address(seeds, owner)
        result = ok(send(svm, payer, [derive_ix(probe, owner, DERIVE_FIND, seeds)]))
        assert return_data(result) == bytes(expected) + bytes([bump]), (seeds, owner)
        bumps.append(bump)
    # The cases include seed sets whose first candidates lie on the curve and were skipped.
    assert sum(bump < 255 for bump in bumps) >= 16
    assert min(bumps) <= 252


def test_pda_derive_find_longest_seeds(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    seeds = [bytes([i]) * 32 for i in range(15)]
    expected, bump = Pubkey.find_program_address(seeds, probe)
    result = ok(send(svm, payer, [derive_ix(probe, probe, DERIVE_FIND, seeds)]))
    assert return_data(result) == bytes(expected) + bytes([bump])


def test_pda_derive_create_matches_solders(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    for seeds, owner in derive_seed_sets()[:16]:
        expected, bump = Pubkey.find_program_address(seeds, owner)
        result = ok(send(svm, payer, [derive_ix(probe, owner, DERIVE_CREATE, [*seeds, bytes([bump])])]))
        assert return_data(result) == bytes(expected), (seeds, owner)


def test_pda_derive_create_rejects_on_curve_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    rejected = 0
    for seeds, owner in derive_seed_sets():
        _, canonical = Pubkey.find_program_address(seeds, owner)
        if canonical == 255:
            continue
        # Every bump above the canonical one hashes to a curve point.
        result = send(svm, payer, [derive_ix(probe, owner, DERIVE_CREATE, [*seeds, bytes([canonical + 1])])])
        assert instruction_error(result) == InstructionErrorFieldless.InvalidSeeds, (seeds, owner)
        rejected += 1
    assert rejected >= 16


def test_pda_derive_seed_limits(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    sixteen = [bytes([i]) for i in range(16)]
    result = send(svm, payer, [derive_ix(probe, probe, DERIVE_FIND, sixteen)])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidSeeds
    result = send(svm, payer, [derive_ix(probe, probe, DERIVE_FIND, [b"x" * 33])])
    assert instruction_error(result) == InstructionErrorFieldless.MaxSeedLengthExceeded
    result = send(svm, payer, [derive_ix(probe, probe, DERIVE_CREATE, [b"x" * 33])])
    assert instruction_error(result) == InstructionErrorFieldless.MaxSeedLengthExceeded


def test_pda_derive_costs_less_than_syscall(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    # A seed set whose canonical bump is 255 needs one candidate, which the runtime's
    # sol_try_find_program_address alone would charge 1,500 compute units for.
    seeds = next(seeds for seeds, owner in derive_seed_sets()
                 if owner == TOKEN_2022_PROGRAM_ID and Pubkey.find_program_address(seeds, owner)[1] == 255)
    result = ok(send(svm, payer, [derive_ix(probe, TOKEN_2022_PROGRAM_ID, DERIVE_FIND, seeds)]))
    assert result.compute_units_consumed() < 1_500


# --- System program CPI ------------------------------------------------------------------------


def vault_ix(probe: Pubkey, payer: Pubkey, vault: Pubkey, bump: int, space: int = 48,
             system_program: Pubkey = SYSTEM_PROGRAM_ID) -> Instruction:
    metas = [AccountMeta(payer, True, True), AccountMeta(vault, False, True), AccountMeta(system_program, False, False)]
    return probe_ix(probe, "create_vault", u64(space) + bytes([bump]), metas)


def test_create_vault_signed_by_pda(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    vault, bump = Pubkey.find_program_address([b"vault", bytes(payer.pubkey())], probe)
    lamports = svm.minimum_balance_for_rent_exemption(48)
    balance_before = svm.get_balance(payer.pubkey())

    result = ok(send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump)]))

    account = svm.get_account(vault)
    assert account.owner == probe
    assert account.lamports == lamports
    assert bytes(account.data) == b"\x00" * 48
    assert svm.get_balance(payer.pubkey()) == balance_before - lamports - 5_000
    assert f"Program {SYSTEM_PROGRAM_ID} invoke [2]" in result.logs()


def test_create_vault_prefunded_address(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    # Funding the PDA first makes CreateAccount fail; the framework tops it up and assigns it.
    vault, bump = Pubkey.find_program_address([b"vault", bytes(payer.pubkey())], probe)
    ok(send(svm, payer, [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=vault, lamports=1_000))]))
    lamports = svm.minimum_balance_for_rent_exemption(48)

    result = ok(send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump)]))

    account = svm.get_account(vault)
    assert account.owner == probe
    assert account.lamports == lamports
    assert bytes(account.data) == b"\x00" * 48
    assert sum(f"Program {SYSTEM_PROGRAM_ID} invoke [2]" == line for line in result.logs()) == 3


def test_create_vault_twice_rejected(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    vault, bump = Pubkey.find_program_address([b"vault", bytes(payer.pubkey())], probe)
    ok(send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump)]))
    result = send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump)])
    assert instruction_error(result) == InstructionErrorFieldless.AccountAlreadyInitialized


def test_create_vault_of_other_payer_rejected(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    other_vault, bump = Pubkey.find_program_address([b"vault", bytes(Keypair().pubkey())], probe)
    result = send(svm, payer, [vault_ix(probe, payer.pubkey(), other_vault, bump)])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidSeeds
    assert svm.get_account(other_vault) is None


def test_create_vault_wrong_system_program(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    vault, bump = Pubkey.find_program_address([b"vault", bytes(payer.pubkey())], probe)
    result = send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump, system_program=TOKEN_PROGRAM_ID)])
    assert instruction_error(result) == InstructionErrorFieldless.IncorrectProgramId


def close_ix(probe: Pubkey, vault: Pubkey, recipient: Pubkey) -> Instruction:
    return probe_ix(probe, "close_vault", accounts=[AccountMeta(vault, False, True), AccountMeta(recipient, False, True)])


def test_close_vault_moves_lamports(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    vault, bump = Pubkey.find_program_address([b"vault", bytes(payer.pubkey())], probe)
    recipient = Keypair().pubkey()
    ok(send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump)]))
    lamports = svm.get_balance(vault)

    ok(send(svm, payer, [close_ix(probe, vault, recipient)]))

    assert svm.get_balance(recipient) == lamports
    closed = svm.get_account(vault)
    assert closed is None or closed.lamports == 0


def test_close_then_recreate_in_one_transaction(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    # The closed account is zeroed, shrunk and owned by the System program, so it can be
    # created again within the same transaction.
    vault, bump = Pubkey.find_program_address([b"vault", bytes(payer.pubkey())], probe)
    ok(send(svm, payer, [vault_ix(probe, payer.pubkey(), vault, bump)]))

    ok(send(svm, payer, [close_ix(probe, vault, payer.pubkey()), vault_ix(probe, payer.pubkey(), vault, bump, space=8)]))

    account = svm.get_account(vault)
    assert account.owner == probe
    assert bytes(account.data) == bytes(8)


def test_close_foreign_account_rejected(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    foreign = owned_account(svm, TOKEN_2022_PROGRAM_ID)
    result = send(svm, payer, [close_ix(probe, foreign, payer.pubkey())])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidAccountOwner


def test_close_into_itself_rejected(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    vault = owned_account(svm, probe)
    result = send(svm, payer, [close_ix(probe, vault, vault)])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidArgument


def test_transfer_from_wallet_signed_by_pda(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    wallet, bump = Pubkey.find_program_address([b"wallet"], probe)
    recipient = Keypair().pubkey()
    ok(send(svm, payer, [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=wallet, lamports=5_000_000))]))
    metas = [AccountMeta(wallet, False, True), AccountMeta(recipient, False, True),
             AccountMeta(SYSTEM_PROGRAM_ID, False, False)]

    ok(send(svm, payer, [probe_ix(probe, "transfer_from_wallet", u64(2_000_000) + bytes([bump]), metas)]))

    assert svm.get_balance(wallet) == 3_000_000
    assert svm.get_balance(recipient) == 2_000_000


def test_transfer_from_wallet_wrong_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    wallet, _ = Pubkey.find_program_address([b"wallet"], probe)
    other = non_canonical_bump([b"wallet"], probe)
    metas = [AccountMeta(wallet, False, True), AccountMeta(Keypair().pubkey(), False, True),
             AccountMeta(SYSTEM_PROGRAM_ID, False, False)]
    result = send(svm, payer, [probe_ix(probe, "transfer_from_wallet", u64(1) + bytes([other]), metas)])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidSeeds


# --- Token-2022 CPI ----------------------------------------------------------------------------


def read_u64(data: bytes, offset: int) -> int:
    return struct.unpack_from("<Q", data, offset)[0]


def extensions(data: bytes) -> dict[int, bytes]:
    """Parse the TLV extensions after the 166-byte base of a Token-2022 account."""
    found = {}
    offset = 166
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == 0:
            break
        found[kind] = bytes(data[offset + 4:offset + 4 + length])
        offset += 4 + length
    return found


METADATA = ("K-GPU Won", "KGPU", "https://kgpu.example/token.json")


def metadata_args() -> bytes:
    return b"".join(borsh_string(value) for value in METADATA)


def metadata_len(name: str, symbol: str, uri: str) -> int:
    """Size of the TokenMetadata TLV entry: header, update authority, mint, strings, empty vector."""
    return 4 + 32 + 32 + (4 + len(name)) + (4 + len(symbol)) + (4 + len(uri)) + 4


class TokenSetup:
    """A probe-created mint whose every authority is the probe's `["authority"]` PDA."""

    def __init__(self, svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
        self.svm = svm
        self.payer = payer
        self.probe = probe
        self.authority, self.bump = Pubkey.find_program_address([b"authority"], probe)
        self.mint_keypair = Keypair()
        self.mint = self.mint_keypair.pubkey()

    def create_mint_ix(self, token_program: Pubkey = TOKEN_2022_PROGRAM_ID) -> Instruction:
        args = bytes([DECIMALS, self.bump]) + metadata_args()
        metas = [
            AccountMeta(self.payer.pubkey(), True, True),
            AccountMeta(self.mint, True, True),
            AccountMeta(self.authority, False, False),
            AccountMeta(token_program, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        ]
        return probe_ix(self.probe, "create_mint", args, metas)

    def init_metadata_ix(self) -> Instruction:
        metas = [AccountMeta(self.mint, False, True), AccountMeta(self.authority, False, False),
                 AccountMeta(TOKEN_2022_PROGRAM_ID, False, False)]
        return probe_ix(self.probe, "init_metadata", bytes([self.bump]) + metadata_args(), metas)

    def create_mint(self) -> TransactionMetadata:
        return ok(send(self.svm, self.payer, [self.create_mint_ix()], [self.mint_keypair]))

    def create_token_account(self, owner: Pubkey) -> Pubkey:
        account = Keypair()
        metas = [
            AccountMeta(self.payer.pubkey(), True, True),
            AccountMeta(account.pubkey(), True, True),
            AccountMeta(self.mint, False, False),
            AccountMeta(owner, False, False),
            AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        ]
        ok(send(self.svm, self.payer, [probe_ix(self.probe, "create_token_account", accounts=metas)], [account]))
        return account.pubkey()

    def set_frozen_ix(self, account: Pubkey, freeze: bool) -> Instruction:
        metas = [AccountMeta(account, False, True), AccountMeta(self.mint, False, False),
                 AccountMeta(self.authority, False, False), AccountMeta(TOKEN_2022_PROGRAM_ID, False, False)]
        return probe_ix(self.probe, "set_frozen", bytes([int(freeze), self.bump]), metas)

    def mint_to_ix(self, account: Pubkey, amount: int, decimals: int | None = None,
                   token_program: Pubkey = TOKEN_2022_PROGRAM_ID) -> Instruction:
        checked = bytes([1, decimals]) if decimals is not None else bytes([0, 0])
        metas = [AccountMeta(self.mint, False, True), AccountMeta(account, False, True),
                 AccountMeta(self.authority, False, False), AccountMeta(token_program, False, False)]
        return probe_ix(self.probe, "mint_to", u64(amount) + checked + bytes([self.bump]), metas)

    def burn_ix(self, account: Pubkey, amount: int, decimals: int | None = None) -> Instruction:
        checked = bytes([1, decimals]) if decimals is not None else bytes([0, 0])
        metas = [AccountMeta(account, False, True), AccountMeta(self.mint, False, True),
                 AccountMeta(self.authority, False, False), AccountMeta(TOKEN_2022_PROGRAM_ID, False, False)]
        return probe_ix(self.probe, "burn", u64(amount) + checked + bytes([self.bump]), metas)

    def transfer_checked_ix(self, source: Pubkey, destination: Pubkey, amount: int,
                            decimals: int = DECIMALS) -> Instruction:
        metas = [AccountMeta(source, False, True), AccountMeta(self.mint, False, False),
                 AccountMeta(destination, False, True), AccountMeta(self.authority, False, False),
                 AccountMeta(TOKEN_2022_PROGRAM_ID, False, False)]
        return probe_ix(self.probe, "transfer_checked", u64(amount) + bytes([decimals, self.bump]), metas)

    def amount(self, account: Pubkey) -> int:
        return read_u64(bytes(self.svm.get_account(account).data), 64)

    def state(self, account: Pubkey) -> int:
        return self.svm.get_account(account).data[108]

    def supply(self) -> int:
        return read_u64(bytes(self.svm.get_account(self.mint).data), 36)


@pytest.fixture
def token(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> TokenSetup:
    setup = TokenSetup(svm, payer, probe)
    setup.create_mint()
    return setup


def test_create_mint_with_extensions(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    setup = TokenSetup(svm, payer, probe)
    setup.create_mint()

    account = svm.get_account(setup.mint)
    data = bytes(account.data)
    assert account.owner == TOKEN_2022_PROGRAM_ID
    assert len(data) == 275
    # Funded for the size with metadata, which Token-2022 grows the mint to.
    assert account.lamports == svm.minimum_balance_for_rent_exemption(275 + metadata_len(*METADATA))
    # Base mint: mint authority COption, supply, decimals, initialized, freeze authority COption.
    assert struct.unpack_from("<I", data, 0)[0] == 1
    assert data[4:36] == bytes(setup.authority)
    assert read_u64(data, 36) == 0
    assert data[44] == DECIMALS
    assert data[45] == 1
    assert struct.unpack_from("<I", data, 46)[0] == 1
    assert data[50:82] == bytes(setup.authority)
    assert data[165] == 1  # AccountType::Mint

    found = extensions(data)
    assert found[EXTENSION_METADATA_POINTER] == bytes(setup.authority) + bytes(setup.mint)
    assert found[EXTENSION_DEFAULT_ACCOUNT_STATE] == bytes([STATE_FROZEN])
    assert found[EXTENSION_PERMANENT_DELEGATE] == bytes(setup.authority)


def test_init_metadata_writes_fields(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    ok(send(svm, payer, [token.init_metadata_ix()]))

    data = bytes(svm.get_account(token.mint).data)
    metadata = extensions(data)[EXTENSION_TOKEN_METADATA]
    assert metadata[:32] == bytes(token.authority)  # update authority
    assert metadata[32:64] == bytes(token.mint)
    name, symbol, uri = METADATA
    assert metadata[64:] == borsh_string(name) + borsh_string(symbol) + borsh_string(uri) + struct.pack("<I", 0)


def test_create_mint_wrong_token_program(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    setup = TokenSetup(svm, payer, probe)
    ix = setup.create_mint_ix(token_program=TOKEN_PROGRAM_ID)
    result = send(svm, payer, [ix], [setup.mint_keypair])
    assert instruction_error(result) == InstructionErrorFieldless.IncorrectProgramId
    assert svm.get_account(setup.mint) is None


def test_create_mint_wrong_authority_bump(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    setup = TokenSetup(svm, payer, probe)
    setup.bump = non_canonical_bump([b"authority"], probe)
    result = send(svm, payer, [setup.create_mint_ix()], [setup.mint_keypair])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidSeeds


def test_token_account_starts_frozen(svm: LiteSVM, token: TokenSetup) -> None:
    owner = Keypair().pubkey()
    account = token.create_token_account(owner)

    data = bytes(svm.get_account(account).data)
    assert len(data) == 165
    assert data[0:32] == bytes(token.mint)
    assert data[32:64] == bytes(owner)
    assert token.amount(account) == 0
    assert token.state(account) == STATE_FROZEN


def test_mint_to_frozen_account_fails(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())
    result = send(svm, payer, [token.mint_to_ix(account, 1_000)])
    assert instruction_error(result) == custom(TOKEN_ERROR_ACCOUNT_FROZEN)


def test_thaw_then_mint_to(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())

    ok(send(svm, payer, [token.set_frozen_ix(account, freeze=False)]))
    assert token.state(account) == STATE_INITIALIZED
    ok(send(svm, payer, [token.mint_to_ix(account, 1_000)]))
    ok(send(svm, payer, [token.mint_to_ix(account, 500, decimals=DECIMALS)]))

    assert token.amount(account) == 1_500
    assert token.supply() == 1_500


def test_mint_to_checked_wrong_decimals(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [token.set_frozen_ix(account, freeze=False)]))
    result = send(svm, payer, [token.mint_to_ix(account, 1, decimals=DECIMALS + 1)])
    assert instruction_error(result) == custom(TOKEN_ERROR_MINT_DECIMALS_MISMATCH)


def test_mint_to_wrong_token_program(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())
    result = send(svm, payer, [token.mint_to_ix(account, 1, token_program=TOKEN_PROGRAM_ID)])
    assert instruction_error(result) == InstructionErrorFieldless.IncorrectProgramId


def test_mint_to_wrong_authority_seeds(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [token.set_frozen_ix(account, freeze=False)]))
    token.bump = non_canonical_bump([b"authority"], token.probe)

    result = send(svm, payer, [token.mint_to_ix(account, 1)])

    # The seeds derive another address than the authority account, so the runtime refuses to
    # mark that account as a signer.
    assert instruction_error(result) == InstructionErrorFieldless.PrivilegeEscalation
    assert token.amount(account) == 0


def test_mint_to_impostor_authority(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [token.set_frozen_ix(account, freeze=False)]))
    token.authority = Keypair().pubkey()

    result = send(svm, payer, [token.mint_to_ix(account, 1)])

    assert instruction_error(result) == InstructionErrorFieldless.PrivilegeEscalation
    assert token.amount(account) == 0


def test_burn_as_permanent_delegate(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    account = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [token.set_frozen_ix(account, freeze=False), token.mint_to_ix(account, 1_000)]))

    ok(send(svm, payer, [token.burn_ix(account, 300)]))
    ok(send(svm, payer, [token.burn_ix(account, 200, decimals=DECIMALS)]))

    assert token.amount(account) == 500
    assert token.supply() == 500


def test_transfer_checked_as_permanent_delegate(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    source = token.create_token_account(Keypair().pubkey())
    destination = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [
        token.set_frozen_ix(source, freeze=False),
        token.set_frozen_ix(destination, freeze=False),
        token.mint_to_ix(source, 1_000),
    ]))

    ok(send(svm, payer, [token.transfer_checked_ix(source, destination, 250)]))

    assert token.amount(source) == 750
    assert token.amount(destination) == 250
    assert token.supply() == 1_000


def test_transfer_checked_wrong_decimals(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    source = token.create_token_account(Keypair().pubkey())
    destination = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [token.set_frozen_ix(source, freeze=False), token.set_frozen_ix(destination, freeze=False),
                         token.mint_to_ix(source, 10)]))
    result = send(svm, payer, [token.transfer_checked_ix(source, destination, 1, decimals=0)])
    assert instruction_error(result) == custom(TOKEN_ERROR_MINT_DECIMALS_MISMATCH)


def test_freeze_blocks_transfer(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    source = token.create_token_account(Keypair().pubkey())
    destination = token.create_token_account(Keypair().pubkey())
    ok(send(svm, payer, [token.set_frozen_ix(source, freeze=False), token.set_frozen_ix(destination, freeze=False),
                         token.mint_to_ix(source, 10)]))

    ok(send(svm, payer, [token.set_frozen_ix(source, freeze=True)]))

    assert token.state(source) == STATE_FROZEN
    result = send(svm, payer, [token.transfer_checked_ix(source, destination, 1)])
    assert instruction_error(result) == custom(TOKEN_ERROR_ACCOUNT_FROZEN)


def create_ata_ix(token: TokenSetup, wallet: Pubkey, ata: Pubkey, idempotent: bool) -> Instruction:
    metas = [
        AccountMeta(token.payer.pubkey(), True, True),
        AccountMeta(ata, False, True),
        AccountMeta(wallet, False, False),
        AccountMeta(token.mint, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
        AccountMeta(ATA_PROGRAM_ID, False, False),
    ]
    return probe_ix(token.probe, "create_ata", bytes([int(idempotent)]), metas)


def ata_address(wallet: Pubkey, mint: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([bytes(wallet), bytes(TOKEN_2022_PROGRAM_ID), bytes(mint)], ATA_PROGRAM_ID)[0]


def test_create_ata(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    wallet = Keypair().pubkey()
    ata = ata_address(wallet, token.mint)

    result = ok(send(svm, payer, [create_ata_ix(token, wallet, ata, idempotent=False)]))

    assert return_data(result) == bytes(ata)
    account = svm.get_account(ata)
    data = bytes(account.data)
    assert account.owner == TOKEN_2022_PROGRAM_ID
    assert len(data) == 170
    assert data[32:64] == bytes(wallet)
    assert EXTENSION_IMMUTABLE_OWNER in extensions(data)
    assert token.state(ata) == STATE_FROZEN


def test_create_ata_twice(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    wallet = Keypair().pubkey()
    ata = ata_address(wallet, token.mint)
    ok(send(svm, payer, [create_ata_ix(token, wallet, ata, idempotent=False)]))

    ok(send(svm, payer, [create_ata_ix(token, wallet, ata, idempotent=True)]))
    result = send(svm, payer, [create_ata_ix(token, wallet, ata, idempotent=False)])

    # The ATA program's non-idempotent Create rejects an existing account it no longer owns.
    assert instruction_error(result) == InstructionErrorFieldless.IllegalOwner


def test_create_ata_wrong_address(svm: LiteSVM, payer: Keypair, token: TokenSetup) -> None:
    wallet = Keypair().pubkey()
    result = send(svm, payer, [create_ata_ix(token, wallet, Keypair().pubkey(), idempotent=True)])
    assert instruction_error(result) == InstructionErrorFieldless.InvalidArgument


# --- clock, rent, instructions sysvar ------------------------------------------------------------


def test_read_clock(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    svm.warp_to_slot(1_234)
    clock = svm.get_clock()

    result = ok(send(svm, payer, [probe_ix(probe, "read_clock")]))

    slot, epoch_start, epoch, leader_epoch, unix_timestamp = struct.unpack("<QqQQq", return_data(result))
    assert slot == clock.slot == 1_234
    assert epoch_start == clock.epoch_start_timestamp
    assert epoch == clock.epoch
    assert leader_epoch == clock.leader_schedule_epoch
    assert unix_timestamp == clock.unix_timestamp


@pytest.mark.parametrize("data_len", [0, 165, 275, 10_000])
def test_read_rent_minimum_balance(svm: LiteSVM, payer: Keypair, probe: Pubkey, data_len: int) -> None:
    result = ok(send(svm, payer, [probe_ix(probe, "read_rent", u64(data_len))]))

    minimum, lamports_per_byte_year, threshold_bits = struct.unpack("<QQQ", return_data(result))
    rent = svm.get_rent()
    assert minimum == svm.minimum_balance_for_rent_exemption(data_len)
    assert lamports_per_byte_year == rent.lamports_per_byte_year
    assert struct.unpack("<d", struct.pack("<Q", threshold_bits))[0] == rent.exemption_threshold


def test_introspect_instructions_sysvar(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    memo = Instruction(MEMO_PROGRAM_ID, b"first", [])
    introspect = probe_ix(probe, "introspect", accounts=[AccountMeta(INSTRUCTIONS_SYSVAR_ID, False, False)])

    result = ok(send(svm, payer, [memo, introspect]))

    count, current = struct.unpack_from("<HH", return_data(result))
    assert count == 2
    assert current == 1
    assert return_data(result)[4:] == bytes(probe)


def test_introspect_rejects_fake_sysvar(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    # A copy of real instructions-sysvar bytes at another address must still be rejected.
    fake = owned_account(svm, SYSTEM_PROGRAM_ID, data=struct.pack("<HH", 1, 4) + b"\x00" * 40)
    introspect = probe_ix(probe, "introspect", accounts=[AccountMeta(fake, False, False)])
    result = send(svm, payer, [introspect])
    assert instruction_error(result) == InstructionErrorFieldless.UnsupportedSysvar


# --- Ed25519 quorum --------------------------------------------------------------------------------

ED25519_OFFSETS_START = 2
ED25519_OFFSETS_LEN = 14
THIS_INSTRUCTION = 0xFFFF


def quorum_message(probe: Pubkey, amount: int) -> bytes:
    """A `mint_deposit` quorum message in the layout the K-GPU programs sign (kind 2)."""
    deployment_id = hashlib.sha256(b"localnet" + bytes(probe)).digest()
    payload = hashlib.sha256(b"deposit-1").digest() + bytes(Keypair().pubkey()) + u64(amount)
    return b"KGPUQRM1" + bytes([1]) + bytes(probe) + deployment_id + bytes([2]) + payload


def ed25519_instruction(entries: list[tuple[SigningKey, bytes]], index_override: int | None = None) -> Instruction:
    """Build one precompile instruction holding every (key, message) signature in its own data.

    With `index_override`, every entry's three instruction indices are set to that value, which
    makes the entries point into another instruction.
    """
    header_len = ED25519_OFFSETS_START + ED25519_OFFSETS_LEN * len(entries)
    body = bytearray()
    offsets = bytearray()
    for key, message in entries:
        public_key_offset = header_len + len(body)
        body += bytes(key.verify_key)
        signature_offset = header_len + len(body)
        body += key.sign(message).signature
        message_offset = header_len + len(body)
        body += message
        index = THIS_INSTRUCTION if index_override is None else index_override
        offsets += struct.pack("<HHHHHHH", signature_offset, index, public_key_offset, index,
                               message_offset, len(message), index)
    data = bytes([len(entries), 0]) + bytes(offsets) + bytes(body)
    return Instruction(ED25519_PROGRAM_ID, data, [])


def verify_quorum_ix(probe: Pubkey, oracles: list[SigningKey], threshold: int, message: bytes,
                     sysvar: Pubkey = INSTRUCTIONS_SYSVAR_ID) -> Instruction:
    args = bytes([threshold, len(oracles)]) + b"".join(bytes(key.verify_key) for key in oracles) + message
    return probe_ix(probe, "verify_quorum", args, [AccountMeta(sysvar, False, False)])


@pytest.fixture
def oracles() -> list[SigningKey]:
    return [SigningKey(bytes([i + 1]) * 32) for i in range(5)]


def test_quorum_three_signatures(svm: LiteSVM, payer: Keypair, probe: Pubkey, oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    precompile = ed25519_instruction([(oracles[0], message), (oracles[2], message), (oracles[4], message)])

    result = ok(send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 3, message)]))

    assert struct.unpack("<I", return_data(result))[0] == 3


def test_quorum_below_threshold(svm: LiteSVM, payer: Keypair, probe: Pubkey, oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    precompile = ed25519_instruction([(oracles[0], message), (oracles[1], message)])
    result = send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 3, message)])
    assert instruction_error(result, index=1) == custom(QUORUM_NOT_REACHED)


def test_quorum_counts_same_key_once(svm: LiteSVM, payer: Keypair, probe: Pubkey, oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    precompile = ed25519_instruction([(oracles[0], message)] * 3)

    counted = ok(send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 0, message)]))
    assert struct.unpack("<I", return_data(counted))[0] == 1

    result = send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 2, message)])
    assert instruction_error(result, index=1) == custom(QUORUM_NOT_REACHED)


def test_quorum_across_two_precompile_instructions(svm: LiteSVM, payer: Keypair, probe: Pubkey,
                                                   oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 7)
    first = ed25519_instruction([(oracles[0], message), (oracles[1], message)])
    second = ed25519_instruction([(oracles[1], message), (oracles[3], message)])

    result = ok(send(svm, payer, [first, second, verify_quorum_ix(probe, oracles, 3, message)]))

    assert struct.unpack("<I", return_data(result))[0] == 3


def test_quorum_ignores_other_message(svm: LiteSVM, payer: Keypair, probe: Pubkey, oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    other = quorum_message(probe, 50_001)
    precompile = ed25519_instruction([(oracles[0], other), (oracles[1], other), (oracles[2], message)])

    result = ok(send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 0, message)]))

    assert struct.unpack("<I", return_data(result))[0] == 1


def test_quorum_ignores_key_outside_oracle_set(svm: LiteSVM, payer: Keypair, probe: Pubkey,
                                               oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    outsiders = [SigningKey(bytes([0xE0 + i]) * 32) for i in range(3)]
    precompile = ed25519_instruction([(key, message) for key in outsiders])

    result = send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 1, message)])

    assert instruction_error(result, index=1) == custom(QUORUM_NOT_REACHED)


def test_quorum_rejects_entry_pointing_elsewhere(svm: LiteSVM, payer: Keypair, probe: Pubkey,
                                                 oracles: list[SigningKey]) -> None:
    # The precompile verifies a signature whose key, signature and message live in the probe
    # instruction (index 1). The precompile accepts it, but the probe must not count it.
    message = quorum_message(probe, 50_000)
    key = oracles[0]
    verify = verify_quorum_ix(probe, oracles, 1, message)
    probe_data = bytes(verify.data)
    public_key_offset = probe_data.index(bytes(key.verify_key))
    message_offset = len(probe_data) - len(message)
    signature_offset = ED25519_OFFSETS_START + ED25519_OFFSETS_LEN
    offsets = struct.pack("<HHHHHHH", signature_offset, THIS_INSTRUCTION, public_key_offset, 1,
                          message_offset, len(message), 1)
    precompile = Instruction(ED25519_PROGRAM_ID, bytes([1, 0]) + offsets + key.sign(message).signature, [])

    result = send(svm, payer, [precompile, verify])

    assert instruction_error(result, index=1) == InstructionErrorFieldless.InvalidInstructionData


def test_forged_signature_fails_precompile(svm: LiteSVM, payer: Keypair, probe: Pubkey,
                                           oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    precompile = ed25519_instruction([(oracles[0], message)])
    data = bytearray(precompile.data)
    data[-len(message) - 1] ^= 0x01  # last byte of the signature
    forged = Instruction(ED25519_PROGRAM_ID, bytes(data), [])

    result = send(svm, payer, [forged, verify_quorum_ix(probe, oracles, 1, message)])

    assert isinstance(result, FailedTransactionMetadata)
    assert result.err().index == 0


def test_quorum_rejects_fake_sysvar(svm: LiteSVM, payer: Keypair, probe: Pubkey, oracles: list[SigningKey]) -> None:
    message = quorum_message(probe, 50_000)
    precompile = ed25519_instruction([(key, message) for key in oracles[:3]])
    fake = owned_account(svm, SYSTEM_PROGRAM_ID, data=bytes(80))
    result = send(svm, payer, [precompile, verify_quorum_ix(probe, oracles, 3, message, sysvar=fake)])
    assert instruction_error(result, index=1) == InstructionErrorFieldless.UnsupportedSysvar


# --- math ------------------------------------------------------------------------------------------

U64_MAX = 2**64 - 1


def mul_div(svm: LiteSVM, payer: Keypair, probe: Pubkey, a: int, b: int, divisor: int, mode: int):
    result = send(svm, payer, [probe_ix(probe, "mul_div", u64(a) + u64(b) + u64(divisor) + bytes([mode]))])
    if isinstance(result, TransactionMetadata):
        return struct.unpack("<Q", return_data(result))[0]
    return instruction_error(result)


@pytest.mark.parametrize(
    ("a", "b", "divisor"),
    [
        (10, 3, 4),
        (U64_MAX, U64_MAX, U64_MAX),
        (U64_MAX, 1_000_000_007, 1_000_000_009),
        (2**63 + 12_345, 2**40 + 7, 2**41 + 3),
        (123_456_789_012, 98_765_432, 7),
    ],
)
def test_mul_div_matches_python(svm: LiteSVM, payer: Keypair, probe: Pubkey, a: int, b: int, divisor: int) -> None:
    assert mul_div(svm, payer, probe, a, b, divisor, 0) == a * b // divisor
    assert mul_div(svm, payer, probe, a, b, divisor, 1) == -(-a * b // divisor)


def test_mul_div_overflow_and_zero_divisor(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    assert mul_div(svm, payer, probe, U64_MAX, 2, 1, 0) == InstructionErrorFieldless.ArithmeticOverflow
    assert mul_div(svm, payer, probe, 1, 1, 0, 0) == InstructionErrorFieldless.ArithmeticOverflow


def test_bps(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    assert mul_div(svm, payer, probe, 1_000_000, 25, 0, 2) == 2_500
    assert mul_div(svm, payer, probe, U64_MAX, 10_000, 0, 2) == U64_MAX
    assert mul_div(svm, payer, probe, 1, 10_001, 0, 2) == InstructionErrorFieldless.InvalidArgument


# --- events ----------------------------------------------------------------------------------------


def test_emit_event_anchor_layout(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    result = ok(send(svm, payer, [probe_ix(probe, "emit_event", u64(424_242))]))

    lines = [line for line in result.logs() if line.startswith("Program data: ")]
    assert len(lines) == 1
    payload = base64.b64decode(lines[0].removeprefix("Program data: "))
    assert payload[:8] == hashlib.sha256(b"event:ProbeEvent").digest()[:8]
    assert read_u64(payload, 8) == 424_242
    assert payload[16:] == bytes(probe)


def test_emit_event_decodes_with_anchorpy(svm: LiteSVM, payer: Keypair, probe: Pubkey) -> None:
    from anchorpy import EventParser, Idl, Program, Provider

    idl = Idl.from_json(PROBE_EVENT_IDL.replace("PROGRAM_ID", str(probe)))
    program = Program(idl, probe, Provider.__new__(Provider))
    result = ok(send(svm, payer, [probe_ix(probe, "emit_event", u64(77))]))

    events = []
    EventParser(probe, program.coder).parse_logs(result.logs(), events.append)

    assert len(events) == 1
    assert events[0].name == "ProbeEvent"
    assert events[0].data.value == 77
    assert events[0].data.source == probe


PROBE_EVENT_IDL = """{
  "address": "PROGRAM_ID",
  "metadata": {"name": "kgpu_probe", "version": "0.1.0", "spec": "0.1.0"},
  "instructions": [],
  "events": [{"name": "ProbeEvent", "discriminator": [%s]}],
  "types": [{"name": "ProbeEvent", "type": {"kind": "struct", "fields": [
    {"name": "value", "type": "u64"}, {"name": "source", "type": "pubkey"}]}}]
}""" % ", ".join(str(b) for b in hashlib.sha256(b"event:ProbeEvent").digest()[:8])
