//! `check_accounts` and `borrow_twice`: account checks and duplicate accounts.

use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::CLOCK_SYSVAR_ID;
use kgpu_framework::return_data::set_return_data;

/// `check_accounts`: runs one check on each account, in order.
///
/// Accounts:
///   0. `[SIGNER]` any signer
///   1. `[WRITE]` any writable account
///   2. `[]` an account owned by this program
///   3. `[]` the clock sysvar, checked by address
///
/// Errors: `NotEnoughAccountKeys`, `MissingRequiredSignature`, `Immutable`,
/// `InvalidAccountOwner`, `InvalidArgument`, from the first check that fails.
pub fn process_check_accounts(program_id: &Pubkey, accounts: &[AccountInfo]) -> ProgramResult {
    let [signer, writable, owned, clock, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    signer.check_signer()?;
    writable.check_writable()?;
    owned.check_owner(program_id)?;
    clock.check_address(&CLOCK_SYSVAR_ID)?;
    log("accounts ok");
    Ok(())
}

/// `borrow_twice`: borrows the data of two accounts mutably at the same time and writes a
/// marker byte into each.
///
/// Accounts:
///   0. `[WRITE]` account with at least 1 data byte, owned by this program
///   1. `[WRITE]` account with at least 1 data byte, owned by this program
///
/// Returns `[1]` as return data when both entries are the same account. When they are (a
/// duplicate entry), the second borrow fails with `AccountBorrowFailed`.
pub fn process_borrow_twice(accounts: &[AccountInfo]) -> ProgramResult {
    let [first, second, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    first.check_writable()?;
    second.check_writable()?;
    first.check_data_len(1)?;
    second.check_data_len(1)?;
    set_return_data(&[first.is_same(second) as u8])?;

    let mut first_data = first.try_borrow_mut_data()?;
    let mut second_data = second.try_borrow_mut_data()?;
    first_data[0] = 0xA1;
    second_data[0] = 0xB2;
    Ok(())
}
