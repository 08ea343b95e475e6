"""Fixtures for the SBF build tests: the LLVM tools and the fixture programs, built once per session."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kgpu_sbf import build

FIXTURES_MANIFEST = build.PROGRAMS_DIR / "fixtures" / "Cargo.toml"
# A target directory of its own, so that the tests neither wait for nor disturb a
# concurrent `make programs`, and later sessions reuse the compiled core library.
FIXTURES_TARGET_DIR = build.PROGRAMS_DIR / "target" / "fixtures"


@pytest.fixture(scope="session")
def toolchain() -> build.Toolchain:
    """The Rust and LLVM tools of the build, or a skip when they are not installed."""
    try:
        return build.find_toolchain(build.Progress(), install=False)
    except build.BuildError as error:
        pytest.skip(f"SBF toolchain not available: {error}")


@pytest.fixture(scope="session")
def assemble(toolchain: build.Toolchain, tmp_path_factory: pytest.TempPathFactory):
    """Return a function that assembles eBPF assembly text into relocatable object bytes with llvm-mc."""
    llvm_mc = toolchain.llvm_bin / "llvm-mc"
    if not llvm_mc.is_file():
        pytest.skip(f"{llvm_mc} is missing")
    directory = tmp_path_factory.mktemp("asm")
    counter = iter(range(1_000_000))

    def _assemble(source: str, cpu: str = "v2") -> bytes:
        index = next(counter)
        source_path = directory / f"input{index}.s"
        object_path = directory / f"input{index}.o"
        source_path.write_text(source)
        subprocess.run(
            [str(llvm_mc), "-triple", "bpfel", f"-mcpu={cpu}", "-filetype=obj", str(source_path),
             "-o", str(object_path)],
            check=True, capture_output=True, text=True,
        )
        return object_path.read_bytes()

    return _assemble


@pytest.fixture(scope="session")
def fixture_programs(toolchain: build.Toolchain) -> dict[str, Path]:
    """Build every fixture crate once per session and return crate name to .so path."""
    built = build.build_programs(manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                                 use_platform_tools=False)
    return {program.name: program.path for program in built}
