//! K-GPU token program: a KRW stable token on SPL Token-2022, minted against deposits that an
//! oracle quorum attests, within the capacity of the latest collateral attestation, to wallets
//! with valid KYC.
//!
//! Every instruction starts with the Anchor discriminator `sha256("global:<name>")[..8]`,
//! followed by Borsh arguments. Each module under `instructions` documents its instruction's
//! accounts and data ranges. `state` draws the account layouts, `quorum` the signed message and
//! `events` the event fields.
//!
//! | instruction | authorised by |
//! | --- | --- |
//! | `initialize` | the program's upgrade authority |
//! | `initialize_mint` | admin (the upgrade authority that ran `initialize`) |
//! | `update_oracle_set`, `update_params`, `seize`, `thaw_program_account` | admin |
//! | `set_kyc` | registry authority |
//! | `attest_collateral`, `mint_deposit`, `confirm_redemption` | m of n oracle keys (Ed25519 precompile) |
//! | `redeem` | the token account owner; never paused |

#![no_std]

pub mod accounts;
pub mod addresses;
pub mod args;
pub mod error;
pub mod events;
pub mod instructions;
pub mod quorum;
pub mod state;
pub mod token2022;

use core::mem::MaybeUninit;

use accounts::ProgramResult;
use error::TokenError;
use instructions::*;
use kgpu_framework::entrypoint::{deserialize, MAX_ACCOUNTS as INPUT_ACCOUNTS};
use kgpu_framework::pubkey::pubkey_eq;
use kgpu_framework::{AccountInfo, Pubkey};

/// Most accounts one instruction may pass; more fail with `TooManyAccounts`.
pub const MAX_ACCOUNTS: usize = 16;

/// Program entrypoint called by the runtime with the serialized input.
///
/// This program declares its own entrypoint instead of `kgpu_framework::entrypoint!`, because it
/// logs the name of every error it returns.
///
/// # Safety
///
/// `input` is the loader's input buffer for this program, in the layout that
/// `kgpu_framework::entrypoint` draws.
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let mut accounts = [const { MaybeUninit::<AccountInfo>::uninit() }; INPUT_ACCOUNTS];
    // SAFETY: the runtime passes a buffer in the documented layout.
    let (program_id, count, data) = unsafe { deserialize(input, &mut accounts) };
    // SAFETY: `deserialize` initialized the first `count` entries.
    let accounts = unsafe { core::slice::from_raw_parts(accounts.as_ptr() as *const AccountInfo, count) };
    match process(program_id, accounts, data) {
        Ok(()) => kgpu_framework::entrypoint::SUCCESS,
        Err(error) => {
            // The one error log of the program: the variant name, next to the numeric code the
            // runtime reports.
            kgpu_framework::log::log(error.name());
            error.code()
        }
    }
}

kgpu_framework::panic_handler!();

/// Dispatches on the 8-byte instruction discriminator, compared as one little-endian u64.
///
/// Rejects a program id other than [`addresses::ID`] first, as Anchor's `declare_id!` check
/// does, because the constant PDA addresses and bumps in `addresses` hold only for that id.
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    if !pubkey_eq(program_id, &addresses::ID) {
        return Err(TokenError::ProgramIdMismatch);
    }
    if accounts.len() > MAX_ACCOUNTS {
        return Err(TokenError::TooManyAccounts);
    }
    if data.len() < 8 {
        return Err(TokenError::InvalidInstructionData);
    }
    // SAFETY: the data has at least 8 bytes, and it starts 8-byte aligned because the loader
    // pads the accounts section to 8 bytes and puts a u64 length before the data.
    let tag = unsafe { (data.as_ptr() as *const u64).read() };
    let args = &data[8..];
    match tag {
        t if t == u64::from_le_bytes(initialize::DISCRIMINATOR) => {
            initialize::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(initialize_mint::DISCRIMINATOR) => {
            initialize_mint::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(update_oracle_set::DISCRIMINATOR) => {
            update_oracle_set::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(update_params::DISCRIMINATOR) => {
            update_params::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(set_kyc::DISCRIMINATOR) => {
            set_kyc::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(attest_collateral::DISCRIMINATOR) => {
            attest_collateral::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(mint_deposit::DISCRIMINATOR) => {
            mint_deposit::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(redeem::DISCRIMINATOR) => {
            redeem::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(confirm_redemption::DISCRIMINATOR) => {
            confirm_redemption::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(seize::DISCRIMINATOR) => {
            seize::process(program_id, accounts, args)
        }
        t if t == u64::from_le_bytes(thaw_program_account::DISCRIMINATOR) => {
            thaw_program_account::process(program_id, accounts, args)
        }
        _ => Err(TokenError::InvalidInstructionData),
    }
}
