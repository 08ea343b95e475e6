"""Keypair files and cluster URL resolution."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from solders.keypair import Keypair

from kgpu.config import DEFAULT_KEYPAIR_PATH, load_keypair, resolve_cluster, save_keypair
from kgpu.errors import InvalidKeypairError, InvalidUrlError, KeypairExistsError, KeypairNotFoundError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keypair_round_trip(tmp_path: Path) -> None:
    keypair = Keypair()
    path = save_keypair(keypair, tmp_path / "wallet" / "id.json")

    loaded = load_keypair(path)

    assert loaded == keypair
    assert json.loads(path.read_text()) == list(bytes(keypair))
    assert len(json.loads(path.read_text())) == 64


def test_keypair_file_is_private(tmp_path: Path) -> None:
    path = save_keypair(Keypair(), tmp_path / "new-dir" / "id.json")

    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_keypair_not_overwritten(tmp_path: Path) -> None:
    first = Keypair()
    path = save_keypair(first, tmp_path / "id.json")

    with pytest.raises(KeypairExistsError) as caught:
        save_keypair(Keypair(), path)

    assert load_keypair(path) == first
    assert str(path) in caught.value.message("ko")
    assert "--force" in caught.value.message("en")


def test_keypair_overwrite_narrows_mode(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    path.write_text("[]")
    path.chmod(0o644)
    second = Keypair()

    save_keypair(second, path, overwrite=True)

    assert load_keypair(path) == second
    assert mode(path) == 0o600


def test_default_path_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    keypair = Keypair()

    written = save_keypair(keypair)

    assert written == tmp_path / ".config" / "solana" / "id.json"
    assert load_keypair() == keypair
    assert str(DEFAULT_KEYPAIR_PATH) == "~/.config/solana/id.json"


def test_missing_keypair(tmp_path: Path) -> None:
    with pytest.raises(KeypairNotFoundError) as caught:
        load_keypair(tmp_path / "absent.json")
    assert caught.value.exit_code == 1
    assert "kgpu wallet new" in caught.value.message("ko")


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "{}",
        "[1, 2, 3]",
        json.dumps([256] * 64),
        json.dumps([-1] * 64),
        json.dumps([True] * 64),
        json.dumps(list(bytes(Keypair()))[:32] + list(bytes(Keypair()))[32:]),
    ],
    ids=["text", "object", "short", "byte-too-large", "negative", "booleans", "mismatched-public-key"],
)
def test_invalid_keypair_rejected(tmp_path: Path, content: str) -> None:
    path = tmp_path / "id.json"
    path.write_text(content)

    with pytest.raises(InvalidKeypairError):
        load_keypair(path)


@pytest.mark.parametrize(
    ("url", "rpc_url", "ws_url"),
    [
        ("localnet", "http://127.0.0.1:8899", "ws://127.0.0.1:8900"),
        ("devnet", "https://api.devnet.solana.com", "wss://api.devnet.solana.com"),
        ("testnet", "https://api.testnet.solana.com", "wss://api.testnet.solana.com"),
        ("mainnet-beta", "https://api.mainnet-beta.solana.com", "wss://api.mainnet-beta.solana.com"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000", "ws://127.0.0.1:9001"),
        ("https://rpc.example.com/key/abc", "https://rpc.example.com/key/abc", "wss://rpc.example.com/key/abc"),
        ("http://[::1]:8899", "http://[::1]:8899", "ws://[::1]:8900"),
        ("http://user:pw@host:80/x", "http://user:pw@host:80/x", "ws://user:pw@host:81/x"),
    ],
)
def test_resolve_cluster(url: str, rpc_url: str, ws_url: str) -> None:
    cluster = resolve_cluster(url)
    assert cluster.rpc_url == rpc_url
    assert cluster.ws_url == ws_url


def test_resolve_cluster_default_is_localnet() -> None:
    assert resolve_cluster().name == "localnet"


@pytest.mark.parametrize("url", ["", "local", "ftp://host", "http://", "127.0.0.1:8899", "http://host:99999"])
def test_resolve_cluster_rejects(url: str) -> None:
    with pytest.raises(InvalidUrlError):
        resolve_cluster(url)
