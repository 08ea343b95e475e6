"""Tests for the build-time list of Agave syscall names."""

from __future__ import annotations

import io
from pathlib import Path

from kgpu_sbf import build
from kgpu_sbf.relink import relink
from kgpu_sbf.syscalls import AGAVE_SYSCALLS, imported_syscalls, unknown_syscalls

FIXTURES_MANIFEST = build.PROGRAMS_DIR / "fixtures" / "Cargo.toml"
FIXTURES_TARGET_DIR = build.PROGRAMS_DIR / "target" / "fixtures"


def test_imported_syscalls_of_fixtures(fixture_programs: dict[str, Path]) -> None:
    hello = fixture_programs["fixture_hello"].read_bytes()
    bad = fixture_programs["fixture_bad_syscall"].read_bytes()

    assert imported_syscalls(hello) == ["sol_log_"]
    assert unknown_syscalls(hello) == []
    assert unknown_syscalls(bad) == ["sol_lgo_"]


def test_aliases_map_to_known_syscalls(assemble) -> None:
    obj = assemble("""
    .text
    .globl entrypoint
entrypoint:
    call memcpy
    call memmove
    call memset
    call __bpf_trap
    exit
""")

    names = imported_syscalls(relink(obj))

    assert names == ["sol_memcpy_", "sol_memmove_", "sol_memset_", "abort"]
    assert set(names) <= AGAVE_SYSCALLS


def test_build_warns_about_unknown_syscall(fixture_programs: dict[str, Path]) -> None:
    stream = io.StringIO()

    build.build_programs(["fixture_bad_syscall"], manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                         progress=build.Progress(stream), use_platform_tools=False)

    assert "fixture_bad_syscall: warning: calls sol_lgo_, which is not an Agave syscall" in stream.getvalue()
