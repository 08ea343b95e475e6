"""Korean text for typer's own help and usage-error output (panel titles, hints, click messages).

typer 0.29 renders help and usage errors with its bundled copy of click, whose messages are plain
f-strings with no translation hook. typer's `rich_utils` keeps its panel titles and hints in
module-level names that it reads on every call. `install()` wraps `rich_format_help` and
`rich_format_error` once per process so that, on each call, they

- set those names to the language of the command being run (the `lang` of its context object),
- give the help option (`-h`, `--help`) a help text in that language, and
- translate the usage-error messages that `kgpu` users meet (unknown option or command, missing
  or invalid value, extra arguments).

English leaves typer's text as it is. The usage line prefix (`Usage:`) stays English because
typer's help highlighter matches that word.

NOTE: this relies on names in `typer.rich_utils` (typer is pinned in uv.lock); the tests in
`tests/client/test_kgpu_cli_chrome.py` fail if an upgrade renames them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from typer import rich_utils

from kgpu.i18n import Language, get_language

# typer.rich_utils name -> Korean value. The English values are read from typer at install time.
_KOREAN_CONSTANTS: dict[str, str] = {
    "DEPRECATED_STRING": "(지원 중단) ",
    "DEFAULT_STRING": "[기본값: {}]",
    "ENVVAR_STRING": "[환경 변수: {}]",
    "REQUIRED_LONG_STRING": "[필수]",
    "ARGUMENTS_PANEL_TITLE": "인수",
    "OPTIONS_PANEL_TITLE": "옵션",
    "COMMANDS_PANEL_TITLE": "명령",
    "ERRORS_PANEL_TITLE": "오류",
    "ABORTED_TEXT": "중단했습니다.",
    "RICH_HELP": "도움말은 [blue]'{command_path} {help_option}'[/]로 확인하세요.",
}

HELP_OPTION_TEXT: dict[Language, str] = {
    "ko": "이 도움말을 보여 주고 끝냅니다.",
    "en": "Show this message and exit.",
}

_PARAMETER_KINDS = {"option": "옵션", "argument": "인수", "parameter": "매개변수"}

# click usage-error message pattern -> Korean template over the pattern's named groups.
_KOREAN_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such option: (?P<name>.+?)(?P<rest> \(Possible options: .*\))?$"), "알 수 없는 옵션입니다: {name}"),
    (re.compile(r"^No such command (?P<name>.+)\.$"), "알 수 없는 명령입니다: {name}."),
    (re.compile(r"^Missing command\.$"), "명령이 없습니다."),
    (re.compile(r"^Missing (?P<kind>option|argument|parameter) (?P<hint>.+)\.$"), "{kind} {hint}이(가) 필요합니다."),
    (re.compile(r"^Option (?P<name>.+) requires an argument\.$"), "옵션 {name}에는 값이 필요합니다."),
    (re.compile(r"^Option (?P<name>.+) requires (?P<count>\d+) arguments\.$"), "옵션 {name}에는 값 {count}개가 필요합니다."),
    (re.compile(r"^Option (?P<name>.+) does not take a value\.$"), "옵션 {name}은(는) 값을 받지 않습니다."),
    (re.compile(r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)$"), "예상하지 못한 인수가 있습니다: {args}"),
    (re.compile(r"^Invalid value for (?P<hint>.+?): (?P<message>.+)$"), "{hint}의 값이 올바르지 않습니다: {message}"),
    (re.compile(r"^Invalid value: (?P<message>.+)$"), "값이 올바르지 않습니다: {message}"),
)

# Messages of typer's value conversion, which appear inside "Invalid value for ...".
_KOREAN_VALUE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<value>.+) is not a valid (?P<type>integer|float|boolean)\.?$"), "{value}은(는) 올바른 {type} 값이 아닙니다."),
    (re.compile(r"^(?P<value>.+) is not one of (?P<choices>.+)\.$"), "{value}은(는) {choices} 중 하나가 아닙니다."),
    (re.compile(r"^(?P<value>.+) is not in the range (?P<range>.+)\.$"), "{value}은(는) {range} 범위 밖입니다."),
)



@dataclass(frozen=True)
class ChromeLanguage:
    """Initial context object of the `kgpu` command, so that `--help`, handled before any callback runs, renders in `lang`."""

    lang: Language


_english_constants: dict[str, str] = {}
_installed = False


def _apply(patterns: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str | None:
    for pattern, template in patterns:
        match = pattern.match(text)
        if match:
            fields = {name: value or "" for name, value in match.groupdict().items()}
            if "kind" in fields:
                fields["kind"] = _PARAMETER_KINDS[fields["kind"]]
            if "message" in fields:
                fields["message"] = _apply(_KOREAN_VALUE_ERRORS, fields["message"]) or fields["message"]
            return template.format(**fields)
    return None


def translate_usage_error(text: str, lang: Language) -> str:
    """Return click usage-error message `text` in `lang`; text without a Korean pattern is kept."""
    if lang == "en":
        return text
    return _apply(_KOREAN_ERRORS, text) or text


def set_chrome_language(lang: Language) -> None:
    """Set typer's panel titles and hints to `lang` for the help or error rendered next."""
    for name, korean in _KOREAN_CONSTANTS.items():
        setattr(rich_utils, name, korean if lang == "ko" else _english_constants[name])


def _context_language(ctx: Any) -> Language:
    """Return the `lang` of the root context's object (set by `build_app`), else the environment's."""
    root = ctx.find_root() if ctx is not None else None
    lang = getattr(getattr(root, "obj", None), "lang", None)
    return lang if lang in HELP_OPTION_TEXT else get_language()


def install() -> None:
    """Wrap typer's help and error renderers once per process; later calls do nothing."""
    global _installed
    if _installed:
        return
    for name in _KOREAN_CONSTANTS:
        _english_constants[name] = getattr(rich_utils, name)

    format_help: Callable[..., Any] = rich_utils.rich_format_help
    format_error: Callable[..., Any] = rich_utils.rich_format_error

    def localized_help(*, obj: Any, ctx: Any, markup_mode: Any) -> Any:
        lang = _context_language(ctx)
        set_chrome_language(lang)
        help_option = obj.get_help_option(ctx)
        if help_option is not None:
            help_option.help = HELP_OPTION_TEXT[lang]
        return format_help(obj=obj, ctx=ctx, markup_mode=markup_mode)

    def localized_error(error: Any) -> None:
        lang = _context_language(getattr(error, "ctx", None))
        set_chrome_language(lang)
        # Some errors (a missing parameter) build their text in format_message, not in .message,
        # so the translated text replaces that method on this one instance.
        text = error.format_message()
        translated = translate_usage_error(text, lang)
        if translated != text:
            error.format_message = lambda: translated
        format_error(error)

    rich_utils.rich_format_help = localized_help
    rich_utils.rich_format_error = localized_error
    _installed = True
