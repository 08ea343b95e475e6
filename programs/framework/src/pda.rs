//! Program derived addresses (PDAs).
//!
//! A PDA is `sha256(seed_0 || ... || seed_n || program_id || "ProgramDerivedAddress")` when
//! that hash is not a point on the ed25519 curve. [`find_program_address`] tries bumps from 255
//! down and returns the first valid one, the canonical bump. Programs store the canonical bump
//! and later rebuild the address with [`create_program_address`], which costs less compute.
//! Accepting any other valid bump would give one seed set several addresses, so
//! [`check_canonical_bump`] rejects them.

use crate::cpi::Seed;
use crate::error::ProgramError;
use crate::pubkey::{pubkey_eq, Pubkey};
use crate::syscalls;

/// Maximum number of seeds, bump included.
pub const MAX_SEEDS: usize = 16;
/// Maximum length of one seed in bytes.
pub const MAX_SEED_LEN: usize = 32;

fn seed_records<'a>(seeds: &[&'a [u8]]) -> Result<[Seed<'a>; MAX_SEEDS], ProgramError> {
    if seeds.len() > MAX_SEEDS {
        return Err(ProgramError::InvalidSeeds);
    }
    let mut records = [Seed::EMPTY; MAX_SEEDS];
    for (record, seed) in records.iter_mut().zip(seeds) {
        if seed.len() > MAX_SEED_LEN {
            return Err(ProgramError::MaxSeedLengthExceeded);
        }
        *record = Seed::from(*seed);
    }
    Ok(records)
}

/// Derives the address for `seeds`, whose last seed is the bump.
///
/// Returns `InvalidSeeds` when the hash lies on the curve (the bump is not valid for these
/// seeds) and `MaxSeedLengthExceeded` for a seed over 32 bytes.
pub fn create_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Result<Pubkey, ProgramError> {
    let records = seed_records(seeds)?;
    let mut address = [0u8; 32];
    // SAFETY: `records` contains `seeds.len()` records of live slices, `program_id` is 32 bytes
    // and `address` is a writable 32-byte buffer.
    let result = unsafe {
        syscalls::sol_create_program_address(
            records.as_ptr() as *const u8,
            seeds.len() as u64,
            program_id.as_ptr(),
            address.as_mut_ptr(),
        )
    };
    if result != 0 {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(address)
}

/// Finds the address and canonical bump for `seeds` (without the bump).
///
/// Returns `InvalidSeeds` if no bump gives a valid address, which is vanishingly rare.
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Result<(Pubkey, u8), ProgramError> {
    let records = seed_records(seeds)?;
    let mut address = [0u8; 32];
    let mut bump = 0u8;
    // SAFETY: as in `create_program_address`; `bump` is a writable byte.
    let result = unsafe {
        syscalls::sol_try_find_program_address(
            records.as_ptr() as *const u8,
            seeds.len() as u64,
            program_id.as_ptr(),
            address.as_mut_ptr(),
            &mut bump,
        )
    };
    if result != 0 {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok((address, bump))
}

/// Checks that `expected` is the PDA of `seeds` (without the bump) with the stored `bump`.
///
/// Costs one `create_program_address`. Returns `InvalidSeeds` when the address differs or the
/// bump is not valid. This does not prove the bump is canonical: use it with a bump that the
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
    let bump_seed = [bump];
    let mut with_bump: [&[u8]; MAX_SEEDS] = [&[]; MAX_SEEDS];
    with_bump[..seeds.len()].copy_from_slice(seeds);
    with_bump[seeds.len()] = &bump_seed;
    let address = create_program_address(&with_bump[..seeds.len() + 1], program_id)?;
    if !pubkey_eq(&address, expected) {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(())
}

/// Checks that `bump` is the canonical bump of `seeds` (without the bump) and returns the
/// address.
///
/// Costs one `find_program_address`, up to 256 hash attempts. Returns `InvalidSeeds` for any
/// other bump, even one that derives a valid address.
pub fn check_canonical_bump(seeds: &[&[u8]], bump: u8, program_id: &Pubkey) -> Result<Pubkey, ProgramError> {
    let (address, canonical_bump) = find_program_address(seeds, program_id)?;
    if bump != canonical_bump {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(address)
}
