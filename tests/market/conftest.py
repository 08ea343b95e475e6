"""Fixtures for the kgpu_market tests: both programs deployed and initialized."""

from __future__ import annotations

import pytest

from market_testkit import MarketEnv, make_market_env


@pytest.fixture
def env(svm, payer, deploy) -> MarketEnv:
    """kgpu_token and kgpu_market deployed, initialized with the launch parameters, vaults thawed."""
    return make_market_env(svm, payer, deploy)
