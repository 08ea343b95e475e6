//! `slash`: the oracle quorum (message kind 17) takes part of a provider's stake, for example
//! after a failed proof of compute or metering fraud, and pays it to the recipient the quorum
//! signed: the affected renter's K-GPU token account or the insurance vault.
//!
//! The amount is taken from active stake first, then from unbonding stake, and is capped at what
//! the provider has staked. The payload's `slash_sequence` must be the provider's slash counter
//! plus one, so each signed slash applies once.
//!
//! Accounts:
//!   0. `[WRITE]` market
//!   1. `[]` token config, the address the market stores
//!   2. `[WRITE]` provider, the payload's provider
//!   3. `[WRITE]` stake vault
//!   4. `[WRITE]` recipient K-GPU token account, the payload's recipient
//!   5. `[]` authority, PDA `["authority"]`
//!   6. `[]` K-GPU mint
//!   7. `[]` instructions sysvar
//!   8. `[]` Token-2022 program
//!
//! Data after the discriminator (the signed payload):
//!
//! ```text
//! 0    32  provider         Pubkey of the provider account
//! 32   8   slash_sequence   u64, the provider's slash_count + 1
//! 40   8   amount           u64 K-GPU, above zero
//! 48   32  evidence_hash    sha256 of the evidence
//! 80   32  recipient        Pubkey of the token account paid
//! ```

use kgpu_framework::prelude::*;

use crate::accounts::check_key;
use crate::error::MarketError;
use crate::events::{Event, PROVIDER_SLASHED};
use crate::quorum::{self, read_payload, KIND_SLASH, PAYLOAD_LEN};
use crate::rewards;
use crate::state::{load_mut, Counter, Market, Provider};
use crate::token_program::TokenConfig;
use crate::vault::VaultTransfer;

/// The signed fields of a kind-17 payload, in message order, read in place.
#[repr(C)]
struct SlashOrder {
    provider: Pubkey,
    slash_sequence: u64,
    amount: u64,
    evidence_hash: [u8; 32],
    recipient: Pubkey,
}

const _: () = assert!(core::mem::size_of::<SlashOrder>() == PAYLOAD_LEN);

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [market_account, token_config, provider_account, stake_vault, recipient, vault_authority, mint, instructions_sysvar, token_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if args.len() != PAYLOAD_LEN {
        return Err(ProgramError::InvalidInstructionData);
    }
    let payload = read_payload(args)?;
    // SAFETY: `read_payload` returned 112 bytes at an 8-byte aligned address, and any bytes
    // are a valid `SlashOrder`.
    let order = unsafe { &*(payload.as_ptr() as *const SlashOrder) };
    let (provider_key, slash_sequence, amount) = (&order.provider, order.slash_sequence, order.amount);
    let (evidence_hash, recipient_key) = (&order.evidence_hash, &order.recipient);
    if amount == 0 {
        return Err(MarketError::InvalidAmount.into());
    }

    // Validate the market, vault, mint and recipient.
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(token_config, &market.token_config)?;
    check_key(stake_vault, &market.stake_vault)?;
    check_key(mint, &market.kgpu_mint)?;
    check_key(recipient, recipient_key)?;
    recipient.check_writable()?;
    // Paying the stake vault itself would count stake as slashed while the tokens stay put.
    if pubkey_eq(recipient.key(), &market.stake_vault) {
        return Err(MarketError::InvalidTokenAccount.into());
    }

    // Validate the provider and the slash sequence.
    check_key(provider_account, provider_key)?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    let expected_sequence = provider.slash_count.checked_add(1).ok_or(ProgramError::ArithmeticOverflow)?;
    if slash_sequence != expected_sequence {
        return Err(MarketError::InvalidSlashSequence.into());
    }

    // Verify the oracle quorum over the payload.
    let config = TokenConfig::load(token_config)?;
    quorum::check(program_id, &config, instructions_sysvar, KIND_SLASH, payload)?;
    drop(config);

    // Take the amount from active stake, then from unbonding stake.
    let from_active = amount.min(provider.active_stake);
    let from_unbonding = (amount - from_active).min(provider.unbonding_stake);
    let slashed = from_active + from_unbonding;
    rewards::accrue(&mut provider, &market)?;
    provider.active_stake.decrease(from_active)?;
    provider.unbonding_stake.decrease(from_unbonding)?;
    provider.total_slashed.increase(slashed)?;
    provider.slash_count = slash_sequence;
    market.total_active_stake.decrease(from_active)?;
    market.total_unbonding_stake.decrease(from_unbonding)?;
    market.total_slashed.increase(slashed)?;
    rewards::reset_debt(&mut provider, &market)?;

    // Pay the recipient. The token program rejects a recipient of another mint.
    VaultTransfer {
        vault: stake_vault,
        destination: recipient,
        authority: vault_authority,
        mint,
        token_program,
        authority_bump: market.authority_bump,
    }
    .invoke(slashed)?;

    Event::new(PROVIDER_SLASHED)
        .bytes(provider_account.key())
        .u64(slash_sequence)
        .u64(slashed)
        .u64(from_active)
        .u64(from_unbonding)
        .bytes(recipient.key())
        .bytes(evidence_hash)
        .emit()
}
