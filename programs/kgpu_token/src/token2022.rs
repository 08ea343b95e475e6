//! Reads of Token-2022 account data, and the K-GPU mint's size and metadata.
//!
//! The instructions this program invokes are the builders of `kgpu_framework::cpi::token2022`.
//!
//! Mint data (base 82 bytes): `0..36` mint authority (COption), `36..44` supply, `44` decimals,
//! `45` is_initialized, `46..82` freeze authority. Token account data (base 165 bytes): `0..32`
//! mint, `32..64` owner, `64..72` amount, `108` state (1 initialized, 2 frozen). With extensions,
//! byte 165 is the account type (1 mint, 2 token account) and TLV entries follow.

use kgpu_framework::cpi::token2022::{
    layout, token_metadata_len, AccountState, ACCOUNT_LEN, MINT_LEN, MINT_WITH_KGPU_EXTENSIONS_LEN,
};
use kgpu_framework::bytes::read_u64_le;
use kgpu_framework::pubkey::{pubkey_eq, Pubkey, TOKEN_2022_PROGRAM_ID};
use kgpu_framework::AccountInfo;

use crate::accounts::{AccountChecks, ProgramResult};
use crate::error::TokenError;

/// K-GPU has no decimal places: one unit is one KRW.
pub const DECIMALS: u8 = 0;

/// Account type byte of a token account with extensions.
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;

/// Size of the mint account before token metadata: base mint, padding to 165, account type byte,
/// then MetadataPointer (4 + 64), DefaultAccountState (4 + 1) and PermanentDelegate (4 + 32).
pub const MINT_LEN_BEFORE_METADATA: usize = MINT_WITH_KGPU_EXTENSIONS_LEN;

/// Token metadata fields, UTF-8.
pub struct Metadata<'a> {
    pub name: &'a str,
    pub symbol: &'a str,
    pub uri: &'a str,
}

impl Metadata<'_> {
    /// Returns whether name, symbol and uri are all empty, which means "write no metadata".
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.symbol.is_empty() && self.uri.is_empty()
    }

    /// Returns the bytes token metadata adds to the mint: TLV header, update authority, mint,
    /// three Borsh strings and an empty additional-metadata vector.
    pub fn len(&self) -> usize {
        token_metadata_len(self.name.len(), self.symbol.len(), self.uri.len())
    }
}

/// Rejects `program` unless it is the Token-2022 program.
pub fn require_token_program(program: &AccountInfo) -> ProgramResult {
    program.require_address(&TOKEN_2022_PROGRAM_ID)
}

/// Returns the eight little-endian bytes of `data` at `offset` as a u64. Panics unless they
/// lie inside `data`.
///
/// Account data starts on an 8-byte boundary, so the token amount at offset 64 is one load
/// and the mint supply at offset 36 two.
#[inline(always)]
fn read_u64(data: &[u8], offset: usize) -> u64 {
    read_u64_le(&data[offset..offset + 8]).expect("the range is 8 bytes long")
}

/// Returns the 32 bytes of `data` at `offset` as an address, in place.
#[inline(always)]
fn pubkey_at(data: &[u8], offset: usize) -> &Pubkey {
    let bytes = &data[offset..offset + 32];
    // SAFETY: `bytes` has exactly 32 bytes and `Pubkey` has alignment 1.
    unsafe { &*(bytes.as_ptr() as *const Pubkey) }
}

/// Returns the supply of a Token-2022 mint.
pub fn mint_supply(mint: &AccountInfo) -> Result<u64, TokenError> {
    mint.require_owner(&TOKEN_2022_PROGRAM_ID)?;
    // SAFETY: this program holds no mutable reference to a mint's data.
    let data = unsafe { mint.borrow_data_unchecked() };
    if data.len() < MINT_LEN {
        return Err(TokenError::InvalidAccountData);
    }
    Ok(read_u64(data, layout::MINT_SUPPLY))
}

/// Token-2022 `ExtensionType::ImmutableOwner`. Associated token accounts always carry it.
const EXTENSION_IMMUTABLE_OWNER: u16 = 7;

/// The fields of a K-GPU token account this program uses.
pub struct TokenAccount<'a> {
    /// The owner field in the account data, which no instruction of this program changes.
    pub owner: &'a Pubkey,
    pub amount: u64,
    pub frozen: bool,
    /// Whether the account has the ImmutableOwner extension. Without it, the owner can hand the
    /// account to another wallet with `SetAuthority`, so a KYC check on the current owner would
    /// not cover the new owner after a thaw.
    pub immutable_owner: bool,
}

/// Returns whether the TLV extension area of a token account (the bytes after the account type
/// byte) contains `extension`. Each entry is a u16 type, a u16 length and the value.
fn has_extension(tlv: &[u8], extension: u16) -> bool {
    let mut offset = 0;
    while offset + 4 <= tlv.len() {
        let kind = u16::from_le_bytes([tlv[offset], tlv[offset + 1]]);
        if kind == extension {
            return true;
        }
        // Type 0 (Uninitialized) marks the end of the written entries.
        if kind == 0 {
            return false;
        }
        let length = u16::from_le_bytes([tlv[offset + 2], tlv[offset + 3]]) as usize;
        offset += 4 + length;
    }
    false
}

/// Reads `account` as a Token-2022 token account of `mint`.
pub fn load_token_account<'a>(account: &'a AccountInfo, mint: &Pubkey) -> Result<TokenAccount<'a>, TokenError> {
    account.require_owner(&TOKEN_2022_PROGRAM_ID)?;
    // SAFETY: this program holds no mutable reference to a token account's data.
    let data = unsafe { account.borrow_data_unchecked() };
    if data.len() < ACCOUNT_LEN || (data.len() > ACCOUNT_LEN && data[ACCOUNT_LEN] != ACCOUNT_TYPE_ACCOUNT) {
        return Err(TokenError::InvalidTokenAccount);
    }
    if !pubkey_eq(pubkey_at(data, layout::ACCOUNT_MINT), mint) {
        return Err(TokenError::InvalidTokenAccount);
    }
    let owner = pubkey_at(data, layout::ACCOUNT_OWNER);
    let immutable_owner = data.len() > ACCOUNT_LEN + 1 && has_extension(&data[ACCOUNT_LEN + 1..], EXTENSION_IMMUTABLE_OWNER);
    Ok(TokenAccount {
        owner,
        amount: read_u64(data, layout::ACCOUNT_AMOUNT),
        frozen: data[layout::ACCOUNT_STATE] == AccountState::Frozen as u8,
        immutable_owner,
    })
}
