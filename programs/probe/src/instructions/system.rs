//! `create_vault` and `transfer_from_wallet`: System program CPIs signed by a PDA.

use kgpu_framework::cpi::system::{CreateProgramAccount, Transfer};
use kgpu_framework::pda::check_program_address;
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::SYSTEM_PROGRAM_ID;

/// Seed of a payer's vault PDA: `["vault", payer, bump]`.
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of the probe's system-owned wallet PDA: `["wallet", bump]`.
pub const WALLET_SEED: &[u8] = b"wallet";

/// `create_vault`: creates the payer's rent-exempt vault PDA, owned by this program, also when
/// the address was funded beforehand.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` payer
///   1. `[WRITE]` vault, the PDA of `["vault", payer, bump]`
///   2. `[]` System program
/// Data: `[0..8]` space u64, `[8]` bump u8.
pub fn process_create_vault(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [payer, vault, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let space = reader.read_u64()?;
    let bump = reader.read_u8()?;
    reader.finish()?;

    payer.check_signer()?;
    payer.check_writable()?;
    vault.check_writable()?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;
    check_program_address(&[VAULT_SEED, payer.key()], bump, program_id, vault.key())?;

    let bump_seed = [bump];
    let vault_seeds = seeds!(VAULT_SEED, payer.key(), bump_seed);
    CreateProgramAccount { payer, account: vault, space, owner: program_id }.invoke_signed(&[Signer::from(&vault_seeds)])
}

/// `transfer_from_wallet`: moves lamports out of the probe's system-owned wallet PDA.
///
/// Accounts:
///   0. `[WRITE]` wallet, the PDA of `["wallet", bump]`, owned by the System program
///   1. `[WRITE]` recipient
///   2. `[]` System program
/// Data: `[0..8]` lamports u64, `[8]` bump u8.
pub fn process_transfer_from_wallet(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [wallet, recipient, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let lamports = reader.read_u64()?;
    let bump = reader.read_u8()?;
    reader.finish()?;

    wallet.check_writable()?;
    recipient.check_writable()?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;
    check_program_address(&[WALLET_SEED], bump, program_id, wallet.key())?;

    let bump_seed = [bump];
    let wallet_seeds = seeds!(WALLET_SEED, bump_seed);
    Transfer { from: wallet, to: recipient, lamports }.invoke_signed(&[Signer::from(&wallet_seeds)])
}

/// `close_vault`: closes an account owned by this program and sends its lamports to the
/// recipient.
///
/// Accounts:
///   0. `[WRITE]` account owned by this program
///   1. `[WRITE]` recipient
pub fn process_close_vault(program_id: &Pubkey, accounts: &[AccountInfo]) -> ProgramResult {
    let [vault, recipient, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    vault.check_owner(program_id)?;
    vault.close_to(recipient)
}
