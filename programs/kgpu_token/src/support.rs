//! Runtime support: input parsing, account views, syscalls, CPI, PDAs and sysvars.
//!
//! NOTE: this module duplicates what `kgpu_framework` is meant to provide, because the framework
//! had no API yet when this program was written. It should move into the framework.
//!
//! # Input buffer (BPF Loader Upgradeable, aligned serialization)
//!
//! ```text
//! 0        8 bytes   number of accounts (u64)
//! then per account, either a duplicate marker:
//!   +0     1 byte    index of the first occurrence of the account
//!   +1     7 bytes   padding
//! or an account (marker 0xFF):
//!   +0     1 byte    0xFF
//!   +1     1 byte    is_signer
//!   +2     1 byte    is_writable
//!   +3     1 byte    executable
//!   +4     4 bytes   original data length (runtime bookkeeping)
//!   +8     32 bytes  key
//!   +40    32 bytes  owner
//!   +72    8 bytes   lamports (u64)
//!   +80    8 bytes   data length (u64)
//!   +88    n bytes   data, then 10,240 bytes of realloc room, padded to 8
//!   ...    8 bytes   rent epoch
//! then
//!   8 bytes          instruction data length (u64), the data, the program id (32 bytes)
//! ```

use crate::error::TokenError;

/// Result of every instruction handler.
pub type ProgramResult = Result<(), TokenError>;

/// A 32-byte account address.
pub type Pubkey = [u8; 32];

/// Bytes an account may grow by within one instruction, reserved after its data.
const MAX_PERMITTED_DATA_INCREASE: usize = 10_240;
/// Size of the non-duplicate account header before the data.
const ACCOUNT_HEADER: usize = 88;
/// Most accounts one instruction may pass.
pub const MAX_ACCOUNTS: usize = 16;

/// The System program id.
pub const SYSTEM_PROGRAM_ID: Pubkey = [0; 32];

mod syscalls {
    extern "C" {
        pub fn sol_log_(message: *const u8, len: u64);
        pub fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;
        pub fn sol_log_data(slices: *const u8, len: u64);
        pub fn sol_log_compute_units_();
        pub fn sol_memcmp_(s1: *const u8, s2: *const u8, n: u64, result: *mut i32);
        pub fn sol_sha256(slices: *const u8, len: u64, result: *mut u8) -> u64;
        pub fn sol_curve_validate_point(curve_id: u64, point: *const u8, result: *mut u8) -> u64;
        pub fn sol_get_clock_sysvar(addr: *mut u8) -> u64;
        pub fn sol_get_rent_sysvar(addr: *mut u8) -> u64;
        pub fn sol_invoke_signed_c(
            instruction: *const u8,
            account_infos: *const u8,
            account_infos_len: u64,
            signer_seeds: *const u8,
            signer_seeds_len: u64,
        ) -> u64;
    }
}

/// A zero-copy view of one account in the input buffer.
///
/// # Invariants
///
/// `raw` points at the 0xFF marker of a non-duplicate account header in the input buffer, which
/// lives for the whole instruction. Views of a duplicated account share the same `raw`.
#[derive(Clone, Copy)]
pub struct AccountView {
    raw: *mut u8,
}

impl AccountView {
    pub fn key(&self) -> &Pubkey {
        // SAFETY: the key sits at +8 of a live header (type invariant).
        unsafe { &*(self.raw.add(8) as *const Pubkey) }
    }

    pub fn owner(&self) -> &Pubkey {
        // SAFETY: the owner sits at +40 of a live header.
        unsafe { &*(self.raw.add(40) as *const Pubkey) }
    }

    pub fn is_signer(&self) -> bool {
        // SAFETY: flag byte inside the header.
        unsafe { *self.raw.add(1) != 0 }
    }

    pub fn is_writable(&self) -> bool {
        // SAFETY: flag byte inside the header.
        unsafe { *self.raw.add(2) != 0 }
    }

    pub fn lamports(&self) -> u64 {
        // SAFETY: 8-byte aligned u64 at +72; the input buffer is 8-byte aligned.
        unsafe { *(self.raw.add(72) as *const u64) }
    }

    pub fn data_len(&self) -> usize {
        // SAFETY: 8-byte aligned u64 at +80, updated by the runtime after each CPI.
        unsafe { *(self.raw.add(80) as *const u64) as usize }
    }

    /// Returns the account data. Callers must not hold two mutable borrows of one account.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `data_len` bytes follow the header.
        unsafe { core::slice::from_raw_parts(self.raw.add(ACCOUNT_HEADER), self.data_len()) }
    }

    /// Returns the account data for writing.
    ///
    /// # Safety
    ///
    /// The caller holds no other reference to this account's data while the slice lives,
    /// including through a duplicate view of the same account.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn data_mut(&self) -> &mut [u8] {
        core::slice::from_raw_parts_mut(self.raw.add(ACCOUNT_HEADER), self.data_len())
    }

    fn lamports_ptr(&self) -> *mut u64 {
        // SAFETY: +72 is inside the header.
        unsafe { self.raw.add(72) as *mut u64 }
    }

    fn data_len_value(&self) -> u64 {
        self.data_len() as u64
    }

    fn data_ptr(&self) -> *mut u8 {
        // SAFETY: +88 is the start of the data area.
        unsafe { self.raw.add(ACCOUNT_HEADER) }
    }

    /// Rejects the account unless it signed the transaction.
    pub fn require_signer(&self) -> ProgramResult {
        if self.is_signer() {
            Ok(())
        } else {
            Err(TokenError::MissingSigner)
        }
    }

    /// Rejects the account unless the transaction marks it writable.
    pub fn require_writable(&self) -> ProgramResult {
        if self.is_writable() {
            Ok(())
        } else {
            Err(TokenError::NotWritable)
        }
    }

    /// Rejects the account unless `owner` owns it.
    pub fn require_owner(&self, owner: &Pubkey) -> ProgramResult {
        if keys_equal(self.owner(), owner) {
            Ok(())
        } else {
            Err(TokenError::InvalidOwner)
        }
    }

    /// Rejects the account unless its address is `address`.
    pub fn require_address(&self, address: &Pubkey) -> ProgramResult {
        if keys_equal(self.key(), address) {
            Ok(())
        } else {
            Err(TokenError::InvalidAddress)
        }
    }

    /// Returns whether the account is owned by the System program and has no data.
    pub fn is_empty_system_account(&self) -> bool {
        self.data_len() == 0 && keys_equal(self.owner(), &SYSTEM_PROGRAM_ID)
    }
}

/// The parsed input: accounts, instruction data and the executing program id.
pub struct Input<'a> {
    pub accounts: [AccountView; MAX_ACCOUNTS],
    pub account_count: usize,
    pub data: &'a [u8],
    pub program_id: &'a Pubkey,
}

impl Input<'_> {
    pub fn accounts(&self) -> &[AccountView] {
        &self.accounts[..self.account_count]
    }
}

/// Parses the loader's input buffer.
///
/// # Safety
///
/// `input` is the buffer the runtime passed to the entrypoint, laid out as the module docs draw.
pub unsafe fn parse_input<'a>(input: *mut u8) -> Result<Input<'a>, TokenError> {
    let count = *(input as *const u64) as usize;
    if count > MAX_ACCOUNTS {
        return Err(TokenError::TooManyAccounts);
    }
    let mut accounts = [AccountView { raw: input }; MAX_ACCOUNTS];
    let mut offset = 8usize;

    // Accounts: a full header and data, or an 8-byte duplicate marker.
    let mut i = 0;
    while i < count {
        let marker = *input.add(offset);
        if marker == u8::MAX {
            let view = AccountView {
                raw: input.add(offset),
            };
            let data_len = view.data_len();
            accounts[i] = view;
            // Header, data and realloc room, padded to 8 bytes, then the rent epoch.
            offset += ACCOUNT_HEADER + data_len + MAX_PERMITTED_DATA_INCREASE;
            offset = (offset + 7) & !7;
            offset += 8;
        } else {
            // The runtime only emits indices of accounts already serialized.
            accounts[i] = accounts[marker as usize];
            offset += 8;
        }
        i += 1;
    }

    // Instruction data, then the program id.
    let data_len = *(input.add(offset) as *const u64) as usize;
    offset += 8;
    let data = core::slice::from_raw_parts(input.add(offset), data_len);
    offset += data_len;
    let program_id = &*(input.add(offset) as *const Pubkey);

    Ok(Input {
        accounts,
        account_count: count,
        data,
        program_id,
    })
}

/// Compares two addresses with the `sol_memcmp_` syscall (about 10 compute units).
///
/// Addresses are byte arrays with alignment 1, so LLVM's BPF backend splits every 8-byte load of
/// them into 8 byte loads. A compare written in BPF code costs about 200 instructions.
#[inline(always)]
pub fn keys_equal(a: &Pubkey, b: &Pubkey) -> bool {
    bytes_equal(a, b)
}

/// Compares two byte slices with the `sol_memcmp_` syscall.
///
/// The syscall costs 10 compute units up to 2,500 bytes, where the compare loop LLVM emits for
/// `==` on slices costs about 10 per byte.
pub fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut result: i32 = 0;
    // SAFETY: both slices hold `a.len()` readable bytes and `result` is a valid i32.
    unsafe { syscalls::sol_memcmp_(a.as_ptr(), b.as_ptr(), a.len() as u64, &mut result) };
    result == 0
}

/// Returns the eight bytes of `bytes` at `offset`. Panics when out of range.
#[inline(always)]
pub fn read8(bytes: &[u8], offset: usize) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&bytes[offset..offset + 8]);
    out
}

/// Writes a message to the program log.
pub fn log(message: &str) {
    // SAFETY: the syscall reads `len` bytes from a valid slice.
    unsafe { syscalls::sol_log_(message.as_ptr(), message.len() as u64) }
}

/// Aborts the program; the runtime reports the transaction as failed.
pub fn abort() -> ! {
    // SAFETY: the syscall reads an empty file name and never returns.
    unsafe { syscalls::sol_panic_(b"".as_ptr(), 0, 0, 0) }
}

/// Logs the remaining compute units, for profiling.
pub fn log_compute_units() {
    // SAFETY: the syscall takes no arguments.
    unsafe { syscalls::sol_log_compute_units_() }
}

/// A byte slice as the syscalls take it: address and length.
#[repr(C)]
struct SyscallSlice {
    addr: *const u8,
    len: u64,
}

/// Emits `bytes` as one `Program data:` log entry (the form Anchor events use).
pub fn log_data(bytes: &[u8]) {
    let slice = SyscallSlice {
        addr: bytes.as_ptr(),
        len: bytes.len() as u64,
    };
    // SAFETY: one valid slice descriptor.
    unsafe { syscalls::sol_log_data(&slice as *const SyscallSlice as *const u8, 1) }
}

/// Returns sha256 of the concatenation of `parts` (at most 4).
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut slices = [
        SyscallSlice {
            addr: core::ptr::null(),
            len: 0,
        },
        SyscallSlice {
            addr: core::ptr::null(),
            len: 0,
        },
        SyscallSlice {
            addr: core::ptr::null(),
            len: 0,
        },
        SyscallSlice {
            addr: core::ptr::null(),
            len: 0,
        },
        SyscallSlice {
            addr: core::ptr::null(),
            len: 0,
        },
        SyscallSlice {
            addr: core::ptr::null(),
            len: 0,
        },
    ];
    let count = if parts.len() < slices.len() {
        parts.len()
    } else {
        slices.len()
    };
    let mut i = 0;
    while i < count {
        slices[i] = SyscallSlice {
            addr: parts[i].as_ptr(),
            len: parts[i].len() as u64,
        };
        i += 1;
    }
    let mut hash = [0u8; 32];
    // SAFETY: `count` valid slice descriptors and a 32-byte output.
    unsafe {
        syscalls::sol_sha256(
            slices.as_ptr() as *const u8,
            count as u64,
            hash.as_mut_ptr(),
        )
    };
    hash
}

/// Suffix hashed into every program derived address.
const PDA_MARKER: &[u8; 21] = b"ProgramDerivedAddress";

/// Returns whether `point` is a valid compressed ed25519 point, which a PDA must not be.
fn is_on_curve(point: &[u8; 32]) -> bool {
    let mut unused = [0u8; 32];
    // SAFETY: a 32-byte point and a 32-byte result area; curve id 0 is ed25519 (Edwards form).
    let rc = unsafe { syscalls::sol_curve_validate_point(0, point.as_ptr(), unused.as_mut_ptr()) };
    rc == 0
}

/// Longest seed bytes `find_program_address` accepts, all seeds together.
const MAX_FIND_SEED_BYTES: usize = 96;

/// Finds the canonical (highest off-curve) bump for `seeds` and returns address and bump.
///
/// Each candidate bump costs one sha256 over a contiguous buffer plus one curve check, about 300
/// compute units, where `sol_try_find_program_address` charges 1,500 per candidate. Half of all
/// seed sets need one candidate, a quarter two, and so on.
pub fn find_program_address(
    seeds: &[&[u8]],
    program_id: &Pubkey,
) -> Result<(Pubkey, u8), TokenError> {
    // Buffer: seeds, bump, program id, marker.
    let mut buffer = [0u8; MAX_FIND_SEED_BYTES + 1 + 32 + PDA_MARKER.len()];
    let mut len = 0;
    for seed in seeds {
        let end = len + seed.len();
        if end > MAX_FIND_SEED_BYTES {
            return Err(TokenError::InvalidSeeds);
        }
        buffer[len..end].copy_from_slice(seed);
        len = end;
    }
    let bump_at = len;
    buffer[bump_at + 1..bump_at + 33].copy_from_slice(program_id);
    buffer[bump_at + 33..bump_at + 33 + PDA_MARKER.len()].copy_from_slice(PDA_MARKER);
    let preimage_len = bump_at + 33 + PDA_MARKER.len();

    let mut bump: u8 = u8::MAX;
    loop {
        buffer[bump_at] = bump;
        let address = sha256(&[&buffer[..preimage_len]]);
        if !is_on_curve(&address) {
            return Ok((address, bump));
        }
        if bump == 0 {
            return Err(TokenError::InvalidSeeds);
        }
        bump -= 1;
    }
}

/// A seed of a PDA signer, in the runtime's C layout.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Seed {
    addr: *const u8,
    len: u64,
}

impl Seed {
    pub fn new(bytes: &[u8]) -> Self {
        Seed {
            addr: bytes.as_ptr(),
            len: bytes.len() as u64,
        }
    }
}

/// The seeds of one PDA signer, in the runtime's C layout.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Signer {
    addr: *const Seed,
    len: u64,
}

impl Signer {
    pub fn new(seeds: &[Seed]) -> Self {
        Signer {
            addr: seeds.as_ptr(),
            len: seeds.len() as u64,
        }
    }
}

/// Most seeds of a program derived address, bump included.
pub const MAX_SEEDS: usize = 16;

/// Returns the address derived from `seeds` (bump included, at most 16 seeds of at most 32 bytes,
/// which the caller checks), or `InvalidSeeds` when the hash lies on the curve.
///
/// This computes what `sol_create_program_address` does with one sha256 and one curve check,
/// about 300 compute units where the syscall charges 1,500.
pub fn create_program_address(seeds: &[Seed], program_id: &Pubkey) -> Result<Pubkey, TokenError> {
    if seeds.len() > MAX_SEEDS {
        return Err(TokenError::InvalidSeeds);
    }
    // Seed has the layout of a syscall slice, so seeds, program id and marker go in one array.
    let mut slices = [Seed::new(&[]); MAX_SEEDS + 2];
    slices[..seeds.len()].copy_from_slice(seeds);
    slices[seeds.len()] = Seed::new(program_id);
    slices[seeds.len() + 1] = Seed::new(PDA_MARKER);
    let mut address = [0u8; 32];
    // SAFETY: `seeds.len() + 2` valid slice descriptors and a 32-byte output.
    unsafe {
        syscalls::sol_sha256(
            slices.as_ptr() as *const u8,
            (seeds.len() + 2) as u64,
            address.as_mut_ptr(),
        )
    };
    if is_on_curve(&address) {
        return Err(TokenError::InvalidSeeds);
    }
    Ok(address)
}

/// An account of a cross-program instruction, in the runtime's C layout.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Meta {
    pubkey: *const Pubkey,
    is_writable: bool,
    is_signer: bool,
}

impl Meta {
    pub fn writable(account: &AccountView) -> Self {
        Meta {
            pubkey: account.key(),
            is_writable: true,
            is_signer: false,
        }
    }

    pub fn readonly(account: &AccountView) -> Self {
        Meta {
            pubkey: account.key(),
            is_writable: false,
            is_signer: false,
        }
    }

    pub fn writable_signer(account: &AccountView) -> Self {
        Meta {
            pubkey: account.key(),
            is_writable: true,
            is_signer: true,
        }
    }

    pub fn readonly_signer(account: &AccountView) -> Self {
        Meta {
            pubkey: account.key(),
            is_writable: false,
            is_signer: true,
        }
    }
}

#[repr(C)]
struct CInstruction {
    program_id: *const Pubkey,
    accounts: *const Meta,
    account_len: u64,
    data: *const u8,
    data_len: u64,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CAccountInfo {
    key: *const Pubkey,
    lamports: *mut u64,
    data_len: u64,
    data: *mut u8,
    owner: *const Pubkey,
    rent_epoch: u64,
    is_signer: bool,
    is_writable: bool,
    executable: bool,
}

/// Most accounts a CPI made by this program passes.
const MAX_CPI_ACCOUNTS: usize = 6;

/// One cross-program invocation: the callee, its accounts and data, and the PDA signers.
///
/// `accounts` are the views backing `metas`, in the same order. Bundling the arguments keeps
/// `invoke_signed` within the BPF limit of five argument registers.
pub struct Cpi<'a> {
    pub program: &'a Pubkey,
    pub metas: &'a [Meta],
    pub accounts: &'a [AccountView],
    pub data: &'a [u8],
    pub signers: &'a [Signer],
}

/// Invokes `cpi.program`, signing with `cpi.signers`.
pub fn invoke_signed(cpi: &Cpi) -> ProgramResult {
    let Cpi {
        program,
        metas,
        accounts,
        data,
        signers,
    } = *cpi;
    if accounts.len() > MAX_CPI_ACCOUNTS || metas.len() != accounts.len() {
        return Err(TokenError::TooManyAccounts);
    }
    let empty = CAccountInfo {
        key: core::ptr::null(),
        lamports: core::ptr::null_mut(),
        data_len: 0,
        data: core::ptr::null_mut(),
        owner: core::ptr::null(),
        rent_epoch: 0,
        is_signer: false,
        is_writable: false,
        executable: false,
    };
    let mut infos = [empty; MAX_CPI_ACCOUNTS];
    let mut i = 0;
    while i < accounts.len() {
        let account = &accounts[i];
        infos[i] = CAccountInfo {
            key: account.key(),
            lamports: account.lamports_ptr(),
            data_len: account.data_len_value(),
            data: account.data_ptr(),
            owner: account.owner(),
            rent_epoch: 0,
            is_signer: account.is_signer(),
            is_writable: account.is_writable(),
            executable: false,
        };
        i += 1;
    }
    let instruction = CInstruction {
        program_id: program,
        accounts: metas.as_ptr(),
        account_len: metas.len() as u64,
        data: data.as_ptr(),
        data_len: data.len() as u64,
    };
    // SAFETY: every pointer refers to a live value of the C layout the runtime expects. The
    // runtime writes lamports, owner, data and data length back into the input buffer.
    let rc = unsafe {
        syscalls::sol_invoke_signed_c(
            &instruction as *const CInstruction as *const u8,
            infos.as_ptr() as *const u8,
            accounts.len() as u64,
            signers.as_ptr() as *const u8,
            signers.len() as u64,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(TokenError::CpiFailed)
    }
}

/// The fields of the Clock sysvar this program reads.
pub struct Clock {
    pub slot: u64,
    pub unix_timestamp: i64,
}

/// Reads the Clock sysvar.
pub fn clock() -> Clock {
    let mut raw = [0u64; 5];
    // SAFETY: the Clock sysvar is 40 bytes: slot, epoch start, epoch, leader epoch, unix time.
    unsafe { syscalls::sol_get_clock_sysvar(raw.as_mut_ptr() as *mut u8) };
    Clock {
        slot: raw[0],
        unix_timestamp: raw[4] as i64,
    }
}

/// Bytes of account metadata the rent formula adds to the data length.
const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;
/// IEEE 754 bit patterns of the exemption thresholds 2.0 and 1.0, the only ones this program accepts.
const THRESHOLD_TWO_BITS: u64 = 0x4000_0000_0000_0000;
const THRESHOLD_ONE_BITS: u64 = 0x3FF0_0000_0000_0000;

/// Returns the rent-exempt minimum balance for `data_len` bytes.
///
/// The Rent sysvar stores the exemption threshold as an f64. This program has no floats, so it
/// accepts the thresholds 2.0 (every cluster today) and 1.0 and rejects any other value.
pub fn minimum_balance(data_len: usize) -> Result<u64, TokenError> {
    let mut raw = [0u64; 3];
    // SAFETY: the Rent sysvar is 17 bytes: lamports per byte-year, threshold (f64), burn percent.
    unsafe { syscalls::sol_get_rent_sysvar(raw.as_mut_ptr() as *mut u8) };
    let per_byte_year = raw[0];
    let years = match raw[1] {
        THRESHOLD_TWO_BITS => 2,
        THRESHOLD_ONE_BITS => 1,
        _ => return Err(TokenError::UnsupportedRent),
    };
    // Account data is at most 10 MiB, so this product cannot wrap.
    let bytes = (data_len as u64 + ACCOUNT_STORAGE_OVERHEAD).wrapping_mul(years);
    // Both factors below 2^32 keep the product below 2^64. A division-based check would be
    // folded by LLVM into a 128-bit multiply, which the BPF backend lacks.
    if per_byte_year >> 32 != 0 || bytes >> 32 != 0 {
        return Err(TokenError::Overflow);
    }
    Ok(bytes.wrapping_mul(per_byte_year))
}

/// A new program-owned PDA account: who pays, its size and the rent it is funded for.
pub struct NewAccount<'a> {
    pub payer: &'a AccountView,
    pub account: &'a AccountView,
    /// Bytes allocated now.
    pub space: usize,
    /// Bytes the balance must stay rent exempt for; larger than `space` when the account grows
    /// later in the same instruction.
    pub funded_space: usize,
    pub owner: &'a Pubkey,
}

/// Creates `new.account` through the System program, signed by `signer` (the account's seeds).
///
/// Anyone can send lamports to a PDA address before the program creates it, and the System
/// program's CreateAccount rejects an address that has lamports. For such an address this tops
/// the balance up from the payer, then allocates and assigns the account instead, so pre-funding
/// cannot block a deposit id, KYC record or redemption.
pub fn create_account(new: &NewAccount, signer: &Signer) -> ProgramResult {
    let lamports = minimum_balance(new.funded_space)?;
    let existing = new.account.lamports();
    if existing == 0 {
        // System instruction 0 CreateAccount: u32 tag, u64 lamports, u64 space, owner.
        let mut data = [0u8; 52];
        data[4..12].copy_from_slice(&lamports.to_le_bytes());
        data[12..20].copy_from_slice(&(new.space as u64).to_le_bytes());
        data[20..52].copy_from_slice(new.owner);
        return system_invoke(new, &data, signer, false);
    }

    if existing < lamports {
        // System instruction 2 Transfer: u32 tag, u64 lamports.
        let mut data = [0u8; 12];
        data[0] = 2;
        data[4..12].copy_from_slice(&(lamports - existing).to_le_bytes());
        system_invoke(new, &data, signer, false)?;
    }
    // System instruction 8 Allocate: u32 tag, u64 space.
    let mut allocate = [0u8; 12];
    allocate[0] = 8;
    allocate[4..12].copy_from_slice(&(new.space as u64).to_le_bytes());
    system_invoke(new, &allocate, signer, true)?;
    // System instruction 1 Assign: u32 tag, owner.
    let mut assign = [0u8; 36];
    assign[0] = 1;
    assign[4..36].copy_from_slice(new.owner);
    system_invoke(new, &assign, signer, true)
}

/// Invokes the System program for `new`: with the payer and the account (CreateAccount,
/// Transfer), or with the account alone (`account_only`: Allocate, Assign). `signer` signs for
/// the account, and the payer signed the transaction.
fn system_invoke(
    new: &NewAccount,
    data: &[u8],
    signer: &Signer,
    account_only: bool,
) -> ProgramResult {
    let metas = [
        Meta::writable_signer(new.payer),
        Meta::writable_signer(new.account),
    ];
    let accounts = [*new.payer, *new.account];
    let first = if account_only { 1 } else { 0 };
    invoke_signed(&Cpi {
        program: &SYSTEM_PROGRAM_ID,
        metas: &metas[first..],
        accounts: &accounts[first..],
        data,
        signers: core::slice::from_ref(signer),
    })
}
