"""Fixtures of the provider agent tests: three real kgpu-oracle processes, threshold 2."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator

import pytest

from kgpu_provider_testkit import ORACLE_COUNT, OracleCluster, free_port, wait_healthy, write_oracle_config


@pytest.fixture(scope="module")
def oracles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OracleCluster]:
    """Three kgpu-oracle processes, threshold 2, each with its own SQLite database."""
    directory = tmp_path_factory.mktemp("oracles")
    ports = [free_port() for _ in range(ORACLE_COUNT)]
    cluster = OracleCluster(
        urls=[f"http://127.0.0.1:{port}" for port in ports],
        databases=[f"sqlite:///{directory / f'oracle-{index}.db'}" for index in range(ORACLE_COUNT)],
        directory=directory,
    )
    try:
        for index in range(ORACLE_COUNT):
            config = write_oracle_config(directory, index, ports)
            log = directory / f"oracle-{index}.log"
            with open(log, "wb") as handle:
                cluster.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "kgpu_oracle.cli", "--config", str(config), "--log-level", "WARNING"],
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                        env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    )
                )
        for index, url in enumerate(cluster.urls):
            wait_healthy(url, cluster.processes[index], directory / f"oracle-{index}.log")
        yield cluster
    finally:
        for process in cluster.processes:
            process.terminate()
        for process in cluster.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


