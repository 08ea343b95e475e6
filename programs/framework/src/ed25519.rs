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

/// Byte offsets of one signature entry, checked to lie inside the precompile data.
struct EntryOffsets {
    signature: usize,
    public_key: usize,
    message: usize,
    message_len: usize,
}

/// Reads signature entry `entry` of the precompile data `data`, whose instruction index is
/// `own_index`.
///
/// Returns `InvalidInstructionData` if the entry points into another instruction or outside
/// the data.
#[inline(always)]
fn read_entry(data: &[u8], entry: usize, own_index: u16) -> Result<EntryOffsets, ProgramError> {
    // `entry` is below 256, so this cannot overflow.
    let base = OFFSETS_START + entry * OFFSETS_LEN;
    // One bounds check for the whole entry; the fixed indices below need none.
    let offsets = data.get(base..base + OFFSETS_LEN).ok_or(ProgramError::InvalidInstructionData)?;
    let field = |at: usize| u16::from_le_bytes([offsets[at], offsets[at + 1]]);

    // The AND of the six index bytes is 0xFF only when each index is 0xFFFF, which is how
    // clients build entries, so one comparison covers the usual case.
    if offsets[2] & offsets[3] & offsets[6] & offsets[7] & offsets[12] & offsets[13] != 0xFF {
        for index in [field(2), field(6), field(12)] {
            if index != CURRENT_INSTRUCTION && index != own_index {
                return Err(ProgramError::InvalidInstructionData);
            }
        }
    }

    // Each offset and length is a u16, so none of these sums can overflow.
    let entry = EntryOffsets {
        signature: field(0) as usize,
        public_key: field(4) as usize,
        message: field(8) as usize,
        message_len: field(10) as usize,
    };
    if entry.public_key + 32 > data.len()
        || entry.signature + 64 > data.len()
        || entry.message + entry.message_len > data.len()
    {
        return Err(ProgramError::InvalidInstructionData);
    }
    Ok(entry)
}

/// Calls `visit` for every signature entry of an Ed25519 precompile instruction.
///
/// Returns `IncorrectProgramId` if `instruction` is not the precompile's, and
/// `InvalidInstructionData` if an entry points into another instruction or outside the data.
pub fn parse<'a>(
    instruction: &IntrospectedInstruction<'a>,
    mut visit: impl FnMut(VerifiedSignature<'a>),
) -> Result<(), ProgramError> {
    if !pubkey_eq(instruction.program_id, &ED25519_PROGRAM_ID) {
        return Err(ProgramError::IncorrectProgramId);
    }
    let data = instruction.data;
    let count = *data.first().ok_or(ProgramError::InvalidInstructionData)? as usize;
    for entry in 0..count {
        let offsets = read_entry(data, entry, instruction.index)?;
        let public_key_bytes = &data[offsets.public_key..offsets.public_key + 32];
        // SAFETY: the slice is exactly 32 bytes and `Pubkey` has alignment 1.
        let public_key = unsafe { &*(public_key_bytes.as_ptr() as *const Pubkey) };
        visit(VerifiedSignature {
            public_key,
            signature: &data[offsets.signature..offsets.signature + 64],
            message: &data[offsets.message..offsets.message + offsets.message_len],
        });
    }
    Ok(())
}

/// Returns whether `program_id` is the Ed25519 precompile.
///
/// The first-byte test rejects most other programs without the full comparison, which for an
/// unaligned address in the sysvar data is a `sol_memcmp_` call.
#[inline(always)]
fn is_ed25519_program(program_id: &Pubkey) -> bool {
    program_id[0] == ED25519_PROGRAM_ID[0] && pubkey_eq(program_id, &ED25519_PROGRAM_ID)
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
        self.count_up_to(instructions_data, u32::MAX)
    }

    /// Counts like [`Quorum::count`], but stops reading at the first counted signature after
    /// which `limit` or more distinct oracles have signed, and returns the count at that point.
    ///
    /// Entries and instructions after that point are not read, so a malformed entry there does
    /// not fail the call. Every counted signature still comes from an entry that points into
    /// its own precompile instruction.
    pub fn count_up_to(&self, instructions_data: &[u8], limit: u32) -> Result<u32, ProgramError> {
        if self.oracles.len() > MAX_ORACLES {
            return Err(ProgramError::InvalidArgument);
        }
        let instruction_count = field(instructions_data, 0).map_err(|_| ProgramError::InvalidAccountData)?;

        // Bit i is set once oracle i has a matching signature. A key listed twice in the
        // oracle set only ever sets the bit of its first position. `signed` counts the bits.
        let limit = limit as usize;
        let mut signed_mask: usize = 0;
        let mut signed: usize = 0;
        for index in 0..instruction_count {
            let instruction = parse_instruction(instructions_data, index)?;
            if !is_ed25519_program(instruction.program_id) {
                continue;
            }
            let data = instruction.data;
            let count = *data.first().ok_or(ProgramError::InvalidInstructionData)? as usize;
            for entry in 0..count {
                let offsets = read_entry(data, entry, index)?;
                // The length test is one comparison and rejects most other messages.
                if offsets.message_len != self.message.len() {
                    continue;
                }
                // SAFETY: `read_entry` checked that both ranges lie inside `data`, and `Pubkey`
                // has alignment 1.
                let (message, key) = unsafe {
                    (
                        core::slice::from_raw_parts(data.as_ptr().add(offsets.message), offsets.message_len),
                        &*(data.as_ptr().add(offsets.public_key) as *const Pubkey),
                    )
                };
                if !bytes_eq(message, self.message) {
                    continue;
                }
                // The first-byte test skips most other keys without the full comparison.
                let is_key = |oracle: &Pubkey| oracle[0] == key[0] && pubkey_eq(oracle, key);
                let Some(position) = self.oracles.iter().position(is_key) else {
                    continue;
                };
                let bit = 1 << position;
                if signed_mask & bit == 0 {
                    signed_mask |= bit;
                    // At most MAX_ORACLES bits are set, so neither this sum nor the casts to
                    // u32 below can overflow.
                    signed = signed.wrapping_add(1);
                    if signed >= limit {
                        return Ok(signed as u32);
                    }
                }
            }
        }
        Ok(signed as u32)
    }

    /// Checks that at least `threshold` distinct oracles signed the message and returns
    /// `threshold`.
    ///
    /// Reading stops once `threshold` oracles have signed, as in [`Quorum::count_up_to`].
    /// Returns `InvalidArgument` when `threshold` is zero or larger than the oracle set, and
    /// `MissingRequiredSignature` when fewer oracles signed.
    pub fn check(&self, instructions_data: &[u8], threshold: u32) -> Result<u32, ProgramError> {
        if threshold == 0 || threshold as usize > self.oracles.len() {
            return Err(ProgramError::InvalidArgument);
        }
        let count = self.count_up_to(instructions_data, threshold)?;
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
    fn count_up_to_stops_at_limit() {
        let oracles = [[1; 32], [2; 32], [3; 32]];
        let mut precompile =
            precompile_data(&[([1; 32], MESSAGE), ([2; 32], MESSAGE), ([3; 32], MESSAGE)], CURRENT_INSTRUCTION);
        // message_data_size of entry 2 set past the end of the data.
        let size_at = OFFSETS_START + 2 * OFFSETS_LEN + 10;
        precompile[size_at..size_at + 2].copy_from_slice(&1000u16.to_le_bytes());
        let data = sysvar_with(precompile);
        let quorum = Quorum { message: MESSAGE, oracles: &oracles };
        assert_eq!(quorum.count(&data), Err(ProgramError::InvalidInstructionData));
        assert_eq!(quorum.count_up_to(&data, 3), Err(ProgramError::InvalidInstructionData));
        assert_eq!(quorum.count_up_to(&data, 2), Ok(2));
        assert_eq!(quorum.check(&data, 2), Ok(2));
    }

    #[test]
    fn check_rejects_foreign_entry_before_threshold() {
        let oracles = [[1; 32], [2; 32]];
        let mut precompile = precompile_data(&[([1; 32], MESSAGE), ([2; 32], MESSAGE)], CURRENT_INSTRUCTION);
        // message_instruction_index of entry 0 set to the program instruction.
        let index_at = OFFSETS_START + 12;
        precompile[index_at..index_at + 2].copy_from_slice(&1u16.to_le_bytes());
        let data = sysvar_with(precompile);
        let quorum = Quorum { message: MESSAGE, oracles: &oracles };
        assert_eq!(quorum.check(&data, 1), Err(ProgramError::InvalidInstructionData));
    }

    #[test]
    fn check_skips_other_messages_of_equal_length() {
        let oracles = [[1; 32], [2; 32]];
        let other = b"KGPUQRM1 massage";
        assert_eq!(other.len(), MESSAGE.len());
        let data = sysvar_with(precompile_data(&[([1; 32], other), ([2; 32], MESSAGE)], CURRENT_INSTRUCTION));
        let quorum = Quorum { message: MESSAGE, oracles: &oracles };
        assert_eq!(quorum.count(&data), Ok(1));
        assert_eq!(quorum.check(&data, 2), Err(ProgramError::MissingRequiredSignature));
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
