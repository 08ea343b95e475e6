//! `initialize_carbon_mint`: creates the K-CARBON mint, the second setup step.
//!
//! K-CARBON is a Token-2022 mint at PDA `["carbon_mint"]` with 0 decimals (1 unit = 1 Wh of
//! renewable energy), no freeze authority, and the authority PDA `["authority"]` as mint
//! authority. Only the market admin may call it. A second call fails with
//! `AlreadyInitialized` and changes nothing.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` admin, the market's admin, pays for the mint
//!   1. `[WRITE]` market
//!   2. `[WRITE]` K-CARBON mint, PDA `["carbon_mint"]`
//!   3. `[]` Token-2022 program
//!   4. `[]` System program
//!
//! No data after the discriminator.

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{check_token_2022_program, InitializeMint2, MINT_LEN};
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::{SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::sysvars::Rent;

use crate::accounts::create_account;
use crate::addresses::{AUTHORITY_ADDRESS, CARBON_MINT_ADDRESS, CARBON_MINT_BUMP};
use crate::error::MarketError;
use crate::state::*;
use crate::vault::DECIMALS;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [admin, market_account, carbon_mint, token_program, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if !args.is_empty() {
        return Err(ProgramError::InvalidInstructionData);
    }

    // Validate the admin and that the mint does not exist yet.
    admin.check_signer()?;
    admin.check_writable()?;
    let mut market = load_mut::<Market>(market_account, program_id)?;
    if !pubkey_eq(admin.key(), &market.admin) {
        return Err(MarketError::Unauthorized.into());
    }
    if market.initialized_parts & PART_CARBON_MINT != 0 {
        return Err(MarketError::AlreadyInitialized.into());
    }
    carbon_mint.check_address(&CARBON_MINT_ADDRESS)?;
    check_token_2022_program(token_program)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    // Create and initialize the mint; the runtime checks the address against the seeds.
    let bump = [CARBON_MINT_BUMP];
    let space = MINT_LEN as u64;
    let new = CreateProgramAccount { payer: admin, account: carbon_mint, space, owner: &TOKEN_2022_PROGRAM_ID };
    create_account(&new, &Rent::get()?, &seeds!(CARBON_MINT_SEED, bump))?;
    InitializeMint2 {
        mint: carbon_mint,
        decimals: DECIMALS,
        mint_authority: &AUTHORITY_ADDRESS,
        freeze_authority: None,
        token_program,
    }
    .invoke()?;

    market.initialized_parts |= PART_CARBON_MINT;
    Ok(())
}
