"""Provide SPL Token-2022 v11 for LiteSVM, in place of the build that solders 0.27.1 bundles.

The K-GPU mint carries token metadata (name, symbol, uri) in the mint account itself. Writing it
grows the mint, and the Token-2022 build that solders 0.27.1 loads (v8.0.0) reads the grown
bytes before writing them. `LiteSVM()` turns on every runtime feature, including the stricter
account-memory rules of SIMD-0219, under which that read fails with `InvalidRealloc`.
Token-2022 v10.0.0 and later zero the grown bytes first, so v11.0.0 works on the same runtime.

No registry ships that program as a standalone file. The npm package `litesvm` 1.5.0 builds
Token-2022 v11.0.0 into its native module and exposes it as an account. `ensure_token_2022`
installs the pinned package with npm (`programs/spl/package.json`) and reads the program out
with Node. It then checks the SHA-256 and caches the ELF under `programs/target/spl/`.

Run `python -m kgpu_sbf.spl` to fetch it; `make programs` does so.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from kgpu_sbf.loader import PROGRAMS_DIR

TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_2022_VERSION = "11.0.0"
TOKEN_2022_SHA256 = "495e9d7680dd555cb126a6a8e5464af5be9b01f02f2cd70634352722d22e3cad"

NPM_PROJECT_DIR = PROGRAMS_DIR / "spl"
CACHE_DIR = PROGRAMS_DIR / "target" / "spl"
TOKEN_2022_PATH = CACHE_DIR / f"spl_token_2022-{TOKEN_2022_VERSION}.so"

# Reads the Token-2022 program-data account from litesvm's in-memory bank and writes the ELF,
# which follows the loader's 45-byte ProgramData header, to the path given as argv[1].
_EXTRACT_SCRIPT = """
const { LiteSVM } = require("litesvm");
const { address, getAddressDecoder } = require("@solana/kit");
const svm = new LiteSVM();
const program = svm.getAccount(address("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"));
const programData = svm.getAccount(getAddressDecoder().decode(program.data.slice(4, 36)));
require("fs").writeFileSync(process.argv[1], Buffer.from(programData.data.slice(45)));
"""


class SplProgramError(RuntimeError):
    """The pinned SPL program could not be installed or did not match its SHA-256."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def token_2022_elf() -> bytes | None:
    """Return the cached Token-2022 v11 ELF, or None when it has not been fetched."""
    if TOKEN_2022_PATH.exists() and _sha256(TOKEN_2022_PATH) == TOKEN_2022_SHA256:
        return TOKEN_2022_PATH.read_bytes()
    return None


def ensure_token_2022(*, log: Callable[[str], object] = print) -> Path:
    """Fetch Token-2022 v11 into `programs/target/spl/` unless it is already there.

    Raises:
        SplProgramError: node or npm is missing, npm failed, or the extracted program's
            SHA-256 is not the pinned one.
    """
    if token_2022_elf() is not None:
        return TOKEN_2022_PATH

    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise SplProgramError(
            "Node.js 20 or later with npm is required to fetch SPL Token-2022 v11 (the pinned npm "
            "litesvm needs it; Debian 12's own nodejs is 18); install it and run "
            "`python -m kgpu_sbf.spl` again")

    log(f"spl: installing npm litesvm into {NPM_PROJECT_DIR / 'node_modules'}")
    install = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NPM_PROJECT_DIR, capture_output=True, text=True)
    if install.returncode != 0:
        tail = "\n".join(install.stderr.strip().splitlines()[-20:])
        raise SplProgramError(f"npm install failed in {NPM_PROJECT_DIR}:\n{tail}")

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = TOKEN_2022_PATH.with_suffix(".partial")
    extract = subprocess.run(
        [node, "-e", _EXTRACT_SCRIPT, str(partial)],
        cwd=NPM_PROJECT_DIR, capture_output=True, text=True)
    if extract.returncode != 0:
        raise SplProgramError(f"reading Token-2022 out of npm litesvm failed:\n{extract.stderr.strip()}")

    digest = _sha256(partial)
    if digest != TOKEN_2022_SHA256:
        partial.unlink()
        raise SplProgramError(
            f"Token-2022 from npm litesvm has SHA-256 {digest}, expected {TOKEN_2022_SHA256}; "
            f"check the version pinned in {NPM_PROJECT_DIR / 'package-lock.json'}")
    partial.replace(TOKEN_2022_PATH)
    log(f"spl: Token-2022 v{TOKEN_2022_VERSION} -> {TOKEN_2022_PATH} (sha256 {digest})")
    return TOKEN_2022_PATH


def install_token_2022(svm: LiteSVM) -> bool:
    """Replace the bundled Token-2022 in `svm` with v11 when it has been fetched.

    Returns True when v11 is loaded, False when the cached ELF is missing and `svm` keeps the
    bundled v8 build (token metadata then fails with `InvalidRealloc`).

    NOTE: `add_program` skips the deploy-time verifier. That is acceptable here because the
    program is the released SPL build, not ours; our programs are always deployed through the
    upgradeable loader.
    """
    elf = token_2022_elf()
    if elf is None:
        return False
    svm.add_program(TOKEN_2022_PROGRAM_ID, elf)
    return True


def main() -> int:
    try:
        ensure_token_2022()
    except SplProgramError as error:
        print(f"spl: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
