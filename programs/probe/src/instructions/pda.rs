//! `pda_create`, `pda_find` and `pda_canonical`: program derived addresses.
//!
//! Every instruction here derives from the single seed `"probe"`.

use kgpu_framework::pda::{check_canonical_bump, check_program_address, find_program_address};
use kgpu_framework::prelude::*;
use kgpu_framework::return_data::set_return_data;

/// Seed of the probe's PDA.
pub const PROBE_SEED: &[u8] = b"probe";

/// `pda_create`: checks that account 0 is the PDA of `["probe", bump]`.
///
/// Accounts:
///   0. `[]` the expected PDA
/// Data: `[0]` bump u8.
///
/// Errors: `InvalidSeeds` when the address differs or the bump gives no valid address.
pub fn process_create(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [pda, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let bump = reader.read_u8()?;
    reader.finish()?;

    check_program_address(&[PROBE_SEED], bump, program_id, pda.key())
}

/// `pda_find`: returns the PDA of `["probe"]` and its canonical bump (33 bytes of return data).
///
/// Accounts: none. Data: none.
pub fn process_find(program_id: &Pubkey) -> ProgramResult {
    let (address, bump) = find_program_address(&[PROBE_SEED], program_id)?;
    let mut output = [0u8; 33];
    output[..32].copy_from_slice(&address);
    output[32] = bump;
    set_return_data(&output)
}

/// `pda_canonical`: accepts only the canonical bump of `["probe"]`.
///
/// Accounts: none.
/// Data: `[0]` bump u8.
///
/// Errors: `InvalidSeeds` for any other bump, including valid non-canonical ones.
pub fn process_canonical(program_id: &Pubkey, args: &[u8]) -> ProgramResult {
    let mut reader = Reader::new(args);
    let bump = reader.read_u8()?;
    reader.finish()?;

    let address = check_canonical_bump(&[PROBE_SEED], bump, program_id)?;
    set_return_data(&address)
}
