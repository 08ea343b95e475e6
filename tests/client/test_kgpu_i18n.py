"""Message catalogue completeness and language selection."""

from __future__ import annotations

import re
import string

import pytest

from kgpu import errors
from kgpu.i18n import CATALOGUE, LANGUAGES, detect_language, get_language, message, set_language

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Entries that are the same technical words in both languages.
SAME_IN_BOTH = {"field.rpc_url"}


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_catalogue_entry_has_both_languages(key: str) -> None:
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES)
    assert entry["ko"].strip()
    assert entry["en"].strip()
    assert template_fields(entry["ko"]) == template_fields(entry["en"])


@pytest.mark.parametrize("key", sorted(set(CATALOGUE) - SAME_IN_BOTH))
def test_korean_text_is_korean(key: str) -> None:
    assert HANGUL.search(CATALOGUE[key]["ko"]), CATALOGUE[key]["ko"]
    assert not HANGUL.search(CATALOGUE[key]["en"]), CATALOGUE[key]["en"]


def test_every_error_class_has_message() -> None:
    classes = [obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, errors.KgpuError)]
    assert len(classes) > 20
    for cls in classes:
        assert cls.key in CATALOGUE, cls.__name__


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"KGPU_LANG": "ko"}, "ko"),
        ({"KGPU_LANG": "EN", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"KGPU_LANG": "fr", "LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "ko_KR.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "ko_KR.eucKR"}, "ko"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else ",".join(f"{k}={v}" for k, v in value.items()) or "empty",
)
def test_detect_language(environ: dict[str, str], expected: str) -> None:
    assert detect_language(environ) == expected


def test_set_language_overrides_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGPU_LANG", "en")
    try:
        set_language("ko")
        assert get_language() == "ko"
        assert message("cli.error_label") == "오류"
        set_language(None)
        assert get_language() == "en"
        assert message("cli.error_label") == "Error"
    finally:
        set_language(None)


def test_set_language_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        set_language("ja")  # type: ignore[arg-type]


def test_message_fills_fields() -> None:
    assert message("wallet.pubkey_line", lang="ko", pubkey="abc") == "공개키: abc"
    assert message("wallet.pubkey_line", lang="en", pubkey="abc") == "Public key: abc"
    with pytest.raises(KeyError):
        message("no.such.key")
