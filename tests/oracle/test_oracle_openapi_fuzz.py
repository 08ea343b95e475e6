"""Schemathesis fuzzing of every endpoint in the OpenAPI schema: no input may cause a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from kgpu_oracle.app import create_app

from kgpu_oracle_testkit import Clock, make_config

# Removed when the interpreter exits, because the schema is built at import time.
_DIRECTORY = tempfile.TemporaryDirectory(prefix="kgpu-oracle-fuzz-")
app = create_app(
    make_config(f"sqlite:///{Path(_DIRECTORY.name) / 'oracle.db'}", intake_per_minute=10_000),
    clock=Clock(),
    run_worker=False,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.path} → {response.status_code}: {response.text[:500]}"
