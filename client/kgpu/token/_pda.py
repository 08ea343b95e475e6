"""Addresses of the `kgpu_token` accounts: the config, mint, KYC, deposit and redemption PDAs.

Every PDA is derived with the canonical bump under `program_id` (the K-GPU token program unless a
test deploys it elsewhere). The program stores the bump it found and identifies later records by
owner, discriminator and stored key, so these helpers are for clients that look accounts up.

Deposit records and redemption requests must have canonical bump 255, because the program checks
their address with one hash instead of a bump search. :func:`canonical_deposit_id` and
:func:`canonical_redemption_nonce` pick ids and nonces with that property.
"""

from __future__ import annotations

import hashlib
import struct

from solders.pubkey import Pubkey
from solders.sysvar import INSTRUCTIONS
from spl.token.instructions import get_associated_token_address

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID, MINT_SEED, TOKEN_2022_PROGRAM_ID, kgpu_mint_address

__all__ = [
    "CONFIG_SEED",
    "DEPOSIT_SEED",
    "INSTRUCTIONS_SYSVAR_ID",
    "MINT_SEED",
    "REDEMPTION_SEED",
    "CANONICAL_BUMP",
    "canonical_deposit_id",
    "canonical_redemption_nonce",
    "config_address",
    "deposit_record_address",
    "has_canonical_bump",
    "kyc_record_address",
    "kyc_seed",
    "mint_address",
    "program_data_address",
    "redemption_address",
    "token_account_address",
]

CONFIG_SEED = b"config"
DEPOSIT_SEED = b"deposit"
REDEMPTION_SEED = b"redemption"
INSTRUCTIONS_SYSVAR_ID: Pubkey = INSTRUCTIONS
"""The instructions sysvar, read by the quorum-checked instructions."""

CANONICAL_BUMP = 255
"""Bump that the deposit record and redemption request PDAs must have."""

_MAX_U32 = 2**32 - 1
_MAX_U64 = 2**64 - 1

_BPF_LOADER_UPGRADEABLE_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")


def config_address(program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `Config` PDA, seeds `["config"]`."""
    return Pubkey.find_program_address([CONFIG_SEED], program_id)[0]


def mint_address(program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the K-GPU mint PDA, seeds `["mint"]`, owned by Token-2022."""
    return kgpu_mint_address(program_id)


def kyc_seed(wallet: Pubkey) -> str:
    """Return the seed of `wallet`'s KYC record: the lowercase hex of the wallet's first 16 bytes."""
    return bytes(wallet)[:16].hex()


def kyc_record_address(wallet: Pubkey, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `KycRecord` address of `wallet`.

    `set_kyc` creates it with the System program's `CreateAccountWithSeed`, the config PDA as
    base and :func:`kyc_seed` as seed, so the address is `sha256(config || seed || program_id)`.
    """
    return Pubkey.create_with_seed(config_address(program_id), kyc_seed(wallet), program_id)


def deposit_record_address(deposit_id: bytes, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `DepositRecord` PDA, seeds `["deposit", deposit_id]`.

    Raises:
        ValueError: `deposit_id` is not 32 bytes.
    """
    if len(deposit_id) != 32:
        raise ValueError(f"deposit_id must be 32 bytes (from canonical_deposit_id of the bank reference), got {len(deposit_id)}")
    return Pubkey.find_program_address([DEPOSIT_SEED, deposit_id], program_id)[0]


def redemption_address(holder: Pubkey, nonce: int, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `Redemption` PDA, seeds `["redemption", holder, nonce as u64 little-endian]`."""
    return Pubkey.find_program_address([REDEMPTION_SEED, bytes(holder), struct.pack("<Q", nonce)], program_id)[0]


def token_account_address(owner: Pubkey, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the owner's Token-2022 associated token account for the K-GPU mint of `program_id`."""
    return get_associated_token_address(owner, mint_address(program_id), TOKEN_2022_PROGRAM_ID)


def program_data_address(program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the BPF Loader Upgradeable program-data account of `program_id`."""
    return Pubkey.find_program_address([bytes(program_id)], _BPF_LOADER_UPGRADEABLE_ID)[0]


def has_canonical_bump(seeds: list[bytes], program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> bool:
    """Return whether bump 255 gives a valid PDA for `seeds`, which makes 255 their canonical bump."""
    return Pubkey.find_program_address(seeds, program_id)[1] == CANONICAL_BUMP


def canonical_deposit_id(reference: bytes | str, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> bytes:
    """Derive the deposit id of a bank deposit reference.

    The id is `sha256(reference || counter)`: the reference in UTF-8, then `counter` as a u32
    little-endian, for the smallest counter from 0 whose record PDA `["deposit", id]` has
    canonical bump 255. `mint_deposit` rejects other ids with `DepositIdNotCanonical`. Every
    oracle derives the same id from the same reference, because the search is deterministic.
    Half of all counters qualify, so the search hashes two candidates on average.

    Raises:
        ValueError: `reference` is empty.
    """
    raw = reference.encode() if isinstance(reference, str) else bytes(reference)
    if not raw:
        raise ValueError("reference must not be empty: pass the bank's deposit reference")
    for counter in range(_MAX_U32 + 1):
        deposit_id = hashlib.sha256(raw + struct.pack("<I", counter)).digest()
        if has_canonical_bump([DEPOSIT_SEED, deposit_id], program_id):
            return deposit_id
    # Each counter qualifies with probability about 1/2, so reaching this line has probability
    # about 2**-(2**32).
    raise AssertionError("no counter gives the deposit record PDA bump 255")


def canonical_redemption_nonce(holder: Pubkey, start: int = 1, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> int:
    """Return the smallest nonce from `start` up whose redemption PDA of `holder` has canonical bump 255.

    `redeem` rejects other nonces with `RedemptionNonceNotCanonical`. The caller still checks that
    no request exists at the nonce, and passes `nonce + 1` as `start` to find the next one.

    Raises:
        ValueError: `start` is not a u64, or no nonce from `start` to 2**64 - 1 qualifies.
    """
    if not 0 <= start <= _MAX_U64:
        raise ValueError(f"start must be a u64 (0..{_MAX_U64}), got {start}")
    nonce = start
    while nonce <= _MAX_U64:
        if has_canonical_bump([REDEMPTION_SEED, bytes(holder), struct.pack("<Q", nonce)], program_id):
            return nonce
        nonce += 1
    raise ValueError(f"no nonce from {start} to {_MAX_U64} gives the redemption PDA bump 255")
