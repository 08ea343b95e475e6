"""Fixtures shared by every test: a fresh LiteSVM, a funded payer, and program deployment."""

from __future__ import annotations

from typing import Callable

import pytest
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair
from kgpu_sbf.spl import ensure_token_2022, install_token_2022

PAYER_LAMPORTS = 1_000 * 1_000_000_000


@pytest.fixture(scope="session", autouse=True)
def token_2022_v11() -> None:
    """Fetch SPL Token-2022 v11 once per run; `make programs` has usually cached it already."""
    ensure_token_2022(log=lambda _line: None)


@pytest.fixture
def svm() -> LiteSVM:
    """A new LiteSVM with signature checks on, its SPL programs, and Token-2022 v11.

    The Token-2022 build bundled with solders 0.27.1 cannot write token metadata under the
    runtime features LiteSVM enables, so the fixture swaps in v11 (see `kgpu_sbf.spl`).
    """
    svm = LiteSVM()
    install_token_2022(svm)
    return svm


@pytest.fixture
def payer(svm: LiteSVM) -> Keypair:
    """A keypair holding 1,000 SOL in `svm`."""
    keypair = Keypair()
    svm.airdrop(keypair.pubkey(), PAYER_LAMPORTS)
    return keypair


@pytest.fixture
def deploy(svm: LiteSVM, payer: Keypair) -> Callable[[str], Pubkey]:
    """Deploy a built program by crate name through BPF Loader Upgradeable and return its id.

    A missing build fails the test with the command that builds it rather than skipping it.
    """

    def _deploy(name: str) -> Pubkey:
        return deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name))

    return _deploy
