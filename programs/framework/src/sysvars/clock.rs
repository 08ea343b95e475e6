//! The clock sysvar, read with `sol_get_sysvar`.

use core::mem::MaybeUninit;

use crate::error::ProgramError;
use crate::pubkey::CLOCK_SYSVAR_ID;
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
    ///
    /// Uses `sol_get_sysvar`, which Agave's compute schedule prices at 110 units for a read
    /// under 250 bytes, where `sol_get_clock_sysvar` costs 100 plus the 40 bytes.
    #[inline(always)]
    pub fn get() -> Result<Clock, ProgramError> {
        let mut clock = MaybeUninit::<Clock>::uninit();
        // SAFETY: `clock` is a writable, 8-byte-aligned 40-byte `repr(C)` struct, and the
        // sysvar's bincode data is its five little-endian fields in this order.
        let result = unsafe {
            syscalls::sol_get_sysvar(CLOCK_SYSVAR_ID.as_ptr(), clock.as_mut_ptr() as *mut u8, 0, CLOCK_LEN as u64)
        };
        if result != 0 {
            return Err(ProgramError::UnsupportedSysvar);
        }
        // SAFETY: the syscall succeeded and wrote all 40 bytes.
        Ok(unsafe { clock.assume_init() })
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
