"""The same storage on PostgreSQL (psycopg 3), for several hook processes and forwarders on
several machines. The schema is created and migrated by the hook itself (``schema_version``);
forwarders claim due events with ``FOR UPDATE SKIP LOCKED`` so no event is sent twice at once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from .ledger import Entry
from .store import DuplicateEvent, Event, KeyReused, UnknownOrder

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
]


class PgStorage:
    """The ``Store`` on PostgreSQL: the same methods, safe for many processes at once."""

    def __init__(self, url: str) -> None:
        self.path = url  # shown in messages, like the SQLite path
        self._conn = psycopg.connect(url)
        self._lock = threading.Lock()
        self._migrate()

    def _migrate(self) -> None:
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(815001)")  # one migrator at a time
            self._conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self._conn.execute("SELECT max(version) FROM schema_version").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            for version, sql in enumerate(MIGRATIONS[current:], start=current + 1):
                self._conn.execute(sql)
                self._conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))

    def close(self) -> None:
        self._conn.close()

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        with self._lock, self._conn.transaction():
            return self._conn.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock, self._conn.transaction():
            return self._conn.execute(sql, args).fetchall()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._lock, self._conn.transaction():
            return self._conn.execute(sql, args).rowcount

    # orders --------------------------------------------------------------------------

    def replay(self, key: str, request_hash: str) -> dict[str, Any] | None:
        row = self._one("SELECT request_hash, response FROM idempotency WHERE key = %s", (key,))
        if row is None:
            return None
        if row[0] != request_hash:
            raise KeyReused(key)
        return dict(json.loads(row[1]))

    def create_order(
        self,
        key: str,
        request_hash: str,
        order: dict[str, Any],
        event_id: str,
        event: dict[str, Any],
        now: float,
        entries: list[Entry] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        response = {"order_id": order["order_id"], "total": order["total"], "currency": order["currency"]}
        with self._lock, self._conn.transaction():
            # the key's row first: a concurrent request with the same key waits here for us to commit
            inserted = self._conn.execute(
                "INSERT INTO idempotency VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (key, request_hash, order["order_id"], json.dumps(response)),
            ).rowcount
            if not inserted:
                row = self._conn.execute("SELECT request_hash, response FROM idempotency WHERE key = %s", (key,)).fetchone()
                assert row is not None  # the conflicting row is committed: ON CONFLICT waited for it
                if row[0] != request_hash:
                    raise KeyReused(key)
                return dict(json.loads(row[1])), False
            lid = (order.get("attribution") or {}).get("lid")
            self._conn.execute(
                "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (order["order_id"], order["shop"], order["created_at"], order["total"], order["currency"], lid, json.dumps(order)),
            )
            self._conn.execute(
                "INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s)",
                (event_id, order["order_id"], event["type"], json.dumps(event, separators=(",", ":")), now, now),
            )
            self._insert_entries(entries or [], now)
        return response, True

    def order(self, order_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT data FROM orders WHERE id = %s", (order_id,))
        return dict(json.loads(row[0])) if row else None

    def orders(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT o.id, o.shop, o.created_at, o.total, o.currency, o.lid, e.status, e.attempts FROM orders o"
            " LEFT JOIN outbox e ON e.order_id = o.id AND e.type = 'order.created' ORDER BY o.created_at DESC, o.id LIMIT %s",
            (limit,),
        )
        keys = ("order_id", "shop", "created_at", "total", "currency", "lid", "delivery", "attempts")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def count_orders(self) -> int:
        return int(self._one("SELECT count(*) FROM orders")[0])

    # the outbox ----------------------------------------------------------------------

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[Event]:
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                "SELECT id, order_id, type, payload, created_at, attempts, status, last_error FROM outbox"
                " WHERE status = 'pending' AND next_attempt_at <= %s AND lease_until <= %s ORDER BY next_attempt_at LIMIT %s"
                " FOR UPDATE SKIP LOCKED",
                (now, now, limit),
            ).fetchall()
            for r in rows:
                self._conn.execute("UPDATE outbox SET lease_until = %s WHERE id = %s", (now + lease, r[0]))
        return [Event(r[0], r[1], r[2], r[3], float(r[4]), int(r[5]), r[6], r[7]) for r in rows]

    def delivered(self, event_id: str, now: float) -> None:
        self._exec(
            "UPDATE outbox SET status = 'delivered', delivered_at = %s, attempts = attempts + 1, lease_until = 0 WHERE id = %s",
            (now, event_id),
        )

    def retry_later(self, event_id: str, at: float, reason: str) -> None:
        self._exec(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = %s, last_error = %s, lease_until = 0 WHERE id = %s",
            (at, reason, event_id),
        )

    def dead(self, event_id: str, reason: str) -> None:
        self._exec("UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = %s, lease_until = 0 WHERE id = %s", (reason, event_id))

    def requeue(self, order_id: str, now: float) -> int:
        return self._exec("UPDATE outbox SET status = 'pending', next_attempt_at = %s, lease_until = 0 WHERE order_id = %s", (now, order_id))

    def events(self, order_id: str) -> list[Event]:
        rows = self._all(
            "SELECT id, order_id, type, payload, created_at, attempts, status, last_error FROM outbox WHERE order_id = %s ORDER BY created_at",
            (order_id,),
        )
        return [Event(r[0], r[1], r[2], r[3], float(r[4]), int(r[5]), r[6], r[7]) for r in rows]

    # the ledger and fulfilment events ------------------------------------------------

    def _insert_entries(self, entries: list[Entry], now: float) -> None:
        for e in entries:
            self._conn.execute(
                "INSERT INTO ledger (order_id, shop, line, kind, amount, reason, source, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (e.order_id, e.shop, e.line, e.kind, str(e.amount), e.reason, e.source, now),
            )

    def _entries(self, order_id: str) -> list[Entry]:
        rows = self._conn.execute(
            "SELECT order_id, shop, line, kind, amount, reason, source FROM ledger WHERE order_id = %s ORDER BY id", (order_id,)
        ).fetchall()
        return [Entry(r[0], r[1], int(r[2]), r[3], Decimal(r[4]), r[5], r[6]) for r in rows]

    def entries(self, order_id: str) -> list[Entry]:
        with self._lock, self._conn.transaction():
            return self._entries(order_id)

    def apply_event(
        self, webhook_id: str, event: dict[str, Any], compute: Callable[[dict[str, Any], list[Entry]], list[Entry]], now: float
    ) -> list[Entry]:
        order_id = str(event["data"]["order_id"])
        with self._lock, self._conn.transaction():
            row = self._conn.execute("SELECT data FROM orders WHERE id = %s FOR UPDATE", (order_id,)).fetchone()
            if row is None:
                raise UnknownOrder(order_id)
            inserted = self._conn.execute(
                "INSERT INTO order_events VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (webhook_id) DO NOTHING",
                (webhook_id, order_id, event["type"], str(event.get("timestamp", "")), json.dumps(event), now),
            ).rowcount
            if not inserted:
                raise DuplicateEvent(webhook_id)
            added = compute(json.loads(row[0]), self._entries(order_id))
            self._insert_entries(added, now)
        return added

    def report_rows(self, shop: str | None) -> list[tuple[dict[str, Any], list[Entry], list[tuple[str, str]]]]:
        with self._lock, self._conn.transaction():
            orders = self._conn.execute(
                "SELECT id, data FROM orders WHERE (%s::text IS NULL OR shop = %s) ORDER BY created_at, id", (shop, shop)
            ).fetchall()
            out = []
            for order_id, data in orders:
                events = self._conn.execute("SELECT type, timestamp FROM order_events WHERE order_id = %s ORDER BY timestamp", (order_id,)).fetchall()
                out.append((json.loads(data), self._entries(order_id), [(str(t), str(ts)) for t, ts in events]))
        return out

    def clicks_by_lid(self, shop: str | None) -> list[tuple[str, str, str | None, str | None, int]]:
        rows = self._all(
            "SELECT shop, lid, max(channel), max(campaign), count(*) FROM clicks WHERE (%s::text IS NULL OR shop = %s) GROUP BY shop, lid",
            (shop, shop),
        )
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    def add_click(self, shop: str, lid: str, channel: str | None, campaign: str | None, path: str | None, landed_at: str | None) -> None:
        self._exec(
            "INSERT INTO clicks (shop, lid, channel, campaign, path, landed_at, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (shop, lid, channel, campaign, path, landed_at, time.time()),
        )

    def count_clicks(self) -> int:
        return int(self._one("SELECT count(*) FROM clicks")[0])
