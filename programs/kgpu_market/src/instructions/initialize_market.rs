//! `initialize_market`: creates the market config, the first of three setup steps.
//!
//! Only the market program's upgrade authority may call it, so nobody can front-run the
//! deployment with their own admin key. That key becomes the market admin, which runs the other
//! two steps: `initialize_carbon_mint` and `initialize_vault` for each of the four vaults. The
//! market takes no stake and opens no job until all of them ran (`MarketNotReady`).
//!
//! The market stores the K-GPU mint that the token program's config names, and the constant
//! addresses of the token config, the K-CARBON mint and the vaults from [`crate::addresses`].
//! A second call fails with `AlreadyInitialized` because the market account exists.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` admin, pays for the market account
//!   1. `[WRITE]` market, PDA `["market"]`
//!   2. `[]` K-GPU mint, the token config's mint
//!   3. `[]` token config, PDA `["config"]` of `kgpu_token`
//!   4. `[]` program data account of this program (BPF Loader Upgradeable)
//!   5. `[]` System program
//!
//! Data after the discriminator: the market parameters drawn in `MarketParams`.

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::{decode_base58, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::sysvars::Rent;

use crate::accounts::create_account;
use crate::addresses::*;
use crate::error::MarketError;
use crate::events::{FixedEvent, MARKET_INITIALIZED};
use crate::instructions::MarketParams;
use crate::state::*;
use crate::token_program::TokenConfig;

/// `BPFLoaderUpgradeab1e11111111111111111111111`.
const BPF_LOADER_UPGRADEABLE_ID: Pubkey = decode_base58("BPFLoaderUpgradeab1e11111111111111111111111");
/// Program data: u32 state tag 3, u64 slot, then `Option<Pubkey>` upgrade authority.
const PROGRAM_DATA_TAG: u8 = 3;
const PROGRAM_DATA_AUTHORITY_OPTION: usize = 12;
const PROGRAM_DATA_AUTHORITY: usize = 13;

/// The `MarketInitialized` event. In Borsh its integers after `fee_bps` sit at odd offsets, so
/// they are byte arrays here. That gives the struct alignment 1 and no padding.
#[repr(C)]
struct MarketInitialized {
    discriminator: [u8; 8],
    market: Pubkey,
    admin: Pubkey,
    kgpu_mint: Pubkey,
    carbon_mint: Pubkey,
    fee_bps: [u8; 2],
    min_stake_per_gpu: [u8; 8],
    unbonding_period: [u8; 8],
    grid_gco2_per_kwh: [u8; 4],
}

const _: () = assert!(core::mem::size_of::<MarketInitialized>() == 8 + 32 * 4 + 2 + 8 + 8 + 4);
// SAFETY: `#[repr(C)]` of byte arrays only, so alignment 1 and no padding.
unsafe impl FixedEvent for MarketInitialized {}

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [admin, market_account, kgpu_mint, token_config, program_data, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let params = MarketParams::read(&mut Reader::new(args))?;

    // Validate the admin: signer and upgrade authority of this program.
    admin.check_signer()?;
    admin.check_writable()?;
    check_upgrade_authority(program_data, admin.key())?;

    // Validate the token program's config and the K-GPU mint it names.
    token_config.check_address(&TOKEN_CONFIG_ADDRESS)?;
    let config = TokenConfig::load(token_config)?;
    kgpu_mint.check_address(config.mint())?;
    kgpu_mint.check_owner(&TOKEN_2022_PROGRAM_ID)?;
    drop(config);
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    // Create the market account; the runtime checks the address against the seeds.
    market_account.check_address(&MARKET_ADDRESS)?;
    let bump = [MARKET_BUMP];
    let space = Market::LEN as u64;
    let new = CreateProgramAccount { payer: admin, account: market_account, space, owner: program_id };
    create_account(&new, &Rent::get()?, &seeds!(MARKET_SEED, bump))?;

    // Write the market. `initialized_parts` stays 0 until the other setup steps run.
    let mut market = init::<Market>(market_account, program_id)?;
    market.admin = *admin.key();
    market.kgpu_mint = *kgpu_mint.key();
    market.carbon_mint = CARBON_MINT_ADDRESS;
    market.token_config = TOKEN_CONFIG_ADDRESS;
    market.stake_vault = STAKE_VAULT_ADDRESS;
    market.reward_vault = REWARD_VAULT_ADDRESS;
    market.insurance_vault = INSURANCE_VAULT_ADDRESS;
    market.escrow_vault = ESCROW_VAULT_ADDRESS;
    market.bump = MARKET_BUMP;
    market.authority_bump = AUTHORITY_BUMP;
    params.write(&mut market);

    MarketInitialized {
        discriminator: MARKET_INITIALIZED,
        market: MARKET_ADDRESS,
        admin: *admin.key(),
        kgpu_mint: *kgpu_mint.key(),
        carbon_mint: CARBON_MINT_ADDRESS,
        fee_bps: params.fee_bps.to_le_bytes(),
        min_stake_per_gpu: params.min_stake_per_gpu.to_le_bytes(),
        unbonding_period: params.unbonding_period.to_le_bytes(),
        grid_gco2_per_kwh: params.grid_gco2_per_kwh.to_le_bytes(),
    }
    .emit()
}

/// Checks that `program_data` is this program's program data account and that its upgrade
/// authority is `admin`.
fn check_upgrade_authority(program_data: &AccountInfo, admin: &Pubkey) -> ProgramResult {
    program_data.check_address(&PROGRAM_DATA_ADDRESS)?;
    program_data.check_owner(&BPF_LOADER_UPGRADEABLE_ID)?;
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
