//! One module per instruction. Each module documents its accounts (`[WRITE]`, `[SIGNER]`), its
//! data byte ranges after the 8-byte discriminator, and runs every check before the first write.

pub mod attest_collateral;
pub mod confirm_redemption;
pub mod initialize;
pub mod mint_deposit;
pub mod redeem;
pub mod seize;
pub mod set_kyc;
pub mod thaw_program_account;
pub mod update_oracle_set;
pub mod update_params;

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{Burn, SetFrozen};
use kgpu_framework::cpi::Signer;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey};
use kgpu_framework::sysvars::{Clock, Rent};
use kgpu_framework::{AccountInfo, ProgramError};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::state::{Config, MAX_ORACLES};
use crate::token2022::DECIMALS;

/// Builds the config PDA signer `["config", bump]` in `$name`.
macro_rules! config_signer {
    ($config:expr, $name:ident) => {
        let bump_seed = [$config.bump];
        let signer_seeds = kgpu_framework::seeds!($crate::state::CONFIG_SEED, bump_seed);
        let $name = kgpu_framework::cpi::Signer::from(&signer_seeds);
    };
}
pub(crate) use config_signer;

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
    rent.minimum_balance(space).map_err(|error| {
        if error == ProgramError::ArithmeticOverflow {
            TokenError::Overflow
        } else {
            TokenError::UnsupportedRent
        }
    })
}

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
