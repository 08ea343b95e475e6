//! `mint_deposit`: mints K-GPU for a KRW deposit attested by the oracle quorum.
//!
//! Mints only when all of these are true:
//! - minting is not paused;
//! - the latest attestation exists and `now - valuation_time <= max_attestation_age`;
//! - the beneficiary's KYC record is valid;
//! - the deposit id is canonical: its record PDA `["deposit", deposit_id]` has bump 255;
//! - the deposit id is new, which means its record PDA does not exist yet;
//! - `supply + amount <= capacity`.
//!
//! A frozen beneficiary account is thawed first, because the KYC check passed.
//!
//! Accounts:
//! 0. `[WRITE]` config
//! 1. `[WRITE]` K-GPU mint
//! 2. `[WRITE]` K-GPU token account whose owner is the beneficiary (normally the ATA)
//! 3. beneficiary's KYC record
//! 4. `[WRITE]` deposit record, PDA `["deposit", deposit_id]` with bump 255, not yet created
//! 5. `[WRITE, SIGNER]` payer of the deposit record
//! 6. instructions sysvar
//! 7. Token-2022 program
//! 8. System program
//!
//! Data after the discriminator (Borsh), also the quorum payload of kind 2:
//! - `0..32` deposit_id: [u8; 32], `sha256(reference || counter as u32 LE)` for the smallest
//!   counter whose record PDA has canonical bump 255, as `kgpu.token.canonical_deposit_id`
//!   derives it. Other ids fail with `DepositIdNotCanonical`.
//! - `32..64` beneficiary: Pubkey (wallet)
//! - `64..72` amount: u64 KRW, greater than 0

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{MintTo, SetFrozen};
use kgpu_framework::cpi::Signer;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};
use kgpu_framework::{seeds, AccountInfo};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::error::TokenError;
use crate::events::DEPOSIT_MINTED;
use crate::instructions::{clock, config_signer, create_account, is_pda_hash};
use crate::quorum::{verify_quorum, Message, KIND_MINT_DEPOSIT};
use crate::state::{AccountType, Config, DepositRecord, KycRecord, DEPOSIT_BUMP, DEPOSIT_SEED};
use crate::token2022::{self, load_token_account, mint_supply, DECIMALS};

/// sha256("global:mint_deposit")[..8]
pub const DISCRIMINATOR: [u8; 8] = [171, 65, 49, 61, 7, 88, 11, 9];

/// Bytes of the arguments, which are also the signed payload.
const PAYLOAD_LEN: usize = 72;

/// The arguments, laid out as their Borsh encoding so that they are read in place.
#[repr(C)]
struct MintDepositArgs {
    deposit_id: [u8; 32],
    beneficiary: Pubkey,
    amount: u64,
}

const _: () = assert!(core::mem::size_of::<MintDepositArgs>() == PAYLOAD_LEN);
// The record stores the arguments right after its discriminator (see the copy below).
const _: () = assert!(core::mem::offset_of!(DepositRecord, deposit_id) == 8);
const _: () = assert!(core::mem::offset_of!(DepositRecord, beneficiary) == 40);
const _: () = assert!(core::mem::offset_of!(DepositRecord, slot) == 8 + PAYLOAD_LEN);

impl MintDepositArgs {
    /// Returns the arguments without copying them.
    ///
    /// Fails with `InvalidInstructionData` unless `data` is exactly 72 bytes at an 8-byte
    /// boundary. The runtime places instruction data on an 8-byte boundary and the discriminator
    /// is 8 bytes long, so only a change of that layout makes the alignment check fail.
    fn read(data: &[u8]) -> Result<&MintDepositArgs, TokenError> {
        if data.len() != PAYLOAD_LEN || !(data.as_ptr() as usize).is_multiple_of(8) {
            return Err(TokenError::InvalidInstructionData);
        }
        // SAFETY: the slice is 72 bytes at an 8-byte boundary, and any bytes are a valid
        // `MintDepositArgs` (byte arrays and a u64, no padding).
        Ok(unsafe { &*(data.as_ptr() as *const MintDepositArgs) })
    }
}

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, mint, destination, kyc_account, deposit_account, payer, instructions_sysvar, token_program, system_program, ..] =
        accounts
    else {
        return Err(TokenError::NotEnoughAccounts);
    };

    // Parse arguments.
    let args = MintDepositArgs::read(data)?;
    let deposit_id = &args.deposit_id;
    let beneficiary = &args.beneficiary;
    let amount = args.amount;
    if amount == 0 {
        return Err(TokenError::InvalidAmount);
    }

    // Validate config, mint and programs.
    // SAFETY: the only view of the config in this instruction.
    let config = unsafe { Config::load_mut(config_account, program_id)? };
    if config.mint_paused != 0 {
        return Err(TokenError::MintPaused);
    }
    mint.require_writable()?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;
    payer.require_signer()?;
    payer.require_writable()?;

    // Validate the attestation is fresh.
    let now = clock();
    let age = now
        .unix_timestamp
        .checked_sub(config.valuation_time())
        .ok_or(TokenError::Overflow)?;
    if config.attestation_sequence() == 0 || age > config.max_attestation_age() {
        return Err(TokenError::StaleAttestation);
    }

    // Validate the beneficiary: KYC record and token account. The record's address is not
    // derived again: only `set_kyc` creates KycRecords, always at the seed address of the
    // wallet it stores, so a record owned by this program with the KycRecord discriminator and
    // `wallet == beneficiary` is that record. An address check would cost a hash and reject
    // nothing more.
    let kyc = KycRecord::load(kyc_account, program_id)?;
    if !pubkey_eq(&kyc.wallet, beneficiary) {
        return Err(TokenError::InvalidAddress);
    }
    kyc.check_valid(config, now.unix_timestamp)?;
    destination.require_writable()?;
    let token_account = load_token_account(destination, &config.mint)?;
    if !pubkey_eq(token_account.owner, beneficiary) {
        return Err(TokenError::InvalidTokenAccount);
    }
    // The mint may thaw the destination, so its owner must not be able to change afterwards:
    // the beneficiary's associated token account, or any account with ImmutableOwner.
    if !token_account.immutable_owner {
        return Err(TokenError::InvalidTokenAccount);
    }

    // Validate the deposit id: its record is the PDA `["deposit", deposit_id]` with bump 255,
    // which makes 255 the canonical bump, and nothing exists there yet. The oracles pick ids
    // with that property (see the module docs), so one hash replaces the bump search. The
    // runtime checks that the hash is off the curve when the record is created with these
    // seeds below, so an id whose bump-255 hash is a curve point fails the transaction there.
    deposit_account.require_writable()?;
    if !is_pda_hash(&[DEPOSIT_SEED, deposit_id, &[DEPOSIT_BUMP]], program_id, deposit_account.key()) {
        return Err(TokenError::DepositIdNotCanonical);
    }
    if !deposit_account.is_empty_system_account() {
        return Err(TokenError::DepositAlreadyApplied);
    }

    // Validate capacity.
    let supply = mint_supply(mint)?;
    let new_supply = supply.checked_add(amount).ok_or(TokenError::Overflow)?;
    if new_supply > config.capacity() {
        return Err(TokenError::CapacityExceeded);
    }

    // Validate the quorum over the exact payload.
    let mut message = Message::new(program_id, &config.deployment_id, KIND_MINT_DEPOSIT);
    message.push(&data[..PAYLOAD_LEN]);
    verify_quorum(instructions_sysvar, config, &message)?;

    // Record the deposit.
    let bump_seed = [DEPOSIT_BUMP];
    let deposit_seeds = seeds!(DEPOSIT_SEED, deposit_id, bump_seed);
    create_account(
        &CreateProgramAccount {
            payer,
            account: deposit_account,
            space: DepositRecord::LEN as u64,
            owner: program_id,
        },
        DepositRecord::LEN,
        Signer::from(&deposit_seeds),
    )?;
    // SAFETY: just created with DepositRecord::LEN zeroed bytes; no other view exists.
    let record = unsafe { DepositRecord::init(deposit_account)? };
    // deposit_id, beneficiary and amount follow the discriminator in the order of the arguments,
    // so they are copied as nine words instead of byte-wise field stores.
    // SAFETY: the account data starts 8-byte aligned in the input buffer and has
    // DepositRecord::LEN >= 80 bytes, so bytes 8..80 are nine aligned words that no other view
    // covers; `args` is 72 bytes at an 8-byte boundary (checked in `MintDepositArgs::read`).
    unsafe {
        let body = (record as *mut DepositRecord as *mut u64).add(1) as *mut [u64; 9];
        *body = *(args as *const MintDepositArgs as *const [u64; 9]);
    }
    record.slot = now.slot.to_le_bytes();
    record.bump = DEPOSIT_BUMP;

    // Mint, thawing the account first if it was created after its KYC record.
    config_signer!(signer);
    if token_account.frozen {
        SetFrozen {
            account: destination,
            mint,
            freeze_authority: config_account,
            freeze: false,
            token_program,
        }
        .invoke_signed(&[signer])
        .map_err(TokenError::cpi_failed)?;
    }
    MintTo {
        mint,
        account: destination,
        authority: config_account,
        amount,
        decimals: Some(DECIMALS),
        token_program,
    }
    .invoke_signed(&[signer])
    .map_err(TokenError::cpi_failed)?;
    Config::add_to(&mut config.total_minted, amount)?;

    emit_deposit_minted(args, new_supply);
    Ok(())
}

/// Emits `DepositMinted` (deposit_id, beneficiary, amount, supply) from an exact-size buffer.
///
/// The arguments are the event's first three fields in Borsh order, so they are copied as one
/// block. `Event` would zero its 400-byte buffer first, which costs more than this event's 88
/// bytes need, and this instruction runs close to its compute target.
fn emit_deposit_minted(args: &MintDepositArgs, supply: u64) {
    let mut event = [0u8; 8 + PAYLOAD_LEN + 8];
    event[..8].copy_from_slice(&DEPOSIT_MINTED);
    // SAFETY: `MintDepositArgs` is `PAYLOAD_LEN` plain bytes with no padding.
    let payload = unsafe { &*(args as *const MintDepositArgs as *const [u8; PAYLOAD_LEN]) };
    event[8..8 + PAYLOAD_LEN].copy_from_slice(payload);
    event[8 + PAYLOAD_LEN..].copy_from_slice(&supply.to_le_bytes());
    // `log_data` rejects only more than `MAX_LOG_DATA_SLICES` slices. This passes one, so the
    // result is ignored.
    let _ = kgpu_framework::log::log_data(&[&event]);
}
