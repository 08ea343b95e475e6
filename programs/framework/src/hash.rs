//! SHA-256: a `const fn` for compile-time constants and a runtime hash through `sol_sha256`.

const ROUND_CONSTANTS: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const INITIAL_STATE: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut schedule = [0u32; 64];
    let mut t = 0;
    while t < 16 {
        schedule[t] = u32::from_be_bytes([block[4 * t], block[4 * t + 1], block[4 * t + 2], block[4 * t + 3]]);
        t += 1;
    }
    while t < 64 {
        let s0 = schedule[t - 15].rotate_right(7) ^ schedule[t - 15].rotate_right(18) ^ (schedule[t - 15] >> 3);
        let s1 = schedule[t - 2].rotate_right(17) ^ schedule[t - 2].rotate_right(19) ^ (schedule[t - 2] >> 10);
        schedule[t] = schedule[t - 16].wrapping_add(s0).wrapping_add(schedule[t - 7]).wrapping_add(s1);
        t += 1;
    }

    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    t = 0;
    while t < 64 {
        let sum1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let choice = (e & f) ^ (!e & g);
        let temp1 = h.wrapping_add(sum1).wrapping_add(choice).wrapping_add(ROUND_CONSTANTS[t]).wrapping_add(schedule[t]);
        let sum0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let majority = (a & b) ^ (a & c) ^ (b & c);
        let temp2 = sum0.wrapping_add(majority);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(temp1);
        d = c;
        c = b;
        b = a;
        a = temp1.wrapping_add(temp2);
        t += 1;
    }

    let words = [a, b, c, d, e, f, g, h];
    let mut i = 0;
    while i < 8 {
        state[i] = state[i].wrapping_add(words[i]);
        i += 1;
    }
}

/// Hashes the concatenation of `parts` with SHA-256 (FIPS 180-4).
///
/// This is a `const fn` meant for compile-time constants such as discriminators. At run time on
/// SBF it costs far more compute units than [`sha256`], which uses the `sol_sha256` syscall.
pub const fn sha256_const(parts: &[&[u8]]) -> [u8; 32] {
    let mut state = INITIAL_STATE;
    let mut block = [0u8; 64];
    let mut filled = 0;
    let mut total_len: u64 = 0;

    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part];
        let mut i = 0;
        while i < bytes.len() {
            block[filled] = bytes[i];
            filled += 1;
            if filled == 64 {
                compress(&mut state, &block);
                filled = 0;
            }
            i += 1;
        }
        total_len += bytes.len() as u64;
        part += 1;
    }

    // Padding: 0x80, zeros, then the message length in bits as a big-endian u64.
    block[filled] = 0x80;
    filled += 1;
    if filled > 56 {
        while filled < 64 {
            block[filled] = 0;
            filled += 1;
        }
        compress(&mut state, &block);
        filled = 0;
    }
    while filled < 56 {
        block[filled] = 0;
        filled += 1;
    }
    let bit_len = (total_len * 8).to_be_bytes();
    let mut i = 0;
    while i < 8 {
        block[56 + i] = bit_len[i];
        i += 1;
    }
    compress(&mut state, &block);

    let mut digest = [0u8; 32];
    i = 0;
    while i < 8 {
        let word = state[i].to_be_bytes();
        digest[4 * i] = word[0];
        digest[4 * i + 1] = word[1];
        digest[4 * i + 2] = word[2];
        digest[4 * i + 3] = word[3];
        i += 1;
    }
    digest
}

/// Maximum number of parts [`sha256`] accepts.
pub const MAX_HASH_PARTS: usize = 16;

/// Hashes the concatenation of `parts` with SHA-256.
///
/// On SBF this calls the `sol_sha256` syscall. On the host it runs [`sha256_const`].
///
/// # Panics
///
/// Panics if `parts` has more than [`MAX_HASH_PARTS`] entries.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    #[cfg(target_arch = "bpf")]
    {
        assert!(parts.len() <= MAX_HASH_PARTS);
        let mut slices = [crate::cpi::Seed::EMPTY; MAX_HASH_PARTS];
        for (slot, part) in slices.iter_mut().zip(parts) {
            *slot = crate::cpi::Seed::from(*part);
        }
        let mut digest = [0u8; 32];
        // SAFETY: `slices` contains `parts.len()` valid {address, len} records that outlive the
        // call, and `digest` is a writable 32-byte buffer.
        unsafe {
            crate::syscalls::sol_sha256(slices.as_ptr() as *const u8, parts.len() as u64, digest.as_mut_ptr());
        }
        digest
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        assert!(parts.len() <= MAX_HASH_PARTS);
        sha256_const(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_empty_input() {
        assert_eq!(
            hex(&sha256_const(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn sha256_abc_split_across_parts() {
        assert_eq!(
            hex(&sha256_const(&[b"a", b"bc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sha256_two_block_message() {
        // FIPS 180-4 example with a 56-byte message, which needs a second padding block.
        assert_eq!(
            hex(&sha256_const(&[b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"])),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }
}
