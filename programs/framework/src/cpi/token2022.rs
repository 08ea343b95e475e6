//! SPL Token-2022 instructions and account sizes.
//!
//! Encodings follow `spl-token-2022` `instruction.rs` (`TokenInstruction`, one-byte index) and
//! the extension instruction modules; the token-metadata interface follows
//! `spl-token-metadata-interface` (an 8-byte discriminator, then Borsh fields):
//!
//! ```text
//! index  instruction                      data after the index byte
//! 7      MintTo                           amount u64
//! 8      Burn                             amount u64
//! 10     FreezeAccount                    -
//! 11     ThawAccount                      -
//! 12     TransferChecked                  amount u64, decimals u8
//! 14     MintToChecked                    amount u64, decimals u8
//! 15     BurnChecked                      amount u64, decimals u8
//! 18     InitializeAccount3               owner [32]
//! 20     InitializeMint2                  decimals u8, mint_authority [32], freeze_authority COption
//!                                         (1-byte tag, then 32 bytes only when the tag is 1)
//! 28 0   DefaultAccountState Initialize   state u8 (1 = Initialized, 2 = Frozen)
//! 35     InitializePermanentDelegate      delegate [32]
//! 39 0   MetadataPointer Initialize       authority [32], metadata_address [32] (zeros = None)
//!
//! token metadata Initialize: sha256("spl_token_metadata_interface:initialize_account")[..8]
//!   = d2 e1 1e a2 58 b8 4d 8d, then name, symbol, uri as Borsh strings (u32 length + UTF-8)
//! ```
//!
//! Extensions must be initialized after the account is created and before `InitializeMint2`,
//! except the token metadata, which needs an initialized mint. Token-2022 reallocates the mint
//! for the metadata, so the mint must already hold the lamports for the larger size.

use core::mem::MaybeUninit;

use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountInfo;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::{Pubkey, TOKEN_2022_PROGRAM_ID};

/// Size of a base mint.
pub const MINT_LEN: usize = 82;
/// Size of a token account without extensions.
pub const ACCOUNT_LEN: usize = 165;
/// Size of any account with extensions before its first TLV entry: the base data padded to
/// [`ACCOUNT_LEN`] plus the one-byte account type.
pub const EXTENDED_BASE_LEN: usize = ACCOUNT_LEN + 1;
/// Size of a TLV entry header (type u16, length u16).
pub const TLV_HEADER_LEN: usize = 4;
/// Value size of the `MetadataPointer` mint extension.
pub const METADATA_POINTER_LEN: usize = 64;
/// Value size of the `DefaultAccountState` mint extension.
pub const DEFAULT_ACCOUNT_STATE_LEN: usize = 1;
/// Value size of the `PermanentDelegate` mint extension.
pub const PERMANENT_DELEGATE_LEN: usize = 32;
/// Value size of the `ImmutableOwner` account extension that the ATA program adds.
pub const IMMUTABLE_OWNER_LEN: usize = 0;

/// Size of a mint with `MetadataPointer`, `DefaultAccountState` and `PermanentDelegate` (275).
pub const MINT_WITH_KGPU_EXTENSIONS_LEN: usize = extended_len(&[
    METADATA_POINTER_LEN,
    DEFAULT_ACCOUNT_STATE_LEN,
    PERMANENT_DELEGATE_LEN,
]);

/// Size of a token account with only `ImmutableOwner`, as the ATA program creates it (170).
pub const ACCOUNT_WITH_IMMUTABLE_OWNER_LEN: usize = extended_len(&[IMMUTABLE_OWNER_LEN]);

/// Returns the size of an account whose extensions have the given value sizes.
pub const fn extended_len(extension_value_lens: &[usize]) -> usize {
    let mut len = EXTENDED_BASE_LEN;
    let mut index = 0;
    while index < extension_value_lens.len() {
        len += TLV_HEADER_LEN + extension_value_lens[index];
        index += 1;
    }
    len
}

/// Returns the size of the `TokenMetadata` TLV entry, header included, for metadata without
/// additional fields: update authority, mint, three Borsh strings and an empty vector.
pub const fn token_metadata_len(name_len: usize, symbol_len: usize, uri_len: usize) -> usize {
    TLV_HEADER_LEN + 32 + 32 + (4 + name_len) + (4 + symbol_len) + (4 + uri_len) + 4
}

/// Token-metadata interface discriminator of `Initialize`.
pub const TOKEN_METADATA_INITIALIZE: [u8; 8] =
    crate::discriminator::prefixed_discriminator("spl_token_metadata_interface:initialize_account");

/// State of a token account, stored at byte 108.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountState {
    /// Not initialized.
    Uninitialized = 0,
    /// Usable.
    Initialized = 1,
    /// Frozen by the mint's freeze authority.
    Frozen = 2,
}

/// Returns `IncorrectProgramId` unless `program` is the Token-2022 program.
#[inline(always)]
pub fn check_token_2022_program(program: &AccountInfo) -> ProgramResult {
    program.check_program(&TOKEN_2022_PROGRAM_ID)
}

/// Offsets of base token-account and mint fields, shared by SPL Token and Token-2022.
pub mod layout {
    /// Token account: mint address.
    pub const ACCOUNT_MINT: usize = 0;
    /// Token account: owner address.
    pub const ACCOUNT_OWNER: usize = 32;
    /// Token account: balance u64.
    pub const ACCOUNT_AMOUNT: usize = 64;
    /// Token account: state u8.
    pub const ACCOUNT_STATE: usize = 108;
    /// Mint: supply u64.
    pub const MINT_SUPPLY: usize = 36;
    /// Mint: decimals u8.
    pub const MINT_DECIMALS: usize = 44;
    /// Mint: is_initialized u8.
    pub const MINT_IS_INITIALIZED: usize = 45;
}

/// Reads the balance of a token account from its data.
pub fn read_account_amount(data: &[u8]) -> Result<u64, ProgramError> {
    read_u64_at(data, layout::ACCOUNT_AMOUNT)
}

/// Reads the supply of a mint from its data.
pub fn read_mint_supply(data: &[u8]) -> Result<u64, ProgramError> {
    read_u64_at(data, layout::MINT_SUPPLY)
}

fn read_u64_at(data: &[u8], offset: usize) -> Result<u64, ProgramError> {
    let bytes = data.get(offset..offset + 8).ok_or(ProgramError::InvalidAccountData)?;
    let mut array = [0u8; 8];
    array.copy_from_slice(bytes);
    Ok(u64::from_le_bytes(array))
}

/// `InitializeMint2` (index 20): initializes a mint created with the right size.
///
/// Accounts:
///   0. `[WRITE]` mint
pub struct InitializeMint2<'a> {
    /// Mint to initialize.
    pub mint: &'a AccountInfo,
    /// Number of decimals of the token.
    pub decimals: u8,
    /// Authority that can mint.
    pub mint_authority: &'a Pubkey,
    /// Authority that can freeze and thaw token accounts.
    pub freeze_authority: Option<&'a Pubkey>,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl InitializeMint2<'_> {
    /// Instruction index.
    pub const INDEX: u8 = 20;

    /// Invokes the instruction.
    pub fn invoke(&self) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let mut data = [0u8; 67];
        data[0] = Self::INDEX;
        data[1] = self.decimals;
        data[2..34].copy_from_slice(self.mint_authority);
        let len = match self.freeze_authority {
            Some(freeze_authority) => {
                data[34] = 1;
                data[35..67].copy_from_slice(freeze_authority);
                67
            }
            None => 35,
        };
        let metas = [AccountMeta::writable(self.mint.key())];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: &data[..len] };
        invoke_signed(&instruction, &[self.mint], &[])
    }
}

/// `MetadataPointer` `Initialize` (index 39, 0): records where the mint's metadata lives.
///
/// Accounts:
///   0. `[WRITE]` mint, created but not yet initialized
pub struct InitializeMetadataPointer<'a> {
    /// Mint to extend.
    pub mint: &'a AccountInfo,
    /// Authority that can change the pointer, or `None`.
    pub authority: Option<&'a Pubkey>,
    /// Account that stores the metadata, usually the mint itself.
    pub metadata_address: Option<&'a Pubkey>,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl InitializeMetadataPointer<'_> {
    /// Instruction index of `MetadataPointerExtension`.
    pub const INDEX: u8 = 39;

    /// Invokes the instruction.
    pub fn invoke(&self) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let mut data = [0u8; 66];
        data[0] = Self::INDEX;
        data[1] = 0;
        if let Some(authority) = self.authority {
            data[2..34].copy_from_slice(authority);
        }
        if let Some(metadata_address) = self.metadata_address {
            data[34..66].copy_from_slice(metadata_address);
        }
        invoke_mint_extension(self.mint, &data)
    }
}

/// `DefaultAccountState` `Initialize` (index 28, 0): sets the state of new token accounts.
///
/// Accounts:
///   0. `[WRITE]` mint, created but not yet initialized
pub struct InitializeDefaultAccountState<'a> {
    /// Mint to extend.
    pub mint: &'a AccountInfo,
    /// State that every new token account of the mint starts in.
    pub state: AccountState,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl InitializeDefaultAccountState<'_> {
    /// Instruction index of `DefaultAccountStateExtension`.
    pub const INDEX: u8 = 28;

    /// Invokes the instruction.
    pub fn invoke(&self) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        invoke_mint_extension(self.mint, &[Self::INDEX, 0, self.state as u8])
    }
}

/// `InitializePermanentDelegate` (index 35): a delegate that can transfer or burn from every
/// token account of the mint.
///
/// Accounts:
///   0. `[WRITE]` mint, created but not yet initialized
pub struct InitializePermanentDelegate<'a> {
    /// Mint to extend.
    pub mint: &'a AccountInfo,
    /// The permanent delegate.
    pub delegate: &'a Pubkey,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl InitializePermanentDelegate<'_> {
    /// Instruction index.
    pub const INDEX: u8 = 35;

    /// Invokes the instruction.
    pub fn invoke(&self) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let mut data = [0u8; 33];
        data[0] = Self::INDEX;
        data[1..33].copy_from_slice(self.delegate);
        invoke_mint_extension(self.mint, &data)
    }
}

fn invoke_mint_extension(mint: &AccountInfo, data: &[u8]) -> ProgramResult {
    let metas = [AccountMeta::writable(mint.key())];
    let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data };
    invoke_signed(&instruction, &[mint], &[])
}

/// Maximum total length of name, symbol and URI that [`InitializeTokenMetadata`] encodes.
pub const MAX_METADATA_STRINGS_LEN: usize = 512;

/// Token-metadata interface `Initialize`: stores name, symbol and URI in the mint.
///
/// Accounts:
///   0. `[WRITE]` metadata account (the mint itself for Token-2022)
///   1. `[]` update authority
///   2. `[]` mint
///   3. `[SIGNER]` mint authority
pub struct InitializeTokenMetadata<'a> {
    /// Account that stores the metadata; Token-2022 requires the mint.
    pub metadata: &'a AccountInfo,
    /// Authority that can update the metadata.
    pub update_authority: &'a AccountInfo,
    /// Initialized mint.
    pub mint: &'a AccountInfo,
    /// Mint authority, which must sign.
    pub mint_authority: &'a AccountInfo,
    /// Token name.
    pub name: &'a str,
    /// Token symbol.
    pub symbol: &'a str,
    /// URI of the off-chain metadata.
    pub uri: &'a str,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl InitializeTokenMetadata<'_> {
    /// Invokes the instruction, signing for a PDA mint authority in `signers`.
    ///
    /// Returns `InvalidArgument` if name, symbol and URI together exceed
    /// [`MAX_METADATA_STRINGS_LEN`] bytes.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let strings_len = self.name.len() + self.symbol.len() + self.uri.len();
        if strings_len > MAX_METADATA_STRINGS_LEN {
            return Err(ProgramError::InvalidArgument);
        }

        let mut data = [0u8; 8 + 12 + MAX_METADATA_STRINGS_LEN];
        data[..8].copy_from_slice(&TOKEN_METADATA_INITIALIZE);
        let mut offset = 8;
        for value in [self.name, self.symbol, self.uri] {
            data[offset..offset + 4].copy_from_slice(&(value.len() as u32).to_le_bytes());
            offset += 4;
            data[offset..offset + value.len()].copy_from_slice(value.as_bytes());
            offset += value.len();
        }

        let metas = [
            AccountMeta::writable(self.metadata.key()),
            AccountMeta::readonly(self.update_authority.key()),
            AccountMeta::readonly(self.mint.key()),
            AccountMeta::readonly_signer(self.mint_authority.key()),
        ];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: &data[..offset] };
        invoke_signed(
            &instruction,
            &[self.metadata, self.update_authority, self.mint, self.mint_authority],
            signers,
        )
    }
}

/// `InitializeAccount3` (index 18): initializes a token account created with the right size.
///
/// Accounts:
///   0. `[WRITE]` token account
///   1. `[]` mint
pub struct InitializeAccount3<'a> {
    /// Token account to initialize.
    pub account: &'a AccountInfo,
    /// Mint of the account.
    pub mint: &'a AccountInfo,
    /// Owner of the account.
    pub owner: &'a Pubkey,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl InitializeAccount3<'_> {
    /// Instruction index.
    pub const INDEX: u8 = 18;

    /// Invokes the instruction.
    pub fn invoke(&self) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let mut data = [0u8; 33];
        data[0] = Self::INDEX;
        data[1..33].copy_from_slice(self.owner);
        let metas = [AccountMeta::writable(self.account.key()), AccountMeta::readonly(self.mint.key())];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(&instruction, &[self.account, self.mint], &[])
    }
}

/// Instruction data `[index, amount (u64 LE), decimals?]`.
///
/// The index sits in the byte before an 8-byte boundary, so the amount is one aligned store.
/// Packed bytes would take eight byte stores.
#[repr(C, align(8))]
struct AmountData {
    /// Never read, because the data starts at `index`.
    padding: [MaybeUninit<u8>; 7],
    index: u8,
    amount: u64,
    decimals: u8,
    /// 9 without decimals, 10 with them.
    len: usize,
}

impl AmountData {
    #[inline(always)]
    fn new(index: u8, amount: u64, decimals: Option<u8>) -> AmountData {
        let (decimals, len) = match decimals {
            Some(decimals) => (decimals, 10),
            None => (0, 9),
        };
        AmountData { padding: [MaybeUninit::uninit(); 7], index, amount: amount.to_le(), decimals, len }
    }

    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: `index`, `amount` and `decimals` are bytes 7..17 of the `#[repr(C)]` struct,
        // without padding between them, and `len` is at most 10.
        unsafe { core::slice::from_raw_parts((self as *const AmountData as *const u8).add(7), self.len) }
    }
}

/// `MintTo` (index 7), or `MintToChecked` (index 14) when `decimals` is set.
///
/// Accounts:
///   0. `[WRITE]` mint
///   1. `[WRITE]` destination token account
///   2. `[SIGNER]` mint authority
pub struct MintTo<'a> {
    /// Mint.
    pub mint: &'a AccountInfo,
    /// Destination token account.
    pub account: &'a AccountInfo,
    /// Mint authority.
    pub authority: &'a AccountInfo,
    /// Amount in base units.
    pub amount: u64,
    /// Decimals the mint must have, which selects `MintToChecked`.
    pub decimals: Option<u8>,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl MintTo<'_> {
    /// Index of `MintTo`.
    pub const INDEX: u8 = 7;
    /// Index of `MintToChecked`.
    pub const CHECKED_INDEX: u8 = 14;

    /// Invokes the instruction, signing for a PDA authority in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let index = if self.decimals.is_some() { Self::CHECKED_INDEX } else { Self::INDEX };
        let data = AmountData::new(index, self.amount, self.decimals);
        let metas = [
            AccountMeta::writable(self.mint.key()),
            AccountMeta::writable(self.account.key()),
            AccountMeta::readonly_signer(self.authority.key()),
        ];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
        invoke_signed(&instruction, &[self.mint, self.account, self.authority], signers)
    }
}

/// `Burn` (index 8), or `BurnChecked` (index 15) when `decimals` is set.
///
/// Accounts:
///   0. `[WRITE]` token account
///   1. `[WRITE]` mint
///   2. `[SIGNER]` owner, delegate or permanent delegate
pub struct Burn<'a> {
    /// Token account to burn from.
    pub account: &'a AccountInfo,
    /// Mint.
    pub mint: &'a AccountInfo,
    /// Owner, delegate or permanent delegate.
    pub authority: &'a AccountInfo,
    /// Amount in base units.
    pub amount: u64,
    /// Decimals the mint must have, which selects `BurnChecked`.
    pub decimals: Option<u8>,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl Burn<'_> {
    /// Index of `Burn`.
    pub const INDEX: u8 = 8;
    /// Index of `BurnChecked`.
    pub const CHECKED_INDEX: u8 = 15;

    /// Invokes the instruction, signing for a PDA authority in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let index = if self.decimals.is_some() { Self::CHECKED_INDEX } else { Self::INDEX };
        let data = AmountData::new(index, self.amount, self.decimals);
        let metas = [
            AccountMeta::writable(self.account.key()),
            AccountMeta::writable(self.mint.key()),
            AccountMeta::readonly_signer(self.authority.key()),
        ];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
        invoke_signed(&instruction, &[self.account, self.mint, self.authority], signers)
    }
}

/// `TransferChecked` (index 12).
///
/// Accounts:
///   0. `[WRITE]` source token account
///   1. `[]` mint
///   2. `[WRITE]` destination token account
///   3. `[SIGNER]` owner, delegate or permanent delegate of the source
pub struct TransferChecked<'a> {
    /// Source token account.
    pub source: &'a AccountInfo,
    /// Mint.
    pub mint: &'a AccountInfo,
    /// Destination token account.
    pub destination: &'a AccountInfo,
    /// Owner, delegate or permanent delegate of the source.
    pub authority: &'a AccountInfo,
    /// Amount in base units.
    pub amount: u64,
    /// Decimals the mint must have.
    pub decimals: u8,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl TransferChecked<'_> {
    /// Instruction index.
    pub const INDEX: u8 = 12;

    /// Invokes the instruction, signing for a PDA authority in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let data = AmountData::new(Self::INDEX, self.amount, Some(self.decimals));
        let metas = [
            AccountMeta::writable(self.source.key()),
            AccountMeta::readonly(self.mint.key()),
            AccountMeta::writable(self.destination.key()),
            AccountMeta::readonly_signer(self.authority.key()),
        ];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: data.as_bytes() };
        invoke_signed(
            &instruction,
            &[self.source, self.mint, self.destination, self.authority],
            signers,
        )
    }
}

/// `FreezeAccount` (index 10) or `ThawAccount` (index 11).
///
/// Accounts:
///   0. `[WRITE]` token account
///   1. `[]` mint
///   2. `[SIGNER]` freeze authority of the mint
pub struct SetFrozen<'a> {
    /// Token account to freeze or thaw.
    pub account: &'a AccountInfo,
    /// Mint.
    pub mint: &'a AccountInfo,
    /// Freeze authority.
    pub freeze_authority: &'a AccountInfo,
    /// `true` freezes the account, `false` thaws it.
    pub freeze: bool,
    /// Token-2022 program account, checked by address.
    pub token_program: &'a AccountInfo,
}

impl SetFrozen<'_> {
    /// Index of `FreezeAccount`.
    pub const FREEZE_INDEX: u8 = 10;
    /// Index of `ThawAccount`.
    pub const THAW_INDEX: u8 = 11;

    /// Invokes the instruction, signing for a PDA freeze authority in `signers`.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        check_token_2022_program(self.token_program)?;
        let data = [if self.freeze { Self::FREEZE_INDEX } else { Self::THAW_INDEX }];
        let metas = [
            AccountMeta::writable(self.account.key()),
            AccountMeta::readonly(self.mint.key()),
            AccountMeta::readonly_signer(self.freeze_authority.key()),
        ];
        let instruction = Instruction { program_id: &TOKEN_2022_PROGRAM_ID, accounts: &metas, data: &data };
        invoke_signed(&instruction, &[self.account, self.mint, self.freeze_authority], signers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kgpu_mint_len_is_275() {
        assert_eq!(MINT_WITH_KGPU_EXTENSIONS_LEN, 275);
        assert_eq!(ACCOUNT_WITH_IMMUTABLE_OWNER_LEN, 170);
    }

    #[test]
    fn metadata_initialize_discriminator() {
        assert_eq!(TOKEN_METADATA_INITIALIZE, [210, 225, 30, 162, 88, 184, 77, 141]);
    }

    #[test]
    fn amount_data_checked_and_unchecked() {
        let data = AmountData::new(7, 0x0102, None);
        assert_eq!(data.as_bytes(), &[7, 2, 1, 0, 0, 0, 0, 0, 0]);
        let data = AmountData::new(14, 5, Some(6));
        assert_eq!(data.as_bytes(), &[14, 5, 0, 0, 0, 0, 0, 0, 0, 6]);
    }
}
