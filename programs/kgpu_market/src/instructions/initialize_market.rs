//! `initialize_market`: creates the market config, the K-CARBON mint and the four K-GPU vaults.
//!
//! Only the market program's upgrade authority may call it, so nobody can front-run the
//! deployment with their own admin key. The K-GPU mint and token config are taken from the token
//! program (config address derived here, then stored). K-CARBON is a Token-2022 mint with 0
//! decimals (1 unit = 1 Wh of renewable energy), no freeze authority, and the authority PDA as
//! mint authority. The vaults are token accounts owned by the authority PDA; K-GPU accounts
//! start frozen, so the token program's admin must thaw each vault with
//! `kgpu_token::thaw_program_account` (seeds `["authority", authority_bump]`) before use.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` admin, pays for the new accounts
//!   1. `[WRITE]` market, PDA `["market"]`
//!   2. `[]` authority, PDA `["authority"]`
//!   3. `[WRITE]` K-CARBON mint, PDA `["carbon_mint"]`
//!   4. `[WRITE]` stake vault, PDA `["stake_vault"]`
//!   5. `[WRITE]` reward vault, PDA `["reward_vault"]`
//!   6. `[WRITE]` insurance vault, PDA `["insurance_vault"]`
//!   7. `[WRITE]` escrow vault, PDA `["escrow_vault"]`
//!   8. `[]` K-GPU mint, the token config's mint
//!   9. `[]` token config, PDA `["config"]` of `kgpu_token`
//!  10. `[]` program data account of this program (BPF Loader Upgradeable)
//!  11. `[]` Token-2022 program
//!  12. `[]` System program
//!
//! Data after the discriminator: the market parameters drawn in `MarketParams`.

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{
    check_token_2022_program, InitializeAccount3, InitializeMint2, ACCOUNT_LEN, MINT_LEN,
};
use kgpu_framework::pda::find_program_address;
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::{decode_base58, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::sysvars::Rent;

use crate::accounts::create_account;
use crate::error::MarketError;
use crate::events::{Event, MARKET_INITIALIZED};
use crate::instructions::MarketParams;
use crate::state::*;
use crate::token_program::{TokenConfig, CONFIG_SEED, TOKEN_PROGRAM_ID};
use crate::vault::DECIMALS;

/// `BPFLoaderUpgradeab1e11111111111111111111111`.
const BPF_LOADER_UPGRADEABLE_ID: Pubkey = decode_base58("BPFLoaderUpgradeab1e11111111111111111111111");
/// Program data: u32 state tag 3, u64 slot, then `Option<Pubkey>` upgrade authority.
const PROGRAM_DATA_TAG: u8 = 3;
const PROGRAM_DATA_AUTHORITY_OPTION: usize = 12;
const PROGRAM_DATA_AUTHORITY: usize = 13;

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [admin, market_account, authority, carbon_mint, stake_vault, reward_vault, insurance_vault, escrow_vault, kgpu_mint, token_config, program_data, token_program, system_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let params = MarketParams::read(&mut Reader::new(args))?;

    // Validate the admin: signer and upgrade authority of this program.
    admin.check_signer()?;
    admin.check_writable()?;
    check_upgrade_authority(program_id, program_data, admin.key())?;

    // Validate the token program's config and the K-GPU mint it names.
    let (config_address, _) = find_program_address(&[CONFIG_SEED], &TOKEN_PROGRAM_ID)?;
    token_config.check_address(&config_address)?;
    let config = TokenConfig::load(token_config)?;
    kgpu_mint.check_address(config.mint())?;
    kgpu_mint.check_owner(&TOKEN_2022_PROGRAM_ID)?;
    drop(config);

    // Validate the programs and the authority PDA.
    check_token_2022_program(token_program)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;
    let (authority_address, authority_bump) = find_program_address(&[AUTHORITY_SEED], program_id)?;
    authority.check_address(&authority_address)?;

    // Create the market account. One rent read serves all six new accounts.
    let rent = Rent::get()?;
    let (market_address, market_bump) = find_program_address(&[MARKET_SEED], program_id)?;
    market_account.check_address(&market_address)?;
    let bump = [market_bump];
    let space = Market::LEN as u64;
    let new = CreateProgramAccount { payer: admin, account: market_account, space, owner: program_id };
    create_account(&new, &rent, &seeds!(MARKET_SEED, bump))?;

    // Create the K-CARBON mint.
    let (carbon_address, carbon_bump) = find_program_address(&[CARBON_MINT_SEED], program_id)?;
    carbon_mint.check_address(&carbon_address)?;
    let bump = [carbon_bump];
    let space = MINT_LEN as u64;
    let new = CreateProgramAccount { payer: admin, account: carbon_mint, space, owner: &TOKEN_2022_PROGRAM_ID };
    create_account(&new, &rent, &seeds!(CARBON_MINT_SEED, bump))?;
    InitializeMint2 {
        mint: carbon_mint,
        decimals: DECIMALS,
        mint_authority: &authority_address,
        freeze_authority: None,
        token_program,
    }
    .invoke()?;

    // Create the vaults, owned by the authority PDA.
    let vaults = [
        (stake_vault, STAKE_VAULT_SEED),
        (reward_vault, REWARD_VAULT_SEED),
        (insurance_vault, INSURANCE_VAULT_SEED),
        (escrow_vault, ESCROW_VAULT_SEED),
    ];
    for (vault, seed) in vaults {
        let (address, vault_bump) = find_program_address(&[seed], program_id)?;
        vault.check_address(&address)?;
        let bump = [vault_bump];
        let space = ACCOUNT_LEN as u64;
        let new = CreateProgramAccount { payer: admin, account: vault, space, owner: &TOKEN_2022_PROGRAM_ID };
        create_account(&new, &rent, &seeds!(seed, bump))?;
        InitializeAccount3 { account: vault, mint: kgpu_mint, owner: &authority_address, token_program }.invoke()?;
    }

    // Write the market.
    let mut market = init::<Market>(market_account, program_id)?;
    market.admin = *admin.key();
    market.kgpu_mint = *kgpu_mint.key();
    market.carbon_mint = carbon_address;
    market.token_config = config_address;
    market.stake_vault = *stake_vault.key();
    market.reward_vault = *reward_vault.key();
    market.insurance_vault = *insurance_vault.key();
    market.escrow_vault = *escrow_vault.key();
    market.bump = market_bump;
    market.authority_bump = authority_bump;
    params.write(&mut market);

    Event::new(MARKET_INITIALIZED)
        .bytes(market_account.key())
        .bytes(admin.key())
        .bytes(kgpu_mint.key())
        .bytes(&carbon_address)
        .u16(params.fee_bps)
        .u64(params.min_stake_per_gpu)
        .i64(params.unbonding_period)
        .u32(params.grid_gco2_per_kwh)
        .emit()
}

/// Checks that `program_data` is this program's program data account and that its upgrade
/// authority is `admin`.
fn check_upgrade_authority(program_id: &Pubkey, program_data: &AccountInfo, admin: &Pubkey) -> ProgramResult {
    program_data.check_owner(&BPF_LOADER_UPGRADEABLE_ID)?;
    let (address, _) = find_program_address(&[program_id], &BPF_LOADER_UPGRADEABLE_ID)?;
    program_data.check_address(&address)?;
    let data = program_data.try_borrow_data()?;
    if data.len() < PROGRAM_DATA_AUTHORITY + 32
        || data[0] != PROGRAM_DATA_TAG
        || data[PROGRAM_DATA_AUTHORITY_OPTION] != 1
        || data[PROGRAM_DATA_AUTHORITY..PROGRAM_DATA_AUTHORITY + 32] != admin[..]
    {
        return Err(MarketError::NotUpgradeAuthority.into());
    }
    Ok(())
}
