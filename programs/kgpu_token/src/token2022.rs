//! SPL Token-2022 instructions this program invokes, and reads of Token-2022 account data.
//!
//! Instruction tags are those of the Token-2022 `TokenInstruction` enum; extension instructions
//! carry a second byte with the extension's own sub-instruction.
//!
//! Mint data (base 82 bytes): `0..36` mint authority (COption), `36..44` supply, `44` decimals,
//! `45` is_initialized, `46..82` freeze authority. Token account data (base 165 bytes): `0..32`
//! mint, `32..64` owner, `64..72` amount, `108` state (1 initialized, 2 frozen). With extensions,
//! byte 165 is the account type (1 mint, 2 token account) and TLV entries follow.

use crate::error::TokenError;
use crate::support::{
    bytes_equal, invoke_signed, keys_equal, read8, AccountView, Cpi, Meta, ProgramResult, Pubkey,
    Signer,
};

/// Token-2022 program id, `TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`.
pub const TOKEN_2022_PROGRAM_ID: Pubkey = [
    6, 221, 246, 225, 238, 117, 143, 222, 24, 66, 93, 188, 228, 108, 205, 218, 182, 26, 252, 77,
    131, 185, 13, 39, 254, 189, 249, 40, 216, 161, 139, 252,
];

/// K-GPU has no decimal places: one unit is one KRW.
pub const DECIMALS: u8 = 0;

const MINT_TO_CHECKED: u8 = 14;
const BURN_CHECKED: u8 = 15;
const FREEZE_ACCOUNT: u8 = 10;
const THAW_ACCOUNT: u8 = 11;
const INITIALIZE_MINT2: u8 = 20;
const DEFAULT_ACCOUNT_STATE_EXTENSION: u8 = 28;
const INITIALIZE_PERMANENT_DELEGATE: u8 = 35;
const METADATA_POINTER_EXTENSION: u8 = 39;
/// `sha256("spl_token_metadata_interface:initialize_account")[..8]`.
const METADATA_INITIALIZE: [u8; 8] = [210, 225, 30, 162, 88, 184, 77, 141];

/// Token account state byte of a frozen account.
const ACCOUNT_STATE_FROZEN: u8 = 2;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;
const BASE_ACCOUNT_LEN: usize = 165;

/// Size of the mint account before token metadata: base mint, padding to 165, account type byte,
/// then MetadataPointer (4 + 64), DefaultAccountState (4 + 1) and PermanentDelegate (4 + 32).
pub const MINT_LEN_BEFORE_METADATA: usize = 166 + 68 + 5 + 36;

/// Token metadata fields, UTF-8.
pub struct Metadata<'a> {
    pub name: &'a [u8],
    pub symbol: &'a [u8],
    pub uri: &'a [u8],
}

impl Metadata<'_> {
    /// Returns whether name, symbol and uri are all empty, which means "write no metadata".
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.symbol.is_empty() && self.uri.is_empty()
    }

    /// Returns the bytes token metadata adds to the mint: TLV header, update authority, mint,
    /// three Borsh strings and an empty additional-metadata vector.
    pub fn len(&self) -> usize {
        4 + 32 + 32 + 4 + self.name.len() + 4 + self.symbol.len() + 4 + self.uri.len() + 4
    }
}

/// Rejects `program` unless it is the Token-2022 program.
pub fn require_token_program(program: &AccountView) -> ProgramResult {
    if keys_equal(program.key(), &TOKEN_2022_PROGRAM_ID) {
        Ok(())
    } else {
        Err(TokenError::InvalidAddress)
    }
}

/// Returns the supply of a Token-2022 mint.
pub fn mint_supply(mint: &AccountView) -> Result<u64, TokenError> {
    mint.require_owner(&TOKEN_2022_PROGRAM_ID)?;
    let data = mint.data();
    if data.len() < 82 {
        return Err(TokenError::InvalidAccountData);
    }
    Ok(u64::from_le_bytes(read8(data, 36)))
}

/// The fields of a K-GPU token account this program uses.
pub struct TokenAccount {
    pub owner: Pubkey,
    pub amount: u64,
    pub frozen: bool,
}

/// Reads `account` as a Token-2022 token account of `mint`.
pub fn load_token_account(
    account: &AccountView,
    mint: &Pubkey,
) -> Result<TokenAccount, TokenError> {
    account.require_owner(&TOKEN_2022_PROGRAM_ID)?;
    let data = account.data();
    if data.len() < BASE_ACCOUNT_LEN
        || (data.len() > BASE_ACCOUNT_LEN && data[BASE_ACCOUNT_LEN] != ACCOUNT_TYPE_ACCOUNT)
    {
        return Err(TokenError::InvalidTokenAccount);
    }
    if !bytes_equal(&data[0..32], mint) {
        return Err(TokenError::InvalidTokenAccount);
    }
    let mut owner = [0u8; 32];
    owner.copy_from_slice(&data[32..64]);
    Ok(TokenAccount {
        owner,
        amount: u64::from_le_bytes(read8(data, 64)),
        frozen: data[108] == ACCOUNT_STATE_FROZEN,
    })
}

/// `MintToChecked`: mints `amount` to `account`, signed by the mint authority PDA.
///
/// Accounts: 0 `[WRITE]` mint, 1 `[WRITE]` token account, 2 `[SIGNER]` mint authority.
pub fn mint_to(
    mint: &AccountView,
    account: &AccountView,
    authority: &AccountView,
    amount: u64,
    signer: &Signer,
) -> ProgramResult {
    let mut data = [0u8; 10];
    data[0] = MINT_TO_CHECKED;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    data[9] = DECIMALS;
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &[
            Meta::writable(mint),
            Meta::writable(account),
            Meta::readonly_signer(authority),
        ],
        accounts: &[*mint, *account, *authority],
        data: &data,
        signers: core::slice::from_ref(signer),
    })
}

/// `BurnChecked`: burns `amount` from `account`, signed by the owner or the permanent delegate.
///
/// Accounts: 0 `[WRITE]` token account, 1 `[WRITE]` mint, 2 `[SIGNER]` authority.
pub fn burn(
    account: &AccountView,
    mint: &AccountView,
    authority: &AccountView,
    amount: u64,
    signer: &Signer,
) -> ProgramResult {
    let mut data = [0u8; 10];
    data[0] = BURN_CHECKED;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    data[9] = DECIMALS;
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &[
            Meta::writable(account),
            Meta::writable(mint),
            Meta::readonly_signer(authority),
        ],
        accounts: &[*account, *mint, *authority],
        data: &data,
        signers: core::slice::from_ref(signer),
    })
}

/// `FreezeAccount` (`freeze == true`) or `ThawAccount`, signed by the freeze authority PDA.
///
/// Accounts: 0 `[WRITE]` token account, 1 mint, 2 `[SIGNER]` freeze authority.
pub fn set_frozen(
    account: &AccountView,
    mint: &AccountView,
    authority: &AccountView,
    freeze: bool,
    signer: &Signer,
) -> ProgramResult {
    let data = [if freeze { FREEZE_ACCOUNT } else { THAW_ACCOUNT }];
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &[
            Meta::writable(account),
            Meta::readonly(mint),
            Meta::readonly_signer(authority),
        ],
        accounts: &[*account, *mint, *authority],
        data: &data,
        signers: core::slice::from_ref(signer),
    })
}

/// Initializes the mint's extensions and the mint itself: MetadataPointer to the mint, default
/// account state Frozen, permanent delegate and mint and freeze authority `authority`.
///
/// Accounts: 0 `[WRITE]` mint, created with `MINT_LEN_BEFORE_METADATA` bytes.
pub fn initialize_mint(mint: &AccountView, authority: &Pubkey) -> ProgramResult {
    let metas = [Meta::writable(mint)];
    let accounts = [*mint];

    // MetadataPointer Initialize: authority (zero = none), metadata address = the mint.
    let mut pointer = [0u8; 66];
    pointer[0] = METADATA_POINTER_EXTENSION;
    pointer[2..34].copy_from_slice(authority);
    pointer[34..66].copy_from_slice(mint.key());
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &metas,
        accounts: &accounts,
        data: &pointer,
        signers: &[],
    })?;

    // DefaultAccountState Initialize: state 2 = Frozen.
    let default_state = [DEFAULT_ACCOUNT_STATE_EXTENSION, 0, ACCOUNT_STATE_FROZEN];
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &metas,
        accounts: &accounts,
        data: &default_state,
        signers: &[],
    })?;

    let mut delegate = [0u8; 33];
    delegate[0] = INITIALIZE_PERMANENT_DELEGATE;
    delegate[1..33].copy_from_slice(authority);
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &metas,
        accounts: &accounts,
        data: &delegate,
        signers: &[],
    })?;

    // InitializeMint2: decimals, mint authority, freeze authority as COption (tag 1).
    let mut init = [0u8; 67];
    init[0] = INITIALIZE_MINT2;
    init[1] = DECIMALS;
    init[2..34].copy_from_slice(authority);
    init[34] = 1;
    init[35..67].copy_from_slice(authority);
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &metas,
        accounts: &accounts,
        data: &init,
        signers: &[],
    })
}

/// Most bytes of the token-metadata initialize instruction data.
const MAX_METADATA_DATA: usize = 8 + 4 + 32 + 4 + 10 + 4 + 200;

/// Token-metadata `initialize`: writes name, symbol and uri into the mint, with `authority` as
/// update authority. The mint must hold lamports for its grown size.
///
/// Accounts: 0 `[WRITE]` metadata (the mint), 1 update authority, 2 mint, 3 `[SIGNER]` mint authority.
pub fn initialize_metadata(
    mint: &AccountView,
    authority: &AccountView,
    metadata: &Metadata,
    signer: &Signer,
) -> ProgramResult {
    let mut data = [0u8; MAX_METADATA_DATA];
    let mut len = 0;
    data[..8].copy_from_slice(&METADATA_INITIALIZE);
    len += 8;
    for field in [metadata.name, metadata.symbol, metadata.uri] {
        let end = len + 4 + field.len();
        if end > data.len() {
            return Err(TokenError::InvalidInstructionData);
        }
        data[len..len + 4].copy_from_slice(&(field.len() as u32).to_le_bytes());
        data[len + 4..end].copy_from_slice(field);
        len = end;
    }
    invoke_signed(&Cpi {
        program: &TOKEN_2022_PROGRAM_ID,
        metas: &[
            Meta::writable(mint),
            Meta::readonly(authority),
            Meta::readonly(mint),
            Meta::readonly_signer(authority),
        ],
        accounts: &[*mint, *authority, *mint, *authority],
        data: &data[..len],
        signers: core::slice::from_ref(signer),
    })
}
