"""typer's own help and usage-error text follows the `kgpu` language."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner, Result

from kgpu.cli import build_app
from kgpu.cli._chrome import translate_usage_error

# A wide terminal keeps rich from wrapping the panels, so whole phrases can be asserted.
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"}


def invoke(lang: str, *args: str) -> Result:
    return CliRunner().invoke(build_app(lang), list(args), env=WIDE)  # type: ignore[arg-type]


def test_korean_help_panels():
    result = invoke("ko", "--help")

    assert result.exit_code == 0
    assert "─ 옵션 " in result.output
    assert "─ 명령 " in result.output
    assert "이 도움말을 보여 주고 끝냅니다." in result.output
    assert "[기본값: localnet]" in result.output
    assert "Show this message and exit." not in result.output


def test_english_help_after_korean():
    invoke("ko", "--help")
    result = invoke("en", "--help")

    assert result.exit_code == 0
    assert "─ Options " in result.output
    assert "─ Commands " in result.output
    assert "Show this message and exit." in result.output
    assert "[default: localnet]" in result.output


def test_korean_subcommand_help():
    result = invoke("ko", "wallet", "transfer", "--help")

    assert result.exit_code == 0
    assert "─ 인수 " in result.output
    assert "이 도움말을 보여 주고 끝냅니다." in result.output


def test_korean_unknown_option():
    result = invoke("ko", "wallet", "balance", "--bogus")

    assert result.exit_code == 2
    assert "알 수 없는 옵션입니다: --bogus" in result.output
    assert "─ 오류 " in result.output
    assert "도움말은 'kgpu wallet balance -h'로 확인하세요." in result.output


def test_korean_missing_argument():
    result = invoke("ko", "wallet", "transfer")

    assert result.exit_code == 2
    assert "인수 'recipient'이(가) 필요합니다." in result.output


def test_english_unknown_command_unchanged():
    result = invoke("en", "nosuch")

    assert result.exit_code == 2
    assert "No such command 'nosuch'." in result.output
    assert "─ Error " in result.output


@pytest.mark.parametrize(
    ("english", "korean"),
    [
        ("No such option: --x", "알 수 없는 옵션입니다: --x"),
        ("No such option: --amout (Possible options: --amount)", "알 수 없는 옵션입니다: --amout"),
        ("No such command 'sned'.", "알 수 없는 명령입니다: 'sned'."),
        ("Missing option '--amount'.", "옵션 '--amount'이(가) 필요합니다."),
        ("Option '--amount' requires an argument.", "옵션 '--amount'에는 값이 필요합니다."),
        ("Got unexpected extra argument(s) (a b)", "예상하지 못한 인수가 있습니다: a b"),
        ("Invalid value for '--amount': 'x' is not a valid integer.",
         "'--amount'의 값이 올바르지 않습니다: 'x'은(는) 올바른 integer 값이 아닙니다."),
        ("Something typer added later.", "Something typer added later."),
    ],
)
def test_usage_error_translations(english, korean):
    assert translate_usage_error(english, "ko") == korean
    assert translate_usage_error(english, "en") == english
