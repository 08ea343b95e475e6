//! `withdraw_unstaked`: after the unbonding period, the provider takes all its unbonding stake
//! out of the stake vault.
//!
//! Open jobs need no check here. `open_job` requires active stake, and `request_unstake` keeps
//! that stake active while the provider has open jobs, so unbonding stake never backs a job.
//!
//! Accounts:
//!   0. `[SIGNER]` provider authority
//!   1. `[WRITE]` provider
//!   2. `[WRITE]` market
//!   3. `[WRITE]` destination K-GPU token account, owned by the authority
//!   4. `[WRITE]` stake vault
//!   5. `[]` authority, PDA `["authority"]`
//!   6. `[]` K-GPU mint
//!   7. `[]` Token-2022 program
//!
//! Data after the discriminator: none.

use kgpu_framework::prelude::*;

use crate::accounts::{check_key, check_token_account};
use crate::error::MarketError;
use crate::events::{Event, UNSTAKED_WITHDRAWN};
use crate::instructions::now;
use crate::state::{load_mut, Counter, Market, Provider};
use crate::vault::VaultTransfer;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [authority, provider_account, market_account, destination, stake_vault, vault_authority, mint, token_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    Reader::new(args).finish()?;

    // Validate the provider and its authority.
    authority.check_signer()?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    if !pubkey_eq(authority.key(), &provider.authority) {
        return Err(MarketError::Unauthorized.into());
    }

    // Validate the market, vault, mint and destination.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(stake_vault, &market.stake_vault)?;
    check_key(mint, &market.kgpu_mint)?;
    check_token_account(destination, &market.kgpu_mint, authority.key())?;

    // Check the unbonding stake and period.
    let amount = provider.unbonding_stake;
    if amount == 0 {
        return Err(MarketError::NothingToWithdraw.into());
    }
    if now()? < provider.unbonding_end {
        return Err(MarketError::UnbondingNotFinished.into());
    }

    // Release the stake.
    provider.unbonding_stake = 0;
    provider.total_withdrawn.increase(amount)?;
    market.total_unbonding_stake.decrease(amount)?;
    market.total_withdrawn.increase(amount)?;
    VaultTransfer {
        vault: stake_vault,
        destination,
        authority: vault_authority,
        mint,
        token_program,
        authority_bump: market.authority_bump,
    }
    .invoke(amount)?;

    Event::new(UNSTAKED_WITHDRAWN).bytes(provider_account.key()).u64(amount).emit()
}
