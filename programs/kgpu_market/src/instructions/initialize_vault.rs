//! `initialize_vault`: creates one of the four K-GPU vaults, the third setup step, run once per
//! vault kind.
//!
//! Each vault is a Token-2022 account of the K-GPU mint owned by the authority PDA
//! `["authority"]`. K-GPU accounts start frozen, so the token program's admin must thaw each
//! vault with `kgpu_token::thaw_program_account` (seeds `["authority", authority_bump]`) before
//! use. Only the market admin may call it. A second call for the same kind fails with
//! `AlreadyInitialized` and changes nothing.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` admin, the market's admin, pays for the vault
//!   1. `[WRITE]` market
//!   2. `[WRITE]` vault, PDA `["stake_vault"]`, `["reward_vault"]`, `["insurance_vault"]` or
//!      `["escrow_vault"]` by kind
//!   3. `[]` K-GPU mint, the market's
//!   4. `[]` Token-2022 program
//!   5. `[]` System program
//!
//! Data after the discriminator: `[0]` kind, u8: 0 stake, 1 reward, 2 insurance, 3 escrow.

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{check_token_2022_program, InitializeAccount3, ACCOUNT_LEN};
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::{SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::sysvars::Rent;

use crate::accounts::{check_key, create_account};
use crate::addresses::*;
use crate::error::MarketError;
use crate::state::*;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [admin, market_account, vault, kgpu_mint, token_program, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let [kind] = *args else {
        return Err(ProgramError::InvalidInstructionData);
    };
    let (seed, address, vault_bump) = match kind {
        0 => (STAKE_VAULT_SEED, &STAKE_VAULT_ADDRESS, STAKE_VAULT_BUMP),
        1 => (REWARD_VAULT_SEED, &REWARD_VAULT_ADDRESS, REWARD_VAULT_BUMP),
        2 => (INSURANCE_VAULT_SEED, &INSURANCE_VAULT_ADDRESS, INSURANCE_VAULT_BUMP),
        3 => (ESCROW_VAULT_SEED, &ESCROW_VAULT_ADDRESS, ESCROW_VAULT_BUMP),
        _ => return Err(MarketError::InvalidVaultKind.into()),
    };

    // Validate the admin, that the vault does not exist yet, and the mint.
    admin.check_signer()?;
    admin.check_writable()?;
    let mut market = load_mut::<Market>(market_account, program_id)?;
    if !pubkey_eq(admin.key(), &market.admin) {
        return Err(MarketError::Unauthorized.into());
    }
    let part = vault_part(kind);
    if market.initialized_parts & part != 0 {
        return Err(MarketError::AlreadyInitialized.into());
    }
    vault.check_address(address)?;
    check_key(kgpu_mint, &market.kgpu_mint)?;
    check_token_2022_program(token_program)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    // Create and initialize the vault; the runtime checks the address against the seeds.
    let bump = [vault_bump];
    let space = ACCOUNT_LEN as u64;
    let new = CreateProgramAccount { payer: admin, account: vault, space, owner: &TOKEN_2022_PROGRAM_ID };
    create_account(&new, &Rent::get()?, &seeds!(seed, bump))?;
    InitializeAccount3 { account: vault, mint: kgpu_mint, owner: &AUTHORITY_ADDRESS, token_program }.invoke()?;

    market.initialized_parts |= part;
    Ok(())
}
