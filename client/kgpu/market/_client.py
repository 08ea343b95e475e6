"""`MarketClient`: one async method per `kgpu_market` instruction, plus account reads.

Writes go through :class:`kgpu.tx.TransactionSender`, so they wait for the sender's commitment,
re-send only expired copies, and raise the decoded errors of :mod:`kgpu.errors` (the program's own
codes as :class:`kgpu.market.KgpuMarketError` subclasses). Reads use the same commitment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TypeVar

from based58 import b58encode
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment, Confirmed
from solana.rpc.models import MemcmpOpts
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import create_idempotent_associated_token_account

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, KGPU_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID
from kgpu._transport import call_rpc
from kgpu.market._accounts import (
    JOB_PROVIDER_OFFSET,
    JOB_RENTER_OFFSET,
    JOB_STATUS_OFFSET,
    EnergySource,
    Job,
    JobStatus,
    Market,
    Provider,
    Receipt,
)
from kgpu.market._errors import JobNotFoundError, MarketNotFoundError
from kgpu.market._instructions import (
    MarketParams,
    approve_provider_instruction,
    claim_rewards_instruction,
    claim_refund_instruction,
    close_job_instruction,
    market_quorum_instruction,
    open_job_instruction,
    register_provider_instruction,
    request_unstake_instruction,
    settle_receipt_instruction,
    setup_market_instructions,
    slash_instruction,
    stake_instruction,
    sweep_fees_instruction,
    update_market_params_instruction,
    withdraw_unstaked_instruction,
)
from kgpu.market._pda import (
    carbon_mint_address,
    carbon_token_account,
    find_job_nonce,
    job_address,
    market_address,
    provider_address,
    receipt_address,
)
from kgpu.quorum import SettleReceipt, Slash
from kgpu.token import Config, ConfigNotFoundError, account_discriminator, config_address
from kgpu.tx import SentTransaction, TransactionSender

__all__ = ["MarketClient"]

_T = TypeVar("_T")
QuorumSignature = tuple[Pubkey, bytes]


class MarketClient:
    """Drive the `kgpu_market` program over JSON-RPC.

    Args:
        rpc: solana-py ``AsyncClient``. The caller opens and closes it.
        sender: Sender for writes. Defaults to a :class:`TransactionSender` over ``rpc`` with
            ``commitment``.
        commitment: Commitment of reads, and of writes when ``sender`` is omitted.
        program_id: The deployed `kgpu_market` program.
        token_program_id: The `kgpu_token` program whose config and K-GPU mint the market uses.

    In this client "provider" is the `Provider` account address, as in the program and in
    `Job.provider`. Derive it from the provider's wallet with :meth:`provider_address`.

    The quorum-checked methods (:meth:`settle_receipt`, :meth:`slash`) take ``signers`` (oracle
    keypairs held locally) and ``signatures`` (``(oracle key, 64-byte signature)`` pairs gathered
    elsewhere) over :func:`kgpu.market.market_quorum_message`. The deployment id is read from the
    token config once and cached.
    """

    def __init__(
        self,
        rpc: AsyncClient,
        *,
        sender: TransactionSender | None = None,
        commitment: Commitment = Confirmed,
        program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
        token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
    ) -> None:
        self.rpc = rpc
        self.commitment = commitment
        self.sender = sender or TransactionSender(rpc, commitment=commitment)
        self.program_id = program_id
        self.token_program_id = token_program_id
        self._deployment_id: bytes | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def market_address(self) -> Pubkey:
        """The `Market` PDA."""
        return market_address(self.program_id)

    @property
    def carbon_mint(self) -> Pubkey:
        """The K-CARBON mint PDA."""
        return carbon_mint_address(self.program_id)

    def provider_address(self, authority: Pubkey) -> Pubkey:
        """Return the `Provider` account of the provider wallet `authority`."""
        return provider_address(authority, self.program_id)

    def job_address(self, renter: Pubkey, nonce: int) -> Pubkey:
        """Return the address of the renter's job with `nonce`."""
        return job_address(renter, nonce, self.program_id)

    def find_job_nonce(self, renter: Pubkey, start: int = 1) -> int:
        """Return the first nonce from `start` up that `open_job` accepts: its job PDA has bump 255."""
        return find_job_nonce(renter, start, self.program_id)

    def receipt_address(self, job: Pubkey, sequence: int) -> Pubkey:
        """Return the address of the `Receipt` record of `job` and `sequence`."""
        return receipt_address(job, sequence, self.program_id)

    def carbon_token_account(self, owner: Pubkey) -> Pubkey:
        """Return the owner's K-CARBON associated token account address."""
        return carbon_token_account(owner, self.program_id)

    # -- reads -------------------------------------------------------------------------------

    async def _call(self, method: str, request: Awaitable[_T]) -> _T:
        return await call_rpc(self.rpc, method, request)

    async def _account_data(self, address: Pubkey, owner: Pubkey) -> bytes | None:
        response = await self._call("getAccountInfo", self.rpc.get_account_info(address, commitment=self.commitment))
        account = response.value
        if account is None or account.owner != owner:
            return None
        return bytes(account.data)

    async def get_market(self) -> Market:
        """Fetch and decode the `Market` account.

        Raises:
            MarketNotFoundError: the market is not initialized on this cluster.
        """
        data = await self._account_data(self.market_address, self.program_id)
        if data is None:
            raise MarketNotFoundError(address=str(self.market_address))
        return Market.from_bytes(data)

    async def get_provider(self, *, authority: Pubkey | None = None, address: Pubkey | None = None) -> Provider | None:
        """Fetch a provider by its wallet (`authority`) or by its `Provider` account (`address`).

        Returns:
            The decoded provider, or None when no such account exists.

        Raises:
            ValueError: both or neither of `authority` and `address` were given.
        """
        if (authority is None) == (address is None):
            raise ValueError("pass exactly one of authority (the provider wallet) and address (the Provider account)")
        target = address if address is not None else self.provider_address(authority)  # type: ignore[arg-type]
        data = await self._account_data(target, self.program_id)
        return None if data is None else Provider.from_bytes(data)

    async def get_job(self, address: Pubkey) -> Job | None:
        """Fetch a job by address (see :meth:`job_address`), or None when it does not exist."""
        data = await self._account_data(address, self.program_id)
        return None if data is None else Job.from_bytes(data)

    async def get_receipt(self, job: Pubkey, sequence: int) -> Receipt | None:
        """Fetch the record of the settled receipt `sequence` of `job`, or None when it did not settle."""
        data = await self._account_data(self.receipt_address(job, sequence), self.program_id)
        return None if data is None else Receipt.from_bytes(data)

    async def list_jobs(
        self, *, provider: Pubkey | None = None, renter: Pubkey | None = None, open_only: bool = False
    ) -> list[tuple[Pubkey, Job]]:
        """List jobs with ``getProgramAccounts``, filtered on the node by memcmp.

        Args:
            provider: Only jobs with this `Provider` account (`Job.provider`).
            renter: Only jobs of this renter wallet.
            open_only: Only jobs whose status is open.

        Returns:
            `(address, job)` pairs, sorted by address. Every `Job` account matches when no
            filter is given, so prefer a filter on a cluster with many jobs.
        """
        filters: list[int | MemcmpOpts] = [Job.SIZE, MemcmpOpts(offset=0, bytes=_base58(account_discriminator(Job.NAME)))]
        if provider is not None:
            filters.append(MemcmpOpts(offset=JOB_PROVIDER_OFFSET, bytes=str(provider)))
        if renter is not None:
            filters.append(MemcmpOpts(offset=JOB_RENTER_OFFSET, bytes=str(renter)))
        if open_only:
            filters.append(MemcmpOpts(offset=JOB_STATUS_OFFSET, bytes=_base58(bytes([JobStatus.OPEN]))))
        accounts = await self._program_accounts(filters)
        return [(address, Job.from_bytes(data)) for address, data in accounts]

    async def list_providers(self, *, approved_only: bool = False) -> list[tuple[Pubkey, Provider]]:
        """List every `Provider` account with ``getProgramAccounts``, sorted by address.

        `approved_only` keeps the providers the registry authority approved, filtered here after
        decoding.
        """
        filters: list[int | MemcmpOpts] = [
            Provider.SIZE,
            MemcmpOpts(offset=0, bytes=_base58(account_discriminator(Provider.NAME))),
        ]
        providers = [(address, Provider.from_bytes(data)) for address, data in await self._program_accounts(filters)]
        return [(address, provider) for address, provider in providers if provider.approved or not approved_only]

    async def _program_accounts(self, filters: list[int | MemcmpOpts]) -> list[tuple[Pubkey, bytes]]:
        response = await self._call(
            "getProgramAccounts",
            self.rpc.get_program_accounts(
                self.program_id, commitment=self.commitment, encoding="base64", filters=filters
            ),
        )
        accounts = [(keyed.pubkey, bytes(keyed.account.data)) for keyed in response.value]
        return sorted(accounts, key=lambda item: bytes(item[0]))

    async def get_token_config(self) -> Config:
        """Fetch the `kgpu_token` config the market reads its oracle set and registry authority from.

        Raises:
            kgpu.token.ConfigNotFoundError: the token program is not initialized on this cluster.
        """
        address = config_address(self.token_program_id)
        data = await self._account_data(address, self.token_program_id)
        if data is None:
            raise ConfigNotFoundError(address=str(address))
        config = Config.from_bytes(data)
        self._deployment_id = config.deployment_id
        return config

    # -- writes ------------------------------------------------------------------------------

    async def _quorum(
        self, payload: SettleReceipt | Slash, signers: Sequence[Keypair], signatures: Sequence[QuorumSignature]
    ) -> Instruction:
        if self._deployment_id is None:
            await self.get_token_config()
        assert self._deployment_id is not None
        return market_quorum_instruction(
            payload, self._deployment_id, signers=signers, signatures=signatures, program_id=self.program_id
        )

    async def initialize_market(self, *, admin: Keypair, params: MarketParams) -> SentTransaction:
        """Set up the market in one transaction: `initialize_market`, `initialize_carbon_mint` and
        `initialize_vault` for the four vaults. `admin` must be the market program's upgrade
        authority and pays.

        Afterwards the token program's admin must approve the market program with `update_params`
        and thaw the four vaults with `thaw_program_account` before the market can move K-GPU.
        """
        instructions = setup_market_instructions(
            admin=admin.pubkey(), params=params, program_id=self.program_id, token_program_id=self.token_program_id
        )
        return await self.sender.send(instructions, payer=admin)

    async def update_market_params(self, *, admin: Keypair, params: MarketParams) -> SentTransaction:
        """Send `update_market_params`, signed and paid by `Market.admin`. Every parameter is replaced."""
        instruction = update_market_params_instruction(admin=admin.pubkey(), params=params, program_id=self.program_id)
        return await self.sender.send([instruction], payer=admin)

    async def create_carbon_account(self, *, payer: Keypair, owner: Pubkey) -> Pubkey:
        """Create the owner's K-CARBON associated token account unless it exists, and return its address."""
        instruction = create_idempotent_associated_token_account(
            payer.pubkey(), owner, self.carbon_mint, TOKEN_2022_PROGRAM_ID
        )
        await self.sender.send([instruction], payer=payer)
        return self.carbon_token_account(owner)

    async def register_provider(
        self,
        *,
        authority: Keypair,
        node_key: Pubkey,
        gpu_model: str | bytes,
        gpu_count: int,
        region: bytes,
        energy_source: EnergySource | int,
        create_carbon_account: bool = True,
    ) -> SentTransaction:
        """Send `register_provider`, signed and paid by the provider wallet.

        With `create_carbon_account` (the default) the same transaction creates the wallet's
        K-CARBON associated token account, which `settle_receipt` pays into, unless it exists.
        See :func:`kgpu.market.register_provider_instruction` for the arguments.
        """
        instructions = [
            register_provider_instruction(
                authority=authority.pubkey(),
                node_key=node_key,
                gpu_model=gpu_model,
                gpu_count=gpu_count,
                region=region,
                energy_source=energy_source,
                program_id=self.program_id,
            )
        ]
        if create_carbon_account:
            instructions.append(
                create_idempotent_associated_token_account(
                    authority.pubkey(), authority.pubkey(), self.carbon_mint, TOKEN_2022_PROGRAM_ID
                )
            )
        return await self.sender.send(instructions, payer=authority)

    async def approve_provider(
        self, *, registry_authority: Keypair, provider: Pubkey, approved: bool = True, payer: Keypair | None = None
    ) -> SentTransaction:
        """Send `approve_provider` for the `Provider` account `provider`.

        `registry_authority` signs, and pays unless `payer` is given.
        """
        instruction = approve_provider_instruction(
            registry_authority=registry_authority.pubkey(),
            provider=provider,
            approved=approved,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=payer or registry_authority, signers=[registry_authority])

    async def stake(self, *, authority: Keypair, amount: int, source: Pubkey | None = None) -> SentTransaction:
        """Send `stake`: move `amount` K-GPU from the wallet's token account into the stake vault."""
        instruction = stake_instruction(
            authority=authority.pubkey(),
            amount=amount,
            source=source,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=authority)

    async def request_unstake(self, *, authority: Keypair, amount: int) -> SentTransaction:
        """Send `request_unstake`: move `amount` K-GPU of active stake into unbonding."""
        instruction = request_unstake_instruction(authority=authority.pubkey(), amount=amount, program_id=self.program_id)
        return await self.sender.send([instruction], payer=authority)

    async def withdraw_unstaked(self, *, authority: Keypair, destination: Pubkey | None = None) -> SentTransaction:
        """Send `withdraw_unstaked`: after the unbonding period, pay all unbonding stake to the wallet."""
        instruction = withdraw_unstaked_instruction(
            authority=authority.pubkey(),
            destination=destination,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=authority)

    async def claim_rewards(self, *, authority: Keypair, destination: Pubkey | None = None) -> SentTransaction:
        """Send `claim_rewards`: sweep the unswept fees, then pay the provider's accrued fee rewards to the wallet."""
        instruction = claim_rewards_instruction(
            authority=authority.pubkey(),
            destination=destination,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=authority)

    async def sweep_fees(self, *, payer: Keypair) -> SentTransaction:
        """Send `sweep_fees`: move the fees settlements left in the escrow vault to the reward vault.

        Anyone may sweep, and `payer` only pays the transaction fee.
        """
        instruction = sweep_fees_instruction(program_id=self.program_id, token_program_id=self.token_program_id)
        return await self.sender.send([instruction], payer=payer)

    async def open_job(
        self,
        *,
        renter: Keypair,
        provider: Pubkey,
        nonce: int,
        price_per_gpu_hour: int,
        budget: int,
        end_time: int,
        source: Pubkey | None = None,
    ) -> SentTransaction:
        """Send `open_job`, signed and paid by the renter. The job's address is :meth:`job_address` (renter, nonce).

        See :func:`kgpu.market.open_job_instruction` for the arguments.
        """
        instruction = open_job_instruction(
            renter=renter.pubkey(),
            provider=provider,
            nonce=nonce,
            price_per_gpu_hour=price_per_gpu_hour,
            budget=budget,
            end_time=end_time,
            source=source,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=renter)

    async def _require_job(self, address: Pubkey) -> Job:
        job = await self.get_job(address)
        if job is None:
            raise JobNotFoundError(address=str(address))
        return job

    async def close_job(self, *, caller: Keypair, job: Pubkey, destination: Pubkey | None = None) -> SentTransaction:
        """Send `close_job`, signed and paid by `caller`.

        The renter or the job's provider authority may close at any time, anyone else from the
        job's end time on. The refund goes to `destination`, by default the renter's K-GPU
        associated token account, whoever closes. If that account cannot receive it (closed or
        frozen, for example), the job still closes and the refund waits in `Job.refund_due` for
        :meth:`claim_refund`.

        Raises:
            JobNotFoundError: no job exists at `job`.
        """
        stored = await self._require_job(job)
        instruction = close_job_instruction(
            caller=caller.pubkey(),
            job=job,
            renter=stored.renter,
            provider=stored.provider,
            destination=destination,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=caller)

    async def claim_refund(self, *, payer: Keypair, job: Pubkey, destination: Pubkey | None = None) -> SentTransaction:
        """Send `claim_refund`, paid by `payer`, which may be any wallet.

        Pays the job's `refund_due` to `destination`, by default the renter's K-GPU associated
        token account, which must be thawed.

        Raises:
            JobNotFoundError: no job exists at `job`.
        """
        stored = await self._require_job(job)
        instruction = claim_refund_instruction(
            job=job,
            renter=stored.renter,
            destination=destination,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([instruction], payer=payer)

    async def settle_receipt(
        self,
        payload: SettleReceipt,
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        signatures: Sequence[QuorumSignature] = (),
    ) -> SentTransaction:
        """Send `settle_receipt` with the quorum's Ed25519 instruction before it.

        The provider accounts are read from the job, and `payer` pays the transaction and the
        `Receipt` record.

        Raises:
            JobNotFoundError: no job exists at `payload.job`.
        """
        job = await self._require_job(payload.job)
        quorum = await self._quorum(payload, signers, signatures)
        instruction = settle_receipt_instruction(
            payload,
            payer=payer.pubkey(),
            provider=job.provider,
            provider_authority=job.provider_authority,
            program_id=self.program_id,
            token_program_id=self.token_program_id,
        )
        return await self.sender.send([quorum, instruction], payer=payer)

    async def slash(
        self,
        payload: Slash,
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        signatures: Sequence[QuorumSignature] = (),
    ) -> SentTransaction:
        """Send `slash` with the quorum's Ed25519 instruction before it. `payer` only pays the fee.

        `payload.slash_sequence` must be the provider's `slash_count + 1`.
        """
        quorum = await self._quorum(payload, signers, signatures)
        instruction = slash_instruction(payload, program_id=self.program_id, token_program_id=self.token_program_id)
        return await self.sender.send([quorum, instruction], payer=payer)



def _base58(data: bytes) -> str:
    return b58encode(data).decode()
