"""Exceptions of the K-GPU SDK, and the decoding of Solana transaction errors into them.

Every exception renders its message from the Korean/English catalogue in :mod:`kgpu.i18n`, states
what failed and what to do, and carries the exit code the ``kgpu`` command uses for it::

    KgpuError
    ├── UserError                       exit 1: input, files or cluster state the user can fix
    │   ├── KeypairNotFoundError, KeypairExistsError, InvalidKeypairError
    │   ├── InvalidUrlError, InvalidAddressError, InvalidAmountError
    │   ├── ProgramNotDeployedError, MintNotFoundError, CommandNotImplementedError
    ├── RpcError                        exit 3: the RPC node is unreachable or failed the request
    │   ├── RpcConnectionError, RpcResponseError
    │   ├── ConfirmationTimeoutError    the signature did not reach the commitment in time
    │   └── TransactionExpiredError     every signed copy expired without landing
    └── TransactionFailedError          exit 1: simulation, preflight or execution rejected it
        ├── InsufficientFundsForFeeError, AccountNotFoundError
        ├── BlockhashNotFoundError      exit 3
        ├── InstructionFailedError      a built-in instruction error such as a missing signature
        └── ProgramError                a program's custom error code, looked up in a registry
            ├── SystemProgramError      InsufficientLamportsError, AccountAlreadyInUseError
            ├── TokenProgramError       SPL Token and Token-2022, e.g. AccountFrozenError
            ├── KgpuTokenError          kgpu_token codes 6000 to 6032 and 6040, in :mod:`kgpu.token`
            └── UnknownProgramError     a code no class is registered for

Programs add their codes with :func:`register_program_error`. :func:`decode_transaction_error`
turns a ``TransactionError`` from solders (simulation, preflight or a landed transaction) into
the registered class.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, TypeVar

from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorType,
)
from spl.token.constants import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID

from kgpu.i18n import Language, message

__all__ = [
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_USER",
    "AccountAlreadyInUseError",
    "AccountFrozenError",
    "AccountNotFoundError",
    "BlockhashNotFoundError",
    "CommandNotImplementedError",
    "ConfirmationTimeoutError",
    "InstructionFailedError",
    "InsufficientFundsForFeeError",
    "InsufficientLamportsError",
    "InvalidAddressError",
    "InvalidAmountError",
    "InvalidKeypairError",
    "InvalidMintError",
    "InvalidUrlError",
    "KeypairExistsError",
    "KeypairNotFoundError",
    "KgpuError",
    "MintDecimalsMismatchError",
    "MintMismatchError",
    "MintNotFoundError",
    "OwnerMismatchError",
    "ProgramError",
    "ProgramNotDeployedError",
    "RpcConnectionError",
    "RpcError",
    "RpcResponseError",
    "SystemProgramError",
    "TokenInsufficientFundsError",
    "TokenProgramError",
    "TransactionExpiredError",
    "TransactionFailedError",
    "UninitializedAccountError",
    "UnknownProgramError",
    "UserError",
    "decode_transaction_error",
    "program_error_class",
    "register_program_error",
    "registered_program_errors",
]

EXIT_OK = 0
EXIT_USER = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3


class KgpuError(Exception):
    """Base of every exception the SDK raises on purpose.

    Subclasses name a catalogue ``key``. The keyword arguments given to the constructor fill
    the message template and stay available as ``fields``.
    """

    key: ClassVar[str] = "error.unexpected"
    exit_code: ClassVar[int] = EXIT_USER

    def __init__(self, **fields: object) -> None:
        self.fields = fields
        super().__init__(self.message("en"))

    def message(self, lang: Language | None = None) -> str:
        """Render the message in ``lang``, or in the current language when omitted."""
        return message(self.key, lang=lang, **self.fields)

    def __str__(self) -> str:
        return self.message()


# ---------------------------------------------------------------------------------------------
# User errors


class UserError(KgpuError):
    """Input, files or cluster state that the user can fix."""

    key = "error.user"


class KeypairNotFoundError(UserError):
    """The keypair file does not exist. Fields: ``path``."""

    key = "error.keypair_not_found"


class KeypairExistsError(UserError):
    """Writing a keypair would overwrite an existing file. Fields: ``path``."""

    key = "error.keypair_exists"


class InvalidKeypairError(UserError):
    """The keypair file is not a Solana CLI keypair. Fields: ``path``, ``reason``."""

    key = "error.keypair_invalid"


class InvalidUrlError(UserError):
    """``--url`` is neither a cluster name nor an HTTP(S) URL. Fields: ``url``."""

    key = "error.url_invalid"


class InvalidAddressError(UserError):
    """A value is not a base58 public key. Fields: ``value``."""

    key = "error.address_invalid"


class InvalidAmountError(UserError):
    """An amount is malformed, not positive, or finer than the unit allows. Fields: ``value``, ``unit``."""

    key = "error.amount_invalid"


class ProgramNotDeployedError(UserError):
    """A K-GPU program has no executable account on the cluster. Fields: ``program``, ``program_id``, ``url``."""

    key = "error.program_not_deployed"


class MintNotFoundError(UserError):
    """The K-GPU mint account does not exist on the cluster. Fields: ``mint``, ``url``."""

    key = "error.mint_not_found"


class CommandNotImplementedError(UserError):
    """The command's program is deployed but this ``kgpu`` version cannot drive it yet. Fields: ``command``."""

    key = "error.command_not_implemented"


# ---------------------------------------------------------------------------------------------
# RPC and network errors


class RpcError(KgpuError):
    """The RPC node could not be reached or failed a request."""

    key = "error.rpc"
    exit_code = EXIT_NETWORK


class RpcConnectionError(RpcError):
    """The HTTP request to the RPC node failed. Fields: ``url``, ``reason``."""

    key = "error.rpc_connection"


class RpcResponseError(RpcError):
    """The RPC node returned a JSON-RPC error. Fields: ``method``, ``reason``."""

    key = "error.rpc_response"


class ConfirmationTimeoutError(RpcError):
    """The signature did not reach the commitment in time. Fields: ``signature``, ``commitment``, ``seconds``."""

    key = "error.confirmation_timeout"


class TransactionExpiredError(RpcError):
    """Every signed copy expired without landing. Fields: ``attempts``, ``signatures``."""

    key = "error.transaction_expired"


# ---------------------------------------------------------------------------------------------
# Transaction errors


class TransactionFailedError(KgpuError):
    """Simulation, preflight or execution rejected the transaction.

    Attributes:
        error: The ``TransactionError`` from solders, or ``None`` when built by hand.
        logs: Program log lines from the simulation or the landed transaction.
        signature: Signature of the rejected transaction when known.
    """

    key = "error.transaction_failed"

    def __init__(
        self,
        *,
        error: TransactionErrorType | None = None,
        logs: Sequence[str] = (),
        signature: Signature | None = None,
        **fields: object,
    ) -> None:
        self.error = error
        self.logs = list(logs)
        self.signature = signature
        fields.setdefault("detail", str(error) if error is not None else "")
        super().__init__(**fields)


class InsufficientFundsForFeeError(TransactionFailedError):
    """The fee payer cannot pay the fee. Fields: ``payer``."""

    key = "error.insufficient_funds_for_fee"


class BlockhashNotFoundError(TransactionFailedError):
    """The cluster does not know the transaction's blockhash (expired or from another cluster)."""

    key = "error.blockhash_not_found"
    exit_code = EXIT_NETWORK


class AccountNotFoundError(TransactionFailedError):
    """An account the transaction loads, often the fee payer, does not exist. Fields: ``payer``."""

    key = "error.account_not_found"


class InstructionFailedError(TransactionFailedError):
    """A built-in instruction error. Fields: ``index`` (instruction), ``name`` (error name)."""

    key = "error.instruction_failed"


class ProgramError(TransactionFailedError):
    """A program returned a custom error code.

    Fields: ``program_id``, ``code``, ``code_hex``, ``index`` (top-level instruction).
    """

    key = "error.program_custom"

    @property
    def code(self) -> int:
        """The custom error code the program returned."""
        return int(self.fields["code"])  # type: ignore[call-overload]

    @property
    def program_id(self) -> Pubkey:
        """The program that returned the code."""
        return Pubkey.from_string(str(self.fields["program_id"]))


class UnknownProgramError(ProgramError):
    """A custom error code with no registered class."""

    key = "error.program_custom"


class SystemProgramError(ProgramError):
    """A System Program error."""


class TokenProgramError(ProgramError):
    """An SPL Token or Token-2022 error. Both programs share these codes."""


_ProgramErrorT = TypeVar("_ProgramErrorT", bound=type[ProgramError])
_PROGRAM_ERRORS: dict[tuple[Pubkey, int], type[ProgramError]] = {}


def register_program_error(
    program_ids: Pubkey | Iterable[Pubkey], code: int
) -> Callable[[_ProgramErrorT], _ProgramErrorT]:
    """Register the decorated class for custom error ``code`` of one or more programs.

    Raises:
        ValueError: another class is already registered for the same program and code.
    """
    ids = [program_ids] if isinstance(program_ids, Pubkey) else list(program_ids)

    def decorate(cls: _ProgramErrorT) -> _ProgramErrorT:
        for program_id in ids:
            existing = _PROGRAM_ERRORS.get((program_id, code))
            if existing is not None and existing is not cls:
                raise ValueError(
                    f"custom error {code} of program {program_id} is already registered to "
                    f"{existing.__name__}: remove one of the registrations"
                )
            _PROGRAM_ERRORS[(program_id, code)] = cls
        return cls

    return decorate


def program_error_class(program_id: Pubkey, code: int) -> type[ProgramError]:
    """Return the class registered for ``code`` of ``program_id``, else :class:`UnknownProgramError`."""
    return _PROGRAM_ERRORS.get((program_id, code), UnknownProgramError)


def registered_program_errors() -> dict[tuple[Pubkey, int], type[ProgramError]]:
    """Return a copy of the registry: ``(program_id, code)`` to exception class."""
    return dict(_PROGRAM_ERRORS)


# System Program codes: SystemError in solana-program (AccountAlreadyInUse = 0, ResultWithNegativeLamports = 1).
@register_program_error(SYSTEM_PROGRAM_ID, 0)
class AccountAlreadyInUseError(SystemProgramError):
    """The account to create already exists."""

    key = "error.system.account_already_in_use"


@register_program_error(SYSTEM_PROGRAM_ID, 1)
class InsufficientLamportsError(SystemProgramError):
    """The sender's SOL balance is lower than the amount sent."""

    key = "error.system.insufficient_lamports"


# Token codes: TokenError in spl-token, shared by Token-2022 for codes 0..19.
_TOKEN_PROGRAMS = (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)


@register_program_error(_TOKEN_PROGRAMS, 1)
class TokenInsufficientFundsError(TokenProgramError):
    """The source token account has fewer tokens than the amount."""

    key = "error.token.insufficient_funds"


@register_program_error(_TOKEN_PROGRAMS, 2)
class InvalidMintError(TokenProgramError):
    """The mint account is not a valid mint."""

    key = "error.token.invalid_mint"


@register_program_error(_TOKEN_PROGRAMS, 3)
class MintMismatchError(TokenProgramError):
    """A token account belongs to a different mint."""

    key = "error.token.mint_mismatch"


@register_program_error(_TOKEN_PROGRAMS, 4)
class OwnerMismatchError(TokenProgramError):
    """The signer does not own the token account."""

    key = "error.token.owner_mismatch"


@register_program_error(_TOKEN_PROGRAMS, 9)
class UninitializedAccountError(TokenProgramError):
    """A token account or mint is not initialised."""

    key = "error.token.uninitialized"


@register_program_error(_TOKEN_PROGRAMS, 17)
class AccountFrozenError(TokenProgramError):
    """A token account is frozen. K-GPU accounts stay frozen until a KYC record thaws them."""

    key = "error.token.account_frozen"


@register_program_error(_TOKEN_PROGRAMS, 18)
class MintDecimalsMismatchError(TokenProgramError):
    """The decimals in a checked instruction differ from the mint's."""

    key = "error.token.decimals_mismatch"


# ---------------------------------------------------------------------------------------------
# Decoding

# The runtime logs "Program <id> failed: custom program error: 0x11" for each program the error
# passes through, innermost first, because a failed CPI aborts its callers. The first such line
# names the program that returned the code, which differs from the top-level program after a CPI.
_FAILED_PROGRAM_LOG = re.compile(r"^Program (\w{32,44}) failed: custom program error: 0x([0-9a-fA-F]+)$")


def _failing_program(logs: Sequence[str], code: int) -> Pubkey | None:
    for line in logs:
        match = _FAILED_PROGRAM_LOG.match(line.strip())
        if match and int(match.group(2), 16) == code:
            return Pubkey.from_string(match.group(1))
    return None


def decode_transaction_error(
    error: TransactionErrorType,
    *,
    program_ids: Sequence[Pubkey] = (),
    logs: Sequence[str] = (),
    signature: Signature | None = None,
    payer: Pubkey | None = None,
) -> TransactionFailedError:
    """Turn a solders ``TransactionError`` into the matching :class:`TransactionFailedError`.

    Args:
        error: Error from simulation, preflight or ``getSignatureStatuses``.
        program_ids: Program id of each top-level instruction, in order. Used to name the program
            of a custom error when the logs do not show it.
        logs: Program log lines, used to find the program that failed inside a CPI.
        signature: Signature of the transaction, kept on the exception.
        payer: Fee payer, named in fee and missing-account messages.
    """
    common = {"error": error, "logs": logs, "signature": signature}
    payer_text = str(payer) if payer is not None else "?"

    if isinstance(error, TransactionErrorFieldless):
        if error == TransactionErrorFieldless.InsufficientFundsForFee:
            return InsufficientFundsForFeeError(payer=payer_text, **common)
        if error == TransactionErrorFieldless.BlockhashNotFound:
            return BlockhashNotFoundError(**common)
        if error == TransactionErrorFieldless.AccountNotFound:
            return AccountNotFoundError(payer=payer_text, **common)
        return TransactionFailedError(**common)

    if isinstance(error, TransactionErrorInstructionError):
        index = error.index
        inner = error.err
        if isinstance(inner, InstructionErrorCustom):
            code = inner.code
            program_id = _failing_program(logs, code)
            if program_id is None and index < len(program_ids):
                program_id = program_ids[index]
            cls = program_error_class(program_id, code) if program_id is not None else UnknownProgramError
            return cls(
                program_id=str(program_id) if program_id is not None else "?",
                code=code,
                code_hex=f"0x{code:x}",
                index=index,
                **common,
            )
        # solders enums have no ``name``. Their str() is ``InstructionErrorFieldless.<Variant>``.
        name = str(inner).rsplit(".", 1)[-1] if isinstance(inner, InstructionErrorFieldless) else type(inner).__name__
        return InstructionFailedError(index=index, name=name, **common)

    return TransactionFailedError(**common)


# Importing the kgpu_token error classes registers their codes, so every user of this module
# decodes them. The module imports this one, so it is imported last.
from kgpu import _token_errors as _token_errors  # noqa: E402
