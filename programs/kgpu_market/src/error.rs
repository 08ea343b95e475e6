//! Custom errors of the market program, numbered from 6000 like Anchor programs.
//!
//! Builtin errors cover the generic failures: `MissingRequiredSignature`, `Immutable`,
//! `InvalidAccountOwner`, `NotEnoughAccountKeys`, `InvalidInstructionData`, `InvalidSeeds`,
//! `IncorrectProgramId`, `UnsupportedSysvar`, `AccountBorrowFailed` (a writable account passed
//! twice) and `ArithmeticOverflow`.

use kgpu_framework::ProgramError;

/// Errors of the market program. The IDL lists the same codes and names.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketError {
    // 6000
    /// The signer is not the admin, registry authority, renter or provider the account names.
    Unauthorized = 6000,
    /// A market parameter is out of range: fee above 10,000 bps, negative unbonding period,
    /// more than 16 or malformed jurisdiction codes.
    InvalidParams,
    /// An account has the wrong size or discriminator for its role.
    InvalidAccountType,
    /// An account does not match the address the market or job stores for it.
    AccountMismatch,
    /// A token account has the wrong mint or owner.
    InvalidTokenAccount,
    // 6005
    /// The provider is not approved by the registry authority.
    ProviderNotApproved,
    /// The provider's active stake is below `min_stake_per_gpu * gpu_count` when a job opens,
    /// or an unstake would take it below that while the provider has open jobs.
    InsufficientStake,
    /// The renter's KYC jurisdiction is on the market's or the token program's blocked list.
    JurisdictionBlocked,
    /// The provider's region is on the market's blocked list.
    RegionBlocked,
    /// The renter's KYC record has level 0 or is revoked.
    KycInvalid,
    // 6010
    /// The renter's KYC record expired.
    KycExpired,
    /// An amount, price, budget, GPU count or end time is zero or out of range.
    InvalidAmount,
    /// The job is closed.
    JobClosed,
    /// Someone other than the renter or the job's provider authority tried to close the job
    /// before its end time.
    JobNotEnded,
    /// The receipt's sequence is not above the job's last settled sequence.
    ReceiptAlreadySettled,
    // 6015
    /// The receipt's window, GPU-seconds or energy figures are inconsistent.
    InvalidReceipt,
    /// Fewer distinct oracles than the threshold signed the expected message.
    QuorumNotReached,
    /// The unbonding period has not passed yet.
    UnbondingNotFinished,
    /// There is no unbonding stake to withdraw.
    NothingToWithdraw,
    /// There are no rewards to claim.
    NothingToClaim,
    // 6020
    /// The slash sequence is not the provider's slash counter plus one.
    InvalidSlashSequence,
    /// The account to create already contains data or belongs to another program, or the
    /// market part to initialize already exists.
    AlreadyInitialized,
    /// The signer is not the market program's upgrade authority.
    NotUpgradeAuthority,
    /// The program runs under an id other than `addresses::ID`, the id it was built for.
    DeclaredProgramIdMismatch = 6023,
    /// The market is missing its K-CARBON mint or a vault, so it takes no stake and opens no
    /// job until `initialize_carbon_mint` and `initialize_vault` have run for every part.
    MarketNotReady = 6024,
    // 6025
    /// The job account is not PDA `["job", renter, nonce, 255]`. The program accepts only nonces
    /// whose job PDA has canonical bump 255, so the client must pick another nonce.
    InvalidJobNonce = 6025,
    /// The vault kind is not 0 (stake), 1 (reward), 2 (insurance) or 3 (escrow).
    InvalidVaultKind = 6026,
    /// The job has no refund due: it is open, its refund was paid at `close_job`, or
    /// `claim_refund` already paid it.
    NothingToRefund = 6027,
}

impl From<MarketError> for ProgramError {
    #[cold]
    fn from(error: MarketError) -> ProgramError {
        ProgramError::Custom(error as u32)
    }
}
