//! K-GPU market program: a registry of GPU providers who stake K-GPU, jobs whose budget waits in
//! escrow, payment of usage receipts that an oracle quorum signs, fee rewards for stakers, carbon
//! credits (K-CARBON) for renewable energy, and slashing.
//!
//! Every instruction starts with the Anchor discriminator `sha256("global:<name>")[..8]`,
//! followed by Borsh arguments. Each instruction's accounts and data ranges are documented in its
//! module under [`instructions`]; account layouts are drawn in [`state`], the quorum message in
//! [`quorum`], the token program's accounts in [`token_program`].
//!
//! | instruction | authorised by |
//! | --- | --- |
//! | `initialize_market` | the market program's upgrade authority |
//! | `initialize_carbon_mint`, `initialize_vault` | market admin (the upgrade authority at `initialize_market`) |
//! | `update_market_params` | market admin |
//! | `register_provider`, `stake`, `request_unstake`, `withdraw_unstaked`, `claim_rewards` | provider authority |
//! | `approve_provider` | registry authority of the token program's config |
//! | `open_job` | renter with valid KYC |
//! | `close_job` | renter or the job's provider authority, or anyone after the job's end time |
//! | `claim_refund` | anyone; pays only the job's renter |
//! | `settle_receipt`, `slash` | m of n oracle keys (Ed25519 precompile) |
//! | `sweep_fees` | anyone |
//!
//! The market is set up in three steps, which fit in one transaction: `initialize_market`
//! creates the market account, `initialize_carbon_mint` the K-CARBON mint, and
//! `initialize_vault` each of the four K-GPU vaults. `stake` and `open_job` fail with
//! `MarketNotReady` until all five parts exist.
//!
//! The program rejects every instruction with `DeclaredProgramIdMismatch` when it runs under an
//! id other than [`addresses::ID`], because the PDA addresses in [`addresses`] are computed
//! from that id.
#![cfg_attr(not(test), no_std)]

pub mod accounts;
pub mod addresses;
pub mod error;
pub mod events;
pub mod instructions;
pub mod pda;
pub mod quorum;
pub mod rewards;
pub mod state;
pub mod token_program;
pub mod vault;

use kgpu_framework::discriminator::{instruction_discriminator, split_discriminator};
use kgpu_framework::prelude::*;

pub use error::MarketError;

entrypoint!(process_instruction);

/// Returns the discriminator of instruction `name` as a `u64`, so dispatch compares one word.
const fn tag(name: &str) -> u64 {
    u64::from_le_bytes(instruction_discriminator(name))
}

const INITIALIZE_MARKET: u64 = tag("initialize_market");
const INITIALIZE_CARBON_MINT: u64 = tag("initialize_carbon_mint");
const INITIALIZE_VAULT: u64 = tag("initialize_vault");
const UPDATE_MARKET_PARAMS: u64 = tag("update_market_params");
const REGISTER_PROVIDER: u64 = tag("register_provider");
const APPROVE_PROVIDER: u64 = tag("approve_provider");
const STAKE: u64 = tag("stake");
const REQUEST_UNSTAKE: u64 = tag("request_unstake");
const WITHDRAW_UNSTAKED: u64 = tag("withdraw_unstaked");
const CLAIM_REWARDS: u64 = tag("claim_rewards");
const OPEN_JOB: u64 = tag("open_job");
const CLOSE_JOB: u64 = tag("close_job");
const SETTLE_RECEIPT: u64 = tag("settle_receipt");
const SLASH: u64 = tag("slash");
const SWEEP_FEES: u64 = tag("sweep_fees");
const CLAIM_REFUND: u64 = tag("claim_refund");

fn process_instruction(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    if !pubkey_eq(program_id, &addresses::ID) {
        return Err(MarketError::DeclaredProgramIdMismatch.into());
    }
    let (discriminator, args) = split_discriminator(data)?;
    use instructions::*;
    match u64::from_le_bytes(discriminator) {
        SETTLE_RECEIPT => settle_receipt::process(program_id, accounts, args),
        INITIALIZE_MARKET => initialize_market::process(program_id, accounts, args),
        INITIALIZE_CARBON_MINT => initialize_carbon_mint::process(program_id, accounts, args),
        INITIALIZE_VAULT => initialize_vault::process(program_id, accounts, args),
        UPDATE_MARKET_PARAMS => update_market_params::process(program_id, accounts, args),
        REGISTER_PROVIDER => register_provider::process(program_id, accounts, args),
        APPROVE_PROVIDER => approve_provider::process(program_id, accounts, args),
        STAKE => stake::process(program_id, accounts, args),
        REQUEST_UNSTAKE => request_unstake::process(program_id, accounts, args),
        WITHDRAW_UNSTAKED => withdraw_unstaked::process(program_id, accounts, args),
        CLAIM_REWARDS => claim_rewards::process(program_id, accounts, args),
        OPEN_JOB => open_job::process(program_id, accounts, args),
        CLOSE_JOB => close_job::process(program_id, accounts, args),
        SLASH => slash::process(program_id, accounts, args),
        SWEEP_FEES => sweep_fees::process(program_id, accounts, args),
        CLAIM_REFUND => claim_refund::process(program_id, accounts, args),
        _ => Err(ProgramError::InvalidInstructionData),
    }
}
