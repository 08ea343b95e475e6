"""Instruction builders, quorum signing and a ready environment for the kgpu_token tests.

The builders encode each instruction by hand (Anchor discriminator + Borsh arguments) so the
tests do not depend on the IDL; `test_token_idl.py` checks the IDL against the same program.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from solders.clock import Clock
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from spl.token.instructions import create_associated_token_account, get_associated_token_address

from kgpu_sbf.loader import find_programdata_address

TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
INSTRUCTIONS_SYSVAR_ID = Pubkey.from_string("Sysvar1nstructions1111111111111111111111111")
ED25519_PROGRAM_ID = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")
PROGRAM_ID = Pubkey.from_string("EZeMmdPeDvBmR12mLDJwtXAdX8vsQuzMgFiBW1eRns2Q")

VECTORS_PATH = Path(__file__).resolve().parent.parent / "vectors" / "quorum_messages.json"
ERROR_OFFSET = 6000

# Error codes, in the order of `TokenError` in programs/kgpu_token/src/error.rs, numbered from 6000.
ERROR_NAMES = [
    "InvalidInstructionData", "NotEnoughAccounts", "TooManyAccounts", "MissingSigner", "NotWritable",
    "InvalidOwner", "InvalidAccountData", "InvalidAddress", "DuplicateAccount", "Unauthorized",
    "AlreadyInitialized", "InvalidOracleSet", "InvalidParams", "QuorumNotReached", "InvalidEd25519Instruction",
    "StaleSequence", "FutureValuation", "StaleAttestation", "MintPaused", "KycInvalid",
    "KycExpired", "JurisdictionBlocked", "CapacityExceeded", "DepositAlreadyApplied", "Overflow",
    "InvalidAmount", "RedemptionAlreadyPaid", "InvalidTokenAccount", "ProgramNotApproved", "InvalidSeeds",
    "UnsupportedRent", "CpiFailed", "NotUpgradeAuthority",
]
ERRORS = {name: ERROR_OFFSET + index for index, name in enumerate(ERROR_NAMES)}
# Variants with explicit discriminants in error.rs, after the implicitly numbered ones.
EXPLICIT_ERRORS = {
    "ProgramIdMismatch": 6033,
    "DepositIdNotCanonical": 6034,
    "RedemptionNonceNotCanonical": 6035,
    "NotInitialized": 6036,
    "ProtectedAccount": 6040,
}
ERRORS.update(EXPLICIT_ERRORS)

# Start of the test clock: 2025-07-21 00:00:00 UTC plus a day.
NOW = 1_753_142_400
MAX_AGE = 86_400
HAIRCUT_BPS = 500


def sighash(preimage: str) -> bytes:
    return hashlib.sha256(preimage.encode()).digest()[:8]


def ix_discriminator(name: str) -> bytes:
    return sighash(f"global:{name}")


def account_discriminator(name: str) -> bytes:
    return sighash(f"account:{name}")


def event_discriminator(name: str) -> bytes:
    return sighash(f"event:{name}")


def borsh_string(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("<I", len(raw)) + raw


def borsh_pubkeys(keys: Sequence[Pubkey]) -> bytes:
    return struct.pack("<I", len(keys)) + b"".join(bytes(k) for k in keys)


# --- addresses -------------------------------------------------------------------------------


def config_address() -> Pubkey:
    return Pubkey.find_program_address([b"config"], PROGRAM_ID)[0]


def mint_address() -> Pubkey:
    return Pubkey.find_program_address([b"mint"], PROGRAM_ID)[0]


def kyc_address(wallet: Pubkey) -> Pubkey:
    """Return the KYC record address: System seed address of the config and the wallet's hex seed."""
    return Pubkey.create_with_seed(config_address(), bytes(wallet)[:16].hex(), PROGRAM_ID)


def deposit_address(deposit_id: bytes) -> Pubkey:
    return Pubkey.find_program_address([b"deposit", deposit_id], PROGRAM_ID)[0]


def redemption_address(owner: Pubkey, nonce: int) -> Pubkey:
    return Pubkey.find_program_address([b"redemption", bytes(owner), struct.pack("<Q", nonce)], PROGRAM_ID)[0]


def has_bump_255(seeds: Sequence[bytes]) -> bool:
    """Return whether bump 255 derives a valid PDA for `seeds`, making it their canonical bump."""
    return Pubkey.find_program_address(list(seeds), PROGRAM_ID)[1] == 255


def canonical_deposit_id(reference: bytes) -> bytes:
    """Return `sha256(reference || counter as u32 LE)` for the smallest counter whose deposit PDA has bump 255."""
    counter = 0
    while True:
        deposit_id = hashlib.sha256(reference + struct.pack("<I", counter)).digest()
        if has_bump_255([b"deposit", deposit_id]):
            return deposit_id
        counter += 1


def non_canonical_deposit_id(reference: bytes) -> bytes:
    """Return a deposit id whose record PDA has a canonical bump below 255."""
    counter = 0
    while True:
        deposit_id = hashlib.sha256(reference + struct.pack("<I", counter)).digest()
        if not has_bump_255([b"deposit", deposit_id]):
            return deposit_id
        counter += 1


def canonical_nonce(owner: Pubkey, start: int = 1) -> int:
    """Return the smallest nonce from `start` whose redemption PDA of `owner` has bump 255."""
    nonce = start
    while not has_bump_255([b"redemption", bytes(owner), struct.pack("<Q", nonce)]):
        nonce += 1
    return nonce


def non_canonical_nonce(owner: Pubkey, start: int = 1) -> int:
    """Return the smallest nonce from `start` whose redemption PDA of `owner` has a bump below 255."""
    nonce = start
    while has_bump_255([b"redemption", bytes(owner), struct.pack("<Q", nonce)]):
        nonce += 1
    return nonce


def ata(owner: Pubkey) -> Pubkey:
    return get_associated_token_address(owner, mint_address(), TOKEN_2022_PROGRAM_ID)


# --- quorum ----------------------------------------------------------------------------------


def quorum_message(deployment_id: bytes, kind: int, payload: bytes) -> bytes:
    """Build the message oracles sign: tag, version, program id, deployment id, kind, payload."""
    return b"KGPUQRM1" + bytes([1]) + bytes(PROGRAM_ID) + deployment_id + bytes([kind]) + payload


def ed25519_instruction(signers: Sequence[Keypair], message: bytes, *, index: int = 0xFFFF) -> Instruction:
    """Build one Ed25519 precompile instruction holding a signature per signer over `message`.

    Every entry points into this instruction's own data (index 0xFFFF) unless `index` names
    another instruction.
    """
    count = len(signers)
    header_len = 2 + 14 * count
    blobs = b""
    entries = b""
    for i, signer in enumerate(signers):
        key_offset = header_len + i * 96
        signature_offset = key_offset + 32
        blobs += bytes(signer.pubkey()) + bytes(signer.sign_message(message))
        message_offset = header_len + 96 * count
        entries += struct.pack(
            "<HHHHHHH", signature_offset, index, key_offset, index, message_offset, len(message), index
        )
    data = bytes([count, 0]) + entries + blobs + message
    return Instruction(ED25519_PROGRAM_ID, data, [])


# --- instruction builders --------------------------------------------------------------------


def initialize_ix(
    admin: Pubkey,
    registry: Pubkey,
    deployment_id: bytes,
    oracles: Sequence[Pubkey],
    threshold: int,
    *,
    haircut_bps: int = HAIRCUT_BPS,
    max_age: int = MAX_AGE,
) -> Instruction:
    data = (
        ix_discriminator("initialize")
        + bytes(registry)
        + deployment_id
        + struct.pack("<Hq", haircut_bps, max_age)
        + borsh_pubkeys(oracles)
        + bytes([threshold])
    )
    accounts = [
        AccountMeta(config_address(), False, True),
        AccountMeta(admin, True, True),
        AccountMeta(find_programdata_address(PROGRAM_ID), False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, data, accounts)


def initialize_mint_ix(admin: Pubkey, *, name: str = "", symbol: str = "", uri: str = "") -> Instruction:
    data = ix_discriminator("initialize_mint") + borsh_string(name) + borsh_string(symbol) + borsh_string(uri)
    accounts = [
        AccountMeta(config_address(), False, False),
        AccountMeta(mint_address(), False, True),
        AccountMeta(admin, True, True),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, data, accounts)


def update_oracle_set_ix(admin: Pubkey, oracles: Sequence[Pubkey], threshold: int) -> Instruction:
    data = ix_discriminator("update_oracle_set") + borsh_pubkeys(oracles) + bytes([threshold])
    return Instruction(PROGRAM_ID, data, [AccountMeta(config_address(), False, True), AccountMeta(admin, True, False)])


def update_params_ix(
    admin: Pubkey,
    *,
    haircut_bps: int = HAIRCUT_BPS,
    max_age: int = MAX_AGE,
    mint_paused: bool = False,
    blocked: Sequence[bytes] = (b"CN", b"RU"),
    approved_programs: Sequence[Pubkey] = (),
) -> Instruction:
    data = (
        ix_discriminator("update_params")
        + struct.pack("<Hq?", haircut_bps, max_age, mint_paused)
        + struct.pack("<I", len(blocked))
        + b"".join(blocked)
        + borsh_pubkeys(approved_programs)
    )
    return Instruction(PROGRAM_ID, data, [AccountMeta(config_address(), False, True), AccountMeta(admin, True, False)])


def set_kyc_ix(
    registry: Pubkey,
    payer: Pubkey,
    wallet: Pubkey,
    *,
    jurisdiction: bytes = b"KR",
    level: int = 1,
    expires_at: int = NOW + 365 * 86_400,
    revoked: bool = False,
    token_accounts: Sequence[Pubkey] = (),
) -> Instruction:
    data = ix_discriminator("set_kyc") + bytes(wallet) + jurisdiction + struct.pack("<Bq?", level, expires_at, revoked)
    accounts = [
        AccountMeta(config_address(), False, False),
        AccountMeta(registry, True, False),
        AccountMeta(payer, True, True),
        AccountMeta(kyc_address(wallet), False, True),
        AccountMeta(mint_address(), False, False),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ] + [AccountMeta(account, False, True) for account in token_accounts]
    return Instruction(PROGRAM_ID, data, accounts)


def attest_payload(sequence: int, valuation_time: int, collateral_value: int, report_hash: bytes, custodian_id: bytes) -> bytes:
    return struct.pack("<QqQ", sequence, valuation_time, collateral_value) + report_hash + custodian_id


def attest_collateral_ix(payload: bytes) -> Instruction:
    accounts = [
        AccountMeta(config_address(), False, True),
        AccountMeta(mint_address(), False, False),
        AccountMeta(INSTRUCTIONS_SYSVAR_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, ix_discriminator("attest_collateral") + payload, accounts)


def mint_payload(deposit_id: bytes, beneficiary: Pubkey, amount: int) -> bytes:
    return deposit_id + bytes(beneficiary) + struct.pack("<Q", amount)


def mint_deposit_ix(payer: Pubkey, deposit_id: bytes, beneficiary: Pubkey, amount: int, *, destination: Pubkey | None = None) -> Instruction:
    accounts = [
        AccountMeta(config_address(), False, True),
        AccountMeta(mint_address(), False, True),
        AccountMeta(destination or ata(beneficiary), False, True),
        AccountMeta(kyc_address(beneficiary), False, False),
        AccountMeta(deposit_address(deposit_id), False, True),
        AccountMeta(payer, True, True),
        AccountMeta(INSTRUCTIONS_SYSVAR_ID, False, False),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, ix_discriminator("mint_deposit") + mint_payload(deposit_id, beneficiary, amount), accounts)


def redeem_ix(holder: Pubkey, nonce: int, amount: int, bank_reference_hash: bytes, *, source: Pubkey | None = None) -> Instruction:
    accounts = [
        AccountMeta(config_address(), False, True),
        AccountMeta(mint_address(), False, True),
        AccountMeta(source or ata(holder), False, True),
        AccountMeta(holder, True, True),
        AccountMeta(redemption_address(holder, nonce), False, True),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
    ]
    data = ix_discriminator("redeem") + struct.pack("<QQ", nonce, amount) + bank_reference_hash
    return Instruction(PROGRAM_ID, data, accounts)


def confirm_payload(redemption: Pubkey, payment_reference_hash: bytes) -> bytes:
    return bytes(redemption) + payment_reference_hash


def confirm_redemption_ix(redemption: Pubkey, payment_reference_hash: bytes) -> Instruction:
    accounts = [
        AccountMeta(config_address(), False, False),
        AccountMeta(redemption, False, True),
        AccountMeta(INSTRUCTIONS_SYSVAR_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, ix_discriminator("confirm_redemption") + payment_reference_hash, accounts)


def seize_ix(admin: Pubkey, source: Pubkey, amount: int, reason_hash: bytes) -> Instruction:
    accounts = [
        AccountMeta(config_address(), False, True),
        AccountMeta(admin, True, False),
        AccountMeta(source, False, True),
        AccountMeta(mint_address(), False, True),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, ix_discriminator("seize") + struct.pack("<Q", amount) + reason_hash, accounts)


def thaw_program_account_ix(admin: Pubkey, vault: Pubkey, owner_program: Pubkey, seeds: Sequence[bytes]) -> Instruction:
    data = ix_discriminator("thaw_program_account") + bytes(owner_program) + struct.pack("<I", len(seeds))
    data += b"".join(struct.pack("<I", len(seed)) + seed for seed in seeds)
    accounts = [
        AccountMeta(config_address(), False, False),
        AccountMeta(admin, True, False),
        AccountMeta(vault, False, True),
        AccountMeta(mint_address(), False, False),
        AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
    ]
    return Instruction(PROGRAM_ID, data, accounts)


# --- account reads ---------------------------------------------------------------------------


@dataclass
class ConfigView:
    admin: Pubkey
    registry_authority: Pubkey
    mint: Pubkey
    bump: int
    mint_bump: int
    deployment_id: bytes
    haircut_bps: int
    max_attestation_age: int
    mint_paused: bool
    oracles: list[Pubkey]
    threshold: int
    blocked: list[bytes]
    approved_programs: list[Pubkey]
    sequence: int
    valuation_time: int
    collateral_value: int
    capacity: int
    report_hash: bytes
    custodian_id: bytes
    attested_slot: int
    total_minted: int
    total_burned: int


def parse_config(data: bytes) -> ConfigView:
    assert data[:8] == account_discriminator("Config")
    assert len(data) == 753
    n = data[149]
    blocked_count = data[471]
    approved_count = data[504]
    seq, vt, cv, cap = struct.unpack_from("<QqQQ", data, 633)
    slot, minted, burned = struct.unpack_from("<QQQ", data, 729)
    return ConfigView(
        admin=Pubkey(data[8:40]),
        registry_authority=Pubkey(data[40:72]),
        mint=Pubkey(data[72:104]),
        bump=data[104],
        mint_bump=data[105],
        deployment_id=data[106:138],
        haircut_bps=struct.unpack_from("<H", data, 138)[0],
        max_attestation_age=struct.unpack_from("<q", data, 140)[0],
        mint_paused=bool(data[148]),
        oracles=[Pubkey(data[151 + 32 * i:183 + 32 * i]) for i in range(n)],
        threshold=data[150],
        blocked=[data[472 + 2 * i:474 + 2 * i] for i in range(blocked_count)],
        approved_programs=[Pubkey(data[505 + 32 * i:537 + 32 * i]) for i in range(approved_count)],
        sequence=seq,
        valuation_time=vt,
        collateral_value=cv,
        capacity=cap,
        report_hash=data[665:697],
        custodian_id=data[697:729],
        attested_slot=slot,
        total_minted=minted,
        total_burned=burned,
    )


def token_balance(svm, account: Pubkey) -> int:
    data = bytes(svm.get_account(account).data)
    return struct.unpack_from("<Q", data, 64)[0]


def token_frozen(svm, account: Pubkey) -> bool:
    return bytes(svm.get_account(account).data)[108] == 2


def mint_supply(svm) -> int:
    return struct.unpack_from("<Q", bytes(svm.get_account(mint_address()).data), 36)[0]


def custom_error(result) -> int | None:
    """Return the custom error code of a failed transaction, or None."""
    if not isinstance(result, FailedTransactionMetadata):
        return None
    err = result.err()
    inner = getattr(err, "err", None)
    code = getattr(inner, "code", None)
    if code is None:
        # InstructionErrorCustom is printed as Custom(n) by some solders versions.
        text = repr(err)
        if "Custom(" in text:
            return int(text.split("Custom(")[1].split(")")[0])
    return code


def program_data_events(logs: Sequence[str]) -> list[bytes]:
    """Return the raw payloads of `Program data:` log lines."""
    import base64

    out = []
    for line in logs:
        if line.startswith("Program data: "):
            out.append(base64.b64decode(line.split(": ", 1)[1].split(" ")[0]))
    return out


# --- environment -----------------------------------------------------------------------------


def load_vectors() -> dict:
    return json.loads(VECTORS_PATH.read_text())


@dataclass
class TokenEnv:
    """A deployed and initialized kgpu_token with an oracle set of three keys, threshold two."""

    svm: object
    admin: Keypair
    registry: Keypair
    oracles: list[Keypair]
    deployment_id: bytes
    threshold: int = 2
    sequence: int = 0
    deposit_counter: int = 0
    last_result: object = field(default=None, repr=False)

    def send(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = (), *, fee_payer: Keypair | None = None):
        """Send a transaction paid by `fee_payer` (default: the admin); return the LiteSVM result."""
        self.svm.expire_blockhash()
        fee_payer = fee_payer or self.admin
        all_signers = [fee_payer] + [s for s in signers if s.pubkey() != fee_payer.pubkey()]
        message = Message.new_with_blockhash(list(instructions), fee_payer.pubkey(), self.svm.latest_blockhash())
        tx = Transaction(all_signers, message, self.svm.latest_blockhash())
        self.last_result = self.svm.send_transaction(tx)
        return self.last_result

    def send_ok(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = ()) -> TransactionMetadata:
        """Send like `send` and raise with the logs unless the transaction succeeded."""
        result = self.send(instructions, signers)
        if isinstance(result, FailedTransactionMetadata):
            raise AssertionError(f"transaction failed: {result.err()}\n" + "\n".join(result.meta().logs()))
        return result

    def stranger(self) -> Keypair:
        """Return a new keypair holding 10 SOL, to pay fees or sign as an outsider."""
        keypair = Keypair()
        self.svm.airdrop(keypair.pubkey(), 10_000_000_000)
        return keypair

    def config(self) -> ConfigView:
        return parse_config(bytes(self.svm.get_account(config_address()).data))

    def set_time(self, unix_timestamp: int) -> None:
        clock = self.svm.get_clock()
        self.svm.set_clock(Clock(clock.slot, clock.epoch_start_timestamp, clock.epoch, clock.leader_schedule_epoch, unix_timestamp))

    def now(self) -> int:
        return self.svm.get_clock().unix_timestamp

    def quorum(self, kind: int, payload: bytes, signers: Sequence[Keypair] | None = None) -> Instruction:
        signers = self.oracles[: self.threshold] if signers is None else signers
        return ed25519_instruction(signers, quorum_message(self.deployment_id, kind, payload))

    def attest(self, collateral_value: int, *, valuation_time: int | None = None, sequence: int | None = None):
        self.sequence = self.sequence + 1 if sequence is None else sequence
        payload = attest_payload(
            self.sequence, self.now() if valuation_time is None else valuation_time, collateral_value, b"\x11" * 32, b"\x00" * 12 + b"\x22" * 20
        )
        return self.send([self.quorum(1, payload), attest_collateral_ix(payload)])

    def new_holder(self, *, jurisdiction: bytes = b"KR", kyc: bool = True) -> Keypair:
        """Create a funded wallet with a K-GPU ATA and, unless `kyc` is False, a valid KYC record."""
        holder = Keypair()
        self.svm.airdrop(holder.pubkey(), 10_000_000_000)
        self.send_ok([create_associated_token_account(self.admin.pubkey(), holder.pubkey(), mint_address(), TOKEN_2022_PROGRAM_ID)])
        if kyc:
            self.send_ok([set_kyc_ix(self.registry.pubkey(), self.admin.pubkey(), holder.pubkey(), jurisdiction=jurisdiction, token_accounts=[ata(holder.pubkey())])], [self.registry])
        return holder

    def next_deposit_id(self) -> bytes:
        self.deposit_counter += 1
        return canonical_deposit_id(b"deposit-%d" % self.deposit_counter)

    def mint(self, beneficiary: Pubkey, amount: int, *, deposit_id: bytes | None = None, signers: Sequence[Keypair] | None = None):
        deposit_id = deposit_id or self.next_deposit_id()
        payload = mint_payload(deposit_id, beneficiary, amount)
        return self.send([self.quorum(2, payload, signers), mint_deposit_ix(self.admin.pubkey(), deposit_id, beneficiary, amount)])

    def confirm(self, redemption: Pubkey, reference: bytes):
        payload = confirm_payload(redemption, reference)
        return self.send([self.quorum(3, payload), confirm_redemption_ix(redemption, reference)])


def make_env(svm, payer: Keypair, deploy, *, key_seed: bytes | None = None) -> TokenEnv:
    """Deploy kgpu_token, set the clock to NOW and initialize it with the vectors' deployment id.

    The registry and oracle keys are random, or derived from `key_seed` when it is given.
    """
    program_id = deploy("kgpu_token")
    assert program_id == PROGRAM_ID

    def new_keypair(label: bytes) -> Keypair:
        if key_seed is None:
            return Keypair()
        return Keypair.from_seed(hashlib.sha256(key_seed + b" " + label).digest())

    env = TokenEnv(
        svm=svm,
        admin=payer,
        registry=new_keypair(b"registry"),
        oracles=[new_keypair(b"oracle %d" % i) for i in range(3)],
        deployment_id=bytes.fromhex(load_vectors()["deployment_id_hex"]),
    )
    env.set_time(NOW)
    env.send_ok([
        initialize_ix(payer.pubkey(), env.registry.pubkey(), env.deployment_id, [k.pubkey() for k in env.oracles], env.threshold),
        initialize_mint_ix(payer.pubkey()),
    ])
    return env



def snapshot(svm, addresses: Sequence[Pubkey]) -> list[bytes | None]:
    """Return the data and lamports of each address, to compare before and after an attack."""
    out = []
    for address in addresses:
        account = svm.get_account(address)
        out.append(None if account is None else bytes(account.data) + struct.pack("<Q", account.lamports))
    return out


def assert_fails(env: TokenEnv, result, error: str | int, watched: Sequence[Pubkey], before: list) -> None:
    """Assert that `result` failed with `error` (a TokenError name or a raw code) and changed nothing."""
    expected = ERRORS[error] if isinstance(error, str) else error
    assert isinstance(result, FailedTransactionMetadata), "transaction succeeded but was expected to fail"
    assert custom_error(result) == expected, f"{result.err()}\n" + "\n".join(result.meta().logs())
    assert snapshot(env.svm, watched) == before
