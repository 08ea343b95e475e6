"""`TokenClient`: one async method per `kgpu_token` instruction, plus account reads.

Writes go through :class:`kgpu.tx.TransactionSender`, so they wait for the sender's commitment,
re-send only expired copies, and raise the decoded errors of :mod:`kgpu.errors` (the program's own
codes as :class:`kgpu.token.KgpuTokenError` subclasses). Reads use the same commitment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TypeVar

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment, Confirmed
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import create_idempotent_associated_token_account

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID
from kgpu._transport import call_rpc
from kgpu.errors import MintNotFoundError, RpcResponseError, UserError
from kgpu.quorum import AttestCollateral, ConfirmRedemption, MintDeposit, Payload, build_ed25519_instruction, encode_message
from kgpu.token._accounts import Config, DepositRecord, KycRecord, Redemption
from kgpu.token._instructions import (
    DEFAULT_BLOCKED_JURISDICTIONS,
    attest_collateral_instruction,
    confirm_redemption_instruction,
    initialize_instruction,
    initialize_mint_instruction,
    mint_deposit_instruction,
    redeem_instruction,
    seize_instruction,
    set_kyc_instruction,
    thaw_program_account_instruction,
    update_oracle_set_instruction,
    update_params_instruction,
)
from kgpu.token._pda import (
    config_address,
    deposit_record_address,
    kyc_record_address,
    mint_address,
    redemption_address,
    token_account_address,
)
from kgpu.tx import SentTransaction, TransactionSender

__all__ = ["ConfigNotFoundError", "TokenClient"]

_T = TypeVar("_T")
QuorumSignature = tuple[Pubkey, bytes]


class ConfigNotFoundError(UserError):
    """The `kgpu_token` config account does not exist, so the program is not initialized. Fields: ``address``."""

    key = "error.kgpu_token.config_not_found"


class TokenClient:
    """Drive the `kgpu_token` program over JSON-RPC.

    Args:
        rpc: solana-py ``AsyncClient``. The caller opens and closes it.
        sender: Sender for writes. Defaults to a :class:`TransactionSender` over ``rpc`` with
            ``commitment``.
        commitment: Commitment of reads, and of writes when ``sender`` is omitted.
        program_id: The deployed `kgpu_token` program.

    Quorum-checked methods (`attest_collateral`, `mint_deposit`, `confirm_redemption`) take
    ``signers`` (oracle keypairs held locally) and ``signatures`` (``(oracle key, 64-byte
    signature)`` pairs gathered elsewhere) over the message of :func:`kgpu.quorum.encode_message`.
    The deployment id is read from the config once and cached.
    """

    def __init__(
        self,
        rpc: AsyncClient,
        *,
        sender: TransactionSender | None = None,
        commitment: Commitment = Confirmed,
        program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
    ) -> None:
        self.rpc = rpc
        self.commitment = commitment
        self.sender = sender or TransactionSender(rpc, commitment=commitment)
        self.program_id = program_id
        self._deployment_id: bytes | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def config_address(self) -> Pubkey:
        """The config PDA."""
        return config_address(self.program_id)

    @property
    def mint(self) -> Pubkey:
        """The K-GPU mint PDA."""
        return mint_address(self.program_id)

    def token_account(self, owner: Pubkey) -> Pubkey:
        """Return the owner's K-GPU associated token account address."""
        return token_account_address(owner, self.program_id)

    # -- reads -------------------------------------------------------------------------------

    async def _call(self, method: str, request: Awaitable[_T]) -> _T:
        return await call_rpc(self.rpc, method, request)

    async def get_account_data(self, address: Pubkey) -> bytes | None:
        """Return the data of `address` owned by the program, or None when no such account exists."""
        response = await self._call("getAccountInfo", self.rpc.get_account_info(address, commitment=self.commitment))
        account = response.value
        if account is None or account.owner != self.program_id:
            return None
        return bytes(account.data)

    async def get_config(self) -> Config:
        """Fetch and decode the config.

        Raises:
            ConfigNotFoundError: the program is not initialized on this cluster.
        """
        data = await self.get_account_data(self.config_address)
        if data is None:
            raise ConfigNotFoundError(address=str(self.config_address))
        config = Config.from_bytes(data)
        self._deployment_id = config.deployment_id
        return config

    async def get_kyc_record(self, wallet: Pubkey) -> KycRecord | None:
        """Fetch the wallet's KYC record, or None when it has none."""
        data = await self.get_account_data(kyc_record_address(wallet, self.program_id))
        return None if data is None else KycRecord.from_bytes(data)

    async def get_deposit_record(self, deposit_id: bytes) -> DepositRecord | None:
        """Fetch the record of a minted deposit, or None when the deposit was not minted."""
        data = await self.get_account_data(deposit_record_address(deposit_id, self.program_id))
        return None if data is None else DepositRecord.from_bytes(data)

    async def get_redemption(self, address: Pubkey) -> Redemption | None:
        """Fetch a redemption request by address, or None when it does not exist."""
        data = await self.get_account_data(address)
        return None if data is None else Redemption.from_bytes(data)

    def redemption_address(self, holder: Pubkey, nonce: int) -> Pubkey:
        """Return the address of the holder's redemption request with `nonce`."""
        return redemption_address(holder, nonce, self.program_id)

    async def mint_exists(self) -> bool:
        """Return whether the K-GPU mint exists, which means `initialize_mint` ran."""
        response = await self._call("getAccountInfo", self.rpc.get_account_info(self.mint, commitment=self.commitment))
        return response.value is not None and response.value.owner == TOKEN_2022_PROGRAM_ID

    async def get_supply(self) -> int:
        """Return the K-GPU supply in KRW from `getTokenSupply` on the mint.

        Raises:
            MintNotFoundError: the mint does not exist, so the program is not initialized.
        """
        try:
            response = await self._call("getTokenSupply", self.rpc.get_token_supply(self.mint, self.commitment))
        except RpcResponseError as error:
            account = await self._call("getAccountInfo", self.rpc.get_account_info(self.mint, commitment=self.commitment))
            if account.value is None:
                url = str(self.rpc._provider.endpoint_uri)  # noqa: SLF001 - solana-py has no public accessor
                raise MintNotFoundError(mint=str(self.mint), url=url) from error
            raise
        return int(response.value.amount)

    async def get_capacity(self) -> int:
        """Return the capacity of the latest attestation in KRW, 0 before the first one."""
        return (await self.get_config()).capacity

    async def get_token_balance(self, owner: Pubkey) -> int:
        """Return the K-GPU balance in KRW of the owner's associated token account, 0 when it does not exist."""
        response = await self._call(
            "getAccountInfo", self.rpc.get_account_info(self.token_account(owner), commitment=self.commitment)
        )
        account = response.value
        if account is None:
            return 0
        # Token-2022 accounts start with the SPL Token layout: mint, owner, then amount at offset 64.
        return int.from_bytes(bytes(account.data)[64:72], "little")

    # -- writes ------------------------------------------------------------------------------

    async def _deployment(self) -> bytes:
        if self._deployment_id is None:
            await self.get_config()
        assert self._deployment_id is not None
        return self._deployment_id

    async def _quorum_instruction(
        self, payload: Payload, signers: Sequence[Keypair], signatures: Sequence[QuorumSignature]
    ) -> Instruction:
        message = encode_message(payload, await self._deployment())
        pairs = [(signer.pubkey(), bytes(signer.sign_message(message))) for signer in signers]
        pairs += [(key, bytes(signature)) for key, signature in signatures]
        if not pairs:
            raise ValueError("a quorum-checked instruction needs oracle signers or signatures")
        return build_ed25519_instruction(message, pairs)

    async def initialize(
        self,
        *,
        admin: Keypair,
        registry_authority: Pubkey,
        deployment_id: bytes,
        haircut_bps: int,
        max_attestation_age: int,
        oracles: Sequence[Pubkey],
        threshold: int,
        name: str = "",
        symbol: str = "",
        uri: str = "",
    ) -> SentTransaction:
        """Send `initialize` and `initialize_mint` in one transaction. `admin` must be the program's upgrade authority and pays.

        See :func:`kgpu.token.initialize_instruction` and :func:`kgpu.token.initialize_mint_instruction`
        for the arguments.
        """
        instructions = [
            initialize_instruction(
                admin=admin.pubkey(),
                registry_authority=registry_authority,
                deployment_id=deployment_id,
                haircut_bps=haircut_bps,
                max_attestation_age=max_attestation_age,
                oracles=oracles,
                threshold=threshold,
                program_id=self.program_id,
            ),
            initialize_mint_instruction(admin=admin.pubkey(), name=name, symbol=symbol, uri=uri, program_id=self.program_id),
        ]
        sent = await self.sender.send(instructions, payer=admin)
        self._deployment_id = deployment_id
        return sent

    async def initialize_mint(self, *, admin: Keypair, name: str = "", symbol: str = "", uri: str = "") -> SentTransaction:
        """Send `initialize_mint` alone, for a config that `initialize` created without the mint. `admin` is the config admin."""
        instruction = initialize_mint_instruction(admin=admin.pubkey(), name=name, symbol=symbol, uri=uri, program_id=self.program_id)
        return await self.sender.send([instruction], payer=admin)

    async def update_oracle_set(self, *, admin: Keypair, oracles: Sequence[Pubkey], threshold: int) -> SentTransaction:
        """Send `update_oracle_set`, signed and paid by the admin."""
        instruction = update_oracle_set_instruction(
            admin=admin.pubkey(), oracles=oracles, threshold=threshold, program_id=self.program_id
        )
        return await self.sender.send([instruction], payer=admin)

    async def update_params(
        self,
        *,
        admin: Keypair,
        haircut_bps: int,
        max_attestation_age: int,
        mint_paused: bool,
        blocked_jurisdictions: Sequence[bytes] = DEFAULT_BLOCKED_JURISDICTIONS,
        approved_programs: Sequence[Pubkey] = (),
    ) -> SentTransaction:
        """Send `update_params`, signed and paid by the admin. Every field is replaced."""
        instruction = update_params_instruction(
            admin=admin.pubkey(),
            haircut_bps=haircut_bps,
            max_attestation_age=max_attestation_age,
            mint_paused=mint_paused,
            blocked_jurisdictions=blocked_jurisdictions,
            approved_programs=approved_programs,
            program_id=self.program_id,
        )
        return await self.sender.send([instruction], payer=admin)

    async def create_token_account(self, *, payer: Keypair, owner: Pubkey) -> Pubkey:
        """Create the owner's K-GPU associated token account unless it exists, and return its address.

        The account starts frozen (the mint's default state) until `set_kyc` thaws it.
        """
        instruction = create_idempotent_associated_token_account(
            payer.pubkey(), owner, self.mint, TOKEN_2022_PROGRAM_ID
        )
        await self.sender.send([instruction], payer=payer)
        return self.token_account(owner)

    async def set_kyc(
        self,
        *,
        registry_authority: Keypair,
        payer: Keypair,
        wallet: Pubkey,
        jurisdiction: bytes,
        level: int,
        expires_at: int,
        revoked: bool = False,
        token_accounts: Sequence[Pubkey] | None = None,
    ) -> SentTransaction:
        """Send `set_kyc`. `token_accounts` defaults to the wallet's associated token account when it exists."""
        if token_accounts is None:
            ata = self.token_account(wallet)
            existing = await self._call("getAccountInfo", self.rpc.get_account_info(ata, commitment=self.commitment))
            token_accounts = [ata] if existing.value is not None else []
        instruction = set_kyc_instruction(
            registry_authority=registry_authority.pubkey(),
            payer=payer.pubkey(),
            wallet=wallet,
            jurisdiction=jurisdiction,
            level=level,
            expires_at=expires_at,
            revoked=revoked,
            token_accounts=token_accounts,
            program_id=self.program_id,
        )
        return await self.sender.send([instruction], payer=payer, signers=[registry_authority])

    async def attest_collateral(
        self,
        payload: AttestCollateral,
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        signatures: Sequence[QuorumSignature] = (),
    ) -> SentTransaction:
        """Send `attest_collateral` with the quorum's Ed25519 instruction before it."""
        quorum = await self._quorum_instruction(payload, signers, signatures)
        instruction = attest_collateral_instruction(payload, program_id=self.program_id)
        return await self.sender.send([quorum, instruction], payer=payer)

    async def mint_deposit(
        self,
        payload: MintDeposit,
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        signatures: Sequence[QuorumSignature] = (),
        destination: Pubkey | None = None,
    ) -> SentTransaction:
        """Send `mint_deposit` with the quorum's Ed25519 instruction before it.

        `destination` defaults to the beneficiary's associated token account, which must exist.
        """
        quorum = await self._quorum_instruction(payload, signers, signatures)
        instruction = mint_deposit_instruction(
            payload, payer=payer.pubkey(), destination=destination, program_id=self.program_id
        )
        return await self.sender.send([quorum, instruction], payer=payer)

    async def redeem(
        self,
        *,
        holder: Keypair,
        nonce: int,
        amount: int,
        bank_reference_hash: bytes,
        source: Pubkey | None = None,
    ) -> SentTransaction:
        """Send `redeem`, signed and paid by the holder. The request's address is `redemption_address(holder, nonce)`."""
        instruction = redeem_instruction(
            holder=holder.pubkey(),
            nonce=nonce,
            amount=amount,
            bank_reference_hash=bank_reference_hash,
            source=source,
            program_id=self.program_id,
        )
        return await self.sender.send([instruction], payer=holder)

    async def confirm_redemption(
        self,
        payload: ConfirmRedemption,
        *,
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        signatures: Sequence[QuorumSignature] = (),
    ) -> SentTransaction:
        """Send `confirm_redemption` with the quorum's Ed25519 instruction before it."""
        quorum = await self._quorum_instruction(payload, signers, signatures)
        instruction = confirm_redemption_instruction(payload, program_id=self.program_id)
        return await self.sender.send([quorum, instruction], payer=payer)

    async def seize(self, *, admin: Keypair, source: Pubkey, amount: int, reason_hash: bytes) -> SentTransaction:
        """Send `seize`, signed and paid by the admin."""
        instruction = seize_instruction(
            admin=admin.pubkey(), source=source, amount=amount, reason_hash=reason_hash, program_id=self.program_id
        )
        return await self.sender.send([instruction], payer=admin)

    async def thaw_program_account(
        self, *, admin: Keypair, vault: Pubkey, owner_program: Pubkey, seeds: Sequence[bytes]
    ) -> SentTransaction:
        """Send `thaw_program_account`, signed and paid by the admin."""
        instruction = thaw_program_account_instruction(
            admin=admin.pubkey(), vault=vault, owner_program=owner_program, seeds=seeds, program_id=self.program_id
        )
        return await self.sender.send([instruction], payer=admin)
