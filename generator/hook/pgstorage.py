"""Orders on PostgreSQL (psycopg 3), for several hook processes and forwarders on several
machines. The schema is created and migrated by the hook itself (``schema_version``). Writers run
side by side, so rows are locked rather than the database: forwarders claim due events with
``FOR UPDATE SKIP LOCKED`` so no event is sent twice at once, and a fulfilment event locks its
order's row. The queries are sqlstore.py's, shared with SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from .sqlstore import SqlStore

READERS = 4  # connections for reads, per process

MIGRATIONS: list[str] = [
    """
    CREATE TABLE orders (
        id TEXT PRIMARY KEY, shop TEXT NOT NULL, created_at TEXT NOT NULL,
        total TEXT NOT NULL, currency TEXT NOT NULL, lid TEXT, data TEXT NOT NULL
    );
    CREATE TABLE idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, order_id TEXT NOT NULL, response TEXT NOT NULL);
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY, order_id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        delivered_at DOUBLE PRECISION
    );
    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    CREATE TABLE order_events (
        webhook_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, type TEXT NOT NULL, timestamp TEXT NOT NULL,
        payload TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE ledger (
        id BIGSERIAL PRIMARY KEY, order_id TEXT NOT NULL, shop TEXT NOT NULL, line INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('accrual', 'reversal')), amount TEXT NOT NULL, reason TEXT NOT NULL,
        source TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX ledger_order ON ledger (order_id);
    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
    CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
    CREATE TABLE clicks (
        id BIGSERIAL PRIMARY KEY, shop TEXT NOT NULL, lid TEXT NOT NULL, channel TEXT,
        campaign TEXT, path TEXT, landed_at TEXT, received_at DOUBLE PRECISION NOT NULL
    );
    """,
    # Idempotency keys expire (sqlstore.KEY_TTL): keys stored before this have their day start now.
    """
    ALTER TABLE idempotency ADD COLUMN created_at DOUBLE PRECISION NOT NULL DEFAULT extract(epoch FROM now());
    ALTER TABLE idempotency ALTER COLUMN created_at DROP DEFAULT;
    CREATE INDEX idempotency_age ON idempotency (created_at);
    """,
    # The owner's own page (ownerpage.py): her link and its sessions, kept as hashes only; and
    # the payouts the platform made her.
    """
    CREATE TABLE owner_links (token_hash TEXT PRIMARY KEY, shop TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION);
    CREATE UNIQUE INDEX owner_links_live ON owner_links (shop) WHERE revoked_at IS NULL;
    CREATE TABLE owner_sessions (
        token_hash TEXT PRIMARY KEY, shop TEXT NOT NULL, link_hash TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX owner_sessions_shop ON owner_sessions (shop);
    CREATE TABLE payouts (
        id BIGSERIAL PRIMARY KEY, shop TEXT NOT NULL, amount TEXT NOT NULL, note TEXT NOT NULL, paid_at DOUBLE PRECISION NOT NULL
    );
    """,
]


class PgStorage(SqlStore):
    """One PostgreSQL database; safe for many processes at once and for the threads of one."""

    lock_rows = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        super().__init__(url)  # the URL is shown in messages, like the SQLite path
        self._conn = psycopg.connect(url)  # writes: one connection, orders batched by group commit
        self._local = threading.local()  # the pooled connection a thread is reading on, if any
        self._migrate()
        # Reads (an order looked up by the thanks page, reports, the owner's page) take their own
        # connections: they never wait behind the writer's lock, nor it behind them.
        self._pool = ConnectionPool(url, min_size=1, max_size=READERS, open=True)

    def _migrate(self) -> None:
        with self._writing():
            self._run("SELECT pg_advisory_xact_lock(815001)")  # one migrator at a time
            self._run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self._run("SELECT max(version) FROM schema_version").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            for version, sql in enumerate(MIGRATIONS[current:], start=current + 1):
                self._conn.execute(sql)  # not _run: a migration is literal SQL, with no placeholders
                self._run("INSERT INTO schema_version VALUES (?)", (version,))

    def close(self) -> None:
        self._group.stop()  # the orders already queued are stored first
        self._pool.close()
        self._conn.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> psycopg.Cursor[TupleRow]:
        conn = getattr(self._local, "reader", None) or self._conn
        return conn.execute(sql.replace("?", "%s"), args)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        with self._pool.connection() as conn, conn.transaction():
            self._local.reader = conn
            try:
                yield
            finally:
                self._local.reader = None

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[None]:
        with self._conn.transaction():  # psycopg commits at the end of the block, or rolls back if it raises
            yield
