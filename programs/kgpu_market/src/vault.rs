//! K-GPU transfers out of the market's vaults, signed by the authority PDA.

use kgpu_framework::cpi::token2022::TransferChecked;
use kgpu_framework::prelude::*;

use crate::state::AUTHORITY_SEED;

/// Decimals of K-GPU and K-CARBON.
pub const DECIMALS: u8 = 0;

/// A K-GPU transfer out of a market vault, signed by the authority PDA `["authority", bump]`.
///
/// The runtime derives the PDA from the seeds, so a wrong `authority` account fails the
/// transfer as an unsigned authority.
pub struct VaultTransfer<'a> {
    pub vault: &'a AccountInfo,
    pub destination: &'a AccountInfo,
    pub authority: &'a AccountInfo,
    pub mint: &'a AccountInfo,
    pub token_program: &'a AccountInfo,
    pub authority_bump: u8,
}

impl VaultTransfer<'_> {
    /// Moves `amount` from the vault; does nothing for zero.
    pub fn invoke(&self, amount: u64) -> ProgramResult {
        if amount == 0 {
            return Ok(());
        }
        let bump = [self.authority_bump];
        let seeds = seeds!(AUTHORITY_SEED, bump);
        TransferChecked {
            source: self.vault,
            mint: self.mint,
            destination: self.destination,
            authority: self.authority,
            amount,
            decimals: DECIMALS,
            token_program: self.token_program,
        }
        .invoke_signed(&[Signer::from(&seeds)])
    }
}
