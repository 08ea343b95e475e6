//! Read-only views of the `kgpu_token` accounts the market relies on: the config (oracle set,
//! deployment id, registry authority, K-GPU mint) and per-wallet KYC records.
//!
//! The market keeps no copy of these, so a rotation of the oracle set or a KYC update applies at
//! once. Offsets follow `kgpu_token::state`:
//!
//! ```text
//! Config, PDA ["config"] of kgpu_token, 753 bytes     KycRecord, 53 bytes (address: `KycRecord::load`)
//! 0    8    discriminator                             0   8   discriminator
//! 40   32   registry_authority                        8   32  wallet
//! 72   32   mint                                      40  2   jurisdiction (ISO 3166-1 alpha-2)
//! 106  32   deployment_id                             42  1   level (0 = none)
//! 149  1    oracle_count n (1..=10)                   43  8   expires_at i64, valid while now < it
//! 150  1    oracle_threshold m                        51  1   revoked bool
//! 151  320  oracles [Pubkey; 10], first n used        52  1   reserved
//! 471  1    blocked_count (0..=16)
//! 472  32   blocked_jurisdictions [[u8; 2]; 16], first blocked_count used
//! ```

use kgpu_framework::account::Ref;
use kgpu_framework::bytes::read_u64_le;
use kgpu_framework::discriminator::account_discriminator;
use kgpu_framework::prelude::*;

use crate::error::MarketError;

/// Program id of `kgpu_token`.
pub const TOKEN_PROGRAM_ID: Pubkey = crate::addresses::TOKEN_PROGRAM_ID;

/// Seed of the token program's config PDA.
pub const CONFIG_SEED: &[u8] = b"config";

const CONFIG_LEN: usize = 753;
const CONFIG_DISCRIMINATOR: [u8; 8] = account_discriminator("Config");
const CONFIG_REGISTRY_AUTHORITY: usize = 40;
const CONFIG_MINT: usize = 72;
const CONFIG_DEPLOYMENT_ID: usize = 106;
const CONFIG_ORACLE_COUNT: usize = 149;
const CONFIG_ORACLE_THRESHOLD: usize = 150;
const CONFIG_ORACLES: usize = 151;
const MAX_ORACLES: usize = 10;
const CONFIG_BLOCKED_COUNT: usize = 471;
const CONFIG_BLOCKED_JURISDICTIONS: usize = 472;
const MAX_BLOCKED: usize = 16;

const KYC_LEN: usize = 53;
const KYC_DISCRIMINATOR: [u8; 8] = account_discriminator("KycRecord");
const KYC_WALLET: usize = 8;
const KYC_JURISDICTION: usize = 40;
const KYC_LEVEL: usize = 42;
const KYC_EXPIRES_AT: usize = 43;
const KYC_REVOKED: usize = 51;

fn pubkey_at(data: &[u8], offset: usize) -> &Pubkey {
    // SAFETY: callers pass offsets inside the length checked at load; `Pubkey` has alignment 1.
    unsafe { &*(data[offset..offset + 32].as_ptr() as *const Pubkey) }
}

/// Returns whether `data` starts with `discriminator`.
///
/// Account data sits on an 8-byte boundary in the input buffer, where `read_u64_le` is one
/// load. The comparison of two alignment-1 arrays would load byte by byte.
#[inline(always)]
fn starts_with_discriminator(data: &[u8], discriminator: &[u8; 8]) -> bool {
    read_u64_le(data) == Some(u64::from_le_bytes(*discriminator))
}

/// Borrowed view of the token program's config.
pub struct TokenConfig<'a> {
    data: Ref<'a, [u8]>,
}

impl<'a> TokenConfig<'a> {
    /// Borrows the config after checking its owner, size and discriminator.
    ///
    /// The address is checked by the caller: against `addresses::TOKEN_CONFIG_ADDRESS` at
    /// `initialize_market`, later against the address the market stored then.
    pub fn load(account: &'a AccountInfo) -> Result<TokenConfig<'a>, ProgramError> {
        account.check_owner(&TOKEN_PROGRAM_ID)?;
        let data = account.try_borrow_data()?;
        if data.len() != CONFIG_LEN || !starts_with_discriminator(&data, &CONFIG_DISCRIMINATOR) {
            return Err(MarketError::InvalidAccountType.into());
        }
        Ok(TokenConfig { data })
    }

    /// Returns the key that approves providers and writes KYC records.
    pub fn registry_authority(&self) -> &Pubkey {
        self.pubkey_at(CONFIG_REGISTRY_AUTHORITY)
    }

    /// Returns the K-GPU mint.
    pub fn mint(&self) -> &Pubkey {
        self.pubkey_at(CONFIG_MINT)
    }

    /// Returns the deployment id that domain-separates quorum messages.
    pub fn deployment_id(&self) -> &[u8; 32] {
        self.pubkey_at(CONFIG_DEPLOYMENT_ID)
    }

    /// Returns the current oracle keys (the first `oracle_count`, at most 10).
    pub fn oracles(&self) -> &[Pubkey] {
        let count = (self.byte_at(CONFIG_ORACLE_COUNT) as usize).min(MAX_ORACLES);
        // SAFETY: 151 + 32 * 10 = 471 <= 753 bytes, checked at load; `Pubkey` has alignment 1.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr().add(CONFIG_ORACLES) as *const Pubkey, count) }
    }

    /// Returns the quorum threshold m.
    pub fn threshold(&self) -> u32 {
        self.byte_at(CONFIG_ORACLE_THRESHOLD) as u32
    }

    /// Returns whether `code` is on the token program's blocked jurisdiction list.
    pub fn is_blocked(&self, code: &[u8; 2]) -> bool {
        let count = (self.byte_at(CONFIG_BLOCKED_COUNT) as usize).min(MAX_BLOCKED);
        // SAFETY: 472 + 2 * 16 = 504 <= 753 bytes, checked at load; `[u8; 2]` has alignment 1.
        let blocked = unsafe {
            core::slice::from_raw_parts(self.data.as_ptr().add(CONFIG_BLOCKED_JURISDICTIONS) as *const [u8; 2], count)
        };
        blocked.iter().any(|blocked| blocked == code)
    }

    /// Returns the address at `offset`, a constant of at most `CONFIG_LEN - 32`.
    ///
    /// `load` checked the length once, so the accessors read without bounds checks.
    #[inline(always)]
    fn pubkey_at(&self, offset: usize) -> &Pubkey {
        debug_assert!(offset + 32 <= CONFIG_LEN);
        // SAFETY: the data is `CONFIG_LEN` bytes, checked at load, and `Pubkey` has alignment 1.
        unsafe { &*(self.data.as_ptr().add(offset) as *const Pubkey) }
    }

    /// Returns the byte at `offset`, a constant below `CONFIG_LEN`.
    #[inline(always)]
    fn byte_at(&self, offset: usize) -> u8 {
        debug_assert!(offset < CONFIG_LEN);
        // SAFETY: the data is `CONFIG_LEN` bytes, checked at load.
        unsafe { *self.data.as_ptr().add(offset) }
    }
}

/// A wallet's KYC record, copied out of the token program's account.
pub struct KycRecord {
    /// ISO 3166-1 alpha-2 code.
    pub jurisdiction: [u8; 2],
    /// Verification level; 0 means not verified.
    pub level: u8,
    /// Unix seconds; the record is valid while `now < expires_at`.
    pub expires_at: i64,
    /// Whether the registry authority revoked the record.
    pub revoked: bool,
}

impl KycRecord {
    /// Reads the KYC record of `wallet` after checking owner, size, discriminator and wallet.
    ///
    /// The address is not re-derived. `kgpu_token` creates `KycRecord` accounts only in
    /// `set_kyc`, one per wallet, at the System seed address of the token config and the hex of
    /// the wallet's first 16 bytes. It stores `wallet` there and never changes it. So a record
    /// owned by `kgpu_token` with this discriminator and `wallet` is the wallet's record.
    pub fn load(account: &AccountInfo, wallet: &Pubkey) -> Result<KycRecord, ProgramError> {
        account.check_owner(&TOKEN_PROGRAM_ID)?;
        let data = account.try_borrow_data()?;
        if data.len() != KYC_LEN || !starts_with_discriminator(&data, &KYC_DISCRIMINATOR) {
            return Err(MarketError::InvalidAccountType.into());
        }
        if !pubkey_eq(pubkey_at(&data, KYC_WALLET), wallet) {
            return Err(MarketError::AccountMismatch.into());
        }
        let mut expires_at = [0u8; 8];
        expires_at.copy_from_slice(&data[KYC_EXPIRES_AT..KYC_EXPIRES_AT + 8]);
        Ok(KycRecord {
            jurisdiction: [data[KYC_JURISDICTION], data[KYC_JURISDICTION + 1]],
            level: data[KYC_LEVEL],
            expires_at: i64::from_le_bytes(expires_at),
            revoked: data[KYC_REVOKED] != 0,
        })
    }
}
