//! One module per instruction. Each module documents its accounts (`[WRITE]`, `[SIGNER]`), its
//! data byte ranges after the 8-byte discriminator, and runs every check before the first write.

pub mod attest_collateral;
pub mod confirm_redemption;
pub mod initialize;
pub mod initialize_mint;
pub mod mint_deposit;
pub mod redeem;
pub mod seize;
pub mod set_kyc;
pub mod thaw_program_account;
pub mod update_oracle_set;
pub mod update_params;

use core::mem::MaybeUninit;

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{Burn, SetFrozen};
use kgpu_framework::cpi::{Seed, Signer};
use kgpu_framework::pubkey::{pubkey_eq, Pubkey};
use kgpu_framework::sysvars::rent::ACCOUNT_STORAGE_OVERHEAD;
use kgpu_framework::sysvars::{Clock, Rent};
use kgpu_framework::{AccountInfo, ProgramError};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::state::{Config, MAX_ORACLES};
use crate::token2022::DECIMALS;

/// Builds the config PDA signer `["config", CONFIG_BUMP]` in `$name`.
///
/// The bump is the constant from `addresses`, so no handler reads it from the config. The
/// two-argument form takes a config view for call sites written before that and ignores it.
macro_rules! config_signer {
    ($name:ident) => {
        let bump_seed = [$crate::addresses::CONFIG_BUMP];
        let signer_seeds = kgpu_framework::seeds!($crate::state::CONFIG_SEED, bump_seed);
        let $name = kgpu_framework::cpi::Signer::from(&signer_seeds);
    };
    ($config:expr, $name:ident) => {
        let _ = &$config;
        config_signer!($name);
    };
}
pub(crate) use config_signer;

/// Suffix of every PDA hash preimage.
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";

/// Returns whether `address` is `sha256(seeds || program_id || "ProgramDerivedAddress")`, the
/// PDA of `seeds` (bump included) when that hash is off the ed25519 curve.
///
/// This skips the curve check (about 160 CU) of `kgpu_framework::pda::check_program_address`.
/// Use it only for an account that the program then creates with `invoke_signed` and the same
/// seeds: the runtime derives the signer address with its own curve check, so an on-curve hash
/// fails that invocation and the whole transaction.
pub fn is_pda_hash<const N: usize>(seeds: &[&[u8]; N], program_id: &Pubkey, address: &Pubkey) -> bool {
    const { assert!(N + 2 <= 16, "at most 14 seeds, bump included") };
    // One slice record per seed, then program id and marker, hashed in place by `sol_sha256`.
    let mut records = [const { MaybeUninit::<Seed>::uninit() }; 16];
    let mut i = 0;
    while i < N {
        records[i].write(Seed::from(seeds[i]));
        i += 1;
    }
    records[N].write(Seed::from(program_id));
    records[N + 1].write(Seed::from(PDA_MARKER));
    let mut hash = AlignedHash([0; 32]);
    // SAFETY: the first N + 2 records are initialized and describe live slices, and `hash` is a
    // writable 32-byte buffer.
    unsafe {
        kgpu_framework::syscalls::sol_sha256(records.as_ptr() as *const u8, (N + 2) as u64, hash.0.as_mut_ptr());
    }
    pubkey_eq(&hash.0, address)
}

/// A hash on an 8-byte boundary, so that `pubkey_eq` compares it as four words.
#[repr(C, align(8))]
struct AlignedHash([u8; 32]);

/// Rejects `signer` unless it signed and is `expected`.
pub fn require_authority(signer: &AccountInfo, expected: &Pubkey) -> ProgramResult {
    signer.require_signer()?;
    if !pubkey_eq(signer.key(), expected) {
        return Err(TokenError::Unauthorized);
    }
    Ok(())
}

/// Reads the Clock sysvar.
///
/// The runtime serves the clock to every program, so a failed read means there is no valid
/// time. The program then aborts instead of checking expiry and staleness against a zero clock.
pub fn clock() -> Clock {
    match Clock::get() {
        Ok(clock) => clock,
        // SAFETY: `abort` takes no arguments and ends the program.
        Err(_) => unsafe { kgpu_framework::syscalls::abort() },
    }
}

/// Returns the rent-exempt minimum balance of an account with `space` data bytes.
///
/// Fails with `UnsupportedRent` when the Rent sysvar cannot be read or has an invalid exemption
/// threshold, and with `Overflow` when the balance exceeds a u64.
pub fn rent_exempt_minimum(space: usize) -> Result<u64, TokenError> {
    let rent = Rent::get().map_err(|_| TokenError::UnsupportedRent)?;
    // Fast path for an exemption threshold of exactly 2.0 years, the value in Solana's genesis
    // config, with a per-byte price below 2^32 and at most 10 MiB of data. The balance is then
    // `(128 + space) * price * 2` < 2^25 * 2^32 * 2, so plain wrapping arithmetic is exact and
    // skips the general path's 128-bit product. Any other rent takes `Rent::minimum_balance`.
    if rent.exemption_threshold_bits == TWO_YEARS_F64_BITS
        && rent.lamports_per_byte_year >> 32 == 0
        && space <= MAX_ACCOUNT_DATA_LEN
    {
        let bytes = ACCOUNT_STORAGE_OVERHEAD + space as u64;
        return Ok(bytes.wrapping_mul(rent.lamports_per_byte_year) << 1);
    }
    rent.minimum_balance(space).map_err(|error| {
        if error == ProgramError::ArithmeticOverflow {
            TokenError::Overflow
        } else {
            TokenError::UnsupportedRent
        }
    })
}

/// Bits of the f64 2.0, the exemption threshold of Solana's default rent.
const TWO_YEARS_F64_BITS: u64 = 0x4000_0000_0000_0000;
/// Maximum data bytes of one account (the runtime's `MAX_PERMITTED_DATA_LENGTH`, 10 MiB).
const MAX_ACCOUNT_DATA_LEN: usize = 10 * 1024 * 1024;

/// Creates `new.account`, signed by `signer` (the account's seeds), rent exempt for
/// `funded_space` bytes, which is larger than `new.space` for an account that grows later in
/// the same instruction.
///
/// The framework tops up, allocates and assigns an address that someone funded before, so
/// pre-funding cannot block a deposit id, KYC record or redemption. The caller has checked that
/// the account is an empty System account.
pub fn create_account(new: &CreateProgramAccount, funded_space: usize, signer: Signer) -> ProgramResult {
    let lamports = rent_exempt_minimum(funded_space)?;
    new.invoke_signed_with_lamports(lamports, &[signer])
        .map_err(TokenError::cpi_failed)
}

/// The accounts of a burn by the config PDA as permanent delegate.
pub struct BurnAsDelegate<'a> {
    /// K-GPU token account to burn from.
    pub source: &'a AccountInfo,
    pub mint: &'a AccountInfo,
    /// Config PDA: permanent delegate and freeze authority of the mint.
    pub config: &'a AccountInfo,
    /// Whether `source` is frozen now.
    pub frozen: bool,
    pub token_program: &'a AccountInfo,
}

/// Burns `amount` from `burn.source` signed by the config PDA (`signer`), thawing a frozen
/// account before the burn and freezing it again after, because Token-2022 rejects a burn from a
/// frozen account even by the permanent delegate.
pub fn burn_as_delegate(burn: &BurnAsDelegate, amount: u64, signer: Signer) -> ProgramResult {
    let set_frozen = |freeze: bool| {
        SetFrozen {
            account: burn.source,
            mint: burn.mint,
            freeze_authority: burn.config,
            freeze,
            token_program: burn.token_program,
        }
        .invoke_signed(&[signer])
        .map_err(TokenError::cpi_failed)
    };
    if burn.frozen {
        set_frozen(false)?;
    }
    Burn {
        account: burn.source,
        mint: burn.mint,
        authority: burn.config,
        amount,
        decimals: Some(DECIMALS),
        token_program: burn.token_program,
    }
    .invoke_signed(&[signer])
    .map_err(TokenError::cpi_failed)?;
    if burn.frozen {
        set_frozen(true)?;
    }
    Ok(())
}

/// A validated oracle set: 1 to 10 distinct keys and a threshold m with 1 <= m <= n.
pub struct OracleSet {
    pub keys: [Pubkey; MAX_ORACLES],
    pub count: u8,
    pub threshold: u8,
}

impl OracleSet {
    /// Reads a Borsh `Vec<Pubkey>` and a `u8` threshold and validates them.
    pub fn read(reader: &mut Reader) -> Result<Self, TokenError> {
        let count = reader.u32()? as usize;
        if count == 0 || count > MAX_ORACLES {
            return Err(TokenError::InvalidOracleSet);
        }
        let mut keys = [[0u8; 32]; MAX_ORACLES];
        let mut i = 0;
        while i < count {
            keys[i] = reader.pubkey()?;
            let mut j = 0;
            while j < i {
                if pubkey_eq(&keys[i], &keys[j]) {
                    return Err(TokenError::InvalidOracleSet);
                }
                j += 1;
            }
            i += 1;
        }
        let threshold = reader.u8()?;
        if threshold == 0 || threshold as usize > count {
            return Err(TokenError::InvalidOracleSet);
        }
        Ok(OracleSet {
            keys,
            count: count as u8,
            threshold,
        })
    }

    pub fn write(&self, config: &mut Config) {
        config.oracles = self.keys;
        config.oracle_count = self.count;
        config.oracle_threshold = self.threshold;
    }

    /// Appends the set to an event as Borsh `Vec<Pubkey>` and `u8`.
    pub fn log_into(&self, event: &mut crate::events::Event) {
        event.vec_len(self.count as usize);
        let mut i = 0;
        while i < self.count as usize {
            event.bytes(&self.keys[i]);
            i += 1;
        }
        event.bytes(&[self.threshold]);
    }
}
