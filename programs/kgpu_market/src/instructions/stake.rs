//! `stake`: the provider moves K-GPU from its token account into the stake vault.
//!
//! Rewards earned on the previous stake are accrued first, so the new stake earns only from
//! fees taken after it.
//!
//! Accounts:
//!   0. `[SIGNER]` provider authority
//!   1. `[WRITE]` provider
//!   2. `[WRITE]` market
//!   3. `[WRITE]` source K-GPU token account, owned by the authority
//!   4. `[WRITE]` stake vault
//!   5. `[]` K-GPU mint
//!   6. `[]` Token-2022 program
//!
//! Data after the discriminator: `[0..8]` amount, u64 K-GPU, above zero.

use kgpu_framework::cpi::token2022::TransferChecked;
use kgpu_framework::prelude::*;

use crate::accounts::check_key;
use crate::error::MarketError;
use crate::events::{Event, STAKED};
use crate::rewards;
use crate::state::{load_mut, Counter, Market, Provider};
use crate::vault::DECIMALS;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [authority, provider_account, market_account, source, stake_vault, mint, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let amount = reader.read_u64()?;
    reader.finish()?;
    if amount == 0 {
        return Err(MarketError::InvalidAmount.into());
    }

    // Validate the provider and its authority.
    authority.check_signer()?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    if !pubkey_eq(authority.key(), &provider.authority) {
        return Err(MarketError::Unauthorized.into());
    }

    // Validate the market, vault and mint. The token program checks the source's owner.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    market.check_ready()?;
    check_key(stake_vault, &market.stake_vault)?;
    check_key(mint, &market.kgpu_mint)?;

    // Update the stake.
    rewards::accrue(&mut provider, &market)?;
    provider.active_stake.increase(amount)?;
    provider.total_staked.increase(amount)?;
    market.total_active_stake.increase(amount)?;
    market.total_staked.increase(amount)?;
    rewards::reset_debt(&mut provider, &market)?;

    // Move the tokens.
    TransferChecked { source, mint, destination: stake_vault, authority, amount, decimals: DECIMALS, token_program }
        .invoke_signed(&[])?;

    Event::new(STAKED).bytes(provider_account.key()).u64(amount).u64(provider.active_stake).emit()
}
