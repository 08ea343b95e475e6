//! Associated Token Account program: `Create` and `CreateIdempotent`, and address derivation.
//!
//! Instruction data is one byte (`spl-associated-token-account` `instruction.rs`): `0` creates
//! the account and fails if it exists, `1` succeeds without change when the account already
//! exists with the same owner and mint.
//!
//! The address is the PDA of the ATA program for the seeds
//! `[wallet, token_program_id, mint]`.

use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountInfo;
use crate::error::ProgramResult;
use crate::pda;
use crate::pubkey::{Pubkey, ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};

/// Returns the associated token account address of `wallet` for a Token-2022 `mint`, and its bump.
pub fn find_address(wallet: &Pubkey, mint: &Pubkey) -> Result<(Pubkey, u8), crate::ProgramError> {
    pda::find_program_address(&[wallet, &TOKEN_2022_PROGRAM_ID, mint], &ASSOCIATED_TOKEN_PROGRAM_ID)
}

/// Creates the associated Token-2022 account of `wallet` for `mint`.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` payer
///   1. `[WRITE]` associated token account
///   2. `[]` wallet
///   3. `[]` mint
///   4. `[]` System program
///   5. `[]` Token-2022 program
///
/// The ATA program itself must also be an account of the calling instruction.
pub struct Create<'a> {
    /// Payer of the rent.
    pub payer: &'a AccountInfo,
    /// Associated token account to create.
    pub account: &'a AccountInfo,
    /// Owner of the new account.
    pub wallet: &'a AccountInfo,
    /// Mint.
    pub mint: &'a AccountInfo,
    /// System program account, checked by address.
    pub system_program: &'a AccountInfo,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
    /// Associated Token Account program account, checked by address.
    pub ata_program: &'a AccountInfo,
    /// Succeed when the account already exists (`CreateIdempotent`).
    pub idempotent: bool,
}

impl Create<'_> {
    /// Instruction byte of `Create`.
    pub const CREATE: u8 = 0;
    /// Instruction byte of `CreateIdempotent`.
    pub const CREATE_IDEMPOTENT: u8 = 1;

    /// Invokes the instruction, signing for a PDA payer in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        self.system_program.check_program(&SYSTEM_PROGRAM_ID)?;
        self.token_program.check_program(&TOKEN_2022_PROGRAM_ID)?;
        self.ata_program.check_program(&ASSOCIATED_TOKEN_PROGRAM_ID)?;

        let data = [if self.idempotent { Self::CREATE_IDEMPOTENT } else { Self::CREATE }];
        let metas = [
            AccountMeta::writable_signer(self.payer.key()),
            AccountMeta::writable(self.account.key()),
            AccountMeta::readonly(self.wallet.key()),
            AccountMeta::readonly(self.mint.key()),
            AccountMeta::readonly(self.system_program.key()),
            AccountMeta::readonly(self.token_program.key()),
        ];
        let instruction = Instruction { program_id: &ASSOCIATED_TOKEN_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(
            &instruction,
            &[self.payer, self.account, self.wallet, self.mint, self.system_program, self.token_program],
            signers,
        )
    }
}
