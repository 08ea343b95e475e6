"""Fixtures for the attack tests: the token and market environments of the program test kits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS / "token"))
sys.path.insert(0, str(TESTS / "market"))

from kgpu_token_testkit import make_env  # noqa: E402
from market_testkit import make_market_env  # noqa: E402


@pytest.fixture
def token_env(svm, payer, deploy):
    """kgpu_token deployed and initialized, with collateral attested."""
    env = make_env(svm, payer, deploy)
    env.attest(10**15)
    return env


@pytest.fixture
def market_env(svm, payer, deploy):
    """kgpu_token and kgpu_market deployed and initialized."""
    return make_market_env(svm, payer, deploy)
