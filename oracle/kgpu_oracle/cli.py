"""`kgpu-oracle` command: run the service, or register a job with this oracle."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from solders.pubkey import Pubkey

from kgpu_oracle import db
from kgpu_oracle.chain import register_job
from kgpu_oracle.config import ConfigError, load_config
from kgpu_oracle.logs import configure_logging, log_event

__all__ = ["main"]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _pubkey(text: str) -> Pubkey:
    try:
        return Pubkey.from_string(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid public key {text!r}: expected 32 bytes in base58") from None


def _gpu_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid GPU count {text!r}: expected a whole number") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"invalid GPU count {count}: a job has at least 1 GPU")
    return count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgpu-oracle", description="K-GPU oracle attestation service")
    parser.add_argument("--config", required=True, type=Path, help="path of the operator's TOML configuration")
    parser.add_argument("--log-level", default="INFO", type=str.upper, choices=LOG_LEVELS, help="logging level (default INFO)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the HTTP service and outbox worker (the default)")
    job = commands.add_parser(
        "register-job",
        help="record a job in this oracle's jobs table, which receipts are checked against when job_source is \"database\"",
    )
    job.add_argument("--job", required=True, type=_pubkey, help="job account address, base58")
    job.add_argument("--provider", required=True, type=_pubkey, help="provider node public key, base58")
    job.add_argument("--gpu-model", required=True, help="model id from the GPU power table, e.g. H100-SXM")
    job.add_argument("--gpu-count", required=True, type=_gpu_count, help="number of GPUs on the job, at least 1")
    job.add_argument("--closed", action="store_true", help="record the job as closed")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen command; returns the process exit status."""
    args = _parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"kgpu-oracle: invalid configuration {args.config}: {error}", file=sys.stderr)
        return 2

    if args.command == "register-job":
        if config.reads_jobs_from_chain:
            print(
                f"kgpu-oracle: note: {args.config} reads jobs from the chain (job_source), so receipts are not"
                " checked against this entry; set job_source = \"database\" to use it",
                file=sys.stderr,
            )
        sessions = db.make_sessionmaker(db.make_engine(config.database_url))
        with sessions() as session:
            register_job(
                session,
                job=args.job,
                provider=args.provider,
                gpu_model=args.gpu_model,
                gpu_count=args.gpu_count,
                open_=not args.closed,
            )
            session.commit()
        log_event(logging.INFO, "job_registered", job=args.job, provider=args.provider)
        return 0

    import uvicorn

    from kgpu_oracle.app import create_app

    uvicorn.run(create_app(config), host=config.listen_host, port=config.listen_port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
