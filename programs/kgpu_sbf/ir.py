"""Rewrite LLVM IR text so that LLVM's BPF backend can lower it for Solana.

The BPF backend expands `llvm.memcpy`, `llvm.memmove` and `llvm.memset` inline only when
the length is a constant that fits its store budget, and it reports an error instead of
emitting a library call otherwise. Solana provides these operations as the syscalls
`sol_memcpy_(dst, src, n)`, `sol_memmove_(dst, src, n)` and `sol_memset_(dst, byte, n)`,
so this module turns the remaining intrinsic calls into calls to those syscalls.

It also defines `memcmp` and `bcmp`, which optimized Rust code calls for slice and array
comparisons, as wrappers around `sol_memcmp_(a, b, n, result: *mut i32)`.

The input is the output of `llvm-dis`; the result goes back through `llvm-as`, which
validates it.
"""

from __future__ import annotations

import re

# A constant-length operation stays inline when it needs at most this many stores of
# min(alignment, 8) bytes. The BPF backend itself inlines up to 128 stores
# (BPFSelectionDAGInfo::getCommonMaxStoresPerMemFunc), but each store and its load cost
# one compute unit apiece, while a memory syscall costs max(10, n / 250) units (Agave,
# syscalls/src/mem_ops.rs), so longer operations are cheaper as syscalls.
INLINE_STORE_LIMIT = 8

# NOTE: LLVM allows llvm.memcpy with equal source and destination, but sol_memcpy_ fails
# the program on any overlap, equal pointers included.
SYSCALL_FOR_INTRINSIC = {
    "memcpy": "sol_memcpy_",
    "memmove": "sol_memmove_",
    "memset": "sol_memset_",
}

_INTRINSIC_CALL = re.compile(
    r"^(?P<indent>\s*)(?:(?:tail|musttail|notail)\s+)?call\s+void\s+"
    r"@llvm\.(?P<kind>memcpy|memmove|memset)\.(?P<suffix>[\w.]+)\((?P<arguments>.*)\)(?P<rest>[^()]*)$"
)

# Parameter attributes that may precede a call argument's value.
_PARAMETER_ATTRIBUTE = re.compile(
    r"^(?:noundef|nonnull|noalias|nocapture|readonly|readnone|writeonly|immarg|signext|zeroext|"
    r"align\s+\d+|dereferenceable(?:_or_null)?\(\d+\)|captures\([^)]*\)|range\([^)]*\))\s+"
)

_ALIGNMENT = re.compile(r"\balign\s+(\d+)\b")

_MEMORY_WRAPPERS = {
    "memcmp": "define internal i32 @memcmp(ptr %a, ptr %b, i64 %n)",
    "bcmp": "define internal i32 @bcmp(ptr %a, ptr %b, i64 %n)",
}

_WRAPPER_BODY = """ {
  %result = alloca i32, align 4
  call void @sol_memcmp_(ptr %a, ptr %b, i64 %n, ptr %result)
  %value = load i32, ptr %result, align 4
  ret i32 %value
}
"""


class IrRewriteError(Exception):
    """A memory intrinsic call has a form this module does not recognize."""


def split_arguments(text: str) -> list[str]:
    """Split a call's argument list at top-level commas, keeping nested constant expressions whole."""
    arguments = []
    depth = 0
    start = 0
    for position, character in enumerate(text):
        if character in "([{<":
            depth += 1
        elif character in ")]}>":
            depth -= 1
        elif character == "," and depth == 0:
            arguments.append(text[start:position].strip())
            start = position + 1
    tail = text[start:].strip()
    if tail:
        arguments.append(tail)
    return arguments


def split_typed_value(argument: str) -> tuple[str, str]:
    """Split `i64 noundef %n` into the type `i64` and the value `%n`, dropping attributes."""
    type_name, _, remainder = argument.partition(" ")
    remainder = remainder.strip()
    while True:
        match = _PARAMETER_ATTRIBUTE.match(remainder)
        if match is None:
            break
        remainder = remainder[match.end() :]
    if not remainder:
        raise IrRewriteError(f"argument {argument!r} has no value")
    return type_name, remainder


def argument_alignment(argument: str) -> int:
    """Return the `align N` attribute of a pointer argument, or 1 when it has none."""
    match = _ALIGNMENT.search(argument)
    return int(match.group(1)) if match else 1


def inline_store_count(length: int, alignment: int) -> int:
    """Estimate the stores an inline expansion of `length` bytes at `alignment` needs."""
    unit = max(1, min(alignment, 8))
    return -(-length // unit)


def _constant_integer(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class _Rewriter:
    def __init__(self) -> None:
        self.temporary_count = 0
        self.used_syscalls: set[str] = set()

    def temporary(self) -> str:
        self.temporary_count += 1
        return f"%kgpu.sbf.{self.temporary_count}"

    def widen(self, indent: str, type_name: str, value: str, lines: list[str]) -> str:
        """Return `value` as an i64 operand, appending a zext instruction when needed."""
        if type_name == "i64":
            return value
        constant = _constant_integer(value)
        if constant is not None:
            bits = int(type_name[1:])
            return str(constant & ((1 << bits) - 1))
        name = self.temporary()
        lines.append(f"{indent}{name} = zext {type_name} {value} to i64")
        return name

    def rewrite_call(self, match: re.Match[str], line: str) -> list[str]:
        kind = match["kind"]
        indent = match["indent"]
        arguments = split_arguments(match["arguments"])
        if len(arguments) != 4:
            raise IrRewriteError(f"unexpected llvm.{kind} call: {line.strip()}")

        length_type, length = split_typed_value(arguments[2])
        constant_length = _constant_integer(length)
        pointers = arguments[:1] if kind == "memset" else arguments[:2]
        alignment = min(argument_alignment(pointer) for pointer in pointers)
        if constant_length is not None and inline_store_count(constant_length, alignment) <= INLINE_STORE_LIMIT:
            return [line]

        lines: list[str] = []
        _, destination = split_typed_value(arguments[0])
        length64 = self.widen(indent, length_type, length, lines)
        syscall = SYSCALL_FOR_INTRINSIC[kind]
        self.used_syscalls.add(syscall)
        if kind == "memset":
            byte_type, byte = split_typed_value(arguments[1])
            byte64 = self.widen(indent, byte_type, byte, lines)
            lines.append(f"{indent}call void @{syscall}(ptr {destination}, i64 {byte64}, i64 {length64})")
        else:
            _, source = split_typed_value(arguments[1])
            lines.append(f"{indent}call void @{syscall}(ptr {destination}, ptr {source}, i64 {length64})")
        return lines


def _declared_or_defined(text: str, name: str) -> bool:
    return re.search(rf"^(?:declare|define)\b[^\n]*@{re.escape(name)}\(", text, re.MULTILINE) is not None


def rewrite_module(text: str) -> str:
    """Return the module text with large or variable-length memory intrinsics replaced by syscalls."""
    rewriter = _Rewriter()
    output_lines: list[str] = []
    for line in text.splitlines():
        match = _INTRINSIC_CALL.match(line)
        if match is None:
            output_lines.append(line)
        else:
            output_lines.extend(rewriter.rewrite_call(match, line))

    # Replace declarations of memcmp/bcmp with definitions that call sol_memcmp_.
    wrapped = set()
    for index, line in enumerate(output_lines):
        for name, definition in _MEMORY_WRAPPERS.items():
            if re.match(rf"^declare\b[^\n]*@{name}\(", line):
                output_lines[index] = definition + _WRAPPER_BODY
                wrapped.add(name)
    if wrapped:
        rewriter.used_syscalls.add("sol_memcmp_")

    result = "\n".join(output_lines) + "\n"
    declarations = {
        "sol_memcpy_": "declare void @sol_memcpy_(ptr, ptr, i64)",
        "sol_memmove_": "declare void @sol_memmove_(ptr, ptr, i64)",
        "sol_memset_": "declare void @sol_memset_(ptr, i64, i64)",
        "sol_memcmp_": "declare void @sol_memcmp_(ptr, ptr, i64, ptr)",
    }
    for syscall in sorted(rewriter.used_syscalls):
        if not _declared_or_defined(result, syscall):
            result += declarations[syscall] + "\n"
    return result
