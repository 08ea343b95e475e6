//! `mul_div`: 128-bit intermediate multiply-divide and basis points.

use kgpu_framework::math::{bps_of_floor, mul_div_ceil, mul_div_floor};
use kgpu_framework::prelude::*;
use kgpu_framework::return_data::set_return_data;

/// `mul_div`: returns the result as a u64 in return data.
///
/// Accounts: none.
/// Data: `[0..8]` a u64, `[8..16]` b u64, `[16..24]` divisor u64, `[24]` mode u8:
/// 0 = `floor(a * b / divisor)`, 1 = `ceil(a * b / divisor)`, 2 = `floor(a * b / 10_000)` with
/// `b` as basis points (divisor ignored).
///
/// Errors: `ArithmeticOverflow` for a zero divisor or a result over `u64::MAX`,
/// `InvalidArgument` for more than 10,000 basis points.
pub fn process_mul_div(args: &[u8]) -> ProgramResult {
    let mut reader = Reader::new(args);
    let a = reader.read_u64()?;
    let b = reader.read_u64()?;
    let divisor = reader.read_u64()?;
    let mode = reader.read_u8()?;
    reader.finish()?;

    let result = match mode {
        0 => mul_div_floor(a, b, divisor)?,
        1 => mul_div_ceil(a, b, divisor)?,
        2 => bps_of_floor(a, u16::try_from(b).map_err(|_| ProgramError::InvalidArgument)?)?,
        _ => return Err(ProgramError::InvalidInstructionData),
    };
    set_return_data(&result.to_le_bytes())
}
