"""The SQL both stores share: every query and transaction of the ``Store`` protocol, written once
with ``?`` placeholders. A subclass brings the connection, how a transaction begins and ends,
and its database's words for locking the rows a transaction reads.

The two databases serialise writers differently, and the queries are ordered to be correct on
both. SQLite lets one writer in at a time (``BEGIN IMMEDIATE``), so a transaction never meets
another's uncommitted rows. PostgreSQL runs writers side by side: a second request with the same
idempotency key or webhook-id blocks on the first one's uncommitted row in ``INSERT … ON
CONFLICT DO NOTHING`` and then finds it committed; forwarders claim outbox rows ``FOR UPDATE
SKIP LOCKED``, and a fulfilment event reads its order ``FOR UPDATE`` so that events for one order
run one after another.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from .groupcommit import GroupCommit
from .ledger import Entry
from .neworder import KEY_TTL, LEDGER_INSERT, NewOrder, Placed, ledger_row, order_row, outbox_row, stored_answer
from .store import Compute, DuplicateEvent, Event, KeyReused, LinkClicks, Outcome, ReportRow, UnknownOrder

EVENT_COLUMNS = "id, order_id, type, payload, created_at, attempts, status, last_error"

ORDER_KEYS = ("order_id", "shop", "created_at", "total", "currency", "lid", "delivery", "attempts")


class Cursor(Protocol):
    """The part of a DB-API cursor the shared SQL uses (sqlite3's and psycopg's alike)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def _event(row: Any) -> Event:
    return Event(row[0], row[1], row[2], row[3], float(row[4]), int(row[5]), row[6], row[7])


def _shop_filter(shop: str | None) -> tuple[str, tuple[Any, ...]]:
    return ("WHERE shop = ?", (shop,)) if shop is not None else ("", ())


class SqlStore(ABC):
    """The ``Store`` protocol on a DB-API connection; one lock makes it safe to share between the
    threads of one process (a connection is not)."""

    lock_rows = ""  # appended to a SELECT whose rows other writers must wait for until this transaction ends
    skip_locked = ""  # the same for rows to claim, except that rows another transaction holds are left to it

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._next_purge = 0.0
        self._group: GroupCommit[NewOrder, Placed] = GroupCommit(self)

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> Cursor:
        """Execute one statement written with ``?`` placeholders."""

    @abstractmethod
    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Execute one statement for each of ``rows`` (none: nothing)."""

    @abstractmethod
    def _transaction(self, write: bool) -> AbstractContextManager[None]:
        """Commit what the block did, or roll it back if it raises; ``write`` says whether the
        block writes, so that a database that locks for writing can lock at the start."""

    @contextmanager
    def _reading(self) -> Iterator[None]:
        with self._lock, self._transaction(write=False):
            yield

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock, self._transaction(write=True):
            yield

    def _change(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._writing():
            return self._run(sql, args).rowcount

    def _count(self, table: str) -> int:
        with self._reading():
            return int(self._run(f"SELECT count(*) FROM {table}").fetchone()[0])

    # orders --------------------------------------------------------------------------

    def replay(self, key: str, request_hash: str, now: float | None = None) -> dict[str, Any] | None:
        """The answer stored for ``key`` within the last KEY_TTL seconds, if any."""
        since = (time.time() if now is None else now) - KEY_TTL
        with self._reading():
            row = self._run("SELECT request_hash, response FROM idempotency WHERE key = ? AND created_at > ?", (key, since)).fetchone()
        return None if row is None else stored_answer(key, request_hash, row)

    def create_order(
        self,
        key: str,
        request_hash: str,
        order: dict[str, Any],
        event_id: str,
        event: dict[str, Any],
        now: float,
        entries: list[Entry] | None = None,
        response: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        return self.submit_order(key, request_hash, order, event_id, event, now, entries, response).result()

    def submit_order(
        self,
        key: str,
        request_hash: str,
        order: dict[str, Any],
        event_id: str,
        event: dict[str, Any],
        now: float,
        entries: list[Entry] | None = None,
        response: dict[str, Any] | None = None,
    ) -> Future[tuple[dict[str, Any], bool]]:
        response = response or {"order_id": order["order_id"], "total": order["total"], "currency": order["currency"]}
        return self._group.submit(NewOrder(key, request_hash, order, event_id, event, now, entries or [], response))

    def _commit_group(self, items: list[NewOrder]) -> list[Placed | Exception]:
        """Every order of a group in one transaction (``groupcommit.py``): each key claimed, then
        the new orders' rows, a statement per table for them all."""
        with self._writing():
            claimed = [self._claim(o) for o in items]
            self._purge(items[-1].now)
            fresh = [o for o, c in zip(items, claimed, strict=True) if c]
            self._many("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", [order_row(o) for o in fresh])
            self._many(
                "INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
                [outbox_row(o) for o in fresh],
            )
            self._many(LEDGER_INSERT, [ledger_row(e, o.now) for o in fresh for e in o.entries])
            return [(o.response, True) if c else self._answer_kept(o) for o, c in zip(items, claimed, strict=True)]

    def _claim(self, o: NewOrder) -> bool:
        """Take the order's idempotency key. A concurrent request with the same key waits here
        (on PostgreSQL) for this transaction to end, then finds the key and answers with this
        order. A key older than KEY_TTL is free again: its row is taken over, as a new key's
        would be."""
        return bool(
            self._run(
                "INSERT INTO idempotency (key, request_hash, order_id, response, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, order_id = excluded.order_id,"
                " response = excluded.response, created_at = excluded.created_at WHERE idempotency.created_at <= ?",
                (o.key, o.request_hash, o.order["order_id"], json.dumps(o.response), o.now, o.now - KEY_TTL),
            ).rowcount
        )

    def _purge(self, now: float) -> None:
        if now >= self._next_purge:  # expired keys go once an hour, in the transaction of an order
            self._run("DELETE FROM idempotency WHERE created_at <= ?", (now - KEY_TTL,))
            self._next_purge = now + 3600

    def _answer_kept(self, o: NewOrder) -> Placed | Exception:
        """The answer kept for a key another order claimed first."""
        row = self._run("SELECT request_hash, response FROM idempotency WHERE key = ?", (o.key,)).fetchone()
        assert row is not None  # the conflicting row is committed (or this group's own): the INSERT waited for it
        try:
            return stored_answer(o.key, o.request_hash, row), False
        except KeyReused as exc:
            return exc

    def _store_one(self, o: NewOrder) -> Placed:
        """One order's rows, in its own savepoint of a group's transaction (``groupcommit.py``)."""
        claimed = self._claim(o)
        self._purge(o.now)
        if not claimed:
            answer = self._answer_kept(o)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self._run("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", order_row(o))
        self._run("INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)", outbox_row(o))
        self._insert_entries(o.entries, o.now)
        return o.response, True

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self._reading():
            row = self._run("SELECT data FROM orders WHERE id = ?", (order_id,)).fetchone()
        return dict(json.loads(row[0])) if row else None

    def orders(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._reading():
            rows = self._run(
                "SELECT o.id, o.shop, o.created_at, o.total, o.currency, o.lid, e.status, e.attempts FROM orders o"
                " LEFT JOIN outbox e ON e.order_id = o.id AND e.type = 'order.created' ORDER BY o.created_at DESC, o.id LIMIT ?",
                (limit,),
            ).fetchall()
        return [dict(zip(ORDER_KEYS, r, strict=True)) for r in rows]

    def count_orders(self) -> int:
        return self._count("orders")

    def order_events(self, order_id: str) -> list[tuple[str, str]]:
        with self._reading():
            rows = self._run("SELECT type, timestamp FROM order_events WHERE order_id = ? ORDER BY timestamp, received_at", (order_id,)).fetchall()
        return [(str(t), str(ts)) for t, ts in rows]

    # the outbox ----------------------------------------------------------------------

    def claim_due(self, now: float, lease: float, limit: int = 20, *, oldest: bool = False) -> list[Event]:
        due = now if not oldest else float("inf")
        with self._writing():
            rows = self._run(
                f"SELECT {EVENT_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? AND lease_until <= ?"
                f" ORDER BY created_at LIMIT ?{self.skip_locked}",  # oldest first: a backlog goes out in the order it came
                (due, now, limit),
            ).fetchall()
            self._lease([r[0] for r in rows], now + lease)
        return [_event(r) for r in rows]

    def _lease(self, ids: list[str], until: float) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            self._run(f"UPDATE outbox SET lease_until = ? WHERE status = 'pending' AND id IN ({marks})", (until, *chunk))

    def renew(self, event_ids: list[str], until: float) -> None:
        with self._writing():
            self._lease(event_ids, until)

    def settle(self, outcomes: list[Outcome]) -> None:
        delivered = [(o.at, o.event_id) for o in outcomes if o.kind == "delivered"]
        retry = [(o.at, o.reason, o.event_id) for o in outcomes if o.kind == "retry"]
        dead = [(o.reason, o.event_id) for o in outcomes if o.kind == "dead"]
        release = [(o.at, o.event_id) for o in outcomes if o.kind == "release"]  # not attempted: due again at ``at``, no attempt counted
        with self._writing():  # one transaction, one fsync, a statement per kind of outcome (pipelined on PostgreSQL)
            self._many("UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, lease_until = 0 WHERE id = ?", delivered)
            self._many("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_until = 0 WHERE id = ?", retry)
            self._many("UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_until = 0 WHERE id = ?", dead)
            self._many("UPDATE outbox SET next_attempt_at = ?, lease_until = 0 WHERE id = ? AND status = 'pending'", release)

    def release_backlog(self, now: float) -> int:
        return self._change("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?", (now, now))

    def delivered(self, event_id: str, now: float) -> None:
        self._change(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, lease_until = 0 WHERE id = ?", (now, event_id)
        )

    def retry_later(self, event_id: str, at: float, reason: str) -> None:
        self._change(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_until = 0 WHERE id = ?", (at, reason, event_id)
        )

    def dead(self, event_id: str, reason: str) -> None:
        self._change("UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_until = 0 WHERE id = ?", (reason, event_id))

    def requeue(self, order_id: str, now: float) -> int:
        return self._change("UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = 0 WHERE order_id = ?", (now, order_id))

    def events(self, order_id: str) -> list[Event]:
        with self._reading():
            rows = self._run(f"SELECT {EVENT_COLUMNS} FROM outbox WHERE order_id = ? ORDER BY created_at", (order_id,)).fetchall()
        return [_event(r) for r in rows]

    # the commission ledger (append-only) and fulfilment events --------------------------

    def _insert_entries(self, entries: list[Entry], now: float) -> None:
        for e in entries:
            self._run(LEDGER_INSERT, ledger_row(e, now))

    def _entries(self, order_id: str) -> list[Entry]:
        rows = self._run(
            "SELECT order_id, shop, line, kind, amount, reason, source FROM ledger WHERE order_id = ? ORDER BY id", (order_id,)
        ).fetchall()
        return [Entry(r[0], r[1], int(r[2]), r[3], Decimal(r[4]), r[5], r[6]) for r in rows]

    def entries(self, order_id: str) -> list[Entry]:
        with self._reading():
            return self._entries(order_id)

    def apply_event(self, webhook_id: str, event: dict[str, Any], compute: Compute, now: float) -> list[Entry]:
        order_id = str(event["data"]["order_id"])
        with self._writing():
            # An event already applied is a duplicate whichever order it names.
            if self._run("SELECT 1 FROM order_events WHERE webhook_id = ?", (webhook_id,)).fetchone():
                raise DuplicateEvent(webhook_id)
            # Locked, so that concurrent events for one order each see the entries of the others.
            row = self._run(f"SELECT data FROM orders WHERE id = ?{self.lock_rows}", (order_id,)).fetchone()
            if row is None:
                raise UnknownOrder(order_id)
            recorded = self._run(
                "INSERT INTO order_events VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id) DO NOTHING",
                (webhook_id, order_id, event["type"], str(event.get("timestamp", "")), json.dumps(event), now),
            ).rowcount
            if not recorded:  # the same event, applied by a concurrent transaction meanwhile
                raise DuplicateEvent(webhook_id)
            added = compute(json.loads(row[0]), self._entries(order_id))
            self._insert_entries(added, now)
        return added

    def report_rows(self, shop: str | None) -> list[ReportRow]:
        where, args = _shop_filter(shop)
        with self._reading():
            orders = self._run(f"SELECT id, data FROM orders {where} ORDER BY created_at, id", args).fetchall()
            out: list[ReportRow] = []
            for order_id, data in orders:
                events = self._run("SELECT type, timestamp FROM order_events WHERE order_id = ? ORDER BY timestamp", (order_id,)).fetchall()
                out.append((json.loads(data), self._entries(order_id), [(str(t), str(ts)) for t, ts in events]))
        return out

    def clicks_by_lid(self, shop: str | None) -> list[LinkClicks]:
        where, args = _shop_filter(shop)
        with self._reading():
            rows = self._run(f"SELECT shop, lid, max(channel), max(campaign), count(*) FROM clicks {where} GROUP BY shop, lid", args).fetchall()
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    # clicks --------------------------------------------------------------------------

    def add_click(self, shop: str, lid: str, channel: str | None, campaign: str | None, path: str | None, landed_at: str | None) -> None:
        self._change(
            "INSERT INTO clicks (shop, lid, channel, campaign, path, landed_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (shop, lid, channel, campaign, path, landed_at, time.time()),
        )

    def count_clicks(self) -> int:
        return self._count("clicks")

    # the owner's page: her link, its sessions, and the payouts made to her -------------

    def issue_owner_link(self, shop: str, token_hash: str, now: float) -> None:
        with self._writing():  # the old link and every session it opened end with the new one
            self._revoke_owner_link(shop, now)
            self._run("INSERT INTO owner_links (token_hash, shop, created_at) VALUES (?, ?, ?)", (token_hash, shop, now))

    def _revoke_owner_link(self, shop: str, now: float) -> int:
        revoked = self._run("UPDATE owner_links SET revoked_at = ? WHERE shop = ? AND revoked_at IS NULL", (now, shop)).rowcount
        self._run("DELETE FROM owner_sessions WHERE shop = ?", (shop,))
        return revoked

    def revoke_owner_link(self, shop: str, now: float) -> int:
        with self._writing():
            return self._revoke_owner_link(shop, now)

    def owner_link(self, shop: str) -> str | None:
        with self._reading():
            row = self._run("SELECT token_hash FROM owner_links WHERE shop = ? AND revoked_at IS NULL", (shop,)).fetchone()
        return str(row[0]) if row else None

    def start_owner_session(self, shop: str, link_hash: str, session_hash: str, expires_at: float, now: float) -> bool:
        with self._writing():
            self._run("DELETE FROM owner_sessions WHERE expires_at <= ?", (now,))
            # Only while the link that opens it is live: a revocation between the check and this
            # write leaves no session behind.
            return bool(
                self._run(
                    "INSERT INTO owner_sessions (token_hash, shop, link_hash, expires_at)"
                    " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM owner_links WHERE token_hash = ? AND shop = ? AND revoked_at IS NULL)",
                    (session_hash, shop, link_hash, expires_at, link_hash, shop),
                ).rowcount
            )

    def owner_sessions(self, shop: str, now: float) -> list[str]:
        with self._reading():
            rows = self._run(
                "SELECT s.token_hash FROM owner_sessions s JOIN owner_links l ON l.token_hash = s.link_hash AND l.revoked_at IS NULL"
                " WHERE s.shop = ? AND s.expires_at > ? ORDER BY s.expires_at DESC LIMIT 50",
                (shop, now),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def add_payout(self, shop: str, amount: Decimal, note: str, now: float) -> None:
        self._change("INSERT INTO payouts (shop, amount, note, paid_at) VALUES (?, ?, ?, ?)", (shop, str(amount), note, now))

    def paid_out(self, shop: str) -> Decimal:
        with self._reading():
            rows = self._run("SELECT amount FROM payouts WHERE shop = ?", (shop,)).fetchall()
        return sum((Decimal(r[0]) for r in rows), Decimal("0.00"))
