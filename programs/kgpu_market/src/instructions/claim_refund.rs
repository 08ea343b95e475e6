//! `claim_refund`: pays a closed job's `refund_due` to a K-GPU token account of the job's renter
//! and sets it to zero.
//!
//! `close_job` books the refund in `refund_due` when the destination it was given could not
//! receive it, for example a renter's account that was closed and recreated frozen. Anyone may
//! send this instruction, because the tokens only go to an account the renter owns. A second
//! claim fails with `NothingToRefund` and changes nothing.
//!
//! Accounts:
//!   0. `[WRITE]` job
//!   1. `[WRITE]` market
//!   2. `[WRITE]` renter's K-GPU token account, thawed
//!   3. `[WRITE]` escrow vault
//!   4. `[]` authority, PDA `["authority"]`
//!   5. `[]` K-GPU mint
//!   6. `[]` Token-2022 program
//!
//! Data after the discriminator: none.

use kgpu_framework::prelude::*;

use crate::accounts::{check_key, check_token_account};
use crate::error::MarketError;
use crate::events::{Event, REFUND_CLAIMED};
use crate::state::{load_mut, Counter, Job, Market};
use crate::vault::VaultTransfer;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [job_account, market_account, destination, escrow_vault, vault_authority, mint, token_program, ..] = accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    Reader::new(args).finish()?;

    // Only a closed job has a refund due, so an open job fails here too.
    let mut job = load_mut::<Job>(job_account, program_id)?;
    let refund = job.refund_due;
    if refund == 0 {
        return Err(MarketError::NothingToRefund.into());
    }

    // Validate the market, vault, mint and the renter's token account. The token program
    // rejects a frozen account.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(escrow_vault, &market.escrow_vault)?;
    check_key(mint, &market.kgpu_mint)?;
    check_token_account(destination, &market.kgpu_mint, &job.renter)?;

    // Pay the refund out of the escrow vault.
    job.refund_due = 0;
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

    Event::new(REFUND_CLAIMED).bytes(job_account.key()).bytes(destination.key()).u64(refund).emit()
}
