//! `set_kyc`: writes a wallet's KYC record and freezes or thaws its K-GPU token accounts to match.
//!
//! The record is created on first use at the System "with seed" address
//! `sha256(config || hex_seed(wallet) || program id)`, where `hex_seed` is the lowercase hex of the
//! wallet's first 16 bytes and the config PDA signs as base. Unlike a PDA, that address needs no
//! bump search, so the cost does not depend on the wallet. A token account is thawed when
//! the record is valid now (level at least 1, not revoked, not expired, jurisdiction not
//! blocked) and frozen otherwise. Accounts already in the target state are left alone.
//!
//! Accounts:
//! 0. config
//! 1. `[SIGNER]` registry authority
//! 2. `[WRITE, SIGNER]` payer of a new record
//! 3. `[WRITE]` KYC record, at `address_with_seed(config, hex_seed(wallet), program id)`
//! 4. K-GPU mint
//! 5. Token-2022 program
//! 6. System program
//! 7. and after: `[WRITE]` zero or more K-GPU token accounts whose owner is the wallet
//!
//! Data after the discriminator (Borsh):
//! - `0..32` wallet: Pubkey
//! - `32..34` jurisdiction: [u8; 2], upper-case ISO 3166-1 alpha-2
//! - `34` level: u8
//! - `35..43` expires_at: i64 unix seconds
//! - `43` revoked: bool

use kgpu_framework::cpi::system_with_seed::{address_with_seed, hex_seed, CreateSeededAccount};
use kgpu_framework::cpi::token2022::{layout, AccountState, SetFrozen};
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};
use kgpu_framework::AccountInfo;

use crate::accounts::{AccountChecks, ProgramResult};
use crate::error::TokenError;
use crate::events::KYC_UPDATED;
use crate::instructions::{clock, config_signer, rent_exempt_minimum, require_authority};
use crate::state::{AccountType, Config, KycRecord};
use crate::token2022::{self, load_token_account};

/// sha256("global:set_kyc")[..8]
pub const DISCRIMINATOR: [u8; 8] = [143, 253, 67, 18, 64, 198, 83, 190];

/// Accounts before the optional token accounts.
const FIXED_ACCOUNTS: usize = 7;

/// The arguments, laid out as their Borsh encoding so that they are read in place. The fields
/// after `wallet` have the order and layout of the KycRecord fields from `jurisdiction` to
/// `revoked`.
#[repr(C)]
struct SetKycArgs {
    wallet: Pubkey,
    status: KycStatus,
}

/// jurisdiction ([u8; 2]), level (u8), expires_at (i64 LE), revoked (bool): 12 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
struct KycStatus {
    jurisdiction: [u8; 2],
    level: u8,
    expires_at: [u8; 8],
    revoked: u8,
}

const _: () = assert!(core::mem::size_of::<SetKycArgs>() == 44);
const _: () = assert!(core::mem::align_of::<SetKycArgs>() == 1);
const _: () = assert!(
    core::mem::offset_of!(KycRecord, revoked) - core::mem::offset_of!(KycRecord, jurisdiction)
        == core::mem::size_of::<KycStatus>() - 1
);

impl SetKycArgs {
    /// Returns the arguments without copying them, failing with `InvalidInstructionData` unless
    /// `data` is exactly 44 bytes with `revoked` 0 or 1, as Borsh requires of a bool.
    fn read(data: &[u8]) -> Result<&SetKycArgs, TokenError> {
        if data.len() != core::mem::size_of::<SetKycArgs>() {
            return Err(TokenError::InvalidInstructionData);
        }
        // SAFETY: the slice is 44 bytes, `SetKycArgs` has alignment 1 and any bytes are valid
        // for its byte-array fields.
        let args = unsafe { &*(data.as_ptr() as *const SetKycArgs) };
        if args.status.revoked > 1 {
            return Err(TokenError::InvalidInstructionData);
        }
        Ok(args)
    }
}

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, authority, payer, record_account, mint, token_program, system_program, ..] =
        accounts
    else {
        return Err(TokenError::NotEnoughAccounts);
    };
    let token_accounts = &accounts[FIXED_ACCOUNTS..];

    // Parse arguments.
    let args = SetKycArgs::read(data)?;
    let wallet = &args.wallet;
    let jurisdiction = args.status.jurisdiction;
    if !jurisdiction[0].is_ascii_uppercase() || !jurisdiction[1].is_ascii_uppercase() {
        return Err(TokenError::InvalidParams);
    }

    // Validate config, registry authority, mint and programs.
    let config = Config::load(config_account, program_id)?;
    require_authority(authority, &config.registry_authority)?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Validate the record: an existing record of this wallet, or its seed address not yet
    // created. Only this instruction creates KycRecords, always at the seed address of the
    // wallet it stores, so an existing one needs no address derivation: the owner and
    // discriminator checks of `KycRecord::load` and the wallet comparison identify it.
    record_account.require_writable()?;
    let new_record = record_account.is_empty_system_account();
    let seed = hex_seed(wallet);
    if new_record {
        payer.require_signer()?;
        payer.require_writable()?;
        // One hash whatever the wallet. Two wallets share an address only if their first 16
        // bytes are equal, which takes about 2^128 tries to arrange. The second wallet would
        // then find the first's record and fail the wallet comparison.
        record_account.require_address(&address_with_seed(config_account.key(), &seed, program_id))?;
    } else {
        let record = KycRecord::load(record_account, program_id)?;
        if !pubkey_eq(&record.wallet, wallet) {
            return Err(TokenError::InvalidAddress);
        }
    }

    // Validate the token accounts: K-GPU accounts of the wallet. Whether each has
    // ImmutableOwner is kept in a bit mask, so the second pass below reads only the state byte.
    let mut immutable_owner_mask: u16 = 0;
    for (index, account) in token_accounts.iter().enumerate() {
        account.require_writable()?;
        let token_account = load_token_account(account, &config.mint)?;
        if !pubkey_eq(token_account.owner, wallet) {
            return Err(TokenError::InvalidTokenAccount);
        }
        if token_account.immutable_owner {
            immutable_owner_mask |= 1 << index;
        }
    }

    // Create the record if new, then write it. The config PDA signs as the base of the address.
    config_signer!(signer);
    let record = if new_record {
        CreateSeededAccount {
            payer,
            account: record_account,
            base: config_account,
            seed: &seed,
            space: KycRecord::LEN as u64,
            owner: program_id,
        }
        .invoke_signed_with_lamports(rent_exempt_minimum(KycRecord::LEN)?, &[signer])
        .map_err(TokenError::cpi_failed)?;
        // SAFETY: just created with KycRecord::LEN zeroed bytes; no other view exists.
        let record = unsafe { KycRecord::init(record_account)? };
        record.wallet = *wallet;
        record
    } else {
        // SAFETY: the view from `load` above has ended; this is the only view of the record.
        unsafe { KycRecord::load_mut(record_account, program_id)? }
    };
    // SAFETY: `jurisdiction..=revoked` of KycRecord are 12 contiguous bytes with the layout of
    // `KycStatus` (both alignment 1), and `record` is the only view of the account.
    unsafe { *(&mut record.jurisdiction as *mut [u8; 2] as *mut KycStatus) = args.status };
    let allowed = record.check_valid(config, clock().unix_timestamp).is_ok();

    // Freeze or thaw the token accounts to match. Only accounts whose owner cannot change are
    // thawed, so the KYC record always covers the wallet that owns them. Freezing any account
    // of the wallet stays possible. A rejection here rolls back the record write with the rest
    // of the transaction. The state byte is read again for each entry, so an account listed
    // twice changes state once.
    for (index, account) in token_accounts.iter().enumerate() {
        // SAFETY: the first pass checked that this is a token account (at least 165 bytes) owned
        // by Token-2022, and this program holds no mutable reference to its data.
        let frozen = unsafe { account.borrow_data_unchecked() }[layout::ACCOUNT_STATE] == AccountState::Frozen as u8;
        if allowed && frozen && immutable_owner_mask & (1 << index) == 0 {
            return Err(TokenError::InvalidTokenAccount);
        }
        if frozen == allowed {
            SetFrozen {
                account,
                mint,
                freeze_authority: config_account,
                freeze: !allowed,
                token_program,
            }
            .invoke_signed(&[signer])
            .map_err(TokenError::cpi_failed)?;
        }
    }

    emit_kyc_updated(record, allowed);
    Ok(())
}

/// Emits `KycUpdated` (wallet, jurisdiction, level, expires_at, revoked, allowed) from the
/// written record, in an exact-size buffer, which costs less than zeroing the 400-byte buffer
/// of `Event`.
fn emit_kyc_updated(record: &KycRecord, allowed: bool) {
    let mut event = [0u8; 8 + 32 + 2 + 1 + 8 + 2];
    event[..8].copy_from_slice(&KYC_UPDATED);
    event[8..40].copy_from_slice(&record.wallet);
    event[40..42].copy_from_slice(&record.jurisdiction);
    event[42] = record.level;
    event[43..51].copy_from_slice(&record.expires_at);
    event[51] = record.revoked;
    event[52] = allowed as u8;
    // `log_data` rejects only more than `MAX_LOG_DATA_SLICES` slices. This passes one, so the
    // result is ignored.
    let _ = kgpu_framework::log::log_data(&[&event]);
}
