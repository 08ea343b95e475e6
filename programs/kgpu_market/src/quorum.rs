//! Oracle quorum check for `settle_receipt` (kind 16) and `slash` (kind 17).
//!
//! The expected message is rebuilt from the instruction's own payload:
//!
//! ```text
//! 0    8    tag             "KGPUQRM1"
//! 8    1    version         1
//! 9    32   program id      this program
//! 41   32   deployment id   from the token program's config
//! 73   1    kind            16 or 17
//! 74   112  payload         the instruction data after the discriminator, as signed
//! ```
//!
//! The Ed25519 precompile verifies each signature before the program runs. The program reads the
//! precompile instructions through the instructions sysvar (address checked) and counts the
//! distinct keys of the token program's current oracle set that signed exactly these bytes.

use core::mem::MaybeUninit;

use kgpu_framework::bytes::copy_bytes;
use kgpu_framework::ed25519::Quorum;
use kgpu_framework::prelude::*;
use kgpu_framework::sysvars::instructions::Instructions;

use crate::error::MarketError;
use crate::token_program::TokenConfig;

/// Message tag of every K-GPU quorum message.
pub const TAG: &[u8; 8] = b"KGPUQRM1";
/// Message format version.
pub const VERSION: u8 = 1;
/// Kind of `settle_receipt` messages.
pub const KIND_SETTLE_RECEIPT: u8 = 16;
/// Kind of `slash` messages.
pub const KIND_SLASH: u8 = 17;
/// Size of the header before the payload.
pub const HEADER_LEN: usize = 74;
/// Size of the payloads of kinds 16 and 17.
pub const PAYLOAD_LEN: usize = 112;

/// Buffer for the expected message on the stack.
///
/// `#[repr(C, align(8))]` puts the tag on an 8-byte boundary, where it is one store.
#[repr(C, align(8))]
struct MessageBuffer {
    bytes: [MaybeUninit<u8>; HEADER_LEN + PAYLOAD_LEN],
}

impl MessageBuffer {
    #[inline(always)]
    fn uninit() -> MessageBuffer {
        MessageBuffer { bytes: [MaybeUninit::uninit(); HEADER_LEN + PAYLOAD_LEN] }
    }

    /// Writes the message of `kind` over `payload` and returns it.
    ///
    /// The buffer is not zeroed first because each byte is written once: 8 + 1 + 32 + 32 + 1
    /// header bytes and the 112-byte payload. Panics unless `payload` is 112 bytes.
    #[inline(always)]
    fn write(&mut self, program_id: &Pubkey, deployment_id: &[u8; 32], kind: u8, payload: &[u8]) -> &[u8] {
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and the message is only read after
        // every byte is written below.
        let bytes =
            unsafe { core::slice::from_raw_parts_mut(self.bytes.as_mut_ptr() as *mut u8, HEADER_LEN + PAYLOAD_LEN) };
        // SAFETY: the buffer is 8-byte aligned and at least 8 bytes long.
        unsafe { *(bytes.as_mut_ptr() as *mut u64) = u64::from_le_bytes(*TAG) };
        bytes[8] = VERSION;
        copy_bytes(&mut bytes[9..41], program_id);
        copy_bytes(&mut bytes[41..73], deployment_id);
        bytes[73] = kind;
        copy_bytes(&mut bytes[HEADER_LEN..], payload);
        bytes
    }
}

/// Checks that the token program's oracle quorum signed `kind || payload` for this program and
/// deployment.
///
/// Returns `UnsupportedSysvar` for an account that is not the instructions sysvar and
/// `QuorumNotReached` when fewer than m distinct oracles signed.
pub fn check(
    program_id: &Pubkey,
    config: &TokenConfig,
    instructions_sysvar: &AccountInfo,
    kind: u8,
    payload: &[u8],
) -> ProgramResult {
    let mut buffer = MessageBuffer::uninit();
    let message = buffer.write(program_id, config.deployment_id(), kind, payload);

    let instructions = Instructions::from_account(instructions_sysvar)?;
    let quorum = Quorum { message, oracles: config.oracles() };
    match quorum.check(instructions.data(), config.threshold()) {
        Ok(_) => Ok(()),
        Err(error) if error == ProgramError::MissingRequiredSignature => Err(MarketError::QuorumNotReached.into()),
        Err(error) => Err(error),
    }
}

/// Returns the first 112 bytes of `args`, the signed payload, after checking that they start
/// on an 8-byte boundary so that a `#[repr(C)]` payload struct can be read in place.
///
/// The runtime's input layout places instruction data on an 8-byte boundary and the
/// discriminator is 8 bytes long, so the payload is aligned unless that layout changes.
pub fn read_payload(args: &[u8]) -> Result<&[u8], ProgramError> {
    let payload = args.get(..PAYLOAD_LEN).ok_or(ProgramError::InvalidInstructionData)?;
    if payload.as_ptr() as usize % 8 != 0 {
        return Err(ProgramError::InvalidInstructionData);
    }
    Ok(payload)
}
