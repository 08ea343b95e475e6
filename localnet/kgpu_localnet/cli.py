"""`kgpu-localnet`: a Solana-compatible local validator on LiteSVM, or solana-test-validator."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from solders.keypair import Keypair

log = logging.getLogger("kgpu_localnet")

MAX_PORT = 65535
# solana-epoch-schedule 3.0.0 (MINIMUM_SLOTS_PER_EPOCH) panics on a schedule with fewer slots.
MIN_SLOTS_PER_EPOCH = 32
MAX_SLOTS_PER_EPOCH = 2**64 - 1
SHORT_SLOT_MS = 10
USAGE_ERROR = 2


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid {name} {text!r}: expected an integer") from None


def _port(text: str) -> int:
    port = _integer(text, "port")
    if not 1 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"invalid port {port}: a TCP port is 1..{MAX_PORT}; pick a free port in that range")
    return port


def _slot_ms(text: str) -> int:
    slot_ms = _integer(text, "slot duration")
    if slot_ms < 1:
        raise argparse.ArgumentTypeError(
            f"invalid slot duration {slot_ms} ms: must be at least 1, because the server completes a slot"
            " every --slot-ms milliseconds and would otherwise complete slots in a busy loop (default 400)"
        )
    return slot_ms


def _slots_per_epoch(text: str) -> int:
    slots = _integer(text, "slots per epoch")
    if slots < MIN_SLOTS_PER_EPOCH:
        raise argparse.ArgumentTypeError(
            f"invalid slots per epoch {slots}: must be at least {MIN_SLOTS_PER_EPOCH},"
            " the minimum of Solana's epoch schedule (default 432000)"
        )
    if slots > MAX_SLOTS_PER_EPOCH:
        raise argparse.ArgumentTypeError(f"invalid slots per epoch {slots}: must fit in a u64 (at most 2**64 - 1)")
    return slots


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgpu-localnet",
        description="Run a local Solana cluster with Solana's JSON-RPC and PubSub APIs.",
    )
    parser.add_argument("--rpc-port", type=_port, default=8899, help="JSON-RPC HTTP port, 1..65535 (default 8899)")
    parser.add_argument("--ws-port", type=_port, default=None, help="PubSub WebSocket port, 1..65535 (default: RPC port + 1)")
    parser.add_argument("--bind-address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--ledger", type=Path, default=Path(".kgpu-localnet"), help="ledger directory, created when missing; one server at a time may use it (default .kgpu-localnet in the current directory)")
    parser.add_argument("--reset", action="store_true", help="delete the ledger and start from genesis")
    parser.add_argument("--slot-ms", type=_slot_ms, default=400, help="slot duration in milliseconds, at least 1 (default 400)")
    parser.add_argument("--slots-per-epoch", type=_slots_per_epoch, default=432_000, help="slots per epoch, without warmup, at least 32 (default 432000); applies to a new ledger")
    parser.add_argument("--program", action="append", default=[], metavar="ID=PATH", help="add an SBF program at an address (base58 or keypair file); repeatable")
    parser.add_argument("--account", action="append", default=[], metavar="ADDRESS=JSON_FILE", help="load an account from `solana account --output json` output; repeatable")
    parser.add_argument("--programs-dir", type=Path, default=None, help="K-GPU programs folder with target/deploy/*.so and keys/ (default: the repository's programs/)")
    parser.add_argument("--engine", choices=("litesvm", "solana-test-validator"), default="litesvm", help="validator engine (default litesvm)")
    parser.add_argument("--quiet", action="store_true", help="log warnings and errors only")
    return parser


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Check the options that depend on each other or on the file system; exit with status 2 on an error."""
    if args.ws_port is None and args.rpc_port == MAX_PORT:
        parser.error(
            f"--rpc-port {args.rpc_port} leaves no port for PubSub, which defaults to the RPC port + 1;"
            " pass a lower --rpc-port or set --ws-port"
        )
    if args.ws_port is not None and args.ws_port == args.rpc_port:
        parser.error(f"--ws-port {args.ws_port} equals --rpc-port; JSON-RPC and PubSub need two different ports")
    if args.ledger.exists() and not args.ledger.is_dir():
        parser.error(
            f"--ledger {args.ledger} is a file, not a directory; pass a directory path (it is created when missing)"
        )


def _split_pair(text: str, option: str) -> tuple[str, str]:
    if "=" not in text:
        raise SystemExit(f"kgpu-localnet: invalid {option} {text!r}: expected ADDRESS=PATH")
    left, right = text.split("=", 1)
    return left, right


async def run_litesvm(args: argparse.Namespace) -> int:
    from kgpu_localnet.cluster import Cluster, ClusterConfig
    from kgpu_localnet.http import serve_http
    from kgpu_localnet.programs import add_program, default_programs_dir, deploy_kgpu_programs, load_account_file
    from kgpu_localnet.pubsub import PubSub
    from kgpu_localnet.rpc import Rpc

    started = time.perf_counter()
    ws_port = args.ws_port if args.ws_port is not None else args.rpc_port + 1
    # The lock is taken before `--reset` deletes anything, so a second server cannot wipe the
    # ledger of a running one. It is released when the process exits, even on `kill -9`.
    lock_descriptor = lock_ledger_directory(args.ledger)
    cluster = Cluster(
        ClusterConfig(ledger_dir=args.ledger, slot_ms=args.slot_ms, slots_per_epoch=args.slots_per_epoch, reset=args.reset)
    )
    cluster.open_ledger()
    programs = deploy_kgpu_programs(cluster, args.programs_dir or default_programs_dir())
    for item in args.program:
        address, path = _split_pair(item, "--program")
        try:
            programs[Path(path).stem] = add_program(cluster, address, path)
        except (OSError, ValueError) as error:
            raise SystemExit(f"kgpu-localnet: cannot load --program {item}: {error}") from None
    for item in args.account:
        address, path = _split_pair(item, "--account")
        try:
            load_account_file(cluster, address, path)
        except (OSError, ValueError, KeyError) as error:
            raise SystemExit(f"kgpu-localnet: cannot load --account {item}: {error}") from None

    # Restored ledger state is long-lived; moving it out of the collected generations keeps full
    # garbage collections from scanning it again and again under load.
    gc.collect()
    gc.freeze()

    rpc_url = f"http://{args.bind_address}:{args.rpc_port}"
    ws_url = f"ws://{args.bind_address}:{ws_port}"
    rpc = Rpc(cluster, rpc_url, ws_url)
    pubsub = PubSub(cluster, rpc)
    loop = asyncio.get_running_loop()
    try:
        http_server = await serve_http(rpc, args.bind_address, args.rpc_port)
        ws_server = await pubsub.serve(args.bind_address, ws_port)
    except OSError as error:
        raise SystemExit(
            f"kgpu-localnet: cannot listen on {args.bind_address} ports {args.rpc_port}/{ws_port}: {error}."
            " Stop the other validator or pick free ports with --rpc-port and --ws-port."
        ) from None
    cluster.start(loop)

    log.info("JSON-RPC URL: %s", rpc_url)
    log.info("WebSocket URL: %s", ws_url)
    log.info("ledger: %s (slot %d)", cluster.ledger.path, cluster.slot)
    faucet_path = write_faucet_keypair(cluster.faucet, args.ledger)
    log.info("faucet: %s (keypair %s, upgrade authority of the K-GPU programs)", cluster.faucet.pubkey(), faucet_path)
    for name, program_id in programs.items():
        log.info("program %s: %s", name, program_id)
    log.info("ready in %.2f s", time.perf_counter() - started)

    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("stopping: flushing the ledger")
    http_server.close()
    ws_server.close()
    await cluster.stop()
    os.close(lock_descriptor)
    log.info("stopped")
    return 0


def lock_ledger_directory(ledger: Path) -> int:
    """Create the ledger directory and lock it for this process; exit with a message when that fails."""
    from kgpu_localnet.ledger import LedgerInUseError, lock_ledger

    try:
        ledger.mkdir(parents=True, exist_ok=True)
        return lock_ledger(ledger)
    except LedgerInUseError as error:
        owner = f" (pid {error.owner_pid})" if error.owner_pid else ""
        raise SystemExit(
            f"kgpu-localnet: ledger {ledger} is in use by another kgpu-localnet{owner};"
            " stop that server or pass a different --ledger"
        ) from None
    except OSError as error:
        print(
            f"kgpu-localnet: cannot use --ledger {ledger}: {error.strerror or error};"
            " pass a directory path that you can write to",
            file=sys.stderr,
        )
        raise SystemExit(USAGE_ERROR) from None


def run_test_validator(args: argparse.Namespace) -> int:
    """Run solana-test-validator with the same options and K-GPU's programs."""
    # NOTE: this path runs only where the Solana CLI is installed; the flags follow
    # solana-test-validator's --bpf-program, --upgradeable-program and --account options.
    from kgpu_localnet.programs import KGPU_PROGRAMS, default_programs_dir

    binary = shutil.which("solana-test-validator")
    if binary is None:
        print("kgpu-localnet: solana-test-validator is not on PATH; install the Solana CLI or use --engine litesvm", file=sys.stderr)
        return 2
    ws_port = args.ws_port if args.ws_port is not None else args.rpc_port + 1
    if ws_port != args.rpc_port + 1:
        print("kgpu-localnet: solana-test-validator always serves PubSub on the RPC port + 1", file=sys.stderr)
    command = [binary, "--rpc-port", str(args.rpc_port), "--ledger", str(args.ledger), "--bind-address", args.bind_address]
    if args.reset:
        command.append("--reset")
    if args.quiet:
        command.append("--quiet")
    programs_dir = args.programs_dir or default_programs_dir()
    for name in KGPU_PROGRAMS:
        elf = programs_dir / "target" / "deploy" / f"{name}.so"
        key = programs_dir / "keys" / f"{name}-keypair.json"
        if elf.is_file() and key.is_file():
            command += ["--upgradeable-program", str(key), str(elf), "none"]
    for item in args.program:
        address, path = _split_pair(item, "--program")
        command += ["--bpf-program", address, path]
    for item in args.account:
        address, path = _split_pair(item, "--account")
        command += ["--account", address, path]
    os.execv(binary, command)
    return 0


def write_faucet_keypair(faucet: Keypair, ledger_dir: Path) -> Path:
    """Write the faucet as `<ledger>/faucet-keypair.json`, where solana-test-validator keeps its own.

    The faucet pays for and is the upgrade authority of the programs deployed at startup, so a
    client needs it to call instructions reserved for the upgrade authority, such as
    `kgpu_token::initialize`. The file is readable by its owner only.
    """
    path = ledger_dir / "faucet-keypair.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(list(bytes(faucet)), file)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    validate_args(parser, args)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.slot_ms < SHORT_SLOT_MS:
        log.warning(
            "--slot-ms %d is below %d: every slot ends with a SQLite commit, so slots this short can keep"
            " the server busy and slow down requests",
            args.slot_ms,
            SHORT_SLOT_MS,
        )
    if args.engine == "solana-test-validator":
        return run_test_validator(args)
    try:
        import uvloop
    except ImportError:
        uvloop = None
    if uvloop is not None:
        return uvloop.run(run_litesvm(args))
    return asyncio.run(run_litesvm(args))


if __name__ == "__main__":
    sys.exit(main())
