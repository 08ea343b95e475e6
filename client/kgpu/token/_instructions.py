"""Instruction builders for every `kgpu_token` instruction, byte for byte as the program decodes them.

Instruction data is the Anchor discriminator `sha256("global:<name>")[:8]` followed by the Borsh
arguments in order: integers little-endian, `Vec<T>` as a u32 length then the items, strings as
a u32 byte length then UTF-8. Account lists follow `docs/token-program.md` in order. The
quorum-checked instructions (`attest_collateral`, `mint_deposit`, `confirm_redemption`) need an
Ed25519 precompile instruction before them, built by :func:`kgpu.quorum.sign_quorum_instruction`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID
from kgpu.quorum import AttestCollateral, ConfirmRedemption, MintDeposit
from kgpu.token._pda import (
    INSTRUCTIONS_SYSVAR_ID,
    config_address,
    deposit_record_address,
    kyc_record_address,
    mint_address,
    program_data_address,
    redemption_address,
    token_account_address,
)

__all__ = [
    "DEFAULT_BLOCKED_JURISDICTIONS",
    "MAX_APPROVED_PROGRAMS",
    "MAX_BLOCKED_JURISDICTIONS",
    "MAX_ORACLES",
    "attest_collateral_instruction",
    "confirm_redemption_instruction",
    "initialize_instruction",
    "initialize_mint_instruction",
    "instruction_discriminator",
    "mint_deposit_instruction",
    "redeem_instruction",
    "seize_instruction",
    "set_kyc_instruction",
    "thaw_program_account_instruction",
    "update_oracle_set_instruction",
    "update_params_instruction",
]

MAX_ORACLES = 10
MAX_BLOCKED_JURISDICTIONS = 16
MAX_APPROVED_PROGRAMS = 4
DEFAULT_BLOCKED_JURISDICTIONS: tuple[bytes, ...] = (b"CN", b"RU")
"""The blocked list `initialize` writes."""

_NAME_MAX_BYTES = 32
_SYMBOL_MAX_BYTES = 10
_URI_MAX_BYTES = 200


def instruction_discriminator(name: str) -> bytes:
    """Return the Anchor instruction discriminator `sha256("global:<name>")[:8]`."""
    return hashlib.sha256(f"global:{name}".encode()).digest()[:8]


def _bytes32(name: str, value: bytes) -> bytes:
    if len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(value)}")
    return bytes(value)


def _jurisdiction(value: bytes) -> bytes:
    if len(value) != 2:
        raise ValueError(f"a jurisdiction is a 2-letter ISO 3166-1 alpha-2 code, got {value!r}")
    return bytes(value)


def _string(name: str, value: str, max_bytes: int) -> bytes:
    raw = value.encode()
    if len(raw) > max_bytes:
        raise ValueError(f"{name} may have at most {max_bytes} UTF-8 bytes, got {len(raw)}")
    return struct.pack("<I", len(raw)) + raw


def _pubkeys(values: Sequence[Pubkey]) -> bytes:
    return struct.pack("<I", len(values)) + b"".join(bytes(value) for value in values)


def _meta(pubkey: Pubkey, *, writable: bool = False, signer: bool = False) -> AccountMeta:
    return AccountMeta(pubkey, is_signer=signer, is_writable=writable)


def initialize_instruction(
    *,
    admin: Pubkey,
    registry_authority: Pubkey,
    deployment_id: bytes,
    haircut_bps: int,
    max_attestation_age: int,
    oracles: Sequence[Pubkey],
    threshold: int,
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `initialize`: create the config. :func:`initialize_mint_instruction` creates the mint next.

    Args:
        admin: Signer and payer. Must be the program's upgrade authority, and becomes `Config.admin`.
        registry_authority: Key that may call `set_kyc`.
        deployment_id: 32-byte domain separator of quorum messages.
        haircut_bps: Haircut in basis points, 0 to 10,000.
        max_attestation_age: Seconds an attestation stays fresh for minting, greater than 0.
        oracles: 1 to 10 distinct oracle keys.
        threshold: Signatures required, 1 to `len(oracles)`.
    """
    data = (
        instruction_discriminator("initialize")
        + bytes(registry_authority)
        + _bytes32("deployment_id", deployment_id)
        + struct.pack("<Hq", haircut_bps, max_attestation_age)
        + _pubkeys(oracles)
        + struct.pack("<B", threshold)
    )
    accounts = [
        _meta(config_address(program_id), writable=True),
        _meta(admin, writable=True, signer=True),
        _meta(program_data_address(program_id)),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def initialize_mint_instruction(
    *,
    admin: Pubkey,
    name: str = "",
    symbol: str = "",
    uri: str = "",
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `initialize_mint`: create the K-GPU mint after `initialize`, in the same transaction or later.

    Args:
        admin: Signer and payer. Must be `Config.admin`.
        name, symbol, uri: Token metadata (at most 32, 10 and 200 UTF-8 bytes). All empty skips
            the metadata.
    """
    data = (
        instruction_discriminator("initialize_mint")
        + _string("name", name, _NAME_MAX_BYTES)
        + _string("symbol", symbol, _SYMBOL_MAX_BYTES)
        + _string("uri", uri, _URI_MAX_BYTES)
    )
    accounts = [
        _meta(config_address(program_id)),
        _meta(mint_address(program_id), writable=True),
        _meta(admin, writable=True, signer=True),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def update_oracle_set_instruction(
    *, admin: Pubkey, oracles: Sequence[Pubkey], threshold: int, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID
) -> Instruction:
    """Build `update_oracle_set`: replace the oracle keys (1 to 10, distinct) and the threshold m."""
    data = instruction_discriminator("update_oracle_set") + _pubkeys(oracles) + struct.pack("<B", threshold)
    accounts = [_meta(config_address(program_id), writable=True), _meta(admin, signer=True)]
    return Instruction(program_id, data, accounts)


def update_params_instruction(
    *,
    admin: Pubkey,
    haircut_bps: int,
    max_attestation_age: int,
    mint_paused: bool,
    blocked_jurisdictions: Sequence[bytes] = DEFAULT_BLOCKED_JURISDICTIONS,
    approved_programs: Sequence[Pubkey] = (),
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `update_params`. Every field is replaced, so pass the current values you keep.

    Args:
        haircut_bps: 0 to 10,000. A change recomputes the capacity.
        max_attestation_age: Seconds, greater than 0.
        mint_paused: Stops `mint_deposit`. `redeem` is never paused.
        blocked_jurisdictions: At most 16 two-letter codes.
        approved_programs: At most 4 program ids whose PDAs `thaw_program_account` may thaw.
    """
    data = (
        instruction_discriminator("update_params")
        + struct.pack("<Hq?", haircut_bps, max_attestation_age, mint_paused)
        + struct.pack("<I", len(blocked_jurisdictions))
        + b"".join(_jurisdiction(code) for code in blocked_jurisdictions)
        + _pubkeys(approved_programs)
    )
    accounts = [_meta(config_address(program_id), writable=True), _meta(admin, signer=True)]
    return Instruction(program_id, data, accounts)


def set_kyc_instruction(
    *,
    registry_authority: Pubkey,
    payer: Pubkey,
    wallet: Pubkey,
    jurisdiction: bytes,
    level: int,
    expires_at: int,
    revoked: bool = False,
    token_accounts: Sequence[Pubkey] = (),
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `set_kyc`: write the wallet's KYC record, then thaw or freeze its K-GPU accounts.

    Args:
        registry_authority: Signer, `Config.registry_authority`.
        payer: Signer that pays the record's rent the first time.
        jurisdiction: ISO 3166-1 alpha-2 code, for example `b"KR"`.
        level: 0 means no KYC. The record is valid from level 1.
        expires_at: Unix seconds. The record is valid strictly before it.
        token_accounts: The wallet's K-GPU token accounts to thaw (valid record) or freeze.
    """
    data = (
        instruction_discriminator("set_kyc")
        + bytes(wallet)
        + _jurisdiction(jurisdiction)
        + struct.pack("<Bq?", level, expires_at, revoked)
    )
    accounts = [
        _meta(config_address(program_id)),
        _meta(registry_authority, signer=True),
        _meta(payer, writable=True, signer=True),
        _meta(kyc_record_address(wallet, program_id), writable=True),
        _meta(mint_address(program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
        *(_meta(account, writable=True) for account in token_accounts),
    ]
    return Instruction(program_id, data, accounts)


def attest_collateral_instruction(
    payload: AttestCollateral, *, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID
) -> Instruction:
    """Build `attest_collateral`. Its data is the quorum payload of kind 1 after the discriminator."""
    accounts = [
        _meta(config_address(program_id), writable=True),
        _meta(mint_address(program_id)),
        _meta(INSTRUCTIONS_SYSVAR_ID),
    ]
    return Instruction(program_id, instruction_discriminator("attest_collateral") + payload.encode(), accounts)


def mint_deposit_instruction(
    payload: MintDeposit,
    *,
    payer: Pubkey,
    destination: Pubkey | None = None,
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `mint_deposit`. Its data is the quorum payload of kind 2 after the discriminator.

    Args:
        payer: Signer that pays the deposit record's rent.
        destination: K-GPU token account of the beneficiary. Defaults to the beneficiary's
            associated token account, which must exist.
    """
    accounts = [
        _meta(config_address(program_id), writable=True),
        _meta(mint_address(program_id), writable=True),
        _meta(destination or token_account_address(payload.beneficiary, program_id), writable=True),
        _meta(kyc_record_address(payload.beneficiary, program_id)),
        _meta(deposit_record_address(payload.deposit_id, program_id), writable=True),
        _meta(payer, writable=True, signer=True),
        _meta(INSTRUCTIONS_SYSVAR_ID),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, instruction_discriminator("mint_deposit") + payload.encode(), accounts)


def redeem_instruction(
    *,
    holder: Pubkey,
    nonce: int,
    amount: int,
    bank_reference_hash: bytes,
    source: Pubkey | None = None,
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `redeem`: burn `amount` K-GPU (KRW) from the holder and open a payment request.

    Args:
        holder: Signer and rent payer of the request. A nonce works once per holder.
        bank_reference_hash: sha256 of the holder's bank account reference.
        source: K-GPU account of the holder. Defaults to the associated token account.
    """
    data = (
        instruction_discriminator("redeem")
        + struct.pack("<QQ", nonce, amount)
        + _bytes32("bank_reference_hash", bank_reference_hash)
    )
    accounts = [
        _meta(config_address(program_id), writable=True),
        _meta(mint_address(program_id), writable=True),
        _meta(source or token_account_address(holder, program_id), writable=True),
        _meta(holder, writable=True, signer=True),
        _meta(redemption_address(holder, nonce, program_id), writable=True),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def confirm_redemption_instruction(
    payload: ConfirmRedemption, *, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID
) -> Instruction:
    """Build `confirm_redemption`. Its data is only the payment reference hash.

    The quorum message of kind 3 also covers the redemption account's address, which the program
    takes from the account list.
    """
    data = instruction_discriminator("confirm_redemption") + payload.payment_reference_hash
    accounts = [
        _meta(config_address(program_id)),
        _meta(payload.redemption, writable=True),
        _meta(INSTRUCTIONS_SYSVAR_ID),
    ]
    return Instruction(program_id, data, accounts)


def seize_instruction(
    *, admin: Pubkey, source: Pubkey, amount: int, reason_hash: bytes, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID
) -> Instruction:
    """Build `seize`: burn `amount` from a wallet's K-GPU account as permanent delegate (admin only).

    The program rejects an account whose owner is a PDA with `ProtectedAccountError`, because a
    program books that balance.
    """
    data = instruction_discriminator("seize") + struct.pack("<Q", amount) + _bytes32("reason_hash", reason_hash)
    accounts = [
        _meta(config_address(program_id), writable=True),
        _meta(admin, signer=True),
        _meta(source, writable=True),
        _meta(mint_address(program_id), writable=True),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def thaw_program_account_instruction(
    *,
    admin: Pubkey,
    vault: Pubkey,
    owner_program: Pubkey,
    seeds: Sequence[bytes],
    program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `thaw_program_account`: thaw a K-GPU account owned by a PDA of an approved program.

    Args:
        owner_program: The approved program whose PDA owns `vault`.
        seeds: The owner PDA's seeds with the bump as the last one-byte seed.
    """
    data = instruction_discriminator("thaw_program_account") + bytes(owner_program) + struct.pack("<I", len(seeds))
    data += b"".join(struct.pack("<I", len(seed)) + bytes(seed) for seed in seeds)
    accounts = [
        _meta(config_address(program_id)),
        _meta(admin, signer=True),
        _meta(vault, writable=True),
        _meta(mint_address(program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)
