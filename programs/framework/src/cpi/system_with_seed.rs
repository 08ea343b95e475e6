//! Accounts at addresses derived with a seed: `CreateAccountWithSeed` and `AllocateWithSeed`.
//!
//! The System program derives such an address as `sha256(base || seed || owner)`, where `seed`
//! is a UTF-8 string of at most 32 bytes and `base` signs the creation. Unlike a PDA, the address
//! needs no curve check and no bump, so a program whose `base` is one of its own PDAs derives a
//! per-key record address with one hash, whatever the key. A bump search instead costs about
//! 300 compute units per bump tried, and the number of tries depends on the key.
//!
//! Instruction layouts (`solana-system-interface`, bincode; a string is a u64 length and bytes):
//!
//! ```text
//! CreateAccountWithSeed (index 3): [0..4] 3u32, base, seed, lamports u64, space u64, owner
//! AllocateWithSeed      (index 9): [0..4] 9u32, base, seed, space u64, owner
//! ```

use super::system::Transfer;
use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountInfo;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};

/// Length of the seeds [`hex_seed`] writes: lowercase hex of the first 16 bytes of a key.
pub const HEX_SEED_LEN: usize = 32;

/// Maximum seed length the System program accepts.
pub const MAX_SEED_LEN: usize = 32;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Returns the lowercase hex of `key[..16]`, a 32-byte ASCII seed.
///
/// 128 bits of the key keep distinct keys at distinct addresses unless someone finds a key
/// whose first 16 bytes equal another's, which takes about 2^128 tries.
pub fn hex_seed(key: &[u8; 32]) -> [u8; HEX_SEED_LEN] {
    let mut seed = [0u8; HEX_SEED_LEN];
    for (index, byte) in key[..HEX_SEED_LEN / 2].iter().enumerate() {
        seed[2 * index] = HEX_DIGITS[(byte >> 4) as usize];
        seed[2 * index + 1] = HEX_DIGITS[(byte & 0x0f) as usize];
    }
    seed
}

/// Returns `sha256(base || seed || owner)`, the address the System program creates for `seed`.
pub fn address_with_seed(base: &Pubkey, seed: &[u8], owner: &Pubkey) -> Pubkey {
    crate::hash::sha256(&[base, seed, owner])
}

/// Writes `base || seed length (u64) || seed` at `data[4..]` and returns the offset after it.
fn write_base_and_seed(data: &mut [u8], base: &Pubkey, seed: &[u8]) -> usize {
    data[4..36].copy_from_slice(base);
    data[36..44].copy_from_slice(&(seed.len() as u64).to_le_bytes());
    let end = 44 + seed.len();
    data[44..end].copy_from_slice(seed);
    end
}

/// Creates the account at `address_with_seed(base, seed, owner)` with `space` zeroed bytes.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` funding account
///   1. `[WRITE]` new account
///   2. `[SIGNER]` base (a PDA signs through `invoke_signed`)
pub struct CreateAccountWithSeed<'a> {
    /// Funding account.
    pub from: &'a AccountInfo,
    /// Account to create.
    pub to: &'a AccountInfo,
    /// Account whose address the new address is derived from; it signs.
    pub base: &'a AccountInfo,
    /// Seed string, at most 32 bytes of UTF-8.
    pub seed: &'a [u8],
    /// Lamports moved to the new account.
    pub lamports: u64,
    /// Data size of the new account in bytes.
    pub space: u64,
    /// Program that will own the new account, also part of the derivation.
    pub owner: &'a Pubkey,
}

impl CreateAccountWithSeed<'_> {
    /// Instruction index of `CreateAccountWithSeed`.
    pub const INDEX: u32 = 3;

    /// Invokes the instruction, signing for the PDAs in `signers`.
    ///
    /// Returns `MaxSeedLengthExceeded` for a seed over 32 bytes.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        if self.seed.len() > MAX_SEED_LEN {
            return Err(ProgramError::MaxSeedLengthExceeded);
        }
        let mut data = [0u8; 4 + 32 + 8 + MAX_SEED_LEN + 8 + 8 + 32];
        data[0..4].copy_from_slice(&Self::INDEX.to_le_bytes());
        let mut offset = write_base_and_seed(&mut data, self.base.key(), self.seed);
        data[offset..offset + 8].copy_from_slice(&self.lamports.to_le_bytes());
        offset += 8;
        data[offset..offset + 8].copy_from_slice(&self.space.to_le_bytes());
        offset += 8;
        data[offset..offset + 32].copy_from_slice(self.owner);
        offset += 32;

        let metas = [
            AccountMeta::writable_signer(self.from.key()),
            AccountMeta::writable(self.to.key()),
            AccountMeta::readonly_signer(self.base.key()),
        ];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data[..offset] };
        invoke_signed(&instruction, &[self.from, self.to, self.base], signers)
    }
}

/// Allocates `space` bytes for a system-owned account at a seed address and assigns it to `owner`.
///
/// Accounts:
///   0. `[WRITE]` account
///   1. `[SIGNER]` base (a PDA signs through `invoke_signed`)
pub struct AllocateWithSeed<'a> {
    /// Account to allocate.
    pub account: &'a AccountInfo,
    /// Account the address is derived from; it signs.
    pub base: &'a AccountInfo,
    /// Seed string, at most 32 bytes of UTF-8.
    pub seed: &'a [u8],
    /// Data size in bytes.
    pub space: u64,
    /// New owner, also part of the derivation.
    pub owner: &'a Pubkey,
}

impl AllocateWithSeed<'_> {
    /// Instruction index of `AllocateWithSeed`.
    pub const INDEX: u32 = 9;

    /// Invokes the instruction, signing for the PDAs in `signers`.
    ///
    /// Returns `MaxSeedLengthExceeded` for a seed over 32 bytes.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        if self.seed.len() > MAX_SEED_LEN {
            return Err(ProgramError::MaxSeedLengthExceeded);
        }
        let mut data = [0u8; 4 + 32 + 8 + MAX_SEED_LEN + 8 + 32];
        data[0..4].copy_from_slice(&Self::INDEX.to_le_bytes());
        let mut offset = write_base_and_seed(&mut data, self.base.key(), self.seed);
        data[offset..offset + 8].copy_from_slice(&self.space.to_le_bytes());
        offset += 8;
        data[offset..offset + 32].copy_from_slice(self.owner);
        offset += 32;

        let metas = [AccountMeta::writable(self.account.key()), AccountMeta::readonly_signer(self.base.key())];
        let instruction = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data[..offset] };
        invoke_signed(&instruction, &[self.account, self.base], signers)
    }
}

/// Creates a rent-exempt account at a seed address, also when that address already has lamports.
///
/// `CreateAccountWithSeed` fails on an address with lamports, so anyone could block the address
/// by funding it first. For such an address this tops the balance up to `lamports` with
/// `Transfer` and then runs `AllocateWithSeed`, which also assigns the owner.
///
/// Accounts: the payer (`[WRITE, SIGNER]`), the new account (`[WRITE]`) and the base (signed by
/// seeds in `signers`).
pub struct CreateSeededAccount<'a> {
    /// Funding account.
    pub payer: &'a AccountInfo,
    /// Account to create, at `address_with_seed(base, seed, owner)`.
    pub account: &'a AccountInfo,
    /// Account the address is derived from; it signs.
    pub base: &'a AccountInfo,
    /// Seed string, at most 32 bytes of UTF-8.
    pub seed: &'a [u8],
    /// Data size in bytes.
    pub space: u64,
    /// Program that will own the account.
    pub owner: &'a Pubkey,
}

impl CreateSeededAccount<'_> {
    /// Creates the account with a balance of at least `lamports`, the caller's rent-exempt minimum
    /// for `space`, signing for the base through `signers`.
    ///
    /// Returns `AccountAlreadyInitialized` when the account already has data or an owner other
    /// than the System program.
    pub fn invoke_signed_with_lamports(&self, lamports: u64, signers: &[Signer]) -> ProgramResult {
        let current = self.account.lamports();
        if current == 0 {
            return CreateAccountWithSeed {
                from: self.payer,
                to: self.account,
                base: self.base,
                seed: self.seed,
                lamports,
                space: self.space,
                owner: self.owner,
            }
            .invoke_signed(signers);
        }

        if self.account.data_len() != 0 || !pubkey_eq(self.account.owner(), &SYSTEM_PROGRAM_ID) {
            return Err(ProgramError::AccountAlreadyInitialized);
        }
        if current < lamports {
            Transfer { from: self.payer, to: self.account, lamports: lamports - current }.invoke()?;
        }
        AllocateWithSeed { account: self.account, base: self.base, seed: self.seed, space: self.space, owner: self.owner }
            .invoke_signed(signers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_seed_uses_first_sixteen_bytes() {
        let mut key = [0u8; 32];
        for (index, byte) in key.iter_mut().take(16).enumerate() {
            *byte = index as u8 * 17;
        }
        key[16] = 0xff;
        assert_eq!(&hex_seed(&key), b"00112233445566778899aabbccddeeff");
    }

    #[test]
    fn address_with_seed_hashes_base_seed_owner() {
        let base = [1u8; 32];
        let owner = [2u8; 32];
        let expected = crate::hash::sha256_const(&[&base, b"abc", &owner]);
        assert_eq!(address_with_seed(&base, b"abc", &owner), expected);
    }
}
