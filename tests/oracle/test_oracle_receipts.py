"""Usage receipts: signature, field parsing and each metering rule."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey
from solders.pubkey import Pubkey

from kgpu_oracle.errors import ConflictError, EvidenceError
from kgpu_oracle.receipts import ChallengeFacts, JobFacts, check_receipt_rules, parse_receipt, sign_receipt

from kgpu_oracle_testkit import DEPLOYMENT_ID, JOB, PROVIDER, PROVIDER_KEY, TEST_NOW, receipt_body

CHALLENGE_ID = "11" * 16
DIGEST = "22" * 32
JOB_FACTS = JobFacts(bytes(JOB), bytes(PROVIDER), True, "H100-SXM", 2, 0)
CHALLENGE = ChallengeFacts(bytes.fromhex(CHALLENGE_ID), bytes(PROVIDER), TEST_NOW, TEST_NOW - 10, bytes.fromhex(DIGEST), True)


def _check(body: dict, *, job=JOB_FACTS, power=700, challenge=CHALLENGE, expected=1) -> None:
    receipt = parse_receipt(body, DEPLOYMENT_ID)
    check_receipt_rules(receipt, job=job, board_power_w=power, challenge=challenge, expected_sequence=expected, now=TEST_NOW)


def _field_of(body: dict, **options) -> str:
    with pytest.raises(EvidenceError) as caught:
        _check(body, **options)
    return caught.value.field


def test_valid_receipt_accepted() -> None:
    body = receipt_body(CHALLENGE_ID, DIGEST)
    _check(body)
    receipt = parse_receipt(body, DEPLOYMENT_ID)
    payload = receipt.payload()
    assert payload.job == JOB
    assert payload.gpu_seconds == 7_200
    assert payload.usage_hash == hashlib.sha256(receipt.signed_bytes).digest()


def test_signed_bytes_layout() -> None:
    receipt = parse_receipt(receipt_body(CHALLENGE_ID, DIGEST), DEPLOYMENT_ID)
    data = receipt.signed_bytes
    assert data.startswith(b"KGPU-USAGE-RECEIPT-1\x00" + DEPLOYMENT_ID + bytes(JOB) + bytes(PROVIDER))
    assert data.endswith(bytes.fromhex(CHALLENGE_ID) + bytes.fromhex(DIGEST))
    assert len(data) == 21 + 32 * 3 + 8 * 6 + 16 + 32


def test_tampered_field_breaks_signature() -> None:
    body = receipt_body(CHALLENGE_ID, DIGEST)
    body["energy_wh"] += 1
    assert _field_of(body) == "signature"


def test_other_key_signature_rejected() -> None:
    body = sign_receipt({k: v for k, v in receipt_body(CHALLENGE_ID, DIGEST).items() if k != "signature"}, DEPLOYMENT_ID, SigningKey(bytes(32)))
    assert _field_of(body) == "signature"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"window_end": TEST_NOW - 7_200}, "window_end"),
        ({"window_end": TEST_NOW + 3_600}, "window_end"),
        ({"gpu_seconds": 3_600 * 2 + 1}, "gpu_seconds"),
        ({"energy_wh": 1_541}, "energy_wh"),  # 700 W × 2 GPUs × 1 h × 1.1 = 1,540 Wh
        ({"renewable_wh": 1_401}, "renewable_wh"),
        ({"answer_digest": "33" * 32}, "answer_digest"),
        ({"sequence": 2}, "sequence"),
    ],
)
def test_metering_rule_violations(overrides: dict, field: str) -> None:
    assert _field_of(receipt_body(CHALLENGE_ID, DIGEST, **overrides)) == field


def test_energy_limit_inclusive() -> None:
    _check(receipt_body(CHALLENGE_ID, DIGEST, energy_wh=1_540, renewable_wh=1_540))


def test_used_sequence_is_conflict() -> None:
    with pytest.raises(ConflictError):
        _check(receipt_body(CHALLENGE_ID, DIGEST, energy_wh=700, gpu_seconds=3_600), expected=2)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"job": None}, "job"),
        ({"job": dataclasses.replace(JOB_FACTS, open=False)}, "job"),
        ({"job": dataclasses.replace(JOB_FACTS, provider=bytes(32))}, "provider"),
        ({"power": None}, "job"),
        ({"challenge": None}, "challenge_id"),
        ({"challenge": dataclasses.replace(CHALLENGE, passed=False)}, "challenge_id"),
        ({"challenge": dataclasses.replace(CHALLENGE, answered_at=TEST_NOW + 1)}, "challenge_id"),
        ({"challenge": dataclasses.replace(CHALLENGE, provider=bytes(32))}, "challenge_id"),
    ],
)
def test_job_and_challenge_rules(options: dict, field: str) -> None:
    body = receipt_body(CHALLENGE_ID, DIGEST, energy_wh=700, gpu_seconds=3_600)
    assert _field_of(body, **options) == field


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("job"), "receipt"),
        (lambda b: b.update(extra=1), "receipt"),
        (lambda b: b.update(sequence="1"), "sequence"),
        (lambda b: b.update(sequence=True), "sequence"),
        (lambda b: b.update(gpu_seconds=-1), "gpu_seconds"),
        (lambda b: b.update(energy_wh=2**64), "energy_wh"),
        (lambda b: b.update(job="zz"), "job"),
        (lambda b: b.update(challenge_id="xyz"), "challenge_id"),
        (lambda b: b.update(answer_digest="00"), "answer_digest"),
        (lambda b: b.update(signature="!!"), "signature"),
    ],
)
def test_malformed_receipt_names_field(mutate, field: str) -> None:
    body = receipt_body(CHALLENGE_ID, DIGEST)
    mutate(body)
    with pytest.raises(EvidenceError) as caught:
        parse_receipt(body, DEPLOYMENT_ID)
    assert caught.value.field == field


@given(
    wall=st.integers(1, 86_400),
    gpus=st.integers(1, 8),
    power=st.integers(100, 1_000),
    energy=st.integers(0, 10**7),
)
def test_energy_rule_matches_exact_bound(wall: int, gpus: int, power: int, energy: int) -> None:
    job = dataclasses.replace(JOB_FACTS, gpu_count=gpus)
    body = receipt_body(
        CHALLENGE_ID, DIGEST, window_start=TEST_NOW - wall, window_end=TEST_NOW, gpu_seconds=0, energy_wh=energy, renewable_wh=0
    )
    allowed = energy * 36_000 <= power * gpus * wall * 11  # Wh ≤ W × GPUs × s / 3600 × 1.1
    try:
        _check(body, job=job, power=power)
        accepted = True
    except EvidenceError as error:
        assert error.field == "energy_wh"
        accepted = False
    assert accepted == allowed


def test_provider_pubkey_type() -> None:
    assert isinstance(PROVIDER, Pubkey)
    assert bytes(PROVIDER) == bytes(PROVIDER_KEY.verify_key)
