//! Cross-program invocation through `sol_invoke_signed_c`.
//!
//! The C ABI of the syscall (Agave `programs/bpf_loader/src/syscalls/cpi.rs`, the
//! `SolInstruction`, `SolAccountMeta`, `SolAccountInfo` and `SolSignerSeeds` structs of the
//! Solana C SDK) takes these `#[repr(C)]` records, on a 64-bit target:
//!
//! ```text
//! SolInstruction   { program_id: *const [u8; 32], accounts: *const SolAccountMeta, accounts_len: u64,
//!                    data: *const u8, data_len: u64 }                                      40 bytes
//! SolAccountMeta   { pubkey: *const [u8; 32], is_writable: bool, is_signer: bool }         16 bytes
//! SolAccountInfo   { key: *const [u8; 32], lamports: *mut u64, data_len: u64, data: *mut u8,
//!                    owner: *const [u8; 32], rent_epoch: u64, is_signer: bool,
//!                    is_writable: bool, executable: bool }                                 56 bytes
//! SolSignerSeeds   { seeds: *const SolSignerSeed, len: u64 }                               16 bytes
//! SolSignerSeed    { address: *const u8, len: u64 }                                        16 bytes
//! ```
//!
//! The account infos point into the input buffer, where the runtime reads the caller's
//! accounts and writes the callee's changes back, so [`AccountInfo`] views show new owners,
//! balances and data lengths as soon as the call returns.
//!
//! # Important
//!
//! The callee program's account must be one of the accounts of the current instruction, or the
//! runtime fails the call with "Unknown program". It need not be in the account infos.

pub mod ata;
pub mod system;
pub mod system_with_seed;
pub mod token2022;

use core::marker::PhantomData;
use core::mem::MaybeUninit;

use crate::account::AccountInfo;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;
use crate::syscalls;

/// Maximum number of account infos a single invocation accepts.
pub const MAX_CPI_ACCOUNTS: usize = 16;

/// One signer seed, or any byte slice passed to a syscall as `{ address, len }`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Seed<'a> {
    address: *const u8,
    len: u64,
    marker: PhantomData<&'a [u8]>,
}

impl Seed<'static> {
    /// An empty slice, used to fill fixed-size arrays.
    pub const EMPTY: Seed<'static> = Seed { address: core::ptr::null(), len: 0, marker: PhantomData };
}

impl<'a> From<&'a [u8]> for Seed<'a> {
    fn from(bytes: &'a [u8]) -> Seed<'a> {
        Seed { address: bytes.as_ptr(), len: bytes.len() as u64, marker: PhantomData }
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Seed<'a> {
    fn from(bytes: &'a [u8; N]) -> Seed<'a> {
        Seed { address: bytes.as_ptr(), len: N as u64, marker: PhantomData }
    }
}

/// The seeds of one PDA signer, bump included.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    seeds: *const Seed<'a>,
    len: u64,
    marker: PhantomData<&'a [Seed<'a>]>,
}

impl<'a> From<&'a [Seed<'a>]> for Signer<'a> {
    fn from(seeds: &'a [Seed<'a>]) -> Signer<'a> {
        Signer { seeds: seeds.as_ptr(), len: seeds.len() as u64, marker: PhantomData }
    }
}

impl<'a, const N: usize> From<&'a [Seed<'a>; N]> for Signer<'a> {
    fn from(seeds: &'a [Seed<'a>; N]) -> Signer<'a> {
        Signer { seeds: seeds.as_ptr(), len: N as u64, marker: PhantomData }
    }
}

/// Builds an array of [`Seed`]s from byte slices: `seeds!(b"vault", payer.key(), &[bump])`.
#[macro_export]
macro_rules! seeds {
    ($($seed:expr),+ $(,)?) => {
        [$($crate::cpi::Seed::from(&$seed[..])),+]
    };
}

/// An account of an instruction to invoke, laid out as `SolAccountMeta`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct AccountMeta<'a> {
    pubkey: *const Pubkey,
    is_writable: bool,
    is_signer: bool,
    marker: PhantomData<&'a Pubkey>,
}

impl<'a> AccountMeta<'a> {
    /// Creates an account meta with the given flags.
    #[inline(always)]
    pub fn new(pubkey: &'a Pubkey, is_writable: bool, is_signer: bool) -> AccountMeta<'a> {
        AccountMeta { pubkey, is_writable, is_signer, marker: PhantomData }
    }

    /// Creates a meta for a read-only account that does not sign.
    #[inline(always)]
    pub fn readonly(pubkey: &'a Pubkey) -> AccountMeta<'a> {
        AccountMeta::new(pubkey, false, false)
    }

    /// Creates a meta for a writable account that does not sign.
    #[inline(always)]
    pub fn writable(pubkey: &'a Pubkey) -> AccountMeta<'a> {
        AccountMeta::new(pubkey, true, false)
    }

    /// Creates a meta for a read-only signer.
    #[inline(always)]
    pub fn readonly_signer(pubkey: &'a Pubkey) -> AccountMeta<'a> {
        AccountMeta::new(pubkey, false, true)
    }

    /// Creates a meta for a writable signer.
    #[inline(always)]
    pub fn writable_signer(pubkey: &'a Pubkey) -> AccountMeta<'a> {
        AccountMeta::new(pubkey, true, true)
    }
}

/// An instruction to invoke.
pub struct Instruction<'a> {
    /// Program to call.
    pub program_id: &'a Pubkey,
    /// Accounts in the order the callee expects.
    pub accounts: &'a [AccountMeta<'a>],
    /// Instruction data.
    pub data: &'a [u8],
}

/// `SolInstruction` of the C ABI.
#[repr(C)]
struct CInstruction {
    program_id: *const Pubkey,
    accounts: *const u8,
    accounts_len: u64,
    data: *const u8,
    data_len: u64,
}

/// `SolAccountInfo` of the C ABI.
#[repr(C)]
#[derive(Clone, Copy)]
struct CAccountInfo {
    key: *const Pubkey,
    lamports: *const u64,
    data_len: u64,
    data: *mut u8,
    owner: *const Pubkey,
    rent_epoch: u64,
    /// The runtime reads the three flags as `bool`s. They are copied from the input buffer,
    /// where the runtime wrote each as 0 or 1, without normalizing them again.
    is_signer: u8,
    is_writable: u8,
    executable: u8,
}

/// Invokes `instruction` without PDA signers.
#[inline(always)]
pub fn invoke(instruction: &Instruction, accounts: &[&AccountInfo]) -> ProgramResult {
    invoke_signed(instruction, accounts, &[])
}

/// Invokes `instruction`, signing for each PDA in `signers`.
///
/// Every account the callee touches must be in `accounts`. Fails with `AccountBorrowFailed`
/// if an account's data is borrowed mutably, or borrowed at all while the account is writable,
/// because the callee may change it. Returns `InvalidArgument` for more than
/// [`MAX_CPI_ACCOUNTS`] accounts.
pub fn invoke_signed(instruction: &Instruction, accounts: &[&AccountInfo], signers: &[Signer]) -> ProgramResult {
    if accounts.len() > MAX_CPI_ACCOUNTS {
        return Err(ProgramError::InvalidArgument);
    }

    // Only the first `accounts.len()` records are written and passed, so the rest stay
    // uninitialized: filling all 16 records of 56 bytes would cost about 100 CU per call.
    let mut infos = [const { MaybeUninit::<CAccountInfo>::uninit() }; MAX_CPI_ACCOUNTS];
    for (info, account) in infos.iter_mut().zip(accounts) {
        if account.is_borrowed_mut() || (account.is_writable() && account.is_borrowed()) {
            return Err(ProgramError::AccountBorrowFailed);
        }
        info.write(CAccountInfo {
            key: account.key(),
            lamports: account.lamports_ptr(),
            data_len: account.data_len() as u64,
            data: account.data_ptr(),
            owner: account.owner(),
            rent_epoch: 0,
            is_signer: account.is_signer_byte(),
            is_writable: account.is_writable_byte(),
            executable: account.executable_byte(),
        });
    }

    let c_instruction = CInstruction {
        program_id: instruction.program_id,
        accounts: instruction.accounts.as_ptr() as *const u8,
        accounts_len: instruction.accounts.len() as u64,
        data: instruction.data.as_ptr(),
        data_len: instruction.data.len() as u64,
    };

    // SAFETY: every pointer in `c_instruction`, `infos` and `signers` refers to memory that
    // lives until the call returns, and the records have the C layouts the syscall reads. The
    // syscall reads only the first `accounts.len()` records of `infos`, which the loop wrote.
    let result = unsafe {
        syscalls::sol_invoke_signed_c(
            &c_instruction as *const CInstruction as *const u8,
            infos.as_ptr() as *const u8,
            accounts.len() as u64,
            signers.as_ptr() as *const u8,
            signers.len() as u64,
        )
    };
    match ProgramError::from_code(result) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

const _: () = assert!(core::mem::size_of::<CInstruction>() == 40);
const _: () = assert!(core::mem::size_of::<CAccountInfo>() == 56);
const _: () = assert!(core::mem::size_of::<AccountMeta>() == 16);
const _: () = assert!(core::mem::size_of::<Seed>() == 16);
const _: () = assert!(core::mem::size_of::<Signer>() == 16);
