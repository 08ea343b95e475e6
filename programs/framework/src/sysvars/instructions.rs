//! Reader for the instructions sysvar, which contains every instruction of the transaction.
//!
//! Layout of the account data (`solana-instructions-sysvar`, `construct_instructions_data`),
//! little-endian:
//!
//! ```text
//! 0        2     number of instructions n (u16)
//! 2        2*n   byte offset of each instruction (u16)
//! per instruction, at its offset:
//! +0       2     number of accounts k (u16)
//! +2       33*k  per account: flags u8 (bit 0 signer, bit 1 writable), address [32]
//! +2+33k   32    program id
//! +34+33k  2     data length d (u16)
//! +36+33k  d     data
//! last 2 bytes   index of the instruction being executed (u16)
//! ```
//!
//! Any account can carry bytes in this layout, so [`Instructions::from_account`] checks the
//! sysvar's address before reading.

use crate::account::{AccountInfo, Ref};
use crate::error::ProgramError;
use crate::pubkey::{Pubkey, INSTRUCTIONS_SYSVAR_ID};

/// Borrowed view of the instructions sysvar.
pub struct Instructions<'a> {
    data: Ref<'a, [u8]>,
}

/// One instruction of the transaction, read in place.
#[derive(Clone, Copy)]
pub struct IntrospectedInstruction<'a> {
    /// Index of the instruction in the transaction.
    pub index: u16,
    /// Program the instruction calls.
    pub program_id: &'a Pubkey,
    /// Account entries, 33 bytes each: flags, then address.
    pub accounts: &'a [u8],
    /// Instruction data.
    pub data: &'a [u8],
}

impl IntrospectedInstruction<'_> {
    /// Returns the number of accounts of the instruction.
    pub fn account_count(&self) -> usize {
        self.accounts.len() / 33
    }
}

fn read_u16(data: &[u8], offset: usize) -> Result<u16, ProgramError> {
    let bytes = data.get(offset..offset + 2).ok_or(ProgramError::InvalidAccountData)?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

impl<'a> Instructions<'a> {
    /// Borrows the instructions sysvar from `account`.
    ///
    /// Returns `UnsupportedSysvar` unless the account's address is
    /// `Sysvar1nstructions1111111111111111111111111`, so a forged account with the same layout
    /// is rejected.
    pub fn from_account(account: &'a AccountInfo) -> Result<Instructions<'a>, ProgramError> {
        if !crate::pubkey::pubkey_eq(account.key(), &INSTRUCTIONS_SYSVAR_ID) {
            return Err(ProgramError::UnsupportedSysvar);
        }
        Ok(Instructions { data: account.try_borrow_data()? })
    }

    /// Returns the raw account data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Returns the number of instructions in the transaction.
    pub fn count(&self) -> Result<u16, ProgramError> {
        read_u16(&self.data, 0)
    }

    /// Returns the index of the instruction being executed.
    pub fn current_index(&self) -> Result<u16, ProgramError> {
        let len = self.data.len();
        if len < 2 {
            return Err(ProgramError::InvalidAccountData);
        }
        read_u16(&self.data, len - 2)
    }

    /// Returns the instruction at `index`, or `InvalidArgument` if there is none.
    pub fn get(&self, index: u16) -> Result<IntrospectedInstruction<'_>, ProgramError> {
        parse_instruction(&self.data, index)
    }
}

/// Parses instruction `index` out of raw instructions-sysvar data.
pub fn parse_instruction(data: &[u8], index: u16) -> Result<IntrospectedInstruction<'_>, ProgramError> {
    let count = read_u16(data, 0)?;
    if index >= count {
        return Err(ProgramError::InvalidArgument);
    }
    let mut offset = read_u16(data, 2 + 2 * index as usize)? as usize;

    let account_count = read_u16(data, offset)? as usize;
    offset += 2;
    let accounts_len = account_count * 33;
    let accounts = data.get(offset..offset + accounts_len).ok_or(ProgramError::InvalidAccountData)?;
    offset += accounts_len;

    let program_id_bytes = data.get(offset..offset + 32).ok_or(ProgramError::InvalidAccountData)?;
    // SAFETY: the slice is exactly 32 bytes and `Pubkey` has alignment 1.
    let program_id = unsafe { &*(program_id_bytes.as_ptr() as *const Pubkey) };
    offset += 32;

    let data_len = read_u16(data, offset)? as usize;
    offset += 2;
    let instruction_data = data.get(offset..offset + data_len).ok_or(ProgramError::InvalidAccountData)?;

    Ok(IntrospectedInstruction { index, program_id, accounts, data: instruction_data })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Serializes instructions as the runtime does: (program id, accounts as (flags, key), data).
    pub(crate) fn serialize(instructions: &[(Pubkey, Vec<(u8, Pubkey)>, Vec<u8>)], current: u16) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(instructions.len() as u16).to_le_bytes());
        let offsets_at = out.len();
        out.resize(out.len() + 2 * instructions.len(), 0);
        for (i, (program_id, accounts, data)) in instructions.iter().enumerate() {
            let offset = out.len() as u16;
            out[offsets_at + 2 * i..offsets_at + 2 * i + 2].copy_from_slice(&offset.to_le_bytes());
            out.extend_from_slice(&(accounts.len() as u16).to_le_bytes());
            for (flags, key) in accounts {
                out.push(*flags);
                out.extend_from_slice(key);
            }
            out.extend_from_slice(program_id);
            out.extend_from_slice(&(data.len() as u16).to_le_bytes());
            out.extend_from_slice(data);
        }
        out.extend_from_slice(&current.to_le_bytes());
        out
    }

    #[test]
    fn parse_instruction_reads_each_field() {
        let data = serialize(
            &[([1; 32], vec![(3, [5; 32])], vec![9, 8]), ([2; 32], vec![], vec![7])],
            1,
        );
        let first = parse_instruction(&data, 0).unwrap();
        assert_eq!(first.program_id, &[1; 32]);
        assert_eq!(first.account_count(), 1);
        assert_eq!(first.accounts[0], 3);
        assert_eq!(first.data, &[9, 8]);
        let second = parse_instruction(&data, 1).unwrap();
        assert_eq!(second.program_id, &[2; 32]);
        assert_eq!(second.data, &[7]);
        assert!(parse_instruction(&data, 2).is_err());
        assert_eq!(read_u16(&data, data.len() - 2), Ok(1));
    }

    #[test]
    fn parse_instruction_rejects_truncated_data() {
        let data = serialize(&[([1; 32], vec![], vec![1, 2, 3])], 0);
        assert_eq!(parse_instruction(&data[..data.len() - 4], 0).err(), Some(ProgramError::InvalidAccountData));
    }
}
