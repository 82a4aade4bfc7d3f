"""An order on its way into a group commit (``groupcommit.py``), and the rows it becomes: what
both stores' group statements (``sqlstore.py``, ``pgstorage.py``) share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeAlias

from .ledger import Entry
from .store import KeyReused

# An Idempotency-Key answers the same for a day after its first use, as Stripe's do; after
# that it is free again (a browser retrying a day later is a new checkout).
KEY_TTL = 24 * 3600.0


def stored_answer(key: str, request_hash: str, row: Any) -> dict[str, Any]:
    """The stored response for an idempotency key, if it was stored for this same request."""
    if row[0] != request_hash:
        raise KeyReused(key)
    return dict(json.loads(row[1]))


@dataclass(frozen=True)
class NewOrder:
    """An order on its way into a group (``groupcommit.py``)."""

    key: str
    request_hash: str
    order: dict[str, Any]
    event_id: str
    event: dict[str, Any]
    now: float
    entries: list[Entry]
    response: dict[str, Any]


Placed: TypeAlias = tuple[dict[str, Any], bool]
"""The answer for an order, and whether it was stored now (False: its key's earlier order)."""

LEDGER_INSERT = "INSERT INTO ledger (order_id, shop, line, kind, amount, reason, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def order_row(o: NewOrder) -> tuple[Any, ...]:
    order = o.order
    lid = (order.get("attribution") or {}).get("lid")
    return (order["order_id"], order["shop"], order["created_at"], order["total"], order["currency"], lid, json.dumps(order))


def outbox_row(o: NewOrder) -> tuple[Any, ...]:
    return (o.event_id, o.order["order_id"], o.event["type"], json.dumps(o.event, separators=(",", ":")), o.now, o.now)


def ledger_row(e: Entry, now: float) -> tuple[Any, ...]:
    return (e.order_id, e.shop, e.line, e.kind, str(e.amount), e.reason, e.source, now)
