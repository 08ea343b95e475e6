"""kgpu.market's public names and its Korean and English error messages."""

from __future__ import annotations

import re
import string

import pytest

from kgpu import market
from kgpu.i18n import message
from kgpu.market._catalogue import MARKET_MESSAGES

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PROGRAM_ERROR_FIELDS = {"index", "code"}


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_all_names_exist() -> None:
    assert len(market.__all__) == len(set(market.__all__))
    for name in market.__all__:
        assert hasattr(market, name), name


def test_public_names_are_exported() -> None:
    public = {name for name in vars(market) if not name.startswith("_")}

    assert public == set(market.__all__)


@pytest.mark.parametrize("key", sorted(MARKET_MESSAGES))
def test_message_in_both_languages(key: str) -> None:
    texts = MARKET_MESSAGES[key]

    assert set(texts) == {"ko", "en"}
    assert HANGUL.search(texts["ko"]), texts["ko"]
    assert not HANGUL.search(texts["en"]), texts["en"]
    assert template_fields(texts["ko"]) == template_fields(texts["en"])


def test_program_error_messages_render() -> None:
    for cls in vars(market).values():
        if isinstance(cls, type) and issubclass(cls, market.KgpuMarketError) and cls is not market.KgpuMarketError:
            assert template_fields(MARKET_MESSAGES[cls.key]["en"]) == PROGRAM_ERROR_FIELDS, cls.__name__
            assert message(cls.key, lang="ko", index=1, code=6000)


def test_register_messages_rejects_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    from kgpu.market import _catalogue

    changed = dict(MARKET_MESSAGES)
    changed["error.kgpu_market.job_closed"] = {"ko": "다름", "en": "other"}
    monkeypatch.setattr(_catalogue, "MARKET_MESSAGES", changed)

    with pytest.raises(ValueError, match="error.kgpu_market.job_closed is already defined"):
        _catalogue.register_market_messages()
