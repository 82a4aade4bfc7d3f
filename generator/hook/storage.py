"""Orders on SQLite: a file under var/, WAL journal, ``synchronous=FULL``, so an order is on disk
before its 201 is sent. Every writer takes the database's write lock when its transaction begins
(``BEGIN IMMEDIATE``), so writers run one at a time, across processes too. The queries are
sqlstore.py's, shared with PostgreSQL.

Writers queue for that lock on a file beside the database (``orders.db-writer``, ``flock``)
before they begin: the kernel wakes the next writer the moment the last one is done. Left to
SQLite, a writer that finds the database locked sleeps and polls (1, 2, 5, 10 … 100 ms), and
with several hook processes each committing a group every few milliseconds, it can sleep on
long after the lock is free, while its orders' customers wait.
SQLite's own lock and ``busy_timeout`` stay, for any other program writing the file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .sqlstore import SqlStore

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's own busy wait only
    fcntl = None  # type: ignore[assignment]

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, shop TEXT NOT NULL, created_at TEXT NOT NULL,
    total TEXT NOT NULL, currency TEXT NOT NULL, lid TEXT, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, order_id TEXT NOT NULL, response TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, lease_until REAL NOT NULL DEFAULT 0,
    delivered_at REAL
);
-- The forwarder's claim reads pending rows oldest first: an index of those rows alone stays as
-- small as the backlog however many delivered rows the table keeps.
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (created_at) WHERE status = 'pending';
DROP INDEX IF EXISTS outbox_due;
CREATE TABLE IF NOT EXISTS order_events (
    webhook_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, type TEXT NOT NULL, timestamp TEXT NOT NULL,
    payload TEXT NOT NULL, received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, shop TEXT NOT NULL, line INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('accrual', 'reversal')), amount TEXT NOT NULL, reason TEXT NOT NULL,
    source TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_order ON ledger (order_id);
CREATE TRIGGER IF NOT EXISTS ledger_append_only_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_append_only_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TABLE IF NOT EXISTS clicks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, shop TEXT NOT NULL, lid TEXT NOT NULL, channel TEXT,
    campaign TEXT, path TEXT, landed_at TEXT, received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS owner_links (
    token_hash TEXT PRIMARY KEY, shop TEXT NOT NULL, created_at REAL NOT NULL, revoked_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS owner_links_live ON owner_links (shop) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS owner_sessions (
    token_hash TEXT PRIMARY KEY, shop TEXT NOT NULL, link_hash TEXT NOT NULL, expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS owner_sessions_shop ON owner_sessions (shop);
CREATE TABLE IF NOT EXISTS payouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, shop TEXT NOT NULL, amount TEXT NOT NULL, note TEXT NOT NULL, paid_at REAL NOT NULL
);
"""


class SqliteStorage(SqlStore):
    """One SQLite database file; safe to share between the threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._writer_fd = os.open(path.with_name(path.name + "-writer"), os.O_RDWR | os.O_CREAT, 0o600)
        self._conn.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a database made by an earlier version up to this schema."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(idempotency)")}
        if "created_at" not in columns:  # keys stored before they expired: their day starts now
            self._conn.execute(f"ALTER TABLE idempotency ADD COLUMN created_at REAL NOT NULL DEFAULT {time.time():.3f}")
        self._conn.execute("CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency (created_at)")

    def close(self) -> None:
        self._group.stop()  # the orders already queued are stored first
        self._conn.close()
        os.close(self._writer_fd)

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, args)

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._conn.executemany(sql, rows)

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[None]:
        if not write:  # each reading statement sees committed data on its own, and in WAL mode never waits for a writer
            yield
            return
        if fcntl is not None:
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)  # in line behind the other processes' writers
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        finally:
            if fcntl is not None:
                fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
