"""Fixtures for the on-chain program tests: the probe program deployed in LiteSVM."""

from __future__ import annotations

from typing import Callable

import pytest
from solders.pubkey import Pubkey


@pytest.fixture
def probe(deploy: Callable[[str], Pubkey]) -> Pubkey:
    """The `kgpu_probe` program, deployed through BPF Loader Upgradeable; returns its id."""
    return deploy("kgpu_probe")
