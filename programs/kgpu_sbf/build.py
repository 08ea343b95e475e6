"""Build the workspace's on-chain programs into SBPF v0 shared objects.

    python -m kgpu_sbf.build                 # every program crate in programs/Cargo.toml
    python -m kgpu_sbf.build kgpu_probe      # only the named crates
    python -m kgpu_sbf.build --manifest-path programs/fixtures/Cargo.toml fixture_hello

Each program crate (a workspace member whose library declares crate-type "cdylib" or
"staticlib") ends up in `<target-dir>/deploy/<crate_name>.so`. Without Solana's
platform tools the pipeline is:

1. `cargo rustc --crate-type staticlib` for `bpfel-unknown-none` with
   `-Z build-std=core,alloc`, using Debian's
   `rustc-web` toolchain and the standard library's vendored dependencies as an offline
   crates.io replacement. For this target rustc writes LLVM bitcode, so with fat LTO the
   staticlib contains one bitcode member with the whole program.
2. `llvm-ar x` extracts that member, `llvm-dis` / `kgpu_sbf.ir` / `llvm-as` replace memory
   intrinsics that the BPF backend cannot lower with Solana syscalls.
3. `llc -march=bpfel -mcpu=v2` lowers the module to a relocatable eBPF object.
4. `kgpu_sbf.relink` turns the object into the SBPF v0 shared object the loader accepts.

When `cargo-build-sbf` is on PATH, `cargo build-sbf` builds the programs instead. Set
KGPU_SBF_TOOLCHAIN=llvm to force the pipeline above. docs/sbf-build.md has the details.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kgpu_sbf import ir, relink, syscalls

PROGRAMS_DIR = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = PROGRAMS_DIR / "Cargo.toml"
DEFAULT_TARGET_DIR = PROGRAMS_DIR / "target"

TARGET = "bpfel-unknown-none"
CPU = "v2"
STACK_FRAME_SIZE = 4096  # bytes of stack per call frame, the SBPF v0 default
# rust-web-llvm brings llvm-22 (llc and friends), which rustc-web only recommends.
DEBIAN_RUST_PACKAGES = ("rustc-web", "cargo-web", "rust-web-src", "rust-web-llvm")
DEBIAN_CARGO = Path("/usr/bin/cargo")
DEBIAN_RUSTC = Path("/usr/bin/rustc")
LLVM_TOOLS = ("llvm-ar", "llvm-dis", "llvm-as", "llc")

# Files whose contents decide the llc and relink output for a given bitcode. A change to
# any of them invalidates the cached output.
PIPELINE_SOURCES = (Path(ir.__file__), Path(relink.__file__), Path(__file__), Path(__file__).with_name("elf.py"))


class BuildError(Exception):
    """A failed build step, with the step and the next action in the message."""


@dataclass
class Toolchain:
    cargo: Path
    rustc: Path
    library_source: Path  # standard library sources, <sysroot>/lib/rustlib/src/rust/library
    vendor: Path  # crates that the standard library depends on, vendored by Debian
    llvm_bin: Path
    llvm_version: str

    def tool(self, name: str) -> str:
        return str(self.llvm_bin / name)


@dataclass
class BuiltProgram:
    name: str
    path: Path
    sha256: str
    rebuilt: bool  # False when llc and relink were skipped because the bitcode was unchanged


class Progress:
    """Print one line per build step with the seconds elapsed since the build started."""

    def __init__(self, stream=None) -> None:
        self.start = time.monotonic()
        self.stream = stream or sys.stdout

    def step(self, program: str, message: str) -> None:
        elapsed = time.monotonic() - self.start
        print(f"[{elapsed:6.1f}s] {program}: {message}", file=self.stream, flush=True)


def run(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, raising BuildError with its output when it fails."""
    try:
        result = subprocess.run(
            command, env=env, cwd=cwd, text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
        )
    except FileNotFoundError as error:
        raise BuildError(f"command not found: {command[0]}") from error
    if result.returncode != 0:
        output = "\n".join(part.strip() for part in (result.stdout, result.stderr) if part and part.strip())
        raise BuildError(f"`{' '.join(command)}` failed with exit code {result.returncode}\n{output}")
    return result


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Toolchain discovery


def install_debian_rust(progress: Progress) -> None:
    """Install Debian's Rust toolchain and standard library sources with apt-get."""
    if shutil.which("apt-get") is None:
        raise BuildError(
            f"{DEBIAN_CARGO} or the Rust standard library sources are missing and apt-get is not available: "
            f"install the Debian packages {' '.join(DEBIAN_RUST_PACKAGES)} or Solana's platform tools"
        )
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    for command in (
        prefix + ["apt-get", "update"],
        prefix + ["apt-get", "install", "-y", *DEBIAN_RUST_PACKAGES],
    ):
        progress.step("toolchain", f"running {' '.join(command)}")
        run(command, capture=False)


def find_library_source(rustc: Path) -> Path | None:
    sysroot = run([str(rustc), "--print", "sysroot"]).stdout.strip()
    library = Path(sysroot) / "lib" / "rustlib" / "src" / "rust" / "library"
    if (library / "core" / "Cargo.toml").is_file() and (library / "Cargo.lock").is_file():
        return library.resolve()
    return None


def find_toolchain(progress: Progress, install: bool = True) -> Toolchain:
    """Locate cargo, rustc, the std sources, Debian's vendored crates and the matching LLVM tools.

    Installs the Debian Rust packages first when they are missing and `install` is true.
    """
    cargo = Path(os.environ.get("KGPU_SBF_CARGO", DEBIAN_CARGO))
    rustc = Path(os.environ.get("KGPU_SBF_RUSTC", DEBIAN_RUSTC))
    library = find_library_source(rustc) if cargo.is_file() and rustc.is_file() else None
    if library is None:
        if not install:
            raise BuildError(f"{cargo}, {rustc} or the standard library sources are missing")
        install_debian_rust(progress)
        library = find_library_source(rustc)
        if library is None:
            raise BuildError(f"the standard library sources are still missing after installing {DEBIAN_RUST_PACKAGES}")

    vendor = library / "vendor"
    if not vendor.is_dir():
        raise BuildError(
            f"{vendor} is missing: -Z build-std needs the standard library's dependencies vendored "
            "next to its sources, as Debian's rust-web-src package provides them"
        )

    version_output = run([str(rustc), "-vV"]).stdout
    match = re.search(r"^LLVM version: (\d+)(\.[\d.]+)?", version_output, re.MULTILINE)
    if match is None:
        raise BuildError(f"`{rustc} -vV` does not report an LLVM version:\n{version_output}")
    major = match.group(1)
    llvm_bin = Path(os.environ.get("KGPU_SBF_LLVM_BIN", f"/usr/lib/llvm-{major}/bin"))
    missing = [tool for tool in LLVM_TOOLS if not (llvm_bin / tool).is_file()]
    if missing:
        raise BuildError(
            f"LLVM {major} tools {', '.join(missing)} are missing from {llvm_bin}. rustc uses LLVM {major}, "
            f"so install the matching tools (Debian: apt-get install llvm-{major}) "
            "or set KGPU_SBF_LLVM_BIN to their directory"
        )
    return Toolchain(cargo, rustc, library, vendor, llvm_bin, match.group(0).split(": ")[1])


def write_cargo_config(toolchain: Toolchain, target_dir: Path) -> Path:
    """Write the cargo config that replaces crates.io with the vendored std dependencies.

    The file lives in the target directory and reaches cargo through `--config`, so the
    user's ~/.cargo stays untouched.
    """
    config = target_dir / "sbf" / "cargo-config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Written by kgpu_sbf.build: build-std resolves the standard library's dependencies\n"
        "# from the vendored copies next to its sources, without network access.\n"
        "[source.crates-io]\n"
        'replace-with = "kgpu-std-vendor"\n'
        "\n"
        "[source.kgpu-std-vendor]\n"
        f"directory = {json.dumps(str(toolchain.vendor))}\n"
        "\n"
        "[net]\n"
        "offline = true\n"
    )
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
    return config


def cargo_environment(toolchain: Toolchain) -> dict[str, str]:
    env = dict(os.environ)
    for variable in ("RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_BUILD_TARGET", "RUSTUP_TOOLCHAIN", "RUSTC_WRAPPER"):
        env.pop(variable, None)
    env["RUSTC"] = str(toolchain.rustc)
    env["RUSTC_BOOTSTRAP"] = "1"  # -Z build-std is a nightly flag
    # --remap-path-prefix keeps absolute checkout paths out of the bitcode.
    flags = ["-C", f"target-cpu={CPU}", f"--remap-path-prefix={PROGRAMS_DIR}=programs"]
    env["CARGO_ENCODED_RUSTFLAGS"] = "\x1f".join(flags)
    return env


# Workspace


@dataclass
class ProgramCrate:
    package: str  # the name `cargo -p` takes
    crate: str  # the library target's crate name, which names lib<crate>.a and <crate>.so


def program_crates(toolchain: Toolchain, manifest: Path, config: Path) -> list[ProgramCrate]:
    """Return the workspace members whose library declares crate-type cdylib or staticlib, in metadata order."""
    output = run(
        [str(toolchain.cargo), "--config", str(config), "metadata", "--format-version", "1", "--no-deps",
         "--offline", "--manifest-path", str(manifest)],
        env=cargo_environment(toolchain),
    ).stdout
    metadata = json.loads(output)
    members = set(metadata["workspace_members"])
    programs = []
    for package in metadata["packages"]:
        if package["id"] not in members:
            continue
        for target in package["targets"]:
            if {"staticlib", "cdylib"} & set(target["crate_types"]):
                programs.append(ProgramCrate(package["name"], target["name"].replace("-", "_")))
    return programs


# Steps after cargo


def extract_bitcode(toolchain: Toolchain, archive: Path, work_dir: Path) -> Path:
    """Extract the single bitcode member of a staticlib into work_dir/program.bc."""
    members = [line for line in run([toolchain.tool("llvm-ar"), "t", str(archive)]).stdout.splitlines() if line]
    extract_dir = work_dir / "members"
    shutil.rmtree(extract_dir, ignore_errors=True)
    extract_dir.mkdir(parents=True)
    run([toolchain.tool("llvm-ar"), "x", str(archive.resolve())], cwd=extract_dir)
    bitcode = [name for name in members if (extract_dir / name).read_bytes()[:4] == b"BC\xc0\xde"]
    if len(bitcode) != 1:
        raise BuildError(
            f"{archive} contains {len(bitcode)} bitcode members ({', '.join(bitcode) or 'none'}), expected 1: "
            'check that the crate uses lto = "fat" and codegen-units = 1 in the workspace release profile'
        )
    output = work_dir / "program.bc"
    shutil.move(str(extract_dir / bitcode[0]), output)
    shutil.rmtree(extract_dir)
    return output


# LLVM 22 BPF backend messages for Rust constructs it cannot lower, with what to change.
LLC_FAILURE_HINTS = (
    (re.compile(r"'__(multi3|udivti3|umodti3|divti3|modti3)'"),
     "u128/i128 multiplication or division has no BPF lowering; split the value into u64 halves"),
    (re.compile(r"only small returns supported|unable to allocate function return"),
     "functions cannot return u128/i128 or large values in registers; return through a pointer"),
    (re.compile(r"unsupported signed division"),
     "signed 64-bit division or remainder is not supported; divide the absolute values as unsigned"),
    (re.compile(r"'__\w*(sf|df)\w*'"),
     "floating point is not supported; use fixed-point integer arithmetic"),
    (re.compile(r"too many arguments"),
     "calls take at most 5 arguments in registers; pass a struct by reference instead"),
)


def explain_llc_failure(output: str) -> list[str]:
    """Return hints for the known causes in llc's error output."""
    hints = [hint for pattern, hint in LLC_FAILURE_HINTS if pattern.search(output)]
    u128_hint, return_hint = LLC_FAILURE_HINTS[0][1], LLC_FAILURE_HINTS[1][1]
    # A u128 libcall also fails to return its i128 result, and the u128 hint covers both.
    if u128_hint in hints and return_hint in hints:
        hints.remove(return_hint)
    return hints


def pipeline_fingerprint(toolchain: Toolchain, bitcode: Path) -> str:
    digest = hashlib.sha256()
    digest.update(bitcode.read_bytes())
    digest.update(f"{toolchain.llvm_bin} {toolchain.llvm_version} {CPU} {STACK_FRAME_SIZE}".encode())
    for source in PIPELINE_SOURCES:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def lower_and_relink(toolchain: Toolchain, name: str, bitcode: Path, work_dir: Path, output: Path,
                     progress: Progress) -> None:
    """Rewrite memory intrinsics, run llc and relink into `output`, keeping intermediate files in work_dir."""
    text = work_dir / "program.ll"
    rewritten_text = work_dir / "program.sbf.ll"
    rewritten = work_dir / "program.sbf.bc"
    obj = work_dir / "program.o"

    run([toolchain.tool("llvm-dis"), str(bitcode), "-o", str(text)])
    try:
        rewritten_text.write_text(ir.rewrite_module(text.read_text()))
    except ir.IrRewriteError as error:
        raise BuildError(f"{name}: {error}") from error
    run([toolchain.tool("llvm-as"), str(rewritten_text), "-o", str(rewritten)])
    progress.step(name, "replaced large memory intrinsics with syscalls")

    try:
        run([
            toolchain.tool("llc"), "-march=bpfel", f"-mcpu={CPU}", "-O2", f"-bpf-stack-size={STACK_FRAME_SIZE}",
            "-filetype=obj", str(rewritten), "-o", str(obj),
        ])
    except BuildError as error:
        hints = explain_llc_failure(str(error))
        raise BuildError(f"{name}: llc failed\n{error}" + "".join(f"\nhint: {hint}" for hint in hints)) from error
    progress.step(name, f"llc wrote {obj.stat().st_size} bytes of eBPF object")

    try:
        shared_object = relink.relink(obj.read_bytes())
    except relink.RelinkError as error:
        raise BuildError(f"{name}: relink of {obj} failed: {error}") from error
    temporary = output.with_suffix(".so.tmp")
    temporary.write_bytes(shared_object)
    temporary.replace(output)
    progress.step(name, f"relinked {output} ({len(shared_object)} bytes)")


@contextlib.contextmanager
def target_dir_lock(target_dir: Path, progress: Progress):
    """Hold an exclusive lock on `target_dir` so that concurrent builds do not mix intermediate files."""
    lock_path = target_dir / "sbf" / "build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress.step("lock", f"waiting for another build that holds {lock_path}")
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def build_with_llvm(names: list[str] | None, manifest: Path, target_dir: Path, deploy_dir: Path,
                    progress: Progress) -> list[BuiltProgram]:
    with target_dir_lock(target_dir, progress):
        return _build_with_llvm_locked(names, manifest, target_dir, deploy_dir, progress)


def _build_with_llvm_locked(names: list[str] | None, manifest: Path, target_dir: Path, deploy_dir: Path,
                            progress: Progress) -> list[BuiltProgram]:
    toolchain = find_toolchain(progress)
    progress.step("toolchain", f"rustc {toolchain.rustc}, std sources {toolchain.library_source}, "
                               f"LLVM {toolchain.llvm_version} tools in {toolchain.llvm_bin}")
    config = write_cargo_config(toolchain, target_dir)

    available = program_crates(toolchain, manifest, config)
    if not available:
        raise BuildError(f"{manifest} has no workspace member with crate-type cdylib or staticlib")
    by_name = {}
    for program in available:
        by_name[program.package] = program
        by_name[program.crate] = program
    unknown = [name for name in names or [] if name not in by_name]
    if unknown:
        crate_list = ", ".join(program.crate for program in available)
        raise BuildError(f"{', '.join(unknown)} is not a program crate of {manifest}. Program crates: {crate_list}")
    selected = available if not names else list({by_name[name].crate: by_name[name] for name in names}.values())

    # `cargo rustc --crate-type staticlib` overrides the declared crate types, so a program
    # crate can declare cdylib for `cargo build-sbf` and still build here without a linker.
    # It accepts one package per run, and later runs reuse the compiled core and alloc.
    for program in selected:
        progress.step(program.crate, f"cargo rustc for {TARGET}")
        run([
            str(toolchain.cargo), "--config", str(config), "rustc", "--release", "--target", TARGET,
            "-Z", "build-std=core,alloc", "--manifest-path", str(manifest), "--target-dir", str(target_dir),
            "-p", program.package, "--lib", "--crate-type", "staticlib",
        ], env=cargo_environment(toolchain), capture=False)

    deploy_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for program in selected:
        name = program.crate
        archive = target_dir / TARGET / "release" / f"lib{name}.a"
        work_dir = target_dir / "sbf" / name
        work_dir.mkdir(parents=True, exist_ok=True)
        output = deploy_dir / f"{name}.so"

        bitcode = extract_bitcode(toolchain, archive, work_dir)
        fingerprint = pipeline_fingerprint(toolchain, bitcode)
        # The stamp records the pipeline fingerprint and the SHA-256 of the output it produced,
        # so a .so written by another build into the same deploy directory is not trusted.
        stamp = work_dir / "fingerprint"
        current = f"{fingerprint} {sha256_file(output)}" if output.exists() else None
        rebuilt = current is None or not stamp.exists() or stamp.read_text() != current
        if rebuilt:
            stamp.unlink(missing_ok=True)
            progress.step(name, f"extracted bitcode ({bitcode.stat().st_size} bytes)")
            lower_and_relink(toolchain, name, bitcode, work_dir, output, progress)
            stamp.write_text(f"{fingerprint} {sha256_file(output)}")
        else:
            progress.step(name, "bitcode unchanged, keeping the existing shared object")

        for unknown in syscalls.unknown_syscalls(output.read_bytes()):
            progress.step(name, f"warning: calls {unknown}, which is not an Agave syscall; "
                                "the loader rejects the program at deploy unless the name is a newer syscall")
        built.append(BuiltProgram(name, output, sha256_file(output), rebuilt=rebuilt))
    return built


def build_with_cargo_build_sbf(cargo_build_sbf: str, names: list[str] | None, manifest: Path,
                               deploy_dir: Path, progress: Progress) -> list[BuiltProgram]:
    """Build with Solana's platform tools, which write <crate>.so files themselves.

    cargo build-sbf builds every workspace member with crate-type cdylib, so `names` only
    filters the report, and crates that declare only staticlib produce nothing here.

    NOTE: this path has not run on this project's machines, which have no platform tools.
    It relies only on cargo-build-sbf's `--manifest-path` and `--sbf-out-dir` options.
    """
    command = [cargo_build_sbf, "--manifest-path", str(manifest), "--sbf-out-dir", str(deploy_dir)]
    progress.step("cargo-build-sbf", f"running {' '.join(command)}")
    run(command, capture=False)
    outputs = sorted(deploy_dir.glob("*.so"))
    if names:
        outputs = [path for path in outputs if path.stem in names]
    return [BuiltProgram(path.stem, path, sha256_file(path), rebuilt=True) for path in outputs]


def build_programs(
    names: list[str] | None = None,
    *,
    manifest: Path = DEFAULT_MANIFEST,
    target_dir: Path = DEFAULT_TARGET_DIR,
    deploy_dir: Path | None = None,
    progress: Progress | None = None,
    use_platform_tools: bool | None = None,
) -> list[BuiltProgram]:
    """Build program crates of the workspace at `manifest` into `<deploy_dir>/<crate>.so`.

    `names` selects crates (all cdylib and staticlib members when empty). `deploy_dir` defaults to
    `<target_dir>/deploy`. `use_platform_tools` chooses `cargo build-sbf`. By default it is
    used when on PATH, unless KGPU_SBF_TOOLCHAIN=llvm.
    """
    manifest = Path(manifest).resolve()
    target_dir = Path(target_dir).resolve()
    deploy_dir = Path(deploy_dir).resolve() if deploy_dir else target_dir / "deploy"
    progress = progress or Progress()

    cargo_build_sbf = shutil.which("cargo-build-sbf")
    if use_platform_tools is None:
        use_platform_tools = cargo_build_sbf is not None and os.environ.get("KGPU_SBF_TOOLCHAIN") != "llvm"
    if use_platform_tools:
        if cargo_build_sbf is None:
            raise BuildError("cargo-build-sbf is not on PATH: install Solana's platform tools or use the LLVM pipeline")
        return build_with_cargo_build_sbf(cargo_build_sbf, names, manifest, deploy_dir, progress)
    return build_with_llvm(names, manifest, target_dir, deploy_dir, progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kgpu_sbf.build",
        description="Build Solana program crates into SBPF v0 shared objects (<target-dir>/deploy/<crate>.so).",
    )
    parser.add_argument("names", nargs="*", help="crate names to build (default: every cdylib or staticlib member)")
    parser.add_argument("--manifest-path", type=Path, default=DEFAULT_MANIFEST,
                        help="workspace Cargo.toml (default: programs/Cargo.toml)")
    parser.add_argument("--target-dir", type=Path, default=DEFAULT_TARGET_DIR,
                        help="cargo target directory (default: programs/target)")
    parser.add_argument("--deploy-dir", type=Path, default=None,
                        help="where the .so files go (default: <target-dir>/deploy)")
    arguments = parser.parse_args(argv)

    progress = Progress()
    try:
        built = build_programs(arguments.names, manifest=arguments.manifest_path, target_dir=arguments.target_dir,
                               deploy_dir=arguments.deploy_dir, progress=progress)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    progress.step("done", f"built {len(built)} program(s)")
    for program in built:
        print(f"{program.sha256}  {program.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
