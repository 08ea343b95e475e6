"""The simulated cluster: LiteSVM plus slots, blockhashes, commitments, history and the ledger.

Semantics (documented in docs/localnet.md):

- Slot `slot` is the open bank; transactions execute into it and are visible at `processed`.
  Every `slot_ms` the slot completes, its changes are committed to SQLite on the writer thread,
  and only then does `confirmed` advance to it. `finalized` trails `confirmed` by 31 slots, so a
  transaction is finalized about 32 slots after it executes, as on mainnet.
- Block height equals the slot number. Slots skipped by a warp produce no block (getBlock reports
  them skipped) but still count toward block height, so blockhash expiry follows slots.
- The blockhash of slot S is SHA-256(genesis hash || S as u64 LE). A transaction is accepted while
  its blockhash slot is at most 150 slots old, the validator's MAX_PROCESSING_AGE.
- LiteSVM holds only the latest state. For reads at `confirmed` or `finalized`, the cluster keeps
  the state each account had before its first write in every slot newer than `finalized`. A read
  at slot C returns the state from before the first write after C.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from solders.account import Account
from solders.clock import Clock
from solders.epoch_schedule import EpochSchedule
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from kgpu_sbf.spl import install_token_2022
from kgpu_localnet.encoding import (
    MINT_SIZE,
    b64,
    mint_decimals,
    token_account_fields,
    token_kind,
    transaction_error_text,
    ui_token_amount,
    writable_flags,
)
from kgpu_localnet.errors import (
    INVALID_PARAMS,
    SEND_TRANSACTION_PREFLIGHT_FAILURE,
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
    RpcError,
)
from kgpu_localnet.ledger import AccountRow, Ledger, SlotBatch, TransactionRow

log = logging.getLogger("kgpu_localnet")

MAX_PROCESSING_AGE = 150
FINALIZATION_DEPTH = 31
# Signatures stay in the in-memory status cache this many slots, longer than any blockhash lives,
# so duplicate detection never misses a transaction whose blockhash is still valid.
STATUS_CACHE_SLOTS = 300
LAMPORTS_PER_SIGNATURE = 5000
FAUCET_LAMPORTS = 500_000_000 * 1_000_000_000
COMPUTE_BUDGET_PROGRAM_ID = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT = 200_000
MAX_COMPUTE_UNIT_LIMIT = 1_400_000
# Address lookup table state: a 56-byte header, then 32-byte addresses.
LOOKUP_TABLE_META_SIZE = 56
SYSTEM_PROGRAM_ID = Pubkey.default()
# Nonce account state (bincode): u32 version, u32 state (1 = initialized), authority, durable
# nonce (a blockhash), fee calculator.
NONCE_ACCOUNT_SIZE = 80
NONCE_STATE_INITIALIZED = 1


def now_seconds() -> float:
    return time.time()


@dataclass
class TransactionRecord:
    signature: Signature
    slot: int
    index: int
    raw: bytes
    tx: VersionedTransaction
    meta: dict[str, Any]
    err: Any
    account_keys: list[Pubkey]
    block_time: int


@dataclass
class OpenSlot:
    slot: int
    block_time: int
    transactions: list[TransactionRecord] = field(default_factory=list)
    # Accounts written in this slot. None means "read the latest state when the slot completes".
    written: dict[Pubkey, Account | None] = field(default_factory=dict)
    min_priority_fee: int | None = None


class ClusterListener(Protocol):
    def on_transaction(self, record: TransactionRecord, written: dict[Pubkey, Account | None]) -> None: ...
    def on_account_written(self, slot: int, pubkey: Pubkey) -> None: ...
    def on_slot(self, slot: int, parent: int, root: int) -> None: ...
    def on_commitment(self, confirmed: int, finalized: int) -> None: ...


@dataclass
class ClusterConfig:
    ledger_dir: Path
    slot_ms: int = 400
    slots_per_epoch: int = 432_000
    reset: bool = False


def compute_fee(message: Message | MessageV0) -> tuple[int, int]:
    """Return (fee in lamports, compute unit price in micro-lamports) as the runtime charges it:
    5,000 lamports per signature plus compute unit price times compute unit limit."""
    price = 0
    limit = None
    other_instructions = 0
    keys = message.account_keys
    for ix in message.instructions:
        program = keys[ix.program_id_index] if ix.program_id_index < len(keys) else None
        data = bytes(ix.data)
        if program == COMPUTE_BUDGET_PROGRAM_ID and data:
            if data[0] == 2 and len(data) >= 5:
                limit = int.from_bytes(data[1:5], "little")
            elif data[0] == 3 and len(data) >= 9:
                price = int.from_bytes(data[1:9], "little")
        else:
            other_instructions += 1
    if limit is None:
        limit = DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT * other_instructions
    limit = min(limit, MAX_COMPUTE_UNIT_LIMIT)
    priority_fee = (price * limit + 999_999) // 1_000_000
    return LAMPORTS_PER_SIGNATURE * message.header.num_required_signatures + priority_fee, price


def failed_json(result: FailedTransactionMetadata) -> Any:
    return orjson.loads(result.to_json())["err"]


def inner_instructions_json(meta) -> list[dict[str, Any]]:
    groups = []
    for index, group in enumerate(meta.inner_instructions()):
        if not group:
            continue
        groups.append(
            {
                "index": index,
                "instructions": [_inner_instruction_json(inner) for inner in group],
            }
        )
    return groups


def _inner_instruction_json(inner) -> dict[str, Any]:
    from kgpu_localnet.b58 import b58encode

    instruction = inner.instruction()
    return {
        "programIdIndex": instruction.program_id_index,
        "accounts": list(bytes(instruction.accounts)),
        "data": b58encode(bytes(instruction.data)),
        "stackHeight": inner.stack_height(),
    }


def return_data_json(meta) -> dict[str, Any] | None:
    return_data = meta.return_data()
    data = bytes(return_data.data)
    if not data:
        return None
    return {"programId": str(return_data.program_id), "data": [b64(data), "base64"]}


class Cluster:
    """Owner of the LiteSVM instance. Every method runs on the event loop thread except the ledger
    writes, which run on one dedicated writer thread in slot order."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self.svm = (
            LiteSVM().with_blockhash_check(False).with_sigverify(False).with_transaction_history(0)
        )
        # Load Token-2022 v11 over the bundled v8, because v8 cannot write token metadata under
        # the runtime features LiteSVM enables. Without a fetched v11 the bundled build stays.
        install_token_2022(self.svm)
        self.listener: ClusterListener | None = None
        self.epoch_schedule = EpochSchedule.custom(config.slots_per_epoch, config.slots_per_epoch, False)
        self.ledger: Ledger | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kgpu-ledger")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._next_deadline = 0.0
        self._pending_writes = 0
        self._write_failed = False

        self.genesis_hash = Hash.default()
        self.identity = Keypair()
        self.faucet = Keypair()
        self.slot = 0
        self.confirmed = 0
        self.finalized = 0
        self.time_offset = 0.0
        self.epoch_start_timestamp = 0
        self.transaction_count = 0
        self.open = OpenSlot(0, 0)

        self._blockhash_slots: dict[Hash, int] = {}
        self._blockhash_window: deque[tuple[int, Hash]] = deque()
        self.statuses: dict[Signature, tuple[int, Any]] = {}
        self._status_slots: deque[tuple[int, list[Signature]]] = deque()
        self.unpersisted: dict[Signature, TransactionRecord] = {}
        self.priority_fees: deque[tuple[int, int]] = deque(maxlen=MAX_PROCESSING_AGE)

        self._lamports: dict[Pubkey, int] = {}
        # Per account: (slot of its first write in that slot, state before the write), oldest first.
        self._prior_states: dict[Pubkey, deque[tuple[int, Account | None]]] = {}
        self._prior_state_slots: deque[tuple[int, list[Pubkey]]] = deque()
        self.owner_index: dict[Pubkey, set[Pubkey]] = {}
        self._owners: dict[Pubkey, Pubkey] = {}

    # ------------------------------------------------------------------ startup

    def open_ledger(self) -> bool:
        """Open (or reset) the ledger and restore its state. Return True for a fresh ledger."""
        directory = self.config.ledger_dir
        if self.config.reset:
            Ledger.reset(directory)
        self.ledger = Ledger(directory)
        meta = self.ledger.read_meta()
        if "genesis_hash" not in meta:
            self._create_genesis()
            return True
        self._restore(meta)
        return False

    def _create_genesis(self) -> None:
        self.genesis_hash = Hash(hashlib.sha256(os.urandom(32)).digest())
        self.time_offset = 0.0
        self.epoch_start_timestamp = int(now_seconds())
        faucet = Account(FAUCET_LAMPORTS, b"", Pubkey.default(), False, 0)
        self.svm.set_account(self.faucet.pubkey(), faucet)
        # Slot 0 is the genesis block, complete from the start: the genesis keys and the funded
        # faucet are committed together, and the first open slot is 1. So a server stopped early
        # never leaves a ledger whose faucet is missing, and no transaction lands in slot 0.
        genesis = SlotBatch(slot=0, parent_slot=0, block_time=self.unix_timestamp())
        genesis.accounts.append(
            AccountRow(bytes(self.faucet.pubkey()), faucet.lamports, bytes(faucet.owner), False, 0, b"")
        )
        genesis.meta = {
            "genesis_hash": bytes(self.genesis_hash),
            "faucet": bytes(self.faucet),
            "identity": bytes(self.identity),
            "slots_per_epoch": str(self.config.slots_per_epoch).encode(),
            "last_slot": b"0",
        }
        self.ledger.write_slot(genesis)
        self._index_owner(self.faucet.pubkey(), faucet.owner)
        self._set_slot(1)
        self.open = OpenSlot(1, self.unix_timestamp())

    def _restore(self, meta: dict[str, bytes]) -> None:
        started = time.perf_counter()
        self.genesis_hash = Hash(meta["genesis_hash"])
        self.faucet = Keypair.from_bytes(meta["faucet"])
        self.identity = Keypair.from_bytes(meta["identity"])
        slots_per_epoch = int(meta["slots_per_epoch"])
        if slots_per_epoch != self.config.slots_per_epoch:
            log.warning(
                "ledger was created with %d slots per epoch and keeps it; start with --reset to change it",
                slots_per_epoch,
            )
        self.epoch_schedule = EpochSchedule.custom(slots_per_epoch, slots_per_epoch, False)
        last_slot = int(meta.get("last_slot", b"0"))
        self.time_offset = float(meta.get("time_offset", b"0"))
        self.epoch_start_timestamp = int(meta.get("epoch_start_timestamp", b"0"))
        self.transaction_count = self.ledger.read_transaction_count()

        restored = 0
        set_account = self.svm.set_account
        for row in self.ledger.iter_accounts():
            pubkey = Pubkey.from_bytes(row.pubkey)
            owner = Pubkey.from_bytes(row.owner)
            set_account(pubkey, Account(row.lamports, row.data, owner, row.executable, row.rent_epoch))
            self._index_owner(pubkey, owner)
            restored += 1

        self.confirmed = last_slot
        self.finalized = max(0, last_slot - FINALIZATION_DEPTH)
        self._set_slot(last_slot + 1)
        self.open = OpenSlot(self.slot, self.unix_timestamp())
        for signature, slot, err in self.ledger.read_recent_statuses(self.slot - STATUS_CACHE_SLOTS):
            self._remember_status(Signature.from_bytes(signature), slot, orjson.loads(err) if err else None)
        log.info(
            "restored %d accounts and slot %d from %s in %.2f s",
            restored,
            last_slot,
            self.ledger.path,
            time.perf_counter() - started,
        )

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._next_deadline = loop.time() + self.config.slot_ms / 1000
        self._timer = loop.call_at(self._next_deadline, self._on_tick)

    async def stop(self) -> None:
        """Complete the open slot, wait for every ledger write and close the ledger."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.ledger is None:
            return
        if self._loop is not None:
            self._advance(self.slot + 1)
            while self._pending_writes:
                await asyncio.sleep(0.01)
        self._writer.shutdown(wait=True)
        self.ledger.close()
        self.ledger = None

    # ------------------------------------------------------------------ clock and slots

    def blockhash_of(self, slot: int) -> Hash:
        return Hash(hashlib.sha256(bytes(self.genesis_hash) + slot.to_bytes(8, "little")).digest())

    def unix_timestamp(self) -> int:
        return int(now_seconds() + self.time_offset)

    def _set_slot(self, slot: int) -> None:
        """Make `slot` the open slot: update the Clock sysvar and the blockhash window."""
        previous_epoch = self.epoch_schedule.get_epoch(self.slot)
        self.slot = slot
        # LiteSVM derives the next durable nonce value from its own latest blockhash. Moving it
        # every slot lets a nonce account advance more than once.
        self.svm.expire_blockhash()

        epoch = self.epoch_schedule.get_epoch(slot)
        timestamp = self.unix_timestamp()
        if epoch != previous_epoch:
            self.epoch_start_timestamp = timestamp
        self.svm.set_clock(
            Clock(
                slot=slot,
                epoch_start_timestamp=self.epoch_start_timestamp,
                epoch=epoch,
                leader_schedule_epoch=self.epoch_schedule.get_leader_schedule_epoch(slot),
                unix_timestamp=timestamp,
            )
        )

        window = self._blockhash_window
        if window and window[-1][0] == slot - 1:
            blockhash = self.blockhash_of(slot)
            window.append((slot, blockhash))
            self._blockhash_slots[blockhash] = slot
        else:
            window.clear()
            self._blockhash_slots.clear()
            for window_slot in range(max(0, slot - MAX_PROCESSING_AGE), slot + 1):
                blockhash = self.blockhash_of(window_slot)
                window.append((window_slot, blockhash))
                self._blockhash_slots[blockhash] = window_slot
        while window and window[0][0] < slot - MAX_PROCESSING_AGE:
            _, expired = window.popleft()
            self._blockhash_slots.pop(expired, None)

    def blockhash_slot(self, blockhash: Hash) -> int | None:
        """Return the slot of a blockhash that is still valid for new transactions, else None."""
        return self._blockhash_slots.get(blockhash)

    def has_valid_blockhash(self, tx: VersionedTransaction) -> bool:
        """Check the recent blockhash, or for a durable nonce transaction the stored nonce.

        A durable nonce transaction starts with AdvanceNonceAccount and carries the nonce
        account's stored value in place of a recent blockhash.
        """
        message = tx.message
        if message.recent_blockhash in self._blockhash_slots:
            return True
        if not tx.uses_durable_nonce():
            return False
        accounts = bytes(message.instructions[0].accounts)
        if not accounts or accounts[0] >= len(message.account_keys):
            return False
        nonce = self.svm.get_account(message.account_keys[accounts[0]])
        if nonce is None or nonce.owner != SYSTEM_PROGRAM_ID or len(nonce.data) != NONCE_ACCOUNT_SIZE:
            return False
        data = bytes(nonce.data)
        state = int.from_bytes(data[4:8], "little")
        return state == NONCE_STATE_INITIALIZED and data[40:72] == bytes(message.recent_blockhash)

    def _on_tick(self) -> None:
        self._advance(self.slot + 1)
        assert self._loop is not None
        self._next_deadline += self.config.slot_ms / 1000
        now = self._loop.time()
        if self._next_deadline < now:
            # The loop fell behind (a long request or a busy machine): skip the missed deadlines
            # instead of producing a burst of slots.
            self._next_deadline = now
        self._timer = self._loop.call_at(self._next_deadline, self._on_tick)

    def _advance(self, next_slot: int) -> None:
        """Complete the open slot, persist it off the loop thread, and open `next_slot`."""
        completed = self.open
        batch = self._collect_batch(completed)
        batch.meta = {
            "last_slot": str(next_slot - 1).encode(),
            "time_offset": repr(self.time_offset).encode(),
            "epoch_start_timestamp": str(self.epoch_start_timestamp).encode(),
        }
        if completed.min_priority_fee is not None or completed.transactions:
            self.priority_fees.append((completed.slot, completed.min_priority_fee or 0))
        self._set_slot(next_slot)
        self.open = OpenSlot(next_slot, self.unix_timestamp())
        self._evict_statuses()

        self._pending_writes += 1
        future = self._writer.submit(self.ledger.write_slot, batch)
        loop = self._loop
        future.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._on_persisted, batch, next_slot - 1, done)
        )
        if self.listener is not None:
            self.listener.on_slot(next_slot, completed.slot, self.finalized)

    def _collect_batch(self, completed: OpenSlot) -> SlotBatch:
        batch = SlotBatch(slot=completed.slot, parent_slot=max(0, completed.slot - 1), block_time=completed.block_time)
        get_account = self.svm.get_account
        for pubkey, account in completed.written.items():
            if account is None:
                account = get_account(pubkey)
            if account is None or account.lamports == 0:
                batch.closed_accounts.append(bytes(pubkey))
                self._unindex_owner(pubkey)
                self._lamports[pubkey] = 0
                continue
            self._index_owner(pubkey, account.owner)
            self._lamports[pubkey] = account.lamports
            batch.accounts.append(
                AccountRow(
                    bytes(pubkey),
                    account.lamports,
                    bytes(account.owner),
                    account.executable,
                    account.rent_epoch,
                    bytes(account.data),
                )
            )
        for record in completed.transactions:
            batch.transactions.append(
                TransactionRow(
                    signature=bytes(record.signature),
                    slot=record.slot,
                    index=record.index,
                    tx=record.raw,
                    meta=orjson.dumps(record.meta),
                    err=orjson.dumps(record.err) if record.err is not None else None,
                    block_time=record.block_time,
                    account_keys=[bytes(key) for key in record.account_keys],
                )
            )
        return batch

    def _on_persisted(self, batch: SlotBatch, confirm_through: int, future) -> None:
        self._pending_writes -= 1
        error = future.exception()
        if error is not None:
            self._write_failed = True
            log.error("ledger write of slot %d failed, commitment stops advancing: %r", batch.slot, error)
            return
        if self._write_failed:
            return
        for row in batch.transactions:
            self.unpersisted.pop(Signature.from_bytes(row.signature), None)
        self.confirmed = max(self.confirmed, confirm_through)
        self.finalized = max(self.finalized, self.confirmed - FINALIZATION_DEPTH)
        if self.listener is not None:
            self.listener.on_commitment(self.confirmed, self.finalized)
        self._prune_prior_states()

    def _remember_status(self, signature: Signature, slot: int, err: Any) -> None:
        self.statuses[signature] = (slot, err)
        if self._status_slots and self._status_slots[-1][0] == slot:
            self._status_slots[-1][1].append(signature)
        else:
            self._status_slots.append((slot, [signature]))

    def _evict_statuses(self) -> None:
        oldest = self.slot - STATUS_CACHE_SLOTS
        while self._status_slots and self._status_slots[0][0] < oldest:
            _, signatures = self._status_slots.popleft()
            for signature in signatures:
                self.statuses.pop(signature, None)

    # ------------------------------------------------------------------ time travel

    async def warp_to_slot(self, slot: int) -> None:
        """Jump forward to `slot`, skipping the slots in between. The clock moves forward by their
        duration, so Clock, epoch and blockhash expiry stay consistent."""
        if slot <= self.slot:
            raise RpcError(INVALID_PARAMS, f"Invalid params: warp slot {slot} must be greater than the current slot {self.slot}")
        self.time_offset += (slot - self.slot) * self.config.slot_ms / 1000
        await self._advance_and_wait(slot)

    async def set_clock(self, unix_timestamp: int | None, slot: int | None) -> None:
        if unix_timestamp is not None:
            self.time_offset = unix_timestamp - now_seconds()
        if slot is not None and slot != self.slot:
            if slot < self.slot:
                raise RpcError(INVALID_PARAMS, f"Invalid params: slot {slot} is before the current slot {self.slot}; slots never move backwards")
            await self._advance_and_wait(slot)
        else:
            await self._advance_and_wait(self.slot + 1)

    async def warp_time(self, seconds: float) -> None:
        if seconds <= 0:
            raise RpcError(INVALID_PARAMS, f"Invalid params: seconds must be positive, got {seconds}")
        slots = max(1, round(seconds * 1000 / self.config.slot_ms))
        self.time_offset += seconds - slots * self.config.slot_ms / 1000
        await self.warp_to_slot(self.slot + slots)

    async def _advance_and_wait(self, slot: int) -> None:
        self._advance(slot)
        while self._pending_writes:
            await asyncio.sleep(0.002)
        # The warped-over slots are complete (skipped), so they count as confirmed at once.
        self.confirmed = max(self.confirmed, slot - 1)
        self.finalized = max(self.finalized, self.confirmed - FINALIZATION_DEPTH)
        if self.listener is not None:
            self.listener.on_commitment(self.confirmed, self.finalized)
        self._prune_prior_states()

    def set_account(self, pubkey: Pubkey, account: Account) -> None:
        self._save_prior_states([pubkey])
        self.svm.set_account(pubkey, account)
        self.open.written[pubkey] = account
        self._lamports[pubkey] = account.lamports
        self._index_owner(pubkey, account.owner)
        if self.listener is not None:
            self.listener.on_account_written(self.slot, pubkey)

    def mark_written(self, pubkeys: list[Pubkey], prior_accounts: dict[Pubkey, Account | None] | None = None) -> None:
        """Persist accounts changed directly on the SVM (program deploys) with the open slot.

        `prior_accounts` contains each account as the caller read it before the change, so reads
        at an older commitment still see it. An account missing from it is treated as new.
        """
        prior_accounts = prior_accounts or {}
        saved = []
        for pubkey in pubkeys:
            if pubkey not in self.open.written:
                self._prior_states.setdefault(pubkey, deque()).append((self.open.slot, prior_accounts.get(pubkey)))
                saved.append(pubkey)
            self.open.written[pubkey] = None
            self._lamports.pop(pubkey, None)
        if saved:
            if self._prior_state_slots and self._prior_state_slots[-1][0] == self.open.slot:
                self._prior_state_slots[-1][1].extend(saved)
            else:
                self._prior_state_slots.append((self.open.slot, saved))

    # ------------------------------------------------------------------ state at a commitment

    def _save_prior_states(self, pubkeys: list[Pubkey]) -> None:
        """Remember the state of accounts about to be written for the first time in the open slot."""
        open_slot = self.open
        get_account = self.svm.get_account
        saved = []
        for pubkey in pubkeys:
            if pubkey in open_slot.written:
                continue
            self._prior_states.setdefault(pubkey, deque()).append((open_slot.slot, get_account(pubkey)))
            saved.append(pubkey)
        if not saved:
            return
        if self._prior_state_slots and self._prior_state_slots[-1][0] == open_slot.slot:
            self._prior_state_slots[-1][1].extend(saved)
        else:
            self._prior_state_slots.append((open_slot.slot, saved))

    def _prune_prior_states(self) -> None:
        """Drop prior states that no read can need: reads never go below `finalized`."""
        slots = self._prior_state_slots
        while slots and slots[0][0] <= self.finalized:
            _, pubkeys = slots.popleft()
            for pubkey in pubkeys:
                entries = self._prior_states.get(pubkey)
                while entries and entries[0][0] <= self.finalized:
                    entries.popleft()
                if entries is not None and not entries:
                    del self._prior_states[pubkey]

    def account_at(self, pubkey: Pubkey, slot: int) -> Account | None:
        """Return the account as it was at the end of `slot` (at least `finalized`)."""
        if slot < self.slot:
            for write_slot, prior in self._prior_states.get(pubkey, ()):
                if write_slot > slot:
                    return prior
        return self.svm.get_account(pubkey)

    def balance_at(self, pubkey: Pubkey, slot: int) -> int:
        if slot < self.slot and pubkey in self._prior_states:
            account = self.account_at(pubkey, slot)
            return account.lamports if account is not None else 0
        return self.balance(pubkey)

    # ------------------------------------------------------------------ indexes

    def _index_owner(self, pubkey: Pubkey, owner: Pubkey) -> None:
        previous = self._owners.get(pubkey)
        if previous == owner:
            return
        if previous is not None:
            self.owner_index.get(previous, set()).discard(pubkey)
        self._owners[pubkey] = owner
        self.owner_index.setdefault(owner, set()).add(pubkey)

    def _unindex_owner(self, pubkey: Pubkey) -> None:
        previous = self._owners.pop(pubkey, None)
        if previous is not None:
            self.owner_index.get(previous, set()).discard(pubkey)

    def known_accounts(self) -> list[Pubkey]:
        return list(self._owners)

    def balance(self, pubkey: Pubkey) -> int:
        cached = self._lamports.get(pubkey)
        if cached is None:
            cached = self.svm.get_balance(pubkey) or 0
            self._lamports[pubkey] = cached
        return cached

    # ------------------------------------------------------------------ transactions

    def loaded_addresses(self, message: Message | MessageV0) -> tuple[list[Pubkey], list[Pubkey]]:
        """Resolve a v0 message's address lookup tables into (writable, readonly) addresses."""
        if not isinstance(message, MessageV0) or not message.address_table_lookups:
            return [], []
        writable: list[Pubkey] = []
        readonly: list[Pubkey] = []
        for lookup in message.address_table_lookups:
            table = self.svm.get_account(lookup.account_key)
            if table is None:
                continue
            data = bytes(table.data)
            addresses = [
                Pubkey.from_bytes(data[offset : offset + 32])
                for offset in range(LOOKUP_TABLE_META_SIZE, len(data) - 31, 32)
            ]
            writable += [addresses[i] for i in bytes(lookup.writable_indexes) if i < len(addresses)]
            readonly += [addresses[i] for i in bytes(lookup.readonly_indexes) if i < len(addresses)]
        return writable, readonly

    def verify_signatures(self, tx: VersionedTransaction) -> None:
        if not all(tx.verify_with_results()):
            raise RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")

    def send(self, raw: bytes, tx: VersionedTransaction, skip_preflight: bool) -> Signature:
        """Execute a wire transaction as sendTransaction does.

        With preflight, a transaction that would fail is rejected with -32002 and not executed.
        Without it, an expired or duplicate transaction is dropped silently, like a validator
        drops it, and a failing one is recorded with its error and charged its fee.
        """
        signature = tx.signatures[0]
        valid_blockhash = self.has_valid_blockhash(tx)
        post_accounts: dict[Pubkey, Account] | None = None
        if skip_preflight:
            if signature in self.statuses or not valid_blockhash:
                log.debug("dropped transaction %s: duplicate or expired blockhash", signature)
                return signature
        else:
            if signature in self.statuses:
                raise preflight_failure("AlreadyProcessed", [], 0)
            if not valid_blockhash:
                raise preflight_failure("BlockhashNotFound", [], 0)
            simulated = self.svm.simulate_transaction(tx)
            if isinstance(simulated, FailedTransactionMetadata):
                meta = simulated.meta()
                raise preflight_failure(
                    failed_json(simulated),
                    meta.logs(),
                    meta.compute_units_consumed(),
                    return_data_json(meta),
                )
            post_accounts = dict(simulated.post_accounts())
        self.execute(raw, tx, post_accounts)
        return signature

    def execute(
        self, raw: bytes, tx: VersionedTransaction, post_accounts: dict[Pubkey, Account] | None
    ) -> TransactionRecord | None:
        """Run a checked transaction on the SVM and record it in the open slot.

        Return None when the runtime did not include it (for example the fee payer cannot pay).
        """
        message = tx.message
        loaded_writable, loaded_readonly = self.loaded_addresses(message)
        static_keys = list(message.account_keys)
        flags = writable_flags(message)
        account_keys = static_keys + loaded_writable + loaded_readonly
        writable = [key for key, flag in zip(static_keys, flags) if flag] + loaded_writable
        balance = self.balance
        pre_balances = [balance(key) for key in account_keys]
        pre_token_balances = self.token_balances(account_keys, writable)
        self._save_prior_states(writable)

        result = self.svm.send_transaction(tx)
        fee, price = compute_fee(message)
        if isinstance(result, FailedTransactionMetadata):
            err = failed_json(result)
            meta = result.meta()
            payer = static_keys[0]
            if (self.svm.get_balance(payer) or 0) >= pre_balances[0]:
                log.debug("transaction %s not included: %s", tx.signatures[0], err)
                return None
            # Only the fee payer (and a durable nonce) changes in a failed transaction.
            written: dict[Pubkey, Account | None] = {key: None for key in writable}
            self._lamports.pop(payer, None)
            post_balances = [balance(key) for key in account_keys]
            for key in writable:
                self._lamports.pop(key, None)
        else:
            err = None
            meta = result
            if post_accounts is None:
                written = {key: None for key in writable}
                for key in writable:
                    self._lamports.pop(key, None)
            else:
                written = dict.fromkeys(writable)
                written.update(post_accounts)
                lamports = self._lamports
                for key, account in post_accounts.items():
                    lamports[key] = account.lamports
                    self._index_owner(key, account.owner)
                for key in writable:
                    if key not in post_accounts:
                        lamports.pop(key, None)
            post_balances = [balance(key) for key in account_keys]
        post_token_balances = self.token_balances(account_keys, writable) if err is None else pre_token_balances

        open_slot = self.open
        open_slot.written.update(written)
        if open_slot.min_priority_fee is None or price < open_slot.min_priority_fee:
            open_slot.min_priority_fee = price
        record = TransactionRecord(
            signature=tx.signatures[0],
            slot=open_slot.slot,
            index=len(open_slot.transactions),
            raw=raw,
            tx=tx,
            meta={
                "err": err,
                "status": {"Ok": None} if err is None else {"Err": err},
                "fee": fee,
                "preBalances": pre_balances,
                "postBalances": post_balances,
                "innerInstructions": inner_instructions_json(meta),
                "logMessages": meta.logs(),
                "preTokenBalances": pre_token_balances,
                "postTokenBalances": post_token_balances,
                "rewards": [],
                "loadedAddresses": {
                    "writable": [str(key) for key in loaded_writable],
                    "readonly": [str(key) for key in loaded_readonly],
                },
                "returnData": return_data_json(meta),
                "computeUnitsConsumed": meta.compute_units_consumed(),
            },
            err=err,
            account_keys=account_keys,
            block_time=open_slot.block_time,
        )
        open_slot.transactions.append(record)
        self.unpersisted[record.signature] = record
        self._remember_status(record.signature, record.slot, err)
        self.transaction_count += 1
        if self.listener is not None:
            self.listener.on_transaction(record, written)
        return record

    def token_balances(self, account_keys: list[Pubkey], writable: list[Pubkey]) -> list[dict[str, Any]]:
        """Build `preTokenBalances`/`postTokenBalances` entries for the token accounts in `writable`.

        Read-only token accounts cannot change, and program accounts (large) are never read here.
        """
        # NOTE: read-only token accounts are left out, while the real RPC lists them too.
        get_account = self.svm.get_account
        writable_set = set(writable)
        balances = []
        for index, key in enumerate(account_keys):
            if key not in writable_set:
                continue
            account = get_account(key)
            if account is None:
                continue
            data = bytes(account.data)
            if token_kind(account.owner, data) != "account":
                continue
            mint, owner, amount = token_account_fields(data)
            mint_account = get_account(mint)
            if mint_account is None or len(mint_account.data) < MINT_SIZE:
                continue
            balances.append(
                {
                    "accountIndex": index,
                    "mint": str(mint),
                    "owner": str(owner),
                    "programId": str(account.owner),
                    "uiTokenAmount": ui_token_amount(amount, mint_decimals(bytes(mint_account.data))),
                }
            )
        return balances

    def airdrop(self, recipient: Pubkey, lamports: int) -> Signature:
        """Transfer from the faucet in a normal transaction, so it has a signature and history."""
        from solders.message import Message as LegacyMessage
        from solders.transaction import Transaction

        instruction = transfer(
            TransferParams(from_pubkey=self.faucet.pubkey(), to_pubkey=recipient, lamports=lamports)
        )
        # Identical airdrops in one slot would share a signature, so fall back to the blockhash
        # of an earlier, still valid slot.
        for slot in range(self.slot, max(-1, self.slot - MAX_PROCESSING_AGE), -1):
            blockhash = self.blockhash_of(slot)
            tx = Transaction(
                [self.faucet], LegacyMessage([instruction], self.faucet.pubkey()), blockhash
            )
            if tx.signatures[0] not in self.statuses:
                break
        versioned = VersionedTransaction.from_legacy(tx)
        return self.send(bytes(versioned), versioned, skip_preflight=False)

    # ------------------------------------------------------------------ status

    def signature_status(self, signature: Signature, search_history: bool) -> tuple[int, Any] | None:
        status = self.statuses.get(signature)
        if status is None and search_history and self.ledger is not None:
            row = self.ledger.read_status(bytes(signature))
            if row is not None:
                status = (row[0], orjson.loads(row[1]) if row[1] else None)
        return status

    def confirmation_status(self, slot: int) -> str:
        if slot >= self.slot:
            return "processed"
        if slot <= self.finalized:
            return "finalized"
        if slot <= self.confirmed:
            return "confirmed"
        return "processed"


def preflight_failure(err: Any, logs: list[str], units: int, return_data: Any = None) -> RpcError:
    return RpcError(
        SEND_TRANSACTION_PREFLIGHT_FAILURE,
        f"Transaction simulation failed: {transaction_error_text(err)}",
        {
            "accounts": None,
            "err": err,
            "innerInstructions": None,
            "logs": logs,
            "replacementBlockhash": None,
            "returnData": return_data,
            "unitsConsumed": units,
        },
    )
