"""Run the K-GPU demo: `python -m kgpu.demo [--keep-files]`."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from rich.console import Console

from kgpu.demo import DemoError, DemoRun
from kgpu.demo.services import ServiceError
from kgpu.errors import KgpuError
from kgpu.i18n import message


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns 0 on success, 1 when a step failed and 130 on Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m kgpu.demo", description=message("demo.title"))
    parser.add_argument("--workdir", type=Path, help="folder for the ledger, oracle databases and logs (default: a new temporary folder)")
    parser.add_argument("--keep-files", action="store_true", help="keep the temporary folder after the run")
    args = parser.parse_args(argv)

    console = Console()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kgpu-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # SIGTERM takes the Ctrl-C path, so the child processes are stopped either way. SIGINT is set
    # explicitly because a shell starts background jobs with it ignored.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    status = 0
    run = DemoRun(workdir=workdir, console=console)
    try:
        asyncio.run(run.run())
        console.print(f"[bold green]{message('demo.done', seconds=round(time.monotonic() - started))}")
    except KeyboardInterrupt:
        console.print(f"[bold yellow]{message('demo.interrupted')}")
        status = 130
    except (DemoError, ServiceError, KgpuError) as error:
        console.print(f"[bold red]{message('demo.failed', error=error)}")
        status = 1
    finally:
        # Normally `DemoRun.run` has stopped the children already; this covers an interrupt
        # that arrived while it was stopping them.
        run.services.stop()
        if args.workdir is None and not args.keep_files and status == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            console.print(message("demo.logs", path=workdir))
    return status


if __name__ == "__main__":
    sys.exit(main())
