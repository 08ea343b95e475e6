"""Proof of compute: matrix derivation, the provider's product and Freivalds' check."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgpu_oracle.compute import (
    PRIME,
    challenge_matrices,
    compute_answer,
    decode_answer,
    encode_answer,
    freivalds_check,
)

SEED = hashlib.sha256(b"challenge seed").digest()


def test_matrices_deterministic() -> None:
    first = challenge_matrices(SEED, 8)
    assert first == challenge_matrices(SEED, 8)
    assert first != challenge_matrices(bytes(32), 8)
    assert first[0] != first[1]
    assert all(0 <= value < PRIME for row in first[0] for value in row)


def test_matrices_golden_entry() -> None:
    a, b = challenge_matrices(bytes(32), 8)
    stream = hashlib.shake_256(b"KGPU-POC-1" + bytes(32) + b"A").digest(8 * 64)
    assert a[0][0] == int.from_bytes(stream[:8], "little") % PRIME
    assert a[7][7] == int.from_bytes(stream[-8:], "little") % PRIME


def test_answer_matches_naive_product() -> None:
    a, b = challenge_matrices(SEED, 8)
    expected = [[sum(a[i][k] * b[k][j] for k in range(8)) % PRIME for j in range(8)] for i in range(8)]
    assert compute_answer(SEED, 8) == expected


def test_correct_answer_passes() -> None:
    assert freivalds_check(SEED, 64, compute_answer(SEED, 64), rounds=3)


@settings(max_examples=30, deadline=None)
@given(row=st.integers(0, 15), column=st.integers(0, 15), delta=st.integers(1, PRIME - 1))
def test_single_wrong_entry_fails(row: int, column: int, delta: int) -> None:
    answer = compute_answer(SEED, 16)
    answer[row][column] = (answer[row][column] + delta) % PRIME
    assert not freivalds_check(SEED, 16, answer, rounds=1)


def test_answer_encoding_round_trip() -> None:
    answer = compute_answer(SEED, 8)
    data = encode_answer(answer)
    assert len(data) == 8 * 64
    assert decode_answer(data, 8) == answer


def test_decode_rejects_bad_answers() -> None:
    with pytest.raises(ValueError, match="512 bytes"):
        decode_answer(bytes(8 * 63), 8)
    with pytest.raises(ValueError, match="below p"):
        decode_answer((PRIME).to_bytes(8, "little") * 64, 8)


def test_size_limits() -> None:
    with pytest.raises(ValueError, match="matrix size"):
        challenge_matrices(SEED, 4)
    with pytest.raises(ValueError, match="matrix size"):
        challenge_matrices(SEED, 129)
    with pytest.raises(ValueError, match="seed"):
        challenge_matrices(b"short", 8)
