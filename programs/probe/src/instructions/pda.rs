//! `pda_create`, `pda_find`, `pda_canonical` and `pda_derive`: program derived addresses.
//!
//! The first three derive from the single seed `"probe"`. `pda_derive` takes any seeds and
//! program id, so tests can compare the framework's derivation with a client library's.

use kgpu_framework::pda::{
    check_canonical_bump, check_program_address, create_program_address, find_program_address, MAX_SEEDS,
};
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

/// `pda_derive` mode that runs `find_program_address` on the seeds.
pub const DERIVE_FIND: u8 = 0;
/// `pda_derive` mode that runs `create_program_address` on the seeds, bump included.
pub const DERIVE_CREATE: u8 = 1;

/// `pda_derive`: derives a PDA of any program from the seeds in the data.
///
/// Accounts: none.
/// Data: `[0..32]` program id, `[32]` mode (`DERIVE_FIND` or `DERIVE_CREATE`), `[33]` seed
/// count, then per seed one length byte and the seed bytes.
///
/// Returns the address and bump (33 bytes) for `DERIVE_FIND`, and the address (32 bytes) for
/// `DERIVE_CREATE`. Errors: those of the framework function, `InvalidInstructionData` for an
/// unknown mode and `InvalidArgument` for more than 16 seeds in the data.
pub fn process_derive(args: &[u8]) -> ProgramResult {
    let mut reader = Reader::new(args);
    let owner = reader.read_pubkey()?;
    let mode = reader.read_u8()?;
    let count = reader.read_u8()? as usize;
    if count > MAX_SEEDS {
        return Err(ProgramError::InvalidArgument);
    }
    let mut seeds: [&[u8]; MAX_SEEDS] = [&[]; MAX_SEEDS];
    for seed in seeds.iter_mut().take(count) {
        let len = reader.read_u8()? as usize;
        *seed = reader.read_bytes(len)?;
    }
    reader.finish()?;

    let mut output = [0u8; 33];
    match mode {
        DERIVE_FIND => {
            let (address, bump) = find_program_address(&seeds[..count], owner)?;
            output[..32].copy_from_slice(&address);
            output[32] = bump;
            set_return_data(&output)
        }
        DERIVE_CREATE => {
            let address = create_program_address(&seeds[..count], owner)?;
            set_return_data(&address)
        }
        _ => Err(ProgramError::InvalidInstructionData),
    }
}
