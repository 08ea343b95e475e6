//! Account checks that return this program's error codes.
//!
//! `kgpu_framework::AccountInfo` has the same checks with the runtime's builtin errors. This
//! program reports its own codes (`MissingSigner` is 6003, where the framework returns the
//! builtin `MissingRequiredSignature`), and clients and tests decode them from the IDL, so the
//! handlers call these instead.

use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};
use kgpu_framework::AccountInfo;

use crate::error::TokenError;

/// Result of every instruction handler.
pub type ProgramResult = Result<(), TokenError>;

/// Checks of an account of the instruction, each failing with one `TokenError`.
pub trait AccountChecks {
    /// Returns `MissingSigner` unless the account signed the transaction.
    fn require_signer(&self) -> ProgramResult;
    /// Returns `NotWritable` unless the transaction marks the account writable.
    fn require_writable(&self) -> ProgramResult;
    /// Returns `InvalidOwner` unless `owner` owns the account.
    fn require_owner(&self, owner: &Pubkey) -> ProgramResult;
    /// Returns `InvalidAddress` unless the account's address is `address`.
    fn require_address(&self, address: &Pubkey) -> ProgramResult;
    /// Returns whether the System program owns the account and it has no data.
    fn is_empty_system_account(&self) -> bool;
}

impl AccountChecks for AccountInfo {
    #[inline(always)]
    fn require_signer(&self) -> ProgramResult {
        if !self.is_signer() {
            return Err(TokenError::MissingSigner);
        }
        Ok(())
    }

    #[inline(always)]
    fn require_writable(&self) -> ProgramResult {
        if !self.is_writable() {
            return Err(TokenError::NotWritable);
        }
        Ok(())
    }

    #[inline(always)]
    fn require_owner(&self, owner: &Pubkey) -> ProgramResult {
        if !pubkey_eq(self.owner(), owner) {
            return Err(TokenError::InvalidOwner);
        }
        Ok(())
    }

    #[inline(always)]
    fn require_address(&self, address: &Pubkey) -> ProgramResult {
        if !pubkey_eq(self.key(), address) {
            return Err(TokenError::InvalidAddress);
        }
        Ok(())
    }

    #[inline(always)]
    fn is_empty_system_account(&self) -> bool {
        self.data_len() == 0 && pubkey_eq(self.owner(), &SYSTEM_PROGRAM_ID)
    }
}
