//! Oracle quorum: the signed message and its check against the Ed25519 precompile instructions of
//! the transaction.
//!
//! # Message
//!
//! ```text
//! 0   8   tag            ASCII "KGPUQRM1"
//! 8   1   version        1
//! 9   32  program id     the program executing the instruction
//! 41  32  deployment id  Config::deployment_id
//! 73  1   kind           1 attest_collateral, 2 mint_deposit, 3 confirm_redemption
//! 74  n   payload        the kind's fields, little-endian, no padding
//! ```
//!
//! # Where the signatures come from
//!
//! Each oracle signs the message in an Ed25519 precompile instruction of the same transaction.
//! The precompile verified every entry before the program runs. `kgpu_framework::ed25519`
//! reads those instructions from the instructions sysvar and accepts only entries whose
//! signature, public key and message all point into the precompile instruction itself, so the
//! key and message it reads are the bytes that were verified.

use core::mem::MaybeUninit;

use kgpu_framework::ed25519::Quorum;
use kgpu_framework::pubkey::INSTRUCTIONS_SYSVAR_ID;
use kgpu_framework::{AccountInfo, Pubkey};

use crate::accounts::AccountChecks;
use crate::error::TokenError;
use crate::state::Config;

pub const MESSAGE_TAG: &[u8; 8] = b"KGPUQRM1";
pub const MESSAGE_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 74;
pub const KIND_ATTEST_COLLATERAL: u8 = 1;
pub const KIND_MINT_DEPOSIT: u8 = 2;
pub const KIND_CONFIRM_REDEMPTION: u8 = 3;
/// Maximum payload length of this program's kinds (attest_collateral: 8 + 8 + 8 + 32 + 32).
pub const MAX_PAYLOAD: usize = 88;

/// The expected quorum message, built on the stack.
///
/// Only the first `len` bytes are written, and the rest stay uninitialized, which saves
/// zeroing the whole buffer. `#[repr(C, align(8))]` puts the tag on an 8-byte boundary, where it
/// is one store. The copies use the memcpy intrinsic rather than `copy_bytes`, which passes the
/// buffer to a syscall, so the compiler builds the message in the caller's variable instead of
/// copying it there from `new`.
#[repr(C, align(8))]
pub struct Message {
    bytes: [MaybeUninit<u8>; HEADER_LEN + MAX_PAYLOAD],
    len: usize,
}

impl Message {
    /// Starts a message of `kind` for this program and deployment.
    #[inline(always)]
    pub fn new(program_id: &Pubkey, deployment_id: &[u8; 32], kind: u8) -> Self {
        let mut message = Message {
            bytes: [MaybeUninit::uninit(); HEADER_LEN + MAX_PAYLOAD],
            len: HEADER_LEN,
        };
        let header = message.bytes.as_mut_ptr() as *mut u8;
        // SAFETY: the buffer is 8-byte aligned and longer than the 74-byte header, and the
        // writes below initialize each header byte once.
        unsafe {
            *(header as *mut u64) = u64::from_le_bytes(*MESSAGE_TAG);
            *header.add(8) = MESSAGE_VERSION;
            core::ptr::copy_nonoverlapping(program_id.as_ptr(), header.add(9), 32);
            core::ptr::copy_nonoverlapping(deployment_id.as_ptr(), header.add(41), 32);
            *header.add(73) = kind;
        }
        message
    }

    /// Appends payload bytes. The payloads of this program fit `MAX_PAYLOAD`, and a longer one
    /// panics.
    #[inline(always)]
    pub fn push(&mut self, field: &[u8]) {
        let end = self.len + field.len();
        let target = &mut self.bytes[self.len..end];
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and writing initializes the bytes.
        let target = unsafe { core::slice::from_raw_parts_mut(target.as_mut_ptr() as *mut u8, target.len()) };
        target.copy_from_slice(field);
        self.len = end;
    }

    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `new` and `push` initialized the first `len` bytes.
        unsafe { core::slice::from_raw_parts(self.bytes.as_ptr() as *const u8, self.len) }
    }
}

/// Checks that at least `config.oracle_threshold` distinct keys of the oracle set signed `message`
/// in Ed25519 precompile instructions of this transaction.
///
/// `sysvar` must be the instructions sysvar (`InvalidAddress` otherwise). A key counts once
/// however many entries carry it. Entries over another message or by a key outside the set are
/// ignored. Malformed sysvar data, or an entry that points into another instruction, fails with
/// `InvalidEd25519Instruction`. Entries after the one that reaches the threshold are not read.
pub fn verify_quorum(sysvar: &AccountInfo, config: &Config, message: &Message) -> Result<(), TokenError> {
    // Only the real sysvar contains the instructions the runtime serialized.
    sysvar.require_address(&INSTRUCTIONS_SYSVAR_ID)?;
    // SAFETY: the runtime owns the sysvar and this program never writes it.
    let data = unsafe { sysvar.borrow_data_unchecked() };
    let quorum = Quorum {
        message: message.as_bytes(),
        oracles: config.oracle_set(),
    };
    let threshold = config.oracle_threshold as u32;
    let signed = quorum
        .count_up_to(data, threshold)
        .map_err(|_| TokenError::InvalidEd25519Instruction)?;
    if threshold == 0 || signed < threshold {
        return Err(TokenError::QuorumNotReached);
    }
    Ok(())
}
