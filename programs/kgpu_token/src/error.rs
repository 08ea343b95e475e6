//! Errors of the K-GPU token program.
//!
//! Each variant is returned as `ProgramError::Custom(6000 + discriminant)`, the range Anchor
//! reserves for program errors, so Anchor clients and the IDL `errors` list decode it. Variants
//! after `NotUpgradeAuthority` carry explicit discriminants, so the codes of existing variants
//! never move and the IDL list may have gaps.

use kgpu_framework::ProgramError;

/// Every error the program returns. The discriminant plus 6,000 is the on-chain error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum TokenError {
    // 6000
    /// The instruction data is too short, has an unknown discriminator or an invalid field.
    InvalidInstructionData = 0,
    /// Fewer accounts than the instruction needs.
    NotEnoughAccounts,
    /// More accounts than the program accepts.
    TooManyAccounts,
    /// A required signer did not sign.
    MissingSigner,
    /// An account that is written is not marked writable.
    NotWritable,
    // 6005
    /// An account is owned by the wrong program.
    InvalidOwner,
    /// An account's discriminator or size is not the expected account type.
    InvalidAccountData,
    /// An account's address is not the expected one (PDA, mint, sysvar or program).
    InvalidAddress,
    /// Reserved for one account passed as two distinct writable accounts. Not returned yet,
    /// because the owner, discriminator and address checks reject such accounts first.
    DuplicateAccount,
    /// The signer is not the admin or registry authority the config stores.
    Unauthorized,
    // 6010
    /// The account an instruction creates (config, mint, redemption request) already exists.
    AlreadyInitialized,
    /// The oracle set is empty, too large, has duplicates or an invalid threshold.
    InvalidOracleSet,
    /// A parameter is out of range.
    InvalidParams,
    /// Fewer than the threshold of distinct oracle keys signed the expected message.
    QuorumNotReached,
    /// An Ed25519 precompile instruction is malformed or points into another instruction.
    InvalidEd25519Instruction,
    // 6015
    /// The attestation sequence is not greater than the latest one.
    StaleSequence,
    /// The valuation time is later than the cluster clock.
    FutureValuation,
    /// No attestation exists, or the latest one is older than the maximum age.
    StaleAttestation,
    /// Minting is paused.
    MintPaused,
    /// The KYC record is revoked or has level 0.
    KycInvalid,
    // 6020
    /// The KYC record has expired.
    KycExpired,
    /// The KYC record's jurisdiction is on the blocked list.
    JurisdictionBlocked,
    /// Supply after the mint would exceed the collateral capacity.
    CapacityExceeded,
    /// The deposit id was applied before.
    DepositAlreadyApplied,
    /// An arithmetic operation overflowed.
    Overflow,
    // 6025
    /// The amount is zero.
    InvalidAmount,
    /// The redemption was already paid with a different payment reference.
    RedemptionAlreadyPaid,
    /// The token account is not a K-GPU account of the expected owner.
    InvalidTokenAccount,
    /// The token account owner is not a PDA of an approved program.
    ProgramNotApproved,
    /// A seed set has no off-curve address or does not derive the expected address.
    InvalidSeeds,
    // 6030
    /// The Rent sysvar has an exemption threshold this program cannot compute with.
    UnsupportedRent,
    /// A cross-program invocation returned an error without aborting the transaction.
    CpiFailed,
    /// The signer of `initialize` is not the program's upgrade authority.
    NotUpgradeAuthority,
    /// The program runs at an id other than `addresses::ID`, for which its constant PDAs hold.
    ProgramIdMismatch = 33,
    /// The deposit record PDA `["deposit", deposit_id]` has a canonical bump below 255.
    DepositIdNotCanonical = 34,
    /// The redemption PDA `["redemption", holder, nonce]` has a canonical bump below 255.
    RedemptionNonceNotCanonical = 35,
    /// The config does not exist yet: run `initialize` first.
    NotInitialized = 36,
    // 6040
    /// The token account's owner is a PDA, so a program books its balance and `seize` cannot
    /// burn from it.
    ProtectedAccount = 40,
}

/// First code of program errors, as Anchor numbers them.
pub const ERROR_CODE_OFFSET: u32 = 6000;

impl TokenError {
    /// Returns the code the entrypoint hands back to the runtime.
    #[cold]
    pub fn code(self) -> u64 {
        (ERROR_CODE_OFFSET + self as u32) as u64
    }

    /// Maps the error of a framework CPI builder to `CpiFailed`.
    ///
    /// The runtime aborts the transaction when the callee fails, so this is reached only when
    /// the framework rejects the call before invoking it (a borrowed account).
    #[cold]
    pub fn cpi_failed(_error: ProgramError) -> TokenError {
        TokenError::CpiFailed
    }

    /// Returns the variant name, as the IDL `errors` list spells it.
    #[cold]
    pub fn name(self) -> &'static str {
        match self {
            TokenError::InvalidInstructionData => "InvalidInstructionData",
            TokenError::NotEnoughAccounts => "NotEnoughAccounts",
            TokenError::TooManyAccounts => "TooManyAccounts",
            TokenError::MissingSigner => "MissingSigner",
            TokenError::NotWritable => "NotWritable",
            TokenError::InvalidOwner => "InvalidOwner",
            TokenError::InvalidAccountData => "InvalidAccountData",
            TokenError::InvalidAddress => "InvalidAddress",
            TokenError::DuplicateAccount => "DuplicateAccount",
            TokenError::Unauthorized => "Unauthorized",
            TokenError::AlreadyInitialized => "AlreadyInitialized",
            TokenError::InvalidOracleSet => "InvalidOracleSet",
            TokenError::InvalidParams => "InvalidParams",
            TokenError::QuorumNotReached => "QuorumNotReached",
            TokenError::InvalidEd25519Instruction => "InvalidEd25519Instruction",
            TokenError::StaleSequence => "StaleSequence",
            TokenError::FutureValuation => "FutureValuation",
            TokenError::StaleAttestation => "StaleAttestation",
            TokenError::MintPaused => "MintPaused",
            TokenError::KycInvalid => "KycInvalid",
            TokenError::KycExpired => "KycExpired",
            TokenError::JurisdictionBlocked => "JurisdictionBlocked",
            TokenError::CapacityExceeded => "CapacityExceeded",
            TokenError::DepositAlreadyApplied => "DepositAlreadyApplied",
            TokenError::Overflow => "Overflow",
            TokenError::InvalidAmount => "InvalidAmount",
            TokenError::RedemptionAlreadyPaid => "RedemptionAlreadyPaid",
            TokenError::InvalidTokenAccount => "InvalidTokenAccount",
            TokenError::ProgramNotApproved => "ProgramNotApproved",
            TokenError::InvalidSeeds => "InvalidSeeds",
            TokenError::UnsupportedRent => "UnsupportedRent",
            TokenError::CpiFailed => "CpiFailed",
            TokenError::NotUpgradeAuthority => "NotUpgradeAuthority",
            TokenError::ProgramIdMismatch => "ProgramIdMismatch",
            TokenError::DepositIdNotCanonical => "DepositIdNotCanonical",
            TokenError::RedemptionNonceNotCanonical => "RedemptionNonceNotCanonical",
            TokenError::NotInitialized => "NotInitialized",
            TokenError::ProtectedAccount => "ProtectedAccount",
        }
    }
}
