//! `seize`: governance burns K-GPU from any K-GPU token account as permanent delegate.
//!
//! A frozen account is thawed for the burn and refrozen after it. The reason hash (for example
//! sha256 of a court order reference) goes into the `Seized` event.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. `[SIGNER]` admin
//! 2. `[WRITE]` K-GPU token account
//! 3. `[WRITE]` K-GPU mint
//! 4. Token-2022 program
//!
//! Data after the discriminator (Borsh):
//! - `0..8` amount: u64, greater than 0 and at most the balance
//! - `8..40` reason_hash: [u8; 32]

use kgpu_framework::{AccountInfo, Pubkey};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, SEIZED};
use crate::instructions::{burn_as_delegate, config_signer, require_authority, BurnAsDelegate};
use crate::state::{AccountType, Config};
use crate::token2022::{self, load_token_account};

/// sha256("global:seize")[..8]
pub const DISCRIMINATOR: [u8; 8] = [129, 159, 143, 31, 161, 224, 241, 84];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, admin, source, mint, token_program, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let amount = reader.u64()?;
    let reason_hash = reader.array32()?;
    reader.finish()?;
    if amount == 0 {
        return Err(TokenError::InvalidAmount);
    }

    // Validate config, admin, mint, program and token account.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    require_authority(admin, &config.admin)?;
    mint.require_writable()?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;
    source.require_writable()?;
    let token_account = load_token_account(source, &config.mint)?;

    // Burn, around a thaw if the account is frozen.
    config_signer!(config, signer);
    burn_as_delegate(
        &BurnAsDelegate {
            source,
            mint,
            config: config_account,
            frozen: token_account.frozen,
            token_program,
        },
        amount,
        signer,
    )?;
    Config::add_to(&mut config.total_burned, amount)?;

    Event::new(SEIZED)
        .bytes(source.key())
        .bytes(token_account.owner)
        .u64(amount)
        .bytes(&reason_hash)
        .emit();
    Ok(())
}
