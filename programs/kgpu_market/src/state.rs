//! Account layouts of the market program.
//!
//! Every account starts with the Anchor account discriminator `sha256("account:<Name>")[..8]`,
//! and every field after it is Borsh: integers little-endian, fixed arrays back to back, `bool`
//! one byte. Fields are ordered so that every integer sits at a multiple of its size and the
//! structs need no padding; the runtime places account data at 8-byte aligned addresses, so a
//! view is a cast of the account data and reads each integer with one load. The BPF backend
//! splits a misaligned 8-byte access into eight byte accesses, which costs several times more
//! compute.
//!
//! # Market, PDA `["market"]`, 456 bytes
//!
//! ```text
//! 0    8   discriminator          sha256("account:Market")[..8]
//! 8    32  admin                  may call update_market_params
//! 40   32  kgpu_mint              K-GPU mint, read from the token program's config
//! 72   32  carbon_mint            K-CARBON mint, PDA ["carbon_mint"], 1 unit = 1 Wh renewable
//! 104  32  token_config           the token program's config PDA ["config"]
//! 136  32  stake_vault            PDA ["stake_vault"], K-GPU token account
//! 168  32  reward_vault           PDA ["reward_vault"], swept fees until stakers claim them
//! 200  32  insurance_vault        PDA ["insurance_vault"], a slash recipient the quorum may name
//! 232  32  escrow_vault           PDA ["escrow_vault"], every job's escrow and the unswept
//!                                 fees
//! 264  8   min_stake_per_gpu      u64 K-GPU
//! 272  8   unbonding_period       i64 seconds
//! 280  8   reward_per_share       u64, fees per staked unit scaled by 10^12
//! 288  8   total_active_stake     u64
//! 296  8   total_unbonding_stake  u64
//! 304  8   total_staked           u64, every stake deposit ever
//! 312  8   total_withdrawn        u64
//! 320  8   total_slashed          u64
//! 328  8   unallocated_fees       u64, fees taken while no stake was active
//! 336  8   total_fees             u64, every fee booked, swept or not
//! 344  8   total_rewards_claimed  u64
//! 352  8   total_renewable_wh     u64, equals the K-CARBON supply
//! 360  8   total_co2_grams        u64
//! 368  8   total_paid             u64, paid to providers after fees
//! 376  8   total_escrowed         u64, every open job's escrow plus every closed job's
//!                                 refund_due
//! 384  8   job_count              u64
//! 392  8   provider_count         u64
//! 400  4   grid_gco2_per_kwh      u32 grams CO2 per kWh of non-renewable energy
//! 404  2   fee_bps                u16, protocol fee of each payment, at most 10,000
//! 406  1   bump                   canonical bump of ["market"]
//! 407  1   authority_bump         canonical bump of ["authority"], owner of the vaults
//! 408  1   blocked_count          0..=16
//! 409  32  blocked_jurisdictions  [[u8; 2]; 16] ISO 3166-1 alpha-2, first blocked_count used
//! 441  1   initialized_parts      bit set: 1 K-CARBON mint, 2 stake, 4 reward, 8 insurance,
//!                                 16 escrow vault; 31 when the market is ready
//! 442  6   reserved
//! 448  8   unswept_fees           u64, fees booked by settle_receipt that still sit in the
//!                                 escrow vault
//! ```
//! Vault balances: the escrow vault's balance is `total_escrowed + unswept_fees`. The reward
//! vault's balance plus `unswept_fees` is `total_fees - total_rewards_claimed`, which covers every
//! reward stakers can claim; rounding remainders and `unallocated_fees` stay unclaimed.
//! `sweep_fees` and `claim_rewards` move `unswept_fees` to the reward vault and zero it.
//!
//! # Provider, at `address_with_seed(vault authority, hex_seed(authority), program id)`, 248 bytes
//!
//! ```text
//! 0    8   discriminator     sha256("account:Provider")[..8]
//! 8    32  authority         wallet that registers, stakes and receives payments
//! 40   32  node_key          ed25519 key that signs usage receipts off chain
//! 72   32  gpu_model         UTF-8, zero padded
//! 104  8   active_stake      u64
//! 112  8   unbonding_stake   u64
//! 120  8   unbonding_end     i64 unix seconds from which unbonding stake may be withdrawn
//! 128  8   total_staked      u64
//! 136  8   total_withdrawn   u64
//! 144  8   total_slashed     u64
//! 152  8   reward_debt       u64, active_stake * reward_per_share / 10^12 at the last update
//! 160  8   accrued_rewards   u64, earned and not yet claimed
//! 168  8   claimed_rewards   u64
//! 176  8   slash_count       u64, the next slash must carry slash_count + 1
//! 184  8   registered_at     i64
//! 192  8   total_earned      u64, paid by settled receipts after fees
//! 200  8   carbon_credits    u64, K-CARBON minted to the provider
//! 208  8   co2_grams         u64
//! 216  8   gpu_seconds       u64
//! 224  8   receipt_count     u64
//! 232  4   gpu_count         u32, 1..=4096
//! 236  2   region            ISO 3166-1 alpha-2 of the data centre
//! 238  1   energy_source     0 grid, 1 solar, 2 wind, 3 hydro, 4 geothermal, 5 mixed
//! 239  1   approved          bool, set by the registry authority
//! 240  4   reserved
//! 244  4   open_jobs         u32, jobs opened with this provider and not yet closed
//! ```
//! While `open_jobs` is above zero, `request_unstake` keeps `active_stake` at or above
//! `min_stake_per_gpu * gpu_count`.
//!
//! # Job, PDA `["job", renter, nonce as u64 LE]`, 248 bytes
//!
//! ```text
//! 0    8   discriminator       sha256("account:Job")[..8]
//! 8    32  renter
//! 40   32  provider            the Provider account
//! 72   32  provider_authority  owner of the token accounts that receive payment and credits
//! 104  8   nonce               u64
//! 112  8   price_per_gpu_hour  u64 K-GPU
//! 120  8   funded              u64, the budget moved into escrow
//! 128  8   escrowed            u64, still in escrow
//! 136  8   paid                u64, paid to the provider after fees
//! 144  8   fees                u64
//! 152  8   refunded            u64, paid back to the renter's token account
//! 160  8   opened_at           i64
//! 168  8   end_time            i64; from then on anyone may close the job
//! 176  8   last_sequence       u64, highest settled receipt sequence, 0 before the first
//! 184  8   receipt_count       u64
//! 192  8   gpu_seconds         u64
//! 200  8   energy_wh           u64
//! 208  8   renewable_wh        u64
//! 216  8   co2_grams           u64
//! 224  8   closed_at           i64, 0 while open
//! 232  4   gpu_count           u32, the provider's count when the job opened
//! 236  1   status              0 open, 1 closed
//! 237  1   bump
//! 238  2   reserved
//! 240  8   refund_due          u64, refund booked by close_job and not paid yet, see below
//! ```
//! Escrow conservation: `paid + fees + refunded + refund_due + escrowed == funded` after every
//! instruction.
//!
//! `close_job` books the refund in `refund_due` instead of paying it when the destination is not
//! a usable K-GPU account of the renter (missing, frozen, wrong mint or owner, or requiring
//! memos). The tokens stay in the escrow vault, counted in `Market.total_escrowed`, until
//! `claim_refund` pays them to a usable account of the renter.
//!
//! # Receipt, PDA `["receipt", job, sequence as u64 LE]`, 200 bytes
//!
//! ```text
//! 0    8   discriminator   sha256("account:Receipt")[..8]
//! 8    32  job
//! 40   32  provider        the Provider account
//! 72   32  usage_hash      sha256 of the provider's signed receipt body
//! 104  8   sequence        u64
//! 112  8   gpu_seconds     u64
//! 120  8   window_start    i64
//! 128  8   window_end      i64
//! 136  8   energy_wh       u64
//! 144  8   renewable_wh    u64
//! 152  8   payment         u64, taken from escrow, fee included
//! 160  8   fee             u64
//! 168  8   co2_grams       u64
//! 176  8   settled_at      i64
//! 184  8   slot            u64
//! 192  1   bump
//! 193  7   reserved
//! ```

use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ops::{Deref, DerefMut};

use kgpu_framework::account::{Ref, RefMut};
use kgpu_framework::discriminator::account_discriminator;
use kgpu_framework::prelude::*;

use crate::error::MarketError;

/// Most blocked jurisdictions in the market config.
pub const MAX_BLOCKED: usize = 16;
/// Scale of [`Market::reward_per_share`]: fees per staked K-GPU unit times 10^12.
pub const REWARD_SCALE: u64 = 1_000_000_000_000;
/// Largest GPU count a provider may register.
pub const MAX_GPU_COUNT: u32 = 4096;
/// Largest energy source code (`5`, mixed).
pub const MAX_ENERGY_SOURCE: u8 = 5;

pub const MARKET_SEED: &[u8] = b"market";
pub const AUTHORITY_SEED: &[u8] = b"authority";
pub const CARBON_MINT_SEED: &[u8] = b"carbon_mint";
pub const STAKE_VAULT_SEED: &[u8] = b"stake_vault";
pub const REWARD_VAULT_SEED: &[u8] = b"reward_vault";
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";
pub const ESCROW_VAULT_SEED: &[u8] = b"escrow_vault";
pub const JOB_SEED: &[u8] = b"job";
pub const RECEIPT_SEED: &[u8] = b"receipt";

/// Job status: escrow open, receipts may settle.
pub const JOB_OPEN: u8 = 0;
/// Job status: escrow refunded or booked in `refund_due`, no more receipts.
pub const JOB_CLOSED: u8 = 1;

/// Returns whether `code` is two upper-case ASCII letters, the shape of ISO 3166-1 alpha-2.
pub fn is_country_code(code: &[u8; 2]) -> bool {
    code[0].is_ascii_uppercase() && code[1].is_ascii_uppercase()
}

/// Checked updates of a stored counter.
pub trait Counter {
    /// Adds `amount`, or returns `ArithmeticOverflow`.
    fn increase(&mut self, amount: u64) -> ProgramResult;
    /// Subtracts `amount`, or returns `ArithmeticOverflow` when it exceeds the value.
    fn decrease(&mut self, amount: u64) -> ProgramResult;
}

impl Counter for u64 {
    #[inline(always)]
    fn increase(&mut self, amount: u64) -> ProgramResult {
        // On SBF, `checked_add` materializes the carry flag in a register before it branches.
        // Comparing with the headroom first takes three instructions fewer per update.
        if amount > u64::MAX - *self {
            return Err(ProgramError::ArithmeticOverflow);
        }
        *self = self.wrapping_add(amount);
        Ok(())
    }

    #[inline(always)]
    fn decrease(&mut self, amount: u64) -> ProgramResult {
        *self = self.checked_sub(amount).ok_or(ProgramError::ArithmeticOverflow)?;
        Ok(())
    }
}

/// A zero-copy account type with a fixed size and an Anchor discriminator.
///
/// # Safety
///
/// Implementors are `#[repr(C)]` structs of integers and byte arrays without padding, whose
/// first 8 bytes are the discriminator, so any `LEN` bytes are a valid value.
pub unsafe trait AccountType: Sized {
    /// `sha256("account:<Name>")[..8]`.
    const DISCRIMINATOR: [u8; 8];
    /// Size of the account data in bytes.
    const LEN: usize = size_of::<Self>();
}

/// Shared view of a program account, holding its data borrow.
pub struct View<'a, T> {
    data: Ref<'a, [u8]>,
    marker: PhantomData<&'a T>,
}

impl<T: AccountType> Deref for View<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `load` checked the size and the alignment of the data.
        unsafe { &*(self.data.as_ptr() as *const T) }
    }
}

/// Mutable view of a program account, holding its data borrow.
pub struct ViewMut<'a, T> {
    data: RefMut<'a, [u8]>,
    marker: PhantomData<&'a mut T>,
}

impl<T: AccountType> Deref for ViewMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `load_mut` or `init` checked the size and the alignment of the data.
        unsafe { &*(self.data.as_ptr() as *const T) }
    }
}

impl<T: AccountType> DerefMut for ViewMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and the mutable borrow is exclusive.
        unsafe { &mut *(self.data.as_mut_ptr() as *mut T) }
    }
}

/// Checks owner, size and alignment. The runtime's aligned input layout always places account
/// data on an 8-byte boundary, so the alignment check only guards against a changed layout.
fn check_type<T: AccountType>(account: &AccountInfo, program_id: &Pubkey) -> ProgramResult {
    account.check_owner(program_id)?;
    if account.data_len() != T::LEN {
        return Err(MarketError::InvalidAccountType.into());
    }
    if account.data_ptr() as usize % align_of::<T>() != 0 {
        return Err(ProgramError::InvalidAccountData);
    }
    Ok(())
}

fn discriminator_matches<T: AccountType>(data: &[u8]) -> bool {
    // SAFETY: `check_type` verified that the data is at least 8 bytes and 8-byte aligned.
    let stored = unsafe { *(data.as_ptr() as *const u64) };
    stored == u64::from_le_bytes(T::DISCRIMINATOR)
}

/// Borrows `account` as a `T` after checking owner, size and discriminator.
pub fn load<'a, T: AccountType>(account: &'a AccountInfo, program_id: &Pubkey) -> Result<View<'a, T>, ProgramError> {
    check_type::<T>(account, program_id)?;
    let data = account.try_borrow_data()?;
    if !discriminator_matches::<T>(&data) {
        return Err(MarketError::InvalidAccountType.into());
    }
    Ok(View { data, marker: PhantomData })
}

/// Borrows `account` mutably as a `T` after the checks of [`load`] and a writable check.
///
/// A duplicate entry of an account already borrowed fails with `AccountBorrowFailed`.
#[inline(always)]
pub fn load_mut<'a, T: AccountType>(
    account: &'a AccountInfo,
    program_id: &Pubkey,
) -> Result<ViewMut<'a, T>, ProgramError> {
    account.check_writable()?;
    check_type::<T>(account, program_id)?;
    let data = account.try_borrow_mut_data()?;
    if !discriminator_matches::<T>(&data) {
        return Err(MarketError::InvalidAccountType.into());
    }
    Ok(ViewMut { data, marker: PhantomData })
}

/// Writes the discriminator into an account this program just created with `T::LEN` zeroed
/// bytes, and returns a mutable view.
#[inline(always)]
pub fn init<'a, T: AccountType>(account: &'a AccountInfo, program_id: &Pubkey) -> Result<ViewMut<'a, T>, ProgramError> {
    check_type::<T>(account, program_id)?;
    let mut data = account.try_borrow_mut_data()?;
    data[..8].copy_from_slice(&T::DISCRIMINATOR);
    Ok(ViewMut { data, marker: PhantomData })
}

/// Asserts at compile time that a layout has the documented size and no padding.
macro_rules! assert_layout {
    ($type:ty, $len:expr, $fields_len:expr) => {
        const _: () = assert!(size_of::<$type>() == $len);
        const _: () = assert!($fields_len == $len);
        const _: () = assert!(align_of::<$type>() == 8);
    };
}

/// Market configuration, vault addresses, reward accumulator and totals. Layout in the module
/// docs.
#[repr(C)]
pub struct Market {
    pub discriminator: [u8; 8],
    pub admin: Pubkey,
    pub kgpu_mint: Pubkey,
    pub carbon_mint: Pubkey,
    pub token_config: Pubkey,
    pub stake_vault: Pubkey,
    pub reward_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub escrow_vault: Pubkey,
    pub min_stake_per_gpu: u64,
    pub unbonding_period: i64,
    pub reward_per_share: u64,
    pub total_active_stake: u64,
    pub total_unbonding_stake: u64,
    pub total_staked: u64,
    pub total_withdrawn: u64,
    pub total_slashed: u64,
    pub unallocated_fees: u64,
    pub total_fees: u64,
    pub total_rewards_claimed: u64,
    pub total_renewable_wh: u64,
    pub total_co2_grams: u64,
    pub total_paid: u64,
    pub total_escrowed: u64,
    pub job_count: u64,
    pub provider_count: u64,
    pub grid_gco2_per_kwh: u32,
    pub fee_bps: u16,
    pub bump: u8,
    pub authority_bump: u8,
    pub blocked_count: u8,
    pub blocked_jurisdictions: [[u8; 2]; MAX_BLOCKED],
    pub initialized_parts: u8,
    pub reserved: [u8; 6],
    pub unswept_fees: u64,
}

assert_layout!(Market, 456, 8 + 32 * 8 + 8 * 17 + 4 + 2 + 1 + 1 + 1 + 32 + 1 + 6 + 8);

// SAFETY: integers and byte arrays without padding, asserted above.
unsafe impl AccountType for Market {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Market");
}

/// Bit of [`Market::initialized_parts`] set by `initialize_carbon_mint`.
pub const PART_CARBON_MINT: u8 = 1;
/// Bit of [`Market::initialized_parts`] set by `initialize_vault` of vault kind `kind` (0..=3).
pub const fn vault_part(kind: u8) -> u8 {
    2 << kind
}
/// [`Market::initialized_parts`] once the K-CARBON mint and all four vaults exist.
pub const ALL_PARTS: u8 = PART_CARBON_MINT | vault_part(0) | vault_part(1) | vault_part(2) | vault_part(3);

impl Market {
    /// Returns `MarketNotReady` unless the K-CARBON mint and all four vaults exist.
    #[inline(always)]
    pub fn check_ready(&self) -> ProgramResult {
        if self.initialized_parts != ALL_PARTS {
            return Err(MarketError::MarketNotReady.into());
        }
        Ok(())
    }

    /// Returns whether `code` is on the market's blocked list.
    pub fn is_blocked(&self, code: &[u8; 2]) -> bool {
        let count = (self.blocked_count as usize).min(MAX_BLOCKED);
        self.blocked_jurisdictions[..count].iter().any(|blocked| blocked == code)
    }
}

/// A registered GPU node and its stake. Layout in the module docs.
#[repr(C)]
pub struct Provider {
    pub discriminator: [u8; 8],
    pub authority: Pubkey,
    pub node_key: Pubkey,
    pub gpu_model: [u8; 32],
    pub active_stake: u64,
    pub unbonding_stake: u64,
    pub unbonding_end: i64,
    pub total_staked: u64,
    pub total_withdrawn: u64,
    pub total_slashed: u64,
    pub reward_debt: u64,
    pub accrued_rewards: u64,
    pub claimed_rewards: u64,
    pub slash_count: u64,
    pub registered_at: i64,
    pub total_earned: u64,
    pub carbon_credits: u64,
    pub co2_grams: u64,
    pub gpu_seconds: u64,
    pub receipt_count: u64,
    pub gpu_count: u32,
    pub region: [u8; 2],
    pub energy_source: u8,
    pub approved: u8,
    pub reserved: [u8; 4],
    pub open_jobs: u32,
}

assert_layout!(Provider, 248, 8 + 32 * 3 + 8 * 16 + 4 + 2 + 1 + 1 + 4 + 4);

// SAFETY: integers and byte arrays without padding, asserted above.
unsafe impl AccountType for Provider {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Provider");
}

/// A renter's job with a provider and its escrow. Layout in the module docs.
#[repr(C)]
pub struct Job {
    pub discriminator: [u8; 8],
    pub renter: Pubkey,
    pub provider: Pubkey,
    pub provider_authority: Pubkey,
    pub nonce: u64,
    pub price_per_gpu_hour: u64,
    pub funded: u64,
    pub escrowed: u64,
    pub paid: u64,
    pub fees: u64,
    pub refunded: u64,
    pub opened_at: i64,
    pub end_time: i64,
    pub last_sequence: u64,
    pub receipt_count: u64,
    pub gpu_seconds: u64,
    pub energy_wh: u64,
    pub renewable_wh: u64,
    pub co2_grams: u64,
    pub closed_at: i64,
    pub gpu_count: u32,
    pub status: u8,
    pub bump: u8,
    pub reserved: [u8; 2],
    pub refund_due: u64,
}

assert_layout!(Job, 248, 8 + 32 * 3 + 8 * 16 + 4 + 1 + 1 + 2 + 8);

// SAFETY: integers and byte arrays without padding, asserted above.
unsafe impl AccountType for Job {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Job");
}

/// Record of one settled usage receipt. Layout in the module docs.
#[repr(C)]
pub struct Receipt {
    pub discriminator: [u8; 8],
    pub job: Pubkey,
    pub provider: Pubkey,
    pub usage_hash: [u8; 32],
    pub sequence: u64,
    pub gpu_seconds: u64,
    pub window_start: i64,
    pub window_end: i64,
    pub energy_wh: u64,
    pub renewable_wh: u64,
    pub payment: u64,
    pub fee: u64,
    pub co2_grams: u64,
    pub settled_at: i64,
    pub slot: u64,
    pub bump: u8,
    pub reserved: [u8; 7],
}

assert_layout!(Receipt, 200, 8 + 32 * 3 + 8 * 11 + 1 + 7);

// SAFETY: integers and byte arrays without padding, asserted above.
unsafe impl AccountType for Receipt {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Receipt");
}
