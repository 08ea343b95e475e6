//! PDA hashing without the curve check, for an address the runtime checks again when it signs.
//!
//! A PDA is `sha256(seeds || bump || program_id || "ProgramDerivedAddress")` when that hash is
//! off the ed25519 curve. When this program signs a CPI with PDA seeds, the runtime derives the
//! address with `create_program_address`, which fails the whole instruction for an on-curve
//! hash. An instruction that creates an account at a PDA it signs for can therefore compare the
//! account with the hash alone, and leave the off-curve check (one `sol_curve_validate_point`,
//! 159 CU) to the runtime.

use core::mem::MaybeUninit;

use kgpu_framework::prelude::*;

use crate::addresses::ID;

/// Suffix of every PDA hash preimage.
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";

/// Maximum number of seeds [`pda_hash`] takes, bump included.
const MAX_SEEDS: usize = 4;

/// One input slice of `sol_sha256`, `{address, len}` as the syscall reads it.
#[repr(C)]
#[derive(Clone, Copy)]
struct HashSlice {
    address: *const u8,
    len: u64,
}

impl HashSlice {
    #[inline(always)]
    fn new(bytes: &[u8]) -> HashSlice {
        HashSlice { address: bytes.as_ptr(), len: bytes.len() as u64 }
    }
}

/// A 32-byte hash on an 8-byte boundary, so that `pubkey_eq` compares it as four words.
#[repr(C, align(8))]
pub struct AlignedAddress(pub Pubkey);

/// Returns `sha256(seeds || ID || "ProgramDerivedAddress")`, where the last seed is the bump,
/// without checking that the hash is off the curve.
///
/// Takes at most four seeds of at most 32 bytes each. Costs one `sol_sha256` call: 85 CU plus
/// 1 CU per 2 bytes of each slice, at least 10 per slice.
#[inline(always)]
pub fn pda_hash(seeds: &[&[u8]]) -> AlignedAddress {
    assert!(seeds.len() <= MAX_SEEDS);
    let mut address = AlignedAddress([0; 32]);
    #[cfg(target_arch = "bpf")]
    {
        let mut slices = [MaybeUninit::<HashSlice>::uninit(); MAX_SEEDS + 2];
        for (slice, seed) in slices.iter_mut().zip(seeds) {
            slice.write(HashSlice::new(seed));
        }
        slices[seeds.len()].write(HashSlice::new(&ID));
        slices[seeds.len() + 1].write(HashSlice::new(PDA_MARKER));
        // SAFETY: the first `seeds.len() + 2` slices describe live byte slices, and `address` is
        // a writable 32-byte buffer.
        unsafe {
            kgpu_framework::syscalls::sol_sha256(
                slices.as_ptr() as *const u8,
                (seeds.len() + 2) as u64,
                address.0.as_mut_ptr(),
            )
        };
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        let mut parts: [&[u8]; MAX_SEEDS + 2] = [&[]; MAX_SEEDS + 2];
        parts[..seeds.len()].copy_from_slice(seeds);
        parts[seeds.len()] = &ID;
        parts[seeds.len() + 1] = PDA_MARKER;
        address.0 = kgpu_framework::hash::sha256_const(&parts[..seeds.len() + 2]);
    }
    address
}
