//! `confirm_redemption`: marks a redemption request paid, as attested by the oracle quorum.
//!
//! Idempotent: confirming a paid request again with the same payment reference succeeds and
//! changes nothing; a different reference fails with `RedemptionAlreadyPaid`.
//!
//! Accounts:
//! 0. config
//! 1. `[WRITE]` redemption request
//! 2. instructions sysvar
//!
//! Data after the discriminator (Borsh):
//! - `0..32` payment_reference_hash: [u8; 32]
//!
//! Quorum payload of kind 3: the redemption account address, then payment_reference_hash.

use kgpu_framework::pubkey::{pubkey_eq, Pubkey};
use kgpu_framework::AccountInfo;

use crate::accounts::ProgramResult;
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, REDEMPTION_CONFIRMED};
use crate::instructions::clock;
use crate::quorum::{verify_quorum, Message, KIND_CONFIRM_REDEMPTION};
use crate::state::{AccountType, Config, Redemption, REDEMPTION_PAID};

/// sha256("global:confirm_redemption")[..8]
pub const DISCRIMINATOR: [u8; 8] = [206, 187, 131, 172, 213, 207, 18, 228];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, redemption_account, instructions_sysvar, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let payment_reference_hash = reader.array32()?;
    reader.finish()?;

    // Validate config and request.
    let config = Config::load(config_account, program_id)?;
    // SAFETY: the only view of the request in this instruction.
    let request = unsafe { Redemption::load_mut(redemption_account, program_id)? };

    // Validate the quorum.
    let mut message = Message::new(program_id, &config.deployment_id, KIND_CONFIRM_REDEMPTION);
    message.push(redemption_account.key());
    message.push(&payment_reference_hash);
    verify_quorum(instructions_sysvar, config, &message)?;

    // A repeat with the same reference is a no-op; another reference is a conflict.
    if request.status == REDEMPTION_PAID {
        if pubkey_eq(&request.payment_reference_hash, &payment_reference_hash) {
            return Ok(());
        }
        return Err(TokenError::RedemptionAlreadyPaid);
    }

    // Mark it paid.
    request.status = REDEMPTION_PAID;
    request.payment_reference_hash = payment_reference_hash;
    request.paid_at = clock().unix_timestamp.to_le_bytes();

    Event::new(REDEMPTION_CONFIRMED)
        .bytes(redemption_account.key())
        .bytes(&payment_reference_hash)
        .emit();
    Ok(())
}
