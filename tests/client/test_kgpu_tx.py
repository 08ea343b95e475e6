"""TransactionSender against LiteSVM: confirmation, priority fees, safe re-sending and error decoding."""

from __future__ import annotations

import pytest
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from spl.token.constants import MINT_LEN, TOKEN_2022_PROGRAM_ID
from spl.token.instructions import (
    FreezeAccountParams,
    InitializeMintParams,
    MintToCheckedParams,
    TransferCheckedParams,
    create_associated_token_account,
    freeze_account,
    get_associated_token_address,
    initialize_mint,
    mint_to_checked,
    transfer_checked,
)

from kgpu_client_testkit import LAMPORTS_PER_SOL, LiteSVMTransport
from kgpu.errors import (
    AccountFrozenError,
    AccountNotFoundError,
    ConfirmationTimeoutError,
    InstructionFailedError,
    InsufficientLamportsError,
    MintDecimalsMismatchError,
    TokenInsufficientFundsError,
    TransactionExpiredError,
)
from kgpu.tx import TransactionSender, build_transaction, compute_budget_instructions

FAST = {"poll_interval": 0.0}


def sol_transfer(source: Keypair, destination: Pubkey, lamports: int):
    return transfer(TransferParams(from_pubkey=source.pubkey(), to_pubkey=destination, lamports=lamports))


async def test_send_lands_first_copy(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm)
    recipient = Pubkey.new_unique()

    sent = await TransactionSender(transport, **FAST).send([sol_transfer(funded, recipient, 1_000_000)], payer=funded)

    assert sent.attempts == 1
    assert sent.signatures == (sent.signature,)
    assert transport.sends == 1
    assert svm.get_balance(recipient) == 1_000_000


async def test_send_waits_for_finalized(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm)
    sender = TransactionSender(transport, commitment="finalized", **FAST)

    sent = await sender.send([sol_transfer(funded, Pubkey.new_unique(), 5_000)], payer=funded)

    # The adapter reports Finalized four heights after landing; the sender polls until then.
    assert transport.height - sent.slot >= 4


async def test_compute_unit_limit_applies(svm: LiteSVM, funded: Keypair) -> None:
    sender = TransactionSender(LiteSVMTransport(svm), **FAST)

    # The ComputeBudget and System instructions are builtins costing 150 CU each, so a 200 CU
    # limit runs out inside the transfer, instruction 1.
    with pytest.raises(InstructionFailedError) as caught:
        await sender.send([sol_transfer(funded, Pubkey.new_unique(), 1)], payer=funded, compute_unit_limit=200)

    assert caught.value.fields["name"] == "ComputationalBudgetExceeded"
    assert caught.value.fields["index"] == 1


def test_build_puts_budget_instructions_first(funded: Keypair, svm: LiteSVM) -> None:
    instruction = sol_transfer(funded, Pubkey.new_unique(), 1)

    transaction = build_transaction(
        [instruction],
        payer=funded,
        blockhash=svm.latest_blockhash(),
        signers=[funded],
        compute_unit_price=7,
        compute_unit_limit=50_000,
    )

    message = transaction.message
    programs = [str(message.account_keys[ix.program_id_index]) for ix in message.instructions]
    assert programs == ["ComputeBudget111111111111111111111111111111"] * 2 + ["11111111111111111111111111111111"]
    assert len(transaction.signatures) == 1
    # SetComputeUnitLimit is tag 2 with a u32, SetComputeUnitPrice tag 3 with a u64 (little-endian).
    assert bytes(message.instructions[0].data) == bytes([2]) + (50_000).to_bytes(4, "little")
    assert bytes(message.instructions[1].data) == bytes([3]) + (7).to_bytes(8, "little")


def test_compute_budget_rejects_out_of_range() -> None:
    assert compute_budget_instructions() == []
    assert compute_budget_instructions(compute_unit_price=0) == []
    with pytest.raises(ValueError, match="compute_unit_limit"):
        compute_budget_instructions(compute_unit_limit=1_400_001)
    with pytest.raises(ValueError, match="compute_unit_limit"):
        compute_budget_instructions(compute_unit_limit=0)
    with pytest.raises(ValueError, match="compute_unit_price"):
        compute_budget_instructions(compute_unit_price=2**64)


async def test_dropped_copy_is_resent_once(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm, validity_blocks=3, drop_sends=1)
    recipient = Pubkey.new_unique()

    sent = await TransactionSender(transport, **FAST).send([sol_transfer(funded, recipient, 777)], payer=funded)

    assert sent.attempts == 2
    assert len(set(sent.signatures)) == 2
    assert sent.signature == sent.signatures[1]
    assert transport.delivered == 1
    assert svm.get_balance(recipient) == 777


async def test_history_check_prevents_resend(svm: LiteSVM, funded: Keypair) -> None:
    # The copy lands, but the recent-status cache never shows it: only the final
    # searchTransactionHistory lookup can find it, and then no second copy may be sent.
    transport = LiteSVMTransport(svm, validity_blocks=3, hide_recent_statuses=True)
    recipient = Pubkey.new_unique()

    sent = await TransactionSender(transport, **FAST).send([sol_transfer(funded, recipient, 4_242)], payer=funded)

    assert sent.attempts == 1
    assert transport.sends == 1
    assert svm.get_balance(recipient) == 4_242


async def test_all_copies_expire(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm, validity_blocks=2, drop_sends=10)
    recipient = Pubkey.new_unique()
    sender = TransactionSender(transport, max_attempts=3, **FAST)

    with pytest.raises(TransactionExpiredError) as caught:
        await sender.send([sol_transfer(funded, recipient, 1)], payer=funded)

    assert caught.value.fields["attempts"] == 3
    assert transport.sends == 3
    assert svm.get_balance(recipient) is None or svm.get_balance(recipient) == 0


async def test_timeout_before_expiry(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm, validity_blocks=10**9, drop_sends=1)
    sender = TransactionSender(transport, timeout=0.05, poll_interval=0.01)

    with pytest.raises(ConfirmationTimeoutError) as caught:
        await sender.send([sol_transfer(funded, Pubkey.new_unique(), 1)], payer=funded)

    assert caught.value.exit_code == 3


async def test_preflight_insufficient_lamports(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm)

    with pytest.raises(InsufficientLamportsError) as caught:
        await TransactionSender(transport, **FAST).send(
            [sol_transfer(funded, Pubkey.new_unique(), 100 * LAMPORTS_PER_SOL)],
            payer=funded,
            compute_unit_limit=10_000,
        )

    error = caught.value
    assert error.code == 1
    assert str(error.program_id) == "11111111111111111111111111111111"
    assert error.fields["index"] == 1  # after the SetComputeUnitLimit instruction
    assert any("insufficient lamports" in line for line in error.logs)
    assert transport.delivered == 0


async def test_landed_failure_is_decoded(svm: LiteSVM, funded: Keypair) -> None:
    transport = LiteSVMTransport(svm)

    with pytest.raises(InsufficientLamportsError) as caught:
        await TransactionSender(transport, **FAST).send(
            [sol_transfer(funded, Pubkey.new_unique(), 100 * LAMPORTS_PER_SOL)], payer=funded, skip_preflight=True
        )

    assert caught.value.signature is not None


async def test_unfunded_payer_account_not_found(svm: LiteSVM) -> None:
    payer = Keypair()

    with pytest.raises(AccountNotFoundError) as caught:
        await TransactionSender(LiteSVMTransport(svm), **FAST).send(
            [sol_transfer(payer, Pubkey.new_unique(), 1)], payer=payer
        )

    assert str(payer.pubkey()) in caught.value.message("en")
    assert str(payer.pubkey()) in caught.value.message("ko")


async def test_simulate_reports_units(svm: LiteSVM, funded: Keypair) -> None:
    sender = TransactionSender(LiteSVMTransport(svm), **FAST)

    outcome = await sender.simulate([sol_transfer(funded, Pubkey.new_unique(), 1)], payer=funded)

    assert outcome.err is None
    assert outcome.units_consumed is not None
    assert outcome.units_consumed > 0
    with pytest.raises(InsufficientLamportsError):
        await sender.simulate([sol_transfer(funded, Pubkey.new_unique(), 10**18)], payer=funded)


# ---------------------------------------------------------------------------------------------
# Token-2022 errors, from a real mint in LiteSVM


async def make_token_2022_mint(svm: LiteSVM, payer: Keypair, decimals: int = 0) -> Pubkey:
    mint = Keypair()
    rent = svm.minimum_balance_for_rent_exemption(MINT_LEN)
    await TransactionSender(LiteSVMTransport(svm), **FAST).send(
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=payer.pubkey(),
                    to_pubkey=mint.pubkey(),
                    lamports=rent,
                    space=MINT_LEN,
                    owner=TOKEN_2022_PROGRAM_ID,
                )
            ),
            initialize_mint(
                InitializeMintParams(
                    decimals=decimals,
                    program_id=TOKEN_2022_PROGRAM_ID,
                    mint=mint.pubkey(),
                    mint_authority=payer.pubkey(),
                    freeze_authority=payer.pubkey(),
                )
            ),
        ],
        payer=payer,
        signers=[mint],
    )
    return mint.pubkey()


async def token_accounts(svm: LiteSVM, payer: Keypair, mint: Pubkey, recipient: Pubkey) -> tuple[Pubkey, Pubkey]:
    sender = TransactionSender(LiteSVMTransport(svm), **FAST)
    source = get_associated_token_address(payer.pubkey(), mint, TOKEN_2022_PROGRAM_ID)
    destination = get_associated_token_address(recipient, mint, TOKEN_2022_PROGRAM_ID)
    await sender.send(
        [
            create_associated_token_account(payer.pubkey(), payer.pubkey(), mint, TOKEN_2022_PROGRAM_ID),
            create_associated_token_account(payer.pubkey(), recipient, mint, TOKEN_2022_PROGRAM_ID),
            mint_to_checked(
                MintToCheckedParams(
                    program_id=TOKEN_2022_PROGRAM_ID,
                    mint=mint,
                    dest=source,
                    mint_authority=payer.pubkey(),
                    amount=10_000,
                    decimals=0,
                )
            ),
        ],
        payer=payer,
    )
    return source, destination


def kgpu_transfer(payer: Keypair, mint: Pubkey, source: Pubkey, destination: Pubkey, amount: int, decimals: int = 0):
    return transfer_checked(
        TransferCheckedParams(
            program_id=TOKEN_2022_PROGRAM_ID,
            source=source,
            mint=mint,
            dest=destination,
            owner=payer.pubkey(),
            amount=amount,
            decimals=decimals,
        )
    )


async def test_token_2022_transfer_lands(svm: LiteSVM, funded: Keypair) -> None:
    mint = await make_token_2022_mint(svm, funded)
    source, destination = await token_accounts(svm, funded, mint, Pubkey.new_unique())

    await TransactionSender(LiteSVMTransport(svm), **FAST).send(
        [kgpu_transfer(funded, mint, source, destination, 1_500)], payer=funded
    )

    account = svm.get_account(destination)
    assert int.from_bytes(account.data[64:72], "little") == 1_500


async def test_frozen_account_error(svm: LiteSVM, funded: Keypair) -> None:
    mint = await make_token_2022_mint(svm, funded)
    source, destination = await token_accounts(svm, funded, mint, Pubkey.new_unique())
    sender = TransactionSender(LiteSVMTransport(svm), **FAST)
    await sender.send(
        [
            freeze_account(
                FreezeAccountParams(
                    program_id=TOKEN_2022_PROGRAM_ID, account=destination, mint=mint, authority=funded.pubkey()
                )
            )
        ],
        payer=funded,
    )

    with pytest.raises(AccountFrozenError) as caught:
        await sender.send([kgpu_transfer(funded, mint, source, destination, 10)], payer=funded)

    assert caught.value.code == 17
    assert caught.value.program_id == TOKEN_2022_PROGRAM_ID
    assert "KYC" in caught.value.message("ko")
    assert "KYC" in caught.value.message("en")


async def test_decimals_mismatch_error(svm: LiteSVM, funded: Keypair) -> None:
    mint = await make_token_2022_mint(svm, funded)
    source, destination = await token_accounts(svm, funded, mint, Pubkey.new_unique())

    with pytest.raises(MintDecimalsMismatchError):
        await TransactionSender(LiteSVMTransport(svm), **FAST).send(
            [kgpu_transfer(funded, mint, source, destination, 10, decimals=2)], payer=funded
        )


async def test_token_insufficient_funds_error(svm: LiteSVM, funded: Keypair) -> None:
    mint = await make_token_2022_mint(svm, funded)
    source, destination = await token_accounts(svm, funded, mint, Pubkey.new_unique())

    with pytest.raises(TokenInsufficientFundsError):
        await TransactionSender(LiteSVMTransport(svm), **FAST).send(
            [kgpu_transfer(funded, mint, source, destination, 10_001)], payer=funded
        )
