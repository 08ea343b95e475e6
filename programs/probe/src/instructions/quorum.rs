//! `verify_quorum`: counts oracle signatures in Ed25519 precompile instructions.

use kgpu_framework::ed25519::{Quorum, MAX_ORACLES};
use kgpu_framework::prelude::*;
use kgpu_framework::return_data::set_return_data;
use kgpu_framework::sysvars::Instructions;

use crate::ProbeError;

/// `verify_quorum`: counts the distinct oracles that signed `message` and checks the threshold.
///
/// Accounts:
///   0. `[]` instructions sysvar, checked by address
/// Data: `[0]` threshold u8, `[1]` oracle count n u8 (at most 10), `[2..2+32n]` oracle keys,
/// then the expected message (the rest of the data).
///
/// Returns the count as a u32 in return data. A threshold of 0 only counts. Errors:
/// `QuorumNotReached` (6000) when fewer oracles signed, `UnsupportedSysvar` for a forged
/// sysvar account, `InvalidInstructionData` for a precompile entry that points into another
/// instruction.
pub fn process_verify_quorum(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [sysvar, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let threshold = reader.read_u8()? as u32;
    let oracle_count = reader.read_u8()? as usize;
    if oracle_count > MAX_ORACLES {
        return Err(ProgramError::InvalidInstructionData);
    }
    let oracle_bytes = reader.read_bytes(oracle_count * 32)?;
    let message = reader.read_remaining();

    let mut oracles = [[0u8; 32]; MAX_ORACLES];
    for (oracle, bytes) in oracles.iter_mut().zip(oracle_bytes.chunks_exact(32)) {
        oracle.copy_from_slice(bytes);
    }

    let instructions = Instructions::from_account(sysvar)?;
    let quorum = Quorum { message, oracles: &oracles[..oracle_count] };
    let count = quorum.count(instructions.data())?;
    set_return_data(&count.to_le_bytes())?;
    if count < threshold {
        return Err(ProbeError::QuorumNotReached.into());
    }
    Ok(())
}
