//! `seize`: governance burns K-GPU from a wallet's K-GPU token account as permanent delegate.
//!
//! A frozen account is thawed for the burn and refrozen after it. The reason hash (for example
//! sha256 of a court order reference) goes into the `Seized` event.
//!
//! A token account whose owner is off the ed25519 curve, that is a PDA of some program, is
//! rejected with `ProtectedAccount`, because its balance is that program's liability. The market
//! program, for example, books every unit in its escrow and stake vaults to a job or provider.
//! A burn under it would leave a refund or withdrawal that can never be paid. Governance seizes
//! from the beneficiary's wallet once the program has paid the funds out (after `close_job`
//! refunds the renter, for example). Until then `set_kyc` can revoke the beneficiary's record
//! and freeze their accounts.
//!
//! NOTE: the check covers every PDA owner, including multisig vaults and programs that are not
//! on the approved list, so the K-GPU in such an account cannot be seized. `set_kyc` with the
//! PDA as the wallet can still freeze it.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. `[SIGNER]` admin
//! 2. `[WRITE]` K-GPU token account, owned by a wallet (an ed25519 key), not by a PDA
//! 3. `[WRITE]` K-GPU mint
//! 4. Token-2022 program
//!
//! Data after the discriminator (Borsh):
//! - `0..8` amount: u64, greater than 0 and at most the balance
//! - `8..40` reason_hash: [u8; 32]

use kgpu_framework::pda::is_off_curve;
use kgpu_framework::{AccountInfo, Pubkey};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, SEIZED};
use crate::instructions::{burn_as_delegate, config_signer, require_authority, BurnAsDelegate};
use crate::state::{AccountType, Config};
use crate::token2022::{self, load_token_account};

/// sha256("global:seize")[..8]
pub const DISCRIMINATOR: [u8; 8] = [129, 159, 143, 31, 161, 224, 241, 84];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, admin, source, mint, token_program, ..] = accounts else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let amount = reader.u64()?;
    let reason_hash = reader.array32()?;
    reader.finish()?;
    if amount == 0 {
        return Err(TokenError::InvalidAmount);
    }

    // Validate config, admin, mint, program and token account.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    require_authority(admin, &config.admin)?;
    mint.require_writable()?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;
    source.require_writable()?;
    let token_account = load_token_account(source, &config.mint)?;
    if is_off_curve(token_account.owner) {
        return Err(TokenError::ProtectedAccount);
    }

    // Burn, around a thaw if the account is frozen.
    config_signer!(config, signer);
    burn_as_delegate(
        &BurnAsDelegate {
            source,
            mint,
            config: config_account,
            frozen: token_account.frozen,
            token_program,
        },
        amount,
        signer,
    )?;
    Config::add_to(&mut config.total_burned, amount)?;

    Event::new(SEIZED)
        .bytes(source.key())
        .bytes(token_account.owner)
        .u64(amount)
        .bytes(&reason_hash)
        .emit();
    Ok(())
}
