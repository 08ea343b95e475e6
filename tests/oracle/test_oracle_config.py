"""Configuration loading, the shipped examples and the command line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kgpu_oracle.cli import main
from kgpu_oracle.collateral import verify_report
from kgpu_oracle.config import ConfigError, load_config

from kgpu_oracle_testkit import CUSTODIAN_ADDRESS, DEPLOYMENT_ID, JOB, PROVIDER, operator_keypair

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "oracle"


def _example(tmp_path: Path, index: int) -> Path:
    target = tmp_path / f"oracle-{index}.toml"
    shutil.copy(EXAMPLES / f"oracle-{index}.toml", target)
    (tmp_path / f"operator-{index}.json").write_text(json.dumps(list(bytes(operator_keypair(index - 1)))))
    return target


@pytest.mark.parametrize("index", [1, 2, 3])
def test_examples_load(tmp_path: Path, index: int) -> None:
    config = load_config(_example(tmp_path, index))
    assert config.threshold == 2
    assert len(config.peers) == 2
    assert config.operator.pubkey() == operator_keypair(index - 1).pubkey()
    assert config.haircuts.buckets == ((1, 100), (3, 200), (5, 300), (10, 500))
    assert config.submit_transactions is False
    assert len(config.oracle_set) == 3


def test_example_report_verifies() -> None:
    body = json.loads((EXAMPLES / "holdings_report.json").read_text())
    valuation = verify_report(
        body["report"], body["signature"], custodian_address=CUSTODIAN_ADDRESS, deployment_id=DEPLOYMENT_ID, today=dt.date(2025, 7, 22)
    )
    assert valuation.capacity == 29_485_265_000


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    path = _example(tmp_path, 1)
    path.write_text(path.read_text().replace(old, new))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("threshold = 2", "threshold = 4", "threshold must be 1..3"),
        ("threshold = 2", "", "missing required key 'threshold'"),
        ('operator_keypair = "operator-1.json"', 'operator_keypair = "absent.json"', "operator_keypair"),
        (str(operator_keypair(1).pubkey()), str(operator_keypair(0).pubkey()), "distinct pubkey"),
        ("deployment_id = ", "deployment_id = \"00\"\n#", "deployment_id"),
        ("over_bps = 800", "over_bps = 10000", "haircuts"),
    ],
)
def test_invalid_config(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises((ConfigError, ValueError), match=message):
        load_config(_edited(tmp_path, old, new))


def test_cli_register_job(tmp_path: Path) -> None:
    path = _example(tmp_path, 1)
    database = tmp_path / "jobs.db"
    path.write_text(path.read_text().replace('database_url = "sqlite:///oracle-1.db"', f'database_url = "sqlite:///{database}"'))
    status = main(
        ["--config", str(path), "register-job", "--job", str(JOB), "--provider", str(PROVIDER), "--gpu-model", "H100-SXM", "--gpu-count", "4"]
    )
    assert status == 0
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        row = connection.execute(text("SELECT provider, gpu_model, gpu_count, open FROM jobs")).one()
    engine.dispose()
    assert tuple(row) == (str(PROVIDER), "H100-SXM", 4, 1)


def test_cli_invalid_config_exit_status(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("threshold = [")
    assert main(["--config", str(path)]) == 2
    assert "invalid configuration" in capsys.readouterr().err
