//! `claim_rewards`: the provider takes the fee rewards its active stake earned from the reward
//! vault.
//!
//! Fees that `settle_receipt` booked stay in the escrow vault until a sweep, so the claim first
//! moves all of them to the reward vault in one transfer, as `sweep_fees` does, and then pays.
//! The escrow vault is checked on every claim, also when there is nothing to sweep.
//!
//! Accounts:
//!   0. `[SIGNER]` provider authority
//!   1. `[WRITE]` provider
//!   2. `[WRITE]` market
//!   3. `[WRITE]` destination K-GPU token account, owned by the authority
//!   4. `[WRITE]` reward vault
//!   5. `[]` authority, PDA `["authority"]`
//!   6. `[]` K-GPU mint
//!   7. `[]` Token-2022 program
//!   8. `[WRITE]` escrow vault, source of the unswept fees
//!
//! Data after the discriminator: none.

use kgpu_framework::prelude::*;

use crate::accounts::check_token_account;
use crate::error::MarketError;
use crate::events::{Event, REWARDS_CLAIMED};
use crate::instructions::sweep_fees::FeeSweep;
use crate::rewards;
use crate::state::{load_mut, Counter, Market, Provider};
use crate::vault::VaultTransfer;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [authority, provider_account, market_account, destination, reward_vault, vault_authority, mint, token_program, escrow_vault, ..] =
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

    // Validate the market, vaults, mint and destination.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    let sweep = FeeSweep { escrow_vault, reward_vault, vault_authority, mint, token_program };
    sweep.check(&market)?;
    check_token_account(destination, &market.kgpu_mint, authority.key())?;

    // Settle what the stake earned, then pay all of it.
    rewards::accrue(&mut provider, &market)?;
    rewards::reset_debt(&mut provider, &market)?;
    let amount = provider.accrued_rewards;
    if amount == 0 {
        return Err(MarketError::NothingToClaim.into());
    }
    provider.accrued_rewards = 0;
    provider.claimed_rewards.increase(amount)?;
    market.total_rewards_claimed.increase(amount)?;
    sweep.run(&mut market)?;
    VaultTransfer {
        vault: reward_vault,
        destination,
        authority: vault_authority,
        mint,
        token_program,
        authority_bump: market.authority_bump,
    }
    .invoke(amount)?;

    Event::new(REWARDS_CLAIMED).bytes(provider_account.key()).u64(amount).emit()
}
