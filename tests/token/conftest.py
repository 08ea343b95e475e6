"""Fixtures for the kgpu_token tests: a deployed, initialized program."""

from __future__ import annotations

import pytest

from kgpu_token_testkit import TokenEnv, make_env


@pytest.fixture
def env(svm, payer, deploy) -> TokenEnv:
    """kgpu_token deployed and initialized, clock at NOW, three oracles with threshold two."""
    return make_env(svm, payer, deploy)
