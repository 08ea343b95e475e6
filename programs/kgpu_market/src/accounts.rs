//! Account checks and account creation that report the market's own error codes.
//!
//! `kgpu_framework::AccountInfo` has generic checks with builtin errors. The checks here
//! compare an account with an address the market or a job stores, or with a token account's
//! mint and owner, and fail with the `MarketError` codes that clients decode from the IDL.

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::system_with_seed::CreateSeededAccount;
use kgpu_framework::cpi::token2022::{layout, ACCOUNT_LEN};
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::TOKEN_2022_PROGRAM_ID;
use kgpu_framework::sysvars::Rent;

use crate::error::MarketError;

/// Returns `AccountMismatch` unless `account` is at `expected`.
#[inline(always)]
pub fn check_key(account: &AccountInfo, expected: &Pubkey) -> ProgramResult {
    if !pubkey_eq(account.key(), expected) {
        return Err(MarketError::AccountMismatch.into());
    }
    Ok(())
}

/// Checks that `account` is a writable Token-2022 account of `mint` owned by `owner`.
///
/// Returns `Immutable` for a read-only account and `InvalidTokenAccount` otherwise. The token
/// program itself rejects a frozen account.
pub fn check_token_account(account: &AccountInfo, mint: &Pubkey, owner: &Pubkey) -> ProgramResult {
    account.check_writable()?;
    if !pubkey_eq(account.owner(), &TOKEN_2022_PROGRAM_ID) || account.data_len() < ACCOUNT_LEN {
        return Err(MarketError::InvalidTokenAccount.into());
    }
    // The two fields are read at once, so a shared borrow, which costs a decrement and an
    // increment of the borrow state, only has to exclude a mutable one.
    if account.is_borrowed_mut() {
        return Err(ProgramError::AccountBorrowFailed);
    }
    // SAFETY: the data is at least 165 bytes, no mutable reference to it exists, and
    // `Pubkey` has alignment 1.
    let (account_mint, account_owner) = unsafe {
        let data = account.data_ptr();
        (
            &*(data.add(layout::ACCOUNT_MINT) as *const Pubkey),
            &*(data.add(layout::ACCOUNT_OWNER) as *const Pubkey),
        )
    };
    if !pubkey_eq(account_mint, mint) || !pubkey_eq(account_owner, owner) {
        return Err(MarketError::InvalidTokenAccount.into());
    }
    Ok(())
}

/// Creates `new.account`, rent exempt under `rent` and signed by `signer` (the PDA's seeds,
/// bump last).
///
/// The framework tops up, allocates and assigns an address that someone funded before, so
/// pre-funding cannot block a PDA. An account that already has data or another owner fails
/// with `AlreadyInitialized`.
pub fn create_account(new: &CreateProgramAccount, rent: &Rent, signer: &[Seed]) -> ProgramResult {
    let lamports = rent.minimum_balance(new.space as usize)?;
    new.invoke_signed_with_lamports(lamports, &[Signer::from(signer)]).map_err(already_initialized)
}

/// Creates `new.account` at a seed address of `new.base`, rent exempt under `rent`, with the
/// base signed by `signer` (the base PDA's seeds, bump last).
///
/// As for [`create_account`], a pre-funded address is topped up and allocated, and an account
/// that already has data or another owner fails with `AlreadyInitialized`.
pub fn create_seeded_account(new: &CreateSeededAccount, rent: &Rent, signer: &[Seed]) -> ProgramResult {
    let lamports = rent.minimum_balance(new.space as usize)?;
    new.invoke_signed_with_lamports(lamports, &[Signer::from(signer)]).map_err(already_initialized)
}

/// Maps the framework's `AccountAlreadyInitialized` to the market's `AlreadyInitialized`.
fn already_initialized(error: ProgramError) -> ProgramError {
    if error == ProgramError::AccountAlreadyInitialized {
        MarketError::AlreadyInitialized.into()
    } else {
        error
    }
}
