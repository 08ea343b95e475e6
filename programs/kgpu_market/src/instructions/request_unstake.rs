//! `request_unstake`: the provider moves active stake into unbonding. It can be withdrawn once
//! the market's unbonding period has passed and can still be slashed until then.
//!
//! A new request restarts the period for all stake that is still unbonding.
//!
//! While the provider has open jobs, the active stake left after the request must stay at or
//! above `min_stake_per_gpu * gpu_count`, the stake `open_job` required, so that a slash for an
//! open job still finds it. The check uses the market's current `min_stake_per_gpu`.
//!
//! Accounts:
//!   0. `[SIGNER]` provider authority
//!   1. `[WRITE]` provider
//!   2. `[WRITE]` market
//!
//! Data after the discriminator: `[0..8]` amount, u64 K-GPU, 1..=active stake.

use kgpu_framework::math::checked_mul;
use kgpu_framework::prelude::*;

use crate::error::MarketError;
use crate::events::{Event, UNSTAKE_REQUESTED};
use crate::instructions::now;
use crate::rewards;
use crate::state::{load_mut, Counter, Market, Provider};

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [authority, provider_account, market_account, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let amount = reader.read_u64()?;
    reader.finish()?;

    // Validate the provider, its authority and the amount.
    authority.check_signer()?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    if !pubkey_eq(authority.key(), &provider.authority) {
        return Err(MarketError::Unauthorized.into());
    }
    if amount == 0 || amount > provider.active_stake {
        return Err(MarketError::InvalidAmount.into());
    }
    let mut market = load_mut::<Market>(market_account, program_id)?;

    // Keep the stake that backs open jobs.
    if provider.open_jobs > 0 {
        let required_stake = checked_mul(market.min_stake_per_gpu, provider.gpu_count as u64)?;
        // `amount` is at most `active_stake`, checked above.
        if provider.active_stake - amount < required_stake {
            return Err(MarketError::InsufficientStake.into());
        }
    }

    // Move the stake to unbonding.
    let unbonding_end = now()?.checked_add(market.unbonding_period).ok_or(ProgramError::ArithmeticOverflow)?;
    rewards::accrue(&mut provider, &market)?;
    provider.active_stake.decrease(amount)?;
    provider.unbonding_stake.increase(amount)?;
    provider.unbonding_end = unbonding_end;
    market.total_active_stake.decrease(amount)?;
    market.total_unbonding_stake.increase(amount)?;
    rewards::reset_debt(&mut provider, &market)?;

    Event::new(UNSTAKE_REQUESTED)
        .bytes(provider_account.key())
        .u64(amount)
        .u64(provider.unbonding_stake)
        .i64(unbonding_end)
        .emit()
}
