//! Anchor events, one per state change, emitted with `sol_log_data` as
//! `event_discriminator("<Name>") || Borsh fields`. The IDL declares the same fields in order.

use core::mem::MaybeUninit;

use kgpu_framework::bytes::copy_bytes;
use kgpu_framework::discriminator::event_discriminator;
use kgpu_framework::log::log_data;
use kgpu_framework::prelude::*;

pub const MARKET_INITIALIZED: [u8; 8] = event_discriminator("MarketInitialized");
pub const MARKET_PARAMS_UPDATED: [u8; 8] = event_discriminator("MarketParamsUpdated");
pub const PROVIDER_REGISTERED: [u8; 8] = event_discriminator("ProviderRegistered");
pub const PROVIDER_APPROVAL_CHANGED: [u8; 8] = event_discriminator("ProviderApprovalChanged");
pub const STAKED: [u8; 8] = event_discriminator("Staked");
pub const UNSTAKE_REQUESTED: [u8; 8] = event_discriminator("UnstakeRequested");
pub const UNSTAKED_WITHDRAWN: [u8; 8] = event_discriminator("UnstakedWithdrawn");
pub const REWARDS_CLAIMED: [u8; 8] = event_discriminator("RewardsClaimed");
pub const JOB_OPENED: [u8; 8] = event_discriminator("JobOpened");
pub const JOB_CLOSED: [u8; 8] = event_discriminator("JobClosed");
pub const RECEIPT_SETTLED: [u8; 8] = event_discriminator("ReceiptSettled");
pub const PROVIDER_SLASHED: [u8; 8] = event_discriminator("ProviderSlashed");
pub const FEES_SWEPT: [u8; 8] = event_discriminator("FeesSwept");
pub const REFUND_CLAIMED: [u8; 8] = event_discriminator("RefundClaimed");

/// An event whose `#[repr(C)]` struct is laid out as its Borsh encoding, discriminator first.
///
/// Every integer of such an event sits at a multiple of 8, so building it takes one store per
/// field and emitting it logs the struct's bytes in place. The byte-wise appends of [`Event`]
/// cost a few hundred compute units more for a 128-byte event.
///
/// # Safety
///
/// Implementors are `#[repr(C)]` structs of integers and byte arrays without padding, so every
/// byte is initialized.
pub unsafe trait FixedEvent: Sized {
    /// Logs the event as one "Program data:" line.
    #[inline(always)]
    fn emit(&self) -> ProgramResult {
        // SAFETY: the trait's contract makes all `size_of::<Self>()` bytes initialized, and the
        // slice lives as long as `self`.
        let bytes =
            unsafe { core::slice::from_raw_parts(self as *const Self as *const u8, core::mem::size_of::<Self>()) };
        log_data(&[bytes])
    }
}

/// The `JobOpened` event.
#[repr(C)]
pub struct JobOpened {
    pub discriminator: [u8; 8],
    pub job: Pubkey,
    pub renter: Pubkey,
    pub provider: Pubkey,
    pub price_per_gpu_hour: u64,
    pub budget: u64,
    pub end_time: i64,
}

const _: () = assert!(core::mem::size_of::<JobOpened>() == 8 + 32 * 3 + 8 * 3);
// SAFETY: `#[repr(C)]`, integers at multiples of 8 after 104 bytes of arrays, no padding.
unsafe impl FixedEvent for JobOpened {}

/// The `ReceiptSettled` event.
///
/// The provider's share is `payment - fee`, and the usage hash is in the receipt record, so the
/// event carries neither; `sol_log_data` charges one unit per byte.
#[repr(C)]
pub struct ReceiptSettled {
    pub discriminator: [u8; 8],
    pub job: Pubkey,
    pub sequence: u64,
    pub gpu_seconds: u64,
    pub payment: u64,
    pub fee: u64,
    pub carbon_credits: u64,
    pub co2_grams: u64,
}

const _: () = assert!(core::mem::size_of::<ReceiptSettled>() == 8 + 32 + 8 * 6);
// SAFETY: `#[repr(C)]`, integers at multiples of 8 after 40 bytes of arrays, no padding.
unsafe impl FixedEvent for ReceiptSettled {}

/// Largest event, discriminator included.
const MAX_EVENT_LEN: usize = 256;

/// Borsh encoder of one event on the stack: the discriminator, then the fields in order.
///
/// The builder methods are always inlined, so each write offset is a constant. Only the first
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
    /// Starts an event with the given discriminator.
    #[inline(always)]
    pub fn new(discriminator: [u8; 8]) -> Event {
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

    /// Appends raw bytes: a `Pubkey`, a fixed array or a hash.
    ///
    /// Panics if the event exceeds 256 bytes, which only a programming error can cause because
    /// every event has a fixed size.
    #[inline(always)]
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Event {
        let end = self.len + bytes.len();
        assert!(end <= MAX_EVENT_LEN);
        // SAFETY: bytes `len..end` lie inside the event, and writing initializes them.
        let target = unsafe { core::slice::from_raw_parts_mut(self.byte_ptr(self.len), bytes.len()) };
        copy_bytes(target, bytes);
        self.len = end;
        self
    }

    #[inline(always)]
    pub fn u64(&mut self, value: u64) -> &mut Event {
        if self.len.is_multiple_of(8) && self.len + 8 <= MAX_EVENT_LEN {
            // SAFETY: the offset is a multiple of 8 inside the 8-byte aligned event.
            unsafe { *(self.byte_ptr(self.len) as *mut u64) = value.to_le() };
            self.len += 8;
            return self;
        }
        self.bytes(&value.to_le_bytes())
    }

    #[inline(always)]
    pub fn i64(&mut self, value: i64) -> &mut Event {
        self.u64(value as u64)
    }

    #[inline(always)]
    pub fn u32(&mut self, value: u32) -> &mut Event {
        self.bytes(&value.to_le_bytes())
    }

    #[inline(always)]
    pub fn u16(&mut self, value: u16) -> &mut Event {
        self.bytes(&value.to_le_bytes())
    }

    #[inline(always)]
    pub fn u8(&mut self, value: u8) -> &mut Event {
        self.bytes(&[value])
    }

    /// Logs the event as one "Program data:" line, the form anchorpy's event parser reads.
    pub fn emit(&self) -> ProgramResult {
        // SAFETY: `new` and the appends initialized the first `len` bytes, which start at the
        // discriminator.
        let bytes = unsafe { core::slice::from_raw_parts(self as *const Event as *const u8, self.len) };
        log_data(&[bytes])
    }
}
