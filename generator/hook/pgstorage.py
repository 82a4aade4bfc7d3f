"""Orders on PostgreSQL (psycopg 3), for several hook processes and forwarders on several
machines. The schema is created and migrated by the hook itself (``schema_version``). Writers run
side by side, so rows are locked rather than the database: forwarders claim due events with
``FOR UPDATE SKIP LOCKED`` so no event is sent twice at once, and a fulfilment event locks its
order's row. The queries are sqlstore.py's, shared with SQLite.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from .neworder import KEY_TTL, NewOrder, Placed, ledger_row, order_row, outbox_row, stored_answer
from .sqlstore import SqlStore, _event
from .store import Event, KeyReused, Outcome

READERS = 4  # connections for reads, per process

# A whole group of orders in one statement, so one round trip and one commit: each order's
# idempotency key claimed (in key order, so two processes' groups never wait for each other in a
# circle), and for each key claimed the order, its outbox event and its ledger entries. The
# group comes as two JSON documents (its orders, their ledger entries): the statement is the
# same for any group, so it is prepared once, and a JSON text is made by json.dumps in C, where
# psycopg makes an array parameter element by element in Python.
GROUP_INSERT = """
WITH input AS (
    SELECT * FROM json_to_recordset(%s::json) AS t(
        key text, request_hash text, order_id text, response text, now float8, shop text, created_at text,
        total text, currency text, lid text, data text, event_id text, type text, payload text)
), claimed AS (
    INSERT INTO idempotency (key, request_hash, order_id, response, created_at)
    SELECT key, request_hash, order_id, response, now FROM input ORDER BY key
    ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, order_id = excluded.order_id,
        response = excluded.response, created_at = excluded.created_at
        WHERE idempotency.created_at <= excluded.created_at - %s
    RETURNING key, order_id
), new_orders AS (
    INSERT INTO orders (id, shop, created_at, total, currency, lid, data)
    SELECT i.order_id, i.shop, i.created_at, i.total, i.currency, i.lid, i.data FROM input i JOIN claimed c ON c.key = i.key
), new_events AS (
    INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at)
    SELECT i.event_id, i.order_id, i.type, i.payload, i.now, i.now FROM input i JOIN claimed c ON c.key = i.key
), new_entries AS (
    INSERT INTO ledger (order_id, shop, line, kind, amount, reason, source, created_at)
    SELECT e.order_id, e.shop, e.line, e.kind, e.amount, e.reason, e.source, e.created_at
    FROM ROWS FROM (json_to_recordset(%s::json) AS (
        order_id text, shop text, line int, kind text, amount text, reason text, source text, created_at float8))
        WITH ORDINALITY AS e(order_id, shop, line, kind, amount, reason, source, created_at, n)
    WHERE e.order_id IN (SELECT order_id FROM claimed)
    ORDER BY e.n
)
SELECT key FROM claimed
"""
# The outbox in one statement each, so a batch is one round trip and one commit: claiming (the
# oldest due rows no other forwarder holds, leased in the same statement) and settling (every
# outcome of a batch, whatever its kind, from one JSON document).
CLAIM = """
UPDATE outbox SET lease_until = %s WHERE id IN (
    SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= %s AND lease_until <= %s
    ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED)
RETURNING id, order_id, type, payload, created_at, attempts, status, last_error
"""
SETTLE = """
UPDATE outbox o SET
    status = CASE v.kind WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE o.status END,
    delivered_at = CASE v.kind WHEN 'delivered' THEN v.at ELSE o.delivered_at END,
    attempts = o.attempts + CASE v.kind WHEN 'release' THEN 0 ELSE 1 END,
    next_attempt_at = CASE WHEN v.kind IN ('retry', 'release') THEN v.at ELSE o.next_attempt_at END,
    last_error = CASE WHEN v.kind IN ('retry', 'dead') THEN v.reason ELSE o.last_error END,
    lease_until = 0
FROM json_to_recordset(%s::json) AS v(id text, kind text, at float8, reason text)
WHERE o.id = v.id AND (v.kind <> 'release' OR o.status = 'pending')
"""
ENTRY_FIELDS = ("order_id", "shop", "line", "kind", "amount", "reason", "source", "created_at")

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
    # The forwarder's claim reads pending rows oldest first: an index of those rows alone stays
    # as small as the backlog however many delivered rows the table keeps.
    """
    CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (created_at) WHERE status = 'pending';
    DROP INDEX IF EXISTS outbox_due;
    """,
]


class PgStorage(SqlStore):
    """One PostgreSQL database; safe for many processes at once and for the threads of one."""

    lock_rows = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        super().__init__(url)  # the URL is shown in messages, like the SQLite path
        # Writes: one connection, orders batched by group commit. Autocommit: a group's one
        # statement is its own transaction, committed in the same round trip; every other write
        # is in an explicit transaction (``_transaction``).
        self._conn = psycopg.connect(url, autocommit=True)
        self._local = threading.local()  # the pooled connection a thread is reading on, if any
        # The forwarder claims on a connection of its own (opened by the first claim: the hook's
        # workers never claim), so the next batch is claimed while the writer's connection
        # commits the last one's outcomes, instead of after them.
        self._claiming: psycopg.Connection[TupleRow] | None = None
        self._claim_lock = threading.Lock()
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
        if self._claiming is not None:
            self._claiming.close()
        self._conn.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> psycopg.Cursor[TupleRow]:
        conn = getattr(self._local, "reader", None) or self._conn
        return conn.execute(sql.replace("?", "%s"), args)

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self._conn.cursor() as cursor:
                cursor.executemany(sql.replace("?", "%s"), rows)  # pipelined: one round trip

    def _commit_group(self, items: list[NewOrder]) -> list[Placed | Exception]:
        orders = []
        for o in items:
            order_id, shop, created_at, total, currency, lid, data = order_row(o)
            event_id, _, kind, payload, *_ = outbox_row(o)
            orders.append(
                {
                    "key": o.key,
                    "request_hash": o.request_hash,
                    "order_id": order_id,
                    "response": json.dumps(o.response),
                    "now": o.now,
                    "shop": shop,
                    "created_at": created_at,
                    "total": total,
                    "currency": currency,
                    "lid": lid,
                    "data": data,
                    "event_id": event_id,
                    "type": kind,
                    "payload": payload,
                }
            )
        entries = [dict(zip(ENTRY_FIELDS, ledger_row(e, o.now), strict=True)) for o in items for e in o.entries]
        params = (json.dumps(orders), KEY_TTL, json.dumps(entries))
        with self._lock:
            claimed = {row[0] for row in self._conn.execute(GROUP_INSERT, params).fetchall()}
            if items[-1].now >= self._next_purge:  # expired keys go once an hour
                self._conn.execute("DELETE FROM idempotency WHERE created_at <= %s", (items[-1].now - KEY_TTL,))
                self._next_purge = items[-1].now + 3600
            others = [o for o in items if o.key not in claimed]
            stored: dict[str, Any] = {}
            if others:  # keys an earlier order holds (committed: the INSERT waited for it)
                kept = self._conn.execute("SELECT key, request_hash, response FROM idempotency WHERE key = ANY(%s)", ([o.key for o in others],))
                stored = {r[0]: (r[1], r[2]) for r in kept.fetchall()}
        out: list[Placed | Exception] = []
        for o in items:
            if o.key in claimed:
                out.append((o.response, True))
                continue
            try:
                out.append((stored_answer(o.key, o.request_hash, stored[o.key]), False))
            except KeyReused as exc:
                out.append(exc)
        return out

    def claim_due(self, now: float, lease: float, limit: int = 20, *, oldest: bool = False) -> list[Event]:
        due = now if not oldest else float("inf")
        with self._claim_lock:  # autocommit: the statement is its transaction
            if self._claiming is None:
                self._claiming = psycopg.connect(str(self.path), autocommit=True)
            rows = self._claiming.execute(CLAIM, (now + lease, due, now, limit)).fetchall()
        return sorted((_event(r) for r in rows), key=lambda e: e.created_at)  # RETURNING keeps no order

    def settle(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        rows = [{"id": o.event_id, "kind": o.kind, "at": o.at, "reason": o.reason} for o in outcomes]
        with self._lock:
            self._conn.execute(SETTLE, (json.dumps(rows),))

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
