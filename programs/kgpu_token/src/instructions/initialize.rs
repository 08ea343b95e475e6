//! `initialize`: creates the config PDA. `initialize_mint` creates the K-GPU mint next, in the
//! same transaction or a later one.
//!
//! The config stores the admin, registry authority, deployment id, parameters and oracle set.
//! Its `mint` field is the constant mint PDA `["mint"]` before the mint exists. The blocked
//! jurisdiction list starts as CN and RU, minting starts unpaused and no attestation exists.
//!
//! Only the program's upgrade authority may call it, so a third party cannot front-run the
//! deployment and install their own admin. A second call fails with `AlreadyInitialized`.
//!
//! Accounts:
//! 0. `[WRITE]` config, PDA `["config"]`, not yet created
//! 1. `[WRITE, SIGNER]` admin: pays for the config and becomes its admin
//! 2. program data account of this program (BPF Loader Upgradeable), whose upgrade authority is the admin
//! 3. System program
//!
//! Data after the discriminator (Borsh):
//! - `0..32` registry_authority: Pubkey
//! - `32..64` deployment_id: [u8; 32]
//! - `64..66` haircut_bps: u16, at most 10,000
//! - `66..74` max_attestation_age: i64 seconds, greater than 0
//! - `74..` oracles: Vec<Pubkey> (u32 length, 1 to 10 distinct keys), threshold: u8 (1..=n)

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::Signer;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};
use kgpu_framework::{seeds, AccountInfo};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::addresses::{CONFIG_ADDRESS, CONFIG_BUMP, MINT_ADDRESS, MINT_BUMP, PROGRAM_DATA_ADDRESS};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, INITIALIZED};
use crate::instructions::{create_account, OracleSet};
use crate::state::{AccountType, Config, BPS_DENOMINATOR, CONFIG_SEED};

/// sha256("global:initialize")[..8]
pub const DISCRIMINATOR: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];

const BPF_LOADER_UPGRADEABLE_ID: Pubkey = kgpu_framework::pubkey!("BPFLoaderUpgradeab1e11111111111111111111111");
/// Program data layout: u32 state tag (3), u64 slot, Option<Pubkey> upgrade authority.
const PROGRAM_DATA_TAG: u8 = 3;
const PROGRAM_DATA_AUTHORITY_OPTION: usize = 12;
const PROGRAM_DATA_AUTHORITY: usize = 13;

/// Jurisdictions blocked from the start: China and Russia.
const DEFAULT_BLOCKED: [[u8; 2]; 2] = [*b"CN", *b"RU"];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, admin, program_data, system_program, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let registry_authority = reader.pubkey()?;
    let deployment_id = reader.array32()?;
    let haircut_bps = reader.u16()?;
    let max_attestation_age = reader.i64()?;
    let oracle_set = OracleSet::read(&mut reader)?;
    reader.finish()?;
    if haircut_bps as u64 > BPS_DENOMINATOR || max_attestation_age <= 0 {
        return Err(TokenError::InvalidParams);
    }

    // Validate the admin: signer and upgrade authority of this program.
    admin.require_signer()?;
    admin.require_writable()?;
    program_data.require_owner(&BPF_LOADER_UPGRADEABLE_ID)?;
    program_data.require_address(&PROGRAM_DATA_ADDRESS)?;
    // SAFETY: the loader owns the program data account, so this program cannot write it.
    let loader_state = unsafe { program_data.borrow_data_unchecked() };
    if loader_state.len() < PROGRAM_DATA_AUTHORITY + 32
        || loader_state[0] != PROGRAM_DATA_TAG
        || loader_state[PROGRAM_DATA_AUTHORITY_OPTION] != 1
    {
        return Err(TokenError::NotUpgradeAuthority);
    }
    let mut upgrade_authority = [0u8; 32];
    upgrade_authority
        .copy_from_slice(&loader_state[PROGRAM_DATA_AUTHORITY..PROGRAM_DATA_AUTHORITY + 32]);
    if !pubkey_eq(&upgrade_authority, admin.key()) {
        return Err(TokenError::NotUpgradeAuthority);
    }

    // Validate the config: the canonical PDA, not yet created. Its address and bump are
    // constants because its seeds are.
    config_account.require_writable()?;
    config_account.require_address(&CONFIG_ADDRESS)?;
    if !config_account.is_empty_system_account() {
        return Err(TokenError::AlreadyInitialized);
    }
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Create the config account.
    let config_bump_seed = [CONFIG_BUMP];
    let config_seeds = seeds!(CONFIG_SEED, config_bump_seed);
    create_account(
        &CreateProgramAccount {
            payer: admin,
            account: config_account,
            space: Config::LEN as u64,
            owner: program_id,
        },
        Config::LEN,
        Signer::from(&config_seeds),
    )?;

    // Write the config.
    // SAFETY: the account was created above with Config::LEN zeroed bytes; no other view exists.
    let config = unsafe { Config::init(config_account)? };
    config.admin = *admin.key();
    config.registry_authority = registry_authority;
    config.mint = MINT_ADDRESS;
    config.bump = CONFIG_BUMP;
    config.mint_bump = MINT_BUMP;
    config.deployment_id = deployment_id;
    config.haircut_bps = haircut_bps.to_le_bytes();
    config.max_attestation_age = max_attestation_age.to_le_bytes();
    oracle_set.write(config);
    config.blocked_jurisdictions[..DEFAULT_BLOCKED.len()].copy_from_slice(&DEFAULT_BLOCKED);
    config.blocked_count = DEFAULT_BLOCKED.len() as u8;

    Event::new(INITIALIZED)
        .bytes(admin.key())
        .bytes(&registry_authority)
        .bytes(&MINT_ADDRESS)
        .bytes(&deployment_id)
        .emit();
    Ok(())
}
