//! Anchor events, one per state change, emitted with `sol_log_data` as
//! `event_discriminator("<Name>") || Borsh fields`. The IDL declares the same fields in order.

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

/// Largest event, discriminator included.
const MAX_EVENT_LEN: usize = 256;

/// Borsh encoder of one event on the stack: the discriminator, then the fields in order.
pub struct Event {
    buffer: [u8; MAX_EVENT_LEN],
    len: usize,
}

impl Event {
    /// Starts an event with the given discriminator.
    #[inline(always)]
    pub fn new(discriminator: [u8; 8]) -> Event {
        let mut buffer = [0; MAX_EVENT_LEN];
        buffer[..8].copy_from_slice(&discriminator);
        Event { buffer, len: 8 }
    }

    /// Appends raw bytes: a `Pubkey`, a fixed array or a hash.
    ///
    /// Panics if the event exceeds 256 bytes, which only a programming error can cause because
    /// every event has a fixed size.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Event {
        self.buffer[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        self
    }

    pub fn u64(&mut self, value: u64) -> &mut Event {
        self.bytes(&value.to_le_bytes())
    }

    pub fn i64(&mut self, value: i64) -> &mut Event {
        self.bytes(&value.to_le_bytes())
    }

    pub fn u32(&mut self, value: u32) -> &mut Event {
        self.bytes(&value.to_le_bytes())
    }

    pub fn u16(&mut self, value: u16) -> &mut Event {
        self.bytes(&value.to_le_bytes())
    }

    pub fn u8(&mut self, value: u8) -> &mut Event {
        self.bytes(&[value])
    }

    /// Logs the event as one "Program data:" line, the form anchorpy's event parser reads.
    pub fn emit(&self) -> ProgramResult {
        log_data(&[&self.buffer[..self.len]])
    }
}
