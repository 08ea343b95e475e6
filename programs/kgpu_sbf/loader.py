"""Deploy SBF programs through BPF Loader Upgradeable, as a real cluster does.

`LiteSVM.add_program` installs a program without running the loader's deploy-time verifier, so a
program with an unresolved syscall or a bad relocation would pass there and fail on devnet. This
module deploys the way `solana program deploy` does instead:

1. create a buffer account owned by the loader and `InitializeBuffer` it;
2. `Write` the ELF into the buffer in chunks that fit a 1,232-byte transaction;
3. create the program account and `DeployWithMaxDataLen`, which verifies the ELF and moves it into
   the program-data account (a PDA of the loader, seeded by the program id).

The instruction encodings are the loader's bincode layout: a little-endian u32 variant tag followed
by the variant's fields, with `Vec<u8>` as a u64 length and the bytes.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Protocol, Sequence

from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

BPF_LOADER_UPGRADEABLE_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")

# Sizes of the loader's account states (UpgradeableLoaderState, bincode): a u32 tag, then for a
# buffer an Option<Pubkey> authority, for a program the program-data address, for program data a
# u64 slot and an Option<Pubkey> authority.
BUFFER_METADATA_SIZE = 37
PROGRAM_ACCOUNT_SIZE = 36
PROGRAMDATA_METADATA_SIZE = 45

# Bytes of program per Write transaction: the packet limit is 1,232 bytes, and a Write with two
# signatures, four account keys and a blockhash leaves room for a little over 1,000.
WRITE_CHUNK_SIZE = 900

_INITIALIZE_BUFFER = 0
_WRITE = 1
_DEPLOY_WITH_MAX_DATA_LEN = 2
_UPGRADE = 3


class DeployError(RuntimeError):
    """The loader rejected a deploy step; `logs` contains the transaction's program logs."""

    def __init__(self, step: str, error: object, logs: Sequence[str]) -> None:
        self.step = step
        self.error = error
        self.logs = list(logs)
        joined = "\n  ".join(self.logs)
        super().__init__(f"program deploy failed at {step}: {error}\n  {joined}")


class SvmLike(Protocol):
    """The part of `solders.litesvm.LiteSVM` that deploying needs."""

    def latest_blockhash(self) -> Hash: ...

    def minimum_balance_for_rent_exemption(self, data_len: int) -> int: ...

    def send_transaction(self, tx: Transaction) -> TransactionMetadata | FailedTransactionMetadata: ...

    def expire_blockhash(self) -> None: ...


def find_programdata_address(program_id: Pubkey) -> Pubkey:
    """Return the program-data PDA that BPF Loader Upgradeable keeps for `program_id`."""
    address, _bump = Pubkey.find_program_address([bytes(program_id)], BPF_LOADER_UPGRADEABLE_ID)
    return address


def initialize_buffer(buffer: Pubkey, authority: Pubkey) -> Instruction:
    """Build `InitializeBuffer`: the buffer accepts writes signed by `authority`."""
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<I", _INITIALIZE_BUFFER),
        [AccountMeta(buffer, is_signer=False, is_writable=True),
         AccountMeta(authority, is_signer=False, is_writable=False)],
    )


def write(buffer: Pubkey, authority: Pubkey, offset: int, chunk: bytes) -> Instruction:
    """Build `Write`: copy `chunk` into the buffer's program bytes at `offset`."""
    data = struct.pack("<IIQ", _WRITE, offset, len(chunk)) + chunk
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        data,
        [AccountMeta(buffer, is_signer=False, is_writable=True),
         AccountMeta(authority, is_signer=True, is_writable=False)],
    )


def deploy_with_max_data_len(
    payer: Pubkey, program_id: Pubkey, buffer: Pubkey, authority: Pubkey, max_data_len: int
) -> Instruction:
    """Build `DeployWithMaxDataLen`: verify the buffer's ELF and make it the program's code."""
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<IQ", _DEPLOY_WITH_MAX_DATA_LEN, max_data_len),
        [AccountMeta(payer, is_signer=True, is_writable=True),
         AccountMeta(find_programdata_address(program_id), is_signer=False, is_writable=True),
         AccountMeta(program_id, is_signer=False, is_writable=True),
         AccountMeta(buffer, is_signer=False, is_writable=True),
         AccountMeta(RENT, is_signer=False, is_writable=False),
         AccountMeta(CLOCK, is_signer=False, is_writable=False),
         AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
         AccountMeta(authority, is_signer=True, is_writable=False)],
    )


def upgrade(program_id: Pubkey, buffer: Pubkey, spill: Pubkey, authority: Pubkey) -> Instruction:
    """Build `Upgrade`: replace the program's code with the buffer's ELF; the buffer's lamports go to `spill`."""
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<I", _UPGRADE),
        [AccountMeta(find_programdata_address(program_id), is_signer=False, is_writable=True),
         AccountMeta(program_id, is_signer=False, is_writable=True),
         AccountMeta(buffer, is_signer=False, is_writable=True),
         AccountMeta(spill, is_signer=False, is_writable=True),
         AccountMeta(RENT, is_signer=False, is_writable=False),
         AccountMeta(CLOCK, is_signer=False, is_writable=False),
         AccountMeta(authority, is_signer=True, is_writable=False)],
    )


def _send(svm: SvmLike, step: str, instructions: list[Instruction], signers: list[Keypair]) -> None:
    message = Message.new_with_blockhash(instructions, signers[0].pubkey(), svm.latest_blockhash())
    result = svm.send_transaction(Transaction(signers, message, svm.latest_blockhash()))
    if isinstance(result, FailedTransactionMetadata):
        raise DeployError(step, result.err(), result.meta().logs())


def deploy_upgradeable(
    svm: SvmLike,
    payer: Keypair,
    program_keypair: Keypair,
    elf: bytes,
    *,
    upgrade_authority: Keypair | None = None,
    max_data_len: int | None = None,
) -> Pubkey:
    """Deploy `elf` at `program_keypair`'s address through BPF Loader Upgradeable.

    Args:
        svm: a LiteSVM instance (anything with the methods of `SvmLike`).
        payer: funds the buffer, program and program-data accounts; must hold enough lamports.
        program_keypair: the program id's keypair; it signs the program account's creation.
        elf: the SBPF shared object.
        upgrade_authority: may write the buffer and later upgrade; defaults to `payer`.
        max_data_len: program-data capacity in bytes; defaults to twice the ELF size so that an
            upgrade to a somewhat larger build fits.

    Returns:
        The program id.

    Raises:
        DeployError: a step failed; the loader's verifier errors, such as an unresolved syscall,
            surface here with the transaction logs.
    """
    authority = upgrade_authority or payer
    program_id = program_keypair.pubkey()
    buffer = Keypair()
    capacity = max_data_len if max_data_len is not None else 2 * len(elf)
    if capacity < len(elf):
        raise ValueError(f"max_data_len {capacity} is smaller than the ELF ({len(elf)} bytes)")

    _write_buffer(svm, payer, authority, buffer, elf)

    create_program = create_account(CreateAccountParams(
        from_pubkey=payer.pubkey(),
        to_pubkey=program_id,
        lamports=svm.minimum_balance_for_rent_exemption(PROGRAM_ACCOUNT_SIZE),
        space=PROGRAM_ACCOUNT_SIZE,
        owner=BPF_LOADER_UPGRADEABLE_ID,
    ))
    deploy = deploy_with_max_data_len(
        payer.pubkey(), program_id, buffer.pubkey(), authority.pubkey(), capacity)
    deploy_signers = [payer, program_keypair] + ([] if authority == payer else [authority])
    _send(svm, "deploy", [create_program, deploy], deploy_signers)
    return program_id


def _write_buffer(svm: SvmLike, payer: Keypair, authority: Keypair, buffer: Keypair, elf: bytes) -> None:
    """Create `buffer` with `authority` as its authority and write `elf` into it in chunks."""
    buffer_size = BUFFER_METADATA_SIZE + len(elf)
    create_buffer = create_account(CreateAccountParams(
        from_pubkey=payer.pubkey(),
        to_pubkey=buffer.pubkey(),
        lamports=svm.minimum_balance_for_rent_exemption(buffer_size),
        space=buffer_size,
        owner=BPF_LOADER_UPGRADEABLE_ID,
    ))
    _send(svm, "create buffer",
          [create_buffer, initialize_buffer(buffer.pubkey(), authority.pubkey())],
          [payer, buffer])

    signers = [payer] if authority == payer else [payer, authority]
    for offset in range(0, len(elf), WRITE_CHUNK_SIZE):
        chunk = elf[offset:offset + WRITE_CHUNK_SIZE]
        _send(svm, f"write offset {offset}",
              [write(buffer.pubkey(), authority.pubkey(), offset, chunk)], signers)


def deployed_elf(programdata: bytes) -> tuple[Pubkey | None, bytes]:
    """Split program-data account bytes into (upgrade authority, stored code with zero padding)."""
    if len(programdata) < PROGRAMDATA_METADATA_SIZE:
        raise ValueError(f"program data is {len(programdata)} bytes, shorter than its {PROGRAMDATA_METADATA_SIZE}-byte header")
    authority = None
    if programdata[12] == 1:
        authority = Pubkey.from_bytes(programdata[13:45])
    return authority, programdata[PROGRAMDATA_METADATA_SIZE:]


def upgrade_upgradeable(svm: SvmLike, payer: Keypair, program_id: Pubkey, elf: bytes,
                        *, upgrade_authority: Keypair | None = None) -> None:
    """Replace the code of deployed program `program_id` with `elf` through BPF Loader Upgradeable.

    `upgrade_authority` (default `payer`) must be the program's upgrade authority. The new ELF
    must fit the program data's capacity, which `deploy_upgradeable` sets to twice the first ELF.

    Raises:
        DeployError: the loader rejected a step (wrong authority, ELF too large, verifier error).
    """
    authority = upgrade_authority or payer
    buffer = Keypair()
    _write_buffer(svm, payer, authority, buffer, elf)
    signers = [payer] if authority == payer else [payer, authority]
    _send(svm, "upgrade", [upgrade(program_id, buffer.pubkey(), payer.pubkey(), authority.pubkey())], signers)


# The repository's programs folder: build outputs and program-id keypairs live under it.
PROGRAMS_DIR = Path(__file__).resolve().parent.parent
DEPLOY_DIR = PROGRAMS_DIR / "target" / "deploy"
KEYS_DIR = PROGRAMS_DIR / "keys"


def program_keypair(name: str) -> Keypair:
    """Load `programs/keys/<name>-keypair.json`, a Solana CLI keypair file, as the program id.

    NOTE: these keypairs are public test keys that fix the program ids on localnet; a devnet or
    mainnet deploy must use keypairs kept secret.
    """
    path = KEYS_DIR / f"{name}-keypair.json"
    return Keypair.from_bytes(json.loads(path.read_text()))


def program_elf(name: str) -> bytes:
    """Read the built `programs/target/deploy/<name>.so`; `make programs` builds it."""
    path = DEPLOY_DIR / f"{name}.so"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make programs` to build {name}")
    return path.read_bytes()
