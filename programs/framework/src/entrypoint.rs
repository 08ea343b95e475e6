//! Program entrypoint and deserialization of the SBF input buffer.
//!
//! The runtime (Agave `bpf_loader` serialization for the upgradeable loader, "aligned" ABI)
//! passes the program one pointer to this buffer. All integers are little-endian.
//!
//! ```text
//! offset  size  field
//! 0       8     number of accounts (u64)
//!
//! then, per account, either a non-duplicate record:
//! +0      1     duplicate marker: 0xFF
//! +1      1     is_signer
//! +2      1     is_writable
//! +3      1     executable
//! +4      4     padding
//! +8      32    key
//! +40     32    owner
//! +72     8     lamports (u64)
//! +80     8     data length (u64)
//! +88     n     data
//! +88+n   10240 reallocation area, then zero padding to an 8-byte boundary
//! ...     8     rent epoch (u64)
//!
//! or a duplicate record, 8 bytes:
//! +0      1     index of the earlier account this entry repeats
//! +1      7     padding
//!
//! then:
//! 0       8     instruction data length (u64)
//! +8      m     instruction data
//! +8+m    32    program id
//! ```
//!
//! [`deserialize`] walks the buffer once and stores one [`AccountInfo`] per entry; a duplicate
//! entry gets a copy of the view of the account it repeats.

use core::mem::MaybeUninit;

use crate::account::{AccountInfo, ACCOUNT_HEADER_LEN, NOT_BORROWED};
use crate::pubkey::Pubkey;

/// Maximum number of accounts the entrypoint exposes to the program.
///
/// NOTE: entries past this count are skipped, so the program receives only the first 64 accounts.
/// A legacy transaction locks at most 64 accounts, but an instruction may list duplicates.
pub const MAX_ACCOUNTS: usize = 64;

/// Number of bytes the runtime reserves after each account's data so that a program can grow it.
pub const MAX_PERMITTED_DATA_INCREASE: usize = 10 * 1024;

/// Duplicate marker of the first occurrence of an account.
pub const NON_DUP_MARKER: u8 = NOT_BORROWED;

/// Return code of a successful instruction.
pub const SUCCESS: u64 = 0;

/// Size of a non-duplicate account record without its data and padding: the header, the
/// reallocation area and the rent epoch.
const RECORD_FIXED_LEN: usize = ACCOUNT_HEADER_LEN + MAX_PERMITTED_DATA_INCREASE + 8;

/// Returns the record that follows the non-duplicate record at `record`, whose data is
/// `data_len` bytes long.
///
/// The data and reallocation area are padded to an 8-byte boundary before the rent epoch, and
/// `record` is 8-byte aligned, so rounding the end of the rent epoch up to a multiple of 8
/// gives the same address.
#[inline(always)]
fn next_record(record: *mut u8, data_len: usize) -> *mut u8 {
    // The sums wrap instead of being checked, because the result stays inside the input
    // buffer, which is far smaller than `usize::MAX`, and a check would cost compute units on
    // every account.
    let end = (record as usize).wrapping_add(RECORD_FIXED_LEN + 7).wrapping_add(data_len) & !7;
    end as *mut u8
}

/// Parses the input buffer into the program id, the accounts and the instruction data.
///
/// Returns the program id, the number of initialized entries in `accounts` and the instruction
/// data.
///
/// # Safety
///
/// `input` must point to a buffer laid out as in the module documentation, aligned to 8 bytes,
/// that stays valid and is not otherwise accessed while the returned values are in use. Every
/// duplicate entry must name an earlier entry, as the runtime guarantees.
#[inline(always)]
pub unsafe fn deserialize<'a>(
    input: *mut u8,
    accounts: &mut [MaybeUninit<AccountInfo>; MAX_ACCOUNTS],
) -> (&'a Pubkey, usize, &'a [u8]) {
    let account_count = *(input as *const u64) as usize;
    let stored = account_count.min(MAX_ACCOUNTS);
    let mut record = input.add(8);

    // The loop writes the views through raw pointers without the bounds checks of indexing,
    // because `stored <= MAX_ACCOUNTS`.
    let first = accounts.as_mut_ptr() as *mut AccountInfo;
    let end = first.add(stored);
    let mut view = first;
    while view < end {
        let marker = *record;
        if marker != NON_DUP_MARKER {
            // The runtime writes only indices of earlier entries, so entry `marker` is
            // initialized.
            view.write(*first.add(marker as usize));
            record = record.add(8);
            view = view.add(1);
            continue;
        }
        view.write(AccountInfo::from_raw(record));
        let data_len = *(record.add(80) as *const u64) as usize;
        record = next_record(record, data_len);
        view = view.add(1);
    }

    // Entries past MAX_ACCOUNTS are only skipped.
    let mut index = stored;
    while index < account_count {
        if *record == NON_DUP_MARKER {
            let data_len = *(record.add(80) as *const u64) as usize;
            record = next_record(record, data_len);
        } else {
            record = record.add(8);
        }
        index += 1;
    }

    let data_len = *(record as *const u64) as usize;
    let data = core::slice::from_raw_parts(record.add(8), data_len);
    let program_id = &*(record.add(8).add(data_len) as *const Pubkey);
    (program_id, stored, data)
}

/// Declares the program's `entrypoint` symbol and a panic handler.
///
/// `$process` is a function
/// `fn(&Pubkey, &[AccountInfo], &[u8]) -> ProgramResult`. An error is returned to the runtime
/// as its code (see [`crate::error`]), and the runtime logs it.
#[macro_export]
macro_rules! entrypoint {
    ($process:path) => {
        /// Program entrypoint called by the runtime with the serialized input.
        ///
        /// # Safety
        ///
        /// `input` must be the runtime's input buffer.
        #[no_mangle]
        pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
            let mut accounts = [const { core::mem::MaybeUninit::<$crate::account::AccountInfo>::uninit() };
                $crate::entrypoint::MAX_ACCOUNTS];
            // SAFETY: the runtime passes a buffer in the documented layout.
            let (program_id, count, data) = unsafe { $crate::entrypoint::deserialize(input, &mut accounts) };
            // SAFETY: `deserialize` initialized the first `count` entries.
            let accounts = unsafe {
                core::slice::from_raw_parts(accounts.as_ptr() as *const $crate::account::AccountInfo, count)
            };
            match $process(program_id, accounts, data) {
                Ok(()) => $crate::entrypoint::SUCCESS,
                Err(error) => error.to_code(),
            }
        }

        $crate::panic_handler!();
    };
}

/// Declares a panic handler that logs the panic location and aborts the program.
///
/// Included by [`entrypoint!`]. It is left out of the crate's own `cfg(test)` builds, which
/// link the standard library. On the host (for `cargo check` of a `no_std` program) it spins.
#[macro_export]
macro_rules! panic_handler {
    () => {
        #[cfg(all(not(test), target_arch = "bpf"))]
        #[panic_handler]
        fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
            if let Some(location) = info.location() {
                let file = location.file();
                // SAFETY: `file` is a valid string for the duration of the call.
                unsafe {
                    $crate::syscalls::sol_panic_(
                        file.as_ptr(),
                        file.len() as u64,
                        location.line() as u64,
                        location.column() as u64,
                    )
                }
            }
            // SAFETY: `abort` takes no arguments and does not return.
            unsafe { $crate::syscalls::abort() }
        }

        #[cfg(all(not(test), not(target_arch = "bpf")))]
        #[panic_handler]
        fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
            loop {}
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds an input buffer with the given non-duplicate accounts (key byte, data, signer,
    /// writable) and duplicate entries, in order.
    enum Entry {
        Account { key: u8, data: Vec<u8>, signer: bool, writable: bool },
        Duplicate(u8),
    }

    fn serialize(entries: &[Entry], instruction_data: &[u8], program_id: &Pubkey) -> Vec<u64> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for entry in entries {
            match entry {
                Entry::Account { key, data, signer, writable } => {
                    bytes.extend_from_slice(&[0xFF, *signer as u8, *writable as u8, 0, 0, 0, 0, 0]);
                    bytes.extend_from_slice(&[*key; 32]);
                    bytes.extend_from_slice(&[9u8; 32]);
                    bytes.extend_from_slice(&1_000u64.to_le_bytes());
                    bytes.extend_from_slice(&(data.len() as u64).to_le_bytes());
                    bytes.extend_from_slice(data);
                    bytes.extend(std::iter::repeat(0).take(MAX_PERMITTED_DATA_INCREASE));
                    while bytes.len() % 8 != 0 {
                        bytes.push(0);
                    }
                    bytes.extend_from_slice(&0u64.to_le_bytes());
                }
                Entry::Duplicate(index) => {
                    bytes.extend_from_slice(&[*index, 0, 0, 0, 0, 0, 0, 0]);
                }
            }
        }
        bytes.extend_from_slice(&(instruction_data.len() as u64).to_le_bytes());
        bytes.extend_from_slice(instruction_data);
        bytes.extend_from_slice(program_id);
        while bytes.len() % 8 != 0 {
            bytes.push(0);
        }
        bytes.chunks(8).map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap())).collect()
    }

    #[test]
    fn deserialize_reads_accounts_data_and_program_id() {
        let program_id = [7u8; 32];
        let mut buffer = serialize(
            &[
                Entry::Account { key: 1, data: vec![1, 2, 3], signer: true, writable: false },
                Entry::Account { key: 2, data: vec![], signer: false, writable: true },
                Entry::Duplicate(0),
            ],
            b"hello",
            &program_id,
        );
        let mut storage = [const { MaybeUninit::uninit() }; MAX_ACCOUNTS];
        let (id, count, data) = unsafe { deserialize(buffer.as_mut_ptr() as *mut u8, &mut storage) };
        let accounts = unsafe { core::slice::from_raw_parts(storage.as_ptr() as *const AccountInfo, count) };

        assert_eq!(id, &program_id);
        assert_eq!(data, b"hello");
        assert_eq!(count, 3);
        assert_eq!(accounts[0].key(), &[1u8; 32]);
        assert!(accounts[0].is_signer());
        assert!(!accounts[0].is_writable());
        assert_eq!(accounts[0].lamports(), 1_000);
        assert_eq!(&*accounts[0].try_borrow_data().unwrap(), &[1, 2, 3]);
        assert_eq!(accounts[1].key(), &[2u8; 32]);
        assert_eq!(accounts[1].data_len(), 0);
        assert!(accounts[2].is_same(&accounts[0]));
        assert!(!accounts[1].is_same(&accounts[0]));
    }

    #[test]
    fn duplicate_entries_share_borrow_state() {
        let mut buffer = serialize(
            &[Entry::Account { key: 1, data: vec![0; 4], signer: false, writable: true }, Entry::Duplicate(0)],
            &[],
            &[0; 32],
        );
        let mut storage = [const { MaybeUninit::uninit() }; MAX_ACCOUNTS];
        let (_, count, _) = unsafe { deserialize(buffer.as_mut_ptr() as *mut u8, &mut storage) };
        let accounts = unsafe { core::slice::from_raw_parts(storage.as_ptr() as *const AccountInfo, count) };

        let first = accounts[0].try_borrow_mut_data().unwrap();
        assert_eq!(accounts[1].try_borrow_mut_data().err(), Some(crate::ProgramError::AccountBorrowFailed));
        assert_eq!(accounts[1].try_borrow_data().err(), Some(crate::ProgramError::AccountBorrowFailed));
        drop(first);

        let shared_a = accounts[0].try_borrow_data().unwrap();
        let shared_b = accounts[1].try_borrow_data().unwrap();
        assert_eq!(accounts[0].try_borrow_mut_data().err(), Some(crate::ProgramError::AccountBorrowFailed));
        drop(shared_a);
        drop(shared_b);
        assert!(accounts[1].try_borrow_mut_data().is_ok());
    }

    #[test]
    fn account_checks_return_documented_errors() {
        let mut buffer = serialize(
            &[Entry::Account { key: 1, data: vec![], signer: false, writable: false }],
            &[],
            &[0; 32],
        );
        let mut storage = [const { MaybeUninit::uninit() }; MAX_ACCOUNTS];
        let (_, count, _) = unsafe { deserialize(buffer.as_mut_ptr() as *mut u8, &mut storage) };
        let account = unsafe { storage[0].assume_init() };
        assert_eq!(count, 1);

        use crate::ProgramError as E;
        assert_eq!(account.check_signer(), Err(E::MissingRequiredSignature));
        assert_eq!(account.check_writable(), Err(E::Immutable));
        assert_eq!(account.check_owner(&[8; 32]), Err(E::InvalidAccountOwner));
        assert_eq!(account.check_owner(&[9; 32]), Ok(()));
        assert_eq!(account.check_address(&[2; 32]), Err(E::InvalidArgument));
        assert_eq!(account.check_address(&[1; 32]), Ok(()));
        assert_eq!(account.check_program(&[2; 32]), Err(E::IncorrectProgramId));
        assert_eq!(account.check_data_len(1), Err(E::AccountDataTooSmall));
        assert_eq!(account.set_lamports(5), Err(E::Immutable));
    }
}
