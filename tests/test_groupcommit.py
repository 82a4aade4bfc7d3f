"""Group commit (hook/groupcommit.py) on SQLite and PostgreSQL: a group of orders goes in as a
few statements, an order that fails leaves the rest of its group stored, and two orders with one
idempotency key are one order however they are grouped."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from decimal import Decimal
from typing import Any

import pytest

from generator.hook.database import open_storage
from generator.hook.ledger import Entry
from generator.hook.neworder import NewOrder
from generator.hook.sqlstore import SqlStore
from generator.hook.store import KeyReused


@pytest.fixture
def storage(db_url: str) -> Iterator[SqlStore]:
    s = open_storage(db_url)
    assert isinstance(s, SqlStore)
    yield s
    s.close()


def new_order(order_id: str | None = None, key: str | None = None, request_hash: str = "h", lines: int = 2) -> NewOrder:
    order_id = order_id or f"SF{uuid.uuid4().hex[:10].upper()}"
    order: dict[str, Any] = {"order_id": order_id, "shop": "amy", "created_at": "2026-12-02T10:00:00+00:00", "total": "30.00", "currency": "CNY"}
    order["lines"] = [{"sku": f"S{i}", "qty": 1, "line_total": "10.00", "commission_rate": "0.1"} for i in range(lines)]
    event = {"type": "order.created", "timestamp": order["created_at"], "data": order}
    entries = [Entry(order_id, "amy", i, "accrual", Decimal("1.00") + i, "order", "order") for i in range(lines)]
    response = {"order_id": order_id, "total": "30.00", "currency": "CNY"}
    return NewOrder(key or str(uuid.uuid4()), request_hash, order, f"evt_{uuid.uuid4().hex}", event, time.time(), entries, response)


def commit(storage: SqlStore, items: list[NewOrder]) -> list[Future[Any]]:
    """``items`` as one group, as the commit thread stores it."""
    jobs: list[tuple[NewOrder, Future[Any]]] = [(item, Future()) for item in items]
    storage._group._commit(jobs)
    return [future for _, future in jobs]


def test_a_group_stores_every_order_with_its_event_and_ledger(storage: SqlStore) -> None:
    items = [new_order(lines=i % 3) for i in range(40)]
    assert storage._commit_group(items) == [(o.response, True) for o in items], "in one go, not order by order"
    assert storage.count_orders() == 40
    for o in items:
        assert storage.order(o.order["order_id"]) == o.order
        assert [e.id for e in storage.events(o.order["order_id"])] == [o.event_id]
        assert storage.entries(o.order["order_id"]) == o.entries, "each line's entry, in line order"


def test_an_order_that_fails_leaves_the_rest_of_its_group_stored(storage: SqlStore) -> None:
    taken = new_order()
    storage.create_order(taken.key, "h", taken.order, taken.event_id, taken.event, taken.now, taken.entries, taken.response)
    before, clash, after = new_order(), new_order(order_id=taken.order["order_id"]), new_order()
    futures = commit(storage, [before, clash, after])
    assert futures[0].result() == (before.response, True) and futures[2].result() == (after.response, True)
    with pytest.raises(Exception):  # noqa: B017 - the database's own unique-violation error
        futures[1].result()
    assert storage.count_orders() == 3
    assert storage.replay(clash.key, "h") is None, "nothing of the failed order is kept, not even its key"


def test_a_key_seen_before_answers_with_its_order_or_is_refused(storage: SqlStore) -> None:
    first = new_order()
    storage.create_order(first.key, "h", first.order, first.event_id, first.event, first.now, first.entries, first.response)
    again, other = new_order(key=first.key), new_order(key=first.key, request_hash="another body")
    fresh = new_order()
    assert storage._commit_group([again, fresh]) == [(first.response, False), (fresh.response, True)]
    refused = storage._commit_group([other])
    assert len(refused) == 1 and isinstance(refused[0], KeyReused)
    assert storage.count_orders() == 2


def test_one_key_twice_at_once_is_one_order(storage: SqlStore) -> None:
    key = str(uuid.uuid4())
    twins = [new_order(key=key) for _ in range(3)]
    futures = [storage.submit_order(o.key, o.request_hash, o.order, o.event_id, o.event, o.now, o.entries, o.response) for o in twins]
    answers = [f.result(timeout=30) for f in futures]
    assert [created for _, created in answers] == [True, False, False]
    assert {a["order_id"] for a, _ in answers} == {twins[0].order["order_id"]}
    assert storage.count_orders() == 1


def test_an_order_whose_request_went_away_before_its_group_is_not_stored(storage: SqlStore) -> None:
    gone, kept = new_order(), new_order()
    jobs: list[tuple[NewOrder, Future[Any]]] = [(gone, Future()), (kept, Future())]
    assert jobs[0][1].cancel()  # as asyncio.wrap_future does when the request's task is cancelled
    storage._group._commit(jobs)
    assert jobs[1][1].result() == (kept.response, True)
    assert storage.order(gone.order["order_id"]) is None and storage.count_orders() == 1
