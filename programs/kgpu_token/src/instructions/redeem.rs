//! `redeem`: burns K-GPU from the holder's account and opens a redemption request.
//!
//! Never paused, and works on frozen accounts too: the program burns as permanent delegate after
//! checking that the signer owns the token account, thawing and refreezing a frozen account around
//! the burn. The quorum later confirms the bank payment with `confirm_redemption`.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. `[WRITE]` K-GPU mint
//! 2. `[WRITE]` K-GPU token account whose owner is the holder
//! 3. `[WRITE, SIGNER]` holder: owner of the token account, pays for the request
//! 4. `[WRITE]` redemption request, PDA `["redemption", holder, nonce as u64 LE]` with bump 255,
//!    not yet created
//! 5. Token-2022 program
//! 6. System program
//!
//! Data after the discriminator (Borsh):
//! - `0..8` nonce: u64, chosen by the holder, unique per holder, and such that the request PDA
//!   has canonical bump 255 (`kgpu.token.canonical_redemption_nonce` finds one). Other nonces
//!   fail with `RedemptionNonceNotCanonical`.
//! - `8..16` amount: u64 KRW, greater than 0
//! - `16..48` bank_reference_hash: [u8; 32], sha256 of the holder's bank account reference

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::Signer;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};
use kgpu_framework::{seeds, AccountInfo};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, REDEMPTION_REQUESTED};
use crate::instructions::{burn_as_delegate, clock, config_signer, create_account, is_pda_hash, BurnAsDelegate};
use crate::state::{
    AccountType, Config, Redemption, REDEMPTION_BUMP, REDEMPTION_REQUESTED as STATUS_REQUESTED, REDEMPTION_SEED,
};
use crate::token2022::{self, load_token_account};

/// sha256("global:redeem")[..8]
pub const DISCRIMINATOR: [u8; 8] = [184, 12, 86, 149, 70, 196, 97, 225];

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, mint, source, holder, redemption_account, token_program, system_program, ..] =
        accounts
    else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let mut reader = Reader::new(data);
    let nonce = reader.u64()?;
    let amount = reader.u64()?;
    let bank_reference_hash = reader.array32()?;
    reader.finish()?;
    if amount == 0 {
        return Err(TokenError::InvalidAmount);
    }

    // Validate config, mint and programs.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    mint.require_writable()?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Validate the holder owns the token account. Token-2022 rejects a burn above the balance.
    holder.require_signer()?;
    holder.require_writable()?;
    source.require_writable()?;
    let token_account = load_token_account(source, &config.mint)?;
    if !pubkey_eq(token_account.owner, holder.key()) {
        return Err(TokenError::InvalidTokenAccount);
    }

    // Validate the request address: the PDA `["redemption", holder, nonce]` with bump 255,
    // which makes 255 the canonical bump, not yet created. The holder picks a nonce with that
    // property, so one hash replaces the bump search. The runtime checks that the hash is off
    // the curve when the request is created with these seeds below.
    redemption_account.require_writable()?;
    let nonce_seed = nonce.to_le_bytes();
    if !is_pda_hash(
        &[REDEMPTION_SEED, holder.key(), &nonce_seed, &[REDEMPTION_BUMP]],
        program_id,
        redemption_account.key(),
    ) {
        return Err(TokenError::RedemptionNonceNotCanonical);
    }
    if !redemption_account.is_empty_system_account() {
        return Err(TokenError::AlreadyInitialized);
    }

    // Burn as permanent delegate, around a thaw if the account is frozen.
    config_signer!(signer);
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

    // Open the request.
    let bump_seed = [REDEMPTION_BUMP];
    let redemption_seeds = seeds!(REDEMPTION_SEED, holder.key(), nonce_seed, bump_seed);
    create_account(
        &CreateProgramAccount {
            payer: holder,
            account: redemption_account,
            space: Redemption::LEN as u64,
            owner: program_id,
        },
        Redemption::LEN,
        Signer::from(&redemption_seeds),
    )?;
    // SAFETY: just created with Redemption::LEN zeroed bytes; no other view exists.
    let request = unsafe { Redemption::init(redemption_account)? };
    request.owner = *holder.key();
    request.nonce = nonce_seed;
    request.amount = amount.to_le_bytes();
    request.bank_reference_hash = bank_reference_hash;
    request.status = STATUS_REQUESTED;
    request.requested_at = clock().unix_timestamp.to_le_bytes();
    request.bump = REDEMPTION_BUMP;

    Event::new(REDEMPTION_REQUESTED)
        .bytes(redemption_account.key())
        .bytes(holder.key())
        .u64(nonce)
        .u64(amount)
        .bytes(&bank_reference_hash)
        .emit();
    Ok(())
}
