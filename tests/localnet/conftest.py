"""Fixtures that start kgpu-localnet (or solana-test-validator) as a subprocess on free ports."""

from __future__ import annotations

import pytest

from localnet_server import ENGINES, Localnet, engine_available, start_localnet, stop_localnet


@pytest.fixture(scope="session", params=ENGINES)
def localnet(request, tmp_path_factory) -> Localnet:
    engine = request.param
    if not engine_available(engine):
        pytest.skip(f"{engine} is not on PATH")
    net = start_localnet(engine, tmp_path_factory.mktemp(f"ledger-{engine}"))
    yield net
    stop_localnet(net)


@pytest.fixture
def litesvm_only(localnet: Localnet) -> Localnet:
    """The session localnet, for tests of kgpu_* extensions that only the LiteSVM engine has."""
    if localnet.engine != "litesvm":
        pytest.skip("kgpu_* methods exist only on the LiteSVM engine")
    return localnet


@pytest.fixture
def private_localnet(tmp_path) -> Localnet:
    """A fresh LiteSVM localnet owned by one test (for warps, restarts and kills)."""
    net = start_localnet("litesvm", tmp_path / "ledger")
    yield net
    stop_localnet(net)
