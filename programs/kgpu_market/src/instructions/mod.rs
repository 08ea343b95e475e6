//! One module per instruction. Each documents its accounts (`[WRITE]`, `[SIGNER]`) and the byte
//! ranges of its data after the 8-byte discriminator.

pub mod approve_provider;
pub mod claim_refund;
pub mod claim_rewards;
pub mod close_job;
pub mod initialize_carbon_mint;
pub mod initialize_market;
pub mod initialize_vault;
pub mod open_job;
pub mod register_provider;
pub mod request_unstake;
pub mod settle_receipt;
pub mod slash;
pub mod stake;
pub mod sweep_fees;
pub mod update_market_params;
pub mod withdraw_unstaked;

use kgpu_framework::prelude::*;
use kgpu_framework::sysvars::Clock;

use crate::error::MarketError;
use crate::state::{is_country_code, Market, MAX_BLOCKED};

/// Instruction arguments whose Borsh encoding is a run of 8-byte integers, read in place.
///
/// # Safety
///
/// Implementors are `#[repr(C)]` structs of `u64` and `i64` fields only, so any bytes of the
/// right length are a valid value and the struct has alignment 8 and no padding.
pub(crate) unsafe trait AlignedArgs: Sized {}

/// Returns `args` as a `T` without copying, after checking the length and alignment.
///
/// Returns `InvalidInstructionData` unless `args` is exactly `size_of::<T>()` bytes at an
/// 8-byte boundary. The runtime places instruction data on an 8-byte boundary and the
/// discriminator is 8 bytes long, so only a change of that layout makes the alignment check fail.
#[inline(always)]
pub(crate) fn read_aligned<T: AlignedArgs>(args: &[u8]) -> Result<&T, ProgramError> {
    if args.len() != core::mem::size_of::<T>() || !(args.as_ptr() as usize).is_multiple_of(8) {
        return Err(ProgramError::InvalidInstructionData);
    }
    // SAFETY: the slice has the size of `T` and alignment 8, and the trait's contract makes any
    // bytes a valid `T`.
    Ok(unsafe { &*(args.as_ptr() as *const T) })
}

/// Returns the cluster's unix time in seconds.
#[inline(always)]
pub(crate) fn now() -> Result<i64, ProgramError> {
    Ok(Clock::get()?.unix_timestamp)
}

/// Market parameters shared by `initialize_market` and `update_market_params`.
///
/// Borsh layout:
///
/// ```text
/// 0   2     fee_bps             u16, at most 10,000
/// 2   8     min_stake_per_gpu   u64 K-GPU
/// 10  8     unbonding_period    i64 seconds, at least 0
/// 18  4     grid_gco2_per_kwh   u32 grams CO2 per kWh
/// 22  4     blocked count b     u32, at most 16
/// 26  2*b   blocked codes       [u8; 2] each, ISO 3166-1 alpha-2 upper case
/// ```
pub(crate) struct MarketParams {
    pub fee_bps: u16,
    pub min_stake_per_gpu: u64,
    pub unbonding_period: i64,
    pub grid_gco2_per_kwh: u32,
    pub blocked_count: usize,
    pub blocked: [[u8; 2]; MAX_BLOCKED],
}

impl MarketParams {
    /// Reads and validates the parameters; returns `InvalidParams` for a value out of range.
    pub fn read(reader: &mut Reader) -> Result<MarketParams, ProgramError> {
        let fee_bps = reader.read_u16()?;
        let min_stake_per_gpu = reader.read_u64()?;
        let unbonding_period = reader.read_i64()?;
        let grid_gco2_per_kwh = reader.read_u32()?;
        let blocked_count = reader.read_u32()? as usize;
        if fee_bps > 10_000 || unbonding_period < 0 || blocked_count > MAX_BLOCKED {
            return Err(MarketError::InvalidParams.into());
        }
        let mut blocked = [[0u8; 2]; MAX_BLOCKED];
        for code in blocked.iter_mut().take(blocked_count) {
            *code = reader.read_array()?;
            if !is_country_code(code) {
                return Err(MarketError::InvalidParams.into());
            }
        }
        reader.finish()?;
        Ok(MarketParams { fee_bps, min_stake_per_gpu, unbonding_period, grid_gco2_per_kwh, blocked_count, blocked })
    }

    /// Writes the parameters into the market account.
    pub fn write(&self, market: &mut Market) {
        market.fee_bps = self.fee_bps;
        market.min_stake_per_gpu = self.min_stake_per_gpu;
        market.unbonding_period = self.unbonding_period;
        market.grid_gco2_per_kwh = self.grid_gco2_per_kwh;
        market.blocked_count = self.blocked_count as u8;
        market.blocked_jurisdictions = self.blocked;
    }
}
