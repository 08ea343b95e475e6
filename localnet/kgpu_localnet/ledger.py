"""SQLite ledger: account state, transaction history and cluster metadata of one localnet.

The server writes one SQLite transaction per completed slot, holding only the accounts written in
that slot and that slot's transactions, and reports a slot `confirmed` only after that commit
returns. The database runs in WAL mode with `synchronous=NORMAL`, so a committed slot survives the
server process being killed (`kill -9`). A power loss may drop the last few commits.

Tables:

- `meta(key, value)`: genesis hash, faucet secret key, epoch schedule, clock offsets, last slot.
- `accounts(pubkey, lamports, owner, executable, rent_epoch, data, slot)`: the latest state of
  every account written through the server; closed accounts (zero lamports) are deleted.
- `transactions(signature, slot, idx, tx, meta, err, block_time)`: wire-format transaction bytes
  and the JSON-RPC `meta` object, in execution order within a slot.
- `address_signatures(address, slot, idx, signature)`: one row per account key of each
  transaction, for `getSignaturesForAddress`.
- `blocks(slot, parent_slot, block_time, tx_count)`: one row per completed slot.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    pubkey BLOB PRIMARY KEY,
    lamports INTEGER NOT NULL,
    owner BLOB NOT NULL,
    executable INTEGER NOT NULL,
    rent_epoch BLOB NOT NULL,
    data BLOB NOT NULL,
    slot INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transactions (
    signature BLOB PRIMARY KEY,
    slot INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    tx BLOB NOT NULL,
    meta BLOB NOT NULL,
    err BLOB,
    block_time INTEGER
);
CREATE INDEX IF NOT EXISTS transactions_by_slot ON transactions (slot, idx);
CREATE TABLE IF NOT EXISTS address_signatures (
    address BLOB NOT NULL,
    slot INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (address, slot, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    slot INTEGER PRIMARY KEY,
    parent_slot INTEGER NOT NULL,
    block_time INTEGER NOT NULL,
    tx_count INTEGER NOT NULL
);
"""

DATABASE_NAME = "ledger.sqlite3"
LOCK_NAME = "lock"


class LedgerInUseError(RuntimeError):
    """Raised when another process has locked a ledger directory."""

    def __init__(self, directory: Path, owner_pid: str) -> None:
        self.directory = directory
        self.owner_pid = owner_pid
        super().__init__(f"ledger {directory} is locked by process {owner_pid or 'unknown'}")


def lock_ledger(directory: Path) -> int:
    """Take an exclusive `flock` on `<directory>/lock` and write this process id into it.

    Return the open file descriptor: the lock lasts until it is closed or the process exits, so
    keep it open for the server's lifetime. Raise `LedgerInUseError` when another process has the lock.
    """
    descriptor = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner_pid = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
        os.close(descriptor)
        raise LedgerInUseError(directory, owner_pid) from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    return descriptor


@dataclass
class AccountRow:
    pubkey: bytes
    lamports: int
    owner: bytes
    executable: bool
    rent_epoch: int
    data: bytes


@dataclass
class TransactionRow:
    signature: bytes
    slot: int
    index: int
    tx: bytes
    meta: bytes
    err: bytes | None
    block_time: int
    account_keys: list[bytes]


@dataclass
class SlotBatch:
    """Everything one completed slot writes: changed accounts, transactions and the block row."""

    slot: int
    parent_slot: int
    block_time: int
    accounts: list[AccountRow] = field(default_factory=list)
    closed_accounts: list[bytes] = field(default_factory=list)
    transactions: list[TransactionRow] = field(default_factory=list)
    meta: dict[str, bytes] = field(default_factory=dict)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA temp_store=MEMORY")
    # 64 MiB of page cache keeps the accounts B-tree of a 100,000-account ledger in memory.
    connection.execute("PRAGMA cache_size=-65536")
    return connection


class Ledger:
    """Owner of the SQLite file. `write_slot` runs on the writer thread. The `read_*` methods run on
    the event loop thread through a second connection, which WAL lets read while the writer commits."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DATABASE_NAME
        self._writer = _connect(self.path)
        self._writer.executescript(SCHEMA)
        self._reader = _connect(self.path)

    @staticmethod
    def reset(directory: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            (directory / f"{DATABASE_NAME}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        self._reader.close()
        self._writer.close()

    # --- writer thread ---

    def write_slot(self, batch: SlotBatch) -> None:
        """Commit one slot's changes in a single SQLite transaction."""
        cursor = self._writer.cursor()
        cursor.execute("BEGIN")
        try:
            if batch.accounts:
                cursor.executemany(
                    "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            row.pubkey,
                            row.lamports,
                            row.owner,
                            int(row.executable),
                            row.rent_epoch.to_bytes(8, "little"),
                            row.data,
                            batch.slot,
                        )
                        for row in batch.accounts
                    ],
                )
            if batch.closed_accounts:
                cursor.executemany(
                    "DELETE FROM accounts WHERE pubkey = ?", [(key,) for key in batch.closed_accounts]
                )
            if batch.transactions:
                cursor.executemany(
                    "INSERT OR REPLACE INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (row.signature, row.slot, row.index, row.tx, row.meta, row.err, row.block_time)
                        for row in batch.transactions
                    ],
                )
                cursor.executemany(
                    "INSERT OR REPLACE INTO address_signatures VALUES (?, ?, ?, ?)",
                    [
                        (key, row.slot, row.index, row.signature)
                        for row in batch.transactions
                        for key in row.account_keys
                    ],
                )
            cursor.execute(
                "INSERT OR REPLACE INTO blocks VALUES (?, ?, ?, ?)",
                (batch.slot, batch.parent_slot, batch.block_time, len(batch.transactions)),
            )
            if batch.meta:
                cursor.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", list(batch.meta.items())
                )
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise

    # --- reads ---

    def read_meta(self) -> dict[str, bytes]:
        return {key: bytes(value) for key, value in self._reader.execute("SELECT key, value FROM meta")}

    def iter_accounts(self) -> Iterator[AccountRow]:
        """Yield all stored accounts, non-executable ones first so program-data accounts exist
        before the program accounts that point at them are loaded."""
        query = (
            "SELECT pubkey, lamports, owner, executable, rent_epoch, data FROM accounts"
            " ORDER BY executable"
        )
        for pubkey, lamports, owner, executable, rent_epoch, data in self._reader.execute(query):
            yield AccountRow(
                pubkey, lamports, owner, bool(executable), int.from_bytes(rent_epoch, "little"), data
            )

    def count_accounts(self) -> int:
        return self._reader.execute("SELECT count(*) FROM accounts").fetchone()[0]

    def read_transaction(self, signature: bytes) -> tuple[int, int, bytes, bytes, int] | None:
        """Return (slot, index, tx bytes, meta JSON, block time) or None."""
        return self._reader.execute(
            "SELECT slot, idx, tx, meta, block_time FROM transactions WHERE signature = ?",
            (signature,),
        ).fetchone()

    def read_status(self, signature: bytes) -> tuple[int, bytes | None] | None:
        return self._reader.execute(
            "SELECT slot, err FROM transactions WHERE signature = ?", (signature,)
        ).fetchone()

    def read_recent_statuses(self, min_slot: int) -> list[tuple[bytes, int, bytes | None]]:
        return self._reader.execute(
            "SELECT signature, slot, err FROM transactions WHERE slot >= ?", (min_slot,)
        ).fetchall()

    def read_block_transactions(self, slot: int) -> list[tuple[bytes, bytes, bytes]]:
        """Return (signature, tx bytes, meta JSON) of one slot in execution order."""
        return self._reader.execute(
            "SELECT signature, tx, meta FROM transactions WHERE slot = ? ORDER BY idx", (slot,)
        ).fetchall()

    def read_block(self, slot: int) -> tuple[int, int, int] | None:
        """Return (parent slot, block time, transaction count) or None for a skipped slot."""
        return self._reader.execute(
            "SELECT parent_slot, block_time, tx_count FROM blocks WHERE slot = ?", (slot,)
        ).fetchone()

    def read_block_slots(self, start: int, end: int, limit: int) -> list[int]:
        rows = self._reader.execute(
            "SELECT slot FROM blocks WHERE slot >= ? AND slot <= ? ORDER BY slot LIMIT ?",
            (start, end, limit),
        )
        return [row[0] for row in rows]

    def first_block_slot(self) -> int:
        row = self._reader.execute("SELECT min(slot) FROM blocks").fetchone()
        return row[0] or 0

    def read_signatures_for_address(
        self, address: bytes, max_slot: int, before: tuple[int, int] | None, limit: int
    ) -> list[tuple[bytes, int, int, bytes | None, int]]:
        """Return (signature, slot, index, err, block time), newest first."""
        if before is None:
            before = (max_slot + 1, 0)
        return self._reader.execute(
            "SELECT a.signature, a.slot, a.idx, t.err, t.block_time FROM address_signatures a"
            " JOIN transactions t ON t.signature = a.signature"
            " WHERE a.address = ? AND a.slot <= ? AND (a.slot < ? OR (a.slot = ? AND a.idx < ?))"
            " ORDER BY a.slot DESC, a.idx DESC LIMIT ?",
            (address, max_slot, before[0], before[0], before[1], limit),
        ).fetchall()

    def read_transaction_count(self) -> int:
        return self._reader.execute("SELECT count(*) FROM transactions").fetchone()[0]
