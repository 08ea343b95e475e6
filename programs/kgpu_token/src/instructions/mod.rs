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

use crate::args::Reader;
use crate::error::TokenError;
use crate::state::{Config, MAX_ORACLES};
use crate::support::{keys_equal, AccountView, ProgramResult, Pubkey};

/// Builds the config PDA signer `["config", bump]` in `$name`.
macro_rules! config_signer {
    ($config:expr, $name:ident) => {
        let bump_seed = [$config.bump];
        let signer_seeds = [
            $crate::support::Seed::new($crate::state::CONFIG_SEED),
            $crate::support::Seed::new(&bump_seed),
        ];
        let $name = $crate::support::Signer::new(&signer_seeds);
    };
}
pub(crate) use config_signer;

/// Rejects `signer` unless it signed and is `expected`.
pub fn require_authority(signer: &AccountView, expected: &Pubkey) -> ProgramResult {
    signer.require_signer()?;
    if keys_equal(signer.key(), expected) {
        Ok(())
    } else {
        Err(TokenError::Unauthorized)
    }
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
                if keys_equal(&keys[i], &keys[j]) {
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
