"""Fixtures for the SDK and CLI tests; the helpers behind them are in ``kgpu_client_testkit``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kgpu_client_testkit import LAMPORTS_PER_SOL, LocalnetProcess, start_localnet, stop_localnet
from solders.keypair import Keypair
from solders.litesvm import LiteSVM


@pytest.fixture
def funded(svm: LiteSVM) -> Keypair:
    """A keypair holding 10 SOL in ``svm``."""
    keypair = Keypair()
    svm.airdrop(keypair.pubkey(), 10 * LAMPORTS_PER_SOL)
    return keypair


@pytest.fixture(scope="session")
def localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalnetProcess]:
    """One kgpu-localnet for the session, skipped with the reason when it cannot start."""
    started = start_localnet(tmp_path_factory.mktemp("kgpu-localnet-ledger"))
    if isinstance(started, str):
        pytest.skip(started)
    yield started
    stop_localnet(started.process)
