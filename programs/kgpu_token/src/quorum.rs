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
pub struct Message {
    bytes: [u8; HEADER_LEN + MAX_PAYLOAD],
    len: usize,
}

impl Message {
    /// Starts a message of `kind` for this program and deployment.
    pub fn new(program_id: &Pubkey, deployment_id: &[u8; 32], kind: u8) -> Self {
        let mut bytes = [0u8; HEADER_LEN + MAX_PAYLOAD];
        bytes[0..8].copy_from_slice(MESSAGE_TAG);
        bytes[8] = MESSAGE_VERSION;
        bytes[9..41].copy_from_slice(program_id);
        bytes[41..73].copy_from_slice(deployment_id);
        bytes[73] = kind;
        Message {
            bytes,
            len: HEADER_LEN,
        }
    }

    /// Appends payload bytes. The payloads of this program fit `MAX_PAYLOAD`.
    pub fn push(&mut self, field: &[u8]) {
        let end = self.len + field.len();
        self.bytes[self.len..end].copy_from_slice(field);
        self.len = end;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Checks that at least `config.oracle_threshold` distinct keys of the oracle set signed `message`
/// in Ed25519 precompile instructions of this transaction.
///
/// `sysvar` must be the instructions sysvar (`InvalidAddress` otherwise). A key counts once
/// however many entries carry it. Entries over another message or by a key outside the set are
/// ignored. Malformed sysvar data, or an entry that points into another instruction, fails with
/// `InvalidEd25519Instruction`.
pub fn verify_quorum(sysvar: &AccountInfo, config: &Config, message: &Message) -> Result<(), TokenError> {
    // Only the real sysvar contains the instructions the runtime serialized.
    sysvar.require_address(&INSTRUCTIONS_SYSVAR_ID)?;
    // SAFETY: the runtime owns the sysvar and this program never writes it.
    let data = unsafe { sysvar.borrow_data_unchecked() };
    let quorum = Quorum {
        message: message.as_bytes(),
        oracles: config.oracle_set(),
    };
    let signed = quorum
        .count(data)
        .map_err(|_| TokenError::InvalidEd25519Instruction)?;
    if config.oracle_threshold == 0 || signed < config.oracle_threshold as u32 {
        return Err(TokenError::QuorumNotReached);
    }
    Ok(())
}
