//! Zero-copy views of the accounts in the program's input buffer.
//!
//! An [`AccountInfo`] is a pointer to one account record inside the input buffer (layout in
//! [`crate::entrypoint`]). Reading a key, owner, flag or lamport balance reads the buffer in
//! place, so a change made by a cross-program invocation (a new owner, a new data length) is
//! visible right after the call.
//!
//! # Borrow state
//!
//! The first byte of a record is the duplicate marker, `0xFF` for the first occurrence of an
//! account. The runtime skips that byte when it reads the buffer back, so after
//! deserialization the framework reuses it as the borrow state of the account's data:
//!
//! | value | meaning |
//! | --- | --- |
//! | `0xFF` | not borrowed |
//! | `0x01..=0xFE` | borrowed shared `0xFF - value` times |
//! | `0x00` | borrowed mutably |
//!
//! Duplicate accounts point to the same record, so they share one borrow state: borrowing the
//! data of both entries mutably fails with `AccountBorrowFailed`.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::{pubkey_eq, Pubkey};

/// Borrow state of an account whose data is not borrowed.
pub const NOT_BORROWED: u8 = 0xFF;
const MUTABLY_BORROWED: u8 = 0x00;
const MAX_SHARED_BORROWS_STATE: u8 = 0x01;

/// Fixed header of a non-duplicate account record in the input buffer (88 bytes).
#[repr(C)]
pub(crate) struct AccountHeader {
    /// Duplicate marker in the input, then the data borrow state.
    pub(crate) borrow_state: u8,
    pub(crate) is_signer: u8,
    pub(crate) is_writable: u8,
    pub(crate) executable: u8,
    /// Padding in the input buffer.
    pub(crate) padding: [u8; 4],
    pub(crate) key: Pubkey,
    pub(crate) owner: Pubkey,
    pub(crate) lamports: u64,
    pub(crate) data_len: u64,
}

/// Size of [`AccountHeader`]; the account data starts right after it.
pub const ACCOUNT_HEADER_LEN: usize = 88;
const _: () = assert!(core::mem::size_of::<AccountHeader>() == ACCOUNT_HEADER_LEN);

/// View of one account of the instruction.
///
/// # Invariants
///
/// `raw` points to an [`AccountHeader`] inside the input buffer, followed by `data_len` data
/// bytes and the runtime's 10 KiB reallocation area. The input buffer lives for the whole
/// instruction.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct AccountInfo {
    raw: *mut AccountHeader,
}

impl AccountInfo {
    /// Creates a view of the account record at `raw`.
    ///
    /// # Safety
    ///
    /// `raw` must point to a non-duplicate account record of the input buffer, which must stay
    /// valid for as long as the view is used.
    #[inline(always)]
    pub(crate) unsafe fn from_raw(raw: *mut u8) -> AccountInfo {
        AccountInfo { raw: raw as *mut AccountHeader }
    }

    #[inline(always)]
    fn header(&self) -> &AccountHeader {
        // SAFETY: by the type's invariant `raw` points to a valid header.
        unsafe { &*self.raw }
    }

    /// Returns the account's address.
    #[inline(always)]
    pub fn key(&self) -> &Pubkey {
        &self.header().key
    }

    /// Returns the program that owns the account.
    ///
    /// A cross-program invocation can change the owner (for example `create_account`), so read
    /// it again after a CPI instead of keeping the reference.
    #[inline(always)]
    pub fn owner(&self) -> &Pubkey {
        &self.header().owner
    }

    /// Returns whether the transaction signed for this account.
    #[inline(always)]
    pub fn is_signer(&self) -> bool {
        self.header().is_signer != 0
    }

    /// Returns whether the instruction may modify this account.
    #[inline(always)]
    pub fn is_writable(&self) -> bool {
        self.header().is_writable != 0
    }

    /// Returns whether the account is a program (executable) account.
    #[inline(always)]
    pub fn executable(&self) -> bool {
        self.header().executable != 0
    }

    /// Returns the account's balance in lamports.
    #[inline(always)]
    pub fn lamports(&self) -> u64 {
        self.header().lamports
    }

    /// Returns the length of the account's data in bytes.
    #[inline(always)]
    pub fn data_len(&self) -> usize {
        self.header().data_len as usize
    }

    /// Returns whether `self` and `other` are the same account, including duplicate entries.
    #[inline(always)]
    pub fn is_same(&self, other: &AccountInfo) -> bool {
        self.raw == other.raw
    }

    /// Returns whether the account's data is borrowed in any way.
    #[inline(always)]
    pub fn is_borrowed(&self) -> bool {
        self.header().borrow_state != NOT_BORROWED
    }

    /// Returns whether the account's data is borrowed mutably.
    #[inline(always)]
    pub fn is_borrowed_mut(&self) -> bool {
        self.header().borrow_state == MUTABLY_BORROWED
    }

    /// Returns the signer flag as the runtime wrote it (0 or 1), for the CPI account info.
    #[inline(always)]
    pub(crate) fn is_signer_byte(&self) -> u8 {
        self.header().is_signer
    }

    /// Returns the writable flag as the runtime wrote it (0 or 1), for the CPI account info.
    #[inline(always)]
    pub(crate) fn is_writable_byte(&self) -> u8 {
        self.header().is_writable
    }

    /// Returns the executable flag as the runtime wrote it (0 or 1), for the CPI account info.
    #[inline(always)]
    pub(crate) fn executable_byte(&self) -> u8 {
        self.header().executable
    }

    /// Returns a pointer to the lamports field, for the CPI account info.
    #[inline(always)]
    pub(crate) fn lamports_ptr(&self) -> *mut u64 {
        // SAFETY: the header is valid, and `addr_of_mut!` creates no reference.
        unsafe { core::ptr::addr_of_mut!((*self.raw).lamports) }
    }

    /// Returns a pointer to the first byte of the account's data.
    #[inline(always)]
    pub fn data_ptr(&self) -> *mut u8 {
        // SAFETY: the data starts right after the 88-byte header, inside the input buffer.
        unsafe { (self.raw as *mut u8).add(ACCOUNT_HEADER_LEN) }
    }

    /// Borrows the account's data for reading.
    ///
    /// Returns `AccountBorrowFailed` if the data is borrowed mutably or already borrowed 254
    /// times.
    pub fn try_borrow_data(&self) -> Result<Ref<'_, [u8]>, ProgramError> {
        let state = self.raw as *mut u8;
        // SAFETY: `state` is the header's first byte, which the framework owns after parsing.
        unsafe {
            if *state <= MAX_SHARED_BORROWS_STATE {
                return Err(ProgramError::AccountBorrowFailed);
            }
            *state -= 1;
            Ok(Ref {
                value: core::slice::from_raw_parts(self.data_ptr(), self.data_len()),
                state,
                marker: PhantomData,
            })
        }
    }

    /// Borrows the account's data for writing.
    ///
    /// Returns `AccountBorrowFailed` if the data is borrowed in any way, including through a
    /// duplicate entry of the same account. This does not check that the account is writable:
    /// call [`AccountInfo::check_writable`] first, or the runtime rejects the change when the
    /// instruction ends.
    pub fn try_borrow_mut_data(&self) -> Result<RefMut<'_, [u8]>, ProgramError> {
        let state = self.raw as *mut u8;
        // SAFETY: as in `try_borrow_data`. No other borrow exists once the state is checked.
        unsafe {
            if *state != NOT_BORROWED {
                return Err(ProgramError::AccountBorrowFailed);
            }
            *state = MUTABLY_BORROWED;
            Ok(RefMut {
                value: core::slice::from_raw_parts_mut(self.data_ptr(), self.data_len()),
                state,
                marker: PhantomData,
            })
        }
    }

    /// Returns the account's data without taking a borrow.
    ///
    /// For a typed view that must stay valid across a cross-program invocation, where a borrow
    /// taken with [`AccountInfo::try_borrow_data`] would make the invocation fail with
    /// `AccountBorrowFailed`. A CPI can change the data and its length, so take the slice again
    /// after one.
    ///
    /// # Safety
    ///
    /// No mutable reference to the data may exist while the slice lives, including one taken
    /// through a duplicate entry of the same account.
    #[inline(always)]
    pub unsafe fn borrow_data_unchecked(&self) -> &[u8] {
        core::slice::from_raw_parts(self.data_ptr(), self.data_len())
    }

    /// Returns the account's data for writing without taking a borrow.
    ///
    /// This does not check that the account is writable, as [`AccountInfo::try_borrow_mut_data`]
    /// does not either.
    ///
    /// # Safety
    ///
    /// No other reference to the data may exist while the slice lives, including one taken
    /// through a duplicate entry of the same account.
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    pub unsafe fn borrow_mut_data_unchecked(&self) -> &mut [u8] {
        core::slice::from_raw_parts_mut(self.data_ptr(), self.data_len())
    }

    /// Sets the account's balance.
    ///
    /// Returns `Immutable` if the account is not writable. The runtime also checks at the end of
    /// the instruction that lamports were only taken from accounts the program owns and that the
    /// total is unchanged.
    pub fn set_lamports(&self, lamports: u64) -> ProgramResult {
        self.check_writable()?;
        // SAFETY: the header is valid and the lamports field is not borrowed by reference.
        unsafe { (*self.raw).lamports = lamports };
        Ok(())
    }

    /// Closes a program-owned account: moves all its lamports to `destination`, zeroes its data,
    /// shrinks it to 0 bytes and gives it to the System program.
    ///
    /// The runtime accepts each step only when the calling program owns the account and both
    /// accounts are writable. It deletes the account when the transaction ends, and the zeroed
    /// data keeps a refunded copy from passing a discriminator check before then. Returns
    /// `Immutable` if either account is read-only, `AccountBorrowFailed` if the data is
    /// borrowed, `InvalidArgument` when `destination` is the account itself, and
    /// `ArithmeticOverflow` if the destination balance would overflow.
    pub fn close_to(&self, destination: &AccountInfo) -> ProgramResult {
        self.check_writable()?;
        destination.check_writable()?;
        if self.is_same(destination) {
            return Err(ProgramError::InvalidArgument);
        }
        let total = destination.lamports().checked_add(self.lamports()).ok_or(ProgramError::ArithmeticOverflow)?;

        self.try_borrow_mut_data()?.fill(0);
        // SAFETY: the header is valid and nothing borrows the account's data, which was just
        // released. Writing the length and owner in the input buffer is how a program resizes
        // and reassigns an account it owns.
        unsafe {
            (*self.raw).data_len = 0;
            (*self.raw).owner = crate::pubkey::SYSTEM_PROGRAM_ID;
            (*self.raw).lamports = 0;
            (*destination.raw).lamports = total;
        }
        Ok(())
    }

    /// Returns `MissingRequiredSignature` unless the account signed the transaction.
    #[inline(always)]
    pub fn check_signer(&self) -> ProgramResult {
        if !self.is_signer() {
            return Err(ProgramError::MissingRequiredSignature);
        }
        Ok(())
    }

    /// Returns `Immutable` unless the account is writable in this instruction.
    #[inline(always)]
    pub fn check_writable(&self) -> ProgramResult {
        if !self.is_writable() {
            return Err(ProgramError::Immutable);
        }
        Ok(())
    }

    /// Returns `InvalidAccountOwner` unless `owner` owns the account.
    #[inline(always)]
    pub fn check_owner(&self, owner: &Pubkey) -> ProgramResult {
        if !pubkey_eq(self.owner(), owner) {
            return Err(ProgramError::InvalidAccountOwner);
        }
        Ok(())
    }

    /// Returns `InvalidArgument` unless the account's address is `expected`.
    #[inline(always)]
    pub fn check_address(&self, expected: &Pubkey) -> ProgramResult {
        if !pubkey_eq(self.key(), expected) {
            return Err(ProgramError::InvalidArgument);
        }
        Ok(())
    }

    /// Returns `IncorrectProgramId` unless the account is the program at `expected`.
    #[inline(always)]
    pub fn check_program(&self, expected: &Pubkey) -> ProgramResult {
        if !pubkey_eq(self.key(), expected) {
            return Err(ProgramError::IncorrectProgramId);
        }
        Ok(())
    }

    /// Returns `AccountDataTooSmall` unless the account has at least `min_len` data bytes.
    #[inline(always)]
    pub fn check_data_len(&self, min_len: usize) -> ProgramResult {
        if self.data_len() < min_len {
            return Err(ProgramError::AccountDataTooSmall);
        }
        Ok(())
    }
}

/// Shared borrow of account data, released when dropped.
pub struct Ref<'a, T: ?Sized> {
    value: &'a T,
    state: *mut u8,
    marker: PhantomData<&'a ()>,
}

impl<T: ?Sized> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> Drop for Ref<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `state` is the borrow-state byte that this guard decremented.
        unsafe { *self.state += 1 };
    }
}

/// Mutable borrow of account data, released when dropped.
pub struct RefMut<'a, T: ?Sized> {
    value: &'a mut T,
    state: *mut u8,
    marker: PhantomData<&'a mut ()>,
}

impl<T: ?Sized> Deref for RefMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> DerefMut for RefMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T: ?Sized> Drop for RefMut<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `state` is the borrow-state byte that this guard set to mutably borrowed.
        unsafe { *self.state = NOT_BORROWED };
    }
}
