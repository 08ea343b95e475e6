//! The clock sysvar, read with `sol_get_clock_sysvar`.

use crate::error::ProgramError;
use crate::syscalls;

/// Clock sysvar, laid out as the runtime writes it (40 bytes, `#[repr(C)]`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// Current slot.
    pub slot: u64,
    /// Estimated unix time of the first slot of the epoch, in seconds.
    pub epoch_start_timestamp: i64,
    /// Current epoch.
    pub epoch: u64,
    /// Epoch for which the leader schedule has been computed.
    pub leader_schedule_epoch: u64,
    /// Estimated current unix time, in seconds (stake-weighted median of validator votes).
    pub unix_timestamp: i64,
}

/// Size of [`Clock`] in bytes.
pub const CLOCK_LEN: usize = 40;
const _: () = assert!(core::mem::size_of::<Clock>() == CLOCK_LEN);

impl Clock {
    /// Reads the current clock. Returns `UnsupportedSysvar` if the syscall fails.
    pub fn get() -> Result<Clock, ProgramError> {
        let mut clock = Clock::default();
        // SAFETY: `clock` is a writable, 8-byte-aligned 40-byte `repr(C)` struct.
        let result = unsafe { syscalls::sol_get_clock_sysvar(&mut clock as *mut Clock as *mut u8) };
        if result != 0 {
            return Err(ProgramError::UnsupportedSysvar);
        }
        Ok(clock)
    }

    /// Returns the clock as 40 little-endian bytes, in field order.
    pub fn to_bytes(&self) -> [u8; CLOCK_LEN] {
        let mut bytes = [0u8; CLOCK_LEN];
        bytes[0..8].copy_from_slice(&self.slot.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.epoch_start_timestamp.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.epoch.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.leader_schedule_epoch.to_le_bytes());
        bytes[32..40].copy_from_slice(&self.unix_timestamp.to_le_bytes());
        bytes
    }
}
