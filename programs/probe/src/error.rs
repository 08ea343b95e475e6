//! Custom errors of the probe, numbered from 6000 like Anchor programs.

use kgpu_framework::ProgramError;

/// Errors the probe returns besides the framework's builtin errors.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// Fewer distinct oracles than the threshold signed the expected message.
    QuorumNotReached = 6000,
}

impl From<ProbeError> for ProgramError {
    fn from(error: ProbeError) -> ProgramError {
        ProgramError::Custom(error as u32)
    }
}
