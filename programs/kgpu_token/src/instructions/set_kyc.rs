//! `set_kyc`: writes a wallet's KYC record and freezes or thaws its K-GPU token accounts to match.
//!
//! The record is created at PDA `["kyc", wallet]` on first use. A token account is thawed when
//! the record is valid now (level at least 1, not revoked, not expired, jurisdiction not
//! blocked) and frozen otherwise. Accounts already in the target state are left alone.
//!
//! Accounts:
//! 0. config
//! 1. `[SIGNER]` registry authority
//! 2. `[WRITE, SIGNER]` payer of a new record
//! 3. `[WRITE]` KYC record, PDA `["kyc", wallet]`
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

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::SetFrozen;
use kgpu_framework::cpi::Signer;
use kgpu_framework::pda::find_program_address;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, SYSTEM_PROGRAM_ID};
use kgpu_framework::{seeds, AccountInfo};

use crate::accounts::{AccountChecks, ProgramResult};
use crate::args::Reader;
use crate::error::TokenError;
use crate::events::{Event, KYC_UPDATED};
use crate::instructions::{clock, config_signer, create_account, require_authority};
use crate::state::{AccountType, Config, KycRecord, KYC_SEED};
use crate::token2022::{self, load_token_account};

/// sha256("global:set_kyc")[..8]
pub const DISCRIMINATOR: [u8; 8] = [143, 253, 67, 18, 64, 198, 83, 190];

/// Accounts before the optional token accounts.
const FIXED_ACCOUNTS: usize = 7;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [config_account, authority, payer, record_account, mint, token_program, system_program, ..] =
        accounts
    else {
        return Err(TokenError::NotEnoughAccounts);
    };
    let token_accounts = &accounts[FIXED_ACCOUNTS..];

    // Parse arguments.
    let mut reader = Reader::new(data);
    let wallet = reader.pubkey()?;
    let jurisdiction_bytes = reader.take(2)?;
    let jurisdiction = [jurisdiction_bytes[0], jurisdiction_bytes[1]];
    let level = reader.u8()?;
    let expires_at = reader.i64()?;
    let revoked = reader.bool()?;
    reader.finish()?;
    if !jurisdiction[0].is_ascii_uppercase() || !jurisdiction[1].is_ascii_uppercase() {
        return Err(TokenError::InvalidParams);
    }

    // Validate config, registry authority, mint and programs.
    let config = Config::load(config_account, program_id)?;
    require_authority(authority, &config.registry_authority)?;
    mint.require_address(&config.mint)?;
    token2022::require_token_program(token_program)?;
    system_program.require_address(&SYSTEM_PROGRAM_ID)?;

    // Validate the record: an existing record of this wallet, or the canonical PDA not yet created.
    record_account.require_writable()?;
    let new_record = record_account.is_empty_system_account();
    let mut bump = 0;
    if new_record {
        payer.require_signer()?;
        payer.require_writable()?;
        let (address, canonical_bump) =
            find_program_address(&[KYC_SEED, &wallet], program_id).map_err(|_| TokenError::InvalidSeeds)?;
        record_account.require_address(&address)?;
        bump = canonical_bump;
    } else {
        let record = KycRecord::load(record_account, program_id)?;
        if !pubkey_eq(&record.wallet, &wallet) {
            return Err(TokenError::InvalidAddress);
        }
    }

    // Validate the token accounts: K-GPU accounts of the wallet.
    for account in token_accounts {
        account.require_writable()?;
        let token_account = load_token_account(account, &config.mint)?;
        if !pubkey_eq(token_account.owner, &wallet) {
            return Err(TokenError::InvalidTokenAccount);
        }
    }

    // Create the record if new.
    if new_record {
        let bump_seed = [bump];
        let record_seeds = seeds!(KYC_SEED, wallet, bump_seed);
        create_account(
            &CreateProgramAccount {
                payer,
                account: record_account,
                space: KycRecord::LEN as u64,
                owner: program_id,
            },
            KycRecord::LEN,
            Signer::from(&record_seeds),
        )?;
        // SAFETY: just created with KycRecord::LEN zeroed bytes; no other view exists.
        let record = unsafe { KycRecord::init(record_account)? };
        record.wallet = wallet;
        record.bump = bump;
    }

    // Write the record.
    // SAFETY: the only view of the record at this point.
    let record = unsafe { KycRecord::load_mut(record_account, program_id)? };
    record.jurisdiction = jurisdiction;
    record.level = level;
    record.expires_at = expires_at.to_le_bytes();
    record.revoked = revoked as u8;
    let allowed = record.check_valid(config, clock().unix_timestamp).is_ok();

    // Freeze or thaw the token accounts to match. Only accounts whose owner cannot change are
    // thawed, so the KYC record always covers the wallet that owns them. Freezing any account
    // of the wallet stays possible. A rejection here rolls back the record write with the rest
    // of the transaction.
    config_signer!(config, signer);
    for account in token_accounts {
        let token_account = load_token_account(account, &config.mint)?;
        if allowed && token_account.frozen && !token_account.immutable_owner {
            return Err(TokenError::InvalidTokenAccount);
        }
        if token_account.frozen == allowed {
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

    Event::new(KYC_UPDATED)
        .bytes(&wallet)
        .bytes(&jurisdiction)
        .bytes(&[level])
        .i64(expires_at)
        .bytes(&[revoked as u8, allowed as u8])
        .emit();
    Ok(())
}
