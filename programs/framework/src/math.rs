//! Checked arithmetic, a 64×64→128-bit multiply-divide and basis points.
//!
//! The BPF LLVM backend cannot lower `u128` multiplication or division (`__multi3`,
//! `__udivti3`) nor signed 64-bit division, so the 128-bit steps here use two `u64` limbs and
//! only unsigned 64-bit operations.

use crate::error::ProgramError;

/// Number of basis points in 100%.
pub const BPS_DENOMINATOR: u64 = 10_000;

/// Returns `a + b`, or `ArithmeticOverflow`.
#[inline(always)]
pub fn checked_add(a: u64, b: u64) -> Result<u64, ProgramError> {
    a.checked_add(b).ok_or(ProgramError::ArithmeticOverflow)
}

/// Returns `a - b`, or `ArithmeticOverflow` when `b > a`.
#[inline(always)]
pub fn checked_sub(a: u64, b: u64) -> Result<u64, ProgramError> {
    a.checked_sub(b).ok_or(ProgramError::ArithmeticOverflow)
}

/// Returns `a * b`, or `ArithmeticOverflow`.
///
/// `u64::checked_mul` lowers to a 128-bit multiply libcall on BPF, so this computes the full
/// product with [`mul_wide`] and checks its upper limb.
#[inline(always)]
pub fn checked_mul(a: u64, b: u64) -> Result<u64, ProgramError> {
    // Factors below 2^32 have a product below 2^64, so one native multiply suffices.
    if (a | b) >> 32 == 0 {
        return Ok(a.wrapping_mul(b));
    }
    let product = mul_wide(a, b);
    if product.high != 0 {
        return Err(ProgramError::ArithmeticOverflow);
    }
    Ok(product.low)
}

/// Returns `a / b` rounded down, or `ArithmeticOverflow` when `b` is zero.
#[inline(always)]
pub fn checked_div(a: u64, b: u64) -> Result<u64, ProgramError> {
    a.checked_div(b).ok_or(ProgramError::ArithmeticOverflow)
}

/// A 128-bit unsigned value as two 64-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wide {
    /// Upper 64 bits.
    pub high: u64,
    /// Lower 64 bits.
    pub low: u64,
}

/// Returns the full 128-bit product of `a` and `b`.
///
/// Always inlined: a call returning two registers cannot be lowered by the BPF backend.
#[inline(always)]
pub fn mul_wide(a: u64, b: u64) -> Wide {
    const MASK: u64 = 0xFFFF_FFFF;
    let (a_high, a_low) = (a >> 32, a & MASK);
    let (b_high, b_low) = (b >> 32, b & MASK);

    // Each partial product fits in 64 bits because both factors are below 2^32.
    let low_low = a_low.wrapping_mul(b_low);
    let low_high = a_low.wrapping_mul(b_high);
    let high_low = a_high.wrapping_mul(b_low);
    let high_high = a_high.wrapping_mul(b_high);

    // Sum of the middle column: at most 3 * (2^32 - 1), which fits in 64 bits.
    let middle = (low_low >> 32) + (low_high & MASK) + (high_low & MASK);
    let low = (middle << 32) | (low_low & MASK);
    let high = high_high + (low_high >> 32) + (high_low >> 32) + (middle >> 32);
    Wide { high, low }
}

/// Divides a 128-bit value by `divisor` and returns the quotient and remainder.
///
/// Returns `ArithmeticOverflow` when `divisor` is zero or the quotient does not fit in 64 bits
/// (`value.high >= divisor`).
pub fn div_wide(value: Wide, divisor: u64) -> Result<(u64, u64), ProgramError> {
    if divisor == 0 || value.high >= divisor {
        return Err(ProgramError::ArithmeticOverflow);
    }
    if value.high == 0 {
        return Ok((value.low / divisor, value.low % divisor));
    }

    // Long division in base 2^32 (Knuth's algorithm D for a 4-digit dividend and 2-digit
    // divisor, as in Hacker's Delight `divlu`). Every step uses native 64-bit division, and
    // wrapping arithmetic where the true value is known to fit, so no 128-bit libcall appears.
    const BASE: u64 = 1 << 32;
    const MASK: u64 = BASE - 1;

    // Normalize so that the divisor's top bit is set, which bounds each quotient-digit estimate
    // to at most two corrections.
    let shift = divisor.leading_zeros();
    let divisor = divisor << shift;
    let divisor_high = divisor >> 32;
    let divisor_low = divisor & MASK;
    let numerator_high = if shift == 0 { value.high } else { (value.high << shift) | (value.low >> (64 - shift)) };
    let numerator_low = value.low << shift;
    let numerator_digit1 = numerator_low >> 32;
    let numerator_digit0 = numerator_low & MASK;

    // First quotient digit. `quotient_high < BASE` is checked before the products, so neither
    // product exceeds 64 bits.
    let mut quotient_high = numerator_high / divisor_high;
    let mut estimate_remainder = numerator_high - quotient_high.wrapping_mul(divisor_high);
    while quotient_high >= BASE
        || quotient_high.wrapping_mul(divisor_low) > (estimate_remainder << 32) + numerator_digit1
    {
        quotient_high -= 1;
        estimate_remainder += divisor_high;
        if estimate_remainder >= BASE {
            break;
        }
    }
    let partial = (numerator_high << 32)
        .wrapping_add(numerator_digit1)
        .wrapping_sub(quotient_high.wrapping_mul(divisor));

    // Second quotient digit, the same way.
    let mut quotient_low = partial / divisor_high;
    estimate_remainder = partial - quotient_low.wrapping_mul(divisor_high);
    while quotient_low >= BASE
        || quotient_low.wrapping_mul(divisor_low) > (estimate_remainder << 32) + numerator_digit0
    {
        quotient_low -= 1;
        estimate_remainder += divisor_high;
        if estimate_remainder >= BASE {
            break;
        }
    }
    let remainder = (partial << 32)
        .wrapping_add(numerator_digit0)
        .wrapping_sub(quotient_low.wrapping_mul(divisor));

    Ok(((quotient_high << 32) | quotient_low, remainder >> shift))
}

/// Returns `floor(a * b / divisor)` with a 128-bit intermediate product.
///
/// Returns `ArithmeticOverflow` when `divisor` is zero or the result exceeds `u64::MAX`.
#[inline(always)]
pub fn mul_div_floor(a: u64, b: u64, divisor: u64) -> Result<u64, ProgramError> {
    // Factors below 2^32 have a product below 2^64, so one native multiply and divide give the
    // same result for fewer instructions than the limb arithmetic. That path is inlined and the
    // limb arithmetic is called.
    if (a | b) >> 32 == 0 {
        return checked_div(a.wrapping_mul(b), divisor);
    }
    mul_div_floor_wide(a, b, divisor)
}

/// [`mul_div_floor`] for factors of which one is at least 2^32.
#[inline(never)]
fn mul_div_floor_wide(a: u64, b: u64, divisor: u64) -> Result<u64, ProgramError> {
    let product = mul_wide(a, b);
    if product.high == 0 {
        return checked_div(product.low, divisor);
    }
    let (quotient, _) = div_wide(product, divisor)?;
    Ok(quotient)
}

/// Returns `ceil(a * b / divisor)` with a 128-bit intermediate product.
///
/// Returns `ArithmeticOverflow` when `divisor` is zero or the result exceeds `u64::MAX`.
#[inline]
pub fn mul_div_ceil(a: u64, b: u64, divisor: u64) -> Result<u64, ProgramError> {
    if (a | b) >> 32 == 0 && divisor != 0 {
        // The product fits in 64 bits, as in `mul_div_floor`.
        let product = a.wrapping_mul(b);
        let quotient = product / divisor;
        return if product.is_multiple_of(divisor) { Ok(quotient) } else { checked_add(quotient, 1) };
    }
    let (quotient, remainder) = div_wide(mul_wide(a, b), divisor)?;
    if remainder == 0 {
        return Ok(quotient);
    }
    checked_add(quotient, 1)
}

/// Returns `floor(value * 2^-shift)` for a 128-bit value, or `ArithmeticOverflow` when the
/// result does not fit in 64 bits.
pub fn shift_right_wide(value: Wide, shift: u32) -> Result<u64, ProgramError> {
    let shifted = if shift == 0 {
        value
    } else if shift < 64 {
        Wide { high: value.high >> shift, low: (value.low >> shift) | (value.high << (64 - shift)) }
    } else if shift < 128 {
        Wide { high: 0, low: value.high >> (shift - 64) }
    } else {
        Wide { high: 0, low: 0 }
    };
    if shifted.high != 0 {
        return Err(ProgramError::ArithmeticOverflow);
    }
    Ok(shifted.low)
}

/// Returns `floor(amount * bps / 10_000)`.
///
/// Returns `InvalidArgument` when `bps` exceeds 10,000 (100%).
#[inline]
pub fn bps_of_floor(amount: u64, bps: u16) -> Result<u64, ProgramError> {
    if bps as u64 > BPS_DENOMINATOR {
        return Err(ProgramError::InvalidArgument);
    }
    mul_div_floor(amount, bps as u64, BPS_DENOMINATOR)
}

/// Returns `ceil(amount * bps / 10_000)`, for fees that must not round down to zero.
///
/// Returns `InvalidArgument` when `bps` exceeds 10,000 (100%).
#[inline]
pub fn bps_of_ceil(amount: u64, bps: u16) -> Result<u64, ProgramError> {
    if bps as u64 > BPS_DENOMINATOR {
        return Err(ProgramError::InvalidArgument);
    }
    mul_div_ceil(amount, bps as u64, BPS_DENOMINATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values that cover small, large and edge magnitudes.
    fn samples() -> Vec<u64> {
        let mut values = vec![0, 1, 2, 3, 7, 10_000, u32::MAX as u64, 1 << 32, (1 << 32) + 1, u64::MAX - 1, u64::MAX];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(state >> (state % 64));
        }
        values
    }

    #[test]
    fn mul_wide_matches_u128() {
        for &a in &samples() {
            for &b in &samples() {
                let expected = a as u128 * b as u128;
                let wide = mul_wide(a, b);
                assert_eq!(((wide.high as u128) << 64) | wide.low as u128, expected, "{a} * {b}");
            }
        }
    }

    #[test]
    fn mul_div_floor_and_ceil_match_u128() {
        let values = samples();
        for &a in &values {
            for &b in &values[..60] {
                for &d in &values[..40] {
                    let product = a as u128 * b as u128;
                    let floor = if d == 0 { None } else { u64::try_from(product / d as u128).ok() };
                    let ceil = if d == 0 { None } else { u64::try_from(product.div_ceil(d as u128)).ok() };
                    assert_eq!(mul_div_floor(a, b, d).ok(), floor, "floor({a} * {b} / {d})");
                    assert_eq!(mul_div_ceil(a, b, d).ok(), ceil, "ceil({a} * {b} / {d})");
                }
            }
        }
    }

    #[test]
    fn div_wide_matches_u128_on_random_inputs() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            // Mix full-width values with values shortened by a random shift, so that every
            // normalization shift and both correction loops are reached.
            let divisor = (next() >> (next() % 64)).max(1);
            let high = next() % divisor;
            let low = next() >> (next() % 64);
            let value = ((high as u128) << 64) | low as u128;
            let (quotient, remainder) = div_wide(Wide { high, low }, divisor).unwrap();
            assert_eq!(quotient as u128, value / divisor as u128, "{value} / {divisor}");
            assert_eq!(remainder as u128, value % divisor as u128, "{value} % {divisor}");
        }
    }

    #[test]
    fn mul_div_floor_errors() {
        assert_eq!(mul_div_floor(1, 1, 0), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(mul_div_floor(u64::MAX, 2, 1), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(mul_div_floor(u64::MAX, u64::MAX, u64::MAX), Ok(u64::MAX));
    }

    #[test]
    fn shift_right_wide_cases() {
        let value = Wide { high: 1, low: 0 };
        assert_eq!(shift_right_wide(value, 64), Ok(1));
        assert_eq!(shift_right_wide(value, 1), Ok(1 << 63));
        assert_eq!(shift_right_wide(value, 0), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(shift_right_wide(value, 200), Ok(0));
    }

    #[test]
    fn bps_helpers() {
        assert_eq!(bps_of_floor(1_000_000, 25), Ok(2_500));
        assert_eq!(bps_of_floor(399, 25), Ok(0));
        assert_eq!(bps_of_ceil(399, 25), Ok(1));
        assert_eq!(bps_of_floor(u64::MAX, 10_000), Ok(u64::MAX));
        assert_eq!(bps_of_floor(1, 10_001), Err(ProgramError::InvalidArgument));
    }

    #[test]
    fn checked_helpers() {
        assert_eq!(checked_add(u64::MAX, 1), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(checked_sub(1, 2), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(checked_mul(1 << 32, 1 << 32), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(checked_div(1, 0), Err(ProgramError::ArithmeticOverflow));
        assert_eq!(checked_add(2, 3), Ok(5));
    }
}
