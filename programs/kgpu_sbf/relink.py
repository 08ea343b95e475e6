"""Relink a relocatable eBPF object from `llc` into an SBPF v0 shared object.

The Agave program loader (the `solana-sbpf` crate, `src/elf.rs` and
`src/elf_parser/mod.rs`) accepts an SBPF v0 program only in the shape that Solana's
`lld` produces: an ET_DYN ELF64 file whose single `.text` section contains all code,
read-only data in `.rodata` / `.data.rel.ro`, every allocated section at an address
equal to its file offset, and a dynamic section whose REL table lists what the loader
must patch at deploy time. This module produces that shape from the ET_REL object that
LLVM's BPF backend writes, using only the standard library:

* executable input sections (`.text`, `.text.unlikely.*`, ...) are merged into `.text`,
* read-only data sections are merged into `.rodata`, or `.data.rel.ro` when they contain
  pointers that need load-time relocation,
* calls to defined functions become pc-relative calls, calls to undefined symbols stay
  `call -1` with a dynamic R_BPF_64_32 relocation naming the syscall,
* `lddw` addresses and data pointers get R_BPF_64_RELATIVE relocations, and
* instructions that SBPF v0 runs differently from eBPF, or not at all, are rejected with
  the input section and offset so the source can be found with `llvm-objdump -d`.

Run `python -m kgpu_sbf.relink INPUT.o OUTPUT.so` to relink one object by hand.
"""

from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass, field

from kgpu_sbf import elf
from kgpu_sbf.elf import ElfFile, Section, Symbol

INSTRUCTION_SIZE = 8

# Undefined symbols that LLVM or compiler_builtins reference, mapped to the syscall that
# implements them. `memset(dst, int, n)` passes the byte in r2 just like `sol_memset_`.
SYSCALL_ALIASES = {
    "memcpy": "sol_memcpy_",
    "memmove": "sol_memmove_",
    "memset": "sol_memset_",
    "__bpf_trap": "abort",
}

OPCODE_LDDW = 0x18
OPCODE_CALL = 0x85
OPCODE_CALLX = 0x8D

# Output section order. SBPF requires allocated sections in ascending address order,
# and the loader reads section names of at most 16 bytes.
TEXT = ".text"
RODATA = ".rodata"
DATA_REL_RO = ".data.rel.ro"


class RelinkError(Exception):
    """An object that cannot become a valid SBPF v0 program, with the cause in the message."""


def align_up(value: int, alignment: int) -> int:
    if alignment <= 1:
        return value
    return (value + alignment - 1) // alignment * alignment


def describe_unsupported_instruction(opcode: int, source: int, offset: int) -> str | None:
    """Return why SBPF v0 cannot run an eBPF instruction the way LLVM meant it, or None."""
    instruction_class = opcode & 0x07
    operation = opcode & 0xF0

    if instruction_class == 0x00:  # BPF_LD
        if opcode != OPCODE_LDDW:
            return "legacy packet load (BPF_LD with ABS or IND mode)"
        if source != 0:
            return f"lddw with pseudo source register {source} (map or BTF reference)"
        return None

    if instruction_class in (0x01, 0x02, 0x03):  # BPF_LDX, BPF_ST, BPF_STX
        mode = opcode & 0xE0
        if mode == 0x60:  # BPF_MEM
            return None
        if instruction_class == 0x01 and mode == 0x80:
            return "sign-extending load (cpu v4 ldsx)"
        if instruction_class == 0x03 and mode == 0xC0:
            return "atomic memory operation"
        return f"memory access with unsupported mode {mode:#04x}"

    if instruction_class in (0x04, 0x07):  # BPF_ALU, BPF_ALU64
        is_alu32 = instruction_class == 0x04
        if is_alu32 and operation in (0x00, 0x10, 0x20):
            return "32-bit add, sub or mul (SBPF v0 sign-extends the result where eBPF zero-extends it)"
        if operation in (0x30, 0x90) and offset != 0:
            return "signed division or modulo (cpu v4 sdiv/smod)"
        if operation == 0xB0 and offset != 0:
            return "sign-extending move (cpu v4 movsx)"
        if operation == 0xD0 and not is_alu32:
            return "unconditional byte swap (cpu v4 bswap)"
        if operation in (0xE0, 0xF0):
            return f"unknown ALU operation {operation:#04x}"
        return None

    if instruction_class == 0x06:  # BPF_JMP32
        return "32-bit jump (the JMP32 class)"

    # BPF_JMP
    if opcode == OPCODE_CALL:
        if source == 2:
            return "call to a kernel function (kfunc)"
        return None
    if opcode == OPCODE_CALLX:
        return None
    if opcode == 0x95:  # exit
        return None
    if operation in (0x80, 0x90, 0xE0, 0xF0) or opcode == 0x0D:
        return f"unknown jump operation {opcode:#04x}"
    return None


def check_instructions(section_name: str, code: bytes) -> None:
    """Raise RelinkError listing every instruction of a code section that SBPF v0 rejects or runs differently."""
    if len(code) % INSTRUCTION_SIZE:
        raise RelinkError(f"section {section_name}: size {len(code)} is not a multiple of 8 bytes")

    problems = []
    count = len(code) // INSTRUCTION_SIZE
    index = 0
    while index < count:
        opcode, registers, offset, _immediate = struct.unpack_from("<BBhi", code, index * INSTRUCTION_SIZE)
        problem = describe_unsupported_instruction(opcode, registers >> 4, offset)
        if problem is not None:
            problems.append(
                f"section {section_name} offset {index * INSTRUCTION_SIZE:#x}: "
                f"{problem}, opcode {opcode:#04x}"
            )
        if opcode == OPCODE_LDDW:
            if index + 1 >= count or code[(index + 1) * INSTRUCTION_SIZE] != 0:
                problems.append(
                    f"section {section_name} offset {index * INSTRUCTION_SIZE:#x}: "
                    "lddw without its second instruction slot"
                )
            index += 2
        else:
            index += 1

    if problems:
        raise RelinkError(
            "instructions that SBPF v0 does not run like eBPF "
            "(disassemble the object with `llvm-objdump -dr` to find the source):\n  "
            + "\n  ".join(problems)
        )


def move_callx_registers(code: bytearray) -> None:
    """Move each `callx` target register from the dst field (LLVM) into the immediate (SBPF v0)."""
    index = 0
    count = len(code) // INSTRUCTION_SIZE
    while index < count:
        position = index * INSTRUCTION_SIZE
        opcode = code[position]
        if opcode == OPCODE_CALLX:
            destination = code[position + 1] & 0x0F
            source = code[position + 1] >> 4
            immediate = struct.unpack_from("<i", code, position + 4)[0]
            register = destination or source
            if register and immediate not in (0, register):
                raise RelinkError(
                    f".text offset {position:#x}: callx names register r{register} "
                    f"and immediate {immediate}"
                )
            if register:
                code[position + 1] = 0
                struct.pack_into("<i", code, position + 4, register)
        index += 2 if opcode == OPCODE_LDDW else 1


@dataclass
class OutputSection:
    name: str
    address: int = 0
    content: bytearray = field(default_factory=bytearray)
    alignment: int = 8


@dataclass
class DynamicRelocation:
    address: int
    type: int
    symbol_name: str | None  # None for R_BPF_64_RELATIVE, which uses dynamic symbol 0


class _Linker:
    def __init__(self, obj: ElfFile, entrypoint: str):
        self.obj = obj
        self.entrypoint = entrypoint
        self.placement: dict[int, tuple[OutputSection, int]] = {}
        self.outputs = {
            TEXT: OutputSection(TEXT),
            RODATA: OutputSection(RODATA),
            DATA_REL_RO: OutputSection(DATA_REL_RO),
        }
        self.dynamic_relocations: list[DynamicRelocation] = []
        self.symbol_table = self._find_symbol_table()
        self.symbols = obj.symbols(self.symbol_table) if self.symbol_table else []
        self.relocation_tables = self._collect_relocation_tables()

    def _find_symbol_table(self) -> Section | None:
        tables = [section for section in self.obj.sections if section.type == elf.SHT_SYMTAB]
        if len(tables) > 1:
            raise RelinkError("the object has more than one symbol table")
        return tables[0] if tables else None

    def _collect_relocation_tables(self) -> dict[int, list[elf.Relocation]]:
        tables: dict[int, list[elf.Relocation]] = {}
        for section in self.obj.sections:
            if section.type == elf.SHT_RELA:
                target = self.obj.sections[section.info]
                if target.flags & elf.SHF_ALLOC:
                    raise RelinkError(f"section {section.name}: RELA relocations are not supported for BPF")
            if section.type != elf.SHT_REL:
                continue
            target = self.obj.sections[section.info]
            if not target.flags & elf.SHF_ALLOC:
                continue  # debug info and BTF relocations are dropped with their sections
            tables[section.info] = self.obj.relocations(section)
        return tables

    # Layout

    def classify(self, section: Section) -> str | None:
        """Return the output section for an input section, or None to drop it."""
        if not section.flags & elf.SHF_ALLOC:
            return None
        if section.flags & elf.SHF_EXECINSTR:
            return TEXT
        # LLVM marks .data.rel.ro writable because a dynamic linker patches it. The SBPF
        # loader patches it before mapping it read-only, so it counts as read-only data.
        writable = section.flags & elf.SHF_WRITE and not section.name.startswith(".data.rel.ro")
        if writable or section.type == elf.SHT_NOBITS:
            if section.size == 0:
                return None
            raise RelinkError(
                f"section {section.name} ({section.size} bytes) is writable static data, but "
                "SBPF v0 programs cannot have mutable statics, so keep state in accounts"
            )
        if section.size == 0:
            return None
        if section.type != elf.SHT_PROGBITS:
            raise RelinkError(f"section {section.name} has unsupported type {section.type}")
        if any(r.type != elf.R_BPF_NONE for r in self.relocation_tables.get(section.index, [])):
            return DATA_REL_RO
        return RODATA

    def layout(self, base: int) -> int:
        """Assign output addresses to every kept input section from `base` on, and return the end address."""
        grouped: dict[str, list[Section]] = {TEXT: [], RODATA: [], DATA_REL_RO: []}
        for section in self.obj.sections:
            output_name = self.classify(section)
            if output_name is not None:
                grouped[output_name].append(section)
        if not grouped[TEXT]:
            raise RelinkError("the object has no executable section")

        address = base
        for output_name in (TEXT, RODATA, DATA_REL_RO):
            output = self.outputs[output_name]
            members = grouped[output_name]
            if not members:
                continue
            output.alignment = max([8] + [max(section.addralign, 1) for section in members])
            address = align_up(address, output.alignment)
            output.address = address
            for section in members:
                alignment = max(section.addralign, 8 if output_name == TEXT else 1)
                padding = align_up(len(output.content), alignment) - len(output.content)
                output.content += bytes(padding)
                self.placement[section.index] = (output, len(output.content))
                output.content += section.data
            address = output.address + len(output.content)
        return address

    def section_address(self, index: int) -> int:
        output, offset = self.placement[index]
        return output.address + offset

    def symbol_address(self, symbol: Symbol) -> int:
        if symbol.shndx == elf.SHN_ABS:
            return symbol.value
        if symbol.shndx == elf.SHN_COMMON:
            raise RelinkError(f"symbol {symbol.name} is a common symbol, which SBPF cannot place")
        if symbol.shndx not in self.placement:
            section = self.obj.sections[symbol.shndx]
            raise RelinkError(f"symbol {symbol.name or section.name} is in section {section.name}, which is not loaded")
        return self.section_address(symbol.shndx) + symbol.value

    def is_code_symbol(self, symbol: Symbol) -> bool:
        placed = self.placement.get(symbol.shndx)
        return placed is not None and placed[0].name == TEXT

    # Relocation

    def apply_relocations(self) -> None:
        for section_index, relocations in sorted(self.relocation_tables.items()):
            if section_index not in self.placement:
                continue
            section = self.obj.sections[section_index]
            output, base_offset = self.placement[section_index]
            for relocation in relocations:
                if relocation.type == elf.R_BPF_NONE:
                    continue
                if relocation.offset >= section.size:
                    raise RelinkError(
                        f"section {section.name} offset {relocation.offset:#x}: relocation lies outside the section"
                    )
                symbol = self.symbols[relocation.symbol]
                location = base_offset + relocation.offset
                where = f"section {section.name} offset {relocation.offset:#x}"
                if output.name == TEXT:
                    self._relocate_code(output, location, relocation, symbol, where)
                else:
                    self._relocate_data(output, location, relocation, symbol, where)

    def _relocate_code(
        self, output: OutputSection, location: int, relocation: elf.Relocation, symbol: Symbol, where: str
    ) -> None:
        code = output.content
        opcode = code[location]
        if relocation.type == elf.R_BPF_64_32:
            if opcode != OPCODE_CALL:
                raise RelinkError(f"{where}: R_BPF_64_32 on opcode {opcode:#04x}, expected a call")
            immediate = struct.unpack_from("<i", code, location + 4)[0]
            if symbol.shndx == elf.SHN_UNDEF:
                name = SYSCALL_ALIASES.get(symbol.name, symbol.name)
                if not name:
                    raise RelinkError(f"{where}: call through an unnamed undefined symbol")
                # The loader replaces imm with the murmur3 hash of the name. It treats every
                # call whose imm is not -1 as pc-relative, so the placeholder must stay -1.
                code[location + 1] = 0
                struct.pack_into("<i", code, location + 4, -1)
                self.dynamic_relocations.append(
                    DynamicRelocation(output.address + location, elf.R_BPF_64_32, name)
                )
                return
            if not self.is_code_symbol(symbol):
                raise RelinkError(f"{where}: call to {symbol.name!r}, which is not in an executable section")
            # LLVM encodes the target as S + (imm + 1) * 8 for calls through a section symbol.
            target = self.symbol_address(symbol) + (immediate + 1) * INSTRUCTION_SIZE
            pc = output.address + location
            text_end = output.address + len(output.content)
            if not output.address <= target < text_end or (target - output.address) % INSTRUCTION_SIZE:
                raise RelinkError(f"{where}: call target {target:#x} is outside .text or misaligned")
            struct.pack_into("<i", code, location + 4, (target - pc - INSTRUCTION_SIZE) // INSTRUCTION_SIZE)
            return

        if relocation.type == elf.R_BPF_64_64:
            if opcode != OPCODE_LDDW:
                raise RelinkError(f"{where}: R_BPF_64_64 on opcode {opcode:#04x}, expected lddw")
            if symbol.shndx == elf.SHN_UNDEF:
                raise RelinkError(f"{where}: address of undefined symbol {symbol.name!r}")
            low = struct.unpack_from("<I", code, location + 4)[0]
            high = struct.unpack_from("<I", code, location + 12)[0]
            addend = (high << 32) | low
            value = (self.symbol_address(symbol) + addend) & 0xFFFFFFFFFFFFFFFF
            struct.pack_into("<I", code, location + 4, value & 0xFFFFFFFF)
            struct.pack_into("<I", code, location + 12, value >> 32)
            # The loader adds the program region base (0x1_0000_0000) to both halves.
            self.dynamic_relocations.append(
                DynamicRelocation(output.address + location, elf.R_BPF_64_RELATIVE, None)
            )
            return

        raise RelinkError(f"{where}: relocation type {relocation.type} is not supported in code")

    def _relocate_data(
        self, output: OutputSection, location: int, relocation: elf.Relocation, symbol: Symbol, where: str
    ) -> None:
        if relocation.type != elf.R_BPF_64_ABS64:
            raise RelinkError(
                f"{where}: relocation type {relocation.type} in read-only data, but "
                "only 64-bit pointers (R_BPF_64_ABS64) can be relocated at load time"
            )
        if symbol.shndx == elf.SHN_UNDEF:
            raise RelinkError(f"{where}: pointer to undefined symbol {symbol.name!r}")
        addend = struct.unpack_from("<Q", output.content, location)[0]
        value = (self.symbol_address(symbol) + addend) & 0xFFFFFFFFFFFFFFFF
        if value > 0xFFFFFFFF:
            raise RelinkError(f"{where}: pointer value {value:#x} does not fit the 32-bit relocation form")
        # Data form of R_BPF_64_RELATIVE: the loader reads the u32 at offset + 4, adds the
        # program region base and writes the 64-bit result over all eight bytes.
        struct.pack_into("<II", output.content, location, 0, value)
        self.dynamic_relocations.append(
            DynamicRelocation(output.address + location, elf.R_BPF_64_RELATIVE, None)
        )

    def entry_address(self) -> int:
        for symbol in self.symbols:
            if symbol.name == self.entrypoint and symbol.shndx != elf.SHN_UNDEF:
                if not self.is_code_symbol(symbol):
                    raise RelinkError(f"entrypoint symbol {self.entrypoint!r} is not in an executable section")
                return self.symbol_address(symbol)
        raise RelinkError(
            f"entrypoint symbol {self.entrypoint!r} is not defined: "
            f'export it with #[no_mangle] pub extern "C" fn {self.entrypoint}(input: *mut u8) -> u64'
        )


def relink(object_bytes: bytes, entrypoint: str = "entrypoint") -> bytes:
    """Relink a relocatable eBPF object into SBPF v0 shared-object bytes, raising RelinkError."""
    try:
        obj = elf.parse_elf(object_bytes)
    except elf.ElfError as error:
        raise RelinkError(f"invalid input object: {error}") from error
    if obj.type != elf.ET_REL:
        raise RelinkError(f"input has ELF type {obj.type}, expected a relocatable object (ET_REL)")
    if obj.machine != elf.EM_BPF:
        raise RelinkError(f"input has machine {obj.machine}, expected EM_BPF (247)")

    linker = _Linker(obj, entrypoint)
    for section in obj.sections:
        if section.flags & elf.SHF_ALLOC and section.flags & elf.SHF_EXECINSTR:
            check_instructions(section.name, section.data)

    program_header_count = 4
    text_start = align_up(elf.EHDR_SIZE + program_header_count * elf.PHDR_SIZE, 8)
    data_end = linker.layout(text_start)
    linker.apply_relocations()
    entry = linker.entry_address()

    text = linker.outputs[TEXT]
    move_callx_registers(text.content)
    return _write_shared_object(linker, data_end, entry)


def _write_shared_object(linker: _Linker, data_end: int, entry: int) -> bytes:
    """Serialize the laid-out sections, dynamic tables and headers into the final file."""
    text = linker.outputs[TEXT]
    allocated = [linker.outputs[name] for name in (TEXT, RODATA, DATA_REL_RO) if linker.outputs[name].content]

    # .dynsym: the null symbol, the exported entrypoint, then one entry per syscall name
    # in order of first use.
    dynamic_strings = bytearray(b"\0")
    string_offsets: dict[str, int] = {}

    def add_string(name: str) -> int:
        if name not in string_offsets:
            string_offsets[name] = len(dynamic_strings)
            dynamic_strings.extend(name.encode() + b"\0")
        return string_offsets[name]

    text_section_index = 1
    dynamic_symbols = [struct.pack(elf.SYM_FORMAT, 0, 0, 0, 0, 0, 0)]
    dynamic_symbols.append(
        struct.pack(
            elf.SYM_FORMAT,
            add_string(linker.entrypoint),
            (elf.STB_GLOBAL << 4) | elf.STT_FUNC,
            0,
            text_section_index,
            entry,
            0,
        )
    )
    symbol_indices: dict[str, int] = {}
    for relocation in linker.dynamic_relocations:
        name = relocation.symbol_name
        if name is not None and name not in symbol_indices:
            symbol_indices[name] = len(dynamic_symbols)
            dynamic_symbols.append(
                struct.pack(elf.SYM_FORMAT, add_string(name), (elf.STB_GLOBAL << 4) | elf.STT_NOTYPE, 0, 0, 0, 0)
            )

    relocation_bytes = b"".join(
        struct.pack(
            elf.REL_FORMAT,
            relocation.address,
            (symbol_indices[relocation.symbol_name] << 32 if relocation.symbol_name else 0) | relocation.type,
        )
        for relocation in sorted(linker.dynamic_relocations, key=lambda r: r.address)
    )

    dynamic_start = align_up(data_end, 8)
    dynamic_tag_count = 10 if relocation_bytes else 7  # including DT_NULL
    dynsym_start = dynamic_start + dynamic_tag_count * elf.DYN_SIZE
    dynsym_bytes = b"".join(dynamic_symbols)
    dynstr_start = dynsym_start + len(dynsym_bytes)
    relocations_start = align_up(dynstr_start + len(dynamic_strings), 8)
    dynamic_end = relocations_start + len(relocation_bytes)

    dynamic_tags = [
        (elf.DT_SYMTAB, dynsym_start),
        (elf.DT_SYMENT, elf.SYM_SIZE),
        (elf.DT_STRTAB, dynstr_start),
        (elf.DT_STRSZ, len(dynamic_strings)),
    ]
    if relocation_bytes:
        dynamic_tags += [
            (elf.DT_REL, relocations_start),
            (elf.DT_RELSZ, len(relocation_bytes)),
            (elf.DT_RELENT, elf.REL_SIZE),
        ]
    dynamic_tags += [(elf.DT_TEXTREL, 0), (elf.DT_FLAGS, elf.DF_TEXTREL), (elf.DT_NULL, 0)]
    assert len(dynamic_tags) == dynamic_tag_count
    dynamic_bytes = b"".join(struct.pack(elf.DYN_FORMAT, tag, value) for tag, value in dynamic_tags)

    # Section header string table and the list of section headers, in file order.
    names = bytearray(b"\0")

    def name_offset(name: str) -> int:
        offset = len(names)
        names.extend(name.encode() + b"\0")
        return offset

    headers = [struct.pack(elf.SHDR_FORMAT, 0, elf.SHT_NULL, 0, 0, 0, 0, 0, 0, 0, 0)]
    for output in allocated:
        flags = elf.SHF_ALLOC | (elf.SHF_EXECINSTR if output is text else 0)
        headers.append(
            struct.pack(
                elf.SHDR_FORMAT,
                name_offset(output.name),
                elf.SHT_PROGBITS,
                flags,
                output.address,
                output.address,
                len(output.content),
                0,
                0,
                output.alignment,
                0,
            )
        )
    dynamic_index = len(headers)
    dynsym_index = dynamic_index + 1
    dynstr_index = dynamic_index + 2
    headers.append(
        struct.pack(
            elf.SHDR_FORMAT, name_offset(".dynamic"), elf.SHT_DYNAMIC, elf.SHF_ALLOC,
            dynamic_start, dynamic_start, len(dynamic_bytes), dynstr_index, 0, 8, elf.DYN_SIZE,
        )
    )
    headers.append(
        struct.pack(
            elf.SHDR_FORMAT, name_offset(".dynsym"), elf.SHT_DYNSYM, elf.SHF_ALLOC,
            dynsym_start, dynsym_start, len(dynsym_bytes), dynstr_index, 1, 8, elf.SYM_SIZE,
        )
    )
    headers.append(
        struct.pack(
            elf.SHDR_FORMAT, name_offset(".dynstr"), elf.SHT_STRTAB, elf.SHF_ALLOC,
            dynstr_start, dynstr_start, len(dynamic_strings), 0, 0, 1, 0,
        )
    )
    if relocation_bytes:
        headers.append(
            struct.pack(
                elf.SHDR_FORMAT, name_offset(".rel.dyn"), elf.SHT_REL, elf.SHF_ALLOC,
                relocations_start, relocations_start, len(relocation_bytes), dynsym_index, 0, 8, elf.REL_SIZE,
            )
        )
    shstrtab_index = len(headers)
    shstrtab_name = name_offset(".shstrtab")
    shstrtab_start = dynamic_end
    section_headers_start = align_up(shstrtab_start + len(names), 8)
    headers.append(
        struct.pack(
            elf.SHDR_FORMAT, shstrtab_name, elf.SHT_STRTAB, 0, 0, shstrtab_start, len(names), 0, 0, 1, 0,
        )
    )

    # Program headers: code, read-only data (both in the loader's read-only region), the
    # dynamic tables and PT_DYNAMIC. PT_LOAD addresses ascend as the parser requires.
    read_only = [output for output in allocated if output is not text]
    program_headers = [
        (elf.PT_LOAD, elf.PF_R | elf.PF_X, text.address, len(text.content)),
    ]
    if read_only:
        start = read_only[0].address
        end = read_only[-1].address + len(read_only[-1].content)
        program_headers.append((elf.PT_LOAD, elf.PF_R, start, end - start))
    program_headers.append((elf.PT_LOAD, elf.PF_R, dynamic_start, dynamic_end - dynamic_start))
    program_headers.append((elf.PT_DYNAMIC, elf.PF_R, dynamic_start, len(dynamic_bytes)))
    program_header_bytes = b"".join(
        struct.pack(elf.PHDR_FORMAT, kind, flags, address, address, address, size, size, 8)
        for kind, flags, address, size in program_headers
    )

    ident = elf.ELF_MAGIC + bytes([elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EV_CURRENT, 0]) + bytes(8)
    header = struct.pack(
        elf.EHDR_FORMAT,
        ident,
        elf.ET_DYN,
        elf.EM_BPF,
        elf.EV_CURRENT,
        entry,
        elf.EHDR_SIZE,
        section_headers_start,
        0,  # e_flags 0 selects SBPF v0
        elf.EHDR_SIZE,
        elf.PHDR_SIZE,
        len(program_headers),
        elf.SHDR_SIZE,
        len(headers),
        shstrtab_index,
    )

    image = bytearray(section_headers_start + len(headers) * elf.SHDR_SIZE)
    image[0 : len(header)] = header
    image[elf.EHDR_SIZE : elf.EHDR_SIZE + len(program_header_bytes)] = program_header_bytes
    if elf.EHDR_SIZE + len(program_header_bytes) > text.address:
        raise RelinkError("internal error: program headers overlap .text")
    for output in allocated:
        image[output.address : output.address + len(output.content)] = output.content
    image[dynamic_start : dynamic_start + len(dynamic_bytes)] = dynamic_bytes
    image[dynsym_start : dynsym_start + len(dynsym_bytes)] = dynsym_bytes
    image[dynstr_start : dynstr_start + len(dynamic_strings)] = dynamic_strings
    image[relocations_start:dynamic_end] = relocation_bytes
    image[shstrtab_start : shstrtab_start + len(names)] = names
    image[section_headers_start:] = b"".join(headers)
    return bytes(image)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Relink an llc eBPF object into an SBPF v0 shared object.")
    parser.add_argument("input", help="relocatable eBPF object (.o) written by llc")
    parser.add_argument("output", help="path of the shared object (.so) to write")
    parser.add_argument("--entrypoint", default="entrypoint", help="symbol the loader starts at")
    arguments = parser.parse_args(argv)
    with open(arguments.input, "rb") as file:
        object_bytes = file.read()
    try:
        shared_object = relink(object_bytes, arguments.entrypoint)
    except RelinkError as error:
        print(f"relink failed for {arguments.input}: {error}", file=sys.stderr)
        return 1
    with open(arguments.output, "wb") as file:
        file.write(shared_object)
    return 0


if __name__ == "__main__":
    sys.exit(main())
