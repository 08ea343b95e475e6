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

/// Token-2022 account state `Initialized`: neither uninitialized (0) nor frozen (2).
const ACCOUNT_STATE_INITIALIZED: u8 = 1;
/// Token-2022 extension type `MemoTransfer`, whose one-byte value requires a memo before every
/// incoming transfer.
const EXTENSION_MEMO_TRANSFER: u16 = 8;

/// Returns whether a K-GPU transfer to `account` can succeed: a writable, initialized and not
/// frozen Token-2022 account of `mint` owned by `owner` that does not require incoming memos.
///
/// `close_job` books the refund instead of paying it when this returns false, so that neither
/// a closed nor a frozen account of the renter can block the close.
pub fn is_refundable_token_account(account: &AccountInfo, mint: &Pubkey, owner: &Pubkey) -> bool {
    if !account.is_writable() || !pubkey_eq(account.owner(), &TOKEN_2022_PROGRAM_ID) {
        return false;
    }
    let Ok(data) = account.try_borrow_data() else {
        return false;
    };
    if data.len() < ACCOUNT_LEN || data[layout::ACCOUNT_STATE] != ACCOUNT_STATE_INITIALIZED {
        return false;
    }
    // SAFETY: the data is at least 165 bytes and `Pubkey` has alignment 1.
    let (account_mint, account_owner) = unsafe {
        (
            &*(data.as_ptr().add(layout::ACCOUNT_MINT) as *const Pubkey),
            &*(data.as_ptr().add(layout::ACCOUNT_OWNER) as *const Pubkey),
        )
    };
    if !pubkey_eq(account_mint, mint) || !pubkey_eq(account_owner, owner) {
        return false;
    }
    !requires_incoming_memo(&data)
}

/// Returns whether the extensions of a Token-2022 account include an enabled `MemoTransfer`.
///
/// Extensions follow the 165-byte base and the one-byte account type as TLV entries: a u16
/// type, a u16 length and the value, all little-endian.
fn requires_incoming_memo(data: &[u8]) -> bool {
    let mut offset = ACCOUNT_LEN + 1;
    while offset + 4 <= data.len() {
        let extension = u16::from_le_bytes([data[offset], data[offset + 1]]);
        let length = u16::from_le_bytes([data[offset + 2], data[offset + 3]]) as usize;
        let value = offset + 4;
        if extension == 0 {
            return false;
        }
        if extension == EXTENSION_MEMO_TRANSFER {
            return data.get(value).is_some_and(|&required| required != 0);
        }
        offset = value + length;
    }
    false
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
