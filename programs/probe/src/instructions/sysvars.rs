//! `read_clock`, `read_rent` and `introspect`: sysvars.

use kgpu_framework::prelude::*;
use kgpu_framework::return_data::set_return_data;
use kgpu_framework::sysvars::{Clock, Instructions, Rent};

/// `read_clock`: returns the clock sysvar's 40 bytes as return data.
///
/// Accounts: none. Data: none.
pub fn process_read_clock() -> ProgramResult {
    set_return_data(&Clock::get()?.to_bytes())
}

/// `read_rent`: returns the rent-exempt minimum for `data_len` bytes, then the rent sysvar's
/// `lamports_per_byte_year` and threshold bits, as three u64 (24 bytes of return data).
///
/// Accounts: none.
/// Data: `[0..8]` data_len u64.
pub fn process_read_rent(args: &[u8]) -> ProgramResult {
    let mut reader = Reader::new(args);
    let data_len = reader.read_u64()?;
    reader.finish()?;

    let rent = Rent::get()?;
    let minimum = rent.minimum_balance(data_len as usize)?;
    let mut output = [0u8; 24];
    output[0..8].copy_from_slice(&minimum.to_le_bytes());
    output[8..16].copy_from_slice(&rent.lamports_per_byte_year.to_le_bytes());
    output[16..24].copy_from_slice(&rent.exemption_threshold_bits.to_le_bytes());
    set_return_data(&output)
}

/// `introspect`: reads the instructions sysvar.
///
/// Accounts:
///   0. `[]` instructions sysvar, checked by address
///
/// Returns 36 bytes: instruction count u16, current index u16, program id of the current
/// instruction. Errors: `UnsupportedSysvar` for any other account.
pub fn process_introspect(accounts: &[AccountInfo]) -> ProgramResult {
    let [sysvar, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let instructions = Instructions::from_account(sysvar)?;
    let count = instructions.count()?;
    let current = instructions.current_index()?;
    let instruction = instructions.get(current)?;

    let mut output = [0u8; 36];
    output[0..2].copy_from_slice(&count.to_le_bytes());
    output[2..4].copy_from_slice(&current.to_le_bytes());
    output[4..36].copy_from_slice(instruction.program_id);
    set_return_data(&output)
}
