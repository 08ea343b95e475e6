//! A Borsh reader for instruction arguments.

use kgpu_framework::Pubkey;

use crate::error::TokenError;

/// Reads Borsh fields in order from instruction data; any short read is `InvalidInstructionData`.
pub struct Reader<'a> {
    data: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, offset: 0 }
    }

    #[inline(always)]
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], TokenError> {
        let end = self
            .offset
            .checked_add(len)
            .ok_or(TokenError::InvalidInstructionData)?;
        let bytes = self
            .data
            .get(self.offset..end)
            .ok_or(TokenError::InvalidInstructionData)?;
        self.offset = end;
        Ok(bytes)
    }

    #[inline(always)]
    pub fn u8(&mut self) -> Result<u8, TokenError> {
        Ok(self.take(1)?[0])
    }

    /// Reads a Borsh bool, rejecting bytes other than 0 and 1.
    #[inline(always)]
    pub fn bool(&mut self) -> Result<bool, TokenError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(TokenError::InvalidInstructionData),
        }
    }

    #[inline(always)]
    pub fn u16(&mut self) -> Result<u16, TokenError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    #[inline(always)]
    pub fn u32(&mut self) -> Result<u32, TokenError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    #[inline(always)]
    pub fn u64(&mut self) -> Result<u64, TokenError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    #[inline(always)]
    pub fn i64(&mut self) -> Result<i64, TokenError> {
        Ok(self.u64()? as i64)
    }

    #[inline(always)]
    pub fn array32(&mut self) -> Result<[u8; 32], TokenError> {
        let mut b = [0u8; 32];
        b.copy_from_slice(self.take(32)?);
        Ok(b)
    }

    #[inline(always)]
    pub fn pubkey(&mut self) -> Result<Pubkey, TokenError> {
        self.array32()
    }

    /// Reads a Borsh string (u32 length, UTF-8 bytes) of at most `max_len` bytes.
    pub fn string(&mut self, max_len: usize) -> Result<&'a [u8], TokenError> {
        let len = self.u32()? as usize;
        if len > max_len {
            return Err(TokenError::InvalidInstructionData);
        }
        self.take(len)
    }

    /// Reads a Borsh vector length of at most `max_len` items.
    pub fn vec_len(&mut self, max_len: usize) -> Result<usize, TokenError> {
        let len = self.u32()? as usize;
        if len > max_len {
            return Err(TokenError::InvalidInstructionData);
        }
        Ok(len)
    }

    /// Rejects trailing bytes.
    #[inline(always)]
    pub fn finish(&self) -> Result<(), TokenError> {
        if self.offset == self.data.len() {
            Ok(())
        } else {
            Err(TokenError::InvalidInstructionData)
        }
    }
}
