"""Program ids and derived addresses of K-GPU."""

from __future__ import annotations

from solders.pubkey import Pubkey
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID
from spl.token.instructions import get_associated_token_address

__all__ = [
    "ASSOCIATED_TOKEN_PROGRAM_ID",
    "KGPU_DECIMALS",
    "KGPU_MARKET_PROGRAM_ID",
    "KGPU_TOKEN_PROGRAM_ID",
    "MINT_SEED",
    "TOKEN_2022_PROGRAM_ID",
    "kgpu_mint_address",
    "kgpu_token_account",
]

KGPU_TOKEN_PROGRAM_ID = Pubkey.from_string("EZeMmdPeDvBmR12mLDJwtXAdX8vsQuzMgFiBW1eRns2Q")
"""``kgpu_token``: config, oracle set, collateral attestations, mint, redemption, pause, KYC."""

KGPU_MARKET_PROGRAM_ID = Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH")
"""``kgpu_market``: providers, staking, jobs with escrow, receipt settlement, carbon credits."""

KGPU_DECIMALS = 0
"""Decimals of the K-GPU mint: one base unit is one KRW."""

MINT_SEED = b"mint"
"""Seed of the K-GPU mint PDA under ``kgpu_token``."""


def kgpu_mint_address(program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID) -> Pubkey:
    """Derive the K-GPU mint: the ``kgpu_token`` PDA with seeds ``[b"mint"]``."""
    address, _bump = Pubkey.find_program_address([MINT_SEED], program_id)
    return address


def kgpu_token_account(owner: Pubkey, mint: Pubkey | None = None) -> Pubkey:
    """Derive the owner's associated token account for K-GPU under Token-2022."""
    return get_associated_token_address(owner, mint or kgpu_mint_address(), TOKEN_2022_PROGRAM_ID)
