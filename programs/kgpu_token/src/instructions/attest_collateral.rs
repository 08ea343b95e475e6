//! `attest_collateral`: records a collateral valuation signed by the oracle quorum.
//!
//! The sequence must exceed the latest one and the valuation time must not be later than the
//! cluster clock. Capacity is `collateral_value * (10,000 - haircut_bps) / 10,000`. An
//! attestation whose capacity is below the current supply is still recorded, and emits
//! `Undercollateralized`; minting then fails until capacity covers supply again.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. K-GPU mint (read for the supply)
//! 2. instructions sysvar
//!
//! Data after the discriminator (Borsh), also the quorum payload of kind 1:
//! - `0..8` sequence: u64
//! - `8..16` valuation_time: i64 unix seconds
//! - `16..24` collateral_value: u64 KRW
//! - `24..56` report_hash: [u8; 32]
//! - `56..88` custodian_id: [u8; 32]

use kgpu_framework::{AccountInfo, Pubkey};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, COLLATERAL_ATTESTED, UNDERCOLLATERALIZED};
use crate::instructions::clock;
use crate::quorum::{verify_quorum, Message, KIND_ATTEST_COLLATERAL};
use crate::state::{apply_haircut, AccountType, Config};
use crate::token2022::mint_supply;

/// sha256("global:attest_collateral")[..8]
pub const DISCRIMINATOR: [u8; 8] = [116, 236, 7, 141, 170, 29, 173, 74];

/// Bytes of the arguments, which are also the signed payload.
const PAYLOAD_LEN: usize = 88;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, mint, instructions_sysvar, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let sequence = reader.u64()?;
    let valuation_time = reader.i64()?;
    let collateral_value = reader.u64()?;
    let report_hash = reader.array32()?;
    let custodian_id = reader.array32()?;
    reader.finish()?;

    // Validate config and mint.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    mint.require_address(&config.mint)?;
    let supply = mint_supply(mint)?;

    // Validate ordering and time.
    if sequence <= config.attestation_sequence() {
        return Err(TokenError::StaleSequence);
    }
    let now = clock();
    if valuation_time > now.unix_timestamp {
        return Err(TokenError::FutureValuation);
    }

    // Validate the quorum over the exact payload.
    let mut message = Message::new(program_id, &config.deployment_id, KIND_ATTEST_COLLATERAL);
    message.push(&data[..PAYLOAD_LEN]);
    verify_quorum(instructions_sysvar, config, &message)?;

    // Record the attestation.
    let capacity = apply_haircut(collateral_value, config.haircut_bps());
    config.attestation_sequence = sequence.to_le_bytes();
    config.valuation_time = valuation_time.to_le_bytes();
    config.collateral_value = collateral_value.to_le_bytes();
    config.capacity = capacity.to_le_bytes();
    config.report_hash = report_hash;
    config.custodian_id = custodian_id;
    config.attested_slot = now.slot.to_le_bytes();

    Event::new(COLLATERAL_ATTESTED)
        .u64(sequence)
        .i64(valuation_time)
        .u64(collateral_value)
        .u64(capacity)
        .u64(supply)
        .bytes(&report_hash)
        .bytes(&custodian_id)
        .emit();
    if capacity < supply {
        Event::new(UNDERCOLLATERALIZED)
            .u64(sequence)
            .u64(capacity)
            .u64(supply)
            .emit();
    }
    Ok(())
}
