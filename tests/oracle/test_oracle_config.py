"""Configuration loading, the shipped examples and the command line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from kgpu_oracle.app import create_app
from kgpu_oracle.cli import main
from kgpu_oracle.collateral import verify_report
from kgpu_oracle.chain import DatabaseChainReader
from kgpu_oracle.config import ConfigError, load_config
from kgpu_oracle.market_chain import MarketChainReader

from kgpu_oracle_testkit import CUSTODIAN_ADDRESS, DEPLOYMENT_ID, JOB, PROVIDER, make_config, operator_keypair

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


def _with_key(tmp_path: Path, key: str, toml_value: str | None) -> Path:
    """Copy example 1 with the top-level `key` set to `toml_value`, or removed when it is None."""
    path = _example(tmp_path, 1)
    lines = [line for line in path.read_text().splitlines() if not line.startswith(f"{key} = ")]
    if toml_value is not None:
        lines.insert(0, f"{key} = {toml_value}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("key", "toml_value", "message"),
    [
        ("deployment_id", "7", "deployment_id must be a string, got 7 (an integer)"),
        ("operator_keypair", "1", "operator_keypair must be a string, got 1 (an integer)"),
        ("threshold", '"two"', "threshold must be an integer, got 'two' (a string)"),
        ("threshold", '"2"', "threshold must be an integer, got '2' (a string); remove the quotes around it"),
        ("threshold", "true", "threshold must be an integer, got True (a boolean)"),
        ("custodian_address", "123", "custodian_address must be a string, got 123 (an integer)"),
        ("bank_pubkey", "true", "bank_pubkey must be a string, got True (a boolean)"),
        ("database_url", "5", "database_url must be a string, got 5 (an integer)"),
        ("rpc_url", "8899", "rpc_url must be a string, got 8899 (an integer)"),
        ("submit_transactions", '"yes"', "submit_transactions must be a boolean (true or false), got 'yes' (a string)"),
        ("reserve_from_chain", "1", "reserve_from_chain must be a boolean (true or false), got 1 (an integer)"),
        ("job_source", "true", "job_source must be a string, got True (a boolean)"),
        ("listen_host", "127", "listen_host must be a string, got 127 (an integer)"),
        ("listen_port", '"8701"', "listen_port must be an integer, got '8701' (a string); remove the quotes"),
        ("listen_port", "8701.0", "listen_port must be an integer, got 8701.0 (a float)"),
        ("max_report_age_days", "[4]", "max_report_age_days must be an integer, got [4] (an array)"),
        ("challenge_matrix_size", '"64"', "challenge_matrix_size must be an integer, got '64' (a string)"),
        ("challenge_deadline_seconds", "1.5", "challenge_deadline_seconds must be an integer, got 1.5 (a float)"),
        ("freivalds_rounds", '"two"', "freivalds_rounds must be an integer, got 'two' (a string)"),
        ("intake_per_minute", "{ n = 1 }", "intake_per_minute must be an integer, got {'n': 1} (a table)"),
        ("max_body_bytes", "false", "max_body_bytes must be an integer, got False (a boolean)"),
        ("peer_timeout_seconds", '"5"', "peer_timeout_seconds must be a number, got '5' (a string)"),
        ("gather_interval_seconds", "true", "gather_interval_seconds must be a number, got True (a boolean)"),
        ("gpu_power_table", "3", "gpu_power_table must be a string, got 3 (an integer)"),
        ("grid_factor_g_per_kwh", '"417.3"', "grid_factor_g_per_kwh must be a number, got '417.3' (a string)"),
    ],
)
def test_config_type_error(tmp_path: Path, key: str, toml_value: str, message: str) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_with_key(tmp_path, key, toml_value))
    assert message in str(error_info.value)
    assert "\n" not in str(error_info.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("over_bps = 800", 'over_bps = "800"', "haircuts.over_bps must be an integer, got '800' (a string)"),
        ("{ max_years = 1, bps = 100 }", "{ max_years = 1, bps = 1.5 }", "haircuts.buckets[0].bps must be an integer"),
        ("{ max_years = 1, bps = 100 }", "{ max_years = 1 }", "haircuts.buckets[0] is missing the key 'bps'"),
        ('url = "http://127.0.0.1:8702"', "url = 8702", "peers[0].url must be a string, got 8702 (an integer)"),
        ('url = "http://127.0.0.1:8702"', 'url = "127.0.0.1:8702"', "peers[0].url must be an http:// or https:// URL"),
        ('url = "http://127.0.0.1:8702"', "", "peers[0] is missing the key 'url'"),
        ('pubkey = "8qsiNCvqTqFsmX4odmHJ4mngdjvEPygF6zfdXzcRNtpj"', 'pubkey = "8qsi"', "peers[0].pubkey must be a base58 ed25519 public key (32 bytes), got '8qsi'"),
    ],
)
def test_config_table_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_edited(tmp_path, old, new))
    assert message in str(error_info.value)


def test_deployment_id_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_with_key(tmp_path, "deployment_id", None))
    assert str(error_info.value) == "missing required key 'deployment_id'"


@pytest.mark.parametrize("value", ['"abc"', '"' + "zz" * 32 + '"', '"' + "00" * 33 + '"'])
def test_deployment_id_not_hex(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"^deployment_id must be 64 hexadecimal characters \(32 bytes\), got "):
        load_config(_with_key(tmp_path, "deployment_id", value))


@pytest.mark.parametrize(
    ("key", "toml_value", "message"),
    [
        ("listen_port", "99999", "listen_port must be a TCP port 1..65535, got 99999"),
        ("listen_port", "0", "listen_port must be a TCP port 1..65535, got 0"),
        ("custodian_address", '"0x123"', "custodian_address must be a 20-byte Ethereum address written as 0x and 40 hexadecimal characters, got '0x123'"),
        ("custodian_address", '"85144c6Ec8b8F61E967A1efd09aff2b0E22B0bc1"', "custodian_address must be a 20-byte Ethereum address"),
        ("custodian_address", '"0x85144c6ec8b8F61E967A1efd09aff2b0E22B0bc1"', "fails its EIP-55 checksum"),
        ("bank_pubkey", '"not-base58"', "bank_pubkey must be a base58 ed25519 public key (32 bytes), got 'not-base58'"),
        ("rpc_url", '"not a url"', "rpc_url must be an http:// or https:// URL such as http://127.0.0.1:8899, got 'not a url'"),
        ("rpc_url", '"ftp://127.0.0.1:8899"', "rpc_url must be an http:// or https:// URL"),
        ("rpc_url", '"http://127.0.0.1:99999"', "rpc_url must be an http:// or https:// URL"),
        ("challenge_matrix_size", "7", "challenge_matrix_size must be 8..128, got 7"),
        ("challenge_matrix_size", "129", "challenge_matrix_size must be 8..128, got 129"),
        ("freivalds_rounds", "0", "freivalds_rounds must be at least 1, got 0"),
        ("intake_per_minute", "0", "intake_per_minute must be at least 1, got 0"),
        ("challenge_deadline_seconds", "-1", "challenge_deadline_seconds must be at least 1, got -1"),
        ("max_report_age_days", "-1", "max_report_age_days must be at least 0, got -1"),
        ("peer_timeout_seconds", "0", "peer_timeout_seconds must be a number of seconds above 0, got 0.0"),
        ("gather_interval_seconds", "-0.5", "gather_interval_seconds must be a number of seconds above 0, got -0.5"),
        ("grid_factor_g_per_kwh", "-1", "grid_factor_g_per_kwh must be 0 or more, got -1"),
        ("job_source", '"rpc"', 'job_source must be "chain" or "database", got \'rpc\''),
        ("database_url", '"mysql://kgpu@127.0.0.1/oracle"', "database_url must start with sqlite:/// or postgresql://, got mysql://"),
        ("gpu_power_table", '"absent.csv"', "gpu_power_table: file not found"),
    ],
)
def test_config_value_rejected(tmp_path: Path, key: str, toml_value: str, message: str) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_with_key(tmp_path, key, toml_value))
    assert message in str(error_info.value)


def test_database_url_error_hides_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_with_key(tmp_path, "database_url", '"::secret-password@@"'))
    assert "database_url is not a valid URL" in str(error_info.value)
    assert "secret-password" not in str(error_info.value)


@pytest.mark.parametrize("size", [8, 128])
def test_challenge_matrix_size_bounds_accepted(tmp_path: Path, size: int) -> None:
    assert load_config(_with_key(tmp_path, "challenge_matrix_size", str(size))).challenge_matrix_size == size


def test_custodian_address_lowercase_checksummed(tmp_path: Path) -> None:
    config = load_config(_with_key(tmp_path, "custodian_address", '"0x85144c6ec8b8f61e967a1efd09aff2b0e22b0bc1"'))
    assert config.custodian_address == "0x85144c6Ec8b8F61E967A1efd09aff2b0E22B0bc1"


def test_rpc_url_https_accepted(tmp_path: Path) -> None:
    assert load_config(_with_key(tmp_path, "rpc_url", '"https://rpc.example.com"')).rpc_url == "https://rpc.example.com"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("listen_prot = 8701", "unknown key 'listen_prot'; did you mean 'listen_port'?"),
        ("treshold = 2", "unknown key 'treshold'; did you mean 'threshold'?"),
        ("colour = 1", "unknown key 'colour'; the valid keys are deployment_id, operator_keypair"),
    ],
)
def test_unknown_key_rejected(tmp_path: Path, line: str, message: str) -> None:
    path = _example(tmp_path, 1)
    path.write_text(f"{line}\n{path.read_text()}")
    with pytest.raises(ConfigError) as error_info:
        load_config(path)
    assert message in str(error_info.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("over_bps = 800", "over_bp = 800", "unknown key 'over_bp' in [haircuts]; did you mean 'over_bps'?"),
        ('url = "http://127.0.0.1:8702"', 'uri = "http://127.0.0.1:8702"', "unknown key 'uri' in peers[0]; did you mean 'url'?"),
        ("{ max_years = 1, bps = 100 }", "{ max_year = 1, bps = 100 }", "unknown key 'max_year' in haircuts.buckets[0]; did you mean 'max_years'?"),
    ],
)
def test_unknown_table_key_rejected(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_edited(tmp_path, old, new))
    assert message in str(error_info.value)


def test_relative_sqlite_path_uses_config_folder(tmp_path: Path, monkeypatch) -> None:
    config_folder = tmp_path / "config"
    config_folder.mkdir()
    working_folder = tmp_path / "work"
    working_folder.mkdir()
    monkeypatch.chdir(working_folder)
    path = _example(config_folder, 1)

    config = load_config(path)
    assert config.database_url == f"sqlite:///{config_folder / 'oracle-1.db'}"

    status = main(
        ["--config", str(path), "register-job", "--job", str(JOB), "--provider", str(PROVIDER), "--gpu-model", "H100-SXM", "--gpu-count", "1"]
    )
    assert status == 0
    assert (config_folder / "oracle-1.db").is_file()
    assert not (working_folder / "oracle-1.db").exists()


def test_relative_config_path_resolves_database(tmp_path: Path, monkeypatch) -> None:
    _example(tmp_path, 1)
    monkeypatch.chdir(tmp_path.parent)
    config = load_config(Path(tmp_path.name) / "oracle-1.toml")
    assert config.database_url == f"sqlite:///{tmp_path / 'oracle-1.db'}"


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "postgresql://kgpu@127.0.0.1:5432/kgpu_oracle_1"],
)
def test_database_url_kept(tmp_path: Path, url: str) -> None:
    assert load_config(_with_key(tmp_path, "database_url", f'"{url}"')).database_url == url


def test_absolute_sqlite_path_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'oracle.db'}"
    assert load_config(_with_key(tmp_path, "database_url", f'"{url}"')).database_url == url


def test_cli_invalid_value_changes_nothing(tmp_path: Path, capsys) -> None:
    path = _with_key(tmp_path, "listen_port", "99999")
    status = main(
        ["--config", str(path), "register-job", "--job", str(JOB), "--provider", str(PROVIDER), "--gpu-model", "H100-SXM", "--gpu-count", "1"]
    )
    error = capsys.readouterr().err
    assert status == 2
    assert f"kgpu-oracle: invalid configuration {path}: listen_port must be a TCP port 1..65535, got 99999" in error
    assert "Traceback" not in error
    assert not (tmp_path / "oracle-1.db").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--job", "not-a-key", "invalid public key 'not-a-key'"),
        ("--gpu-count", "0", "invalid GPU count 0"),
    ],
)
def test_cli_register_job_bad_argument(tmp_path: Path, capsys, option: str, value: str, message: str) -> None:
    arguments = {"--job": str(JOB), "--provider": str(PROVIDER), "--gpu-model": "H100-SXM", "--gpu-count": "1", option: value}
    argv = ["--config", str(_example(tmp_path, 1)), "register-job"] + [item for pair in arguments.items() for item in pair]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "oracle-1.db").exists()


class _RecordList(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_start_event_logs_listen_url(tmp_path: Path, monkeypatch) -> None:
    # The oracle logger does not propagate once `main` configured it, so the test replaces its handlers.
    logger = logging.getLogger("kgpu_oracle")
    handler = _RecordList()
    monkeypatch.setattr(logger, "handlers", [handler])
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    config = make_config(f"sqlite:///{tmp_path / 'oracle.db'}", listen_port=8765)
    try:
        with TestClient(create_app(config, run_worker=False)):
            pass
    finally:
        logger.setLevel(previous_level)
    started = [message for message in handler.messages if "event=oracle_started" in message]
    assert len(started) == 1
    assert "listen=http://127.0.0.1:8765" in started[0]


def test_listen_url_brackets_ipv6(tmp_path: Path) -> None:
    config = make_config(f"sqlite:///{tmp_path / 'oracle.db'}", listen_host="::1", listen_port=8765)
    assert config.listen_url == "http://[::1]:8765"


@pytest.mark.parametrize("value", ['"two"', '"true"'])
def test_quote_hint_needs_valid_integer(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as error_info:
        load_config(_with_key(tmp_path, "threshold", value))
    assert "remove the quotes" not in str(error_info.value)


@pytest.mark.parametrize(
    ("options", "reader"),
    [
        ({}, DatabaseChainReader),
        ({"submit_transactions": True}, MarketChainReader),
        ({"job_source": "chain"}, MarketChainReader),
        ({"submit_transactions": True, "job_source": "database"}, DatabaseChainReader),
    ],
)
def test_job_source_selects_reader(tmp_path: Path, options: dict, reader: type) -> None:
    config = make_config(f"sqlite:///{tmp_path / 'oracle.db'}", **options)
    app = create_app(config, run_worker=False)
    assert isinstance(app.state.oracle.chain, reader)
