//! Account creation, token-account checks and vault transfers shared by the instructions.

use kgpu_framework::cpi::system::{CreateAccount, Transfer};
use kgpu_framework::cpi::token2022::{layout, TransferChecked};
use kgpu_framework::cpi::{invoke_signed, AccountMeta, Instruction};
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::{SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::sysvars::Rent;

use crate::error::MarketError;
use crate::state::AUTHORITY_SEED;

/// Decimals of K-GPU and K-CARBON.
pub const DECIMALS: u8 = 0;

/// Size of a Token-2022 account without extensions.
pub const TOKEN_ACCOUNT_LEN: usize = 165;

/// A rent-exempt account to create at a PDA of this program or of the caller's choosing.
pub struct NewAccount<'a> {
    /// Funding account, a signer.
    pub payer: &'a AccountInfo,
    /// Account to create; the PDA signs through `signer`.
    pub account: &'a AccountInfo,
    /// Data size in bytes.
    pub space: usize,
    /// Program that will own the account.
    pub owner: &'a Pubkey,
}

impl NewAccount<'_> {
    /// Creates the account, signed by `signer` (the PDA's seeds, bump last).
    ///
    /// Anyone can send lamports to an address before it is created, which would make
    /// `CreateAccount` fail. An account that already has lamports but no data and is owned by
    /// the System program is topped up, allocated and assigned instead. Any other existing
    /// account fails with `AlreadyInitialized`.
    pub fn create(&self, signer: &[Seed]) -> ProgramResult {
        let lamports = Rent::get()?.minimum_balance(self.space)?;
        let current = self.account.lamports();
        if current == 0 {
            return CreateAccount {
                from: self.payer,
                to: self.account,
                lamports,
                space: self.space as u64,
                owner: self.owner,
            }
            .invoke_signed(&[Signer::from(signer)]);
        }
        if !pubkey_eq(self.account.owner(), &SYSTEM_PROGRAM_ID) || self.account.data_len() != 0 {
            return Err(MarketError::AlreadyInitialized.into());
        }
        if current < lamports {
            Transfer { from: self.payer, to: self.account, lamports: lamports - current }.invoke()?;
        }
        let mut allocate = [0u8; 12];
        allocate[..4].copy_from_slice(&8u32.to_le_bytes());
        allocate[4..].copy_from_slice(&(self.space as u64).to_le_bytes());
        let metas = [AccountMeta::writable_signer(self.account.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &allocate };
        invoke_signed(&instruction, &[self.account], &[Signer::from(signer)])?;
        let mut assign = [0u8; 36];
        assign[..4].copy_from_slice(&1u32.to_le_bytes());
        assign[4..].copy_from_slice(self.owner);
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &assign };
        invoke_signed(&instruction, &[self.account], &[Signer::from(signer)])
    }
}

/// Checks that `account` is a Token-2022 account of `mint` owned by `owner`.
///
/// Returns `InvalidTokenAccount` otherwise. The token program itself rejects a frozen account.
pub fn check_token_account(account: &AccountInfo, mint: &Pubkey, owner: &Pubkey) -> ProgramResult {
    account.check_writable()?;
    if !pubkey_eq(account.owner(), &TOKEN_2022_PROGRAM_ID) || account.data_len() < TOKEN_ACCOUNT_LEN {
        return Err(MarketError::InvalidTokenAccount.into());
    }
    let data = account.try_borrow_data()?;
    // SAFETY: the data is at least 165 bytes; `Pubkey` has alignment 1.
    let (account_mint, account_owner) = unsafe {
        (
            &*(data.as_ptr().add(layout::ACCOUNT_MINT) as *const Pubkey),
            &*(data.as_ptr().add(layout::ACCOUNT_OWNER) as *const Pubkey),
        )
    };
    if !pubkey_eq(account_mint, mint) || !pubkey_eq(account_owner, owner) {
        return Err(MarketError::InvalidTokenAccount.into());
    }
    Ok(())
}

/// Returns `AccountMismatch` unless `account` is at `expected`.
#[inline(always)]
pub fn check_key(account: &AccountInfo, expected: &Pubkey) -> ProgramResult {
    if !pubkey_eq(account.key(), expected) {
        return Err(MarketError::AccountMismatch.into());
    }
    Ok(())
}

/// A K-GPU transfer out of a market vault, signed by the authority PDA `["authority", bump]`.
///
/// The runtime derives the PDA from the seeds, so a wrong `authority` account fails the
/// transfer as an unsigned authority.
pub struct VaultTransfer<'a> {
    pub vault: &'a AccountInfo,
    pub destination: &'a AccountInfo,
    pub authority: &'a AccountInfo,
    pub mint: &'a AccountInfo,
    pub token_program: &'a AccountInfo,
    pub authority_bump: u8,
}

impl VaultTransfer<'_> {
    /// Moves `amount` from the vault; does nothing for zero.
    pub fn invoke(&self, amount: u64) -> ProgramResult {
        if amount == 0 {
            return Ok(());
        }
        let bump = [self.authority_bump];
        let seeds = seeds!(AUTHORITY_SEED, bump);
        TransferChecked {
            source: self.vault,
            mint: self.mint,
            destination: self.destination,
            authority: self.authority,
            amount,
            decimals: DECIMALS,
            token_program: self.token_program,
        }
        .invoke_signed(&[Signer::from(&seeds)])
    }
}

/// Returns whether `code` is two upper-case ASCII letters, the shape of ISO 3166-1 alpha-2.
pub fn is_country_code(code: &[u8; 2]) -> bool {
    code[0].is_ascii_uppercase() && code[1].is_ascii_uppercase()
}
