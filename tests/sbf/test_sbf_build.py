"""Tests for `python -m kgpu_sbf.build`: crate selection, caching, determinism and the CLI."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kgpu_sbf import build

# The same paths as the `fixture_programs` fixture in tests/sbf/conftest.py.
FIXTURES_MANIFEST = build.PROGRAMS_DIR / "fixtures" / "Cargo.toml"
FIXTURES_TARGET_DIR = build.PROGRAMS_DIR / "target" / "fixtures"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quiet() -> build.Progress:
    return build.Progress(io.StringIO())


def test_fixture_build_writes_every_program(fixture_programs: dict[str, Path]) -> None:
    assert sorted(fixture_programs) == ["fixture_bad_syscall", "fixture_hello", "fixture_relocations"]
    for name, path in fixture_programs.items():
        assert path == FIXTURES_TARGET_DIR / "deploy" / f"{name}.so"
        assert path.read_bytes()[:4] == b"\x7fELF"


def test_unchanged_bitcode_skips_llc_and_relink(fixture_programs: dict[str, Path]) -> None:
    stream = io.StringIO()

    built = build.build_programs(["fixture_hello"], manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                                 progress=build.Progress(stream), use_platform_tools=False)

    assert [program.rebuilt for program in built] == [False]
    assert built[0].sha256 == sha256(fixture_programs["fixture_hello"])
    assert "fixture_hello: bitcode unchanged" in stream.getvalue()


def test_missing_output_is_rebuilt(fixture_programs: dict[str, Path], tmp_path: Path) -> None:
    built = build.build_programs(["fixture_hello"], manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                                 deploy_dir=tmp_path, progress=quiet(), use_platform_tools=False)

    assert [program.rebuilt for program in built] == [True]
    assert built[0].path == tmp_path / "fixture_hello.so"
    assert built[0].sha256 == sha256(fixture_programs["fixture_hello"])


@pytest.mark.slow
def test_clean_builds_are_identical(fixture_programs: dict[str, Path], tmp_path: Path) -> None:
    # A fresh target directory compiles core and alloc again, which takes about 20 s.
    built = build.build_programs(["fixture_hello"], manifest=FIXTURES_MANIFEST, target_dir=tmp_path / "target",
                                 progress=quiet(), use_platform_tools=False)

    assert built[0].rebuilt
    assert built[0].sha256 == sha256(fixture_programs["fixture_hello"])
    shutil.rmtree(tmp_path / "target")


def test_unknown_crate_rejected(toolchain: build.Toolchain) -> None:
    with pytest.raises(build.BuildError, match="fixture_missing is not a program crate") as raised:
        build.build_programs(["fixture_missing"], manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                             progress=quiet(), use_platform_tools=False)

    assert "fixture_hello" in str(raised.value)


def test_program_crates_skip_library_members(toolchain: build.Toolchain, tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text(
        '[workspace]\nresolver = "2"\nmembers = ["shared", "program", "solana"]\n'
    )
    for name, crate_type in (("shared", '"lib"'), ("program", '"staticlib"'), ("solana", '"cdylib", "lib"')):
        crate = tmp_path / name
        (crate / "src").mkdir(parents=True)
        (crate / "src" / "lib.rs").write_text("#![no_std]\n")
        (crate / "Cargo.toml").write_text(
            f'[package]\nname = "{name}-crate"\nversion = "0.1.0"\nedition = "2021"\n\n'
            f'[lib]\ncrate-type = [{crate_type}]\n'
        )
    config = build.write_cargo_config(toolchain, tmp_path / "target")

    assert build.program_crates(toolchain, tmp_path / "Cargo.toml", config) == [
        build.ProgramCrate(package="program-crate", crate="program_crate"),
        build.ProgramCrate(package="solana-crate", crate="solana_crate"),
    ]


def test_cargo_config_replaces_crates_io(toolchain: build.Toolchain, tmp_path: Path) -> None:
    config = build.write_cargo_config(toolchain, tmp_path)

    assert config == tmp_path / "sbf" / "cargo-config.toml"
    text = config.read_text()
    assert 'replace-with = "kgpu-std-vendor"' in text
    assert f'directory = "{toolchain.vendor}"' in text
    assert "offline = true" in text
    assert toolchain.vendor.is_dir()


def test_toolchain_matches_rustc_llvm(toolchain: build.Toolchain) -> None:
    major = toolchain.llvm_version.split(".")[0]
    expected = Path(os.environ.get("KGPU_SBF_LLVM_BIN", f"/usr/lib/llvm-{major}/bin"))

    assert toolchain.llvm_bin == expected
    assert (toolchain.library_source / "core" / "Cargo.toml").is_file()


def test_cli_prints_progress_and_sha256(fixture_programs: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    exit_code = build.main(["--manifest-path", str(FIXTURES_MANIFEST), "--target-dir", str(FIXTURES_TARGET_DIR),
                            "fixture_hello", "fixture_relocations"])

    output = capsys.readouterr().out
    assert exit_code == 0
    assert re.search(r"^\[\s*\d+\.\ds\] fixture_hello: cargo rustc for bpfel-unknown-none$", output, re.MULTILINE)
    assert re.search(r"^\[\s*\d+\.\ds\] fixture_relocations: cargo rustc for bpfel-unknown-none$", output,
                     re.MULTILINE)
    for name in ("fixture_hello", "fixture_relocations"):
        path = fixture_programs[name]
        assert f"{sha256(path)}  {path}" in output


def test_cli_reports_errors(toolchain: build.Toolchain, capsys: pytest.CaptureFixture) -> None:
    exit_code = build.main(["--manifest-path", str(FIXTURES_MANIFEST), "--target-dir", str(FIXTURES_TARGET_DIR),
                            "fixture_missing"])

    assert exit_code == 1
    assert "error: fixture_missing is not a program crate" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("cargo-build-sbf") is None, reason="cargo-build-sbf (Solana platform tools) is not installed")
def test_platform_tools_build(tmp_path: Path) -> None:
    built = build.build_programs(["fixture_hello"], manifest=FIXTURES_MANIFEST, target_dir=tmp_path,
                                 progress=quiet(), use_platform_tools=True)

    assert [program.name for program in built] == ["fixture_hello"]
    assert built[0].path.read_bytes()[:4] == b"\x7fELF"


UNSUPPORTED_IR = {
    "u128 multiply": (
        "define i64 @f(i64 %a, i64 %b) {\n  %x = zext i64 %a to i128\n  %y = zext i64 %b to i128\n"
        "  %r = mul i128 %x, %y\n  %h = lshr i128 %r, 64\n  %t = trunc i128 %h to i64\n  ret i64 %t\n}\n",
        ["u128/i128 multiplication or division"],
    ),
    "signed division": (
        "define i64 @f(i64 %a, i64 %b) {\n  %r = sdiv i64 %a, %b\n  ret i64 %r\n}\n",
        ["signed 64-bit division"],
    ),
    "floating point": (
        "define i64 @f(i64 %a) {\n  %x = uitofp i64 %a to double\n  %y = fmul double %x, 1.5\n"
        "  %r = fptoui double %y to i64\n  ret i64 %r\n}\n",
        ["floating point"],
    ),
    "six arguments": (
        "declare i64 @g(i64, i64, i64, i64, i64, i64)\n"
        "define i64 @f() {\n  %r = call i64 @g(i64 1, i64 2, i64 3, i64 4, i64 5, i64 6)\n  ret i64 %r\n}\n",
        ["at most 5 arguments"],
    ),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED_IR))
def test_llc_failure_explained(toolchain: build.Toolchain, tmp_path: Path, case: str) -> None:
    source, expected = UNSUPPORTED_IR[case]
    module = tmp_path / "module.ll"
    module.write_text('target triple = "bpfel"\n' + source)
    result = subprocess.run(
        [toolchain.tool("llc"), "-march=bpfel", "-mcpu=v2", "-filetype=obj", str(module), "-o", os.devnull],
        capture_output=True, text=True,
    )

    hints = build.explain_llc_failure(result.stderr)

    assert result.returncode != 0
    assert len(hints) == len(expected), hints
    for hint, phrase in zip(hints, expected):
        assert phrase in hint


def test_modified_output_is_rebuilt(fixture_programs: dict[str, Path], tmp_path: Path) -> None:
    deploy_dir = tmp_path / "deploy"
    build.build_programs(["fixture_hello"], manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                         deploy_dir=deploy_dir, progress=quiet(), use_platform_tools=False)
    (deploy_dir / "fixture_hello.so").write_bytes(b"stale")

    built = build.build_programs(["fixture_hello"], manifest=FIXTURES_MANIFEST, target_dir=FIXTURES_TARGET_DIR,
                                 deploy_dir=deploy_dir, progress=quiet(), use_platform_tools=False)

    assert [program.rebuilt for program in built] == [True]
    assert built[0].sha256 == sha256(fixture_programs["fixture_hello"])


def test_missing_cargo_triggers_install(toolchain: build.Toolchain, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    installs = []
    monkeypatch.setenv("KGPU_SBF_CARGO", str(tmp_path / "missing-cargo"))
    monkeypatch.setattr(build, "install_debian_rust", lambda progress: installs.append(progress))

    found = build.find_toolchain(quiet())

    assert len(installs) == 1
    assert found.library_source == toolchain.library_source


def test_missing_cargo_without_install_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KGPU_SBF_CARGO", str(tmp_path / "missing-cargo"))

    with pytest.raises(build.BuildError, match="missing-cargo, .* or the standard library sources are missing"):
        build.find_toolchain(quiet(), install=False)


def test_missing_llvm_tools_rejected(toolchain: build.Toolchain, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    monkeypatch.setenv("KGPU_SBF_LLVM_BIN", str(tmp_path))

    with pytest.raises(build.BuildError, match=r"tools llvm-ar, llvm-dis, llvm-as, llc are missing") as raised:
        build.find_toolchain(quiet(), install=False)

    assert "apt-get install llvm-" in str(raised.value)
