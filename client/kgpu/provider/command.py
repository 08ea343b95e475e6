"""Entry points that assemble the agent from a configuration file.

:func:`serve` is what ``kgpu provider serve`` calls; ``python -m kgpu.provider`` runs it without
the ``kgpu`` command tree.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

from kgpu.config import load_keypair
from kgpu.errors import KgpuError
from kgpu.i18n import message
from kgpu.provider.agent import ProviderAgent, ReceiptOutcome
from kgpu.provider.config import NodeConfig, load_node_config
from kgpu.provider.jobs import ChainJobSource, JobSource, StaticJobSource
from kgpu.provider.progress import NullProgress, ProgressView, RichProgress
from kgpu.provider.prover import Prover, select_prover
from kgpu.provider.state import SequenceStore

__all__ = ["configure_logging", "job_source_for", "main", "serve", "summarize"]

logger = logging.getLogger("kgpu.provider")


def job_source_for(config: NodeConfig) -> JobSource:
    """Return the ``[[jobs]]`` list when the configuration has one, else the chain reader."""
    if config.static_jobs:
        return StaticJobSource(config.static_jobs)
    return ChainJobSource.from_config(config)


def serve(
    config_path: Path,
    *,
    once: bool = False,
    prover: str = "auto",
    interactive: bool | None = None,
    node_keypair: Path | None = None,
    oracle_urls: tuple[str, ...] | None = None,
    poll_interval_seconds: float | None = None,
) -> list[ReceiptOutcome]:
    """Load the node configuration and run the agent until stopped, or one period per job with ``once``.

    Args:
        config_path: Node configuration file (TOML).
        once: Serve one receipt period per open job, then return.
        prover: ``auto``, ``python`` or ``torch``.
        interactive: Show rich progress. By default on when stderr is a terminal.
        node_keypair, oracle_urls, poll_interval_seconds: Replace the configuration's values
            (``poll_interval_seconds`` in seconds) when given.

    Raises:
        kgpu.errors.KgpuError: the configuration, the keypair or the state file is invalid, the
            state file is locked by another agent, or the torch prover is unavailable.
        ValueError: ``prover`` is not one of the three names.
    """
    config = load_node_config(config_path)
    changes: dict[str, Any] = {}
    if node_keypair is not None:
        changes["node_keypair"] = load_keypair(node_keypair)
    if oracle_urls:
        changes["oracle_urls"] = tuple(url.rstrip("/") for url in oracle_urls)
    if poll_interval_seconds is not None:
        changes["poll_interval_seconds"] = poll_interval_seconds
    config = replace(config, **changes)

    chosen = select_prover(prover)
    show_progress = sys.stderr.isatty() if interactive is None else interactive
    with SequenceStore(config.state_file, deployment_id=config.deployment_id, node=config.node_pubkey) as store:
        progress: ProgressView
        if show_progress:
            with RichProgress() as progress:
                return _run(config, store, chosen, progress, once)
        return _run(config, store, chosen, NullProgress(), once)


def _run(config: NodeConfig, store: SequenceStore, prover: Prover, progress: ProgressView, once: bool) -> list[ReceiptOutcome]:
    agent = ProviderAgent(config, jobs=job_source_for(config), store=store, prover=prover, progress=progress)
    return agent.run(once=once)


def summarize(outcomes: list[ReceiptOutcome]) -> dict[str, Any]:
    """Return the JSON form of a run: job count, accepted and failed receipt counts, and every outcome."""
    accepted = sum(outcome.outcome == "accepted" for outcome in outcomes)
    return {
        "jobs": len({outcome.job for outcome in outcomes}),
        "accepted": accepted,
        "failed": len(outcomes) - accepted,
        "receipts": [asdict(outcome) for outcome in outcomes],
    }


def configure_logging(level: str, interactive: bool) -> None:
    """Send the ``kgpu`` loggers to stderr at ``level``, through rich when ``interactive``."""
    handler: logging.Handler
    if interactive:
        handler = RichHandler(console=Console(stderr=True), show_path=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("kgpu")
    root.addHandler(handler)
    root.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m kgpu.provider``; returns 0 when no receipt failed, 1 otherwise, 2 on a setup error."""
    parser = argparse.ArgumentParser(prog="python -m kgpu.provider", description="K-GPU provider agent")
    parser.add_argument("--config", required=True, type=Path, help="path of the node's TOML configuration")
    parser.add_argument("--once", action="store_true", help="serve one receipt period per open job, then exit")
    parser.add_argument("--prover", default="auto", choices=["auto", "python", "torch"], help="matrix product backend (default auto)")
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    args = parser.parse_args(argv)

    interactive = sys.stderr.isatty()
    configure_logging(args.log_level.upper(), interactive)
    try:
        outcomes = serve(args.config, once=args.once, prover=args.prover, interactive=interactive)
    except (KgpuError, ValueError) as error:
        print(f"kgpu provider: {error}", file=sys.stderr)
        return 2
    summary = summarize(outcomes)
    print(message("provider.summary", jobs=summary["jobs"], accepted=summary["accepted"], failed=summary["failed"]))
    return 0 if summary["failed"] == 0 else 1
