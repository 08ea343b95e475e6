//! Ed25519 precompile instructions and oracle quorum counting.
//!
//! The Ed25519 precompile (`Ed25519SigVerify111111111111111111111111111`) verifies its
//! signatures before any program of the transaction runs, so a program only has to check which
//! keys signed which bytes. Its instruction data is:
//!
//! ```text
//! 0       1    number of signatures s (u8)
//! 1       1    padding
//! 2+14*i  14   entry i, seven u16 fields:
//!              +0  signature_offset             +2  signature_instruction_index
//!              +4  public_key_offset            +6  public_key_instruction_index
//!              +8  message_data_offset          +10 message_data_size
//!              +12 message_instruction_index
//! ```
//!
//! An instruction index of `0xFFFF` means the precompile instruction's own data. An entry may
//! point into another instruction, which lets a transaction present bytes that the precompile
//! verified somewhere else. [`parse`] accepts only entries whose three indices are `0xFFFF` or
//! the precompile instruction's own index, so the key and message a program reads are the ones
//! that were verified. [`Quorum`] counts the oracles that signed an expected message.

use crate::bytes::bytes_eq;
use crate::error::ProgramError;
use crate::pubkey::{pubkey_eq, Pubkey, ED25519_PROGRAM_ID};
use crate::sysvars::instructions::{parse_instruction, IntrospectedInstruction};

/// Instruction index that refers to the precompile instruction's own data.
pub const CURRENT_INSTRUCTION: u16 = u16::MAX;
/// Size of one signature entry.
pub const OFFSETS_LEN: usize = 14;
/// Offset of the first signature entry.
pub const OFFSETS_START: usize = 2;
/// Maximum size of an oracle set that [`Quorum`] accepts.
pub const MAX_ORACLES: usize = 10;

/// One verified signature: who signed which message.
#[derive(Clone, Copy)]
pub struct VerifiedSignature<'a> {
    /// Signing key.
    pub public_key: &'a Pubkey,
    /// The 64-byte signature.
    pub signature: &'a [u8],
    /// Signed message.
    pub message: &'a [u8],
}

fn field(data: &[u8], offset: usize) -> Result<u16, ProgramError> {
    let bytes = data.get(offset..offset + 2).ok_or(ProgramError::InvalidInstructionData)?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn slice_at(data: &[u8], offset: u16, len: usize) -> Result<&[u8], ProgramError> {
    let start = offset as usize;
    data.get(start..start + len).ok_or(ProgramError::InvalidInstructionData)
}

/// Calls `visit` for every signature entry of an Ed25519 precompile instruction.
///
/// Returns `IncorrectProgramId` if `instruction` is not the precompile's, and
/// `InvalidInstructionData` if an entry points into another instruction or outside the data.
pub fn parse<'a>(
    instruction: &IntrospectedInstruction<'a>,
    visit: impl FnMut(VerifiedSignature<'a>),
) -> Result<(), ProgramError> {
    if !pubkey_eq(instruction.program_id, &ED25519_PROGRAM_ID) {
        return Err(ProgramError::IncorrectProgramId);
    }
    parse_entries(instruction, visit)
}

/// [`parse`] for an instruction whose program id the caller has checked.
fn parse_entries<'a>(
    instruction: &IntrospectedInstruction<'a>,
    mut visit: impl FnMut(VerifiedSignature<'a>),
) -> Result<(), ProgramError> {
    let data = instruction.data;
    let count = *data.first().ok_or(ProgramError::InvalidInstructionData)? as usize;

    for entry in 0..count {
        // `entry` is below 256, so this product cannot overflow.
        let base = OFFSETS_START + entry.wrapping_mul(OFFSETS_LEN);
        // One bounds check for the whole entry; the fixed indices below need none.
        let offsets = data.get(base..base + OFFSETS_LEN).ok_or(ProgramError::InvalidInstructionData)?;
        let field = |at: usize| u16::from_le_bytes([offsets[at], offsets[at + 1]]);
        let signature_offset = field(0);
        let signature_index = field(2);
        let public_key_offset = field(4);
        let public_key_index = field(6);
        let message_offset = field(8);
        let message_size = field(10);
        let message_index = field(12);

        for index in [signature_index, public_key_index, message_index] {
            if index != CURRENT_INSTRUCTION && index != instruction.index {
                return Err(ProgramError::InvalidInstructionData);
            }
        }

        let public_key_bytes = slice_at(data, public_key_offset, 32)?;
        // SAFETY: the slice is exactly 32 bytes and `Pubkey` has alignment 1.
        let public_key = unsafe { &*(public_key_bytes.as_ptr() as *const Pubkey) };
        visit(VerifiedSignature {
            public_key,
            signature: slice_at(data, signature_offset, 64)?,
            message: slice_at(data, message_offset, message_size as usize)?,
        });
    }
    Ok(())
}

/// The message a quorum must sign and the oracle set allowed to sign it.
///
/// A struct rather than separate arguments because each slice takes two registers and BPF
/// calls have five.
pub struct Quorum<'a> {
    /// The exact bytes every counted signature must cover.
    pub message: &'a [u8],
    /// Current oracle set, at most [`MAX_ORACLES`] keys.
    pub oracles: &'a [Pubkey],
}

impl Quorum<'_> {
    /// Counts the distinct oracles that signed the message, over every Ed25519 precompile
    /// instruction in `instructions_data` (the instructions sysvar's data).
    ///
    /// A key counts once however many entries carry it, and only if it is in the oracle set
    /// and its message equals [`Quorum::message`] byte for byte. Entries from other keys or
    /// over other messages are ignored. Returns `InvalidArgument` for more than
    /// [`MAX_ORACLES`] oracles and the errors of [`parse`] for a malformed precompile
    /// instruction.
    pub fn count(&self, instructions_data: &[u8]) -> Result<u32, ProgramError> {
        if self.oracles.len() > MAX_ORACLES {
            return Err(ProgramError::InvalidArgument);
        }
        let instruction_count = field(instructions_data, 0).map_err(|_| ProgramError::InvalidAccountData)?;

        // Bit i is set once oracle i has a matching signature. A key listed twice in the
        // oracle set only ever sets the bit of its first position.
        let mut signed_mask: u32 = 0;
        for index in 0..instruction_count {
            let instruction = parse_instruction(instructions_data, index)?;
            if !pubkey_eq(instruction.program_id, &ED25519_PROGRAM_ID) {
                continue;
            }
            parse_entries(&instruction, |signature| {
                if !bytes_eq(signature.message, self.message) {
                    return;
                }
                // The first-byte test skips most other keys without the ~20 CU of a full compare,
                // which for unaligned keys is a `sol_memcmp_` call.
                let key = signature.public_key;
                let is_key = |oracle: &Pubkey| oracle[0] == key[0] && pubkey_eq(oracle, key);
                if let Some(position) = self.oracles.iter().position(is_key) {
                    signed_mask |= 1 << position;
                }
            })?;
        }
        Ok(signed_mask.count_ones())
    }

    /// Checks that at least `threshold` distinct oracles signed the message and returns the
    /// count.
    ///
    /// Returns `InvalidArgument` when `threshold` is zero or larger than the oracle set, and
    /// `MissingRequiredSignature` when fewer oracles signed.
    pub fn check(&self, instructions_data: &[u8], threshold: u32) -> Result<u32, ProgramError> {
        if threshold == 0 || threshold as usize > self.oracles.len() {
            return Err(ProgramError::InvalidArgument);
        }
        let count = self.count(instructions_data)?;
        if count < threshold {
            return Err(ProgramError::MissingRequiredSignature);
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysvars::instructions::tests::serialize;

    /// Builds precompile data holding (key, message) pairs with dummy signatures, with every
    /// index set to `index_value`.
    fn precompile_data(entries: &[(Pubkey, &[u8])], index_value: u16) -> Vec<u8> {
        let header_len = OFFSETS_START + OFFSETS_LEN * entries.len();
        let mut data = vec![0u8; header_len];
        data[0] = entries.len() as u8;
        for (i, (key, message)) in entries.iter().enumerate() {
            let public_key_offset = data.len() as u16;
            data.extend_from_slice(key);
            let signature_offset = data.len() as u16;
            data.extend_from_slice(&[0xAA; 64]);
            let message_offset = data.len() as u16;
            data.extend_from_slice(message);
            let fields = [
                signature_offset,
                index_value,
                public_key_offset,
                index_value,
                message_offset,
                message.len() as u16,
                index_value,
            ];
            let base = OFFSETS_START + i * OFFSETS_LEN;
            for (j, value) in fields.iter().enumerate() {
                data[base + 2 * j..base + 2 * j + 2].copy_from_slice(&value.to_le_bytes());
            }
        }
        data
    }

    fn sysvar_with(precompile: Vec<u8>) -> Vec<u8> {
        serialize(&[(ED25519_PROGRAM_ID, vec![], precompile), ([3; 32], vec![], vec![1])], 1)
    }

    const MESSAGE: &[u8] = b"KGPUQRM1 message";

    #[test]
    fn counts_distinct_oracles() {
        let oracles = [[1; 32], [2; 32], [3; 32]];
        let data = sysvar_with(precompile_data(&[([1; 32], MESSAGE), ([2; 32], MESSAGE), ([3; 32], MESSAGE)], CURRENT_INSTRUCTION));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.count(&data), Ok(3));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.check(&data, 3), Ok(3));
    }

    #[test]
    fn same_key_counts_once() {
        let oracles = [[1; 32], [2; 32]];
        let data = sysvar_with(precompile_data(&[([1; 32], MESSAGE), ([1; 32], MESSAGE)], CURRENT_INSTRUCTION));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.count(&data), Ok(1));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.check(&data, 2), Err(ProgramError::MissingRequiredSignature));
    }

    #[test]
    fn oracle_listed_twice_counts_once() {
        let oracles = [[1; 32], [1; 32]];
        let data = sysvar_with(precompile_data(&[([1; 32], MESSAGE)], CURRENT_INSTRUCTION));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.count(&data), Ok(1));
    }

    #[test]
    fn ignores_other_message_and_unknown_key() {
        let oracles = [[1; 32], [2; 32]];
        let data = sysvar_with(precompile_data(&[([1; 32], b"other message"), ([9; 32], MESSAGE)], CURRENT_INSTRUCTION));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.count(&data), Ok(0));
    }

    #[test]
    fn accepts_own_index_and_rejects_foreign_index() {
        let oracles = [[1; 32]];
        let own = sysvar_with(precompile_data(&[([1; 32], MESSAGE)], 0));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.count(&own), Ok(1));
        let foreign = sysvar_with(precompile_data(&[([1; 32], MESSAGE)], 1));
        assert_eq!(Quorum { message: MESSAGE, oracles: &oracles }.count(&foreign), Err(ProgramError::InvalidInstructionData));
    }

    #[test]
    fn rejects_out_of_bounds_message() {
        let mut precompile = precompile_data(&[([1; 32], MESSAGE)], CURRENT_INSTRUCTION);
        // message_data_size of entry 0 set past the end of the data.
        precompile[OFFSETS_START + 10..OFFSETS_START + 12].copy_from_slice(&1000u16.to_le_bytes());
        let data = sysvar_with(precompile);
        assert_eq!(Quorum { message: MESSAGE, oracles: &[[1; 32]] }.count(&data), Err(ProgramError::InvalidInstructionData));
    }

    #[test]
    fn check_quorum_rejects_bad_threshold() {
        let data = sysvar_with(precompile_data(&[], CURRENT_INSTRUCTION));
        assert_eq!(Quorum { message: MESSAGE, oracles: &[[1; 32]] }.check(&data, 0), Err(ProgramError::InvalidArgument));
        assert_eq!(Quorum { message: MESSAGE, oracles: &[[1; 32]] }.check(&data, 2), Err(ProgramError::InvalidArgument));
        assert_eq!(Quorum { message: MESSAGE, oracles: &[[1; 32]; 11] }.count(&data), Err(ProgramError::InvalidArgument));
    }
}
