"""`kgpu_oracle.market_posting` for the kinds that need no job read: slash and the token kinds."""

from __future__ import annotations

import hashlib

from solders.keypair import Keypair

from kgpu import market
from kgpu.quorum import MintDeposit, Slash
from kgpu_oracle.market_posting import market_program_instruction, market_program_instruction_for_message
from kgpu_oracle.messages import encode_message


class _NoRpc:
    """An RPC client stand-in that fails the test when any method is called."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"market_posting called rpc.{name} for a kind that needs no read")


async def test_slash_uses_market_builder() -> None:
    payer = Keypair().pubkey()
    payload = Slash(Keypair().pubkey(), 1, 100_000, hashlib.sha256(b"evidence").digest(), market.insurance_vault_address())

    instruction = await market_program_instruction(_NoRpc(), payload, payer)  # type: ignore[arg-type]

    assert instruction == market.slash_instruction(payload)


async def test_token_kind_returns_none() -> None:
    payload = MintDeposit(hashlib.sha256(b"reference").digest(), Keypair().pubkey(), 1_000)
    message = encode_message(payload, bytes(32))

    instruction = await market_program_instruction_for_message(_NoRpc(), message, Keypair().pubkey())  # type: ignore[arg-type]

    assert instruction is None
