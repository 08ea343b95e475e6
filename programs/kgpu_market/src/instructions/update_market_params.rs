//! `update_market_params`: the admin replaces the fee, minimum stake, unbonding period, grid
//! emission factor and blocked jurisdictions.
//!
//! A new unbonding period applies to later `request_unstake` calls; stake already unbonding
//! keeps its end time. A new minimum stake applies to later `open_job` calls.
//!
//! Accounts:
//!   0. `[WRITE]` market, PDA `["market"]`
//!   1. `[SIGNER]` admin
//!
//! Data after the discriminator: the market parameters drawn in `MarketParams` (26 + 2 * b bytes).

use kgpu_framework::prelude::*;

use crate::error::MarketError;
use crate::events::{Event, MARKET_PARAMS_UPDATED};
use crate::instructions::MarketParams;
use crate::state::{load_mut, Market};

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [market_account, admin, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let params = MarketParams::read(&mut Reader::new(args))?;

    // Validate the market and its admin.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    admin.check_signer()?;
    if !pubkey_eq(admin.key(), &market.admin) {
        return Err(MarketError::Unauthorized.into());
    }

    // Store the parameters.
    params.write(&mut market);

    Event::new(MARKET_PARAMS_UPDATED)
        .bytes(market_account.key())
        .u16(params.fee_bps)
        .u64(params.min_stake_per_gpu)
        .i64(params.unbonding_period)
        .u32(params.grid_gco2_per_kwh)
        .u8(params.blocked_count as u8)
        .emit()
}
