//! `close_job`: refunds what is left in the job's escrow to the renter and closes the job, after
//! which no receipt settles against it. The renter and the job's provider authority may close at
//! any time, anyone else only from the job's end time on. The provider's close ends its
//! commitment early, which takes one off `Provider.open_jobs` so that `request_unstake` can free
//! the stake the job held at the minimum. The refund goes to the renter no matter who closes.
//!
//! NOTE: a receipt for work done before the job was closed can no longer be paid. The provider
//! is protected only by the oracles posting receipts before the close, or by waiting for them
//! before it closes the job itself.
//!
//! Accounts:
//!   0. `[SIGNER]` caller: the renter, the job's provider authority, or anyone after the end time
//!   1. `[WRITE]` job
//!   2. `[WRITE]` market
//!   3. `[WRITE]` renter's K-GPU token account
//!   4. `[WRITE]` escrow vault
//!   5. `[]` authority, PDA `["authority"]`
//!   6. `[]` K-GPU mint
//!   7. `[]` Token-2022 program
//!   8. `[WRITE]` provider, the job's `Provider` account, whose open job count goes down by one
//!
//! Data after the discriminator: none.

use kgpu_framework::prelude::*;

use crate::accounts::{check_key, check_token_account};
use crate::error::MarketError;
use crate::events::{Event, JOB_CLOSED};
use crate::instructions::now;
use crate::state::{load_mut, Counter, Job, Market, Provider, JOB_CLOSED as CLOSED, JOB_OPEN};
use crate::vault::VaultTransfer;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [caller, job_account, market_account, destination, escrow_vault, vault_authority, mint, token_program, provider_account, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    Reader::new(args).finish()?;

    // Validate the job and who may close it.
    caller.check_signer()?;
    let mut job = load_mut::<Job>(job_account, program_id)?;
    if job.status != JOB_OPEN {
        return Err(MarketError::JobClosed.into());
    }
    let now = now()?;
    let is_party = pubkey_eq(caller.key(), &job.renter) || pubkey_eq(caller.key(), &job.provider_authority);
    if !is_party && now < job.end_time {
        return Err(MarketError::JobNotEnded.into());
    }

    // Validate the market, vault, mint and the renter's token account.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(escrow_vault, &market.escrow_vault)?;
    check_key(mint, &market.kgpu_mint)?;
    check_token_account(destination, &market.kgpu_mint, &job.renter)?;

    // Validate the job's provider.
    check_key(provider_account, &job.provider)?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;

    // Refund the escrow and close the job.
    let refund = job.escrowed;
    job.escrowed = 0;
    job.refunded.increase(refund)?;
    job.status = CLOSED;
    job.closed_at = now;
    market.total_escrowed.decrease(refund)?;
    // Jobs opened before the provider counted its open jobs were never counted, so the count
    // stops at zero instead of failing their close and locking the refund.
    provider.open_jobs = provider.open_jobs.saturating_sub(1);
    VaultTransfer {
        vault: escrow_vault,
        destination,
        authority: vault_authority,
        mint,
        token_program,
        authority_bump: market.authority_bump,
    }
    .invoke(refund)?;

    Event::new(JOB_CLOSED).bytes(job_account.key()).bytes(caller.key()).u64(refund).emit()
}
