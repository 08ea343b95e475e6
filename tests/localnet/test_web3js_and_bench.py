"""A @solana/web3.js flow run with node, and the benchmark's smoke run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JS_DIR = Path(__file__).parent / "js"
ROOT = Path(__file__).resolve().parents[2]


def ensure_node_modules() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are required for the @solana/web3.js test")
    if (JS_DIR / "node_modules" / "@solana" / "web3.js").is_dir():
        return
    command = ["npm", "ci"] if (JS_DIR / "package-lock.json").is_file() else ["npm", "install"]
    completed = subprocess.run(command + ["--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, f"{' '.join(command)} failed:\n{completed.stderr}"


def test_web3js_flow(localnet):
    ensure_node_modules()
    completed = subprocess.run(
        ["node", "flow.mjs", localnet.rpc_url, localnet.ws_url],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["recipientBalance"] == 12_345
    assert result["fee"] == 5000
    assert result["payerBalance"] == 2_000_000_000 - 12_345 - 5000


def test_bench_quick_run():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "localnet.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "cold start to first accepted transaction" in completed.stdout
    assert "rpc/in-proc" in completed.stdout
