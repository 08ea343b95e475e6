//! `sweep_fees`: moves the fees that `settle_receipt` booked, which stay in the escrow vault, to
//! the reward vault. Anyone may call it, and `claim_rewards` sweeps the same way before it pays.
//!
//! `settle_receipt` raises the reward accumulator by each fee at once, so a sweep changes no
//! staker's entitlement and only moves tokens. It moves exactly `Market::unswept_fees` and zeroes
//! it, so the escrow vault keeps `total_escrowed`, every job's escrow. With no unswept fees the
//! instruction succeeds without a transfer or an event.
//!
//! Accounts:
//!   0. `[WRITE]` market
//!   1. `[WRITE]` escrow vault
//!   2. `[WRITE]` reward vault
//!   3. `[]` authority, PDA `["authority"]`
//!   4. `[]` K-GPU mint
//!   5. `[]` Token-2022 program
//!
//! Data after the discriminator: none.

use kgpu_framework::prelude::*;

use crate::accounts::check_key;
use crate::events::{Event, FEES_SWEPT};
use crate::state::{load_mut, Market};
use crate::vault::VaultTransfer;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [market_account, escrow_vault, reward_vault, vault_authority, mint, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    Reader::new(args).finish()?;

    let mut market = load_mut::<Market>(market_account, program_id)?;
    let sweep = FeeSweep { escrow_vault, reward_vault, vault_authority, mint, token_program };
    sweep.check(&market)?;
    sweep.run(&mut market)
}

/// The accounts of a fee sweep from the escrow vault to the reward vault.
pub(crate) struct FeeSweep<'a> {
    pub escrow_vault: &'a AccountInfo,
    pub reward_vault: &'a AccountInfo,
    pub vault_authority: &'a AccountInfo,
    pub mint: &'a AccountInfo,
    pub token_program: &'a AccountInfo,
}

impl FeeSweep<'_> {
    /// Checks the vaults and the mint against the addresses `market` stores.
    pub fn check(&self, market: &Market) -> ProgramResult {
        check_key(self.escrow_vault, &market.escrow_vault)?;
        check_key(self.reward_vault, &market.reward_vault)?;
        check_key(self.mint, &market.kgpu_mint)
    }

    /// Moves `market.unswept_fees` to the reward vault in one transfer, zeroes the counter and
    /// emits `FeesSwept`. Does nothing when the counter is zero.
    pub fn run(&self, market: &mut Market) -> ProgramResult {
        let amount = market.unswept_fees;
        if amount == 0 {
            return Ok(());
        }
        market.unswept_fees = 0;
        VaultTransfer {
            vault: self.escrow_vault,
            destination: self.reward_vault,
            authority: self.vault_authority,
            mint: self.mint,
            token_program: self.token_program,
            authority_bump: market.authority_bump,
        }
        .invoke(amount)?;
        Event::new(FEES_SWEPT).u64(amount).emit()
    }
}
