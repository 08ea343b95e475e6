"""Exception classes of the `kgpu_market` program's custom errors, registered for decoding.

The program returns `ProgramError::Custom(6000 + n)`, in the order of `MarketError` in
`programs/kgpu_market/src/error.rs` and of the IDL `errors` list. Importing this module registers
each class below with :func:`kgpu.errors.register_program_error` for the K-GPU market program id,
so :func:`kgpu.errors.decode_transaction_error` (and with it :class:`kgpu.tx.TransactionSender`)
raises it, and adds its Korean and English message `error.kgpu_market.<name>` to the catalogue.
:mod:`kgpu.market` imports this module and re-exports the classes.
"""

from __future__ import annotations

from typing import ClassVar

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.errors import ProgramError, UserError, register_program_error
from kgpu.market._catalogue import register_market_messages

__all__ = [
    "MARKET_ERROR_OFFSET",
    "AccountMismatchError",
    "AlreadyInitializedError",
    "DeclaredProgramIdMismatchError",
    "InsufficientStakeError",
    "InvalidAccountTypeError",
    "InvalidAmountError",
    "InvalidJobNonceError",
    "InvalidParamsError",
    "InvalidReceiptError",
    "InvalidSlashSequenceError",
    "InvalidTokenAccountError",
    "InvalidVaultKindError",
    "NothingToRefundError",
    "JobClosedError",
    "JobNotEndedError",
    "JobNotFoundError",
    "JurisdictionBlockedError",
    "KgpuMarketError",
    "KycExpiredError",
    "KycInvalidError",
    "MarketNotFoundError",
    "MarketNotReadyError",
    "NotUpgradeAuthorityError",
    "NothingToClaimError",
    "NothingToWithdrawError",
    "ProviderNotApprovedError",
    "QuorumNotReachedError",
    "ReceiptAlreadySettledError",
    "RegionBlockedError",
    "UnauthorizedError",
    "UnbondingNotFinishedError",
]

register_market_messages()

MARKET_ERROR_OFFSET = 6000
"""Code of the first `MarketError` variant."""


class MarketNotFoundError(UserError):
    """The `Market` account does not exist, so the market is not initialized. Fields: ``address``."""

    key = "error.kgpu_market.market_not_found"


class JobNotFoundError(UserError):
    """The job account does not exist. Fields: ``address``."""

    key = "error.kgpu_market.job_not_found"


class KgpuMarketError(ProgramError):
    """A custom error of the `kgpu_market` program.

    `error_name` is the variant name in the program and the IDL.
    """

    error_name: ClassVar[str] = ""


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6000)
class UnauthorizedError(KgpuMarketError):
    """6000 `Unauthorized`: the signer is not the admin, registry authority, renter or provider the account names."""

    error_name = "Unauthorized"
    key = "error.kgpu_market.unauthorized"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6001)
class InvalidParamsError(KgpuMarketError):
    """6001 `InvalidParams`: a market parameter is out of range."""

    error_name = "InvalidParams"
    key = "error.kgpu_market.invalid_params"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6002)
class InvalidAccountTypeError(KgpuMarketError):
    """6002 `InvalidAccountType`: an account has the wrong size or discriminator for its role."""

    error_name = "InvalidAccountType"
    key = "error.kgpu_market.invalid_account_type"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6003)
class AccountMismatchError(KgpuMarketError):
    """6003 `AccountMismatch`: an account does not match the address the market or job stores for it."""

    error_name = "AccountMismatch"
    key = "error.kgpu_market.account_mismatch"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6004)
class InvalidTokenAccountError(KgpuMarketError):
    """6004 `InvalidTokenAccount`: a token account has the wrong mint or owner."""

    error_name = "InvalidTokenAccount"
    key = "error.kgpu_market.invalid_token_account"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6005)
class ProviderNotApprovedError(KgpuMarketError):
    """6005 `ProviderNotApproved`: the provider is not approved by the registry authority."""

    error_name = "ProviderNotApproved"
    key = "error.kgpu_market.provider_not_approved"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6006)
class InsufficientStakeError(KgpuMarketError):
    """6006 `InsufficientStake`: the provider's active stake is below min_stake_per_gpu times gpu_count.

    `open_job` raises it for a provider below the minimum. `request_unstake` raises it when the
    unstake would take the active stake below the minimum while the provider has open jobs.
    """

    error_name = "InsufficientStake"
    key = "error.kgpu_market.insufficient_stake"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6007)
class JurisdictionBlockedError(KgpuMarketError):
    """6007 `JurisdictionBlocked`: the renter's KYC jurisdiction is blocked."""

    error_name = "JurisdictionBlocked"
    key = "error.kgpu_market.jurisdiction_blocked"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6008)
class RegionBlockedError(KgpuMarketError):
    """6008 `RegionBlocked`: the provider's region is blocked."""

    error_name = "RegionBlocked"
    key = "error.kgpu_market.region_blocked"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6009)
class KycInvalidError(KgpuMarketError):
    """6009 `KycInvalid`: the renter's KYC record has level 0 or is revoked."""

    error_name = "KycInvalid"
    key = "error.kgpu_market.kyc_invalid"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6010)
class KycExpiredError(KgpuMarketError):
    """6010 `KycExpired`: the renter's KYC record expired."""

    error_name = "KycExpired"
    key = "error.kgpu_market.kyc_expired"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6011)
class InvalidAmountError(KgpuMarketError):
    """6011 `InvalidAmount`: an amount, price, budget, GPU count or end time is zero or out of range."""

    error_name = "InvalidAmount"
    key = "error.kgpu_market.invalid_amount"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6012)
class JobClosedError(KgpuMarketError):
    """6012 `JobClosed`: the job is closed."""

    error_name = "JobClosed"
    key = "error.kgpu_market.job_closed"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6013)
class JobNotEndedError(KgpuMarketError):
    """6013 `JobNotEnded`: only the renter or the job's provider authority may close the job before its end time."""

    error_name = "JobNotEnded"
    key = "error.kgpu_market.job_not_ended"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6014)
class ReceiptAlreadySettledError(KgpuMarketError):
    """6014 `ReceiptAlreadySettled`: the receipt sequence is not above the job's last settled sequence."""

    error_name = "ReceiptAlreadySettled"
    key = "error.kgpu_market.receipt_already_settled"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6015)
class InvalidReceiptError(KgpuMarketError):
    """6015 `InvalidReceipt`: the receipt's window, GPU-seconds or energy figures are inconsistent."""

    error_name = "InvalidReceipt"
    key = "error.kgpu_market.invalid_receipt"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6016)
class QuorumNotReachedError(KgpuMarketError):
    """6016 `QuorumNotReached`: fewer distinct oracles than the threshold signed the expected message."""

    error_name = "QuorumNotReached"
    key = "error.kgpu_market.quorum_not_reached"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6017)
class UnbondingNotFinishedError(KgpuMarketError):
    """6017 `UnbondingNotFinished`: the unbonding period has not passed yet."""

    error_name = "UnbondingNotFinished"
    key = "error.kgpu_market.unbonding_not_finished"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6018)
class NothingToWithdrawError(KgpuMarketError):
    """6018 `NothingToWithdraw`: there is no unbonding stake to withdraw."""

    error_name = "NothingToWithdraw"
    key = "error.kgpu_market.nothing_to_withdraw"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6019)
class NothingToClaimError(KgpuMarketError):
    """6019 `NothingToClaim`: there are no rewards to claim."""

    error_name = "NothingToClaim"
    key = "error.kgpu_market.nothing_to_claim"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6020)
class InvalidSlashSequenceError(KgpuMarketError):
    """6020 `InvalidSlashSequence`: the slash sequence is not the provider's slash counter plus one."""

    error_name = "InvalidSlashSequence"
    key = "error.kgpu_market.invalid_slash_sequence"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6021)
class AlreadyInitializedError(KgpuMarketError):
    """6021 `AlreadyInitialized`: the account to create already contains data or belongs to another program,
    or the market part to initialize already exists."""

    error_name = "AlreadyInitialized"
    key = "error.kgpu_market.already_initialized"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6022)
class NotUpgradeAuthorityError(KgpuMarketError):
    """6022 `NotUpgradeAuthority`: the signer is not the market program's upgrade authority."""

    error_name = "NotUpgradeAuthority"
    key = "error.kgpu_market.not_upgrade_authority"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6023)
class DeclaredProgramIdMismatchError(KgpuMarketError):
    """6023 `DeclaredProgramIdMismatch`: the program runs under an id other than the one it was built for."""

    error_name = "DeclaredProgramIdMismatch"
    key = "error.kgpu_market.declared_program_id_mismatch"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6024)
class MarketNotReadyError(KgpuMarketError):
    """6024 `MarketNotReady`: the market is missing its K-CARBON mint or a vault, so it takes no stake and opens no job."""

    error_name = "MarketNotReady"
    key = "error.kgpu_market.market_not_ready"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6025)
class InvalidJobNonceError(KgpuMarketError):
    """6025 `InvalidJobNonce`: the job account is not PDA `["job", renter, nonce, 255]`."""

    error_name = "InvalidJobNonce"
    key = "error.kgpu_market.invalid_job_nonce"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6026)
class InvalidVaultKindError(KgpuMarketError):
    """6026 `InvalidVaultKind`: the vault kind is not 0 (stake), 1 (reward), 2 (insurance) or 3 (escrow)."""

    error_name = "InvalidVaultKind"
    key = "error.kgpu_market.invalid_vault_kind"


@register_program_error(KGPU_MARKET_PROGRAM_ID, 6027)
class NothingToRefundError(KgpuMarketError):
    """6027 `NothingToRefund`: the job has no refund due, because it is open or its refund was paid."""

    error_name = "NothingToRefund"
    key = "error.kgpu_market.nothing_to_refund"
