"""The ``kgpu`` command: wallet, market, provider and admin commands for K-GPU.

Exit codes: 0 success, 1 user error, 2 usage error, 3 network or RPC error.
"""

from __future__ import annotations

from kgpu.cli._app import build_app
from kgpu.i18n import get_language

__all__ = ["build_app", "main"]


def main() -> None:
    """Run ``kgpu`` with help and messages in the language chosen by ``KGPU_LANG`` or the locale."""
    build_app(get_language())(prog_name="kgpu")
