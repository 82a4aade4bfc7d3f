"""Durable storage of orders, their outgoing events (a transactional outbox) and clicks.

SQLite by default: a file under var/, WAL journal, ``synchronous=FULL``, so an order is on
disk before its 201 is sent. The order, its idempotency key and its ``order.created`` event
are written in one transaction: either all of them exist or none does.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .ledger import Entry
from .store import DuplicateEvent, Event, KeyReused, UnknownOrder

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, shop TEXT NOT NULL, created_at TEXT NOT NULL,
    total TEXT NOT NULL, currency TEXT NOT NULL, lid TEXT, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, order_id TEXT NOT NULL, response TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, lease_until REAL NOT NULL DEFAULT 0,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
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
"""


class SqliteStorage:
    """One SQLite database; safe to share between the threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    # orders --------------------------------------------------------------------------

    def replay(self, key: str, request_hash: str) -> dict[str, Any] | None:
        """The stored answer for ``key``, if this exact request was already accepted."""
        with self._lock:
            row = self._conn.execute("SELECT request_hash, response FROM idempotency WHERE key = ?", (key,)).fetchone()
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
        """Store the order, its key and its event in one transaction. Returns (response, created).

        A concurrent request with the same key waits for the write lock and then finds the key:
        it gets the first order back, never a second one.
        """
        response = {"order_id": order["order_id"], "total": order["total"], "currency": order["currency"]}
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute("SELECT request_hash, response FROM idempotency WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    self._conn.execute("ROLLBACK")
                    if row[0] != request_hash:
                        raise KeyReused(key)
                    return dict(json.loads(row[1])), False
                lid = (order.get("attribution") or {}).get("lid")
                self._conn.execute(
                    "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (order["order_id"], order["shop"], order["created_at"], order["total"], order["currency"], lid, json.dumps(order)),
                )
                self._conn.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?)", (key, request_hash, order["order_id"], json.dumps(response)))
                self._conn.execute(
                    "INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (event_id, order["order_id"], event["type"], json.dumps(event, separators=(",", ":")), now, now),
                )
                self._insert_entries(entries or [], now)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return response, True

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT data FROM orders WHERE id = ?", (order_id,)).fetchone()
        return dict(json.loads(row[0])) if row else None

    def orders(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT o.id, o.shop, o.created_at, o.total, o.currency, o.lid, e.status, e.attempts FROM orders o"
                " LEFT JOIN outbox e ON e.order_id = o.id AND e.type = 'order.created' ORDER BY o.created_at DESC, o.id LIMIT ?",
                (limit,),
            ).fetchall()
        keys = ("order_id", "shop", "created_at", "total", "currency", "lid", "delivery", "attempts")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def count_orders(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM orders").fetchone()[0])

    # the outbox ----------------------------------------------------------------------

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[Event]:
        """Events due for delivery, leased to this forwarder for ``lease`` seconds."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = self._conn.execute(
                    "SELECT id, order_id, type, payload, created_at, attempts, status, last_error FROM outbox"
                    " WHERE status = 'pending' AND next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?",
                    (now, now, limit),
                ).fetchall()
                self._conn.executemany("UPDATE outbox SET lease_until = ? WHERE id = ?", [(now + lease, r[0]) for r in rows])
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return [Event(*r) for r in rows]

    def delivered(self, event_id: str, now: float) -> None:
        self._update(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, lease_until = 0 WHERE id = ?", (now, event_id)
        )

    def retry_later(self, event_id: str, at: float, reason: str) -> None:
        self._update(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_until = 0 WHERE id = ?", (at, reason, event_id)
        )

    def dead(self, event_id: str, reason: str) -> None:
        self._update("UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_until = 0 WHERE id = ?", (reason, event_id))

    def requeue(self, order_id: str, now: float) -> int:
        """``shopforest orders retry``: deliver an order's events again, now."""
        with self._lock:
            cur = self._conn.execute("UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = 0 WHERE order_id = ?", (now, order_id))
            return cur.rowcount

    def events(self, order_id: str) -> list[Event]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, order_id, type, payload, created_at, attempts, status, last_error FROM outbox WHERE order_id = ? ORDER BY created_at",
                (order_id,),
            ).fetchall()
        return [Event(*r) for r in rows]

    def _update(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, args)

    # the commission ledger (append-only) and fulfilment events --------------------------

    def _insert_entries(self, entries: list[Entry], now: float) -> None:
        self._conn.executemany(
            "INSERT INTO ledger (order_id, shop, line, kind, amount, reason, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.order_id, e.shop, e.line, e.kind, str(e.amount), e.reason, e.source, now) for e in entries],
        )

    def _entries(self, order_id: str) -> list[Entry]:
        rows = self._conn.execute(
            "SELECT order_id, shop, line, kind, amount, reason, source FROM ledger WHERE order_id = ? ORDER BY id", (order_id,)
        ).fetchall()
        return [Entry(r[0], r[1], int(r[2]), r[3], Decimal(r[4]), r[5], r[6]) for r in rows]

    def entries(self, order_id: str) -> list[Entry]:
        with self._lock:
            return self._entries(order_id)

    def apply_event(
        self,
        webhook_id: str,
        event: dict[str, Any],
        compute: Callable[[dict[str, Any], list[Entry]], list[Entry]],
        now: float,
    ) -> list[Entry]:
        """Record a fulfilment event and the ledger entries it causes, in one transaction."""
        order_id = str(event["data"]["order_id"])
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self._conn.execute("SELECT 1 FROM order_events WHERE webhook_id = ?", (webhook_id,)).fetchone():
                    raise DuplicateEvent(webhook_id)
                row = self._conn.execute("SELECT data FROM orders WHERE id = ?", (order_id,)).fetchone()
                if row is None:
                    raise UnknownOrder(order_id)
                added = compute(json.loads(row[0]), self._entries(order_id))
                self._conn.execute(
                    "INSERT INTO order_events VALUES (?, ?, ?, ?, ?, ?)",
                    (webhook_id, order_id, event["type"], str(event.get("timestamp", "")), json.dumps(event), now),
                )
                self._insert_entries(added, now)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return added

    def report_rows(self, shop: str | None) -> list[tuple[dict[str, Any], list[Entry], list[tuple[str, str]]]]:
        """Every order (of one shop) with its ledger entries and its (event type, timestamp) list."""
        with self._lock:
            orders = self._conn.execute("SELECT id, data FROM orders WHERE (? IS NULL OR shop = ?) ORDER BY created_at, id", (shop, shop)).fetchall()
            out = []
            for order_id, data in orders:
                events = self._conn.execute("SELECT type, timestamp FROM order_events WHERE order_id = ? ORDER BY timestamp", (order_id,)).fetchall()
                out.append((json.loads(data), self._entries(order_id), [(str(t), str(ts)) for t, ts in events]))
        return out

    def clicks_by_lid(self, shop: str | None) -> list[tuple[str, str, str | None, str | None, int]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT shop, lid, max(channel), max(campaign), count(*) FROM clicks WHERE (? IS NULL OR shop = ?) GROUP BY shop, lid",
                (shop, shop),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    # clicks --------------------------------------------------------------------------

    def add_click(self, shop: str, lid: str, channel: str | None, campaign: str | None, path: str | None, landed_at: str | None) -> None:
        self._update(
            "INSERT INTO clicks (shop, lid, channel, campaign, path, landed_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (shop, lid, channel, campaign, path, landed_at, time.time()),
        )

    def count_clicks(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM clicks").fetchone()[0])
