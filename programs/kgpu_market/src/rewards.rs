//! Fee rewards for stakers through a reward-per-share accumulator.
//!
//! Every settlement fee raises `Market::reward_per_share` by `fee * 10^12 / total_active_stake`
//! (rounded down). A provider's earnings are `active_stake * reward_per_share / 10^12` minus its
//! `reward_debt`, the same product taken when its stake last changed. Accruing before every
//! stake change and resetting the debt after it means stake added later earns nothing from
//! earlier fees, and a claim zeroes what it pays. Rounding always goes down, so the providers'
//! claims never exceed the fees booked, and the remainders stay unclaimed. A booked fee sits in
//! the escrow vault until a sweep, and every claim sweeps before it pays, so the reward vault
//! always covers the claim.
//!
//! NOTE: `reward_per_share` is a u64, so it overflows once cumulative fees exceed about
//! 1.8 * 10^7 K-GPU per staked K-GPU; settlements then fail with `ArithmeticOverflow` until a
//! program upgrade widens it.

use kgpu_framework::math::mul_div_floor;
use kgpu_framework::prelude::*;

use crate::state::{Counter, Market, Provider, REWARD_SCALE};

/// Largest fee whose product with [`REWARD_SCALE`] fits in a u64.
const MAX_NARROW_FEE: u64 = u64::MAX / REWARD_SCALE;

fn earned(provider: &Provider, market: &Market) -> Result<u64, ProgramError> {
    mul_div_floor(provider.active_stake, market.reward_per_share, REWARD_SCALE)
}

/// Moves what `provider` earned since its last update into `accrued_rewards`.
pub fn accrue(provider: &mut Provider, market: &Market) -> ProgramResult {
    let pending =
        earned(provider, market)?.checked_sub(provider.reward_debt).ok_or(ProgramError::ArithmeticOverflow)?;
    provider.accrued_rewards.increase(pending)
}

/// Sets `reward_debt` for the provider's current stake; call after changing `active_stake`.
pub fn reset_debt(provider: &mut Provider, market: &Market) -> ProgramResult {
    let debt = earned(provider, market)?;
    provider.reward_debt = debt;
    Ok(())
}

/// Shares `fee` among the active stake, or keeps it as unallocated when no stake is active.
#[inline(always)]
pub fn distribute(market: &mut Market, fee: u64) -> ProgramResult {
    if fee == 0 {
        return Ok(());
    }
    let total = market.total_active_stake;
    if total == 0 {
        return market.unallocated_fees.increase(fee);
    }
    // REWARD_SCALE is above 2^32, so `mul_div_floor` always takes its called 128-bit path. Fees
    // up to MAX_NARROW_FEE (about 1.8 * 10^7 K-GPU) have a product that fits in a u64.
    let increment = if fee <= MAX_NARROW_FEE {
        fee.wrapping_mul(REWARD_SCALE) / total
    } else {
        mul_div_floor(fee, REWARD_SCALE, total)?
    };
    market.reward_per_share.increase(increment)
}
