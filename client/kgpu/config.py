"""Wallet keypair files and cluster URLs, as the Solana CLI uses them.

A keypair file is the Solana CLI format: a JSON array of the 64 bytes of an ed25519 keypair
(32-byte secret seed followed by the 32-byte public key). Cluster names resolve to the same
JSON-RPC and PubSub URLs the Solana CLI uses.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from solders.keypair import Keypair

from kgpu.errors import InvalidKeypairError, InvalidUrlError, KeypairExistsError, KeypairNotFoundError

__all__ = [
    "CLUSTER_URLS",
    "DEFAULT_CLUSTER",
    "DEFAULT_KEYPAIR_PATH",
    "Cluster",
    "load_keypair",
    "resolve_cluster",
    "save_keypair",
]

DEFAULT_KEYPAIR_PATH = Path("~/.config/solana/id.json")
"""Default wallet file of the Solana CLI. ``~`` is expanded when the file is read or written."""

DEFAULT_CLUSTER = "localnet"

CLUSTER_URLS: dict[str, tuple[str, str]] = {
    "localnet": ("http://127.0.0.1:8899", "ws://127.0.0.1:8900"),
    "devnet": ("https://api.devnet.solana.com", "wss://api.devnet.solana.com"),
    "testnet": ("https://api.testnet.solana.com", "wss://api.testnet.solana.com"),
    "mainnet-beta": ("https://api.mainnet-beta.solana.com", "wss://api.mainnet-beta.solana.com"),
}
"""JSON-RPC and PubSub URLs of each cluster name."""

_KEYPAIR_LENGTH = 64


@dataclass(frozen=True)
class Cluster:
    """A Solana cluster endpoint: the name given by the user and its two URLs."""

    name: str
    """Cluster name (``localnet``, ``devnet``, ...) or the URL itself for a custom endpoint."""
    rpc_url: str
    """JSON-RPC over HTTP(S)."""
    ws_url: str
    """PubSub over WebSocket."""


def resolve_cluster(url: str = DEFAULT_CLUSTER) -> Cluster:
    """Resolve a cluster name or an ``http(s)://`` URL to its JSON-RPC and PubSub URLs.

    For a custom URL the PubSub URL follows the Solana CLI rule: the scheme becomes ``ws``/``wss``
    and an explicit port is incremented by one (``http://host:8899`` gives ``ws://host:8900``).

    Raises:
        InvalidUrlError: ``url`` is neither a known cluster name nor an HTTP(S) URL with a host.
    """
    value = url.strip()
    if value in CLUSTER_URLS:
        rpc_url, ws_url = CLUSTER_URLS[value]
        return Cluster(name=value, rpc_url=rpc_url, ws_url=ws_url)

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrlError(url=url)
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidUrlError(url=url) from exc

    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    netloc = parts.netloc
    if port is not None:
        host_part = netloc.rsplit(":", 1)[0]
        netloc = f"{host_part}:{port + 1}"
    ws_url = urlunsplit((ws_scheme, netloc, parts.path, parts.query, parts.fragment))
    return Cluster(name=value, rpc_url=value, ws_url=ws_url)


def load_keypair(path: str | os.PathLike[str] = DEFAULT_KEYPAIR_PATH) -> Keypair:
    """Read a Solana CLI keypair file (a JSON array of 64 integers in 0..255).

    Raises:
        KeypairNotFoundError: the file does not exist.
        InvalidKeypairError: the file is not a 64-byte JSON array or its public half does not
            match its secret seed.
    """
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise KeypairNotFoundError(path=str(file)) from exc
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InvalidKeypairError(path=str(file), reason=str(exc)) from exc

    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidKeypairError(path=str(file), reason=f"not JSON: {exc.msg}") from exc
    if (
        not isinstance(values, list)
        or len(values) != _KEYPAIR_LENGTH
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in values)
    ):
        raise InvalidKeypairError(path=str(file), reason="expected a JSON array of 64 integers in 0..255")

    try:
        return Keypair.from_bytes(bytes(values))
    except ValueError as exc:
        raise InvalidKeypairError(path=str(file), reason=str(exc)) from exc


def save_keypair(
    keypair: Keypair,
    path: str | os.PathLike[str] = DEFAULT_KEYPAIR_PATH,
    *,
    overwrite: bool = False,
) -> Path:
    """Write ``keypair`` as a Solana CLI keypair file readable only by its owner (mode 0600).

    Missing parent directories are created with mode 0700. The file is created with mode 0600
    from the start, so the secret is never readable by others, even briefly.

    Args:
        keypair: Keypair to store.
        path: Destination file.
        overwrite: Replace an existing file (the old secret key is lost).

    Returns:
        The expanded path written.

    Raises:
        KeypairExistsError: the file exists and ``overwrite`` is false.
    """
    file = Path(path).expanduser()
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    if not overwrite:
        flags |= os.O_EXCL
    try:
        descriptor = os.open(file, flags, 0o600)
    except FileExistsError as exc:
        raise KeypairExistsError(path=str(file)) from exc

    # os.open applies the mode only when it creates the file, so an overwritten file is narrowed too.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(list(bytes(keypair)), handle, separators=(",", ":"))
    return file
