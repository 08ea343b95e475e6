"""Korean and English messages for the SDK and the ``kgpu`` command.

Every user-facing sentence lives in one catalogue, keyed by a dotted name, with a Korean and an
English text for each key. The language is chosen in this order:

1. ``KGPU_LANG`` (``ko`` or ``en``, other values are ignored);
2. the POSIX locale variables ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``, first non-empty one wins
   (``ko_KR.UTF-8`` and ``ko`` select Korean, anything else English);
3. English.

Texts are ``str.format`` templates. Callers pass the named fields as keyword arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, get_args

from kgpu._catalogue import CATALOGUE

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "Language",
    "detect_language",
    "get_language",
    "message",
    "set_language",
]

Language = Literal["ko", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
_language_override: Language | None = None


def detect_language(environ: Mapping[str, str] | None = None) -> Language:
    """Choose the message language from ``KGPU_LANG``, then the locale, else English.

    Args:
        environ: Environment to read. ``os.environ`` when omitted.
    """
    env = os.environ if environ is None else environ

    requested = env.get("KGPU_LANG", "").strip().lower()
    if requested in LANGUAGES:
        return requested  # type: ignore[return-value]

    # POSIX precedence: the first non-empty variable decides, even if it names another language.
    for name in _LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def get_language() -> Language:
    """Return the language set by :func:`set_language`, else the one detected from the environment."""
    if _language_override is not None:
        return _language_override
    return detect_language()


def set_language(language: Language | None) -> None:
    """Fix the message language for this process, or pass ``None`` to follow the environment again.

    Raises:
        ValueError: ``language`` is not ``"ko"``, ``"en"`` or ``None``.
    """
    global _language_override
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}: use one of {', '.join(LANGUAGES)}")
    _language_override = language


def message(key: str, /, *, lang: Language | None = None, **fields: object) -> str:
    """Render catalogue entry ``key`` in ``lang`` (the current language when omitted).

    Raises:
        KeyError: ``key`` is not in the catalogue.
    """
    entry = CATALOGUE[key]
    template = entry[lang or get_language()]
    return template.format(**fields) if fields else template
