"""Bank deposit notices: canonical bytes, signature checks and field validation."""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey, VerifyKey
from solders.pubkey import Pubkey

from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu.token import canonical_deposit_id

from kgpu_oracle.deposits import DepositNotice, deposit_signing_bytes, sign_deposit, verify_deposit
from kgpu_oracle.errors import EvidenceError
from kgpu_oracle.messages import MintDeposit

from kgpu_oracle_testkit import BANK_KEY, DEPLOYMENT_ID, QUOTE_DAY

WALLET = Pubkey.from_bytes(hashlib.sha256(b"wallet").digest())


def _verify(notice: DepositNotice, bank_signature: bytes, **overrides):
    arguments = dict(
        reference=notice.reference,
        beneficiary=str(notice.beneficiary),
        amount=notice.amount,
        credited_at=notice.credited_at,
        signature=bank_signature,
        bank_key=VerifyKey(bytes(BANK_KEY.verify_key)),
        deployment_id=DEPLOYMENT_ID,
        now=QUOTE_DAY + 60,
    )
    arguments.update(overrides)
    return verify_deposit(**arguments)


def test_signing_bytes_golden() -> None:
    notice = DepositNotice("REF-1", Pubkey.from_bytes(bytes(range(32))), 1_000_000, 1753056000)
    data = deposit_signing_bytes(notice, bytes(32))
    expected = (
        b"KGPU-BANK-DEPOSIT-1\x00".hex()
        + "00" * 32
        + "0500"
        + b"REF-1".hex()
        + bytes(range(32)).hex()
        + "40420f0000000000"
        + "00837d6800000000"
    )
    assert data.hex() == expected


def test_valid_notice_accepted() -> None:
    notice = DepositNotice("SHINHAN-1", WALLET, 500_000, QUOTE_DAY)
    verified = _verify(notice, sign_deposit(notice, DEPLOYMENT_ID, BANK_KEY))
    assert verified == notice
    assert verified.payload() == MintDeposit(canonical_deposit_id("SHINHAN-1"), WALLET, 500_000)
    counter = next(c for c in range(64) if hashlib.sha256(b"SHINHAN-1" + struct.pack("<I", c)).digest() == verified.deposit_id)
    assert Pubkey.find_program_address([b"deposit", verified.deposit_id], KGPU_TOKEN_PROGRAM_ID)[1] == 255
    assert counter < 64


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"amount": 500_001}, "signature"),
        ({"reference": "SHINHAN-2"}, "signature"),
        ({"beneficiary": str(Pubkey.default())}, "signature"),
        ({"deployment_id": bytes(32)}, "signature"),
        ({"bank_key": VerifyKey(bytes(SigningKey(bytes(32)).verify_key))}, "signature"),
        ({"amount": 0}, "amount"),
        ({"reference": ""}, "reference"),
        ({"reference": "x" * 129}, "reference"),
        ({"reference": "line\nbreak"}, "reference"),
        ({"beneficiary": "not-base58!"}, "beneficiary"),
        ({"credited_at": QUOTE_DAY + 3_600}, "credited_at"),
        ({"credited_at": -(10**30)}, "credited_at"),
        ({"signature": bytes(63)}, "signature"),
    ],
)
def test_invalid_notice_names_field(override: dict, field: str) -> None:
    notice = DepositNotice("SHINHAN-1", WALLET, 500_000, QUOTE_DAY)
    signature = sign_deposit(notice, DEPLOYMENT_ID, BANK_KEY)
    with pytest.raises(EvidenceError) as caught:
        _verify(notice, signature, **override)
    assert caught.value.field == field


@given(reference=st.text(min_size=1, max_size=40).filter(str.isprintable), amount=st.integers(1, 10**15))
def test_sign_verify_round_trip(reference: str, amount: int) -> None:
    notice = DepositNotice(reference, WALLET, amount, QUOTE_DAY)
    assert _verify(notice, sign_deposit(notice, DEPLOYMENT_ID, BANK_KEY)) == notice
