"""Instruction builders for every `kgpu_market` instruction, byte for byte as the program decodes them.

Instruction data is the Anchor discriminator `sha256("global:<name>")[:8]` followed by the Borsh
arguments in order: integers little-endian, `Vec<T>` as a u32 length then the items. Account lists
follow the IDL (`programs/kgpu_market/idl/kgpu_market.json`) in order and flags.

`settle_receipt` and `slash` need an Ed25519 precompile instruction before them. It carries the
signatures of m oracles of the token program's set over :func:`market_quorum_message`, and
:func:`market_quorum_instruction` builds it.

Every builder takes `program_id` (the market program) and `token_program_id` (the `kgpu_token`
program whose config and K-GPU mint the market uses) for deployments at other addresses.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID, KGPU_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID
from kgpu.market._accounts import MAX_BLOCKED_JURISDICTIONS, MAX_ENERGY_SOURCE, MAX_GPU_COUNT, EnergySource
from kgpu.market._pda import (
    authority_address,
    carbon_mint_address,
    carbon_token_account,
    escrow_vault_address,
    JOB_BUMP,
    find_receipt_address,
    insurance_vault_address,
    job_address,
    job_bump,
    market_address,
    provider_address,
    reward_vault_address,
    stake_vault_address,
)
from kgpu.quorum import SettleReceipt, Slash, build_ed25519_instruction, encode_message
from kgpu.token import (
    INSTRUCTIONS_SYSVAR_ID,
    config_address,
    instruction_discriminator,
    kyc_record_address,
    mint_address,
    program_data_address,
    token_account_address,
)

__all__ = [
    "MarketParams",
    "VaultKind",
    "approve_provider_instruction",
    "claim_rewards_instruction",
    "claim_refund_instruction",
    "close_job_instruction",
    "initialize_carbon_mint_instruction",
    "initialize_market_instruction",
    "initialize_vault_instruction",
    "market_quorum_instruction",
    "market_quorum_message",
    "open_job_instruction",
    "register_provider_instruction",
    "request_unstake_instruction",
    "settle_receipt_instruction",
    "setup_market_instructions",
    "slash_instruction",
    "stake_instruction",
    "sweep_fees_instruction",
    "update_market_params_instruction",
    "withdraw_unstaked_instruction",
]

_U16_MAX = 2**16 - 1
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_GPU_MODEL_BYTES = 32
# Offset of the program id in a quorum message: tag (8 bytes), then version (1 byte).
_MESSAGE_PROGRAM_ID_OFFSET = 9


def _u64(name: str, value: int) -> int:
    if not 0 <= value <= _U64_MAX:
        raise ValueError(f"{name} must be an integer in 0..2^64-1, got {value}")
    return value


def _positive_u64(name: str, value: int) -> int:
    if not 0 < value <= _U64_MAX:
        raise ValueError(f"{name} must be above zero and at most 2^64-1, got {value}")
    return value


def _country_code(name: str, value: bytes) -> bytes:
    if len(value) != 2 or not all(ord("A") <= byte <= ord("Z") for byte in value):
        raise ValueError(f"{name} must be a 2-letter upper-case ISO 3166-1 alpha-2 code such as b'KR', got {value!r}")
    return bytes(value)


def _job_nonce(renter: Pubkey, nonce: int, program_id: Pubkey) -> int:
    bump = job_bump(renter, _u64("nonce", nonce), program_id)
    if bump != JOB_BUMP:
        raise ValueError(
            f"nonce {nonce} gives a job PDA with bump {bump}, but open_job accepts only bump {JOB_BUMP}; "
            "pick another nonce, for example with kgpu.market.find_job_nonce"
        )
    return nonce


def _meta(pubkey: Pubkey, *, writable: bool = False, signer: bool = False) -> AccountMeta:
    return AccountMeta(pubkey, is_signer=signer, is_writable=writable)


@dataclass(frozen=True)
class MarketParams:
    """Market parameters of `initialize_market` and `update_market_params`, checked as the program checks them.

    Raises:
        ValueError: a value is outside the range the program accepts.
    """

    fee_bps: int
    """Protocol fee of each payment in basis points, 0 to 10,000."""
    min_stake_per_gpu: int
    """K-GPU of active stake a provider needs per GPU to get new jobs."""
    unbonding_period: int
    """Seconds between `request_unstake` and `withdraw_unstaked`, at least 0."""
    grid_gco2_per_kwh: int
    """Grams of CO2 per kWh of non-renewable energy, a u32. A deployment choice."""
    blocked_jurisdictions: tuple[bytes, ...] = (b"CN", b"RU")
    """At most 16 upper-case ISO 3166-1 alpha-2 codes. Blocks renters' KYC jurisdictions and providers' regions."""

    def __post_init__(self) -> None:
        if not 0 <= self.fee_bps <= 10_000:
            raise ValueError(f"fee_bps must be 0 to 10,000 basis points, got {self.fee_bps}")
        _u64("min_stake_per_gpu", self.min_stake_per_gpu)
        if not 0 <= self.unbonding_period <= _I64_MAX:
            raise ValueError(f"unbonding_period must be 0 to 2^63-1 seconds, got {self.unbonding_period}")
        if not 0 <= self.grid_gco2_per_kwh <= _U32_MAX:
            raise ValueError(f"grid_gco2_per_kwh must be a u32 number of grams per kWh, got {self.grid_gco2_per_kwh}")
        if len(self.blocked_jurisdictions) > MAX_BLOCKED_JURISDICTIONS:
            raise ValueError(
                f"at most {MAX_BLOCKED_JURISDICTIONS} blocked jurisdictions are allowed, got {len(self.blocked_jurisdictions)}"
            )
        for code in self.blocked_jurisdictions:
            _country_code("a blocked jurisdiction", code)
        # Convert a list argument to the declared tuple, so instances stay hashable.
        object.__setattr__(self, "blocked_jurisdictions", tuple(bytes(code) for code in self.blocked_jurisdictions))

    def encode(self) -> bytes:
        """Return the Borsh bytes: `fee_bps u16, min_stake_per_gpu u64, unbonding_period i64,
        grid_gco2_per_kwh u32, blocked_jurisdictions Vec<[u8; 2]>` (26 + 2 * count bytes)."""
        return (
            struct.pack(
                "<HQqII",
                self.fee_bps,
                self.min_stake_per_gpu,
                self.unbonding_period,
                self.grid_gco2_per_kwh,
                len(self.blocked_jurisdictions),
            )
            + b"".join(self.blocked_jurisdictions)
        )


class VaultKind(IntEnum):
    """The `kind` argument of `initialize_vault`: which K-GPU vault to create."""

    STAKE = 0
    REWARD = 1
    INSURANCE = 2
    ESCROW = 3


def _vault_address(kind: VaultKind, program_id: Pubkey) -> Pubkey:
    derive = {
        VaultKind.STAKE: stake_vault_address,
        VaultKind.REWARD: reward_vault_address,
        VaultKind.INSURANCE: insurance_vault_address,
        VaultKind.ESCROW: escrow_vault_address,
    }[kind]
    return derive(program_id)


def initialize_market_instruction(
    *,
    admin: Pubkey,
    params: MarketParams,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `initialize_market`: create the `Market` account, the first of three setup steps.

    Args:
        admin: Signer and payer. Must be the market program's upgrade authority, and becomes
            `Market.admin`.
        params: The launch parameters.

    The market takes no stake and opens no job until `initialize_carbon_mint` and
    `initialize_vault` of every :class:`VaultKind` have run; :func:`setup_market_instructions`
    builds all six instructions, which fit in one transaction.
    """
    accounts = [
        _meta(admin, writable=True, signer=True),
        _meta(market_address(program_id), writable=True),
        _meta(mint_address(token_program_id)),
        _meta(config_address(token_program_id)),
        _meta(program_data_address(program_id)),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, instruction_discriminator("initialize_market") + params.encode(), accounts)


def initialize_carbon_mint_instruction(*, admin: Pubkey, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID) -> Instruction:
    """Build `initialize_carbon_mint`: create the K-CARBON mint. Signed and paid by `Market.admin`."""
    accounts = [
        _meta(admin, writable=True, signer=True),
        _meta(market_address(program_id), writable=True),
        _meta(carbon_mint_address(program_id), writable=True),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, instruction_discriminator("initialize_carbon_mint"), accounts)


def initialize_vault_instruction(
    *,
    admin: Pubkey,
    kind: VaultKind,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `initialize_vault`: create the K-GPU vault of `kind`, owned by the authority PDA.

    Signed and paid by `Market.admin`. The vault starts frozen: the token program's admin must
    approve the market program (`update_params`) and thaw it (`thaw_program_account`, seeds
    `["authority", bump]`) before it can move K-GPU.
    """
    kind = VaultKind(kind)
    accounts = [
        _meta(admin, writable=True, signer=True),
        _meta(market_address(program_id), writable=True),
        _meta(_vault_address(kind, program_id), writable=True),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, instruction_discriminator("initialize_vault") + bytes([kind]), accounts)


def setup_market_instructions(
    *,
    admin: Pubkey,
    params: MarketParams,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> list[Instruction]:
    """Build the three setup steps in order: `initialize_market`, `initialize_carbon_mint` and
    `initialize_vault` for each :class:`VaultKind`. They fit in one transaction."""
    vaults = [
        initialize_vault_instruction(admin=admin, kind=kind, program_id=program_id, token_program_id=token_program_id)
        for kind in VaultKind
    ]
    return [
        initialize_market_instruction(admin=admin, params=params, program_id=program_id, token_program_id=token_program_id),
        initialize_carbon_mint_instruction(admin=admin, program_id=program_id),
        *vaults,
    ]


def update_market_params_instruction(
    *, admin: Pubkey, params: MarketParams, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID
) -> Instruction:
    """Build `update_market_params`: replace every market parameter. Signed by `Market.admin`.

    A new unbonding period applies to later `request_unstake` calls and a new minimum stake to
    later `open_job` calls.
    """
    accounts = [_meta(market_address(program_id), writable=True), _meta(admin, signer=True)]
    return Instruction(program_id, instruction_discriminator("update_market_params") + params.encode(), accounts)


def register_provider_instruction(
    *,
    authority: Pubkey,
    node_key: Pubkey,
    gpu_model: str | bytes,
    gpu_count: int,
    region: bytes,
    energy_source: EnergySource | int,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
) -> Instruction:
    """Build `register_provider`: create the provider wallet's `Provider` account, not approved, no stake.

    Accounts: the wallet (writable, signer), the `Provider` account at :func:`provider_address`
    (writable), the market (writable), the authority PDA `["authority"]`, which is the base of the
    Provider address and which the program signs for, and the System program.

    Args:
        authority: Provider wallet. Signs and pays for the account.
        node_key: Ed25519 key that signs usage receipts off chain.
        gpu_model: At most 32 UTF-8 bytes, zero padded on chain.
        gpu_count: 1 to 4096.
        region: ISO 3166-1 alpha-2 code of the data centre, upper case, for example `b"KR"`.
        energy_source: 0 grid to 5 mixed, see :class:`EnergySource`.

    Raises:
        ValueError: a value is outside the range the program accepts.
    """
    model = gpu_model.encode() if isinstance(gpu_model, str) else bytes(gpu_model)
    if len(model) > _GPU_MODEL_BYTES:
        raise ValueError(f"gpu_model may have at most {_GPU_MODEL_BYTES} UTF-8 bytes, got {len(model)}")
    if not 1 <= gpu_count <= MAX_GPU_COUNT:
        raise ValueError(f"gpu_count must be 1 to {MAX_GPU_COUNT}, got {gpu_count}")
    if not 0 <= energy_source <= MAX_ENERGY_SOURCE:
        raise ValueError(f"energy_source must be 0 (grid) to {MAX_ENERGY_SOURCE} (mixed), got {energy_source}")
    data = (
        instruction_discriminator("register_provider")
        + bytes(node_key)
        + model.ljust(_GPU_MODEL_BYTES, b"\0")
        + struct.pack("<I", gpu_count)
        + _country_code("region", region)
        + struct.pack("<B", int(energy_source))
    )
    accounts = [
        _meta(authority, writable=True, signer=True),
        _meta(provider_address(authority, program_id), writable=True),
        _meta(market_address(program_id), writable=True),
        _meta(authority_address(program_id)),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def approve_provider_instruction(
    *,
    registry_authority: Pubkey,
    provider: Pubkey,
    approved: bool = True,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `approve_provider`: set or clear `Provider.approved`.

    Args:
        registry_authority: Signer. Must be the registry authority of the token config.
        provider: The `Provider` account (see :func:`provider_address`), not the wallet.
        approved: False withdraws the approval. Open jobs still settle.
    """
    data = instruction_discriminator("approve_provider") + struct.pack("<?", approved)
    accounts = [
        _meta(market_address(program_id)),
        _meta(config_address(token_program_id)),
        _meta(registry_authority, signer=True),
        _meta(provider, writable=True),
    ]
    return Instruction(program_id, data, accounts)


def stake_instruction(
    *,
    authority: Pubkey,
    amount: int,
    source: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `stake`: move `amount` K-GPU (above zero) from the provider's token account into the stake vault.

    `source` defaults to the authority's K-GPU associated token account.
    """
    data = instruction_discriminator("stake") + struct.pack("<Q", _positive_u64("amount", amount))
    accounts = [
        _meta(authority, signer=True),
        _meta(provider_address(authority, program_id), writable=True),
        _meta(market_address(program_id), writable=True),
        _meta(source or token_account_address(authority, token_program_id), writable=True),
        _meta(stake_vault_address(program_id), writable=True),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def request_unstake_instruction(
    *, authority: Pubkey, amount: int, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID
) -> Instruction:
    """Build `request_unstake`: move `amount` K-GPU (1 to the active stake) into unbonding.

    A new request restarts the unbonding period for all stake still unbonding. While the provider
    has open jobs (`Provider.open_jobs`), the program rejects a request that would leave less than
    `min_stake_per_gpu * gpu_count` active with `InsufficientStake`.
    """
    data = instruction_discriminator("request_unstake") + struct.pack("<Q", _positive_u64("amount", amount))
    accounts = [
        _meta(authority, signer=True),
        _meta(provider_address(authority, program_id), writable=True),
        _meta(market_address(program_id), writable=True),
    ]
    return Instruction(program_id, data, accounts)


def _vault_payout_accounts(
    vault: Pubkey, authority: Pubkey, destination: Pubkey | None, program_id: Pubkey, token_program_id: Pubkey
) -> list[AccountMeta]:
    return [
        _meta(authority, signer=True),
        _meta(provider_address(authority, program_id), writable=True),
        _meta(market_address(program_id), writable=True),
        _meta(destination or token_account_address(authority, token_program_id), writable=True),
        _meta(vault, writable=True),
        _meta(authority_address(program_id)),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]


def withdraw_unstaked_instruction(
    *,
    authority: Pubkey,
    destination: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `withdraw_unstaked`: after `Provider.unbonding_end`, pay all unbonding stake back.

    `destination` defaults to the authority's K-GPU associated token account.
    """
    accounts = _vault_payout_accounts(stake_vault_address(program_id), authority, destination, program_id, token_program_id)
    return Instruction(program_id, instruction_discriminator("withdraw_unstaked"), accounts)


def claim_rewards_instruction(
    *,
    authority: Pubkey,
    destination: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `claim_rewards`: pay the provider's accrued fee rewards from the reward vault.

    The program first moves all unswept fees from the escrow vault to the reward vault, so the
    escrow vault is the ninth account. `destination` defaults to the authority's K-GPU associated
    token account.
    """
    accounts = _vault_payout_accounts(reward_vault_address(program_id), authority, destination, program_id, token_program_id)
    accounts.append(_meta(escrow_vault_address(program_id), writable=True))
    return Instruction(program_id, instruction_discriminator("claim_rewards"), accounts)


def sweep_fees_instruction(
    *,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `sweep_fees`: move the fees `settle_receipt` booked from the escrow vault to the reward vault.

    Anyone may send it, and it needs no signer besides the fee payer. With `Market.unswept_fees` at
    zero the program succeeds without a transfer.
    """
    accounts = [
        _meta(market_address(program_id), writable=True),
        _meta(escrow_vault_address(program_id), writable=True),
        _meta(reward_vault_address(program_id), writable=True),
        _meta(authority_address(program_id)),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]
    return Instruction(program_id, instruction_discriminator("sweep_fees"), accounts)


def open_job_instruction(
    *,
    renter: Pubkey,
    provider: Pubkey,
    nonce: int,
    price_per_gpu_hour: int,
    budget: int,
    end_time: int,
    source: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `open_job`: create the job at `job_address(renter, nonce)` and move `budget` into escrow.

    Args:
        renter: Signer and payer. Needs a valid KYC record in the token program.
        provider: The `Provider` account, approved and staked. Its open job count goes up by one.
        nonce: A u64 the renter has not used for another job, whose job PDA has canonical bump
            255 (:func:`kgpu.market.find_job_nonce` picks one).
        price_per_gpu_hour: K-GPU per GPU-hour, above zero.
        budget: K-GPU moved into escrow, above zero.
        end_time: Unix seconds in the future. From then on anyone may close the job.
        source: Defaults to the renter's K-GPU associated token account.

    Raises:
        ValueError: a value is outside the range the program accepts, or the job PDA of
            `nonce` has a bump below 255.
    """
    if not 0 < end_time <= _I64_MAX:
        raise ValueError(f"end_time must be unix seconds above zero, got {end_time}")
    data = instruction_discriminator("open_job") + struct.pack(
        "<QQQq",
        _job_nonce(renter, nonce, program_id),
        _positive_u64("price_per_gpu_hour", price_per_gpu_hour),
        _positive_u64("budget", budget),
        end_time,
    )
    accounts = [
        _meta(renter, writable=True, signer=True),
        _meta(job_address(renter, nonce, program_id), writable=True),
        _meta(market_address(program_id), writable=True),
        _meta(provider, writable=True),
        _meta(config_address(token_program_id)),
        _meta(kyc_record_address(renter, token_program_id)),
        _meta(source or token_account_address(renter, token_program_id), writable=True),
        _meta(escrow_vault_address(program_id), writable=True),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def close_job_instruction(
    *,
    caller: Pubkey,
    job: Pubkey,
    renter: Pubkey,
    provider: Pubkey,
    destination: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `close_job`: refund the job's escrow to the renter and close the job.

    When `destination` is not a usable K-GPU account of the renter (missing, frozen, another
    mint or owner, or requiring memos), the program closes the job anyway and books the refund
    in `Job.refund_due` for `claim_refund_instruction`.

    Args:
        caller: Signer. The renter or `Job.provider_authority` at any time, anyone else from
            `Job.end_time` on. The refund goes to the renter either way.
        job: The `Job` account.
        renter: `Job.renter`, whose K-GPU associated token account is the default `destination`.
        provider: `Job.provider`, the `Provider` account whose open job count goes down by one.
    """
    accounts = [
        _meta(caller, signer=True),
        _meta(job, writable=True),
        _meta(market_address(program_id), writable=True),
        _meta(destination or token_account_address(renter, token_program_id), writable=True),
        _meta(escrow_vault_address(program_id), writable=True),
        _meta(authority_address(program_id)),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(provider, writable=True),
    ]
    return Instruction(program_id, instruction_discriminator("close_job"), accounts)


def claim_refund_instruction(
    *,
    job: Pubkey,
    renter: Pubkey,
    destination: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `claim_refund`: pay a closed job's `refund_due` to the renter and set it to zero.

    Needs no signer besides the fee payer. The program rejects a `destination` that is not a
    K-GPU account owned by the renter, and the token program rejects a frozen one.

    Args:
        job: The `Job` account.
        renter: `Job.renter`, whose K-GPU associated token account is the default `destination`.
    """
    accounts = [
        _meta(job, writable=True),
        _meta(market_address(program_id), writable=True),
        _meta(destination or token_account_address(renter, token_program_id), writable=True),
        _meta(escrow_vault_address(program_id), writable=True),
        _meta(authority_address(program_id)),
        _meta(mint_address(token_program_id)),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]
    return Instruction(program_id, instruction_discriminator("claim_refund"), accounts)


def settle_receipt_instruction(
    payload: SettleReceipt,
    *,
    payer: Pubkey,
    provider: Pubkey,
    provider_authority: Pubkey,
    receipt_bump: int | None = None,
    provider_token_account: Pubkey | None = None,
    provider_carbon_account: Pubkey | None = None,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `settle_receipt`: pay one usage receipt of `payload.job` that the oracle quorum signed.

    Put :func:`market_quorum_instruction` of the same payload before it in the transaction.

    Args:
        payload: The signed kind-16 fields. The data is these 112 bytes and the receipt bump.
        payer: Signer that pays for the `Receipt` record.
        provider: `Job.provider`, the `Provider` account.
        provider_authority: `Job.provider_authority`, owner of the accounts paid.
        receipt_bump: Bump of the receipt PDA. Defaults to the canonical one.
        provider_token_account: Defaults to the provider authority's K-GPU associated token account.
        provider_carbon_account: Defaults to its K-CARBON associated token account.
    """
    record, canonical_bump = find_receipt_address(payload.job, payload.sequence, program_id)
    bump = canonical_bump if receipt_bump is None else receipt_bump
    if not 0 <= bump <= 255:
        raise ValueError(f"receipt_bump must be 0 to 255, got {bump}")
    data = instruction_discriminator("settle_receipt") + payload.encode() + bytes([bump])
    accounts = [
        _meta(payer, writable=True, signer=True),
        _meta(market_address(program_id), writable=True),
        _meta(config_address(token_program_id)),
        _meta(payload.job, writable=True),
        _meta(provider, writable=True),
        _meta(record, writable=True),
        _meta(escrow_vault_address(program_id), writable=True),
        _meta(provider_token_account or token_account_address(provider_authority, token_program_id), writable=True),
        _meta(carbon_mint_address(program_id), writable=True),
        _meta(provider_carbon_account or carbon_token_account(provider_authority, program_id), writable=True),
        _meta(authority_address(program_id)),
        _meta(mint_address(token_program_id)),
        _meta(INSTRUCTIONS_SYSVAR_ID),
        _meta(TOKEN_2022_PROGRAM_ID),
        _meta(SYSTEM_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def slash_instruction(
    payload: Slash,
    *,
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
    token_program_id: Pubkey = KGPU_TOKEN_PROGRAM_ID,
) -> Instruction:
    """Build `slash`: take `payload.amount` K-GPU of stake from `payload.provider` and pay `payload.recipient`.

    The data is the signed kind-17 payload. `payload.provider` is the `Provider` account and
    `payload.recipient` a K-GPU token account: the affected renter's or the insurance vault.
    Put :func:`market_quorum_instruction` of the same payload before it in the transaction.
    """
    data = instruction_discriminator("slash") + payload.encode()
    accounts = [
        _meta(market_address(program_id), writable=True),
        _meta(config_address(token_program_id)),
        _meta(payload.provider, writable=True),
        _meta(stake_vault_address(program_id), writable=True),
        _meta(payload.recipient, writable=True),
        _meta(authority_address(program_id)),
        _meta(mint_address(token_program_id)),
        _meta(INSTRUCTIONS_SYSVAR_ID),
        _meta(TOKEN_2022_PROGRAM_ID),
    ]
    return Instruction(program_id, data, accounts)


def market_quorum_message(
    payload: SettleReceipt | Slash, deployment_id: bytes, *, program_id: Pubkey = KGPU_MARKET_PROGRAM_ID
) -> bytes:
    """Build the bytes each oracle signs for a kind-16 (`SettleReceipt`) or kind-17 (`Slash`) payload.

    The layout is :func:`kgpu.quorum.encode_message`'s: tag, version, program id, the token
    config's 32-byte `deployment_id`, kind, payload. `program_id` replaces the market program id
    of that layout for a market deployed at another address.
    """
    message = encode_message(payload, deployment_id)
    if program_id == payload.PROGRAM_ID:
        return message
    end = _MESSAGE_PROGRAM_ID_OFFSET + 32
    return message[:_MESSAGE_PROGRAM_ID_OFFSET] + bytes(program_id) + message[end:]


def market_quorum_instruction(
    payload: SettleReceipt | Slash,
    deployment_id: bytes,
    *,
    signers: Sequence[Keypair] = (),
    signatures: Sequence[tuple[Pubkey, bytes]] = (),
    program_id: Pubkey = KGPU_MARKET_PROGRAM_ID,
) -> Instruction:
    """Build the Ed25519 precompile instruction that carries the quorum's signatures of `payload`.

    Args:
        payload: The kind-16 or kind-17 payload.
        deployment_id: `Config.deployment_id` of the token program.
        signers: Oracle keypairs held locally. Each signs the message here.
        signatures: `(oracle key, 64-byte signature)` pairs gathered elsewhere.

    Raises:
        ValueError: neither signers nor signatures were given.
    """
    message = market_quorum_message(payload, deployment_id, program_id=program_id)
    pairs = [(signer.pubkey(), bytes(signer.sign_message(message))) for signer in signers]
    pairs += [(key, bytes(signature)) for key, signature in signatures]
    if not pairs:
        raise ValueError("a quorum-checked instruction needs oracle signers or signatures")
    return build_ed25519_instruction(message, pairs)
