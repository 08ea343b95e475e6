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
//! # Instructions sysvar data
//!
//! ```text
//! 0        2   instruction count n (u16)
//! 2        2n  offset of each serialized instruction (u16)
//! at each offset:
//!   +0     2   account count k (u16), then k * (1 flag byte + 32-byte key)
//!   then   32  program id
//!   then   2   data length (u16), then the data
//! last 2 bytes: index of the executing instruction (u16)
//! ```
//!
//! # Ed25519 precompile data
//!
//! ```text
//! 0   1   signature count s
//! 1   1   padding
//! 2   14s entries: signature offset, signature instruction index, public key offset, public key
//!         instruction index, message offset, message size, message instruction index (u16 each)
//! ```
//!
//! The precompile verified every entry before the program runs. This module accepts only entries
//! whose three instruction indices are `0xFFFF` or the precompile's own index, so the key and
//! message it reads are the bytes that were verified.

use crate::error::TokenError;
use crate::state::Config;
use crate::support::{bytes_equal, keys_equal, AccountView, Pubkey};

/// `Sysvar1nstructions1111111111111111111111111`.
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = [
    6, 167, 213, 23, 24, 123, 209, 102, 53, 218, 212, 4, 85, 253, 194, 192, 193, 36, 198, 143, 33,
    86, 117, 165, 219, 186, 203, 95, 8, 0, 0, 0,
];

/// `Ed25519SigVerify111111111111111111111111111`.
pub const ED25519_PROGRAM_ID: Pubkey = [
    3, 125, 70, 214, 124, 147, 251, 190, 18, 249, 66, 143, 131, 141, 64, 255, 5, 112, 116, 73, 39,
    244, 138, 100, 252, 202, 112, 68, 128, 0, 0, 0,
];

pub const MESSAGE_TAG: &[u8; 8] = b"KGPUQRM1";
pub const MESSAGE_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 74;
pub const KIND_ATTEST_COLLATERAL: u8 = 1;
pub const KIND_MINT_DEPOSIT: u8 = 2;
pub const KIND_CONFIRM_REDEMPTION: u8 = 3;
/// Maximum payload length of this program's kinds (attest_collateral: 8 + 8 + 8 + 32 + 32).
pub const MAX_PAYLOAD: usize = 88;

/// Index meaning "the precompile instruction's own data".
const CURRENT_INSTRUCTION: u16 = u16::MAX;
const ED25519_ENTRY_LEN: usize = 14;

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

fn read_u16(data: &[u8], offset: usize) -> Result<u16, TokenError> {
    match data.get(offset..offset + 2) {
        Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
        None => Err(TokenError::InvalidEd25519Instruction),
    }
}

/// Checks that at least `config.oracle_threshold` distinct keys of the oracle set signed `message`
/// in Ed25519 precompile instructions of this transaction.
///
/// `sysvar` must be the instructions sysvar. A key counts once however many entries carry it.
/// Entries over another message or by a key outside the set are ignored, and an entry that
/// points into another instruction rejects the whole transaction.
pub fn verify_quorum(
    sysvar: &AccountView,
    config: &Config,
    message: &Message,
) -> Result<(), TokenError> {
    // Only the real sysvar contains the instructions the runtime serialized.
    sysvar.require_address(&INSTRUCTIONS_SYSVAR_ID)?;
    let data = sysvar.data();
    let expected = message.as_bytes();
    let oracles = config.oracle_set();
    let mut signed: u16 = 0;

    let count = read_u16(data, 0)? as usize;
    let mut index = 0;
    while index < count {
        // Products below use wrapping_mul: every factor is a u16, so nothing overflows, and checked
        // multiplication would lower to a 128-bit multiply the BPF backend lacks.
        let start = read_u16(data, 2 + index.wrapping_mul(2))? as usize;
        let account_count = read_u16(data, start)? as usize;
        let program_at = start + 2 + account_count.wrapping_mul(33);
        let program = data
            .get(program_at..program_at + 32)
            .ok_or(TokenError::InvalidEd25519Instruction)?;
        let mut program_id = [0u8; 32];
        program_id.copy_from_slice(program);
        if keys_equal(&program_id, &ED25519_PROGRAM_ID) {
            let data_len = read_u16(data, program_at + 32)? as usize;
            let body_at = program_at + 34;
            let body = data
                .get(body_at..body_at + data_len)
                .ok_or(TokenError::InvalidEd25519Instruction)?;
            signed |= signers_of(body, index as u16, oracles, expected)?;
        }
        index += 1;
    }

    if (signed.count_ones() as u8) < config.oracle_threshold || config.oracle_threshold == 0 {
        return Err(TokenError::QuorumNotReached);
    }
    Ok(())
}

/// Returns a bit per oracle (bit i = `oracles[i]`) that signed `expected` in one precompile
/// instruction `body` at transaction index `own_index`.
#[inline(always)]
fn signers_of(
    body: &[u8],
    own_index: u16,
    oracles: &[Pubkey],
    expected: &[u8],
) -> Result<u16, TokenError> {
    let signatures = *body.first().ok_or(TokenError::InvalidEd25519Instruction)? as usize;
    let mut signed: u16 = 0;
    let mut entry = 0;
    while entry < signatures {
        let at = 2 + entry.wrapping_mul(ED25519_ENTRY_LEN);
        let signature_index = read_u16(body, at + 2)?;
        let key_offset = read_u16(body, at + 4)? as usize;
        let key_index = read_u16(body, at + 6)?;
        let message_offset = read_u16(body, at + 8)? as usize;
        let message_size = read_u16(body, at + 10)? as usize;
        let message_index = read_u16(body, at + 12)?;
        for instruction_index in [signature_index, key_index, message_index] {
            if instruction_index != CURRENT_INSTRUCTION && instruction_index != own_index {
                return Err(TokenError::InvalidEd25519Instruction);
            }
        }
        entry += 1;

        let message = body
            .get(message_offset..message_offset + message_size)
            .ok_or(TokenError::InvalidEd25519Instruction)?;
        if !bytes_equal(message, expected) {
            continue;
        }
        let key_bytes = body
            .get(key_offset..key_offset + 32)
            .ok_or(TokenError::InvalidEd25519Instruction)?;
        let mut key = [0u8; 32];
        key.copy_from_slice(key_bytes);
        let mut i = 0;
        while i < oracles.len() {
            if keys_equal(&oracles[i], &key) {
                signed |= 1 << i;
                break;
            }
            i += 1;
        }
    }
    Ok(signed)
}
