//! Token-2022 CPIs: mint creation with extensions and metadata, token accounts, minting,
//! burning, transfers, freezing and associated token accounts.
//!
//! The probe's mint uses one PDA, `["authority", bump]`, as mint authority, freeze authority,
//! permanent delegate, metadata-pointer authority and metadata update authority, so every token
//! instruction below is signed with those seeds.
//!
//! Only `create_mint` checks the authority account against the seeds, because it writes that
//! address into the mint. The signed CPIs need no check: the runtime derives the signer from the
//! seeds, and an authority account with any other address makes the CPI fail with
//! `PrivilegeEscalation`. This saves one `create_program_address` (1,500 compute units).

use kgpu_framework::cpi::ata;
use kgpu_framework::cpi::system::CreateAccount;
use kgpu_framework::cpi::token2022::{
    check_token_2022_program, token_metadata_len, AccountState, Burn, InitializeAccount3,
    InitializeDefaultAccountState, InitializeMetadataPointer, InitializeMint2, InitializePermanentDelegate,
    InitializeTokenMetadata, MintTo, SetFrozen, TransferChecked, ACCOUNT_LEN, MINT_WITH_KGPU_EXTENSIONS_LEN,
};
use kgpu_framework::pda::check_program_address;
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::{SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::return_data::set_return_data;
use kgpu_framework::sysvars::Rent;

/// Seed of the probe's token authority PDA: `["authority", bump]`.
pub const AUTHORITY_SEED: &[u8] = b"authority";

/// Checks that `authority` is the PDA of `["authority", bump]`.
fn check_authority(program_id: &Pubkey, authority: &AccountInfo, bump: u8) -> ProgramResult {
    check_program_address(&[AUTHORITY_SEED], bump, program_id, authority.key())
}

/// Reads an optional decimals argument: a flag byte, then the decimals byte.
fn read_decimals(reader: &mut Reader) -> Result<Option<u8>, ProgramError> {
    let checked = reader.read_u8()?;
    let decimals = reader.read_u8()?;
    Ok(if checked != 0 { Some(decimals) } else { None })
}

/// `create_mint`: creates and initializes a Token-2022 mint with `MetadataPointer` (to itself),
/// `DefaultAccountState` (frozen) and `PermanentDelegate`, funded for the token metadata that
/// `init_metadata` adds. The strings are read only to size that metadata.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` payer
///   1. `[WRITE, SIGNER]` mint, a new keypair
///   2. `[]` authority PDA `["authority", bump]`
///   3. `[]` Token-2022 program
///   4. `[]` System program
/// Data: `[0]` decimals u8, `[1]` bump u8, then name, symbol and uri as Borsh strings.
pub fn process_create_mint(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [payer, mint, authority, token_program, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let decimals = reader.read_u8()?;
    let bump = reader.read_u8()?;
    let name = reader.read_str()?;
    let symbol = reader.read_str()?;
    let uri = reader.read_str()?;
    reader.finish()?;

    payer.check_signer()?;
    mint.check_signer()?;
    mint.check_writable()?;
    check_authority(program_id, authority, bump)?;
    check_token_2022_program(token_program)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    // The mint is created at its size without metadata but funded for the size with it,
    // because Token-2022 grows the account when it writes the metadata.
    let full_len = MINT_WITH_KGPU_EXTENSIONS_LEN + token_metadata_len(name.len(), symbol.len(), uri.len());
    let lamports = Rent::get()?.minimum_balance(full_len)?;
    CreateAccount {
        from: payer,
        to: mint,
        lamports,
        space: MINT_WITH_KGPU_EXTENSIONS_LEN as u64,
        owner: &TOKEN_2022_PROGRAM_ID,
    }
    .invoke()?;

    let authority_key = authority.key();
    InitializeMetadataPointer { mint, authority: Some(authority_key), metadata_address: Some(mint.key()), token_program }
        .invoke()?;
    InitializeDefaultAccountState { mint, state: AccountState::Frozen, token_program }.invoke()?;
    InitializePermanentDelegate { mint, delegate: authority_key, token_program }.invoke()?;
    InitializeMint2 { mint, decimals, mint_authority: authority_key, freeze_authority: Some(authority_key), token_program }
        .invoke()?;

    Ok(())
}

/// `init_metadata`: writes name, symbol and URI into the probe's mint with the token-metadata
/// interface, signed by the authority PDA as mint authority.
///
/// Accounts:
///   0. `[WRITE]` mint, created by `create_mint`
///   1. `[]` authority PDA `["authority", bump]`
///   2. `[]` Token-2022 program
/// Data: `[0]` bump u8, then name, symbol and uri as Borsh strings.
pub fn process_init_metadata(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [mint, authority, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let bump = reader.read_u8()?;
    let name = reader.read_str()?;
    let symbol = reader.read_str()?;
    let uri = reader.read_str()?;
    reader.finish()?;

    mint.check_writable()?;
    mint.check_owner(&TOKEN_2022_PROGRAM_ID)?;

    let bump_seed = [bump];
    let authority_seeds = seeds!(AUTHORITY_SEED, bump_seed);
    InitializeTokenMetadata {
        metadata: mint,
        update_authority: authority,
        mint,
        mint_authority: authority,
        name,
        symbol,
        uri,
        token_program,
    }
    .invoke_signed(&[Signer::from(&authority_seeds)])
}

/// `create_token_account`: creates a 165-byte Token-2022 account and initializes it for
/// `owner`. With the probe's mint the account starts frozen.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` payer
///   1. `[WRITE, SIGNER]` token account, a new keypair
///   2. `[]` mint
///   3. `[]` owner
///   4. `[]` Token-2022 program
///   5. `[]` System program
pub fn process_create_token_account(accounts: &[AccountInfo]) -> ProgramResult {
    let [payer, account, mint, owner, token_program, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    payer.check_signer()?;
    account.check_signer()?;
    mint.check_owner(&TOKEN_2022_PROGRAM_ID)?;
    check_token_2022_program(token_program)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    let lamports = Rent::get()?.minimum_balance(ACCOUNT_LEN)?;
    CreateAccount { from: payer, to: account, lamports, space: ACCOUNT_LEN as u64, owner: &TOKEN_2022_PROGRAM_ID }
        .invoke()?;
    InitializeAccount3 { account, mint, owner: owner.key(), token_program }.invoke()
}

/// `set_frozen`: freezes or thaws a token account with the authority PDA.
///
/// Accounts:
///   0. `[WRITE]` token account
///   1. `[]` mint
///   2. `[]` authority PDA
///   3. `[]` Token-2022 program
/// Data: `[0]` freeze u8 (1 freezes, 0 thaws), `[1]` bump u8.
pub fn process_set_frozen(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [account, mint, authority, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let freeze = reader.read_u8()? != 0;
    let bump = reader.read_u8()?;
    reader.finish()?;

    let bump_seed = [bump];
    let authority_seeds = seeds!(AUTHORITY_SEED, bump_seed);
    SetFrozen { account, mint, freeze_authority: authority, freeze, token_program }
        .invoke_signed(&[Signer::from(&authority_seeds)])
}

/// `mint_to`: mints with the authority PDA, with `MintToChecked` when the flag is set.
///
/// Accounts:
///   0. `[WRITE]` mint
///   1. `[WRITE]` token account
///   2. `[]` authority PDA
///   3. `[]` Token-2022 program
/// Data: `[0..8]` amount u64, `[8]` checked flag u8, `[9]` decimals u8, `[10]` bump u8.
pub fn process_mint_to(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [mint, account, authority, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let amount = reader.read_u64()?;
    let decimals = read_decimals(&mut reader)?;
    let bump = reader.read_u8()?;
    reader.finish()?;

    let bump_seed = [bump];
    let authority_seeds = seeds!(AUTHORITY_SEED, bump_seed);
    MintTo { mint, account, authority, amount, decimals, token_program }.invoke_signed(&[Signer::from(&authority_seeds)])
}

/// `burn`: burns from any token account of the mint, as its permanent delegate.
///
/// Accounts:
///   0. `[WRITE]` token account
///   1. `[WRITE]` mint
///   2. `[]` authority PDA
///   3. `[]` Token-2022 program
/// Data: `[0..8]` amount u64, `[8]` checked flag u8, `[9]` decimals u8, `[10]` bump u8.
pub fn process_burn(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [account, mint, authority, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let amount = reader.read_u64()?;
    let decimals = read_decimals(&mut reader)?;
    let bump = reader.read_u8()?;
    reader.finish()?;

    let bump_seed = [bump];
    let authority_seeds = seeds!(AUTHORITY_SEED, bump_seed);
    Burn { account, mint, authority, amount, decimals, token_program }.invoke_signed(&[Signer::from(&authority_seeds)])
}

/// `transfer_checked`: moves tokens between accounts as the mint's permanent delegate.
///
/// Accounts:
///   0. `[WRITE]` source token account
///   1. `[]` mint
///   2. `[WRITE]` destination token account
///   3. `[]` authority PDA
///   4. `[]` Token-2022 program
/// Data: `[0..8]` amount u64, `[8]` decimals u8, `[9]` bump u8.
pub fn process_transfer_checked(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [source, mint, destination, authority, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let amount = reader.read_u64()?;
    let decimals = reader.read_u8()?;
    let bump = reader.read_u8()?;
    reader.finish()?;

    let bump_seed = [bump];
    let authority_seeds = seeds!(AUTHORITY_SEED, bump_seed);
    TransferChecked { source, mint, destination, authority, amount, decimals, token_program }
        .invoke_signed(&[Signer::from(&authority_seeds)])
}

/// `create_ata`: creates the wallet's associated Token-2022 account and returns the address
/// the framework derived for it.
///
/// Accounts:
///   0. `[WRITE, SIGNER]` payer
///   1. `[WRITE]` associated token account
///   2. `[]` wallet
///   3. `[]` mint
///   4. `[]` System program
///   5. `[]` Token-2022 program
///   6. `[]` Associated Token Account program
/// Data: `[0]` idempotent u8.
pub fn process_create_ata(accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [payer, account, wallet, mint, system_program, token_program, ata_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut reader = Reader::new(args);
    let idempotent = reader.read_u8()? != 0;
    reader.finish()?;

    let (address, _bump) = ata::find_address(wallet.key(), mint.key())?;
    account.check_address(&address)?;
    ata::Create { payer, account, wallet, mint, system_program, token_program, ata_program, idempotent }
        .invoke_signed(&[])?;
    set_return_data(&address)
}
