"""Structured logging: one `kgpu_oracle` logger writing key=value lines."""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["configure_logging", "log_event", "logger"]

logger = logging.getLogger("kgpu_oracle")


def _format_value(value: Any) -> str:
    text = str(value)
    if not text or any(char in text for char in ' "='):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def log_event(level: int, event: str, **fields: Any) -> None:
    """Log `event` with `fields` as `event=<name> key=value …`; callers must not pass secrets."""
    if logger.isEnabledFor(level):
        parts = [f"event={event}"] + [f"{key}={_format_value(value)}" for key, value in fields.items()]
        logger.log(level, " ".join(parts))


def configure_logging(level: str = "INFO") -> None:
    """Send the oracle's log lines to stderr with a UTC timestamp."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("ts=%(asctime)s level=%(levelname)s %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
