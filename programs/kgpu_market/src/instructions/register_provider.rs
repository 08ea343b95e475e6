//! `register_provider`: a provider wallet registers one GPU node. The node gets no jobs until
//! the registry authority approves it and it stakes at least `min_stake_per_gpu * gpu_count`.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` provider authority, pays for the account
//!   1. `[WRITE]` provider, PDA `["provider", authority]`
//!   2. `[WRITE]` market, PDA `["market"]`
//!   3. `[]` System program
//!
//! Data after the discriminator:
//!
//! ```text
//! 0   32  node_key        ed25519 key that signs usage receipts
//! 32  32  gpu_model       UTF-8, zero padded
//! 64  4   gpu_count       u32, 1..=4096
//! 68  2   region          ISO 3166-1 alpha-2, upper case
//! 70  1   energy_source   0 grid, 1 solar, 2 wind, 3 hydro, 4 geothermal, 5 mixed
//! ```

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::pda::find_program_address;
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::SYSTEM_PROGRAM_ID;
use kgpu_framework::sysvars::Rent;

use crate::accounts::create_account;
use crate::error::MarketError;
use crate::events::{Event, PROVIDER_REGISTERED};
use crate::instructions::now;
use crate::state::*;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [authority, provider_account, market_account, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let node_key = *reader.read_pubkey()?;
    let gpu_model: [u8; 32] = reader.read_array()?;
    let gpu_count = reader.read_u32()?;
    let region: [u8; 2] = reader.read_array()?;
    let energy_source = reader.read_u8()?;
    reader.finish()?;
    if gpu_count == 0 || gpu_count > MAX_GPU_COUNT || energy_source > MAX_ENERGY_SOURCE || !is_country_code(&region) {
        return Err(MarketError::InvalidAmount.into());
    }

    // Validate the authority, the market and the new provider PDA.
    authority.check_signer()?;
    authority.check_writable()?;
    let mut market = load_mut::<Market>(market_account, program_id)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;
    provider_account.check_writable()?;
    let (address, bump) = find_program_address(&[PROVIDER_SEED, authority.key()], program_id)?;
    provider_account.check_address(&address)?;

    // Create and write the provider.
    let bump_seed = [bump];
    let space = Provider::LEN as u64;
    let new = CreateProgramAccount { payer: authority, account: provider_account, space, owner: program_id };
    create_account(&new, &Rent::get()?, &seeds!(PROVIDER_SEED, authority.key(), bump_seed))?;
    let mut provider = init::<Provider>(provider_account, program_id)?;
    provider.authority = *authority.key();
    provider.node_key = node_key;
    provider.gpu_model = gpu_model;
    provider.gpu_count = gpu_count;
    provider.region = region;
    provider.energy_source = energy_source;
    provider.bump = bump;
    provider.registered_at = now()?;
    market.provider_count.increase(1)?;

    Event::new(PROVIDER_REGISTERED)
        .bytes(provider_account.key())
        .bytes(authority.key())
        .bytes(&node_key)
        .u32(gpu_count)
        .bytes(&region)
        .u8(energy_source)
        .emit()
}
