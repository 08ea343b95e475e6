//! `kgpu_framework`: a `no_std`, zero-dependency framework for the K-GPU on-chain programs.
//!
//! Programs are compiled for `bpfel-unknown-none` and relinked into SBPF v0 shared objects, so
//! the framework follows the limits of that path:
//!
//! - no writable static data (`static mut`, `.data`, `.bss`): every buffer lives on the stack;
//! - no `u128` multiply or divide, no signed 64-bit division and no floating point, because the
//!   BPF LLVM backend cannot lower them (see [`math`] for the 64-bit limb replacements);
//! - no function takes more than 5 arguments, counting `self` and a hidden return pointer, so
//!   builders are structs with an `invoke` method;
//! - stack frames stay under 4 KiB.
//!
//! Every syscall is declared in [`syscalls`]. On the host the syscalls are stubs, so the pure
//! logic (parsers, hashing, arithmetic) runs under `cargo test`.
//!
//! A program is written as:
//!
//! ```ignore
//! use kgpu_framework::prelude::*;
//!
//! entrypoint!(process_instruction);
//!
//! fn process_instruction(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
//!     let [payer, ..] = accounts else { return Err(ProgramError::NotEnoughAccountKeys) };
//!     payer.check_signer()?;
//!     Ok(())
//! }
//! ```
#![cfg_attr(not(test), no_std)]

pub mod account;
pub mod bytes;
pub mod cpi;
pub mod discriminator;
pub mod ed25519;
pub mod entrypoint;
pub mod error;
pub mod hash;
pub mod log;
pub mod math;
pub mod pda;
pub mod pubkey;
pub mod return_data;
pub mod syscalls;
pub mod sysvars;

pub use account::AccountInfo;
pub use error::{ProgramError, ProgramResult};
pub use pubkey::Pubkey;

/// The names most programs import.
pub mod prelude {
    pub use crate::account::{AccountInfo, Ref, RefMut};
    pub use crate::bytes::Reader;
    pub use crate::cpi::{AccountMeta, Instruction, Seed, Signer};
    pub use crate::discriminator::{account_discriminator, event_discriminator, instruction_discriminator};
    pub use crate::error::{ProgramError, ProgramResult};
    pub use crate::log::{log, log_u64};
    pub use crate::pubkey::{pubkey_eq, Pubkey};
    pub use crate::{entrypoint, pubkey, seeds};
}
