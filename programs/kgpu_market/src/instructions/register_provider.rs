//! `register_provider`: a provider wallet registers one GPU node. The node gets no jobs until
//! the registry authority approves it and it stakes at least `min_stake_per_gpu * gpu_count`.
//!
//! The Provider account is not a PDA but a System "with seed" address:
//! `sha256(vault authority || hex_seed(authority) || program id)`, whose base is the vault
//! authority PDA `["authority"]`. The program checks it with one hash and signs for the base
//! with the constant bump, so the cost is the same for every authority. A PDA keyed by the
//! authority would need a bump search of about 314 CU per bump tried, and one authority in 16
//! needs five tries or more.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` provider authority, pays for the account
//!   1. `[WRITE]` provider, at `address_with_seed(vault authority, hex_seed(authority), program id)`
//!   2. `[WRITE]` market, PDA `["market"]`
//!   3. `[]` vault authority, PDA `["authority"]`, base of the provider address
//!   4. `[]` System program
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

use kgpu_framework::cpi::system_with_seed::{address_with_seed, hex_seed, CreateSeededAccount};
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::SYSTEM_PROGRAM_ID;
use kgpu_framework::sysvars::Rent;

use crate::accounts::{check_key, create_seeded_account};
use crate::addresses::{AUTHORITY_ADDRESS, AUTHORITY_BUMP};
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
    let [authority, provider_account, market_account, vault_authority, system_program, ..] = accounts else {
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

    // Validate the authority, the market, the base and the new provider address.
    authority.check_signer()?;
    authority.check_writable()?;
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(vault_authority, &AUTHORITY_ADDRESS)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;
    provider_account.check_writable()?;
    // The seed contains the first 16 bytes of the authority key, so two authorities share a
    // Provider address only if their keys share those 128 bits. Finding a key that matches a
    // given one there takes about 2^128 tries, so each authority has its own address, and a
    // second register_provider finds the account in use and fails with AlreadyInitialized.
    let seed = hex_seed(authority.key());
    provider_account.check_address(&address_with_seed(&AUTHORITY_ADDRESS, &seed, program_id))?;

    // Create and write the provider. The base PDA signs with its constant bump.
    let bump_seed = [AUTHORITY_BUMP];
    let new = CreateSeededAccount {
        payer: authority,
        account: provider_account,
        base: vault_authority,
        seed: &seed,
        space: Provider::LEN as u64,
        owner: program_id,
    };
    create_seeded_account(&new, &Rent::get()?, &seeds!(AUTHORITY_SEED, bump_seed))?;
    let mut provider = init::<Provider>(provider_account, program_id)?;
    provider.authority = *authority.key();
    provider.node_key = node_key;
    provider.gpu_model = gpu_model;
    provider.gpu_count = gpu_count;
    provider.region = region;
    provider.energy_source = energy_source;
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
