//! `initialize`: creates the config PDA and the K-GPU mint.
//!
//! The mint is a Token-2022 mint at PDA `["mint"]` with 0 decimals, MetadataPointer to itself,
//! token metadata (name, symbol, uri), DefaultAccountState Frozen and the config PDA as permanent
//! delegate, mint authority, freeze authority and metadata update authority. The blocked
//! jurisdiction list starts as CN and RU, minting starts unpaused and no attestation exists.
//!
//! Only the program's upgrade authority may call it, so a third party cannot front-run the
//! deployment and install their own admin.
//!
//! Accounts:
//! 0. `[WRITE]` config, PDA `["config"]`, not yet created
//! 1. `[WRITE]` mint, PDA `["mint"]`, not yet created
//! 2. `[WRITE, SIGNER]` admin: pays for both accounts and becomes the config admin
//! 3. program data account of this program (BPF Loader Upgradeable), whose upgrade authority is the admin
//! 4. Token-2022 program
//! 5. System program
//!
//! Data after the discriminator (Borsh):
//! - `0..32` registry_authority: Pubkey
//! - `32..64` deployment_id: [u8; 32]
//! - `64..66` haircut_bps: u16, at most 10,000
//! - `66..74` max_attestation_age: i64 seconds, greater than 0
//! - `74..` oracles: Vec<Pubkey> (u32 length, 1 to 10 distinct keys), threshold: u8 (1..=n),
//!   name: String (at most 32 bytes), symbol: String (at most 10), uri: String (at most 200);
//!   all three empty means no token metadata

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{
    AccountState, InitializeDefaultAccountState, InitializeMetadataPointer, InitializeMint2,
    InitializePermanentDelegate, InitializeTokenMetadata,
};
use kgpu_framework::cpi::Signer;
use kgpu_framework::pda::find_program_address;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::{seeds, AccountInfo};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, INITIALIZED};
use crate::instructions::{create_account, OracleSet};
use crate::state::{AccountType, Config, BPS_DENOMINATOR, CONFIG_SEED, MINT_SEED};
use crate::token2022::{self, Metadata, DECIMALS, MINT_LEN_BEFORE_METADATA};

/// sha256("global:initialize")[..8]
pub const DISCRIMINATOR: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];

const BPF_LOADER_UPGRADEABLE_ID: Pubkey = kgpu_framework::pubkey!("BPFLoaderUpgradeab1e11111111111111111111111");
/// Program data layout: u32 state tag (3), u64 slot, Option<Pubkey> upgrade authority.
const PROGRAM_DATA_TAG: u8 = 3;
const PROGRAM_DATA_AUTHORITY_OPTION: usize = 12;
const PROGRAM_DATA_AUTHORITY: usize = 13;

const MAX_NAME_LEN: usize = 32;
const MAX_SYMBOL_LEN: usize = 10;
const MAX_URI_LEN: usize = 200;

/// Jurisdictions blocked from the start: China and Russia.
const DEFAULT_BLOCKED: [[u8; 2]; 2] = [*b"CN", *b"RU"];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, mint, admin, program_data, token_program, system_program, ..] = accounts
    else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let registry_authority = reader.pubkey()?;
    let deployment_id = reader.array32()?;
    let haircut_bps = reader.u16()?;
    let max_attestation_age = reader.i64()?;
    let oracle_set = OracleSet::read(&mut reader)?;
    let metadata = Metadata {
        name: utf8(reader.string(MAX_NAME_LEN)?)?,
        symbol: utf8(reader.string(MAX_SYMBOL_LEN)?)?,
        uri: utf8(reader.string(MAX_URI_LEN)?)?,
    };
    reader.finish()?;
    if haircut_bps as u64 > BPS_DENOMINATOR || max_attestation_age <= 0 {
        return Err(TokenError::InvalidParams);
    }

    // Validate the admin: signer and upgrade authority of this program.
    admin.require_signer()?;
    admin.require_writable()?;
    program_data.require_owner(&BPF_LOADER_UPGRADEABLE_ID)?;
    let (program_data_address, _) =
        find_program_address(&[program_id], &BPF_LOADER_UPGRADEABLE_ID).map_err(|_| TokenError::InvalidSeeds)?;
    program_data.require_address(&program_data_address)?;
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

    // Validate the new accounts: canonical PDAs, not yet created.
    config_account.require_writable()?;
    mint.require_writable()?;
    let (config_address, config_bump) =
        find_program_address(&[CONFIG_SEED], program_id).map_err(|_| TokenError::InvalidSeeds)?;
    config_account.require_address(&config_address)?;
    let (mint_address, mint_bump) =
        find_program_address(&[MINT_SEED], program_id).map_err(|_| TokenError::InvalidSeeds)?;
    mint.require_address(&mint_address)?;
    if !config_account.is_empty_system_account() || !mint.is_empty_system_account() {
        return Err(TokenError::AlreadyInitialized);
    }

    // Validate the programs.
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Create the config account.
    let config_bump_seed = [config_bump];
    let config_seeds = seeds!(CONFIG_SEED, config_bump_seed);
    let config_signer = Signer::from(&config_seeds);
    create_account(
        &CreateProgramAccount {
            payer: admin,
            account: config_account,
            space: Config::LEN as u64,
            owner: program_id,
        },
        Config::LEN,
        config_signer,
    )?;

    // Create and initialize the mint, funded for its size after token metadata is added.
    let mint_bump_seed = [mint_bump];
    let mint_seeds = seeds!(MINT_SEED, mint_bump_seed);
    let metadata_len = if metadata.is_empty() { 0 } else { metadata.len() };
    create_account(
        &CreateProgramAccount {
            payer: admin,
            account: mint,
            space: MINT_LEN_BEFORE_METADATA as u64,
            owner: &TOKEN_2022_PROGRAM_ID,
        },
        MINT_LEN_BEFORE_METADATA + metadata_len,
        Signer::from(&mint_seeds),
    )?;
    initialize_mint(mint, config_account.key(), token_program)?;
    // Empty name, symbol and uri skip the metadata, so the program can also be initialized where
    // Token-2022 cannot write it: the v8 build in solders 0.27.1's LiteSVM fails the realloc with
    // InvalidRealloc (docs/token2022-metadata.md).
    if !metadata.is_empty() {
        InitializeTokenMetadata {
            metadata: mint,
            update_authority: config_account,
            mint,
            mint_authority: config_account,
            name: metadata.name,
            symbol: metadata.symbol,
            uri: metadata.uri,
            token_program,
        }
        .invoke_signed(&[config_signer])
        .map_err(TokenError::cpi_failed)?;
    }

    // Write the config.
    // SAFETY: the account was created above with Config::LEN zeroed bytes; no other view exists.
    let config = unsafe { Config::init(config_account)? };
    config.admin = *admin.key();
    config.registry_authority = registry_authority;
    config.mint = mint_address;
    config.bump = config_bump;
    config.mint_bump = mint_bump;
    config.deployment_id = deployment_id;
    config.haircut_bps = haircut_bps.to_le_bytes();
    config.max_attestation_age = max_attestation_age.to_le_bytes();
    oracle_set.write(config);
    config.blocked_jurisdictions[..DEFAULT_BLOCKED.len()].copy_from_slice(&DEFAULT_BLOCKED);
    config.blocked_count = DEFAULT_BLOCKED.len() as u8;

    Event::new(INITIALIZED)
        .bytes(admin.key())
        .bytes(&registry_authority)
        .bytes(&mint_address)
        .bytes(&deployment_id)
        .emit();
    Ok(())
}

/// Returns `bytes` as a string, or `InvalidInstructionData` when they are not UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, TokenError> {
    core::str::from_utf8(bytes).map_err(|_| TokenError::InvalidInstructionData)
}

/// Initializes the mint's extensions and the mint itself: MetadataPointer to the mint, default
/// account state Frozen, permanent delegate and mint and freeze authority `authority`.
fn initialize_mint(mint: &AccountInfo, authority: &Pubkey, token_program: &AccountInfo) -> ProgramResult {
    InitializeMetadataPointer {
        mint,
        authority: Some(authority),
        metadata_address: Some(mint.key()),
        token_program,
    }
    .invoke()
    .map_err(TokenError::cpi_failed)?;

    InitializeDefaultAccountState {
        mint,
        state: AccountState::Frozen,
        token_program,
    }
    .invoke()
    .map_err(TokenError::cpi_failed)?;

    InitializePermanentDelegate {
        mint,
        delegate: authority,
        token_program,
    }
    .invoke()
    .map_err(TokenError::cpi_failed)?;

    InitializeMint2 {
        mint,
        decimals: DECIMALS,
        mint_authority: authority,
        freeze_authority: Some(authority),
        token_program,
    }
    .invoke()
    .map_err(TokenError::cpi_failed)
}
