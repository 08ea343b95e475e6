"""Human and ``--json`` output of the ``kgpu`` command, and the mapping of errors to exit codes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from kgpu.config import Cluster
from kgpu.errors import KgpuError
from kgpu.i18n import Language, message


@dataclass
class Settings:
    """Global options of one ``kgpu`` invocation."""

    cluster: Cluster
    keypair_path: Path
    json_output: bool
    lang: Language

    def text(self, key: str, **fields: object) -> str:
        """Render catalogue entry ``key`` in this invocation's language."""
        return message(key, lang=self.lang, **fields)


class Output:
    """Writes results to stdout and progress and errors to stderr.

    With ``--json`` every command writes exactly one JSON object to stdout, errors included:
    ``{"ok": true, ...}`` or ``{"ok": false, "error": {...}}``, with no colour and no spinner.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stdout = Console(highlight=False, no_color=settings.json_output, soft_wrap=True)
        self.stderr = Console(stderr=True, highlight=False)

    def result(self, data: Mapping[str, Any], render: Callable[[Console], None]) -> None:
        """Write ``data`` as JSON with ``--json``, else call ``render`` for the human form."""
        if self.settings.json_output:
            print(json.dumps({"ok": True, **data}, ensure_ascii=False, sort_keys=True))
        else:
            render(self.stdout)

    @contextlib.contextmanager
    def progress(self, key: str, **fields: object) -> Iterator[None]:
        """Show a spinner with catalogue text ``key`` while the block runs (not with ``--json``)."""
        if self.settings.json_output:
            yield
            return
        with self.stderr.status(self.settings.text(key, **fields)):
            yield

    def fail(self, error: KgpuError) -> NoReturn:
        """Report ``error`` and exit with its exit code."""
        text = error.message(self.settings.lang)
        if self.settings.json_output:
            payload = {
                "ok": False,
                "error": {
                    "type": type(error).__name__,
                    "key": error.key,
                    "message": text,
                    "exit_code": error.exit_code,
                },
            }
            print(json.dumps(payload, ensure_ascii=False, sort_keys=True))
        else:
            label = self.settings.text("cli.error_label")
            self.stderr.print(f"[bold red]{escape(label)}:[/bold red] {escape(text)}", highlight=False)
        raise typer.Exit(code=error.exit_code)


def run_command(ctx: typer.Context, body: Callable[[Settings, Output], None]) -> None:
    """Run a command body, turning :class:`~kgpu.errors.KgpuError` into its message and exit code."""
    settings: Settings = ctx.obj
    output = Output(settings)
    try:
        body(settings, output)
    except KgpuError as error:
        output.fail(error)
