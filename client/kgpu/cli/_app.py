"""The ``kgpu`` command tree and its global options."""

# No `from __future__ import annotations`: typer evaluates the annotations of commands declared
# inside functions, and string annotations could not see the local option types there.

from pathlib import Path
from typing import Annotated

import typer

from kgpu.cli import _chrome, _programs, _wallet
from kgpu.cli._chrome import ChromeLanguage
from kgpu.cli._output import Output, Settings
from kgpu.config import DEFAULT_CLUSTER, DEFAULT_KEYPAIR_PATH, resolve_cluster
from kgpu.errors import KgpuError
from kgpu.i18n import Language, message


def build_app(lang: Language) -> typer.Typer:
    """Build the ``kgpu`` command with every help text in ``lang``.

    Help text is fixed when the commands are declared, so the tree is built per language.
    """

    def t(key: str) -> str:
        return message(key, lang=lang)

    _chrome.install()

    app = typer.Typer(
        name="kgpu",
        help=t("help.root"),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"], "obj": ChromeLanguage(lang)},
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        url: Annotated[str, typer.Option("--url", "-u", help=t("opt.url"))] = DEFAULT_CLUSTER,
        keypair: Annotated[Path, typer.Option("--keypair", "-k", help=t("opt.keypair"))] = DEFAULT_KEYPAIR_PATH,
        json_output: Annotated[bool, typer.Option("--json", help=t("opt.json"))] = False,
    ) -> None:
        try:
            cluster = resolve_cluster(url)
        except KgpuError as error:
            # Report through the same path as command errors so that --json still gets one object.
            fallback = Settings(
                cluster=resolve_cluster(DEFAULT_CLUSTER), keypair_path=keypair, json_output=json_output, lang=lang
            )
            Output(fallback).fail(error)
        ctx.obj = Settings(cluster=cluster, keypair_path=keypair, json_output=json_output, lang=lang)

    _wallet.register(app, lang)
    _programs.register(app, lang)
    return app

