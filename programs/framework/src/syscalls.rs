//! Solana runtime syscalls used by the framework.
//!
//! On `target_arch = "bpf"` these are `extern "C"` symbols that the loader resolves by name when
//! the program is deployed, so a misspelled name fails the deployment. Signatures follow the
//! Agave runtime's syscall definitions (`programs/bpf_loader/src/syscalls`): every argument and
//! return value is a 64-bit register, and pointers are virtual addresses inside the program's
//! memory map.
//!
//! On any other target the same functions are host stubs: logging does nothing and every
//! syscall that computes a value returns an error code, so host tests exercise only pure logic.

#[cfg(target_arch = "bpf")]
extern "C" {
    pub fn sol_log_(message: *const u8, len: u64);
    pub fn sol_log_64_(arg1: u64, arg2: u64, arg3: u64, arg4: u64, arg5: u64);
    pub fn sol_log_pubkey(pubkey: *const u8);
    pub fn sol_log_compute_units_();
    /// `slices` points to `len` records of `{ address: u64, len: u64 }`.
    pub fn sol_log_data(slices: *const u8, len: u64);
    /// `seeds` points to `seeds_len` records of `{ address: u64, len: u64 }`.
    pub fn sol_create_program_address(
        seeds: *const u8,
        seeds_len: u64,
        program_id: *const u8,
        address: *mut u8,
    ) -> u64;
    pub fn sol_try_find_program_address(
        seeds: *const u8,
        seeds_len: u64,
        program_id: *const u8,
        address: *mut u8,
        bump: *mut u8,
    ) -> u64;
    pub fn sol_invoke_signed_c(
        instruction: *const u8,
        account_infos: *const u8,
        account_infos_len: u64,
        signers_seeds: *const u8,
        signers_seeds_len: u64,
    ) -> u64;
    pub fn sol_get_clock_sysvar(address: *mut u8) -> u64;
    pub fn sol_get_rent_sysvar(address: *mut u8) -> u64;
    /// Copies `length` bytes at `offset` of the bincode data of sysvar `sysvar_id` to
    /// `result`. Returns 0 on success, 1 when the range exceeds the sysvar and 2 when the
    /// sysvar is not available.
    pub fn sol_get_sysvar(sysvar_id: *const u8, result: *mut u8, offset: u64, length: u64) -> u64;
    /// `slices` points to `len` records of `{ address: u64, len: u64 }`.
    pub fn sol_sha256(slices: *const u8, len: u64, hash: *mut u8) -> u64;
    /// Returns 0 when the 32 bytes at `point` are a valid point of curve `curve_id` (0 is
    /// ed25519 in Edwards form) and 1 otherwise. `result` is not written.
    pub fn sol_curve_validate_point(curve_id: u64, point: *const u8, result: *mut u8) -> u64;
    pub fn sol_set_return_data(data: *const u8, len: u64);
    pub fn sol_memcpy_(destination: *mut u8, source: *const u8, len: u64);
    pub fn sol_memset_(destination: *mut u8, value: u8, len: u64);
    pub fn sol_memcmp_(left: *const u8, right: *const u8, len: u64, result: *mut i32);
    pub fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;
    pub fn abort() -> !;
}

#[cfg(not(target_arch = "bpf"))]
mod host {
    //! Host stubs with the same signatures as the BPF syscalls.
    #![allow(clippy::missing_safety_doc)]

    /// Error code that every computing stub returns.
    const HOST_STUB_ERROR: u64 = 1;

    pub unsafe fn sol_log_(_message: *const u8, _len: u64) {}
    pub unsafe fn sol_log_64_(_arg1: u64, _arg2: u64, _arg3: u64, _arg4: u64, _arg5: u64) {}
    pub unsafe fn sol_log_pubkey(_pubkey: *const u8) {}
    pub unsafe fn sol_log_compute_units_() {}
    pub unsafe fn sol_log_data(_slices: *const u8, _len: u64) {}
    pub unsafe fn sol_create_program_address(
        _seeds: *const u8,
        _seeds_len: u64,
        _program_id: *const u8,
        _address: *mut u8,
    ) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_try_find_program_address(
        _seeds: *const u8,
        _seeds_len: u64,
        _program_id: *const u8,
        _address: *mut u8,
        _bump: *mut u8,
    ) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_invoke_signed_c(
        _instruction: *const u8,
        _account_infos: *const u8,
        _account_infos_len: u64,
        _signers_seeds: *const u8,
        _signers_seeds_len: u64,
    ) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_get_clock_sysvar(_address: *mut u8) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_get_rent_sysvar(_address: *mut u8) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_get_sysvar(_sysvar_id: *const u8, _result: *mut u8, _offset: u64, _length: u64) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_sha256(_slices: *const u8, _len: u64, _hash: *mut u8) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_curve_validate_point(_curve_id: u64, _point: *const u8, _result: *mut u8) -> u64 {
        HOST_STUB_ERROR
    }
    pub unsafe fn sol_set_return_data(_data: *const u8, _len: u64) {}
    pub unsafe fn abort() -> ! {
        panic!("abort syscall called on the host")
    }
}

#[cfg(not(target_arch = "bpf"))]
pub use host::*;
