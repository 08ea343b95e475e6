"""Proof of compute: seeded matrix products checked with Freivalds' algorithm.

A challenge names a 32-byte seed and a size n. Both sides derive two n×n matrices A and B over
the prime field F_p with p = 2^61 − 1 (a Mersenne prime, so products of two entries fit Python
ints cheaply and a GPU can reduce with shifts). The provider returns C = A·B; the oracle checks
A·(B·r) = C·r for random vectors r, at O(n²) cost per round instead of O(n³) to recompute C.
A wrong C passes one round with probability at most 1/p < 2^-60, so k rounds bound the error by
2^-(60·k), which is below the 2^-k of the textbook 0/1-vector version.

Matrix derivation: SHAKE-256 over `KGPU-POC-1` ‖ seed ‖ `A` (or `B`) yields 8·n² bytes, read as
little-endian u64 words in row-major order, each reduced mod p.
Answer encoding: the n² entries of C, row-major, each a little-endian u64 below p.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass
from operator import mul

__all__ = [
    "CHALLENGE_RESULT_DOMAIN",
    "MAX_MATRIX_SIZE",
    "MIN_MATRIX_SIZE",
    "PRIME",
    "ChallengeResult",
    "answer_digest",
    "challenge_matrices",
    "compute_answer",
    "decode_answer",
    "encode_answer",
    "freivalds_check",
]

PRIME = 2**61 - 1
MIN_MATRIX_SIZE = 8
MAX_MATRIX_SIZE = 128
CHALLENGE_RESULT_DOMAIN = b"KGPU-CHALLENGE-RESULT-1\x00"

Matrix = list[list[int]]


def _derive_matrix(seed: bytes, label: bytes, n: int) -> Matrix:
    stream = hashlib.shake_256(b"KGPU-POC-1" + seed + label).digest(8 * n * n)
    words = struct.unpack(f"<{n * n}Q", stream)
    return [[word % PRIME for word in words[row * n : (row + 1) * n]] for row in range(n)]


def challenge_matrices(seed: bytes, n: int) -> tuple[Matrix, Matrix]:
    """Derive the matrices A and B of a challenge."""
    if len(seed) != 32:
        raise ValueError(f"a challenge seed is 32 bytes, got {len(seed)}")
    if not MIN_MATRIX_SIZE <= n <= MAX_MATRIX_SIZE:
        raise ValueError(f"matrix size must be {MIN_MATRIX_SIZE}..{MAX_MATRIX_SIZE}, got {n}")
    return _derive_matrix(seed, b"A", n), _derive_matrix(seed, b"B", n)


def compute_answer(seed: bytes, n: int) -> Matrix:
    """Compute C = A·B mod p for a challenge: the provider's side, O(n³) in pure Python.

    A provider agent with a GPU can replace this, as long as it returns the same matrix.
    """
    a, b = challenge_matrices(seed, n)
    columns = list(zip(*b))
    return [[sum(map(mul, row, column)) % PRIME for column in columns] for row in a]


def encode_answer(matrix: Matrix) -> bytes:
    """Encode C as row-major little-endian u64 words."""
    return b"".join(struct.pack(f"<{len(row)}Q", *row) for row in matrix)


def decode_answer(data: bytes, n: int) -> Matrix:
    """Decode an answer of size n; raises ValueError on a wrong length or an entry ≥ p."""
    if len(data) != 8 * n * n:
        raise ValueError(f"an answer for n={n} has {8 * n * n} bytes, got {len(data)}")
    words = struct.unpack(f"<{n * n}Q", data)
    if any(word >= PRIME for word in words):
        raise ValueError("every answer entry must be reduced below p = 2^61 - 1")
    return [list(words[row * n : (row + 1) * n]) for row in range(n)]


def answer_digest(data: bytes) -> bytes:
    """sha256 of the encoded answer; usage receipts refer to the answer by this digest."""
    return hashlib.sha256(data).digest()


def _matrix_vector(matrix: Matrix, vector: list[int]) -> list[int]:
    return [sum(map(mul, row, vector)) % PRIME for row in matrix]


def freivalds_check(seed: bytes, n: int, answer: Matrix, rounds: int = 2) -> bool:
    """Return True when `answer` passes `rounds` Freivalds rounds with fresh random vectors."""
    a, b = challenge_matrices(seed, n)
    for _ in range(rounds):
        vector = [secrets.randbelow(PRIME) for _ in range(n)]
        if _matrix_vector(a, _matrix_vector(b, vector)) != _matrix_vector(answer, vector):
            return False
    return True


@dataclass(frozen=True)
class ChallengeResult:
    """An oracle's signed record that a provider answered its challenge correctly in time.

    Peers check the issuing oracle's signature, then re-run Freivalds on the answer themselves.
    """

    challenge_id: bytes
    provider: bytes
    seed: bytes
    n: int
    issued_at: int
    deadline: int
    answered_at: int
    answer_digest: bytes

    def signing_bytes(self, deployment_id: bytes) -> bytes:
        """Return `CHALLENGE_RESULT_DOMAIN` ‖ deployment id ‖ the fields, integers little-endian."""
        return (
            CHALLENGE_RESULT_DOMAIN
            + deployment_id
            + self.challenge_id
            + self.provider
            + self.seed
            + struct.pack("<Hqqq", self.n, self.issued_at, self.deadline, self.answered_at)
            + self.answer_digest
        )
