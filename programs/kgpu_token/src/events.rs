//! Events, emitted as one `sol_log_data` entry each: the Anchor event discriminator
//! `sha256("event:<Name>")[..8]` followed by the Borsh fields in the order the IDL lists them.

use core::mem::MaybeUninit;

use kgpu_framework::log::log_data;

/// sha256("event:Initialized")[..8]: admin, registry_authority, mint, deployment_id.
pub const INITIALIZED: [u8; 8] = [208, 213, 115, 98, 115, 82, 201, 209];
/// sha256("event:OracleSetUpdated")[..8]: oracles (Vec<Pubkey>), threshold (u8).
pub const ORACLE_SET_UPDATED: [u8; 8] = [150, 12, 167, 135, 219, 255, 225, 100];
/// sha256("event:ParamsUpdated")[..8]: haircut_bps, max_attestation_age, mint_paused,
/// blocked_jurisdictions (Vec<[u8; 2]>), approved_programs (Vec<Pubkey>), capacity.
pub const PARAMS_UPDATED: [u8; 8] = [2, 163, 138, 99, 135, 11, 136, 169];
/// sha256("event:KycUpdated")[..8]: wallet, jurisdiction, level, expires_at, revoked, allowed.
pub const KYC_UPDATED: [u8; 8] = [93, 95, 129, 3, 177, 236, 12, 233];
/// sha256("event:CollateralAttested")[..8]: sequence, valuation_time, collateral_value, capacity,
/// supply, report_hash, custodian_id.
pub const COLLATERAL_ATTESTED: [u8; 8] = [93, 135, 66, 47, 193, 201, 88, 148];
/// sha256("event:Undercollateralized")[..8]: sequence, capacity, supply.
pub const UNDERCOLLATERALIZED: [u8; 8] = [119, 51, 224, 27, 202, 120, 98, 122];
/// sha256("event:DepositMinted")[..8]: deposit_id, beneficiary, amount, supply.
pub const DEPOSIT_MINTED: [u8; 8] = [248, 50, 101, 249, 146, 118, 8, 234];
/// sha256("event:RedemptionRequested")[..8]: redemption, owner, nonce, amount, bank_reference_hash.
pub const REDEMPTION_REQUESTED: [u8; 8] = [245, 155, 98, 131, 210, 25, 137, 146];
/// sha256("event:RedemptionConfirmed")[..8]: redemption, payment_reference_hash.
pub const REDEMPTION_CONFIRMED: [u8; 8] = [112, 18, 157, 29, 184, 131, 193, 54];
/// sha256("event:Seized")[..8]: token_account, owner, amount, reason_hash.
pub const SEIZED: [u8; 8] = [197, 48, 203, 203, 174, 37, 100, 65];
/// sha256("event:ProgramAccountThawed")[..8]: token_account, owner, program_id.
pub const PROGRAM_ACCOUNT_THAWED: [u8; 8] = [90, 2, 141, 141, 134, 176, 26, 74];

/// Largest event: ParamsUpdated with 16 jurisdictions and 4 programs (8 + 2 + 8 + 1 + 4 + 32 +
/// 4 + 128 + 8 = 195), rounded up.
const MAX_EVENT_LEN: usize = 400;

/// A Borsh event being written on the stack.
///
/// The builder methods are always inlined. Every field has a constant size, so after inlining
/// each write offset is a constant and the compiler removes the bounds checks. Only the first
/// `len` bytes are written, so the buffer is not zeroed, and `#[repr(C, align(8))]` makes a
/// `u64` or `i64` at a multiple of 8 one aligned store.
#[repr(C, align(8))]
pub struct Event {
    /// The discriminator as a little-endian word, which is the first 8 bytes of the event.
    discriminator: u64,
    /// The fields, written up to byte `len - 8`.
    fields: [MaybeUninit<u8>; MAX_EVENT_LEN - 8],
    len: usize,
}

impl Event {
    #[inline(always)]
    pub fn new(discriminator: [u8; 8]) -> Self {
        Event {
            discriminator: u64::from_le_bytes(discriminator),
            fields: [MaybeUninit::uninit(); MAX_EVENT_LEN - 8],
            len: 8,
        }
    }

    /// Returns a pointer to byte `offset` of the event, counting from the discriminator.
    #[inline(always)]
    fn byte_ptr(&mut self, offset: usize) -> *mut u8 {
        // SAFETY: `discriminator` and `fields` are the first `MAX_EVENT_LEN` bytes of the
        // `#[repr(C)]` struct, without padding between them, and callers pass an offset within
        // them.
        unsafe { (self as *mut Event as *mut u8).add(offset) }
    }

    /// Appends raw bytes (fixed arrays, public keys, bools as one byte). Panics past
    /// `MAX_EVENT_LEN` bytes.
    #[inline(always)]
    pub fn bytes(&mut self, field: &[u8]) -> &mut Self {
        let end = self.len + field.len();
        assert!(end <= MAX_EVENT_LEN);
        // SAFETY: bytes `len..end` lie inside the event, and writing initializes them.
        let target = unsafe { core::slice::from_raw_parts_mut(self.byte_ptr(self.len), field.len()) };
        target.copy_from_slice(field);
        self.len = end;
        self
    }

    #[inline(always)]
    pub fn u64(&mut self, value: u64) -> &mut Self {
        if self.len.is_multiple_of(8) && self.len + 8 <= MAX_EVENT_LEN {
            // SAFETY: the offset is a multiple of 8 inside the 8-byte aligned event.
            unsafe { *(self.byte_ptr(self.len) as *mut u64) = value.to_le() };
            self.len += 8;
            return self;
        }
        self.bytes(&value.to_le_bytes())
    }

    #[inline(always)]
    pub fn i64(&mut self, value: i64) -> &mut Self {
        self.u64(value as u64)
    }

    /// Appends a Borsh vector length prefix (u32).
    #[inline(always)]
    pub fn vec_len(&mut self, len: usize) -> &mut Self {
        self.bytes(&(len as u32).to_le_bytes())
    }

    /// Writes the event to the log.
    pub fn emit(&self) {
        // SAFETY: `new` and the appends initialized the first `len` bytes, which start at the
        // discriminator.
        let bytes = unsafe { core::slice::from_raw_parts(self as *const Event as *const u8, self.len) };
        // `log_data` fails only for more than 8 slices, and this passes one.
        let _ = log_data(&[bytes]);
    }
}
