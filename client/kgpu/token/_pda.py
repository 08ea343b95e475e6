"""Addresses of the `kgpu_token` accounts: the config, mint, KYC, deposit and redemption PDAs.

Every PDA is derived with the canonical bump under `program_id` (the K-GPU token program unless a
test deploys it elsewhere). The program stores the bump it found and identifies later records by
owner, discriminator and stored key, so these helpers are for clients that look accounts up.
"""

from __future__ import annotations

import struct

from solders.pubkey import Pubkey
from solders.sysvar import INSTRUCTIONS
from spl.token.instructions import get_associated_token_address

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID, MINT_SEED, TOKEN_2022_PROGRAM_ID, kgpu_mint_address

__all__ = [
    "CONFIG_SEED",
    "DEPOSIT_SEED",
    "INSTRUCTIONS_SYSVAR_ID",
    "KYC_SEED",
    "MINT_SEED",
    "REDEMPTION_SEED",
    "config_address",
    "deposit_record_address",
    "kyc_record_address",
    "mint_address",
    "program_data_address",
    "redemption_address",
    "token_account_address",
]

CONFIG_SEED = b"config"
KYC_SEED = b"kyc"
DEPOSIT_SEED = b"deposit"
REDEMPTION_SEED = b"redemption"
INSTRUCTIONS_SYSVAR_ID: Pubkey = INSTRUCTIONS
"""The instructions sysvar, read by the quorum-checked instructions."""

_BPF_LOADER_UPGRADEABLE_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")


def config_address(program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `Config` PDA, seeds `["config"]`."""
    return Pubkey.find_program_address([CONFIG_SEED], program_id)[0]


def mint_address(program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the K-GPU mint PDA, seeds `["mint"]`, owned by Token-2022."""
    return kgpu_mint_address(program_id)


def kyc_record_address(wallet: Pubkey, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `KycRecord` PDA of `wallet`, seeds `["kyc", wallet]`."""
    return Pubkey.find_program_address([KYC_SEED, bytes(wallet)], program_id)[0]


def deposit_record_address(deposit_id: bytes, program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the `DepositRecord` PDA, seeds `["deposit", deposit_id]`.

    Raises:
        ValueError: `deposit_id` is not 32 bytes.
    """
    if len(deposit_id) != 32:
        raise ValueError(f"deposit_id must be 32 bytes (sha256 of the bank reference), got {len(deposit_id)}")
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
