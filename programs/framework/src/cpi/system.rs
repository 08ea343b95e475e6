//! System program instructions: `CreateAccount` and `Transfer`.
//!
//! The System program reads a `u32` little-endian instruction index followed by bincode
//! fields (`solana-system-interface`, `SystemInstruction`):
//!
//! ```text
//! CreateAccount (index 0): [0..4] 0u32, [4..12] lamports u64, [12..20] space u64, [20..52] owner
//! Assign        (index 1): [0..4] 1u32, [4..36] owner
//! Transfer      (index 2): [0..4] 2u32, [4..12] lamports u64
//! Allocate      (index 8): [0..4] 8u32, [4..12] space u64
//! ```

use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountInfo;
use crate::error::ProgramResult;
use crate::pubkey::{Pubkey, SYSTEM_PROGRAM_ID};
use crate::sysvars::Rent;

/// Creates `new_account` with `space` zeroed bytes, `lamports` and `owner`.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` funding account
///   1. `[WRITE, SIGNER]` new account (a PDA signs through `invoke_signed`)
///
/// The System program fails if `new_account` already has lamports; use `Transfer`, `Allocate`
/// and `Assign` for a pre-funded address.
pub struct CreateAccount<'a> {
    /// Funding account.
    pub from: &'a AccountInfo,
    /// Account to create.
    pub to: &'a AccountInfo,
    /// Lamports moved to the new account.
    pub lamports: u64,
    /// Data size of the new account in bytes.
    pub space: u64,
    /// Program that will own the new account.
    pub owner: &'a Pubkey,
}

impl CreateAccount<'_> {
    /// Instruction index of `CreateAccount`.
    pub const INDEX: u32 = 0;

    /// Invokes the instruction without PDA signers.
    pub fn invoke(&self) -> ProgramResult {
        self.invoke_signed(&[])
    }

    /// Invokes the instruction, signing for the PDAs in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 52];
        data[0..4].copy_from_slice(&Self::INDEX.to_le_bytes());
        data[4..12].copy_from_slice(&self.lamports.to_le_bytes());
        data[12..20].copy_from_slice(&self.space.to_le_bytes());
        data[20..52].copy_from_slice(self.owner);

        let metas = [AccountMeta::writable_signer(self.from.key()), AccountMeta::writable_signer(self.to.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(&instruction, &[self.from, self.to], signers)
    }
}

/// Moves `lamports` from a system-owned account to another account.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` source, owned by the System program
///   1. `[WRITE]` destination
pub struct Transfer<'a> {
    /// Source account.
    pub from: &'a AccountInfo,
    /// Destination account.
    pub to: &'a AccountInfo,
    /// Amount in lamports.
    pub lamports: u64,
}

impl Transfer<'_> {
    /// Instruction index of `Transfer`.
    pub const INDEX: u32 = 2;

    /// Invokes the instruction without PDA signers.
    pub fn invoke(&self) -> ProgramResult {
        self.invoke_signed(&[])
    }

    /// Invokes the instruction, signing for the PDAs in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 12];
        data[0..4].copy_from_slice(&Self::INDEX.to_le_bytes());
        data[4..12].copy_from_slice(&self.lamports.to_le_bytes());

        let metas = [AccountMeta::writable_signer(self.from.key()), AccountMeta::writable(self.to.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(&instruction, &[self.from, self.to], signers)
    }
}

/// Sets the data size of a system-owned account with no data.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` account (a PDA signs through `invoke_signed`)
pub struct Allocate<'a> {
    /// Account to allocate.
    pub account: &'a AccountInfo,
    /// Data size in bytes.
    pub space: u64,
}

impl Allocate<'_> {
    /// Instruction index of `Allocate`.
    pub const INDEX: u32 = 8;

    /// Invokes the instruction, signing for the PDAs in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 12];
        data[0..4].copy_from_slice(&Self::INDEX.to_le_bytes());
        data[4..12].copy_from_slice(&self.space.to_le_bytes());

        let metas = [AccountMeta::writable_signer(self.account.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(&instruction, &[self.account], signers)
    }
}

/// Gives a system-owned account to another program.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` account (a PDA signs through `invoke_signed`)
pub struct Assign<'a> {
    /// Account to assign.
    pub account: &'a AccountInfo,
    /// New owner.
    pub owner: &'a Pubkey,
}

impl Assign<'_> {
    /// Instruction index of `Assign`.
    pub const INDEX: u32 = 1;

    /// Invokes the instruction, signing for the PDAs in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 36];
        data[0..4].copy_from_slice(&Self::INDEX.to_le_bytes());
        data[4..36].copy_from_slice(self.owner);

        let metas = [AccountMeta::writable_signer(self.account.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(&instruction, &[self.account], signers)
    }
}

/// Creates a rent-exempt account owned by `owner`, also when someone has already sent lamports
/// to its address.
///
/// `CreateAccount` fails on an address that holds lamports, so anyone could block a PDA by
/// funding it first. When the account already has lamports, this tops it up to the rent-exempt
/// minimum with `Transfer`, then runs `Allocate` and `Assign`. Both paths need the new account to
/// sign, usually through PDA seeds in `signers`.
///
/// Accounts: the payer (`[WRITE, SIGNER]`) and the new account (`[WRITE]`, signed by seeds).
pub struct CreateProgramAccount<'a> {
    /// Funding account.
    pub payer: &'a AccountInfo,
    /// Account to create.
    pub account: &'a AccountInfo,
    /// Data size in bytes.
    pub space: u64,
    /// Program that will own the account.
    pub owner: &'a Pubkey,
}

impl CreateProgramAccount<'_> {
    /// Creates the account, signing for the PDAs in `signers`.
    ///
    /// Returns `AccountAlreadyInitialized` when the account already has data or an owner other
    /// than the System program.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let minimum = Rent::get()?.minimum_balance(self.space as usize)?;
        self.invoke_signed_with_lamports(minimum, signers)
    }

    /// Creates the account with a balance of at least `lamports`, signing for the PDAs in
    /// `signers`.
    ///
    /// For callers that already read the rent sysvar, or that fund the account for a size it
    /// reaches later in the same instruction (a Token-2022 mint that grows when token metadata is
    /// added). A pre-funded account keeps a balance above `lamports`. The caller is responsible
    /// for `lamports` covering the rent-exempt minimum of `space`, because the runtime rejects a
    /// new account below it. Returns `AccountAlreadyInitialized` like
    /// [`CreateProgramAccount::invoke_signed`].
    pub fn invoke_signed_with_lamports(&self, lamports: u64, signers: &[Signer]) -> ProgramResult {
        let minimum = lamports;
        let current = self.account.lamports();
        if current == 0 {
            return CreateAccount { from: self.payer, to: self.account, lamports: minimum, space: self.space, owner: self.owner }
                .invoke_signed(signers);
        }

        if self.account.data_len() != 0 || !crate::pubkey::pubkey_eq(self.account.owner(), &SYSTEM_PROGRAM_ID) {
            return Err(crate::ProgramError::AccountAlreadyInitialized);
        }
        if current < minimum {
            Transfer { from: self.payer, to: self.account, lamports: minimum - current }.invoke()?;
        }
        Allocate { account: self.account, space: self.space }.invoke_signed(signers)?;
        Assign { account: self.account, owner: self.owner }.invoke_signed(signers)
    }
}
