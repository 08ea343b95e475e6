//! `update_oracle_set`: replaces the oracle keys and threshold.
//!
//! Signatures gathered for the old set stop counting at once, so oracles should rotate between
//! postings.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. `[SIGNER]` admin
//!
//! Data after the discriminator (Borsh):
//! - `0..4` key count n (u32, 1 to 10), then `4..4+32n` distinct oracle keys
//! - `4+32n` threshold m: u8, 1 <= m <= n

use kgpu_framework::{AccountInfo, Pubkey};

use crate::accounts::ProgramResult;
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, ORACLE_SET_UPDATED};
use crate::instructions::{require_authority, OracleSet};
use crate::state::{AccountType, Config};

/// sha256("global:update_oracle_set")[..8]
pub const DISCRIMINATOR: [u8; 8] = [152, 84, 176, 202, 71, 133, 10, 222];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, admin, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Validate config and admin.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    require_authority(admin, &config.admin)?;

    // Parse and validate the new set.
    let mut reader = Reader::new(data);
    let oracle_set = OracleSet::read(&mut reader)?;
    reader.finish()?;

    // Store it.
    oracle_set.write(config);

    let mut event = Event::new(ORACLE_SET_UPDATED);
    oracle_set.log_into(&mut event);
    event.emit();
    Ok(())
}
