//! Program logs: text, integers, addresses, compute units and Anchor events.
//!
//! The runtime prefixes `sol_log_` lines with "Program log: " and `sol_log_data` lines with
//! "Program data: " followed by each slice in base64, separated by spaces.

use core::mem::MaybeUninit;

use crate::bytes::copy_bytes;
use crate::cpi::Seed;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;
use crate::syscalls;

/// Logs a UTF-8 message as "Program log: <message>".
#[inline(always)]
pub fn log(message: &str) {
    // SAFETY: the pointer and length describe a valid string for the duration of the call.
    unsafe { syscalls::sol_log_(message.as_ptr(), message.len() as u64) }
}

/// Logs five integers as "Program log: 0x1, 0x2, 0x3, 0x4, 0x5" (hexadecimal).
#[inline(always)]
pub fn log_u64(arg1: u64, arg2: u64, arg3: u64, arg4: u64, arg5: u64) {
    // SAFETY: the syscall only reads its register arguments.
    unsafe { syscalls::sol_log_64_(arg1, arg2, arg3, arg4, arg5) }
}

/// Logs an address in base58 as "Program log: <address>".
#[inline(always)]
pub fn log_pubkey(pubkey: &Pubkey) {
    // SAFETY: `pubkey` points to 32 readable bytes.
    unsafe { syscalls::sol_log_pubkey(pubkey.as_ptr()) }
}

/// Logs the compute units left as "Program consumption: <n> units remaining".
#[inline(always)]
pub fn log_compute_units() {
    // SAFETY: the syscall takes no arguments.
    unsafe { syscalls::sol_log_compute_units_() }
}

/// Maximum number of slices [`log_data`] accepts.
pub const MAX_LOG_DATA_SLICES: usize = 8;

/// Logs binary slices as "Program data: <base64> <base64> ...".
///
/// Returns `InvalidArgument` if `slices` has more than [`MAX_LOG_DATA_SLICES`] entries.
pub fn log_data(slices: &[&[u8]]) -> ProgramResult {
    if slices.len() > MAX_LOG_DATA_SLICES {
        return Err(ProgramError::InvalidArgument);
    }
    // Only the first `slices.len()` records are written and read, so the rest stay uninitialized.
    let mut records = [const { MaybeUninit::<Seed>::uninit() }; MAX_LOG_DATA_SLICES];
    for (record, slice) in records.iter_mut().zip(slices) {
        record.write(Seed::from(*slice));
    }
    // SAFETY: the first `slices.len()` entries of `records` are initialized {address, len}
    // records of live slices, and the syscall reads no others.
    unsafe { syscalls::sol_log_data(records.as_ptr() as *const u8, slices.len() as u64) }
    Ok(())
}

/// Maximum size of an event, discriminator included.
pub const MAX_EVENT_LEN: usize = 1024;

/// Emits an Anchor event: one "Program data: " line holding `discriminator || payload` in base64.
///
/// `discriminator` is `event_discriminator("<EventName>")` and `payload` the Borsh encoding of
/// the event's fields, which is what anchorpy's event parser decodes. Returns `InvalidArgument`
/// if the event is longer than [`MAX_EVENT_LEN`] bytes.
pub fn emit_event(discriminator: &[u8; 8], payload: &[u8]) -> ProgramResult {
    let total_len = payload.len() + 8;
    if total_len > MAX_EVENT_LEN {
        return Err(ProgramError::InvalidArgument);
    }
    // Only the first `total_len` bytes are written and logged, so the buffer is not zeroed.
    let mut buffer = [MaybeUninit::<u8>::uninit(); MAX_EVENT_LEN];
    let event = &mut buffer[..total_len];
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and the two copies below write every
    // byte of `event` before it is read.
    let event = unsafe { core::slice::from_raw_parts_mut(event.as_mut_ptr() as *mut u8, total_len) };
    event[..8].copy_from_slice(discriminator);
    copy_bytes(&mut event[8..], payload);
    log_data(&[event])
}
