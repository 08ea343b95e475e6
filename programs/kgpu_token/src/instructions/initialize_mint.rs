//! `initialize_mint`: creates the K-GPU mint after `initialize` created the config.
//!
//! The mint is a Token-2022 mint at PDA `["mint"]` with 0 decimals, MetadataPointer to itself,
//! token metadata (name, symbol, uri), DefaultAccountState Frozen and the config PDA as permanent
//! delegate, mint authority, freeze authority and metadata update authority.
//!
//! Only the config admin may call it. `initialize` made the program's upgrade authority the
//! admin, so the same key signs both, normally in one transaction. Before `initialize` it fails
//! with `NotInitialized`, and once the mint exists with `AlreadyInitialized`.
//!
//! Accounts:
//! 0. config
//! 1. `[WRITE]` mint, PDA `["mint"]`, not yet created
//! 2. `[WRITE, SIGNER]` admin: the config admin, pays for the mint
//! 3. Token-2022 program
//! 4. System program
//!
//! Data after the discriminator (Borsh):
//! - name: String (at most 32 bytes), symbol: String (at most 10), uri: String (at most 200);
//!   all three empty means no token metadata

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{
    AccountState, InitializeDefaultAccountState, InitializeMetadataPointer, InitializeMint2,
    InitializePermanentDelegate, InitializeTokenMetadata,
};
use kgpu_framework::cpi::Signer;
use kgpu_framework::pubkey::{Pubkey, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::{seeds, AccountInfo};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::addresses::{CONFIG_ADDRESS, MINT_ADDRESS, MINT_BUMP};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::Event;
use crate::instructions::{config_signer, create_account, require_authority};
use crate::state::{AccountType, Config, MINT_SEED};
use crate::token2022::{self, Metadata, DECIMALS, MINT_LEN_BEFORE_METADATA};

/// sha256("global:initialize_mint")[..8]
pub const DISCRIMINATOR: [u8; 8] = [209, 42, 195, 4, 129, 85, 209, 44];

/// sha256("event:MintInitialized")[..8]: mint, admin.
pub const MINT_INITIALIZED: [u8; 8] = [46, 171, 107, 161, 175, 104, 236, 230];

const MAX_NAME_LEN: usize = 32;
const MAX_SYMBOL_LEN: usize = 10;
const MAX_URI_LEN: usize = 200;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, mint, admin, token_program, system_program, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let metadata = Metadata {
        name: utf8(reader.string(MAX_NAME_LEN)?)?,
        symbol: utf8(reader.string(MAX_SYMBOL_LEN)?)?,
        uri: utf8(reader.string(MAX_URI_LEN)?)?,
    };
    reader.finish()?;

    // Validate the config exists and the admin signed.
    config_account.require_address(&CONFIG_ADDRESS)?;
    if config_account.is_empty_system_account() {
        return Err(TokenError::NotInitialized);
    }
    let config = Config::load(config_account, program_id)?;
    require_authority(admin, &config.admin)?;
    admin.require_writable()?;

    // Validate the mint: the canonical PDA, not yet created.
    mint.require_writable()?;
    mint.require_address(&MINT_ADDRESS)?;
    if !mint.is_empty_system_account() {
        return Err(TokenError::AlreadyInitialized);
    }

    // Validate the programs.
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Create and initialize the mint, funded for its size after token metadata is added.
    let mint_bump_seed = [MINT_BUMP];
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
        config_signer!(signer);
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
        .invoke_signed(&[signer])
        .map_err(TokenError::cpi_failed)?;
    }

    Event::new(MINT_INITIALIZED).bytes(&MINT_ADDRESS).bytes(admin.key()).emit();
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
