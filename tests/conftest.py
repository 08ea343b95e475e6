"""Fixtures shared by every test: a fresh LiteSVM, a funded payer, and program deployment."""

from __future__ import annotations

from typing import Callable

import pytest
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair

PAYER_LAMPORTS = 1_000 * 1_000_000_000


@pytest.fixture
def svm() -> LiteSVM:
    """A new LiteSVM with the SPL programs and sysvars loaded, and signature checks on."""
    return LiteSVM()


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
