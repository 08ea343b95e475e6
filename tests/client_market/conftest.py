"""Fixtures for the kgpu.market SDK tests.

The test kits of `tests/market` (anchorpy encodings from the IDL), `tests/token` and
`tests/client` (the kgpu-localnet subprocess) are imported by module name, so their folders go on
`sys.path` here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from solders.keypair import Keypair

TESTS = Path(__file__).resolve().parent.parent
for folder in ("market", "token", "client"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from market_sdk_testkit import SdkMarketEnv, make_sdk_market_env  # noqa: E402


@pytest.fixture
def market_env(svm, payer: Keypair, deploy) -> SdkMarketEnv:
    """kgpu_token and kgpu_market deployed in LiteSVM; the market initialized and thawed through kgpu.market and kgpu.token."""
    return make_sdk_market_env(svm, payer, deploy)
