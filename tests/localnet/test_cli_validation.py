"""Command-line checks of kgpu-localnet: rejected options and the ledger lock."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kgpu_localnet import cli
from localnet_server import free_port_pair, start_localnet, stop_localnet


def _run_main(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    return exit_info.value.code


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--rpc-port", "99999"], "invalid port 99999: a TCP port is 1..65535"),
        (["--rpc-port", "0"], "invalid port 0"),
        (["--rpc-port", "-1"], "invalid port -1"),
        (["--rpc-port", "http"], "invalid port 'http': expected an integer"),
        (["--ws-port", "70000"], "argument --ws-port: invalid port 70000"),
        (["--rpc-port", "65535"], "--rpc-port 65535 leaves no port for PubSub"),
        (["--rpc-port", "9000", "--ws-port", "9000"], "--ws-port 9000 equals --rpc-port"),
        (["--slot-ms", "0"], "invalid slot duration 0 ms: must be at least 1"),
        (["--slot-ms", "-400"], "invalid slot duration -400 ms"),
        (["--slots-per-epoch", "0"], "invalid slots per epoch 0: must be at least 32"),
        (["--slots-per-epoch", "31"], "invalid slots per epoch 31"),
        (["--slots-per-epoch", str(2**64)], "must fit in a u64"),
    ],
)
def test_invalid_option_rejected(tmp_path: Path, capsys, options: list[str], message: str) -> None:
    ledger = tmp_path / "ledger"
    status = _run_main(["--ledger", str(ledger), *options])
    assert status == 2
    assert message in capsys.readouterr().err
    assert not ledger.exists()


def test_ledger_file_rejected(tmp_path: Path, capsys) -> None:
    ledger = tmp_path / "passwd"
    ledger.write_text("root:x:0:0\n")
    status = _run_main(["--ledger", str(ledger)])
    assert status == 2
    assert f"--ledger {ledger} is a file, not a directory" in capsys.readouterr().err
    assert ledger.read_text() == "root:x:0:0\n"


def test_ledger_under_file_rejected(tmp_path: Path, capsys) -> None:
    parent = tmp_path / "passwd"
    parent.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        cli.lock_ledger_directory(parent / "ledger")
    assert exit_info.value.code == 2
    assert f"cannot use --ledger {parent / 'ledger'}: Not a directory" in capsys.readouterr().err


def test_short_slot_warns(tmp_path: Path, monkeypatch, caplog) -> None:
    async def run_nothing(args) -> int:
        return 0

    monkeypatch.setattr(cli, "run_litesvm", run_nothing)
    with caplog.at_level(logging.WARNING, logger="kgpu_localnet"):
        assert cli.main(["--ledger", str(tmp_path / "ledger"), "--slot-ms", "5"]) == 0
    assert "--slot-ms 5 is below 10" in caplog.text


def test_ledger_lock_rejects_second_server(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    first = start_localnet("litesvm", ledger)
    try:
        genesis_hash = first.result("getGenesisHash")
        port = free_port_pair()
        # --reset must not delete the ledger that the first server is writing.
        second = subprocess.run(
            [
                sys.executable, "-m", "kgpu_localnet.cli",
                "--rpc-port", str(port), "--ledger", str(ledger), "--reset", "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"ledger {ledger} is in use by another kgpu-localnet (pid {first.process.pid})" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.result("getGenesisHash") == genesis_hash
        assert first.process.poll() is None
    finally:
        # The kernel drops the lock with the process, so even a killed server frees the ledger.
        stop_localnet(first, signal.SIGKILL)

    third = start_localnet("litesvm", ledger, reset=False)
    try:
        assert third.result("getGenesisHash") == genesis_hash
    finally:
        stop_localnet(third)
