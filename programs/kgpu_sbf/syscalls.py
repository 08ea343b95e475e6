"""Syscall names of Agave's SBPF v0 program runtime, for early warnings about misspelled imports.

The loader is the authority: at deploy time it rejects a program that calls a name it has
not registered ("Unresolved symbol"). This list lets the build warn before that.
"""

from __future__ import annotations

from kgpu_sbf import elf

# The names that `create_program_runtime_environment_v1` in Agave's syscalls/src/lib.rs
# registers. Some are feature-gated, so a cluster may not offer all of them.
# NOTE: copied from one Agave release. A newer release may add names, so an unknown name
# only produces a warning.
AGAVE_SYSCALLS = frozenset({
    "abort",
    "sol_panic_",
    "sol_log_",
    "sol_log_64_",
    "sol_log_compute_units_",
    "sol_log_pubkey",
    "sol_log_data",
    "sol_create_program_address",
    "sol_try_find_program_address",
    "sol_sha256",
    "sol_keccak256",
    "sol_secp256k1_recover",
    "sol_blake3",
    "sol_curve_validate_point",
    "sol_curve_group_op",
    "sol_curve_multiscalar_mul",
    "sol_get_clock_sysvar",
    "sol_get_epoch_schedule_sysvar",
    "sol_get_fees_sysvar",
    "sol_get_rent_sysvar",
    "sol_get_last_restart_slot",
    "sol_get_epoch_rewards_sysvar",
    "sol_get_sysvar",
    "sol_get_epoch_stake",
    "sol_memcpy_",
    "sol_memmove_",
    "sol_memcmp_",
    "sol_memset_",
    "sol_get_processed_sibling_instruction",
    "sol_get_stack_height",
    "sol_set_return_data",
    "sol_get_return_data",
    "sol_invoke_signed_c",
    "sol_invoke_signed_rust",
    "sol_alloc_free_",
    "sol_alt_bn128_group_op",
    "sol_alt_bn128_compression",
    "sol_big_mod_exp",
    "sol_poseidon",
    "sol_remaining_compute_units",
})


def imported_syscalls(shared_object: bytes) -> list[str]:
    """Return the undefined dynamic symbols of a relinked program, in .dynsym order."""
    parsed = elf.parse_elf(shared_object)
    table = parsed.find_section(".dynsym")
    if table is None:
        return []
    return [symbol.name for symbol in parsed.symbols(table) if symbol.name and symbol.shndx == elf.SHN_UNDEF]


def unknown_syscalls(shared_object: bytes) -> list[str]:
    """Return the imported names that Agave does not register as syscalls."""
    return [name for name in imported_syscalls(shared_object) if name not in AGAVE_SYSCALLS]
