//! Public keys (32-byte addresses) and compile-time base58 decoding.

/// A 32-byte account address.
pub type Pubkey = [u8; 32];

/// Address of the System program.
pub const SYSTEM_PROGRAM_ID: Pubkey = decode_base58("11111111111111111111111111111111");
/// Address of the SPL Token program.
pub const TOKEN_PROGRAM_ID: Pubkey = decode_base58("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// Address of the SPL Token-2022 program.
pub const TOKEN_2022_PROGRAM_ID: Pubkey = decode_base58("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
/// Address of the Associated Token Account program.
pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey =
    decode_base58("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
/// Address of the Ed25519 signature-verification precompile.
pub const ED25519_PROGRAM_ID: Pubkey = decode_base58("Ed25519SigVerify111111111111111111111111111");
/// Address of the instructions sysvar.
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = decode_base58("Sysvar1nstructions1111111111111111111111111");
/// Address of the clock sysvar.
pub const CLOCK_SYSVAR_ID: Pubkey = decode_base58("SysvarC1ock11111111111111111111111111111111");
/// Address of the rent sysvar.
pub const RENT_SYSVAR_ID: Pubkey = decode_base58("SysvarRent111111111111111111111111111111111");

/// Decodes a base58 address at compile time: `pubkey!("TokenzQ...")`.
#[macro_export]
macro_rules! pubkey {
    ($address:literal) => {{
        const ADDRESS: $crate::pubkey::Pubkey = $crate::pubkey::decode_base58($address);
        ADDRESS
    }};
}

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const fn base58_digit(character: u8) -> u32 {
    let mut index = 0;
    while index < BASE58_ALPHABET.len() {
        if BASE58_ALPHABET[index] == character {
            return index as u32;
        }
        index += 1;
    }
    panic!("invalid base58 character in address");
}

/// Decodes a base58 string into a 32-byte address.
///
/// # Panics
///
/// Panics on a character outside the Bitcoin base58 alphabet, on a value that does not fit in
/// 32 bytes, and on a string whose leading `1` digits (zero bytes) do not match the value. Used
/// in `const` context, the panic is a compile error.
pub const fn decode_base58(encoded: &str) -> Pubkey {
    let characters = encoded.as_bytes();
    let mut address = [0u8; 32];
    let mut index = 0;
    while index < characters.len() {
        let mut carry = base58_digit(characters[index]);
        let mut byte = 32;
        while byte > 0 {
            byte -= 1;
            carry += address[byte] as u32 * 58;
            address[byte] = (carry & 0xFF) as u8;
            carry >>= 8;
        }
        assert!(carry == 0, "base58 address is longer than 32 bytes");
        index += 1;
    }

    // Each leading '1' encodes one leading zero byte, and the remaining digits must fill the rest.
    let mut leading_ones = 0;
    while leading_ones < characters.len() && characters[leading_ones] == b'1' {
        leading_ones += 1;
    }
    let mut leading_zero_bytes = 0;
    while leading_zero_bytes < 32 && address[leading_zero_bytes] == 0 {
        leading_zero_bytes += 1;
    }
    assert!(
        leading_ones == leading_zero_bytes || (leading_ones == 32 && leading_zero_bytes == 32),
        "base58 address does not decode to exactly 32 bytes"
    );
    address
}

/// Returns whether two addresses are equal.
///
/// `Pubkey` has alignment 1, so the BPF backend splits a plain 8-byte load of it into eight
/// byte loads and a compiled comparison costs about 200 instructions. When both addresses sit on
/// 8-byte boundaries (as every key and owner in the input buffer does), this compares four
/// aligned words. Otherwise it calls `sol_memcmp_`, which costs about 10 compute units.
#[inline(always)]
pub fn pubkey_eq(left: &Pubkey, right: &Pubkey) -> bool {
    let left_ptr = left.as_ptr();
    let right_ptr = right.as_ptr();
    if (left_ptr as usize | right_ptr as usize) & 7 == 0 {
        // SAFETY: both pointers are 8-byte aligned and point to 32 readable bytes.
        unsafe {
            let a = left_ptr as *const u64;
            let b = right_ptr as *const u64;
            return *a == *b && *a.add(1) == *b.add(1) && *a.add(2) == *b.add(2) && *a.add(3) == *b.add(3);
        }
    }
    crate::bytes::bytes_eq(left, right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_program_is_all_zeros() {
        assert_eq!(SYSTEM_PROGRAM_ID, [0u8; 32]);
    }

    #[test]
    fn token_2022_id_matches_known_bytes() {
        // First and last bytes of TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb, from solders.
        assert_eq!(TOKEN_2022_PROGRAM_ID[0], 6);
        assert_eq!(TOKEN_2022_PROGRAM_ID[1], 221);
        assert_eq!(TOKEN_2022_PROGRAM_ID[31], 252);
    }

    #[test]
    fn pubkey_eq_detects_last_byte() {
        let a = TOKEN_PROGRAM_ID;
        let mut b = a;
        assert!(pubkey_eq(&a, &b));
        b[31] ^= 1;
        assert!(!pubkey_eq(&a, &b));
    }
}
