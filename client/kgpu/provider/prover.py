"""Provers: compute the challenge product C = A·B over F_p, p = 2^61 − 1.

Matrix derivation, the product and the answer encoding come from :mod:`kgpu_oracle.compute`, so
the agent and the oracle share one definition. :class:`PythonProver` calls its pure-Python
``compute_answer``. :class:`TorchProver` runs the product on a CUDA GPU in float64:

Each entry (< 2^61) is split into three 21-bit limbs, so A = Σ_i 2^(21·i) A_i and the same for B.
A limb product is below 2^42 and a row of n ≤ 128 of them sums below 2^49, so every float64
matrix product A_i·B_j is exact in any summation order (integers below 2^53 are exact). The
products with the same i + j are added on the GPU (at most three, still below 2^51), and the five
sums are combined with their powers of two modulo p in Python integers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from kgpu.provider.errors import ProverUnavailableError
from kgpu_oracle.compute import MAX_MATRIX_SIZE, PRIME, challenge_matrices, compute_answer, encode_answer

__all__ = ["LIMB_BITS", "Prover", "PythonProver", "TorchProver", "product_by_limbs", "select_prover"]

logger = logging.getLogger("kgpu.provider")

LIMB_BITS = 21
LIMB_COUNT = 3
_LIMB_MASK = (1 << LIMB_BITS) - 1

Matrix = list[list[int]]


class Prover(Protocol):
    """Computes the encoded answer of a challenge."""

    name: str

    def answer(self, seed: bytes, n: int) -> bytes:
        """Return C = A·B mod p for the challenge, encoded as row-major little-endian u64 words."""
        ...


class PythonProver:
    """The pure-Python O(n³) product of :func:`kgpu_oracle.compute.compute_answer`."""

    name = "python"

    def answer(self, seed: bytes, n: int) -> bytes:
        return encode_answer(compute_answer(seed, n))


def _split_limbs(matrix: Matrix) -> list[Matrix]:
    return [[[(value >> (LIMB_BITS * limb)) & _LIMB_MASK for value in row] for row in matrix] for limb in range(LIMB_COUNT)]


def product_by_limbs(
    a: Matrix,
    b: Matrix,
    *,
    to_backend: Callable[[Matrix], Any],
    matmul: Callable[[Any, Any], Any],
    add: Callable[[Any, Any], Any],
    to_lists: Callable[[Any], Matrix],
) -> Matrix:
    """Compute A·B mod p from exact float64 products of 21-bit limbs (see the module docstring).

    The callables move limb matrices to a backend, multiply and add them there, and bring the
    integer sums back as lists. Tests pass pure-Python ones.
    """
    if len(a) > MAX_MATRIX_SIZE:
        raise ValueError(f"the limb product is exact only for n ≤ {MAX_MATRIX_SIZE}, got n = {len(a)}")
    a_limbs = [to_backend(limb) for limb in _split_limbs(a)]
    b_limbs = [to_backend(limb) for limb in _split_limbs(b)]

    sums: list[Any] = [None] * (2 * LIMB_COUNT - 1)
    for i, a_limb in enumerate(a_limbs):
        for j, b_limb in enumerate(b_limbs):
            partial = matmul(a_limb, b_limb)
            sums[i + j] = partial if sums[i + j] is None else add(sums[i + j], partial)

    size = len(a)
    result = [[0] * size for _ in range(size)]
    for power, matrix in enumerate(to_lists(total) for total in sums):
        factor = pow(2, LIMB_BITS * power, PRIME)
        for row, values in zip(result, matrix):
            for column, value in enumerate(values):
                row[column] = (row[column] + value * factor) % PRIME
    return result


class TorchProver:
    """The limb product on a CUDA device with PyTorch.

    NOTE: no CUDA machine has run this class yet. The limb arithmetic it relies on is tested with
    pure-Python callables, and the oracle's Freivalds check rejects a wrong answer.
    """

    name = "torch-cuda"

    def __init__(self, torch: Any, device: str = "cuda") -> None:
        self.torch = torch
        self.device = device

    def answer(self, seed: bytes, n: int) -> bytes:
        torch = self.torch
        a, b = challenge_matrices(seed, n)
        matrix = product_by_limbs(
            a,
            b,
            to_backend=lambda limbs: torch.tensor(limbs, dtype=torch.float64, device=self.device),
            matmul=torch.matmul,
            add=torch.add,
            to_lists=lambda tensor: tensor.to(torch.int64).cpu().tolist(),
        )
        return encode_answer(matrix)


def select_prover(preferred: str = "auto") -> Prover:
    """Return the prover named ``preferred``: ``python``, ``torch``, or ``auto`` (torch when CUDA is present).

    Raises:
        ValueError: ``preferred`` is unknown.
        ProverUnavailableError: ``torch`` was requested and PyTorch or a CUDA device is missing.
    """
    if preferred == "python":
        return PythonProver()
    if preferred not in ("auto", "torch"):
        raise ValueError(f"unknown prover {preferred!r}; use auto, python or torch")
    try:
        import torch  # noqa: PLC0415 - optional dependency, imported only when asked for
    except ImportError:
        torch = None
    if torch is not None and torch.cuda.is_available():
        return TorchProver(torch)
    if preferred == "torch":
        raise ProverUnavailableError()
    logger.info("prover: PyTorch with CUDA not found, using the pure-Python product")
    return PythonProver()
