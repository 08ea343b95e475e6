"""The kgpu command: help in both languages, --json output and exit codes, without a cluster."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from kgpu.cli import build_app
from kgpu.i18n import CATALOGUE

WIDE = {"COLUMNS": "400", "TERMINAL_WIDTH": "400", "NO_COLOR": "1"}
EXPECTED_TREE = {
    ("wallet",): {"new", "show", "balance", "transfer"},
    ("job",): {"open", "list", "show", "close", "claim-refund"},
    ("provider",): {"register", "stake", "unstake", "withdraw", "claim", "serve"},
    ("admin",): {"init", "oracle-set", "params", "pause", "kyc", "approve"},
    ("custodian",): {"report"},
    ("bank",): {"deposit"},
}
TOP_LEVEL = {"wallet", "redeem", "job", "provider", "reserve", "admin", "custodian", "bank"}


def command_paths(command: typer.core.TyperCommand, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    # typer 0.29 builds on its own copy of click, so groups are recognised by their commands.
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            paths += command_paths(sub, (*prefix, name))
    return paths


def invoke(lang: str, *args: str) -> Result:
    return CliRunner().invoke(build_app(lang), list(args), env=WIDE)  # type: ignore[arg-type]


def json_output(result: Result) -> dict:
    return json.loads(result.stdout)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_command_tree_is_complete() -> None:
    root = typer.main.get_command(build_app("en"))
    assert set(root.commands) == TOP_LEVEL  # type: ignore[attr-defined]
    for (group,), children in EXPECTED_TREE.items():
        assert set(root.commands[group].commands) == children, group  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_help_for_every_command(lang: str) -> None:
    root = typer.main.get_command(build_app(lang))
    paths = command_paths(root)
    assert len(paths) == 1 + len(TOP_LEVEL) + sum(map(len, EXPECTED_TREE.values()))
    for path in paths:
        result = invoke(lang, *path, "--help")
        assert result.exit_code == 0, (path, result.output)
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        # The first words of the command's help, which rich may wrap further on.
        assert command.help is not None
        assert command.help.split()[0] in result.stdout, (path, result.stdout)


def test_help_languages_differ() -> None:
    korean = invoke("ko", "wallet", "transfer", "--help").stdout
    english = invoke("en", "wallet", "transfer", "--help").stdout
    assert "우선 수수료" in korean
    assert "마이크로 램포트" in korean
    assert "Priority fee in micro-lamports per compute unit" in english
    assert "우선" not in english


def test_every_option_has_help() -> None:
    checked = 0
    for lang in ("ko", "en"):
        root = typer.main.get_command(build_app(lang))
        for path in command_paths(root):
            command = root
            for name in path:
                command = command.commands[name]  # type: ignore[attr-defined]
            for param in command.params:
                if param.name == "help":
                    continue
                assert param.param_type_name in ("option", "argument"), (path, param.name)
                assert getattr(param, "help", None), (lang, path, param.name)
                checked += 1
    assert checked > 100


def test_help_texts_come_from_catalogue() -> None:
    root = typer.main.get_command(build_app("ko"))
    korean_texts = {entry["ko"] for entry in CATALOGUE.values()}
    for path in command_paths(root):
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert command.help in korean_texts, path


def test_wallet_new_json(tmp_path: Path) -> None:
    path = tmp_path / "id.json"

    result = invoke("en", "--keypair", str(path), "--json", "wallet", "new")

    assert result.exit_code == 0, result.output
    data = json_output(result)
    assert set(data) == {"ok", "pubkey", "keypair_path"}
    assert data["ok"] is True
    assert data["keypair_path"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wallet_new_refuses_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    first = json_output(invoke("en", "-k", str(path), "--json", "wallet", "new"))

    rejected = invoke("en", "-k", str(path), "--json", "wallet", "new")
    forced = invoke("en", "-k", str(path), "--json", "wallet", "new", "--force")

    assert rejected.exit_code == 1
    error = json_output(rejected)["error"]
    assert error["key"] == "error.keypair_exists"
    assert error["type"] == "KeypairExistsError"
    assert error["exit_code"] == 1
    assert forced.exit_code == 0
    assert json_output(forced)["pubkey"] != first["pubkey"]


def test_wallet_new_outfile_and_human_output(tmp_path: Path) -> None:
    outfile = tmp_path / "other.json"

    result = invoke("ko", "-k", str(tmp_path / "unused.json"), "wallet", "new", "--outfile", str(outfile))

    assert result.exit_code == 0
    assert outfile.exists()
    assert not (tmp_path / "unused.json").exists()
    assert "공개키:" in result.stdout
    assert "백업" in result.stdout


def test_wallet_show_json(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    pubkey = json_output(invoke("en", "-k", str(path), "--json", "wallet", "new"))["pubkey"]

    result = invoke("en", "-k", str(path), "--url", "devnet", "--json", "wallet", "show")

    assert result.exit_code == 0
    data = json_output(result)
    assert set(data) == {"ok", "pubkey", "keypair_path", "rpc_url", "ws_url", "kgpu_mint", "kgpu_token_account"}
    assert data["pubkey"] == pubkey
    assert data["rpc_url"] == "https://api.devnet.solana.com"
    assert data["ws_url"] == "wss://api.devnet.solana.com"


def test_missing_keypair_exit_1(tmp_path: Path) -> None:
    result = invoke("ko", "-k", str(tmp_path / "absent.json"), "wallet", "show")

    assert result.exit_code == 1
    assert "키페어 파일" in result.stderr
    assert "kgpu wallet new" in result.stderr
    assert result.stdout == ""


def test_invalid_url_exit_1() -> None:
    result = invoke("en", "--url", "nowhere", "--json", "wallet", "show")

    assert result.exit_code == 1
    assert json_output(result)["error"]["key"] == "error.url_invalid"


def test_usage_error_exit_2() -> None:
    assert invoke("en", "wallet", "transfer").exit_code == 2
    assert invoke("en", "wallet", "transfer", "x", "1", "--token", "btc").exit_code == 2
    assert invoke("en", "job", "open", "--hours", "0").exit_code == 2
    assert invoke("en", "no-such-command").exit_code == 2


def test_unreachable_rpc_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    invoke("en", "-k", str(path), "wallet", "new")
    url = closed_port_url()

    balance = invoke("en", "-k", str(path), "--url", url, "--json", "wallet", "balance")
    program = invoke("en", "-k", str(path), "--url", url, "--json", "reserve")

    assert balance.exit_code == 3
    assert json_output(balance)["error"]["key"] == "error.rpc_connection"
    assert program.exit_code == 3
    assert json_output(program)["error"]["type"] == "RpcConnectionError"


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["wallet", "transfer", "not-a-key", "1"], "error.address_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "1.5", "--token", "kgpu"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "0"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "0.0000000001"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "NaN"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "1e30"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "0,5"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "1,5"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "18446744073.709551616"], "error.amount_invalid"),
        (["wallet", "transfer", "11111111111111111111111111111112", "18446744073709551616", "--token", "kgpu"], "error.amount_invalid"),
        (["wallet", "balance", "bad"], "error.address_invalid"),
        (["job", "open", "--provider", "bad", "--hours", "1", "--price", "1"], "error.address_invalid"),
        (["admin", "kyc", "bad"], "error.address_invalid"),
    ],
    ids=["recipient", "kgpu-fraction", "zero", "below-lamport", "nan", "exponent", "decimal-comma", "misgrouped-comma",
         "sol-above-u64", "kgpu-above-u64", "balance-address", "job-provider", "kyc-wallet"],
)
def test_invalid_input_exit_1(tmp_path: Path, args: list[str], key: str) -> None:
    path = tmp_path / "id.json"
    invoke("en", "-k", str(path), "wallet", "new")

    result = invoke("en", "-k", str(path), "--url", closed_port_url(), "--json", *args)

    assert result.exit_code == 1, result.output
    assert json_output(result)["error"]["key"] == key


def test_console_script_uses_kgpu_lang() -> None:
    env = {**os.environ, "KGPU_LANG": "ko", "COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    code = "import sys; from kgpu.cli import main; sys.argv = ['kgpu', '--help']; main()"

    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)

    assert completed.returncode == 0, completed.stderr
    assert "원화 연동 스테이블 토큰" in completed.stdout


@pytest.mark.parametrize(
    ("text", "token", "base_units"),
    [
        ("1,000,000", "kgpu", 1_000_000),
        ("1000000", "kgpu", 1_000_000),
        ("0.5", "sol", 500_000_000),
        ("1,234.5", "sol", 1_234_500_000_000),
        ("18446744073709551615", "kgpu", 2**64 - 1),
    ],
)
def test_parse_amount_accepts(text: str, token: str, base_units: int) -> None:
    from kgpu.cli._wallet import TokenKind, parse_amount

    assert parse_amount(text, TokenKind(token)) == base_units
