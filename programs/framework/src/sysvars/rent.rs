//! The rent sysvar, read with `sol_get_sysvar`, and rent-exempt minimum balances.
//!
//! The runtime's `Rent` is `{ lamports_per_byte_year: u64, exemption_threshold: f64,
//! burn_percent: u8 }`, `#[repr(C)]`, 24 bytes with padding. Programs cannot use floating point
//! here, so the threshold is kept as its IEEE 754 bits and applied with integer arithmetic.

use core::mem::MaybeUninit;

use crate::error::ProgramError;
use crate::math::{checked_mul, mul_wide, shift_right_wide, Wide};
use crate::pubkey::RENT_SYSVAR_ID;
use crate::syscalls;

/// Bytes the runtime adds to an account's data size when it computes rent.
pub const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// Rent sysvar.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rent {
    /// Rental rate in lamports per byte-year.
    pub lamports_per_byte_year: u64,
    /// IEEE 754 bits of the `f64` number of years of rent an account must hold to be exempt.
    pub exemption_threshold_bits: u64,
    /// Percentage of collected rent that is burned.
    pub burn_percent: u8,
}

const _: () = assert!(core::mem::size_of::<Rent>() == 24);

/// Size of the rent sysvar's bincode data: two 8-byte fields and `burn_percent`.
const RENT_DATA_LEN: usize = 17;

const F64_MANTISSA_BITS: u32 = 52;
const F64_EXPONENT_BIAS: u32 = 1023;

impl Rent {
    /// Reads the current rent parameters. Returns `UnsupportedSysvar` if the syscall fails.
    ///
    /// Uses `sol_get_sysvar`, which Agave's compute schedule prices at 110 units for a read
    /// under 250 bytes, where `sol_get_rent_sysvar` costs 100 plus the 24-byte struct.
    #[inline(always)]
    pub fn get() -> Result<Rent, ProgramError> {
        let mut rent = MaybeUninit::<Rent>::uninit();
        // SAFETY: `rent` is a writable, 8-byte-aligned 24-byte `repr(C)` struct. The sysvar's
        // bincode data is 17 bytes, the three fields at their offsets in this struct (0, 8 and
        // 16), so the copy leaves only padding unwritten.
        let result = unsafe {
            syscalls::sol_get_sysvar(RENT_SYSVAR_ID.as_ptr(), rent.as_mut_ptr() as *mut u8, 0, RENT_DATA_LEN as u64)
        };
        if result != 0 {
            return Err(ProgramError::UnsupportedSysvar);
        }
        // SAFETY: the syscall succeeded and wrote every field.
        Ok(unsafe { rent.assume_init() })
    }

    /// Returns the minimum balance for an account with `data_len` bytes to be rent-exempt.
    ///
    /// Computes `floor((128 + data_len) * lamports_per_byte_year * exemption_threshold)` exactly
    /// by splitting the threshold into its integer mantissa and power of two. Returns
    /// `ArithmeticOverflow` if the result exceeds `u64::MAX` and `InvalidAccountData` for a
    /// negative, infinite or NaN threshold.
    ///
    /// NOTE: the runtime rounds a float product, so for a threshold that is not an integer
    /// (2.0 on every cluster so far) the two results may differ by one lamport.
    pub fn minimum_balance(&self, data_len: usize) -> Result<u64, ProgramError> {
        let bytes = ACCOUNT_STORAGE_OVERHEAD
            .checked_add(data_len as u64)
            .ok_or(ProgramError::ArithmeticOverflow)?;
        let base = checked_mul(bytes, self.lamports_per_byte_year)?;

        let bits = self.exemption_threshold_bits;
        if bits >> 63 != 0 {
            return Err(ProgramError::InvalidAccountData);
        }
        let exponent = ((bits >> F64_MANTISSA_BITS) & 0x7FF) as u32;
        let fraction = bits & ((1u64 << F64_MANTISSA_BITS) - 1);
        if exponent == 0x7FF {
            return Err(ProgramError::InvalidAccountData);
        }
        if exponent == 0 {
            // Zero or subnormal: below 2^-1022, so the product rounds down to zero.
            return Ok(0);
        }

        // A threshold that is a power of two of at least 1 (2.0 on every cluster so far) is an
        // exact shift of `base`, which costs far less than the general product below.
        if fraction == 0 && exponent >= F64_EXPONENT_BIAS && exponent - F64_EXPONENT_BIAS < 64 {
            let shift = exponent - F64_EXPONENT_BIAS;
            if shift == 0 || base >> (64 - shift) == 0 {
                return Ok(base << shift);
            }
        }

        // threshold = mantissa * 2^(exponent - 1023 - 52)
        let mantissa = fraction | (1u64 << F64_MANTISSA_BITS);
        let product = mul_wide(base, mantissa);
        let scale = F64_EXPONENT_BIAS + F64_MANTISSA_BITS;
        if exponent >= scale {
            // A threshold of at least 2^52: multiply, and fail if any bit leaves the low limb.
            let shift = exponent - scale;
            if product.high != 0 {
                return Err(ProgramError::ArithmeticOverflow);
            }
            if shift == 0 || product.low == 0 {
                return Ok(product.low);
            }
            if shift >= 64 || product.low >> (64 - shift) != 0 {
                return Err(ProgramError::ArithmeticOverflow);
            }
            return Ok(product.low << shift);
        }
        shift_right_wide(Wide { high: product.high, low: product.low }, scale - exponent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rent(threshold: f64) -> Rent {
        Rent { lamports_per_byte_year: 3_480, exemption_threshold_bits: threshold.to_bits(), burn_percent: 50 }
    }

    #[test]
    fn minimum_balance_matches_float_formula() {
        for threshold in [2.0f64, 1.0, 4.0, 0.5, 3.0, 1.5] {
            for data_len in [0usize, 1, 82, 165, 275, 10_240] {
                let expected = ((128 + data_len as u64) * 3_480) as f64 * threshold;
                assert_eq!(rent(threshold).minimum_balance(data_len), Ok(expected as u64), "{threshold} {data_len}");
            }
        }
    }

    #[test]
    fn minimum_balance_default_rent_for_zero_bytes() {
        // 128 * 3480 * 2 = 890,880 lamports, the well-known minimum for an empty account.
        assert_eq!(rent(2.0).minimum_balance(0), Ok(890_880));
    }

    #[test]
    fn minimum_balance_power_of_two_overflow() {
        // 2^62 lamports per byte-year times 128 bytes overflows before the threshold applies;
        // 2^55 * 128 = 2^62 fits, and a threshold of 2.0 or 4.0 then takes it to 2^63 or past
        // u64::MAX.
        let rent = |per_byte_year: u64, threshold: f64| Rent {
            lamports_per_byte_year: per_byte_year,
            exemption_threshold_bits: threshold.to_bits(),
            burn_percent: 50,
        };
        assert_eq!(rent(1 << 62, 2.0).minimum_balance(0), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(rent(1 << 55, 2.0).minimum_balance(0), Ok(1 << 63));
        assert_eq!(rent(1 << 55, 4.0).minimum_balance(0), Err(ProgramError::ArithmeticOverflow));
    }

    #[test]
    fn minimum_balance_rejects_negative_threshold() {
        assert_eq!(rent(-1.0).minimum_balance(0), Err(ProgramError::InvalidAccountData));
        assert_eq!(rent(f64::NAN).minimum_balance(0), Err(ProgramError::InvalidAccountData));
    }
}
