//! `open_job`: a renter with valid KYC opens a job with an approved, staked provider at an agreed
//! price per GPU-hour and moves the budget into escrow.
//!
//! Every job's escrow sits in the shared escrow vault and is accounted per job in the job
//! account. K-GPU token accounts start frozen and only the token program's admin can thaw an
//! account owned by a market PDA, so a token account per job would need an admin signature for
//! every job.
//!
//! The program accepts only nonces whose job PDA has canonical bump 255. About half of all
//! nonces qualify, and the SDK tries nonces until it finds one. The job address then costs one
//! hash, where a bump search costs about 315 CU per bump tried. The program compares the job
//! account with the hash of `["job", renter, nonce, 255]` and skips the curve check (167 CU),
//! because the runtime derives the address again when it signs for these seeds and fails the
//! account creation for an on-curve hash. Bump 255 off the curve is by definition the canonical
//! bump. A nonce whose job PDA needs a lower bump fails with `InvalidJobNonce`.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` renter, pays for the job account
//!   1. `[WRITE]` job, PDA `["job", renter, nonce as u64 LE]` with canonical bump 255
//!   2. `[WRITE]` market
//!   3. `[WRITE]` provider, whose open job count goes up by one
//!   4. `[]` token config, the address the market stores, whose blocked jurisdictions apply
//!      besides the market's
//!   5. `[]` renter's KYC record, owned by `kgpu_token`
//!   6. `[WRITE]` renter's K-GPU token account
//!   7. `[WRITE]` escrow vault
//!   8. `[]` K-GPU mint
//!   9. `[]` Token-2022 program
//!  10. `[]` System program
//!
//! Data after the discriminator:
//!
//! ```text
//! 0   8   nonce                u64, chosen by the renter so that the job PDA has bump 255
//! 8   8   price_per_gpu_hour   u64 K-GPU, above zero
//! 16  8   budget               u64 K-GPU, above zero
//! 24  8   end_time             i64 unix seconds, in the future
//! ```

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::TransferChecked;
use kgpu_framework::math::checked_mul;
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::SYSTEM_PROGRAM_ID;
use kgpu_framework::sysvars::Rent;

use crate::accounts::{check_key, create_account};
use crate::error::MarketError;
use crate::events::{FixedEvent, JobOpened, JOB_OPENED};
use crate::instructions::{now, read_aligned, AlignedArgs};
use crate::pda::pda_hash;
use crate::state::*;
use crate::token_program::{KycRecord, TokenConfig};
use crate::vault::DECIMALS;

/// The only bump a job PDA may have.
const JOB_BUMP: u8 = 255;

/// The arguments, in data order.
#[repr(C)]
struct OpenJobArgs {
    nonce: u64,
    price_per_gpu_hour: u64,
    budget: u64,
    end_time: i64,
}

// SAFETY: `#[repr(C)]` with four 8-byte integers.
unsafe impl AlignedArgs for OpenJobArgs {}

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [renter, job_account, market_account, provider_account, token_config, kyc, source, escrow_vault, mint, token_program, system_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let &OpenJobArgs { nonce, price_per_gpu_hour, budget, end_time } = read_aligned::<OpenJobArgs>(args)?;
    let now = now()?;
    if price_per_gpu_hour == 0 || budget == 0 || end_time <= now {
        return Err(MarketError::InvalidAmount.into());
    }

    // Validate the market, its vault and mint.
    renter.check_signer()?;
    renter.check_writable()?;
    let mut market = load_mut::<Market>(market_account, program_id)?;
    market.check_ready()?;
    check_key(token_config, &market.token_config)?;
    check_key(escrow_vault, &market.escrow_vault)?;
    check_key(mint, &market.kgpu_mint)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    // Validate the renter's KYC: verified, not revoked, not expired, jurisdiction blocked by
    // neither the market nor the token program. The token program's list can change after the
    // renter's KYC was set, and the renter's account stays thawed until set_kyc runs again.
    let record = KycRecord::load(kyc, renter.key())?;
    if record.level == 0 || record.revoked {
        return Err(MarketError::KycInvalid.into());
    }
    if now >= record.expires_at {
        return Err(MarketError::KycExpired.into());
    }
    if market.is_blocked(&record.jurisdiction) || TokenConfig::load(token_config)?.is_blocked(&record.jurisdiction) {
        return Err(MarketError::JurisdictionBlocked.into());
    }

    // Validate the provider: approved, region not blocked, enough active stake.
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    if provider.approved == 0 {
        return Err(MarketError::ProviderNotApproved.into());
    }
    if market.is_blocked(&provider.region) {
        return Err(MarketError::RegionBlocked.into());
    }
    let gpu_count = provider.gpu_count;
    let required_stake = checked_mul(market.min_stake_per_gpu, gpu_count as u64)?;
    if provider.active_stake < required_stake {
        return Err(MarketError::InsufficientStake.into());
    }

    // Create the job account at PDA ["job", renter, nonce, 255]. The runtime rejects the
    // signature for an on-curve hash, so a match here plus the creation proves bump 255 is
    // canonical.
    job_account.check_writable()?;
    let nonce_bytes = nonce.to_le_bytes();
    let bump_seed = [JOB_BUMP];
    let address = pda_hash(&[JOB_SEED, renter.key(), &nonce_bytes, &bump_seed]);
    if !pubkey_eq(&address.0, job_account.key()) {
        return Err(MarketError::InvalidJobNonce.into());
    }
    let new = CreateProgramAccount { payer: renter, account: job_account, space: Job::LEN as u64, owner: program_id };
    create_account(&new, &Rent::get()?, &seeds!(JOB_SEED, renter.key(), nonce_bytes, bump_seed))?;

    // Move the budget into escrow. The token program checks the source's owner and balance.
    TransferChecked {
        source,
        mint,
        destination: escrow_vault,
        authority: renter,
        amount: budget,
        decimals: DECIMALS,
        token_program,
    }
    .invoke_signed(&[])?;

    // Write the job.
    let mut job = init::<Job>(job_account, program_id)?;
    job.renter = *renter.key();
    job.provider = *provider_account.key();
    job.provider_authority = provider.authority;
    job.nonce = nonce;
    job.price_per_gpu_hour = price_per_gpu_hour;
    job.gpu_count = gpu_count;
    job.funded = budget;
    job.escrowed = budget;
    job.opened_at = now;
    job.end_time = end_time;
    job.status = JOB_OPEN;
    job.bump = JOB_BUMP;
    market.total_escrowed.increase(budget)?;
    market.job_count.increase(1)?;
    provider.open_jobs = provider.open_jobs.checked_add(1).ok_or(ProgramError::ArithmeticOverflow)?;

    JobOpened {
        discriminator: JOB_OPENED,
        job: *job_account.key(),
        renter: *renter.key(),
        provider: *provider_account.key(),
        price_per_gpu_hour,
        budget,
        end_time,
    }
    .emit()
}
