//! `emit_event`: an Anchor event in a "Program data: " log line.

use kgpu_framework::log::emit_event;
use kgpu_framework::prelude::*;

/// Discriminator of `ProbeEvent { value: u64, source: Pubkey }`.
pub const PROBE_EVENT: [u8; 8] = event_discriminator("ProbeEvent");

/// `emit_event`: emits `ProbeEvent { value, source: program_id }`.
///
/// Accounts: none.
/// Data: `[0..8]` value u64.
pub fn process_emit_event(program_id: &Pubkey, args: &[u8]) -> ProgramResult {
    let mut reader = Reader::new(args);
    let value = reader.read_u64()?;
    reader.finish()?;

    let mut payload = [0u8; 40];
    payload[0..8].copy_from_slice(&value.to_le_bytes());
    payload[8..40].copy_from_slice(program_id);
    emit_event(&PROBE_EVENT, &payload)
}
