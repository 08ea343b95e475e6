//! Return data: bytes a program hands back to its caller or to the transaction's client.

use crate::error::{ProgramError, ProgramResult};
use crate::syscalls;

/// Maximum return data size accepted by the runtime, in bytes.
pub const MAX_RETURN_DATA: usize = 1024;

/// Sets the instruction's return data, replacing any earlier value.
///
/// Returns `InvalidArgument` if `data` is longer than [`MAX_RETURN_DATA`] bytes.
pub fn set_return_data(data: &[u8]) -> ProgramResult {
    if data.len() > MAX_RETURN_DATA {
        return Err(ProgramError::InvalidArgument);
    }
    // SAFETY: the pointer and length describe a live slice.
    unsafe { syscalls::sol_set_return_data(data.as_ptr(), data.len() as u64) }
    Ok(())
}
