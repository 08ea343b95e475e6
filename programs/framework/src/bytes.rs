//! Little-endian reading of instruction data, with Borsh-compatible strings, and byte-slice
//! comparison.

use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// Returns whether two byte slices are equal.
///
/// On SBF, slices of 16 bytes or more are compared with the `sol_memcmp_` syscall, which costs
/// about 10 compute units for up to 2,500 bytes, where the compiled byte loop costs several
/// units per byte.
#[inline]
pub fn bytes_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    #[cfg(target_arch = "bpf")]
    if left.len() >= 16 {
        let mut result: i32 = 0;
        // SAFETY: both pointers are valid for `left.len()` bytes and `result` is writable.
        unsafe { crate::syscalls::sol_memcmp_(left.as_ptr(), right.as_ptr(), left.len() as u64, &mut result) };
        return result == 0;
    }
    left == right
}

/// Copies `source` to `destination`, which must be the same length.
///
/// On SBF, slices of 16 bytes or more are copied with the `sol_memcpy_` syscall, which costs 10
/// compute units for up to 2,500 bytes. A compiled copy into a buffer of alignment 1 may move
/// one byte per load and store instead. Panics if the lengths differ.
#[inline]
pub fn copy_bytes(destination: &mut [u8], source: &[u8]) {
    assert!(destination.len() == source.len());
    #[cfg(target_arch = "bpf")]
    if source.len() >= 16 {
        // SAFETY: both slices are valid for `source.len()` bytes, and a `&mut` slice cannot
        // overlap a shared one.
        unsafe { crate::syscalls::sol_memcpy_(destination.as_mut_ptr(), source.as_ptr(), source.len() as u64) };
        return;
    }
    destination.copy_from_slice(source);
}

/// Returns the first 8 bytes of `bytes` as a little-endian `u64`, or `None` when there are
/// fewer.
///
/// Account and instruction data in the input buffer start on 8-byte boundaries, where this is
/// one load. At a 4-byte boundary it is two loads, and at other addresses eight byte loads,
/// which is how the BPF backend reads an alignment-1 `u64`.
#[inline(always)]
pub fn read_u64_le(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < 8 {
        return None;
    }
    let address = bytes.as_ptr() as usize;
    // The loads are volatile only so that the compiler keeps them apart from the byte loads
    // below, which it would otherwise merge with them into one alignment-1 load.
    if address.is_multiple_of(8) {
        // SAFETY: `bytes` has at least 8 readable bytes at an 8-byte aligned address.
        return Some(u64::from_le(unsafe { core::ptr::read_volatile(bytes.as_ptr() as *const u64) }));
    }
    if address.is_multiple_of(4) {
        // SAFETY: `bytes` has at least 8 readable bytes at a 4-byte aligned address.
        let (low, high) = unsafe {
            let words = bytes.as_ptr() as *const u32;
            (u32::from_le(core::ptr::read_volatile(words)), u32::from_le(core::ptr::read_volatile(words.add(1))))
        };
        return Some(low as u64 | (high as u64) << 32);
    }
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    Some(u64::from_le_bytes(word))
}

/// Cursor over instruction data. Every read past the end returns `InvalidInstructionData`.
pub struct Reader<'a> {
    data: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading at the first byte of `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, offset: 0 }
    }

    /// Returns the next `len` bytes.
    #[inline]
    pub fn read_bytes(&mut self, len: usize) -> Result<&'a [u8], ProgramError> {
        let end = self.offset.checked_add(len).ok_or(ProgramError::InvalidInstructionData)?;
        let bytes = self.data.get(self.offset..end).ok_or(ProgramError::InvalidInstructionData)?;
        self.offset = end;
        Ok(bytes)
    }

    /// Returns the next `N` bytes as an array.
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], ProgramError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.read_bytes(N)?);
        Ok(array)
    }

    /// Reads a `u8`.
    pub fn read_u8(&mut self) -> Result<u8, ProgramError> {
        Ok(self.read_bytes(1)?[0])
    }

    /// Reads a little-endian `u16`.
    pub fn read_u16(&mut self) -> Result<u16, ProgramError> {
        Ok(u16::from_le_bytes(self.read_array()?))
    }

    /// Reads a little-endian `u32`.
    pub fn read_u32(&mut self) -> Result<u32, ProgramError> {
        Ok(u32::from_le_bytes(self.read_array()?))
    }

    /// Reads a little-endian `u64`.
    pub fn read_u64(&mut self) -> Result<u64, ProgramError> {
        Ok(u64::from_le_bytes(self.read_array()?))
    }

    /// Reads a little-endian `i64`.
    pub fn read_i64(&mut self) -> Result<i64, ProgramError> {
        Ok(i64::from_le_bytes(self.read_array()?))
    }

    /// Reads a 32-byte address in place.
    pub fn read_pubkey(&mut self) -> Result<&'a Pubkey, ProgramError> {
        let bytes = self.read_bytes(32)?;
        // SAFETY: `bytes` is exactly 32 bytes long and `Pubkey` has alignment 1.
        Ok(unsafe { &*(bytes.as_ptr() as *const Pubkey) })
    }

    /// Reads a Borsh string (`u32` length, then UTF-8 bytes).
    pub fn read_str(&mut self) -> Result<&'a str, ProgramError> {
        let len = self.read_u32()? as usize;
        let bytes = self.read_bytes(len)?;
        core::str::from_utf8(bytes).map_err(|_| ProgramError::InvalidInstructionData)
    }

    /// Returns the bytes not read yet and moves to the end.
    pub fn read_remaining(&mut self) -> &'a [u8] {
        let rest = &self.data[self.offset..];
        self.offset = self.data.len();
        rest
    }

    /// Returns `InvalidInstructionData` unless every byte was read.
    pub fn finish(&self) -> Result<(), ProgramError> {
        if self.offset != self.data.len() {
            return Err(ProgramError::InvalidInstructionData);
        }
        Ok(())
    }
}

/// Cursor that writes little-endian fields into a byte buffer, for account state and event
/// payloads. Every write past the end returns `AccountDataTooSmall`.
pub struct Writer<'a> {
    buffer: &'a mut [u8],
    offset: usize,
}

impl<'a> Writer<'a> {
    /// Starts writing at the first byte of `buffer`.
    pub fn new(buffer: &'a mut [u8]) -> Writer<'a> {
        Writer { buffer, offset: 0 }
    }

    /// Copies `bytes` to the next position.
    #[inline]
    pub fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), ProgramError> {
        let end = self.offset.checked_add(bytes.len()).ok_or(ProgramError::AccountDataTooSmall)?;
        let target = self.buffer.get_mut(self.offset..end).ok_or(ProgramError::AccountDataTooSmall)?;
        target.copy_from_slice(bytes);
        self.offset = end;
        Ok(())
    }

    /// Writes a `u8`.
    pub fn write_u8(&mut self, value: u8) -> Result<(), ProgramError> {
        self.write_bytes(&[value])
    }

    /// Writes a little-endian `u16`.
    pub fn write_u16(&mut self, value: u16) -> Result<(), ProgramError> {
        self.write_bytes(&value.to_le_bytes())
    }

    /// Writes a little-endian `u32`.
    pub fn write_u32(&mut self, value: u32) -> Result<(), ProgramError> {
        self.write_bytes(&value.to_le_bytes())
    }

    /// Writes a little-endian `u64`.
    pub fn write_u64(&mut self, value: u64) -> Result<(), ProgramError> {
        self.write_bytes(&value.to_le_bytes())
    }

    /// Writes a little-endian `i64`.
    pub fn write_i64(&mut self, value: i64) -> Result<(), ProgramError> {
        self.write_bytes(&value.to_le_bytes())
    }

    /// Writes a 32-byte address.
    pub fn write_pubkey(&mut self, pubkey: &Pubkey) -> Result<(), ProgramError> {
        self.write_bytes(pubkey)
    }

    /// Writes a Borsh string (`u32` length, then the UTF-8 bytes).
    pub fn write_str(&mut self, value: &str) -> Result<(), ProgramError> {
        self.write_u32(value.len() as u32)?;
        self.write_bytes(value.as_bytes())
    }

    /// Returns the number of bytes written.
    pub fn position(&self) -> usize {
        self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reads_fields_in_order() {
        let mut data = vec![7u8];
        data.extend_from_slice(&513u16.to_le_bytes());
        data.extend_from_slice(&(-5i64).to_le_bytes());
        data.extend_from_slice(&3u32.to_le_bytes());
        data.extend_from_slice(b"abc");
        let mut reader = Reader::new(&data);
        assert_eq!(reader.read_u8(), Ok(7));
        assert_eq!(reader.read_u16(), Ok(513));
        assert_eq!(reader.read_i64(), Ok(-5));
        assert_eq!(reader.read_str(), Ok("abc"));
        assert_eq!(reader.finish(), Ok(()));
        assert_eq!(reader.read_u8(), Err(ProgramError::InvalidInstructionData));
    }

    #[test]
    fn writer_round_trips_with_reader() {
        let mut buffer = [0u8; 32];
        let mut writer = Writer::new(&mut buffer);
        writer.write_u8(7).unwrap();
        writer.write_u64(1 << 40).unwrap();
        writer.write_i64(-3).unwrap();
        writer.write_str("kgpu").unwrap();
        assert_eq!(writer.position(), 25);
        assert_eq!(writer.write_bytes(&[0; 8]), Err(ProgramError::AccountDataTooSmall));

        let mut reader = Reader::new(&buffer[..25]);
        assert_eq!(reader.read_u8(), Ok(7));
        assert_eq!(reader.read_u64(), Ok(1 << 40));
        assert_eq!(reader.read_i64(), Ok(-3));
        assert_eq!(reader.read_str(), Ok("kgpu"));
        assert_eq!(reader.finish(), Ok(()));
    }

    #[test]
    fn bytes_eq_compares_length_and_content() {
        assert!(bytes_eq(b"abc", b"abc"));
        assert!(!bytes_eq(b"abc", b"abd"));
        assert!(!bytes_eq(b"abc", b"abcd"));
        assert!(bytes_eq(&[7u8; 100], &[7u8; 100]));
    }

    #[test]
    fn read_u64_le_at_any_alignment() {
        let words = [0x0807_0605_0403_0201u64.to_le(), 0x100F_0E0D_0C0B_0A09u64.to_le()];
        // SAFETY: the array is 16 initialized bytes.
        let bytes = unsafe { core::slice::from_raw_parts(words.as_ptr() as *const u8, 16) };
        assert_eq!(read_u64_le(bytes), Some(0x0807_0605_0403_0201));
        assert_eq!(read_u64_le(&bytes[1..]), Some(0x0908_0706_0504_0302));
        assert_eq!(read_u64_le(&bytes[4..]), Some(0x0C0B_0A09_0807_0605));
        assert_eq!(read_u64_le(&bytes[..7]), None);
    }

    #[test]
    fn reader_rejects_string_longer_than_data() {
        let mut data = 100u32.to_le_bytes().to_vec();
        data.extend_from_slice(b"short");
        assert_eq!(Reader::new(&data).read_str(), Err(ProgramError::InvalidInstructionData));
    }
}
