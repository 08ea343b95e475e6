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

use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, INITIALIZED};
use crate::instructions::OracleSet;
use crate::state::{AccountType, Config, BPS_DENOMINATOR, CONFIG_SEED, MINT_SEED};
use crate::support::{
    create_account, find_program_address, keys_equal, AccountView, NewAccount, ProgramResult,
    Pubkey, Seed, Signer, SYSTEM_PROGRAM_ID,
};
use crate::token2022::{self, Metadata, MINT_LEN_BEFORE_METADATA};

/// sha256("global:initialize")[..8]
pub const DISCRIMINATOR: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];

/// `BPFLoaderUpgradeab1e11111111111111111111111`.
const BPF_LOADER_UPGRADEABLE_ID: Pubkey = [
    2, 168, 246, 145, 78, 136, 161, 176, 226, 16, 21, 62, 247, 99, 174, 43, 0, 194, 185, 61, 22,
    193, 36, 210, 192, 83, 122, 16, 4, 128, 0, 0,
];
/// Program data layout: u32 state tag (3), u64 slot, Option<Pubkey> upgrade authority.
const PROGRAM_DATA_TAG: u8 = 3;
const PROGRAM_DATA_AUTHORITY_OPTION: usize = 12;
const PROGRAM_DATA_AUTHORITY: usize = 13;

const MAX_NAME_LEN: usize = 32;
const MAX_SYMBOL_LEN: usize = 10;
const MAX_URI_LEN: usize = 200;

/// Jurisdictions blocked from the start: China and Russia.
const DEFAULT_BLOCKED: [[u8; 2]; 2] = [*b"CN", *b"RU"];

pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
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
        name: reader.string(MAX_NAME_LEN)?,
        symbol: reader.string(MAX_SYMBOL_LEN)?,
        uri: reader.string(MAX_URI_LEN)?,
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
        find_program_address(&[program_id], &BPF_LOADER_UPGRADEABLE_ID)?;
    program_data.require_address(&program_data_address)?;
    let loader_state = program_data.data();
    if loader_state.len() < PROGRAM_DATA_AUTHORITY + 32
        || loader_state[0] != PROGRAM_DATA_TAG
        || loader_state[PROGRAM_DATA_AUTHORITY_OPTION] != 1
    {
        return Err(TokenError::NotUpgradeAuthority);
    }
    let mut upgrade_authority = [0u8; 32];
    upgrade_authority
        .copy_from_slice(&loader_state[PROGRAM_DATA_AUTHORITY..PROGRAM_DATA_AUTHORITY + 32]);
    if !keys_equal(&upgrade_authority, admin.key()) {
        return Err(TokenError::NotUpgradeAuthority);
    }

    // Validate the new accounts: canonical PDAs, not yet created.
    config_account.require_writable()?;
    mint.require_writable()?;
    let (config_address, config_bump) = find_program_address(&[CONFIG_SEED], program_id)?;
    config_account.require_address(&config_address)?;
    let (mint_address, mint_bump) = find_program_address(&[MINT_SEED], program_id)?;
    mint.require_address(&mint_address)?;
    if !config_account.is_empty_system_account() || !mint.is_empty_system_account() {
        return Err(TokenError::AlreadyInitialized);
    }

    // Validate the programs.
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Create the config account.
    let config_bump_seed = [config_bump];
    let config_seeds = [Seed::new(CONFIG_SEED), Seed::new(&config_bump_seed)];
    let config_signer = Signer::new(&config_seeds);
    create_account(
        &NewAccount {
            payer: admin,
            account: config_account,
            space: Config::LEN,
            funded_space: Config::LEN,
            owner: program_id,
        },
        &config_signer,
    )?;

    // Create and initialize the mint, funded for its size after token metadata is added.
    let mint_bump_seed = [mint_bump];
    let mint_seeds = [Seed::new(MINT_SEED), Seed::new(&mint_bump_seed)];
    create_account(
        &NewAccount {
            payer: admin,
            account: mint,
            space: MINT_LEN_BEFORE_METADATA,
            funded_space: MINT_LEN_BEFORE_METADATA
                + if metadata.is_empty() {
                    0
                } else {
                    metadata.len()
                },
            owner: &token2022::TOKEN_2022_PROGRAM_ID,
        },
        &Signer::new(&mint_seeds),
    )?;
    token2022::initialize_mint(mint, config_account.key())?;
    // NOTE: the Token-2022 build in solders 0.27 LiteSVM fails the metadata realloc with
    // InvalidRealloc. Empty name, symbol and uri skip the metadata, so the program can still be
    // initialized there.
    if !metadata.is_empty() {
        token2022::initialize_metadata(mint, config_account, &metadata, &config_signer)?;
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
