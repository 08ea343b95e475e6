//! `settle_receipt`: pays one usage receipt that the oracle quorum signed (message kind 16).
//!
//! In one instruction: payment = `gpu_seconds * price_per_gpu_hour / 3600` rounded down and
//! capped at the job's escrow; fee = `payment * fee_bps / 10,000` rounded down, booked for
//! stakers; the rest to the provider; one K-CARBON per renewable Wh minted to the provider;
//! `(energy_wh - renewable_wh) * grid_gco2_per_kwh / 1000` grams of CO2 recorded; and a receipt
//! record created at `["receipt", job, sequence]`.
//!
//! The fee raises the reward accumulator at once, so only stake active now earns it, but its
//! tokens stay in the escrow vault and are added to `Market::unswept_fees`. `sweep_fees` or the
//! next `claim_rewards` moves them to the reward vault, which saves a token transfer per receipt.
//!
//! Each (job, sequence) settles at most once: the sequence must be above the job's last settled
//! sequence, and the receipt record at that address cannot be created twice. The record's bump
//! comes from the data and is checked by the runtime when it signs for the PDA; the sequence
//! check is what rejects a replay at another bump.
//!
//! Accounts:
//!   0. `[WRITE, SIGNER]` payer of the receipt record
//!   1. `[WRITE]` market
//!   2. `[]` token config, the address the market stores
//!   3. `[WRITE]` job, the payload's job
//!   4. `[WRITE]` provider, the job's provider
//!   5. `[WRITE]` receipt record, PDA `["receipt", job, sequence as u64 LE]`
//!   6. `[WRITE]` escrow vault
//!   7. `[WRITE]` provider's K-GPU token account, owned by the job's provider authority
//!   8. `[WRITE]` K-CARBON mint
//!   9. `[WRITE]` provider's K-CARBON token account, owned by the job's provider authority
//!  10. `[]` authority, PDA `["authority"]`
//!  11. `[]` K-GPU mint
//!  12. `[]` instructions sysvar
//!  13. `[]` Token-2022 program
//!  14. `[]` System program
//!
//! The reward vault is not an account of this instruction, because settlement moves no tokens
//! into it.
//!
//! Data after the discriminator (the first 112 bytes are the signed payload):
//!
//! ```text
//! 0    32  job            Pubkey
//! 32   8   sequence       u64, above the job's last settled sequence
//! 40   8   gpu_seconds    u64, at most (window_end - window_start) * gpu_count
//! 48   8   window_start   i64 unix seconds
//! 56   8   window_end     i64 unix seconds, after window_start
//! 64   8   energy_wh      u64
//! 72   8   renewable_wh   u64, at most energy_wh
//! 80   32  usage_hash     sha256 of the provider's signed receipt body
//! 112  1   receipt_bump   bump of the receipt record PDA
//! ```

use kgpu_framework::cpi::system::CreateProgramAccount;
use kgpu_framework::cpi::token2022::{MintTo, TransferChecked};
use kgpu_framework::math::{bps_of_floor, checked_mul, mul_div_floor};
use kgpu_framework::prelude::*;
use kgpu_framework::pubkey::SYSTEM_PROGRAM_ID;
use kgpu_framework::sysvars::{Clock, Rent};

use crate::accounts::{check_key, check_token_account, create_account};
use crate::error::MarketError;
use crate::events::{FixedEvent, ReceiptSettled, RECEIPT_SETTLED};
use crate::quorum::{self, read_payload, KIND_SETTLE_RECEIPT, PAYLOAD_LEN};
use crate::rewards;
use crate::state::*;
use crate::token_program::TokenConfig;
use crate::vault::DECIMALS;

/// Seconds in one hour, the unit of `price_per_gpu_hour`.
const SECONDS_PER_HOUR: u64 = 3600;
/// Wh in one kWh, the unit of `grid_gco2_per_kwh`.
const WH_PER_KWH: u64 = 1000;

/// The signed fields of a kind-16 payload, in message order. Every integer sits at a multiple
/// of 8, so the payload is read in place.
#[repr(C)]
struct UsageReceipt {
    job: Pubkey,
    sequence: u64,
    gpu_seconds: u64,
    window_start: i64,
    window_end: i64,
    energy_wh: u64,
    renewable_wh: u64,
    usage_hash: [u8; 32],
}

const _: () = assert!(core::mem::size_of::<UsageReceipt>() == PAYLOAD_LEN);

/// The amounts one receipt moves, computed before any write.
struct Settlement {
    payment: u64,
    fee: u64,
    provider_amount: u64,
    co2_grams: u64,
}

// The three bookings are separate functions so that each keeps its account's address in a
// register. Inlined into `process`, every counter update reloaded spilled values from the stack,
// and settlement cost 16 compute units more (bench/cu_market.py).
impl Settlement {
    #[inline(never)]
    fn book_job(&self, job: &mut Job, receipt: &UsageReceipt) -> ProgramResult {
        job.escrowed.decrease(self.payment)?;
        job.paid.increase(self.provider_amount)?;
        job.fees.increase(self.fee)?;
        job.last_sequence = receipt.sequence;
        job.receipt_count.increase(1)?;
        job.gpu_seconds.increase(receipt.gpu_seconds)?;
        job.energy_wh.increase(receipt.energy_wh)?;
        job.renewable_wh.increase(receipt.renewable_wh)?;
        job.co2_grams.increase(self.co2_grams)
    }

    #[inline(never)]
    fn book_provider(&self, provider: &mut Provider, receipt: &UsageReceipt) -> ProgramResult {
        provider.total_earned.increase(self.provider_amount)?;
        provider.carbon_credits.increase(receipt.renewable_wh)?;
        provider.co2_grams.increase(self.co2_grams)?;
        provider.gpu_seconds.increase(receipt.gpu_seconds)?;
        provider.receipt_count.increase(1)
    }

    /// Books the payment and the fee in the market totals and shares the fee among the active
    /// stake, whose tokens stay in the escrow vault as unswept fees.
    #[inline(never)]
    fn book_market(&self, market: &mut Market, receipt: &UsageReceipt) -> ProgramResult {
        market.total_escrowed.decrease(self.payment)?;
        market.total_paid.increase(self.provider_amount)?;
        market.total_fees.increase(self.fee)?;
        market.unswept_fees.increase(self.fee)?;
        market.total_renewable_wh.increase(receipt.renewable_wh)?;
        market.total_co2_grams.increase(self.co2_grams)?;
        rewards::distribute(market, self.fee)
    }
}

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [payer, market_account, token_config, job_account, provider_account, receipt_account, escrow_vault, provider_token, carbon_mint, provider_carbon, vault_authority, mint, instructions_sysvar, token_program, system_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if args.len() != PAYLOAD_LEN + 1 {
        return Err(ProgramError::InvalidInstructionData);
    }
    let payload = read_payload(args)?;
    // SAFETY: `read_payload` returned 112 bytes at an 8-byte aligned address, and any bytes
    // are a valid `UsageReceipt`.
    let receipt = unsafe { &*(payload.as_ptr() as *const UsageReceipt) };
    let receipt_bump = args[PAYLOAD_LEN];

    // Validate the market, its vaults and mints.
    payer.check_signer()?;
    let mut market = load_mut::<Market>(market_account, program_id)?;
    check_key(token_config, &market.token_config)?;
    check_key(escrow_vault, &market.escrow_vault)?;
    check_key(carbon_mint, &market.carbon_mint)?;
    check_key(mint, &market.kgpu_mint)?;
    system_program.check_program(&SYSTEM_PROGRAM_ID)?;

    // Validate the job, its provider and the provider's token accounts.
    check_key(job_account, &receipt.job)?;
    let mut job = load_mut::<Job>(job_account, program_id)?;
    if job.status != JOB_OPEN {
        return Err(MarketError::JobClosed.into());
    }
    if receipt.sequence <= job.last_sequence {
        return Err(MarketError::ReceiptAlreadySettled.into());
    }
    check_key(provider_account, &job.provider)?;
    let mut provider = load_mut::<Provider>(provider_account, program_id)?;
    check_token_account(provider_token, &market.kgpu_mint, &job.provider_authority)?;
    check_token_account(provider_carbon, &market.carbon_mint, &job.provider_authority)?;

    // Validate the receipt's figures.
    if receipt.window_start < 0
        || receipt.window_end <= receipt.window_start
        || receipt.renewable_wh > receipt.energy_wh
    {
        return Err(MarketError::InvalidReceipt.into());
    }
    // Both ends are non-negative and end > start, so the difference fits and is positive.
    let window = (receipt.window_end - receipt.window_start) as u64;
    if receipt.gpu_seconds > checked_mul(window, job.gpu_count as u64)? {
        return Err(MarketError::InvalidReceipt.into());
    }

    // Verify the oracle quorum over the payload.
    let config = TokenConfig::load(token_config)?;
    quorum::check(program_id, &config, instructions_sysvar, KIND_SETTLE_RECEIPT, payload)?;
    drop(config);

    // Compute payment, fee and emissions.
    // A price too large for u64 is above any escrow, so an overflow pays the whole escrow rather
    // than failing: a renter cannot pick a price that makes every receipt unpayable. The divisor
    // is a non-zero constant, so overflow is the only error mul_div_floor can return here.
    let payment = match mul_div_floor(receipt.gpu_seconds, job.price_per_gpu_hour, SECONDS_PER_HOUR) {
        Ok(full_price) => full_price.min(job.escrowed),
        Err(_) => job.escrowed,
    };
    let fee = bps_of_floor(payment, market.fee_bps)?;
    let provider_amount = payment - fee;
    let non_renewable_wh = receipt.energy_wh - receipt.renewable_wh;
    let co2_grams = mul_div_floor(non_renewable_wh, market.grid_gco2_per_kwh as u64, WH_PER_KWH)?;

    // Update the job, provider and market.
    let settlement = Settlement { payment, fee, provider_amount, co2_grams };
    settlement.book_job(&mut job, receipt)?;
    settlement.book_provider(&mut provider, receipt)?;
    settlement.book_market(&mut market, receipt)?;

    // Create the receipt record; the runtime checks the address against the seeds.
    let sequence_bytes = receipt.sequence.to_le_bytes();
    let bump = [receipt_bump];
    let new = CreateProgramAccount { payer, account: receipt_account, space: Receipt::LEN as u64, owner: program_id };
    create_account(&new, &Rent::get()?, &seeds!(RECEIPT_SEED, job_account.key(), sequence_bytes, bump))?;

    // Pay the provider, leaving the fee in the escrow vault, and mint the carbon credits. Both
    // CPIs share one signer, the authority PDA.
    let authority_seed = [market.authority_bump];
    let seeds = seeds!(AUTHORITY_SEED, authority_seed);
    let signer = [Signer::from(&seeds)];
    if provider_amount > 0 {
        TransferChecked {
            source: escrow_vault,
            mint,
            destination: provider_token,
            authority: vault_authority,
            amount: provider_amount,
            decimals: DECIMALS,
            token_program,
        }
        .invoke_signed(&signer)?;
    }
    if receipt.renewable_wh > 0 {
        MintTo {
            mint: carbon_mint,
            account: provider_carbon,
            authority: vault_authority,
            amount: receipt.renewable_wh,
            decimals: Some(DECIMALS),
            token_program,
        }
        .invoke_signed(&signer)?;
    }

    // Write the receipt record.
    let clock = Clock::get()?;
    let mut record = init::<Receipt>(receipt_account, program_id)?;
    record.job = *job_account.key();
    record.sequence = receipt.sequence;
    record.gpu_seconds = receipt.gpu_seconds;
    record.window_start = receipt.window_start;
    record.window_end = receipt.window_end;
    record.energy_wh = receipt.energy_wh;
    record.renewable_wh = receipt.renewable_wh;
    record.usage_hash = receipt.usage_hash;
    record.payment = payment;
    record.fee = fee;
    record.co2_grams = co2_grams;
    record.settled_at = clock.unix_timestamp;
    record.slot = clock.slot;
    record.provider = *provider_account.key();
    record.bump = receipt_bump;

    ReceiptSettled {
        discriminator: RECEIPT_SETTLED,
        job: *job_account.key(),
        sequence: receipt.sequence,
        gpu_seconds: receipt.gpu_seconds,
        payment,
        fee,
        carbon_credits: receipt.renewable_wh,
        co2_grams,
    }
    .emit()
}
