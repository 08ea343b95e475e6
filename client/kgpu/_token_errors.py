"""Exception classes of the `kgpu_token` program's custom errors, registered for decoding.

The program returns `ProgramError::Custom(6000 + n)`, where n is the discriminant of `TokenError`
in `programs/kgpu_token/src/error.rs`, as the IDL `errors` list numbers them. Each class below is registered
with :func:`kgpu.errors.register_program_error` for the K-GPU token program id, so
:func:`kgpu.errors.decode_transaction_error` raises it. Its message is
`error.kgpu_token.<name>` in the catalogue. `kgpu.errors` imports this module, and
:mod:`kgpu.token` re-exports the classes.
"""

from __future__ import annotations

from typing import ClassVar

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu.errors import ProgramError, register_program_error

__all__ = [
    "TOKEN_ERROR_OFFSET",
    "KgpuTokenError",
    "AlreadyInitializedError",
    "ArithmeticOverflowError",
    "CapacityExceededError",
    "CpiFailedError",
    "DepositAlreadyAppliedError",
    "DepositIdNotCanonicalError",
    "DuplicateAccountError",
    "FutureValuationError",
    "InvalidAccountAddressError",
    "InvalidAccountDataError",
    "InvalidEd25519InstructionError",
    "InvalidInstructionDataError",
    "InvalidOracleSetError",
    "InvalidOwnerError",
    "InvalidParamsError",
    "InvalidSeedsError",
    "InvalidTokenAccountError",
    "JurisdictionBlockedError",
    "KycExpiredError",
    "KycInvalidError",
    "MintPausedError",
    "MissingSignerError",
    "NotEnoughAccountsError",
    "NotInitializedError",
    "NotUpgradeAuthorityError",
    "NotWritableError",
    "ProgramIdMismatchError",
    "ProgramNotApprovedError",
    "ProtectedAccountError",
    "QuorumNotReachedError",
    "RedemptionAlreadyPaidError",
    "RedemptionNonceNotCanonicalError",
    "StaleAttestationError",
    "StaleSequenceError",
    "TooManyAccountsError",
    "UnauthorizedError",
    "UnsupportedRentError",
    "ZeroAmountError",
]

TOKEN_ERROR_OFFSET = 6000
"""Code of the first `TokenError` variant."""


class KgpuTokenError(ProgramError):
    """A custom error of the `kgpu_token` program.

    `error_name` is the variant name in the program and the IDL.
    """

    error_name: ClassVar[str] = ""


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6000)
class InvalidInstructionDataError(KgpuTokenError):
    """6000 `InvalidInstructionData`: the instruction data is too short, has an unknown discriminator or an invalid field."""

    error_name = "InvalidInstructionData"
    key = "error.kgpu_token.invalid_instruction_data"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6001)
class NotEnoughAccountsError(KgpuTokenError):
    """6001 `NotEnoughAccounts`: fewer accounts than the instruction needs."""

    error_name = "NotEnoughAccounts"
    key = "error.kgpu_token.not_enough_accounts"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6002)
class TooManyAccountsError(KgpuTokenError):
    """6002 `TooManyAccounts`: more accounts than the program accepts."""

    error_name = "TooManyAccounts"
    key = "error.kgpu_token.too_many_accounts"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6003)
class MissingSignerError(KgpuTokenError):
    """6003 `MissingSigner`: a required signer did not sign."""

    error_name = "MissingSigner"
    key = "error.kgpu_token.missing_signer"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6004)
class NotWritableError(KgpuTokenError):
    """6004 `NotWritable`: an account that is written is not marked writable."""

    error_name = "NotWritable"
    key = "error.kgpu_token.not_writable"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6005)
class InvalidOwnerError(KgpuTokenError):
    """6005 `InvalidOwner`: an account is owned by the wrong program."""

    error_name = "InvalidOwner"
    key = "error.kgpu_token.invalid_owner"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6006)
class InvalidAccountDataError(KgpuTokenError):
    """6006 `InvalidAccountData`: an account's discriminator or size is not the expected account type."""

    error_name = "InvalidAccountData"
    key = "error.kgpu_token.invalid_account_data"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6007)
class InvalidAccountAddressError(KgpuTokenError):
    """6007 `InvalidAddress`: an account's address is not the expected one (PDA, mint, sysvar or program)."""

    error_name = "InvalidAddress"
    key = "error.kgpu_token.invalid_address"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6008)
class DuplicateAccountError(KgpuTokenError):
    """6008 `DuplicateAccount`: reserved for one account passed as two distinct writable accounts; the program does not return it yet."""

    error_name = "DuplicateAccount"
    key = "error.kgpu_token.duplicate_account"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6009)
class UnauthorizedError(KgpuTokenError):
    """6009 `Unauthorized`: the signer is not the admin or registry authority the config stores."""

    error_name = "Unauthorized"
    key = "error.kgpu_token.unauthorized"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6010)
class AlreadyInitializedError(KgpuTokenError):
    """6010 `AlreadyInitialized`: the config already exists."""

    error_name = "AlreadyInitialized"
    key = "error.kgpu_token.already_initialized"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6011)
class InvalidOracleSetError(KgpuTokenError):
    """6011 `InvalidOracleSet`: the oracle set is empty, too large, has duplicates or an invalid threshold."""

    error_name = "InvalidOracleSet"
    key = "error.kgpu_token.invalid_oracle_set"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6012)
class InvalidParamsError(KgpuTokenError):
    """6012 `InvalidParams`: a parameter is out of range."""

    error_name = "InvalidParams"
    key = "error.kgpu_token.invalid_params"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6013)
class QuorumNotReachedError(KgpuTokenError):
    """6013 `QuorumNotReached`: fewer than the threshold of distinct oracle keys signed the expected message."""

    error_name = "QuorumNotReached"
    key = "error.kgpu_token.quorum_not_reached"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6014)
class InvalidEd25519InstructionError(KgpuTokenError):
    """6014 `InvalidEd25519Instruction`: an Ed25519 precompile instruction is malformed or points into another instruction."""

    error_name = "InvalidEd25519Instruction"
    key = "error.kgpu_token.invalid_ed25519_instruction"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6015)
class StaleSequenceError(KgpuTokenError):
    """6015 `StaleSequence`: the attestation sequence is not greater than the latest one."""

    error_name = "StaleSequence"
    key = "error.kgpu_token.stale_sequence"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6016)
class FutureValuationError(KgpuTokenError):
    """6016 `FutureValuation`: the valuation time is later than the cluster clock."""

    error_name = "FutureValuation"
    key = "error.kgpu_token.future_valuation"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6017)
class StaleAttestationError(KgpuTokenError):
    """6017 `StaleAttestation`: no attestation exists, or the latest one is older than the maximum age."""

    error_name = "StaleAttestation"
    key = "error.kgpu_token.stale_attestation"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6018)
class MintPausedError(KgpuTokenError):
    """6018 `MintPaused`: minting is paused."""

    error_name = "MintPaused"
    key = "error.kgpu_token.mint_paused"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6019)
class KycInvalidError(KgpuTokenError):
    """6019 `KycInvalid`: the KYC record is revoked or has level 0."""

    error_name = "KycInvalid"
    key = "error.kgpu_token.kyc_invalid"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6020)
class KycExpiredError(KgpuTokenError):
    """6020 `KycExpired`: the KYC record has expired."""

    error_name = "KycExpired"
    key = "error.kgpu_token.kyc_expired"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6021)
class JurisdictionBlockedError(KgpuTokenError):
    """6021 `JurisdictionBlocked`: the KYC record's jurisdiction is on the blocked list."""

    error_name = "JurisdictionBlocked"
    key = "error.kgpu_token.jurisdiction_blocked"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6022)
class CapacityExceededError(KgpuTokenError):
    """6022 `CapacityExceeded`: supply after the mint would exceed the collateral capacity."""

    error_name = "CapacityExceeded"
    key = "error.kgpu_token.capacity_exceeded"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6023)
class DepositAlreadyAppliedError(KgpuTokenError):
    """6023 `DepositAlreadyApplied`: the deposit id was applied before."""

    error_name = "DepositAlreadyApplied"
    key = "error.kgpu_token.deposit_already_applied"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6024)
class ArithmeticOverflowError(KgpuTokenError):
    """6024 `Overflow`: an arithmetic operation overflowed."""

    error_name = "Overflow"
    key = "error.kgpu_token.overflow"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6025)
class ZeroAmountError(KgpuTokenError):
    """6025 `InvalidAmount`: the amount is zero."""

    error_name = "InvalidAmount"
    key = "error.kgpu_token.invalid_amount"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6026)
class RedemptionAlreadyPaidError(KgpuTokenError):
    """6026 `RedemptionAlreadyPaid`: the redemption was already paid with a different payment reference."""

    error_name = "RedemptionAlreadyPaid"
    key = "error.kgpu_token.redemption_already_paid"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6027)
class InvalidTokenAccountError(KgpuTokenError):
    """6027 `InvalidTokenAccount`: the token account is not a K-GPU account of the expected owner."""

    error_name = "InvalidTokenAccount"
    key = "error.kgpu_token.invalid_token_account"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6028)
class ProgramNotApprovedError(KgpuTokenError):
    """6028 `ProgramNotApproved`: the token account owner is not a PDA of an approved program."""

    error_name = "ProgramNotApproved"
    key = "error.kgpu_token.program_not_approved"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6029)
class InvalidSeedsError(KgpuTokenError):
    """6029 `InvalidSeeds`: a seed set has no off-curve address or does not derive the expected address."""

    error_name = "InvalidSeeds"
    key = "error.kgpu_token.invalid_seeds"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6030)
class UnsupportedRentError(KgpuTokenError):
    """6030 `UnsupportedRent`: the Rent sysvar has an exemption threshold this program cannot compute with."""

    error_name = "UnsupportedRent"
    key = "error.kgpu_token.unsupported_rent"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6031)
class CpiFailedError(KgpuTokenError):
    """6031 `CpiFailed`: a cross-program invocation returned an error without aborting the transaction."""

    error_name = "CpiFailed"
    key = "error.kgpu_token.cpi_failed"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6032)
class NotUpgradeAuthorityError(KgpuTokenError):
    """6032 `NotUpgradeAuthority`: the signer of `initialize` is not the program's upgrade authority."""

    error_name = "NotUpgradeAuthority"
    key = "error.kgpu_token.not_upgrade_authority"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6033)
class ProgramIdMismatchError(KgpuTokenError):
    """6033 `ProgramIdMismatch`: the program runs at an id other than the one its constant PDAs were generated for."""

    error_name = "ProgramIdMismatch"
    key = "error.kgpu_token.program_id_mismatch"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6034)
class DepositIdNotCanonicalError(KgpuTokenError):
    """6034 `DepositIdNotCanonical`: the deposit record PDA needs bump 255, so derive the id with `kgpu.token.canonical_deposit_id`."""

    error_name = "DepositIdNotCanonical"
    key = "error.kgpu_token.deposit_id_not_canonical"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6035)
class RedemptionNonceNotCanonicalError(KgpuTokenError):
    """6035 `RedemptionNonceNotCanonical`: the redemption PDA needs bump 255, so pick the nonce with `kgpu.token.canonical_redemption_nonce`."""

    error_name = "RedemptionNonceNotCanonical"
    key = "error.kgpu_token.redemption_nonce_not_canonical"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6036)
class NotInitializedError(KgpuTokenError):
    """6036 `NotInitialized`: the config does not exist yet, so run `initialize` first."""

    error_name = "NotInitialized"
    key = "error.kgpu_token.not_initialized"


@register_program_error(KGPU_TOKEN_PROGRAM_ID, 6040)
class ProtectedAccountError(KgpuTokenError):
    """6040 `ProtectedAccount`: `seize` targeted a token account owned by a PDA, whose program books its balance."""

    error_name = "ProtectedAccount"
    key = "error.kgpu_token.protected_account"
