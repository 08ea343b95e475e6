//! Account layouts. Every account starts with the Anchor account discriminator
//! `sha256("account:<Name>")[..8]`, and every field after it is Borsh: fixed arrays are their
//! elements back to back, integers little-endian, `bool` one byte. All structs have alignment 1,
//! so a view is a cast of the account data.
//!
//! # Config, PDA `["config"]`, 753 bytes
//!
//! ```text
//! 0    8    discriminator         sha256("account:Config")[..8]
//! 8    32   admin                 governance key for params, oracle set, seize, vault thaws
//! 40   32   registry_authority    writes KYC records
//! 72   32   mint                  the K-GPU mint, PDA ["mint"]
//! 104  1    bump                  canonical bump of ["config"]
//! 105  1    mint_bump             canonical bump of ["mint"]
//! 106  32   deployment_id         domain separator of quorum messages
//! 138  2    haircut_bps           u16, at most 10,000
//! 140  8    max_attestation_age   i64 seconds
//! 148  1    mint_paused           bool; redemption has no pause flag
//! 149  1    oracle_count          n, 1..=10
//! 150  1    oracle_threshold      m, 1..=n
//! 151  320  oracles               [Pubkey; 10], first n used
//! 471  1    blocked_count         0..=16
//! 472  32   blocked_jurisdictions [[u8; 2]; 16] ISO 3166-1 alpha-2, first blocked_count used
//! 504  1    approved_program_count 0..=4
//! 505  128  approved_programs     [Pubkey; 4] whose PDA-owned token accounts admin may thaw
//! 633  8    attestation_sequence  u64, 0 before the first attestation
//! 641  8    valuation_time        i64 unix seconds
//! 649  8    collateral_value      u64 KRW
//! 657  8    capacity              u64 = collateral_value * (10,000 - haircut_bps) / 10,000
//! 665  32   report_hash
//! 697  32   custodian_id
//! 729  8    attested_slot         u64
//! 737  8    total_minted          u64
//! 745  8    total_burned          u64, burns by redeem and seize
//! ```
//!
//! # KycRecord, at the System seed address of the config and `hex_seed(wallet)`, 53 bytes
//!
//! The address is `sha256(config || seed || program id)` with `seed` the lowercase hex of the
//! wallet's first 16 bytes, as `CreateAccountWithSeed` derives it with the config PDA as base.
//!
//! ```text
//! 0   8   discriminator   sha256("account:KycRecord")[..8]
//! 8   32  wallet
//! 40  2   jurisdiction    ISO 3166-1 alpha-2, upper-case ASCII
//! 42  1   level           0 = none; 1 and above = verified
//! 43  8   expires_at      i64 unix seconds; valid while now < expires_at
//! 51  1   revoked         bool
//! 52  1   reserved        0
//! ```
//!
//! # DepositRecord, PDA `["deposit", deposit_id]`, 89 bytes
//!
//! ```text
//! 0   8   discriminator   sha256("account:DepositRecord")[..8]
//! 8   32  deposit_id
//! 40  32  beneficiary
//! 72  8   amount          u64
//! 80  8   slot            u64 slot of the mint
//! 88  1   bump            255 (DEPOSIT_BUMP)
//! ```
//!
//! # Redemption, PDA `["redemption", owner, nonce as u64 LE]`, 138 bytes
//!
//! ```text
//! 0    8   discriminator           sha256("account:Redemption")[..8]
//! 8    32  owner
//! 40   8   nonce                   u64
//! 48   8   amount                  u64, burned at request time
//! 56   32  bank_reference_hash
//! 88   1   status                  0 = requested, 1 = paid
//! 89   32  payment_reference_hash  zero until paid
//! 121  8   requested_at            i64 unix seconds
//! 129  8   paid_at                 i64 unix seconds, zero until paid
//! 137  1   bump                    255 (REDEMPTION_BUMP)
//! ```

use kgpu_framework::pubkey::{pubkey_eq, Pubkey};
use kgpu_framework::AccountInfo;

use crate::accounts::AccountChecks;
use crate::error::TokenError;

/// Most oracle keys in the set.
pub const MAX_ORACLES: usize = 10;
/// Most blocked jurisdictions.
pub const MAX_BLOCKED: usize = 16;
/// Most programs whose PDA-owned token accounts the admin may thaw.
pub const MAX_APPROVED_PROGRAMS: usize = 4;
/// Basis points in one whole.
pub const BPS_DENOMINATOR: u64 = 10_000;

pub const CONFIG_SEED: &[u8] = b"config";
pub const MINT_SEED: &[u8] = b"mint";
pub const DEPOSIT_SEED: &[u8] = b"deposit";
pub const REDEMPTION_SEED: &[u8] = b"redemption";

/// Bump of every deposit record: ids are chosen so that 255 is the canonical bump of
/// `["deposit", deposit_id]`, and `mint_deposit` rejects other ids.
pub const DEPOSIT_BUMP: u8 = 255;
/// Bump of every redemption request: nonces are chosen so that 255 is the canonical bump of
/// `["redemption", owner, nonce]`, and `redeem` rejects other nonces.
pub const REDEMPTION_BUMP: u8 = 255;

/// Redemption status: tokens burned, bank payment pending.
pub const REDEMPTION_REQUESTED: u8 = 0;
/// Redemption status: the quorum confirmed the bank payment.
pub const REDEMPTION_PAID: u8 = 1;

/// A zero-copy account type with a fixed size and discriminator.
///
/// Views are casts of the account data that take no framework borrow, so a handler can keep a
/// view of the config while the config PDA signs a cross-program invocation.
///
/// # Safety
///
/// Implementors are `#[repr(C)]` structs of byte arrays (alignment 1) whose size is `LEN`.
pub unsafe trait AccountType: Sized {
    const DISCRIMINATOR: [u8; 8];
    const LEN: usize = core::mem::size_of::<Self>();

    /// Returns a view of `account` after checking owner, size and discriminator.
    ///
    /// No handler keeps two live views of one account, so no mutable view of `account` exists
    /// while this one lives.
    fn load<'a>(account: &'a AccountInfo, program_id: &Pubkey) -> Result<&'a Self, TokenError> {
        account.require_owner(program_id)?;
        // SAFETY: no mutable view of this account exists (see above).
        let data = unsafe { account.borrow_data_unchecked() };
        if data.len() != Self::LEN {
            return Err(TokenError::InvalidAccountData);
        }
        // SAFETY: the data has at least 8 bytes (every `LEN` includes the discriminator), and
        // account data starts 8-byte aligned in the input buffer.
        let discriminator = unsafe { (data.as_ptr() as *const u64).read() };
        if discriminator != u64::from_le_bytes(Self::DISCRIMINATOR) {
            return Err(TokenError::InvalidAccountData);
        }
        // SAFETY: size checked above; alignment is 1 (trait contract).
        Ok(unsafe { &*(data.as_ptr() as *const Self) })
    }

    /// Returns a writable view of `account` after the checks of `load` and a writable check.
    ///
    /// # Safety
    ///
    /// The caller has no other view of the same account while this one lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn load_mut<'a>(account: &'a AccountInfo, program_id: &Pubkey) -> Result<&'a mut Self, TokenError> {
        account.require_writable()?;
        Self::load(account, program_id)?;
        Ok(&mut *(account.data_ptr() as *mut Self))
    }

    /// Writes the discriminator into a freshly created account and returns a writable view.
    ///
    /// # Safety
    ///
    /// `account` was just created by this program with `LEN` zeroed bytes, and the caller has no
    /// other view of it.
    #[allow(clippy::mut_from_ref)]
    unsafe fn init(account: &AccountInfo) -> Result<&mut Self, TokenError> {
        let data = account.borrow_mut_data_unchecked();
        if data.len() != Self::LEN {
            return Err(TokenError::InvalidAccountData);
        }
        data[..8].copy_from_slice(&Self::DISCRIMINATOR);
        Ok(&mut *(data.as_mut_ptr() as *mut Self))
    }
}

/// Program configuration, oracle set and latest attestation. Layout in the module docs.
#[repr(C)]
pub struct Config {
    pub discriminator: [u8; 8],
    pub admin: Pubkey,
    pub registry_authority: Pubkey,
    pub mint: Pubkey,
    pub bump: u8,
    pub mint_bump: u8,
    pub deployment_id: [u8; 32],
    pub haircut_bps: [u8; 2],
    pub max_attestation_age: [u8; 8],
    pub mint_paused: u8,
    pub oracle_count: u8,
    pub oracle_threshold: u8,
    pub oracles: [Pubkey; MAX_ORACLES],
    pub blocked_count: u8,
    pub blocked_jurisdictions: [[u8; 2]; MAX_BLOCKED],
    pub approved_program_count: u8,
    pub approved_programs: [Pubkey; MAX_APPROVED_PROGRAMS],
    pub attestation_sequence: [u8; 8],
    pub valuation_time: [u8; 8],
    pub collateral_value: [u8; 8],
    pub capacity: [u8; 8],
    pub report_hash: [u8; 32],
    pub custodian_id: [u8; 32],
    pub attested_slot: [u8; 8],
    pub total_minted: [u8; 8],
    pub total_burned: [u8; 8],
}

const _: () = assert!(core::mem::size_of::<Config>() == 753);
const _: () = assert!(core::mem::align_of::<Config>() == 1);

// SAFETY: byte arrays only, size asserted above.
unsafe impl AccountType for Config {
    /// sha256("account:Config")[..8]
    const DISCRIMINATOR: [u8; 8] = [155, 12, 170, 224, 30, 250, 204, 130];
}

impl Config {
    pub fn haircut_bps(&self) -> u16 {
        u16::from_le_bytes(self.haircut_bps)
    }
    pub fn max_attestation_age(&self) -> i64 {
        i64::from_le_bytes(self.max_attestation_age)
    }
    pub fn attestation_sequence(&self) -> u64 {
        u64::from_le_bytes(self.attestation_sequence)
    }
    pub fn valuation_time(&self) -> i64 {
        i64::from_le_bytes(self.valuation_time)
    }
    pub fn collateral_value(&self) -> u64 {
        u64::from_le_bytes(self.collateral_value)
    }
    pub fn capacity(&self) -> u64 {
        u64::from_le_bytes(self.capacity)
    }
    pub fn total_minted(&self) -> u64 {
        u64::from_le_bytes(self.total_minted)
    }
    pub fn total_burned(&self) -> u64 {
        u64::from_le_bytes(self.total_burned)
    }

    /// Returns the active oracle keys.
    pub fn oracle_set(&self) -> &[Pubkey] {
        let count = (self.oracle_count as usize).min(MAX_ORACLES);
        &self.oracles[..count]
    }

    /// Returns whether `code` is on the blocked list.
    pub fn is_blocked(&self, code: [u8; 2]) -> bool {
        let count = (self.blocked_count as usize).min(MAX_BLOCKED);
        self.blocked_jurisdictions[..count].contains(&code)
    }

    /// Returns whether `program` is on the approved list.
    pub fn is_approved_program(&self, program: &Pubkey) -> bool {
        let count = (self.approved_program_count as usize).min(MAX_APPROVED_PROGRAMS);
        self.approved_programs[..count]
            .iter()
            .any(|p| pubkey_eq(p, program))
    }

    /// Adds `amount` to a counter, failing on overflow.
    pub fn add_to(counter: &mut [u8; 8], amount: u64) -> Result<(), TokenError> {
        let value = u64::from_le_bytes(*counter)
            .checked_add(amount)
            .ok_or(TokenError::Overflow)?;
        *counter = value.to_le_bytes();
        Ok(())
    }
}

/// Returns `value * (10,000 - haircut_bps) / 10,000`, rounded down, without 128-bit arithmetic.
///
/// Splits `value = q * 10,000 + r`, so the result is `q * keep + r * keep / 10,000` where both
/// products fit in 64 bits because `keep <= 10,000`.
pub fn apply_haircut(value: u64, haircut_bps: u16) -> u64 {
    let keep = BPS_DENOMINATOR - (haircut_bps as u64).min(BPS_DENOMINATOR);
    let q = value / BPS_DENOMINATOR;
    let r = value % BPS_DENOMINATOR;
    // q * keep <= value and r * keep < 10^8, so wrapping_mul never wraps; checked multiplication
    // would lower to a 128-bit multiply the BPF backend lacks.
    q.wrapping_mul(keep) + r.wrapping_mul(keep) / BPS_DENOMINATOR
}

/// A wallet's KYC status. Layout in the module docs.
#[repr(C)]
pub struct KycRecord {
    pub discriminator: [u8; 8],
    pub wallet: Pubkey,
    pub jurisdiction: [u8; 2],
    pub level: u8,
    pub expires_at: [u8; 8],
    pub revoked: u8,
    pub reserved: u8,
}

const _: () = assert!(core::mem::size_of::<KycRecord>() == 53);

// SAFETY: byte arrays only, size asserted above.
unsafe impl AccountType for KycRecord {
    /// sha256("account:KycRecord")[..8]
    const DISCRIMINATOR: [u8; 8] = [60, 42, 41, 19, 198, 74, 18, 101];
}

impl KycRecord {
    /// Checks that the record allows holding K-GPU at `now`: level at least 1, not revoked, not
    /// expired and not from a blocked jurisdiction.
    pub fn check_valid(&self, config: &Config, now: i64) -> Result<(), TokenError> {
        if self.level == 0 || self.revoked != 0 {
            return Err(TokenError::KycInvalid);
        }
        if now >= i64::from_le_bytes(self.expires_at) {
            return Err(TokenError::KycExpired);
        }
        if config.is_blocked(self.jurisdiction) {
            return Err(TokenError::JurisdictionBlocked);
        }
        Ok(())
    }
}

/// Proof that a deposit id was minted. Layout in the module docs.
#[repr(C)]
pub struct DepositRecord {
    pub discriminator: [u8; 8],
    pub deposit_id: [u8; 32],
    pub beneficiary: Pubkey,
    pub amount: [u8; 8],
    pub slot: [u8; 8],
    pub bump: u8,
}

const _: () = assert!(core::mem::size_of::<DepositRecord>() == 89);

// SAFETY: byte arrays only, size asserted above.
unsafe impl AccountType for DepositRecord {
    /// sha256("account:DepositRecord")[..8]
    const DISCRIMINATOR: [u8; 8] = [83, 232, 10, 31, 251, 49, 189, 167];
}

/// A redemption request. Layout in the module docs.
#[repr(C)]
pub struct Redemption {
    pub discriminator: [u8; 8],
    pub owner: Pubkey,
    pub nonce: [u8; 8],
    pub amount: [u8; 8],
    pub bank_reference_hash: [u8; 32],
    pub status: u8,
    pub payment_reference_hash: [u8; 32],
    pub requested_at: [u8; 8],
    pub paid_at: [u8; 8],
    pub bump: u8,
}

const _: () = assert!(core::mem::size_of::<Redemption>() == 138);

// SAFETY: byte arrays only, size asserted above.
unsafe impl AccountType for Redemption {
    /// sha256("account:Redemption")[..8]
    const DISCRIMINATOR: [u8; 8] = [112, 75, 232, 189, 22, 114, 156, 203];
}
