//! `approve_provider`: the registry authority named in the token program's config approves a
//! provider, or withdraws the approval. Withdrawing stops new jobs; open jobs still settle.
//!
//! Accounts:
//!   0. `[]` market, PDA `["market"]`
//!   1. `[]` token config, the address the market stores
//!   2. `[SIGNER]` registry authority
//!   3. `[WRITE]` provider
//!
//! Data after the discriminator: `[0]` approved, bool.

use kgpu_framework::prelude::*;

use crate::accounts::check_key;
use crate::error::MarketError;
use crate::events::{Event, PROVIDER_APPROVAL_CHANGED};
use crate::state::{load, load_mut, Market, Provider};
use crate::token_program::TokenConfig;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [market_account, token_config, registry, provider_account, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let approved = reader.read_u8()?;
    reader.finish()?;
    if approved > 1 {
        return Err(ProgramError::InvalidInstructionData);
    }

    // Validate the registry authority through the token program's config.
    let market = load::<Market>(market_account, program_id)?;
    check_key(token_config, &market.token_config)?;
    let config = TokenConfig::load(token_config)?;
    registry.check_signer()?;
    if !pubkey_eq(registry.key(), config.registry_authority()) {
        return Err(MarketError::Unauthorized.into());
    }

    // Set the flag.
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    provider.approved = approved;

    Event::new(PROVIDER_APPROVAL_CHANGED).bytes(provider_account.key()).u8(approved).bytes(registry.key()).emit()
}
