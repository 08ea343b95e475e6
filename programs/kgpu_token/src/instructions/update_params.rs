//! `update_params`: sets the haircut, maximum attestation age, mint pause flag, blocked
//! jurisdictions and approved vault programs, and recomputes the capacity of the latest
//! attestation with the new haircut.
//!
//! Redemption has no pause flag: holders can always burn and request payment.
//!
//! NOTE: no instruction changes the admin or the registry authority after `initialize` yet.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. `[SIGNER]` admin
//!
//! Data after the discriminator (Borsh):
//! - `0..2` haircut_bps: u16, at most 10,000
//! - `2..10` max_attestation_age: i64 seconds, greater than 0
//! - `10` mint_paused: bool
//! - `11..` blocked_jurisdictions: Vec<[u8; 2]> (at most 16 upper-case ISO 3166-1 alpha-2 codes),
//!   approved_programs: Vec<Pubkey> (at most 4)

use kgpu_framework::{AccountInfo, Pubkey};

use crate::accounts::ProgramResult;
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, PARAMS_UPDATED};
use crate::instructions::require_authority;
use crate::state::{
    apply_haircut, AccountType, Config, BPS_DENOMINATOR, MAX_APPROVED_PROGRAMS, MAX_BLOCKED,
};

/// sha256("global:update_params")[..8]
pub const DISCRIMINATOR: [u8; 8] = [108, 178, 190, 95, 94, 203, 116, 20];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, admin, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Validate config and admin.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    require_authority(admin, &config.admin)?;

    // Parse and validate the parameters.
    let mut reader = Reader::new(data);
    let haircut_bps = reader.u16()?;
    let max_attestation_age = reader.i64()?;
    let mint_paused = reader.bool()?;
    let blocked_count = reader.vec_len(MAX_BLOCKED)?;
    let mut blocked = [[0u8; 2]; MAX_BLOCKED];
    let mut i = 0;
    while i < blocked_count {
        let code = reader.take(2)?;
        if !code[0].is_ascii_uppercase() || !code[1].is_ascii_uppercase() {
            return Err(TokenError::InvalidParams);
        }
        blocked[i] = [code[0], code[1]];
        i += 1;
    }
    let approved_count = reader.vec_len(MAX_APPROVED_PROGRAMS)?;
    let mut approved = [[0u8; 32]; MAX_APPROVED_PROGRAMS];
    let mut i = 0;
    while i < approved_count {
        approved[i] = reader.pubkey()?;
        i += 1;
    }
    reader.finish()?;
    if haircut_bps as u64 > BPS_DENOMINATOR || max_attestation_age <= 0 {
        return Err(TokenError::InvalidParams);
    }

    // Store them.
    let capacity = apply_haircut(config.collateral_value(), haircut_bps);
    config.haircut_bps = haircut_bps.to_le_bytes();
    config.max_attestation_age = max_attestation_age.to_le_bytes();
    config.mint_paused = mint_paused as u8;
    config.blocked_jurisdictions = blocked;
    config.blocked_count = blocked_count as u8;
    config.approved_programs = approved;
    config.approved_program_count = approved_count as u8;
    config.capacity = capacity.to_le_bytes();

    let mut event = Event::new(PARAMS_UPDATED);
    event
        .bytes(&haircut_bps.to_le_bytes())
        .i64(max_attestation_age)
        .bytes(&[mint_paused as u8]);
    event.vec_len(blocked_count);
    for code in &blocked[..blocked_count] {
        event.bytes(code);
    }
    event.vec_len(approved_count);
    for program in &approved[..approved_count] {
        event.bytes(program);
    }
    event.u64(capacity).emit();
    Ok(())
}
