//! `register_provider`: a provider wallet registers one GPU node. The node gets no jobs until
//! the registry authority approves it and it stakes at least `min_stake_per_gpu * gpu_count`.
//!
//! The provider PDA is keyed by the authority, so its canonical bump comes from a search with
//! `find_program_address`: about half of all authorities need one try, a quarter two, and each
//! further try costs about 315 CU.
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
use crate::events::{FixedEvent, PROVIDER_REGISTERED};
use crate::instructions::now;
use crate::state::*;

/// The `ProviderRegistered` event. `gpu_count` is a byte array so that the struct has
/// alignment 1 and no padding after its 111 Borsh bytes.
#[repr(C)]
struct ProviderRegistered {
    discriminator: [u8; 8],
    provider: Pubkey,
    authority: Pubkey,
    node_key: Pubkey,
    gpu_count: [u8; 4],
    region: [u8; 2],
    energy_source: u8,
}

const _: () = assert!(core::mem::size_of::<ProviderRegistered>() == 8 + 32 * 3 + 4 + 2 + 1);
// SAFETY: `#[repr(C)]` of byte arrays only, so alignment 1 and no padding.
unsafe impl FixedEvent for ProviderRegistered {}

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

    ProviderRegistered {
        discriminator: PROVIDER_REGISTERED,
        provider: *provider_account.key(),
        authority: *authority.key(),
        node_key,
        gpu_count: gpu_count.to_le_bytes(),
        region,
        energy_source,
    }
    .emit()
}
