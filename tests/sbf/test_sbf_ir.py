"""Tests for the IR rewrite that replaces memory intrinsics with Solana syscalls."""

from __future__ import annotations

import subprocess

import pytest

from kgpu_sbf import build
from kgpu_sbf.ir import INLINE_STORE_LIMIT, IrRewriteError, inline_store_count, rewrite_module, split_arguments

MODULE = """\
target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpfel"

@table = private unnamed_addr constant [4 x i8] c"abcd", align 1

define void @copy(ptr %destination, ptr %source, i64 %length, i32 %short_length, i8 %byte) {
  call void @llvm.memcpy.p0.p0.i64(ptr noundef nonnull align 1 %destination, ptr nonnull readonly align 1 %source, i64 range(i64 0, 600) %length, i1 false), !alias.scope !0
  tail call void @llvm.memmove.p0.p0.i64(ptr align 8 %destination, ptr align 8 %source, i64 %length, i1 false)
  call void @llvm.memset.p0.i64(ptr noundef nonnull align 1 dereferenceable(600) %destination, i8 0, i64 600, i1 false)
  call void @llvm.memset.p0.i64(ptr align 1 %destination, i8 %byte, i64 %length, i1 false)
  call void @llvm.memset.p0.i32(ptr align 1 %destination, i8 -1, i32 %short_length, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr align 1 %destination, ptr align 1 getelementptr inbounds (i8, ptr @table, i64 1), i64 3, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %destination, ptr align 8 %source, i64 64, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %destination, ptr align 8 %source, i64 65, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %destination, ptr align 2 %source, i64 32, i1 false)
  call void @llvm.memset.p0.i64(ptr align 16 %destination, i8 %byte, i64 64, i1 false)
  call void @llvm.memmove.p0.p0.i64(ptr align 1 %destination, ptr align 1 %source, i64 8, i1 false)
  call void @llvm.memmove.p0.p0.i64(ptr %destination, ptr %source, i64 9, i1 false)
  %equal = call i32 @bcmp(ptr %destination, ptr %source, i64 %length)
  ret void
}

declare void @llvm.memcpy.p0.p0.i64(ptr noalias writeonly captures(none), ptr noalias readonly captures(none), i64, i1 immarg)
declare void @llvm.memmove.p0.p0.i64(ptr writeonly captures(none), ptr readonly captures(none), i64, i1 immarg)
declare void @llvm.memset.p0.i64(ptr writeonly captures(none), i8, i64, i1 immarg)
declare void @llvm.memset.p0.i32(ptr writeonly captures(none), i8, i32, i1 immarg)
declare i32 @bcmp(ptr, ptr, i64)

!0 = !{!1}
!1 = distinct !{!1, !2}
!2 = distinct !{!2}
"""


def function_body(text: str) -> list[str]:
    start = text.index("define void @copy")
    end = text.index("\n}\n", start)
    return [line.strip() for line in text[start:end].splitlines()[1:]]


def test_rewrite_replaces_variable_and_large_lengths() -> None:
    body = function_body(rewrite_module(MODULE))

    assert body == [
        "call void @sol_memcpy_(ptr %destination, ptr %source, i64 %length)",
        "call void @sol_memmove_(ptr %destination, ptr %source, i64 %length)",
        "call void @sol_memset_(ptr %destination, i64 0, i64 600)",
        "%kgpu.sbf.1 = zext i8 %byte to i64",
        "call void @sol_memset_(ptr %destination, i64 %kgpu.sbf.1, i64 %length)",
        "%kgpu.sbf.2 = zext i32 %short_length to i64",
        "call void @sol_memset_(ptr %destination, i64 255, i64 %kgpu.sbf.2)",
        "call void @llvm.memcpy.p0.p0.i64(ptr align 1 %destination, ptr align 1 "
        "getelementptr inbounds (i8, ptr @table, i64 1), i64 3, i1 false)",
        "call void @llvm.memcpy.p0.p0.i64(ptr align 8 %destination, ptr align 8 %source, i64 64, i1 false)",
        "call void @sol_memcpy_(ptr %destination, ptr %source, i64 65)",
        "call void @sol_memcpy_(ptr %destination, ptr %source, i64 32)",
        "call void @llvm.memset.p0.i64(ptr align 16 %destination, i8 %byte, i64 64, i1 false)",
        "call void @llvm.memmove.p0.p0.i64(ptr align 1 %destination, ptr align 1 %source, i64 8, i1 false)",
        "call void @sol_memmove_(ptr %destination, ptr %source, i64 9)",
        "%equal = call i32 @bcmp(ptr %destination, ptr %source, i64 %length)",
        "ret void",
    ]


def test_rewrite_declares_syscalls_and_defines_bcmp() -> None:
    text = rewrite_module(MODULE)

    assert "declare void @sol_memcpy_(ptr, ptr, i64)" in text
    assert "declare void @sol_memmove_(ptr, ptr, i64)" in text
    assert "declare void @sol_memset_(ptr, i64, i64)" in text
    assert "declare void @sol_memcmp_(ptr, ptr, i64, ptr)" in text
    assert "define internal i32 @bcmp(ptr %a, ptr %b, i64 %n)" in text
    assert "declare i32 @bcmp" not in text


def test_rewrite_keeps_existing_syscall_declaration() -> None:
    module = MODULE + "declare void @sol_memcpy_(ptr noundef, ptr noundef, i64 noundef) unnamed_addr\n"

    text = rewrite_module(module)

    assert text.count("declare void @sol_memcpy_") == 1
    assert "declare void @sol_memmove_(ptr, ptr, i64)" in text


def test_rewrite_without_intrinsics_is_unchanged() -> None:
    module = "define i64 @f(i64 %x) {\n  ret i64 %x\n}\n"

    assert rewrite_module(module) == module


def test_rewrite_rejects_unknown_call_shape() -> None:
    module = "define void @f(ptr %d) {\n  call void @llvm.memset.p0.i64(ptr %d, i8 0)\n  ret void\n}\n"

    with pytest.raises(IrRewriteError, match="unexpected llvm.memset call"):
        rewrite_module(module)


def test_split_arguments_keeps_constant_expressions() -> None:
    arguments = split_arguments("ptr %a, ptr getelementptr (i8, ptr @t, i64 1), i64 <{ i64 1, i64 2 }>, i1 false")

    assert arguments == ["ptr %a", "ptr getelementptr (i8, ptr @t, i64 1)", "i64 <{ i64 1, i64 2 }>", "i1 false"]


@pytest.mark.parametrize(
    ("length", "alignment", "stores"),
    [(0, 1, 0), (8, 1, 8), (9, 1, 9), (64, 8, 8), (65, 8, 9), (64, 16, 8), (6, 4, 2), (3, 0, 3)],
)
def test_inline_store_count(length: int, alignment: int, stores: int) -> None:
    assert inline_store_count(length, alignment) == stores


def test_inline_limit_is_eight_stores() -> None:
    assert INLINE_STORE_LIMIT == 8


def test_rewritten_module_compiles_with_llc(toolchain: build.Toolchain, tmp_path) -> None:
    source = tmp_path / "module.ll"
    source.write_text(rewrite_module(MODULE))
    bitcode = tmp_path / "module.bc"
    obj = tmp_path / "module.o"

    subprocess.run([toolchain.tool("llvm-as"), str(source), "-o", str(bitcode)], check=True)
    result = subprocess.run(
        [toolchain.tool("llc"), "-march=bpfel", "-mcpu=v2", "-O2", "-bpf-stack-size=4096", "-filetype=obj",
         str(bitcode), "-o", str(obj)],
        capture_output=True, text=True,
    )

    assert result.returncode == 0, result.stderr
