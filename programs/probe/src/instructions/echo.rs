//! `echo` and `fail`: logging, return data and error codes.

use kgpu_framework::log::{log_compute_units, log_pubkey};
use kgpu_framework::prelude::*;
use kgpu_framework::return_data::set_return_data;

/// `echo`: logs a UTF-8 message and returns it as return data.
///
/// Accounts: none.
/// Data: the message bytes (UTF-8, at most 1,024 bytes).
///
/// Logs, in order: "echo", the message, its length and 1..=4 as five integers, the program id,
/// and the remaining compute units.
pub fn process(program_id: &Pubkey, args: &[u8]) -> ProgramResult {
    let message = core::str::from_utf8(args).map_err(|_| ProgramError::InvalidInstructionData)?;
    log("echo");
    log(message);
    log_u64(message.len() as u64, 1, 2, 3, 4);
    log_pubkey(program_id);
    log_compute_units();
    set_return_data(args)
}

/// `fail`: returns `Custom(code)`, to check how error codes reach the client.
///
/// Accounts: none.
/// Data: `[0..4]` code u32.
pub fn process_fail(args: &[u8]) -> ProgramResult {
    let mut reader = Reader::new(args);
    let code = reader.read_u32()?;
    reader.finish()?;
    Err(ProgramError::Custom(code))
}
