"""A kgpu-localnet with kgpu_token initialized, for the SDK and oracle tests against a real server.

kgpu-localnet deploys the programs with its faucet as upgrade authority, and `initialize` must be
signed by that authority. The server writes the faucet to `<ledger>/faucet-keypair.json`, as
solana-test-validator does.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu.config import load_keypair
from kgpu.token import TokenClient
from kgpu.tx import TransactionSender
from kgpu_client_testkit import LAMPORTS_PER_SOL, LocalnetProcess

HAIRCUT_BPS = 500
MAX_ATTESTATION_AGE = 86_400


def faucet_keypair(localnet: LocalnetProcess) -> Keypair:
    """Load the faucet keypair, which is also the programs' upgrade authority, from the ledger folder."""
    database = Path(localnet.call("kgpu_getLedgerInfo", [])["path"])  # type: ignore[index]
    return load_keypair(database.parent / "faucet-keypair.json")


def token_program_missing(localnet: LocalnetProcess) -> str | None:
    """Return why kgpu_token is not deployed on `localnet`, or None when it is."""
    account = localnet.call(
        "getAccountInfo", [str(KGPU_TOKEN_PROGRAM_ID), {"encoding": "base64", "commitment": "processed"}]
    )["value"]  # type: ignore[index]
    if account is None or not account["executable"]:
        return "kgpu_token is not deployed: build it with `uv run --frozen python -m kgpu_sbf.build kgpu_token`"
    return None


def cluster_time(localnet: LocalnetProcess) -> int:
    """Return the unix timestamp of the cluster's latest confirmed block."""
    slot = localnet.call("getSlot", [{"commitment": "confirmed"}])
    return int(localnet.call("getBlockTime", [slot]))  # type: ignore[arg-type]


def token_client(rpc: AsyncClient) -> TokenClient:
    """Return a TokenClient that polls fast enough for a 100 ms slot localnet."""
    return TokenClient(rpc, sender=TransactionSender(rpc, poll_interval=0.05, timeout=30))


@dataclass
class TokenDeployment:
    """kgpu_token initialized on a localnet: its keys and the funded keypairs of its roles."""

    localnet: LocalnetProcess
    admin: Keypair
    registry: Keypair
    oracles: list[Keypair]
    deployment_id: bytes
    threshold: int

    def new_wallet(self, lamports: int = 2 * LAMPORTS_PER_SOL) -> Keypair:
        """Return a new keypair with `lamports` airdropped."""
        keypair = Keypair()
        self.localnet.airdrop(str(keypair.pubkey()), lamports)
        return keypair


def initialize_token(
    localnet: LocalnetProcess,
    *,
    oracles: list[Keypair] | None = None,
    threshold: int = 2,
    deployment_id: bytes = hashlib.sha256(b"kgpu localnet deployment").digest(),
) -> TokenDeployment:
    """Initialize kgpu_token on `localnet` with three oracles (or `oracles`) and `threshold`."""
    admin = faucet_keypair(localnet)
    registry = Keypair()
    oracles = oracles if oracles is not None else [Keypair() for _ in range(3)]

    async def run() -> None:
        async with AsyncClient(localnet.rpc_url) as rpc:
            await token_client(rpc).initialize(
                admin=admin,
                registry_authority=registry.pubkey(),
                deployment_id=deployment_id,
                haircut_bps=HAIRCUT_BPS,
                max_attestation_age=MAX_ATTESTATION_AGE,
                oracles=[oracle.pubkey() for oracle in oracles],
                threshold=threshold,
            )

    asyncio.run(run())
    return TokenDeployment(localnet, admin, registry, oracles, deployment_id, threshold)

