//! `kgpu_probe`: a test program with one instruction per `kgpu_framework` feature.
//!
//! Every instruction takes Anchor-style data (`sha256("global:<name>")[..8]`, then fixed
//! little-endian arguments) and reports what it observed through logs, return data or an error
//! code, so `tests/programs/test_probe.py` can check each feature on the real SVM and
//! `bench/cu.py` can measure its compute units.
#![cfg_attr(not(test), no_std)]

mod error;
mod instructions;

use kgpu_framework::discriminator::{instruction_discriminator, split_discriminator};
use kgpu_framework::prelude::*;

pub use error::ProbeError;

entrypoint!(process_instruction);

/// Returns the discriminator of instruction `name` as a `u64`, so dispatch compares one word.
const fn tag(name: &str) -> u64 {
    u64::from_le_bytes(instruction_discriminator(name))
}

const ECHO: u64 = tag("echo");
const FAIL: u64 = tag("fail");
const CHECK_ACCOUNTS: u64 = tag("check_accounts");
const BORROW_TWICE: u64 = tag("borrow_twice");
const PDA_CREATE: u64 = tag("pda_create");
const PDA_FIND: u64 = tag("pda_find");
const PDA_CANONICAL: u64 = tag("pda_canonical");
const PDA_DERIVE: u64 = tag("pda_derive");
const CREATE_VAULT: u64 = tag("create_vault");
const TRANSFER_FROM_WALLET: u64 = tag("transfer_from_wallet");
const CLOSE_VAULT: u64 = tag("close_vault");
const CREATE_MINT: u64 = tag("create_mint");
const INIT_METADATA: u64 = tag("init_metadata");
const CREATE_TOKEN_ACCOUNT: u64 = tag("create_token_account");
const SET_FROZEN: u64 = tag("set_frozen");
const MINT_TO: u64 = tag("mint_to");
const BURN: u64 = tag("burn");
const TRANSFER_CHECKED: u64 = tag("transfer_checked");
const CREATE_ATA: u64 = tag("create_ata");
const READ_CLOCK: u64 = tag("read_clock");
const READ_RENT: u64 = tag("read_rent");
const INTROSPECT: u64 = tag("introspect");
const VERIFY_QUORUM: u64 = tag("verify_quorum");
const MUL_DIV: u64 = tag("mul_div");
const EMIT_EVENT: u64 = tag("emit_event");

fn process_instruction(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let (discriminator, args) = split_discriminator(data)?;
    use instructions::*;
    match u64::from_le_bytes(discriminator) {
        ECHO => echo::process(program_id, args),
        FAIL => echo::process_fail(args),
        CHECK_ACCOUNTS => accounts::process_check_accounts(program_id, accounts),
        BORROW_TWICE => accounts::process_borrow_twice(accounts),
        PDA_CREATE => pda::process_create(program_id, accounts, args),
        PDA_FIND => pda::process_find(program_id),
        PDA_CANONICAL => pda::process_canonical(program_id, args),
        PDA_DERIVE => pda::process_derive(args),
        CREATE_VAULT => system::process_create_vault(program_id, accounts, args),
        TRANSFER_FROM_WALLET => system::process_transfer_from_wallet(program_id, accounts, args),
        CLOSE_VAULT => system::process_close_vault(program_id, accounts),
        CREATE_MINT => token::process_create_mint(program_id, accounts, args),
        INIT_METADATA => token::process_init_metadata(accounts, args),
        CREATE_TOKEN_ACCOUNT => token::process_create_token_account(accounts),
        SET_FROZEN => token::process_set_frozen(accounts, args),
        MINT_TO => token::process_mint_to(accounts, args),
        BURN => token::process_burn(accounts, args),
        TRANSFER_CHECKED => token::process_transfer_checked(accounts, args),
        CREATE_ATA => token::process_create_ata(accounts, args),
        READ_CLOCK => sysvars::process_read_clock(),
        READ_RENT => sysvars::process_read_rent(args),
        INTROSPECT => sysvars::process_introspect(accounts),
        VERIFY_QUORUM => quorum::process_verify_quorum(accounts, args),
        MUL_DIV => math::process_mul_div(args),
        EMIT_EVENT => event::process_emit_event(program_id, args),
        _ => Err(ProgramError::InvalidInstructionData),
    }
}
