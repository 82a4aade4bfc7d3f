"""Owners' earnings: fulfilment events, the append-only commission ledger, and the reports."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import itertools
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from generator.cli import main
from generator.cli.options import FORMULA_START, csv_cell
from generator.hook import ledger, webhooks
from generator.hook.app import create_app
from generator.hook.database import open_storage
from generator.hook.reports import earnings, links
from generator.hook.store import Store
from generator.pages.links import link_code

SECRET = "whsec_" + base64.b64encode(b"fulfilment-shared-secret-01").decode()
CUSTOMER = {"name": "王女士", "phone": "13800000000", "address": "上海市徐汇区某路 1 号", "email": "wang@example.com"}


def order_body(shop: str, items: list[dict[str, Any]], lid: str | None = None, phone: str = "13800000000") -> dict[str, Any]:
    body: dict[str, Any] = {"shop": shop, "items": items, "customer": {**CUSTOMER, "phone": phone}}
    if lid:
        body["attribution"] = {"lid": lid, "channel": "wechat"}
    return body


@pytest.fixture
def storage(db_url: str) -> Iterator[Store]:
    s = open_storage(db_url)
    yield s
    s.close()


@pytest.fixture
def client(project: Path, storage: Store) -> Iterator[TestClient]:
    with TestClient(create_app(project, storage, rate=1e6, burst=10**6, fulfilment_secret=SECRET)) as c:
        yield c


def place(client: TestClient, body: dict[str, Any]) -> str:
    r = client.post("/orders", json=body, headers={"idempotency-key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return str(r.json()["order_id"])


def send(client: TestClient, kind: str, order_id: str, *, when: str = "2026-11-25T00:00:00+00:00", msg_id: str | None = None, **data: Any) -> Any:
    body = json.dumps({"type": kind, "timestamp": when, "data": {"order_id": order_id, **data}}).encode()
    headers = {"content-type": "application/json", **webhooks.headers(SECRET, msg_id or f"msg_{uuid.uuid4().hex}", body)}
    return client.post("/fulfilment/events", content=body, headers=headers)


def net(storage: Store, order_id: str) -> Decimal:
    return sum((e.amount if e.kind == "accrual" else -e.amount for e in storage.entries(order_id)), Decimal("0.00"))


BB1001 = {"sku": "BB-1001", "variant": "500g", "qty": 3, "unit_price": "159.00"}  # rate 0.12 → 57.24
BB1003 = {"sku": "BB-1003", "qty": 1, "unit_price": "39.90"}  # category baby 0.10 → 3.99
LID_A = link_code("xiaomei", "BB-1001", "wechat", None)
LID_B = link_code("chef-lin", "FD-2001", "moments", None)
LID_C = link_code("chef-lin", "HM-4001", "link", None)


def test_commission_accrues_per_line_at_the_rate_in_force(client: TestClient, storage: Store) -> None:
    order_id = place(client, order_body("xiaomei", [BB1001, BB1003]))
    assert [(e.line, e.kind, e.amount, e.reason) for e in storage.entries(order_id)] == [
        (0, "accrual", Decimal("57.24"), "order"),
        (1, "accrual", Decimal("3.99"), "order"),
    ]


def test_partial_refund_then_cancellation_reverse_exactly_what_was_accrued(client: TestClient, storage: Store) -> None:
    order_id = place(client, order_body("xiaomei", [BB1001, BB1003]))
    assert send(client, "order.refunded", order_id, lines=[{"line": 0, "qty": 1}]).json() == {"status": "applied", "entries": 1}
    assert net(storage, order_id) == Decimal("57.24") - Decimal("19.08") + Decimal("3.99")
    assert send(client, "order.cancelled", order_id).status_code == 200
    assert net(storage, order_id) == Decimal("0.00")
    assert send(client, "order.refunded", order_id).json()["entries"] == 0  # nothing left to reverse


def test_events_twice_or_out_of_order_leave_the_same_state(client: TestClient, storage: Store) -> None:
    events: list[tuple[str, dict[str, Any]]] = [
        ("order.paid", {}),
        ("order.shipped", {}),
        ("order.refunded", {"lines": [{"line": 0, "qty": 2}]}),
        ("order.cancelled", {}),
    ]
    finals = set()
    for n, permutation in enumerate(itertools.permutations(events)):  # one order per permutation: the ledger is per order
        order_id = place(client, order_body("xiaomei", [BB1001, BB1003]))
        for i, (kind, data) in enumerate(permutation):
            assert send(client, kind, order_id, msg_id=f"msg_{n}_{i}", **data).status_code == 200
            again = send(client, kind, order_id, msg_id=f"msg_{n}_{i}", **data)  # the same webhook-id again
            assert (again.status_code, again.json()["error"]) == (409, "duplicate_event")
        reversed_ = sum((e.amount for e in storage.entries(order_id) if e.kind == "reversal"), Decimal("0.00"))
        finals.add((net(storage, order_id), reversed_))
    assert finals == {(Decimal("0.00"), Decimal("61.23"))}


def test_refused_events(client: TestClient) -> None:
    order_id = place(client, order_body("xiaomei", [BB1003]))
    body = json.dumps({"type": "order.paid", "timestamp": "2026-11-25T00:00:00Z", "data": {"order_id": order_id}}).encode()
    forged = webhooks.headers("whsec_" + base64.b64encode(b"not-the-shared-secret-000").decode(), "msg_x", body)
    r = client.post("/fulfilment/events", content=body, headers=forged)
    assert (r.status_code, r.json()["error"]) == (401, "bad_signature")
    stale = webhooks.headers(SECRET, "msg_y", body, timestamp=int(time.time()) - 3600)
    r = client.post("/fulfilment/events", content=body, headers=stale)
    assert (r.status_code, r.json()["error"]) == (401, "stale_timestamp")
    r = send(client, "order.paid", "SF000000-NOPE")
    assert (r.status_code, r.json()["error"]) == (404, "unknown_order")
    r = send(client, "order.exploded", order_id)
    assert (r.status_code, r.json()["error"]) == (422, "unknown_event_type")


def test_owners_own_purchase_earns_nothing(client: TestClient, storage: Store, project: Path) -> None:
    shop_yaml = project / "content" / "xiaomei" / "shop.yaml"
    shop_yaml.write_text(
        shop_yaml.read_text(encoding="utf-8").replace(
            "contact: {wechat: xiaomei_mom}", 'contact: {wechat: xiaomei_mom}\nprivate: {phone: "139-1111-2222"}'
        ),
        encoding="utf-8",
    )
    time.sleep(1.1)  # the hook picks up the edit
    # however she types her own number at checkout, it is hers: the platform's locale is zh_CN
    for spelling in ("13911112222", "+86 139 1111 2222", "+8613911112222", "013911112222", "0086 139-1111-2222", "139 1111 2222"):
        order_id = place(client, order_body("xiaomei", [BB1003], phone=spelling))
        assert [(e.amount, e.reason) for e in storage.entries(order_id)] == [(Decimal("0.00"), "own_purchase")], spelling
    # a neighbour's number, and hers in another country, still earn her commission
    for other in ("13911112223", "+1 391 111 2222"):
        order_id = place(client, order_body("xiaomei", [BB1003], phone=other))
        assert [(e.amount, e.reason) for e in storage.entries(order_id)] == [(Decimal("3.99"), "order")], other


def test_phone_numbers_are_compared_in_the_platforms_region() -> None:
    assert (ledger.region("zh_CN"), ledger.region("en_US"), ledger.region("zh"), ledger.region("not a locale")) == ("CN", "US", "CN", None)
    order = {"customer": {"phone": "(415) 555-0100"}}
    assert ledger.own_purchase(order, ("+1 415-555-0100",), "US")
    assert not ledger.own_purchase(order, ("+1 415-555-0100",), "CN")  # in China, 415… is a Chinese number
    # what no region makes a phone number of is compared by its digits
    assert ledger.phone_key("7", "CN") == ledger.phone_key("7", None) == "7"
    assert ledger.own_purchase({"customer": {"phone": "7"}}, ("tel. 7",), "CN")
    assert not ledger.own_purchase({"customer": {"phone": ""}}, ("",), "CN")


def test_the_ledger_is_append_only(client: TestClient, storage: Store) -> None:
    place(client, order_body("xiaomei", [BB1003]))
    if isinstance(storage.path, str) and storage.path.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(storage.path, autocommit=True) as pg:
            for sql in ("UPDATE ledger SET amount = '99.99'", "DELETE FROM ledger"):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    pg.execute(sql)
        return
    conn = sqlite3.connect(storage.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE ledger SET amount = '99.99'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM ledger")
    conn.close()


def test_reports_match_hand_computed_totals(client: TestClient, storage: Store, project: Path) -> None:
    now = dt.datetime.now(tz=dt.UTC)
    old = (now - dt.timedelta(days=20)).isoformat()
    recent = (now - dt.timedelta(days=2)).isoformat()
    a = place(client, order_body("xiaomei", [BB1001], lid=LID_A))  # 477.00, commission 57.24
    b = place(client, order_body("xiaomei", [BB1003], lid=LID_A))  # 39.90, commission 3.99
    c = place(client, order_body("xiaomei", [{"sku": "BB-1004", "qty": 2, "unit_price": "69.00"}]))  # 138.00, 13.80
    d = place(client, order_body("chef-lin", [{"sku": "FD-2001", "qty": 4, "unit_price": "19.90"}], lid=LID_B))  # 79.60 x 0.08 = 6.37
    send(client, "order.shipped", a, when=old)  # 20 days > refund_days 14: locked
    send(client, "order.shipped", b, when=recent)  # still pending
    send(client, "order.refunded", b, lines=[{"line": 0, "qty": 1}])  # fully reversed: 3.99
    send(client, "order.cancelled", c)  # reversed 13.80, not counted as an order
    send(client, "order.paid", d, when=recent)
    beacons = [("xiaomei", LID_A)] * 4 + [("chef-lin", LID_B), ("chef-lin", LID_C)]
    assert {client.post("/clicks", json={"shop": shop, "lid": code}).status_code for shop, code in beacons} == {204}

    rows = {r.shop: r.row() for r in earnings(storage, shop=None, since=None, until=None, refund_days=14, now=now)}
    assert rows["xiaomei"] == {
        "shop": "xiaomei",
        "orders": 2,
        "revenue": "516.90",
        "pending": "0.00",
        "locked": "57.24",
        "reversed": "17.79",
        "payable": "57.24",
    }
    assert rows["chef-lin"] == {
        "shop": "chef-lin",
        "orders": 1,
        "revenue": "79.60",
        "pending": "6.37",
        "locked": "0.00",
        "reversed": "0.00",
        "payable": "0.00",
    }

    table = {(r.shop, r.lid): r.row() for r in links(storage, shop=None)}
    assert table[("xiaomei", LID_A)] == {
        "shop": "xiaomei",
        "lid": LID_A,
        "channel": "wechat",
        "campaign": "",
        "clicks": 4,
        "orders": 2,
        "conversion": "50.0%",
        "revenue": "516.90",
    }
    assert table[("chef-lin", LID_B)]["conversion"] == "100.0%"
    assert table[("chef-lin", LID_C)] == {
        "shop": "chef-lin",
        "lid": LID_C,
        "channel": "link",
        "campaign": "",
        "clicks": 1,
        "orders": 0,
        "conversion": "0.0%",
        "revenue": "0.00",
    }

    runner = CliRunner()
    for args in (["report", "earnings", "--format", "json"], ["report", "links", "--format", "csv"], ["report", "earnings", "--shop", "xiaomei"]):
        result = runner.invoke(main, [*args, "--project", str(project), "--db", str(storage.path)])
        assert result.exit_code == 0, result.output
        for secret in ("王女士", "13800000000", "上海市", "wang@example.com"):
            assert secret not in result.output  # owners' reports never show customers' data
    earned = json.loads(runner.invoke(main, ["report", "earnings", "--format", "json", "--project", str(project), "--db", str(storage.path)]).output)
    assert [r["shop"] for r in earned] == ["chef-lin", "xiaomei"]


def test_ledger_arithmetic_is_decimal_and_rounds_half_up() -> None:
    order = {
        "order_id": "X",
        "shop": "s",
        "customer": {"phone": "1"},
        "lines": [{"line_total": "0.05", "commission_rate": "0.5", "qty": 1}, {"line_total": "100.00", "commission_rate": "0.125", "qty": 3}],
    }
    entries = ledger.accruals(order, ())
    assert [e.amount for e in entries] == [Decimal("0.03"), Decimal("12.50")]
    refund = ledger.reversals(order, entries, {"type": "order.refunded", "data": {"lines": [{"line": 1, "qty": 1}]}}, "m1")
    assert [e.amount for e in refund] == [Decimal("4.17")]
    rest = ledger.reversals(order, entries + refund, {"type": "order.refunded", "data": {"lines": [{"line": 1, "qty": 2}]}}, "m2")
    assert [e.amount for e in rest] == [Decimal("8.33")]  # never more than what is left


def test_unreachable_database_is_a_clear_error_without_the_password(project: Path) -> None:
    runner = CliRunner()
    for args in (["orders", "list"], ["report", "earnings"]):
        result = runner.invoke(main, [*args, "--project", str(project), "--db", "postgresql://owner:s3cret@127.0.0.1:1/orders"])
        assert result.exit_code == 2
        assert "cannot open the order database 127.0.0.1:1/orders" in result.output
        assert "s3cret" not in result.output and "Traceback" not in result.output


def test_csv_reports_never_hand_a_spreadsheet_a_formula(client: TestClient, storage: Store, project: Path) -> None:
    # clicks stored before the hook checked link codes, or a title written to look like a formula
    storage.add_click("xiaomei", "LidA", "=cmd|' /C calc'!A0", '=HYPERLINK("https://evil.example","x")', None, None)
    storage.add_click("xiaomei", "LidB", "@SUM(1+1)", "\tx", None, None)
    place(client, order_body("xiaomei", [BB1003], lid="LidA"))
    result = CliRunner().invoke(main, ["report", "links", "--format", "csv", "--project", str(project), "--db", str(storage.path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["shop", "lid", "channel", "campaign", "clicks", "orders", "conversion", "revenue"]
    cells = {row[1]: row for row in rows[1:]}
    assert cells["LidA"][2:4] == ["'=cmd|' /C calc'!A0", '\'=HYPERLINK("https://evil.example","x")']
    assert cells["LidB"][2:4] == ["'@SUM(1+1)", "'\tx"]
    assert cells["LidA"][4:] == ["1", "1", "100.0%", "39.90"]  # figures stay figures
    assert not any(cell.startswith(FORMULA_START) for row in rows for cell in row)


def test_csv_cell_follows_owasp() -> None:
    assert [csv_cell(v) for v in ("=1+1", "+1", "-12.50", "@x", "\tx", "\rx", "12.50", "a=b", "", None, 3)] == [
        "'=1+1",
        "'+1",
        "'-12.50",  # no money in a report is negative; anything that looks so is not trusted
        "'@x",
        "'\tx",
        "'\rx",
        "12.50",
        "a=b",
        "",
        "",
        "3",
    ]
