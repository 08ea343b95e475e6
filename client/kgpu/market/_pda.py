"""Addresses of the `kgpu_market` accounts: the market, its authority, mint and vaults, providers,
jobs and receipt records.

Every PDA uses the canonical bump under `program_id` (the K-GPU market program unless a test
deploys it elsewhere). Integers in seeds are u64 little-endian, as the program builds them.
Provider accounts are not PDAs but System addresses with seed, see :func:`provider_address`.
"""

from __future__ import annotations

import struct

from solders.pubkey import Pubkey
from spl.token.instructions import get_associated_token_address

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, TOKEN_2022_PROGRAM_ID

__all__ = [
    "AUTHORITY_SEED",
    "CARBON_MINT_SEED",
    "ESCROW_VAULT_SEED",
    "INSURANCE_VAULT_SEED",
    "JOB_BUMP",
    "JOB_SEED",
    "MARKET_SEED",
    "RECEIPT_SEED",
    "REWARD_VAULT_SEED",
    "STAKE_VAULT_SEED",
    "authority_address",
    "carbon_mint_address",
    "carbon_token_account",
    "escrow_vault_address",
    "find_authority_address",
    "find_job_nonce",
    "find_receipt_address",
    "insurance_vault_address",
    "job_address",
    "job_bump",
    "market_address",
    "provider_address",
    "provider_seed",
    "receipt_address",
    "reward_vault_address",
    "stake_vault_address",
]

MARKET_SEED = b"market"
AUTHORITY_SEED = b"authority"
CARBON_MINT_SEED = b"carbon_mint"
STAKE_VAULT_SEED = b"stake_vault"
REWARD_VAULT_SEED = b"reward_vault"
INSURANCE_VAULT_SEED = b"insurance_vault"
ESCROW_VAULT_SEED = b"escrow_vault"
JOB_SEED = b"job"
RECEIPT_SEED = b"receipt"

JOB_BUMP = 255
"""The only bump `open_job` accepts for a job PDA: the program checks the job address with one
hash instead of a bump search, so the renter picks a nonce whose canonical bump is 255."""

_U64_MAX = 2**64 - 1


def _u64_seed(name: str, value: int) -> bytes:
    if not 0 <= value <= _U64_MAX:
        raise ValueError(f"{name} must be an integer in 0..2^64-1, got {value}")
    return struct.pack("<Q", value)


def market_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the `Market` PDA, seeds `["market"]`."""
    return Pubkey.find_program_address([MARKET_SEED], program_id)[0]


def find_authority_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> tuple[Pubkey, int]:
    """Derive the authority PDA and its bump, seeds `["authority"]`.

    The authority owns the four vaults and is the K-CARBON mint authority. The token program's
    admin thaws each vault with `thaw_program_account` and the seeds `["authority", bump]`.
    """
    return Pubkey.find_program_address([AUTHORITY_SEED], program_id)


def authority_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the authority PDA, seeds `["authority"]`."""
    return find_authority_address(program_id)[0]


def carbon_mint_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the K-CARBON mint PDA, seeds `["carbon_mint"]`: Token-2022, 0 decimals, 1 unit = 1 Wh."""
    return Pubkey.find_program_address([CARBON_MINT_SEED], program_id)[0]


def stake_vault_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the stake vault PDA, seeds `["stake_vault"]`: K-GPU of active and unbonding stake."""
    return Pubkey.find_program_address([STAKE_VAULT_SEED], program_id)[0]


def reward_vault_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the reward vault PDA, seeds `["reward_vault"]`: protocol fees until stakers claim them."""
    return Pubkey.find_program_address([REWARD_VAULT_SEED], program_id)[0]


def insurance_vault_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the insurance vault PDA, seeds `["insurance_vault"]`: slashed stake assigned to it."""
    return Pubkey.find_program_address([INSURANCE_VAULT_SEED], program_id)[0]


def escrow_vault_address(program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the escrow vault PDA, seeds `["escrow_vault"]`: the escrow of every open job."""
    return Pubkey.find_program_address([ESCROW_VAULT_SEED], program_id)[0]


def provider_seed(authority: Pubkey) -> str:
    """Return the seed of a wallet's `Provider` address: lowercase hex of the key's first 16 bytes."""
    return bytes(authority)[:16].hex()


def provider_address(authority: Pubkey, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the `Provider` account of the provider wallet `authority`.

    It is the System address with seed `sha256(base || seed || program_id)` that
    `CreateAccountWithSeed` creates, with the authority PDA `["authority"]` as base and
    :func:`provider_seed` as seed. The program checks it with one hash, so registration costs the
    same for every wallet. Two wallets share it only if their keys share the first 16 bytes.
    """
    return Pubkey.create_with_seed(authority_address(program_id), provider_seed(authority), program_id)


def job_address(renter: Pubkey, nonce: int, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the `Job` PDA, seeds `["job", renter, nonce as u64 LE]`.

    Raises:
        ValueError: `nonce` is not a u64.
    """
    return Pubkey.find_program_address([JOB_SEED, bytes(renter), _u64_seed("nonce", nonce)], program_id)[0]


def job_bump(renter: Pubkey, nonce: int, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> int:
    """Return the canonical bump of the renter's job PDA with `nonce`.

    Raises:
        ValueError: `nonce` is not a u64.
    """
    return Pubkey.find_program_address([JOB_SEED, bytes(renter), _u64_seed("nonce", nonce)], program_id)[1]


def find_job_nonce(renter: Pubkey, start: int = 1, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> int:
    """Return the first nonce from `start` up whose job PDA has canonical bump 255, as `open_job` requires.

    About half of all nonces qualify, so this takes two derivations on average.

    Raises:
        ValueError: `start` is not a u64, or no nonce from `start` to 2^64-1 qualifies.
    """
    nonce = start
    while job_bump(renter, nonce, program_id) != JOB_BUMP:
        if nonce == _U64_MAX:
            raise ValueError(f"no job nonce from {start} to 2^64-1 has a job PDA with bump {JOB_BUMP}")
        nonce += 1
    return nonce


def find_receipt_address(job: Pubkey, sequence: int, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> tuple[Pubkey, int]:
    """Derive the `Receipt` PDA and its bump, seeds `["receipt", job, sequence as u64 LE]`.

    `settle_receipt` takes the bump in its data, after the signed payload.

    Raises:
        ValueError: `sequence` is not a u64.
    """
    seeds = [RECEIPT_SEED, bytes(job), _u64_seed("sequence", sequence)]
    return Pubkey.find_program_address(seeds, program_id)


def receipt_address(job: Pubkey, sequence: int, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the `Receipt` PDA, seeds `["receipt", job, sequence as u64 LE]`."""
    return find_receipt_address(job, sequence, program_id)[0]


def carbon_token_account(owner: Pubkey, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Pubkey:
    """Derive the owner's Token-2022 associated token account for K-CARBON.

    `settle_receipt` mints the renewable Wh of each receipt into the provider's account, so it
    must exist before the first receipt (`MarketClient.register_provider` creates it).
    """
    return get_associated_token_address(owner, carbon_mint_address(program_id), TOKEN_2022_PROGRAM_ID)
