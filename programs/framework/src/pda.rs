//! Program derived addresses (PDAs).
//!
//! A PDA is `sha256(seed_0 || ... || seed_n || program_id || "ProgramDerivedAddress")` when
//! that hash is not a point on the ed25519 curve. [`find_program_address`] tries bumps from 255
//! down and returns the first valid one, the canonical bump. Programs store the canonical bump
//! and later rebuild the address with [`create_program_address`], which costs less compute.
//! Accepting any other valid bump would give one seed set several addresses, so
//! [`check_canonical_bump`] rejects them.
//!
//! # Compute cost
//!
//! The runtime's `sol_create_program_address` and `sol_try_find_program_address` syscalls
//! charge 1,500 compute units (CU) per candidate address. This module computes the same
//! address with the `sol_sha256` syscall (85 CU plus 1 CU per 2 bytes of each slice, at least
//! 10 per slice) and `sol_curve_validate_point` (159 CU), which is why one candidate costs about
//! 300 CU here. [`find_program_address`] copies the seeds into one contiguous buffer once, so
//! each further bump costs one single-slice hash and one curve check.
//!
//! On the host (`cargo test`) the hash is computed in Rust but the curve check is a stub that
//! treats every hash as a curve point, so every derivation returns `InvalidSeeds` there.

use core::mem::MaybeUninit;

#[cfg(target_arch = "bpf")]
use crate::cpi::Seed;
use crate::error::ProgramError;
use crate::pubkey::{pubkey_eq, Pubkey};
#[cfg(target_arch = "bpf")]
use crate::syscalls;

/// Maximum number of seeds, bump included.
pub const MAX_SEEDS: usize = 16;
/// Maximum length of one seed in bytes.
pub const MAX_SEED_LEN: usize = 32;

/// Suffix of every PDA hash preimage.
const PDA_MARKER: &[u8; 21] = b"ProgramDerivedAddress";

/// Maximum hash preimage length: 16 seeds of 32 bytes (bump included), program id and marker.
const MAX_PREIMAGE_LEN: usize = MAX_SEEDS * MAX_SEED_LEN + 32 + PDA_MARKER.len();

/// Curve id of ed25519 in Edwards form for `sol_curve_validate_point`.
#[cfg(target_arch = "bpf")]
const CURVE25519_EDWARDS: u64 = 0;

/// Returns `InvalidSeeds` for more than `max_count` seeds and `MaxSeedLengthExceeded` for a
/// seed longer than 32 bytes.
fn check_seeds(seeds: &[&[u8]], max_count: usize) -> Result<(), ProgramError> {
    if seeds.len() > max_count {
        return Err(ProgramError::InvalidSeeds);
    }
    for seed in seeds {
        if seed.len() > MAX_SEED_LEN {
            return Err(ProgramError::MaxSeedLengthExceeded);
        }
    }
    Ok(())
}

/// Returns whether `address` is not an ed25519 point, which makes it a valid PDA.
///
/// An off-curve address has no private key, so only the program it was derived under can sign
/// for it. Costs one `sol_curve_validate_point` call (159 CU).
#[cfg(target_arch = "bpf")]
#[inline(always)]
pub fn is_off_curve(address: &Pubkey) -> bool {
    let mut unused = core::mem::MaybeUninit::<[u8; 32]>::uninit();
    // SAFETY: `address` is 32 readable bytes. Agave's syscall reads only the curve id and the
    // point, and `unused` is a writable 32-byte area in case a runtime writes a result.
    let result = unsafe {
        syscalls::sol_curve_validate_point(CURVE25519_EDWARDS, address.as_ptr(), unused.as_mut_ptr() as *mut u8)
    };
    result != 0
}

/// Host stand-in: treats every hash as a curve point (see the module documentation).
#[cfg(not(target_arch = "bpf"))]
pub fn is_off_curve(_address: &Pubkey) -> bool {
    false
}

/// Hashes one contiguous preimage with SHA-256.
#[inline(always)]
fn hash_preimage(preimage: &[u8], address: &mut Pubkey) {
    #[cfg(target_arch = "bpf")]
    {
        let record = Seed::from(preimage);
        // SAFETY: `record` describes one live slice and `address` is a writable 32-byte buffer.
        unsafe { syscalls::sol_sha256(&record as *const Seed as *const u8, 1, address.as_mut_ptr()) };
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        *address = crate::hash::sha256_const(&[preimage]);
    }
}

/// Copies `bytes` into `buffer` at `offset` and returns the offset after them.
#[inline(always)]
fn append(buffer: &mut [MaybeUninit<u8>; MAX_PREIMAGE_LEN], offset: usize, bytes: &[u8]) -> usize {
    let end = offset + bytes.len();
    assert!(end <= MAX_PREIMAGE_LEN);
    // SAFETY: `offset..end` lies inside `buffer`, which cannot overlap the borrowed `bytes`.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.as_mut_ptr().add(offset) as *mut u8, bytes.len()) };
    end
}

/// Writes `seeds || [bump] || program_id || marker` to the start of `buffer`, leaving out the
/// bump byte when `bump` is `None`. Returns the written preimage and the offset of the bump
/// byte.
///
/// The buffer starts uninitialized because zeroing all 565 bytes would cost more compute than
/// a hash. The caller has checked the seeds with [`check_seeds`], so they fit the buffer.
fn write_preimage<'b>(
    buffer: &'b mut [MaybeUninit<u8>; MAX_PREIMAGE_LEN],
    seeds: &[&[u8]],
    bump: Option<u8>,
    program_id: &Pubkey,
) -> (&'b mut [u8], usize) {
    let mut len = 0;
    for seed in seeds {
        len = append(buffer, len, seed);
    }
    let bump_at = len;
    if let Some(bump) = bump {
        len = append(buffer, len, &[bump]);
    }
    len = append(buffer, len, program_id);
    len = append(buffer, len, PDA_MARKER);
    // SAFETY: the first `len` bytes were written above.
    let preimage = unsafe { core::slice::from_raw_parts_mut(buffer.as_mut_ptr() as *mut u8, len) };
    (preimage, bump_at)
}

/// A PDA hash on an 8-byte boundary, so that [`pubkey_eq`] compares it as four words.
#[repr(C, align(8))]
struct AlignedAddress(Pubkey);

/// Writes the PDA hash of `seeds`, followed by `bump` when given, to `address`, without the
/// curve check.
///
/// The caller has checked the seeds with [`check_seeds`], so at most 16 slices are hashed.
fn hash_seeds(
    seeds: &[&[u8]],
    bump: Option<&[u8; 1]>,
    program_id: &Pubkey,
    address: &mut MaybeUninit<AlignedAddress>,
) {
    #[cfg(target_arch = "bpf")]
    {
        // The seeds are hashed in place: one slice record per seed, the bump, then program id
        // and marker. Only the records in use are written, so the rest stay uninitialized
        // instead of costing a store each.
        let mut records = [const { MaybeUninit::<Seed>::uninit() }; MAX_SEEDS + 2];
        for (record, seed) in records.iter_mut().zip(seeds) {
            record.write(Seed::from(*seed));
        }
        let mut count = seeds.len();
        if let Some(bump) = bump {
            records[count].write(Seed::from(bump));
            count += 1;
        }
        records[count].write(Seed::from(program_id));
        records[count + 1].write(Seed::from(PDA_MARKER));
        // SAFETY: `records` starts with `count + 2` initialized records of live slices, and
        // `address` is a writable 32-byte buffer that the syscall fills.
        unsafe {
            syscalls::sol_sha256(records.as_ptr() as *const u8, (count + 2) as u64, address.as_mut_ptr() as *mut u8)
        };
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        let mut buffer = [MaybeUninit::uninit(); MAX_PREIMAGE_LEN];
        let (preimage, _) = write_preimage(&mut buffer, seeds, bump.map(|bump| bump[0]), program_id);
        let mut hash = [0u8; 32];
        hash_preimage(preimage, &mut hash);
        address.write(AlignedAddress(hash));
    }
}

/// Derives the address for `seeds`, whose last seed is the bump.
///
/// Costs one hash and one curve check, about 300 CU on SBF. Returns `InvalidSeeds` for more
/// than 16 seeds or when the hash lies on the curve (the bump is not valid for these seeds),
/// and `MaxSeedLengthExceeded` for a seed over 32 bytes.
pub fn create_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Result<Pubkey, ProgramError> {
    check_seeds(seeds, MAX_SEEDS)?;
    let mut address = MaybeUninit::uninit();
    hash_seeds(seeds, None, program_id, &mut address);
    // SAFETY: `hash_seeds` wrote all 32 bytes.
    let address = unsafe { address.assume_init() };
    if !is_off_curve(&address.0) {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(address.0)
}

/// Finds the address and canonical bump for `seeds` (without the bump).
///
/// Tries bumps from 255 down and skips every candidate that lies on the curve. Each candidate
/// costs about 300 CU on SBF. About half of all seed sets need one candidate, a quarter two,
/// and so on. Returns `InvalidSeeds` for more than 15 seeds or if no bump gives a valid
/// address, which is vanishingly rare, and `MaxSeedLengthExceeded` for a seed over 32 bytes.
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Result<(Pubkey, u8), ProgramError> {
    check_seeds(seeds, MAX_SEEDS - 1)?;
    let mut buffer = [MaybeUninit::uninit(); MAX_PREIMAGE_LEN];
    let (preimage, bump_at) = write_preimage(&mut buffer, seeds, Some(u8::MAX), program_id);

    // The hash is written in place on every try and copied out once.
    let mut address = [0u8; 32];
    let mut bump = u8::MAX;
    loop {
        preimage[bump_at] = bump;
        hash_preimage(preimage, &mut address);
        if is_off_curve(&address) {
            return Ok((address, bump));
        }
        if bump == 0 {
            return Err(ProgramError::InvalidSeeds);
        }
        bump -= 1;
    }
}

/// Checks that `expected` is the PDA of `seeds` (without the bump) with the stored `bump`.
///
/// Costs one hash and one curve check, like [`create_program_address`]. Returns `InvalidSeeds`
/// when the address differs or the bump is not valid, and `MaxSeedLengthExceeded` for a seed
/// over 32 bytes. This does not prove the bump is canonical: use it with a bump that the
/// program stored after [`check_canonical_bump`] or [`find_program_address`].
pub fn check_program_address(
    seeds: &[&[u8]],
    bump: u8,
    program_id: &Pubkey,
    expected: &Pubkey,
) -> Result<(), ProgramError> {
    if seeds.len() >= MAX_SEEDS {
        return Err(ProgramError::InvalidSeeds);
    }
    check_seeds(seeds, MAX_SEEDS - 1)?;
    // The hash goes straight into an aligned buffer and is compared there, which saves the
    // copies of returning it from `create_program_address`.
    let bump_seed = [bump];
    let mut address = MaybeUninit::uninit();
    hash_seeds(seeds, Some(&bump_seed), program_id, &mut address);
    // SAFETY: `hash_seeds` wrote all 32 bytes.
    let address = unsafe { address.assume_init_ref() };
    if !is_off_curve(&address.0) || !pubkey_eq(&address.0, expected) {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(())
}

/// Checks that `bump` is the canonical bump of `seeds` (without the bump) and returns the
/// address.
///
/// Costs one `find_program_address`, up to 256 candidates. Returns `InvalidSeeds` for any other
/// bump, even one that derives a valid address.
pub fn check_canonical_bump(seeds: &[&[u8]], bump: u8, program_id: &Pubkey) -> Result<Pubkey, ProgramError> {
    let (address, canonical_bump) = find_program_address(seeds, program_id)?;
    if bump != canonical_bump {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pubkey::TOKEN_2022_PROGRAM_ID;

    /// `Pubkey.find_program_address([b"kyc", bytes(range(32))], Token-2022)` in solders 0.27:
    /// this address with bump 255.
    const KYC_ADDRESS: Pubkey = [
        86, 154, 163, 7, 25, 126, 244, 24, 234, 242, 202, 81, 142, 221, 180, 74, 16, 11, 78, 246, 2, 248, 180, 129,
        193, 191, 242, 148, 76, 92, 49, 46,
    ];

    fn wallet() -> [u8; 32] {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn hash_seeds_matches_solders_address() {
        let wallet = wallet();
        let mut address = MaybeUninit::uninit();
        hash_seeds(&[b"kyc", &wallet, &[255]], None, &TOKEN_2022_PROGRAM_ID, &mut address);
        // SAFETY: `hash_seeds` wrote all 32 bytes.
        assert_eq!(unsafe { address.assume_init() }.0, KYC_ADDRESS);
        let mut address = MaybeUninit::uninit();
        hash_seeds(&[b"kyc", &wallet], Some(&[255]), &TOKEN_2022_PROGRAM_ID, &mut address);
        // SAFETY: as above.
        assert_eq!(unsafe { address.assume_init() }.0, KYC_ADDRESS);
    }

    #[test]
    fn find_preimage_matches_seed_hash() {
        let wallet = wallet();
        let mut buffer = [MaybeUninit::uninit(); MAX_PREIMAGE_LEN];
        let (preimage, bump_at) = write_preimage(&mut buffer, &[b"kyc", &wallet], Some(255), &TOKEN_2022_PROGRAM_ID);
        assert_eq!(bump_at, 35);
        assert_eq!(preimage.len(), 35 + 1 + 32 + 21);
        let mut address = [0u8; 32];
        hash_preimage(preimage, &mut address);
        assert_eq!(address, KYC_ADDRESS);
    }

    #[test]
    fn longest_preimage_fits_buffer() {
        let seed = [7u8; MAX_SEED_LEN];
        let seeds = [&seed[..]; MAX_SEEDS];
        let mut buffer = [MaybeUninit::uninit(); MAX_PREIMAGE_LEN];
        let (preimage, _) = write_preimage(&mut buffer, &seeds[..MAX_SEEDS - 1], Some(1), &[0; 32]);
        assert_eq!(preimage.len(), (MAX_SEEDS - 1) * MAX_SEED_LEN + 1 + 32 + 21);
        let (preimage, _) = write_preimage(&mut buffer, &seeds, None, &[0; 32]);
        assert_eq!(preimage.len(), MAX_PREIMAGE_LEN);
    }

    #[test]
    fn seed_limits_return_documented_errors() {
        let long_seed = [1u8; MAX_SEED_LEN + 1];
        let seeds: [&[u8]; MAX_SEEDS + 1] = [b"s"; MAX_SEEDS + 1];
        assert_eq!(create_program_address(&seeds, &[0; 32]), Err(ProgramError::InvalidSeeds));
        assert_eq!(find_program_address(&seeds[..MAX_SEEDS], &[0; 32]), Err(ProgramError::InvalidSeeds));
        assert_eq!(create_program_address(&[&long_seed], &[0; 32]), Err(ProgramError::MaxSeedLengthExceeded));
        assert_eq!(find_program_address(&[&long_seed], &[0; 32]), Err(ProgramError::MaxSeedLengthExceeded));
    }
}
