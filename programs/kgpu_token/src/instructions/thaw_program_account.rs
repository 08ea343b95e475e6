//! `thaw_program_account`: admin thaws a K-GPU token account owned by a PDA of an approved
//! program, such as the market program's escrow and stake vaults, which start frozen like every
//! K-GPU account and have no KYC record.
//!
//! The caller passes the PDA's seeds with the bump as the last seed. The program derives the
//! address under the approved program id, as `sol_create_program_address` does, and requires it
//! to equal the token account's owner. An account already thawed is left alone.
//!
//! Accounts:
//! 0. config
//! 1. `[SIGNER]` admin
//! 2. `[WRITE]` K-GPU token account
//! 3. K-GPU mint
//! 4. Token-2022 program
//!
//! Data after the discriminator (Borsh):
//! - `0..32` program_id: Pubkey, on the approved list
//! - `32..` seeds: Vec<Vec<u8>>, 1 to 16 seeds of at most 32 bytes each, the bump last

use kgpu_framework::cpi::token2022::SetFrozen;
use kgpu_framework::pda::{create_program_address, MAX_SEEDS, MAX_SEED_LEN};
use kgpu_framework::pubkey::{pubkey_eq, Pubkey};
use kgpu_framework::AccountInfo;

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, PROGRAM_ACCOUNT_THAWED};
use crate::instructions::{config_signer, require_authority};
use crate::state::{AccountType, Config};
use crate::token2022::{self, load_token_account};

/// sha256("global:thaw_program_account")[..8]
pub const DISCRIMINATOR: [u8; 8] = [62, 9, 201, 13, 106, 212, 37, 66];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, admin, vault, mint, token_program, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let owner_program = reader.pubkey()?;
    let seed_count = reader.vec_len(MAX_SEEDS)?;
    if seed_count == 0 {
        return Err(TokenError::InvalidSeeds);
    }
    let mut seeds: [&[u8]; MAX_SEEDS] = [&[]; MAX_SEEDS];
    for seed in seeds.iter_mut().take(seed_count) {
        *seed = reader.string(MAX_SEED_LEN)?;
    }
    reader.finish()?;

    // Validate config, admin, mint and program.
    let config = Config::load(config_account, program_id)?;
    require_authority(admin, &config.admin)?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;

    // Validate the vault: owned by a PDA of an approved program.
    if !config.is_approved_program(&owner_program) {
        return Err(TokenError::ProgramNotApproved);
    }
    vault.require_writable()?;
    let token_account = load_token_account(vault, &config.mint)?;
    let derived =
        create_program_address(&seeds[..seed_count], &owner_program).map_err(|_| TokenError::InvalidSeeds)?;
    if !pubkey_eq(&derived, token_account.owner) {
        return Err(TokenError::InvalidSeeds);
    }

    // Thaw it.
    if token_account.frozen {
        config_signer!(signer);
        SetFrozen {
            account: vault,
            mint,
            freeze_authority: config_account,
            freeze: false,
            token_program,
        }
        .invoke_signed(&[signer])
        .map_err(TokenError::cpi_failed)?;
    }

    Event::new(PROGRAM_ACCOUNT_THAWED)
        .bytes(vault.key())
        .bytes(token_account.owner)
        .bytes(&owner_program)
        .emit();
    Ok(())
}
