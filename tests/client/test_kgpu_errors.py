"""Decoding of transaction errors and the program error registry."""

from __future__ import annotations

import pytest
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)
from spl.token.constants import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID

from kgpu.addresses import KGPU_MARKET_PROGRAM_ID
from kgpu.errors import (
    EXIT_NETWORK,
    EXIT_USER,
    AccountFrozenError,
    AccountNotFoundError,
    BlockhashNotFoundError,
    InstructionFailedError,
    InsufficientFundsForFeeError,
    InsufficientLamportsError,
    ProgramError,
    TransactionFailedError,
    UnknownProgramError,
    decode_transaction_error,
    program_error_class,
    register_program_error,
    registered_program_errors,
)

PAYER = Pubkey.new_unique()


def custom(index: int, code: int) -> TransactionErrorInstructionError:
    return TransactionErrorInstructionError(index, InstructionErrorCustom(code))


@pytest.mark.parametrize(
    ("error", "expected", "exit_code"),
    [
        (TransactionErrorFieldless.InsufficientFundsForFee, InsufficientFundsForFeeError, EXIT_USER),
        (TransactionErrorFieldless.BlockhashNotFound, BlockhashNotFoundError, EXIT_NETWORK),
        (TransactionErrorFieldless.AccountNotFound, AccountNotFoundError, EXIT_USER),
        (TransactionErrorFieldless.AccountInUse, TransactionFailedError, EXIT_USER),
    ],
    ids=["fee", "blockhash", "account", "other"],
)
def test_fieldless_errors(error: TransactionErrorFieldless, expected: type, exit_code: int) -> None:
    decoded = decode_transaction_error(error, payer=PAYER)

    assert type(decoded) is expected
    assert decoded.exit_code == exit_code
    assert decoded.error == error


def test_fee_error_names_payer_in_both_languages() -> None:
    decoded = decode_transaction_error(TransactionErrorFieldless.InsufficientFundsForFee, payer=PAYER)

    assert str(PAYER) in decoded.message("ko")
    assert "수수료" in decoded.message("ko")
    assert str(PAYER) in decoded.message("en")


def test_custom_error_from_top_level_program() -> None:
    decoded = decode_transaction_error(custom(1, 1), program_ids=[Pubkey.new_unique(), SYSTEM_PROGRAM_ID])

    assert isinstance(decoded, InsufficientLamportsError)
    assert decoded.code == 1
    assert decoded.fields["index"] == 1


def test_custom_error_inside_cpi_uses_logs() -> None:
    # The market program calls Token-2022, which fails with AccountFrozen (17 = 0x11).
    logs = [
        f"Program {KGPU_MARKET_PROGRAM_ID} invoke [1]",
        f"Program {TOKEN_2022_PROGRAM_ID} invoke [2]",
        "Program log: Error: Account is frozen",
        f"Program {TOKEN_2022_PROGRAM_ID} failed: custom program error: 0x11",
        f"Program {KGPU_MARKET_PROGRAM_ID} failed: custom program error: 0x11",
    ]

    decoded = decode_transaction_error(custom(0, 17), program_ids=[KGPU_MARKET_PROGRAM_ID], logs=logs)

    assert isinstance(decoded, AccountFrozenError)
    assert decoded.program_id == TOKEN_2022_PROGRAM_ID
    assert decoded.logs == logs


def test_unknown_custom_error() -> None:
    program = Pubkey.new_unique()

    decoded = decode_transaction_error(custom(0, 6001), program_ids=[program])

    assert type(decoded) is UnknownProgramError
    assert str(program) in decoded.message("en")
    assert "6001" in decoded.message("ko")
    assert "0x1771" in decoded.message("en")


def test_instruction_error_without_code() -> None:
    error = TransactionErrorInstructionError(2, InstructionErrorFieldless.MissingRequiredSignature)

    decoded = decode_transaction_error(error)

    assert isinstance(decoded, InstructionFailedError)
    assert decoded.fields == {"index": 2, "name": "MissingRequiredSignature", "detail": str(error)}


def test_token_codes_shared_by_both_token_programs() -> None:
    for program in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
        assert program_error_class(program, 17) is AccountFrozenError
    assert program_error_class(SYSTEM_PROGRAM_ID, 17) is UnknownProgramError


def test_register_program_error() -> None:
    program = Pubkey.new_unique()

    @register_program_error(program, 6000)
    class DemoError(ProgramError):
        key = "error.program_custom"

    assert program_error_class(program, 6000) is DemoError
    assert registered_program_errors()[(program, 6000)] is DemoError
    assert isinstance(decode_transaction_error(custom(0, 6000), program_ids=[program]), DemoError)
    with pytest.raises(ValueError, match="already registered"):
        register_program_error(program, 6000)(type("OtherError", (ProgramError,), {}))
