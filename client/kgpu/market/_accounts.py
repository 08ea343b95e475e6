"""Decoded views of the `kgpu_market` accounts.

Each account is the Anchor discriminator `sha256("account:<Name>")[:8]` followed by fixed-size
Borsh fields, so every account type has one size. K-GPU amounts are KRW (0 decimals), times are
unix seconds. Offsets are from the start of the data:

```text
Market (456)    8 admin | 40 kgpu_mint | 72 carbon_mint | 104 token_config | 136 stake_vault
                | 168 reward_vault | 200 insurance_vault | 232 escrow_vault | 264 min_stake_per_gpu
                | 272 unbonding_period i64 | 280 reward_per_share | 288 total_active_stake
                | 296 total_unbonding_stake | 304 total_staked | 312 total_withdrawn
                | 320 total_slashed | 328 unallocated_fees | 336 total_fees
                | 344 total_rewards_claimed | 352 total_renewable_wh | 360 total_co2_grams
                | 368 total_paid | 376 total_escrowed | 384 job_count | 392 provider_count
                | 400 grid_gco2_per_kwh u32 | 404 fee_bps u16 | 406 bump | 407 authority_bump
                | 408 blocked_count | 409 blocked_jurisdictions [2; 16] | 441 initialized_parts | 442 reserved [6]
                | 448 unswept_fees
Provider (248)  8 authority | 40 node_key | 72 gpu_model [32] | 104 active_stake
                | 112 unbonding_stake | 120 unbonding_end i64 | 128 total_staked
                | 136 total_withdrawn | 144 total_slashed | 152 reward_debt | 160 accrued_rewards
                | 168 claimed_rewards | 176 slash_count | 184 registered_at i64 | 192 total_earned
                | 200 carbon_credits | 208 co2_grams | 216 gpu_seconds | 224 receipt_count
                | 232 gpu_count u32 | 236 region [2] | 238 energy_source | 239 approved
                | 240 reserved [4] | 244 open_jobs u32
Job (248)       8 renter | 40 provider | 72 provider_authority | 104 nonce | 112 price_per_gpu_hour
                | 120 funded | 128 escrowed | 136 paid | 144 fees | 152 refunded | 160 opened_at i64
                | 168 end_time i64 | 176 last_sequence | 184 receipt_count | 192 gpu_seconds
                | 200 energy_wh | 208 renewable_wh | 216 co2_grams | 224 closed_at i64
                | 232 gpu_count u32 | 236 status | 237 bump | 238 reserved [2] | 240 refund_due
Receipt (200)   8 job | 40 provider | 72 usage_hash [32] | 104 sequence | 112 gpu_seconds
                | 120 window_start i64 | 128 window_end i64 | 136 energy_wh | 144 renewable_wh
                | 152 payment | 160 fee | 168 co2_grams | 176 settled_at i64 | 184 slot | 192 bump
```

Unmarked integers are u64. The program's source of truth is `programs/kgpu_market/src/state.rs`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Union

from solders.pubkey import Pubkey

from kgpu.token import AccountDecodeError as TokenAccountDecodeError
from kgpu.token import account_discriminator

__all__ = [
    "JOB_PROVIDER_OFFSET",
    "JOB_RENTER_OFFSET",
    "JOB_STATUS_OFFSET",
    "MAX_BLOCKED_JURISDICTIONS",
    "MAX_ENERGY_SOURCE",
    "MAX_GPU_COUNT",
    "PROVIDER_AUTHORITY_OFFSET",
    "REWARD_SCALE",
    "AccountDecodeError",
    "EnergySource",
    "Job",
    "JobStatus",
    "Market",
    "MarketAccount",
    "Provider",
    "Receipt",
    "decode_account",
]

MAX_BLOCKED_JURISDICTIONS = 16
MAX_GPU_COUNT = 4096
MAX_ENERGY_SOURCE = 5
REWARD_SCALE = 10**12
"""Scale of `Market.reward_per_share`: fees per staked K-GPU unit times 10^12."""

JOB_RENTER_OFFSET = 8
JOB_PROVIDER_OFFSET = 40
JOB_STATUS_OFFSET = 236
PROVIDER_AUTHORITY_OFFSET = 8


class AccountDecodeError(TokenAccountDecodeError):
    """Raised when account data is not the expected `kgpu_market` account type."""


class EnergySource(IntEnum):
    """`Provider.energy_source`: the power the provider's data centre runs on."""

    GRID = 0
    SOLAR = 1
    WIND = 2
    HYDRO = 3
    GEOTHERMAL = 4
    MIXED = 5


class JobStatus(IntEnum):
    """`Job.status`."""

    OPEN = 0
    """Escrow open, receipts may settle."""
    CLOSED = 1
    """Escrow refunded, no more receipts."""


def _check(data: bytes, name: str, size: int) -> None:
    if len(data) != size:
        raise AccountDecodeError(f"a {name} account has {size} bytes, got {len(data)}: check the address")
    if data[:8] != account_discriminator(name):
        raise AccountDecodeError(f"data does not start with the {name} discriminator: check the address")


def _pubkeys(data: bytes, offset: int, count: int) -> list[Pubkey]:
    return [Pubkey.from_bytes(data[offset + 32 * i : offset + 32 * (i + 1)]) for i in range(count)]


def _bool(name: str, value: int) -> bool:
    if value > 1:
        raise AccountDecodeError(f"{name} must be 0 or 1, got {value}: the account is corrupt")
    return value == 1


ALL_MARKET_PARTS = 0b11111
"""`Market.initialized_parts` once `initialize_carbon_mint` and the four `initialize_vault` calls ran."""


@dataclass(frozen=True)
class Market:
    """Market configuration, vault addresses, reward accumulator and totals (PDA `["market"]`)."""

    NAME: ClassVar[str] = "Market"
    SIZE: ClassVar[int] = 456

    admin: Pubkey
    """May call `update_market_params`."""
    kgpu_mint: Pubkey
    carbon_mint: Pubkey
    token_config: Pubkey
    """The `kgpu_token` config the market reads the oracle set and registry authority from."""
    stake_vault: Pubkey
    reward_vault: Pubkey
    insurance_vault: Pubkey
    escrow_vault: Pubkey
    min_stake_per_gpu: int
    """K-GPU of active stake a provider needs per GPU to get new jobs."""
    unbonding_period: int
    """Seconds between `request_unstake` and `withdraw_unstaked`."""
    reward_per_share: int
    """Fees per staked K-GPU unit, scaled by `REWARD_SCALE`."""
    total_active_stake: int
    total_unbonding_stake: int
    total_staked: int
    """Every stake deposit ever."""
    total_withdrawn: int
    total_slashed: int
    unallocated_fees: int
    """Fees taken while no stake was active. No provider can claim them."""
    total_fees: int
    """Every fee booked, swept or not."""
    total_rewards_claimed: int
    total_renewable_wh: int
    """Equals the K-CARBON supply."""
    total_co2_grams: int
    total_paid: int
    """Paid to providers after fees."""
    total_escrowed: int
    """Sum of every open job's escrow."""
    job_count: int
    provider_count: int
    grid_gco2_per_kwh: int
    """Grams of CO2 per kWh of non-renewable energy."""
    fee_bps: int
    """Protocol fee of each payment in basis points, at most 10,000."""
    bump: int
    authority_bump: int
    blocked_jurisdictions: tuple[bytes, ...]
    """ISO 3166-1 alpha-2 codes as 2 ASCII bytes, for example `b"CN"`."""
    initialized_parts: int = ALL_MARKET_PARTS
    """Bit set of the setup steps done: 1 K-CARBON mint, then 2, 4, 8 and 16 for the stake,
    reward, insurance and escrow vaults."""
    unswept_fees: int = 0
    """Fees `settle_receipt` booked that still sit in the escrow vault. `sweep_fees` and
    `claim_rewards` move them to the reward vault. The escrow vault's balance is
    `total_escrowed + unswept_fees`."""

    @property
    def is_ready(self) -> bool:
        """Whether the K-CARBON mint and all four vaults exist, so the market takes stake and opens jobs."""
        return self.initialized_parts == ALL_MARKET_PARTS

    @classmethod
    def from_bytes(cls, data: bytes) -> Market:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size, discriminator or count."""
        _check(data, cls.NAME, cls.SIZE)
        keys = _pubkeys(data, 8, 8)
        counters = struct.unpack_from("<QqQQQQQQQQQQQQQQQ", data, 264)
        grid, fee_bps, bump, authority_bump, blocked_count = struct.unpack_from("<IHBBB", data, 400)
        if blocked_count > MAX_BLOCKED_JURISDICTIONS:
            raise AccountDecodeError(f"blocked_count {blocked_count} exceeds {MAX_BLOCKED_JURISDICTIONS}: the account is corrupt")
        blocked = tuple(data[409 + 2 * i : 411 + 2 * i] for i in range(blocked_count))
        (unswept_fees,) = struct.unpack_from("<Q", data, 448)
        return cls(*keys, *counters, grid, fee_bps, bump, authority_bump, blocked, data[441], unswept_fees)

    def is_blocked(self, code: bytes) -> bool:
        """Return whether the 2-letter jurisdiction or region `code` is on the blocked list."""
        return code in self.blocked_jurisdictions


@dataclass(frozen=True)
class Provider:
    """A registered GPU node and its stake, at the System address with seed that :func:`kgpu.market.provider_address` derives."""

    NAME: ClassVar[str] = "Provider"
    SIZE: ClassVar[int] = 248

    authority: Pubkey
    """Wallet that registers, stakes and receives payments."""
    node_key: Pubkey
    """Ed25519 key that signs usage receipts off chain."""
    gpu_model: bytes
    """32 bytes of UTF-8, zero padded. :attr:`gpu_model_name` strips the padding."""
    active_stake: int
    unbonding_stake: int
    unbonding_end: int
    """Unix seconds from which the unbonding stake may be withdrawn."""
    total_staked: int
    total_withdrawn: int
    total_slashed: int
    reward_debt: int
    """`active_stake * reward_per_share // REWARD_SCALE` at the last stake change."""
    accrued_rewards: int
    """Earned and not yet claimed, up to the last stake change."""
    claimed_rewards: int
    slash_count: int
    """The next slash must carry `slash_count + 1`."""
    registered_at: int
    total_earned: int
    """Paid by settled receipts after fees."""
    carbon_credits: int
    """K-CARBON minted to the provider, in Wh."""
    co2_grams: int
    gpu_seconds: int
    receipt_count: int
    gpu_count: int
    region: bytes
    """ISO 3166-1 alpha-2 code of the data centre, 2 ASCII bytes."""
    energy_source: EnergySource
    approved: bool
    """Set by the token config's registry authority."""
    open_jobs: int
    """Jobs opened with this provider and not yet closed. While it is above zero, `request_unstake`
    keeps `active_stake` at or above :meth:`required_stake`."""

    @classmethod
    def from_bytes(cls, data: bytes) -> Provider:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size, discriminator or flag."""
        _check(data, cls.NAME, cls.SIZE)
        authority, node_key = _pubkeys(data, 8, 2)
        counters = struct.unpack_from("<QQqQQQQQQQqQQQQQ", data, 104)
        (gpu_count,) = struct.unpack_from("<I", data, 232)
        try:
            energy_source = EnergySource(data[238])
        except ValueError:
            raise AccountDecodeError(f"unknown energy source {data[238]}: the account is corrupt") from None
        approved = _bool("approved", data[239])
        (open_jobs,) = struct.unpack_from("<I", data, 244)
        return cls(
            authority, node_key, data[72:104], *counters, gpu_count, data[236:238], energy_source, approved, open_jobs
        )

    @property
    def gpu_model_name(self) -> str:
        """The GPU model without its zero padding. Invalid UTF-8 bytes become U+FFFD."""
        return self.gpu_model.rstrip(b"\0").decode("utf-8", errors="replace")

    def required_stake(self, market: Market) -> int:
        """Return the active stake `open_job` requires: `min_stake_per_gpu * gpu_count` K-GPU.

        `request_unstake` keeps the same amount active while :attr:`open_jobs` is above zero.
        """
        return market.min_stake_per_gpu * self.gpu_count

    def claimable_rewards(self, market: Market) -> int:
        """Return the K-GPU `claim_rewards` would pay now, by the program's reward formula.

        Earnings since the last stake change are `active_stake * reward_per_share // REWARD_SCALE -
        reward_debt`, and the claim adds `accrued_rewards`.
        """
        earned = self.active_stake * market.reward_per_share // REWARD_SCALE - self.reward_debt
        return self.accrued_rewards + earned


@dataclass(frozen=True)
class Job:
    """A renter's job with a provider and its escrow (PDA `["job", renter, nonce]`).

    Escrow conservation: `paid + fees + refunded + refund_due + escrowed == funded`.
    """

    NAME: ClassVar[str] = "Job"
    SIZE: ClassVar[int] = 248

    renter: Pubkey
    provider: Pubkey
    """The `Provider` account."""
    provider_authority: Pubkey
    """Owner of the token accounts that receive payment and K-CARBON."""
    nonce: int
    price_per_gpu_hour: int
    """K-GPU per GPU-hour."""
    funded: int
    """The budget moved into escrow."""
    escrowed: int
    """Still in escrow."""
    paid: int
    """Paid to the provider after fees."""
    fees: int
    refunded: int
    """Paid back to the renter's token account."""
    opened_at: int
    end_time: int
    """From this unix time on, anyone may close the job."""
    last_sequence: int
    """Highest settled receipt sequence, 0 before the first."""
    receipt_count: int
    gpu_seconds: int
    energy_wh: int
    renewable_wh: int
    co2_grams: int
    closed_at: int
    """Unix seconds, 0 while open."""
    gpu_count: int
    """The provider's GPU count when the job opened."""
    status: JobStatus
    bump: int
    refund_due: int = 0
    """Refund that `close_job` booked because its destination could not receive it, payable by
    `claim_refund`; 0 once paid."""

    @classmethod
    def from_bytes(cls, data: bytes) -> Job:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size, discriminator or status."""
        _check(data, cls.NAME, cls.SIZE)
        renter, provider, provider_authority = _pubkeys(data, 8, 3)
        counters = struct.unpack_from("<QQQQQQQqqQQQQQQq", data, 104)
        (gpu_count,) = struct.unpack_from("<I", data, 232)
        try:
            status = JobStatus(data[236])
        except ValueError:
            raise AccountDecodeError(f"unknown job status {data[236]}: the account is corrupt") from None
        (refund_due,) = struct.unpack_from("<Q", data, 240)
        return cls(renter, provider, provider_authority, *counters, gpu_count, status, data[237], refund_due)

    @property
    def is_open(self) -> bool:
        """Whether receipts may still settle against the job."""
        return self.status == JobStatus.OPEN


@dataclass(frozen=True)
class Receipt:
    """Record of one settled usage receipt (PDA `["receipt", job, sequence]`)."""

    NAME: ClassVar[str] = "Receipt"
    SIZE: ClassVar[int] = 200

    job: Pubkey
    provider: Pubkey
    """The `Provider` account."""
    usage_hash: bytes
    """sha256 of the provider's signed receipt body."""
    sequence: int
    gpu_seconds: int
    window_start: int
    window_end: int
    energy_wh: int
    renewable_wh: int
    payment: int
    """K-GPU taken from escrow, fee included."""
    fee: int
    co2_grams: int
    settled_at: int
    slot: int
    bump: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Receipt:
        """Decode account data. Raises :class:`AccountDecodeError` on a wrong size or discriminator."""
        _check(data, cls.NAME, cls.SIZE)
        job, provider = _pubkeys(data, 8, 2)
        counters = struct.unpack_from("<QQqqQQQQQqQB", data, 104)
        return cls(job, provider, data[72:104], *counters)


MarketAccount = Union[Market, Provider, Job, Receipt]

_ACCOUNT_TYPES: dict[bytes, type[Market] | type[Provider] | type[Job] | type[Receipt]] = {
    account_discriminator(account_type.NAME): account_type for account_type in (Market, Provider, Job, Receipt)
}


def decode_account(data: bytes) -> MarketAccount:
    """Decode any `kgpu_market` account by its discriminator.

    Raises:
        AccountDecodeError: the discriminator is not one of the four account types, or the data
            does not decode as that type.
    """
    account_type = _ACCOUNT_TYPES.get(bytes(data[:8]))
    if account_type is None:
        raise AccountDecodeError(f"unknown kgpu_market account discriminator {bytes(data[:8]).hex()}: check the address")
    return account_type.from_bytes(data)
