//! `close_job`: refunds what is left in the job's escrow to the renter and closes the job, after
//! which no receipt settles against it. The renter and the job's provider authority may close at
//! any time, anyone else only from the job's end time on. The provider's close ends its
//! commitment early, which takes one off `Provider.open_jobs` so that `request_unstake` can free
//! the stake the job held at the minimum. The refund goes to the renter no matter who closes.
//!
//! The close never depends on the renter's token account. The destination may be closed, frozen,
//! of another mint or owner, or require memos on incoming transfers. Then the refund is booked in
//! `Job.refund_due` and stays in the escrow vault, counted in `Market.total_escrowed`, until
//! `claim_refund` pays it. Otherwise a renter could close its K-GPU account, whose replacement
//! starts frozen, and keep the provider's minimum stake locked.
//!
//! NOTE: a receipt for work done before the job was closed can no longer be paid. The provider
//! is protected only by the oracles posting receipts before the close, or by waiting for them
//! before it closes the job itself.
//!
//! Accounts:
//!   0. `[SIGNER]` caller: the renter, the job's provider authority, or anyone after the end time
//!   1. `[WRITE]` job
//!   2. `[WRITE]` market
//!   3. `[WRITE]` renter's K-GPU token account. If it is not usable, the refund waits for
//!      `claim_refund`.
//!   4. `[WRITE]` escrow vault
//!   5. `[]` authority, PDA `["authority"]`
//!   6. `[]` K-GPU mint
//!   7. `[]` Token-2022 program
//!   8. `[WRITE]` provider, the job's `Provider` account, whose open job count goes down by one
//!
//! Data after the discriminator: none.

use kgpu_framework::prelude::*;

use crate::accounts::{check_key, is_refundable_token_account};
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

    // Validate the market, vault and mint.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(escrow_vault, &market.escrow_vault)?;
    check_key(mint, &market.kgpu_mint)?;

    // Validate the job's provider.
    check_key(provider_account, &job.provider)?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;

    // Close the job, and pay the refund now or book it for `claim_refund`. A booked refund stays
    // in `market.total_escrowed` because its tokens stay in the escrow vault.
    let refund = job.escrowed;
    job.escrowed = 0;
    job.status = CLOSED;
    job.closed_at = now;
    // Jobs opened before the provider counted its open jobs were never counted, so the count
    // stops at zero instead of failing their close and locking the refund.
    provider.open_jobs = provider.open_jobs.saturating_sub(1);
    let (refunded, refund_due) = if is_refundable_token_account(destination, &market.kgpu_mint, &job.renter) {
        job.refunded.increase(refund)?;
        market.total_escrowed.decrease(refund)?;
        VaultTransfer {
            vault: escrow_vault,
            destination,
            authority: vault_authority,
            mint,
            token_program,
            authority_bump: market.authority_bump,
        }
        .invoke(refund)?;
        (refund, 0)
    } else {
        job.refund_due.increase(refund)?;
        (0, refund)
    };

    Event::new(JOB_CLOSED).bytes(job_account.key()).bytes(caller.key()).u64(refunded).u64(refund_due).emit()
}
