"""The `kgpu_market` instructions that consume the quorum signatures of kinds 16 and 17.

The outbox worker calls :func:`market_program_instruction` before it builds a transaction. For a
`settle_receipt` (kind 16) it reads the job account, because the instruction pays the job's
provider accounts, which the signed payload does not name. The instructions come from the
`kgpu.market` builders, so they match the deployed program's account lists.
"""

from __future__ import annotations

from solana.rpc.async_api import AsyncClient
from solders.instruction import Instruction
from solders.pubkey import Pubkey

from kgpu.market import settle_receipt_instruction, slash_instruction
from kgpu_oracle.market_chain import read_job_accounts
from kgpu_oracle.messages import Payload, SettleReceipt, Slash, decode_message

__all__ = ["market_program_instruction", "market_program_instruction_for_message"]


async def market_program_instruction(rpc: AsyncClient, payload: Payload, payer: Pubkey) -> Instruction | None:
    """Build the `kgpu_market` instruction for a kind-16 or kind-17 payload, or return None for other kinds.

    `payer` pays the `Receipt` record of a settlement. The `Slash` payload names every account
    itself, so a slash needs no read.

    Raises:
        kgpu_oracle.market_chain.JobAccountNotFoundError: the receipt's job does not exist.
        kgpu.errors.RpcConnectionError, kgpu.errors.RpcResponseError: the job read failed.
    """
    if isinstance(payload, SettleReceipt):
        accounts = await read_job_accounts(rpc, payload.job)
        return settle_receipt_instruction(
            payload,
            payer=payer,
            provider=accounts.provider,
            provider_authority=accounts.provider_authority,
        )
    if isinstance(payload, Slash):
        return slash_instruction(payload)
    return None


async def market_program_instruction_for_message(rpc: AsyncClient, message: bytes, payer: Pubkey) -> Instruction | None:
    """Decode a stored quorum message and return :func:`market_program_instruction` of its payload."""
    _, payload = decode_message(message)
    return await market_program_instruction(rpc, payload, payer)
