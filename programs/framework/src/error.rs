//! Program errors and their `u64` return codes.
//!
//! The runtime reads a program's return value as follows (Agave `solana-program-error`):
//! `0` is success, a value with the low 32 bits zero is a builtin error `n << 32`, and any
//! other value is `Custom(value)`. `Custom(0)` would be indistinguishable from success, so it is
//! encoded as the builtin code `1 << 32`, like the Solana SDK does.
//!
//! [`ProgramError`] stores that non-zero code itself. `Result<(), ProgramError>` then has the
//! size of one `u64` and travels in a single register: the BPF backend passes any larger
//! result through a hidden pointer argument, which counts against its limit of 5 arguments.
//!
//! Each program declares its own custom error enum and converts it with
//! [`ProgramError::Custom`]; Anchor-style programs number their errors from 6000.

use core::num::NonZeroU64;

/// Result of an instruction handler.
pub type ProgramResult = Result<(), ProgramError>;

/// A program error, stored as the non-zero code the entrypoint returns to the runtime.
///
/// The builtin errors are associated constants named like the Solana SDK's `ProgramError`
/// variants, so `Err(ProgramError::InvalidArgument)` reads as usual. Match on errors with `==`,
/// because constants of this type cannot be used as patterns across crates in every case.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct ProgramError(NonZeroU64);

const BUILTIN_SHIFT: u32 = 32;

/// Return code of `Custom(0)`.
pub const CUSTOM_ZERO: u64 = 1 << BUILTIN_SHIFT;

const fn builtin(number: u64) -> ProgramError {
    match NonZeroU64::new(number << BUILTIN_SHIFT) {
        Some(code) => ProgramError(code),
        None => panic!("builtin error number must be non-zero"),
    }
}

/// Builtin errors, with their numbers and the Solana SDK's messages.
const BUILTIN_NAMES: [(u64, &str); 19] = [
    (2, "InvalidArgument"),
    (3, "InvalidInstructionData"),
    (4, "InvalidAccountData"),
    (5, "AccountDataTooSmall"),
    (6, "InsufficientFunds"),
    (7, "IncorrectProgramId"),
    (8, "MissingRequiredSignature"),
    (9, "AccountAlreadyInitialized"),
    (10, "UninitializedAccount"),
    (11, "NotEnoughAccountKeys"),
    (12, "AccountBorrowFailed"),
    (13, "MaxSeedLengthExceeded"),
    (14, "InvalidSeeds"),
    (17, "UnsupportedSysvar"),
    (18, "IllegalOwner"),
    (23, "InvalidAccountOwner"),
    (24, "ArithmeticOverflow"),
    (25, "Immutable"),
    (26, "IncorrectAuthority"),
];

#[allow(non_upper_case_globals, non_snake_case)]
impl ProgramError {
    /// An argument of the instruction is invalid. Builtin 2.
    pub const InvalidArgument: ProgramError = builtin(2);
    /// The instruction data is malformed. Builtin 3.
    pub const InvalidInstructionData: ProgramError = builtin(3);
    /// An account's data has the wrong content. Builtin 4.
    pub const InvalidAccountData: ProgramError = builtin(4);
    /// An account's data is shorter than required. Builtin 5.
    pub const AccountDataTooSmall: ProgramError = builtin(5);
    /// An account has too few lamports. Builtin 6.
    pub const InsufficientFunds: ProgramError = builtin(6);
    /// A program account has the wrong address. Builtin 7.
    pub const IncorrectProgramId: ProgramError = builtin(7);
    /// A required signature is missing. Builtin 8.
    pub const MissingRequiredSignature: ProgramError = builtin(8);
    /// An account is already initialized. Builtin 9.
    pub const AccountAlreadyInitialized: ProgramError = builtin(9);
    /// An account is not initialized. Builtin 10.
    pub const UninitializedAccount: ProgramError = builtin(10);
    /// The instruction has fewer accounts than required. Builtin 11.
    pub const NotEnoughAccountKeys: ProgramError = builtin(11);
    /// An account's data is already borrowed in a conflicting way. Builtin 12.
    pub const AccountBorrowFailed: ProgramError = builtin(12);
    /// A PDA seed is longer than 32 bytes. Builtin 13.
    pub const MaxSeedLengthExceeded: ProgramError = builtin(13);
    /// The seeds do not derive a valid or expected program address. Builtin 14.
    pub const InvalidSeeds: ProgramError = builtin(14);
    /// A sysvar account is not the expected sysvar. Builtin 17.
    pub const UnsupportedSysvar: ProgramError = builtin(17);
    /// An account has an owner that is not allowed. Builtin 18.
    pub const IllegalOwner: ProgramError = builtin(18);
    /// An account is owned by the wrong program. Builtin 23.
    pub const InvalidAccountOwner: ProgramError = builtin(23);
    /// An arithmetic operation overflowed or divided by zero. Builtin 24.
    pub const ArithmeticOverflow: ProgramError = builtin(24);
    /// An account that must be writable is read-only. Builtin 25.
    pub const Immutable: ProgramError = builtin(25);
    /// The signer is not the account's authority. Builtin 26.
    pub const IncorrectAuthority: ProgramError = builtin(26);

    /// Returns the error for a program-defined code.
    #[inline(always)]
    pub const fn Custom(code: u32) -> ProgramError {
        match NonZeroU64::new(code as u64) {
            Some(code) => ProgramError(code),
            None => ProgramError::custom_zero(),
        }
    }

    #[cold]
    const fn custom_zero() -> ProgramError {
        builtin(1)
    }

    /// Returns the code the entrypoint hands back to the runtime.
    #[inline(always)]
    pub const fn to_code(self) -> u64 {
        self.0.get()
    }

    /// Wraps a non-zero return code, such as the result of a failed syscall. Returns `None`
    /// for zero, which means success.
    #[inline(always)]
    pub const fn from_code(code: u64) -> Option<ProgramError> {
        match NonZeroU64::new(code) {
            Some(code) => Some(ProgramError(code)),
            None => None,
        }
    }

    /// Returns the custom code, or `None` for a builtin error. `Custom(0)` returns `Some(0)`.
    pub const fn custom_code(self) -> Option<u32> {
        let code = self.0.get();
        if code == CUSTOM_ZERO {
            return Some(0);
        }
        if code & 0xFFFF_FFFF != 0 {
            return Some(code as u32);
        }
        None
    }
}

impl core::fmt::Debug for ProgramError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(code) = self.custom_code() {
            return write!(formatter, "Custom({code})");
        }
        let number = self.0.get() >> BUILTIN_SHIFT;
        match BUILTIN_NAMES.iter().find(|(n, _)| *n == number) {
            Some((_, name)) => formatter.write_str(name),
            None => write!(formatter, "Builtin({number})"),
        }
    }
}

impl From<ProgramError> for u64 {
    fn from(error: ProgramError) -> u64 {
        error.to_code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_codes_shift_by_32() {
        assert_eq!(ProgramError::InvalidArgument.to_code(), 2 << 32);
        assert_eq!(ProgramError::MissingRequiredSignature.to_code(), 8 << 32);
        assert_eq!(ProgramError::IncorrectAuthority.to_code(), 26 << 32);
    }

    #[test]
    fn custom_codes() {
        assert_eq!(ProgramError::Custom(6000).to_code(), 6000);
        assert_eq!(ProgramError::Custom(0).to_code(), 1 << 32);
        assert_eq!(ProgramError::Custom(0).custom_code(), Some(0));
        assert_eq!(ProgramError::Custom(6000).custom_code(), Some(6000));
        assert_eq!(ProgramError::InvalidSeeds.custom_code(), None);
        assert_eq!(ProgramError::from_code(0), None);
        assert_eq!(ProgramError::from_code(12 << 32), Some(ProgramError::AccountBorrowFailed));
    }

    #[test]
    fn debug_names_builtins() {
        assert_eq!(format!("{:?}", ProgramError::InvalidSeeds), "InvalidSeeds");
        assert_eq!(format!("{:?}", ProgramError::Custom(7)), "Custom(7)");
    }

    #[test]
    fn result_fits_in_one_register() {
        assert_eq!(core::mem::size_of::<ProgramResult>(), 8);
    }
}
