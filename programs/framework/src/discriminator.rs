//! Anchor-compatible 8-byte discriminators, computed at compile time.
//!
//! Anchor prefixes instruction data with `sha256("global:<name>")[..8]`, account data with
//! `sha256("account:<Name>")[..8]` and event payloads with `sha256("event:<Name>")[..8]`, where
//! an instruction name is the handler's snake_case name and account and event names are the
//! CamelCase type names. Using the same values lets anchorpy build instructions and decode
//! accounts and events from an IDL.
//!
//! ```ignore
//! const DEPOSIT: [u8; 8] = instruction_discriminator("deposit");
//! ```

use crate::bytes::read_u64_le;
use crate::error::ProgramError;
use crate::hash::sha256_const;

/// Length of every discriminator in bytes.
pub const DISCRIMINATOR_LEN: usize = 8;

const fn first_eight(digest: [u8; 32]) -> [u8; 8] {
    [digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]]
}

/// Returns `sha256("global:<name>")[..8]`, the discriminator of instruction `name`.
pub const fn instruction_discriminator(name: &str) -> [u8; 8] {
    first_eight(sha256_const(&[b"global:", name.as_bytes()]))
}

/// Returns `sha256("account:<name>")[..8]`, the discriminator of account type `name`.
pub const fn account_discriminator(name: &str) -> [u8; 8] {
    first_eight(sha256_const(&[b"account:", name.as_bytes()]))
}

/// Returns `sha256("event:<name>")[..8]`, the discriminator of event type `name`.
pub const fn event_discriminator(name: &str) -> [u8; 8] {
    first_eight(sha256_const(&[b"event:", name.as_bytes()]))
}

/// Returns `sha256(preimage)[..8]`, for interface discriminators such as the SPL
/// token-metadata interface's `"spl_token_metadata_interface:initialize_account"`.
pub const fn prefixed_discriminator(preimage: &str) -> [u8; 8] {
    first_eight(sha256_const(&[preimage.as_bytes()]))
}

/// Returns `InvalidAccountData` unless `data` starts with the account discriminator `expected`.
///
/// Run it on every account a program reads as its own state, after the owner check, so an
/// account of another type owned by the same program is rejected.
#[inline(always)]
pub fn check_account_discriminator(data: &[u8], expected: &[u8; 8]) -> Result<(), ProgramError> {
    match data.get(..DISCRIMINATOR_LEN) {
        Some(prefix) if prefix == expected => Ok(()),
        _ => Err(ProgramError::InvalidAccountData),
    }
}

/// Splits instruction data into its 8-byte discriminator and the arguments after it.
///
/// Returns `InvalidInstructionData` when the data is shorter than 8 bytes.
#[inline(always)]
pub fn split_discriminator(data: &[u8]) -> Result<([u8; 8], &[u8]), ProgramError> {
    // The runtime places instruction data on an 8-byte boundary, where `read_u64_le` is one
    // load instead of eight.
    let word = read_u64_le(data).ok_or(ProgramError::InvalidInstructionData)?;
    Ok((word.to_le_bytes(), &data[DISCRIMINATOR_LEN..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_discriminator_matches_anchor_initialize() {
        // sha256("global:initialize")[..8], as printed by Anchor's IDL for `initialize`.
        assert_eq!(instruction_discriminator("initialize"), [175, 175, 109, 31, 13, 152, 155, 237]);
    }

    #[test]
    fn check_account_discriminator_cases() {
        let expected = account_discriminator("Config");
        let mut data = expected.to_vec();
        data.push(1);
        assert_eq!(check_account_discriminator(&data, &expected), Ok(()));
        assert_eq!(check_account_discriminator(&data[..7], &expected), Err(ProgramError::InvalidAccountData));
        data[0] ^= 1;
        assert_eq!(check_account_discriminator(&data, &expected), Err(ProgramError::InvalidAccountData));
    }

    #[test]
    fn split_discriminator_rejects_short_data() {
        assert_eq!(split_discriminator(&[1, 2, 3]), Err(ProgramError::InvalidInstructionData));
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        let (discriminator, rest) = split_discriminator(&data).unwrap();
        assert_eq!(discriminator, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(rest, &[9]);
    }
}
