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

use core::mem::MaybeUninit;

use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountInfo;
use crate::bytes::copy_bytes;
use crate::error::ProgramResult;
use crate::pubkey::{Pubkey, SYSTEM_PROGRAM_ID};
use crate::sysvars::Rent;

/// System program instruction data: a u32 index followed by `N` bytes of fields.
///
/// The index sits in the 4 bytes before an 8-byte boundary, so every u64 field after it is one
/// aligned store. Packed bytes would take eight byte stores per u64.
#[repr(C, align(8))]
struct InstructionData<const N: usize> {
    /// Never read, because the data starts at `index`.
    padding: [MaybeUninit<u8>; 4],
    index: u32,
    fields: [MaybeUninit<u8>; N],
}

impl<const N: usize> InstructionData<N> {
    #[inline(always)]
    fn new(index: u32) -> Self {
        InstructionData { padding: [MaybeUninit::uninit(); 4], index: index.to_le(), fields: [MaybeUninit::uninit(); N] }
    }

    /// Writes `value` little-endian at `offset` of the fields, a multiple of 8.
    #[inline(always)]
    fn write_u64(&mut self, offset: usize, value: u64) {
        assert!(offset % 8 == 0);
        assert!(offset + 8 <= N);
        // SAFETY: the fields start 8-byte aligned, and the assertions keep the store aligned
        // and inside them. Every call passes a constant offset, so they compile away.
        unsafe { *(self.fields.as_mut_ptr().add(offset) as *mut u64) = value.to_le() };
    }

    /// Writes `bytes` at `offset` of the fields.
    #[inline(always)]
    fn write_bytes(&mut self, offset: usize, bytes: &[u8]) {
        let target = &mut self.fields[offset..offset + bytes.len()];
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and writing initializes the bytes.
        let target = unsafe { core::slice::from_raw_parts_mut(target.as_mut_ptr() as *mut u8, target.len()) };
        copy_bytes(target, bytes);
    }

    /// Returns the index and the fields, which the callers have written in full.
    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: `index` starts at byte 4 of the `#[repr(C)]` struct and the `N` field bytes
        // follow it without padding. Every builder writes all `N` field bytes before it calls
        // this.
        unsafe { core::slice::from_raw_parts((self as *const Self as *const u8).add(4), 4 + N) }
    }
}

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
        let mut data = InstructionData::<48>::new(Self::INDEX);
        data.write_u64(0, self.lamports);
        data.write_u64(8, self.space);
        data.write_bytes(16, self.owner);

        let metas = [AccountMeta::writable_signer(self.from.key()), AccountMeta::writable_signer(self.to.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
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
        let mut data = InstructionData::<8>::new(Self::INDEX);
        data.write_u64(0, self.lamports);

        let metas = [AccountMeta::writable_signer(self.from.key()), AccountMeta::writable(self.to.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
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
        let mut data = InstructionData::<8>::new(Self::INDEX);
        data.write_u64(0, self.space);

        let metas = [AccountMeta::writable_signer(self.account.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
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
        let mut data = InstructionData::<32>::new(Self::INDEX);
        data.write_bytes(0, self.owner);

        let metas = [AccountMeta::writable_signer(self.account.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_data_matches_bincode_layout() {
        let owner = [7u8; 32];
        let mut data = InstructionData::<48>::new(CreateAccount::INDEX);
        data.write_u64(0, 0x0102_0304_0506_0708);
        data.write_u64(8, 165);
        data.write_bytes(16, &owner);
        let mut expected = vec![0, 0, 0, 0];
        expected.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
        expected.extend_from_slice(&165u64.to_le_bytes());
        expected.extend_from_slice(&owner);
        assert_eq!(data.as_bytes(), &expected[..]);

        let mut data = InstructionData::<8>::new(Transfer::INDEX);
        data.write_u64(0, 5);
        assert_eq!(data.as_bytes(), &[2, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]);
    }
}
