"""Golden tests for the relinker on small objects assembled with llvm-mc.

Every object starts `.text` at 0x120: the ELF header (64 bytes) and four program
headers (4 * 56 bytes) come first, and the relinker aligns `.text` to 8.
"""

from __future__ import annotations

import struct

import pytest

from kgpu_sbf import elf
from kgpu_sbf.relink import RelinkError, check_instructions, relink

TEXT_START = 0x120

HEADER = """
    .text
    .globl entrypoint
    .type entrypoint,@function
entrypoint:
"""


def dynamic_relocations(shared_object: elf.ElfFile) -> list[tuple[int, int, str]]:
    """Return (address, type, symbol name) for every entry of .rel.dyn."""
    symbols = shared_object.symbols(shared_object.section(".dynsym"))
    return [
        (relocation.offset, relocation.type, symbols[relocation.symbol].name)
        for relocation in shared_object.relocations(shared_object.section(".rel.dyn"))
    ]


def instruction(code: bytes, address: int) -> bytes:
    return code[address - TEXT_START : address - TEXT_START + 8]


def test_syscall_calls_keep_minus_one(assemble) -> None:
    obj = assemble(HEADER + """
    call sol_log_
    call memcpy
    call __bpf_trap
    call sol_log_
    exit
""")
    shared_object = elf.parse_elf(relink(obj))
    code = shared_object.section(".text").data

    for address in (0x120, 0x128, 0x130, 0x138):
        assert instruction(code, address) == bytes.fromhex("85000000ffffffff")
    assert dynamic_relocations(shared_object) == [
        (0x120, elf.R_BPF_64_32, "sol_log_"),
        (0x128, elf.R_BPF_64_32, "sol_memcpy_"),
        (0x130, elf.R_BPF_64_32, "abort"),
        (0x138, elf.R_BPF_64_32, "sol_log_"),
    ]
    dynamic_symbols = shared_object.symbols(shared_object.section(".dynsym"))
    assert [symbol.name for symbol in dynamic_symbols] == ["", "entrypoint", "sol_log_", "sol_memcpy_", "abort"]
    assert all(symbol.shndx == elf.SHN_UNDEF and symbol.value == 0 for symbol in dynamic_symbols[2:])


def test_relative_call_across_sections(assemble) -> None:
    obj = assemble(HEADER + """
    call helper
    call local
    exit
    .globl local
    .type local,@function
local:
    exit
    .section .text.unlikely.,"ax",@progbits
    .type helper,@function
helper:
    r0 = 1
    call local
    exit
""")
    shared_object = elf.parse_elf(relink(obj))
    code = shared_object.section(".text").data

    # .text is 0x20 bytes, so .text.unlikely. follows at 0x140 and `local` is at 0x138.
    assert instruction(code, 0x120) == bytes.fromhex("8510000003000000")  # 0x128 + 3 * 8 = 0x140
    assert instruction(code, 0x128) == bytes.fromhex("8510000001000000")  # 0x130 + 1 * 8 = 0x138
    assert instruction(code, 0x148) == bytes.fromhex("85100000fdffffff")  # 0x150 - 3 * 8 = 0x138
    assert shared_object.section(".text").size == 0x38
    assert shared_object.find_section(".rel.dyn") is None
    assert elf.DT_REL not in shared_object.dynamic_entries()


def test_lddw_address_gets_relative_relocation(assemble) -> None:
    obj = assemble(HEADER + """
    r1 = message ll
    r2 = message+3 ll
    exit
    .section .rodata,"a",@progbits
    .p2align 3
    .quad 0
message:
    .asciz "hello"
""")
    shared_object = elf.parse_elf(relink(obj))
    code = shared_object.section(".text").data
    rodata = shared_object.section(".rodata")

    assert rodata.addr == 0x148  # after 2 lddw and exit
    assert rodata.data == bytes(8) + b"hello\0"
    assert code[0:16] == bytes.fromhex("1801000050010000" "0000000000000000")
    assert code[16:32] == bytes.fromhex("1802000053010000" "0000000000000000")
    assert dynamic_relocations(shared_object) == [
        (0x120, elf.R_BPF_64_RELATIVE, ""),
        (0x130, elf.R_BPF_64_RELATIVE, ""),
    ]


def test_data_pointer_in_data_rel_ro(assemble) -> None:
    obj = assemble(HEADER + """
    r1 = table ll
    exit
    .section .rodata,"a",@progbits
message:
    .asciz "abc"
    .section .data.rel.ro,"aw",@progbits
    .p2align 3
table:
    .quad message+2
    .quad entrypoint
    .quad 7
""")
    shared_object = elf.parse_elf(relink(obj))
    rodata = shared_object.section(".rodata")
    table = shared_object.section(".data.rel.ro")

    assert (rodata.addr, rodata.data) == (0x138, b"abc\0")
    assert table.addr == 0x140
    assert not table.flags & elf.SHF_EXECINSTR
    # Data form of R_BPF_64_RELATIVE: zero low word, 32-bit address in the high word.
    assert table.data == struct.pack("<IIIIQ", 0, 0x13A, 0, 0x120, 7)
    assert dynamic_relocations(shared_object) == [
        (0x120, elf.R_BPF_64_RELATIVE, ""),
        (0x140, elf.R_BPF_64_RELATIVE, ""),
        (0x148, elf.R_BPF_64_RELATIVE, ""),
    ]
    code = shared_object.section(".text").data
    assert code[0:16] == bytes.fromhex("1801000040010000" "0000000000000000")


def test_callx_register_moves_to_immediate(assemble) -> None:
    obj = assemble(HEADER + """
    r3 = 0
    callx r3
    callx r9
    exit
""")
    code = elf.parse_elf(relink(obj)).section(".text").data

    assert instruction(code, 0x128) == bytes.fromhex("8d00000003000000")
    assert instruction(code, 0x130) == bytes.fromhex("8d00000009000000")


def test_shared_object_layout_follows_loader_rules(assemble) -> None:
    obj = assemble(HEADER + """
    r1 = message ll
    call sol_log_
    exit
    .section .rodata.str1.1,"aMS",@progbits,1
message:
    .asciz "hi"
    .section .BTF,"",@progbits
    .quad 0
""")
    shared_object = elf.parse_elf(relink(obj))

    assert shared_object.type == elf.ET_DYN
    assert shared_object.machine == elf.EM_BPF
    assert shared_object.flags == 0
    assert shared_object.osabi == 0
    assert shared_object.entry == TEXT_START
    assert shared_object.sections[0].type == elf.SHT_NULL
    names = [section.name for section in shared_object.sections]
    assert names == ["", ".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"]
    allocated = [section for section in shared_object.sections if section.flags & elf.SHF_ALLOC]
    for section in allocated:
        assert section.addr == section.offset, section.name
    for before, after in zip(shared_object.sections[1:], shared_object.sections[2:]):
        assert before.offset + before.size <= after.offset, (before.name, after.name)
    for name in (".dynamic", ".dynsym", ".rel.dyn"):
        assert shared_object.section(name).addr % 8 == 0, name
    entries = shared_object.dynamic_entries()
    assert entries[elf.DT_SYMTAB] == shared_object.section(".dynsym").addr
    assert entries[elf.DT_REL] == shared_object.section(".rel.dyn").addr
    assert entries[elf.DT_RELSZ] == 32
    assert entries[elf.DT_RELENT] == 16
    loads = [header for header in shared_object.program_headers if header[0] == elf.PT_LOAD]
    assert [header[3] for header in loads] == sorted(header[3] for header in loads)


def test_relink_output_is_deterministic(assemble) -> None:
    obj = assemble(HEADER + "    call sol_log_\n    exit\n")

    assert relink(obj) == relink(obj)


# Instructions that SBPF v0 rejects or runs differently, as LLVM's assembler encodes them.
UNSUPPORTED_INSTRUCTIONS = [
    ("w0 += 1", "32-bit add, sub or mul"),
    ("w1 -= w2", "32-bit add, sub or mul"),
    ("w1 *= 3", "32-bit add, sub or mul"),
    ("if w1 > 2 goto +0", "32-bit jump (the JMP32 class)"),
    ("lock *(u64 *)(r1 + 0) += r2", "atomic memory operation"),
    ("r1 = atomic_fetch_add((u64 *)(r1 + 0), r1)", "atomic memory operation"),
    ("r1 = bswap16 r1", "unconditional byte swap"),
    ("r1 = *(s8 *)(r2 + 0)", "sign-extending load"),
    ("r1 = (s8)r2", "sign-extending move"),
    ("r1 s/= r2", "signed division or modulo"),
    ("r1 s%= r2", "signed division or modulo"),
    ("w1 s/= w2", "signed division or modulo"),
]


@pytest.mark.parametrize(("assembly", "reason"), UNSUPPORTED_INSTRUCTIONS)
def test_unsupported_instruction_rejected(assemble, assembly: str, reason: str) -> None:
    obj = assemble(HEADER + f"    r0 = 0\n    {assembly}\n    exit\n", cpu="v4")

    with pytest.raises(RelinkError) as raised:
        relink(obj)

    assert f"section .text offset 0x8: {reason}" in str(raised.value)


def test_rejection_names_input_section(assemble) -> None:
    obj = assemble(HEADER + """
    call cold
    exit
    .section .text.unlikely.,"ax",@progbits
cold:
    r0 = 0
    r0 = 1
    w0 += 1
    exit
""", cpu="v4")

    with pytest.raises(RelinkError, match=r"section \.text\.unlikely\. offset 0x10: 32-bit add"):
        relink(obj)


def test_all_unsupported_instructions_listed(assemble) -> None:
    obj = assemble(HEADER + "    w0 += 1\n    r1 = bswap64 r1\n    exit\n", cpu="v4")

    with pytest.raises(RelinkError) as raised:
        relink(obj)

    message = str(raised.value)
    assert "section .text offset 0x0: 32-bit add" in message
    assert "section .text offset 0x8: unconditional byte swap" in message


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (bytes.fromhex("1811000000000000" "0000000000000000"), "lddw with pseudo source register 1"),
        (bytes.fromhex("3000000001000000"), "legacy packet load"),
        (bytes.fromhex("1801000000000000"), "lddw without its second instruction slot"),
    ],
)
def test_raw_encodings_rejected(code: bytes, reason: str) -> None:
    with pytest.raises(RelinkError, match=f"section .text offset 0x0: {reason}"):
        check_instructions(".text", code)


@pytest.mark.parametrize(
    "assembly",
    ["w1 /= w2", "w1 %= 3", "w1 = w2", "w1 <<= 3", "r1 = be32 r1", "r1 = le64 r1", "r1 /= r2", "if r1 s> r2 goto +0"],
)
def test_instructions_v0_runs_like_ebpf_accepted(assemble, assembly: str) -> None:
    obj = assemble(HEADER + f"    {assembly}\n    exit\n")

    relink(obj)


def test_writable_data_rejected(assemble) -> None:
    obj = assemble(HEADER + """
    r1 = counter ll
    exit
    .data
counter:
    .quad 0
""")

    with pytest.raises(RelinkError, match=r"section \.data \(8 bytes\) is writable static data"):
        relink(obj)


def test_missing_entrypoint_rejected(assemble) -> None:
    obj = assemble("    .text\nstart:\n    exit\n")

    with pytest.raises(RelinkError, match="entrypoint symbol 'entrypoint' is not defined"):
        relink(obj)


def test_non_relocatable_input_rejected(assemble) -> None:
    shared_object = relink(assemble(HEADER + "    exit\n"))

    with pytest.raises(RelinkError, match="expected a relocatable object"):
        relink(shared_object)
