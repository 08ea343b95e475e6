"""Read ELF64 little-endian files: relocatable eBPF objects from `llc` and SBPF shared objects.

Only the parts the relinker and its tests need are parsed: the file header, section
headers with names, symbol tables, REL relocation tables and the dynamic section.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

ELF_MAGIC = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
EV_CURRENT = 1
ET_REL = 1
ET_DYN = 3
EM_BPF = 247

SHT_NULL = 0
SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_RELA = 4
SHT_DYNAMIC = 6
SHT_NOBITS = 8
SHT_REL = 9
SHT_DYNSYM = 11

SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4

SHN_UNDEF = 0
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2

STB_LOCAL = 0
STB_GLOBAL = 1
STT_NOTYPE = 0
STT_OBJECT = 1
STT_FUNC = 2
STT_SECTION = 3

PT_LOAD = 1
PT_DYNAMIC = 2
PF_X = 1
PF_W = 2
PF_R = 4

DT_NULL = 0
DT_STRTAB = 5
DT_SYMTAB = 6
DT_STRSZ = 10
DT_SYMENT = 11
DT_REL = 17
DT_RELSZ = 18
DT_RELENT = 19
DT_TEXTREL = 22
DT_FLAGS = 30
DF_TEXTREL = 0x4

# eBPF relocation types (LLVM BPF backend and the SBPF loader use the same numbers).
R_BPF_NONE = 0
R_BPF_64_64 = 1
R_BPF_64_ABS64 = 2
R_BPF_64_ABS32 = 3
R_BPF_64_NODYLD32 = 4
R_BPF_64_RELATIVE = 8
R_BPF_64_32 = 10

EHDR_FORMAT = "<16sHHIQQQIHHHHHH"
EHDR_SIZE = struct.calcsize(EHDR_FORMAT)  # 64
PHDR_FORMAT = "<IIQQQQQQ"
PHDR_SIZE = struct.calcsize(PHDR_FORMAT)  # 56
SHDR_FORMAT = "<IIQQQQIIQQ"
SHDR_SIZE = struct.calcsize(SHDR_FORMAT)  # 64
SYM_FORMAT = "<IBBHQQ"
SYM_SIZE = struct.calcsize(SYM_FORMAT)  # 24
REL_FORMAT = "<QQ"
REL_SIZE = struct.calcsize(REL_FORMAT)  # 16
DYN_FORMAT = "<qQ"
DYN_SIZE = struct.calcsize(DYN_FORMAT)  # 16


class ElfError(ValueError):
    """An ELF file is malformed or uses a feature this module does not read."""


@dataclass
class Section:
    index: int
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    addralign: int
    entsize: int
    data: bytes  # empty for SHT_NOBITS


@dataclass
class Symbol:
    index: int
    name: str
    bind: int
    type: int
    other: int
    shndx: int
    value: int
    size: int


@dataclass
class Relocation:
    offset: int
    type: int
    symbol: int


@dataclass
class ElfFile:
    """A parsed ELF64 little-endian file."""

    data: bytes
    type: int
    machine: int
    flags: int
    entry: int
    osabi: int
    sections: list[Section]
    program_headers: list[tuple[int, ...]]

    def section(self, name: str) -> Section:
        matches = [section for section in self.sections if section.name == name]
        if len(matches) != 1:
            raise ElfError(f"expected exactly one section named {name!r}, found {len(matches)}")
        return matches[0]

    def find_section(self, name: str) -> Section | None:
        for section in self.sections:
            if section.name == name:
                return section
        return None

    def symbols(self, table: Section) -> list[Symbol]:
        """Decode a SHT_SYMTAB or SHT_DYNSYM section with its linked string table."""
        strings = self.sections[table.link].data
        symbols = []
        for index in range(table.size // SYM_SIZE):
            name_offset, info, other, shndx, value, size = struct.unpack_from(
                SYM_FORMAT, table.data, index * SYM_SIZE
            )
            symbols.append(
                Symbol(
                    index=index,
                    name=read_c_string(strings, name_offset),
                    bind=info >> 4,
                    type=info & 0xF,
                    other=other,
                    shndx=shndx,
                    value=value,
                    size=size,
                )
            )
        return symbols

    def relocations(self, table: Section) -> list[Relocation]:
        if table.type != SHT_REL:
            raise ElfError(f"section {table.name} is not a SHT_REL table")
        relocations = []
        for index in range(table.size // REL_SIZE):
            offset, info = struct.unpack_from(REL_FORMAT, table.data, index * REL_SIZE)
            relocations.append(Relocation(offset=offset, type=info & 0xFFFFFFFF, symbol=info >> 32))
        return relocations

    def dynamic_entries(self) -> dict[int, int]:
        """Return the SHT_DYNAMIC entries up to DT_NULL as a tag-to-value map."""
        section = next((s for s in self.sections if s.type == SHT_DYNAMIC), None)
        if section is None:
            return {}
        entries = {}
        for index in range(section.size // DYN_SIZE):
            tag, value = struct.unpack_from(DYN_FORMAT, section.data, index * DYN_SIZE)
            if tag == DT_NULL:
                break
            entries[tag] = value
        return entries


def read_c_string(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    if end < 0:
        raise ElfError(f"string at offset {offset} is not NUL-terminated")
    return table[offset:end].decode("utf-8", errors="replace")


def parse_elf(data: bytes) -> ElfFile:
    """Parse an ELF64 little-endian file, raising ElfError when the headers are inconsistent."""
    if len(data) < EHDR_SIZE or data[:4] != ELF_MAGIC:
        raise ElfError("not an ELF file")
    if data[4] != ELFCLASS64 or data[5] != ELFDATA2LSB:
        raise ElfError("only ELF64 little-endian files are supported")
    (
        ident,
        e_type,
        e_machine,
        _version,
        e_entry,
        e_phoff,
        e_shoff,
        e_flags,
        _ehsize,
        _phentsize,
        e_phnum,
        _shentsize,
        e_shnum,
        e_shstrndx,
    ) = struct.unpack_from(EHDR_FORMAT, data, 0)

    raw_sections = []
    for index in range(e_shnum):
        start = e_shoff + index * SHDR_SIZE
        if start + SHDR_SIZE > len(data):
            raise ElfError(f"section header {index} lies outside the file")
        raw_sections.append(struct.unpack_from(SHDR_FORMAT, data, start))

    if e_shnum and e_shstrndx >= e_shnum:
        raise ElfError(f"section name table index {e_shstrndx} is out of range")
    names = b""
    if e_shnum:
        _, _, _, _, names_offset, names_size, *_ = raw_sections[e_shstrndx]
        names = data[names_offset : names_offset + names_size]

    sections = []
    for index, (name, sh_type, flags, addr, offset, size, link, info, align, entsize) in enumerate(
        raw_sections
    ):
        if sh_type != SHT_NOBITS and offset + size > len(data):
            raise ElfError(f"section {index} extends past the end of the file")
        contents = b"" if sh_type == SHT_NOBITS else data[offset : offset + size]
        sections.append(
            Section(
                index=index,
                name=read_c_string(names, name) if names else "",
                type=sh_type,
                flags=flags,
                addr=addr,
                offset=offset,
                size=size,
                link=link,
                info=info,
                addralign=align,
                entsize=entsize,
                data=contents,
            )
        )

    program_headers = [
        struct.unpack_from(PHDR_FORMAT, data, e_phoff + index * PHDR_SIZE) for index in range(e_phnum)
    ]
    return ElfFile(
        data=data,
        type=e_type,
        machine=e_machine,
        flags=e_flags,
        entry=e_entry,
        osabi=ident[7],
        sections=sections,
        program_headers=program_headers,
    )
