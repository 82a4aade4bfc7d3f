"""The checkout hook as a shop's checkout page talks to it: every refusal has its own code,
prices come from the catalog only, and one key is one order."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from generator.hook.app import create_app, new_order_id
from generator.hook.database import open_storage
from generator.hook.errors import CODES
from generator.hook.limits import ClickBudget, until_tomorrow
from generator.hook.openapi import FULFILMENT_ONLY
from generator.hook.store import Store
from generator.pages.links import link_code

SHOP_ORIGIN = "http://127.0.0.1:8000"
ORDER: dict[str, Any] = {
    "shop": "xiaomei",
    "items": [
        {"sku": "BB-1001", "variant": "500g", "qty": 2, "unit_price": "159.00"},
        {"sku": "BB-1003", "qty": 1, "unit_price": "39.90"},
    ],
    "customer": {"name": "王女士", "phone": "138 0000 0000", "address": "上海市徐汇区某路 1 号", "email": "wang@example.com"},
    "attribution": {"lid": "Ab3_x", "channel": "wechat", "campaign": "winter"},
}


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def storage(db_url: str) -> Iterator[Store]:
    s = open_storage(db_url)
    yield s
    s.close()


@pytest.fixture
def client(project: Path, storage: Store) -> Iterator[TestClient]:
    with TestClient(create_app(project, storage, rate=1e6, burst=10**6)) as c:
        yield c


def post(client: TestClient, body: Any, *, idem: str | None = None, headers: dict[str, str] | None = None) -> Any:  # httpx's or httpx2's Response
    h = {"content-type": "application/json", "idempotency-key": idem or key(), **(headers or {})}
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/orders", content=data, headers=h)


def test_an_order_is_priced_stored_and_queued_for_fulfilment(client: TestClient, storage: Store) -> None:
    r = post(client, ORDER)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["total"] == "357.90" and body["currency"] == "CNY" and body["order_id"].startswith("SF")
    order = storage.order(body["order_id"])
    assert order is not None
    assert [(line["sku"], line["unit_price"], line["line_total"], line["commission_rate"]) for line in order["lines"]] == [
        ("BB-1001", "159.00", "318.00", "0.12"),
        ("BB-1003", "39.90", "39.90", "0.10"),
    ]
    assert order["attribution"] == {"lid": "Ab3_x", "channel": "wechat", "campaign": "winter"}
    [event] = storage.events(body["order_id"])
    assert event.type == "order.created" and event.status == "pending"
    assert json.loads(event.payload)["data"] == order


def changed(**edits: Any) -> dict[str, Any]:
    body = copy.deepcopy(ORDER)
    for path, value in edits.items():
        target: Any = body
        parts = path.split("__")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is ...:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return body


REFUSALS = [
    ("unknown_shop", 404, changed(shop="nobody")),
    ("unknown_shop", 404, changed(shop="../etc")),
    ("unknown_product", 422, changed(items__1__sku="ZZ-9999")),
    ("product_not_in_shop", 422, changed(items__1={"sku": "FD-2001", "qty": 1, "unit_price": "19.90"})),
    ("product_unavailable", 422, changed(items__1={"sku": "BB-1010", "qty": 1, "unit_price": "59.00"})),
    ("sold_out", 422, changed(items__1={"sku": "BB-1008", "qty": 1, "unit_price": "168.00"})),
    ("sold_out", 422, changed(items__1={"sku": "BB-1009", "qty": 1, "unit_price": "29.90"})),
    ("sold_out", 422, changed(items__1={"sku": "BB-1006", "variant": "green", "qty": 1, "unit_price": "79.00"})),
    ("unknown_variant", 422, changed(items__0__variant="1kg")),
    ("unknown_variant", 422, changed(items__1__variant="big")),
    ("variant_required", 422, changed(items__0__variant=...)),
    ("quantity_out_of_range", 422, changed(items__0__qty=0)),
    ("quantity_out_of_range", 422, changed(items__0__qty=6)),  # max_per_order: 5
    ("quantity_out_of_range", 422, changed(items__0__qty=-3)),
    ("duplicate_line", 422, changed(items__1={"sku": "BB-1001", "variant": "500g", "qty": 1, "unit_price": "159.00"})),
    ("too_many_lines", 422, changed(items=[{"sku": "BB-1003", "qty": 1, "unit_price": "39.90"}] * 51)),
    ("invalid_request", 422, changed(items=[])),
    ("invalid_request", 422, changed(customer__phone="call me")),
    ("invalid_request", 422, changed(customer__address=...)),
    ("invalid_request", 422, changed(items__0__qty="2")),
    ("invalid_request", 422, changed(items__0__unit_price="159.001")),
    ("invalid_request", 422, changed(extra="field")),
    ("invalid_request", 422, [1, 2, 3]),
    ("price_changed", 409, changed(items__0__unit_price="99.00")),
]


@pytest.mark.parametrize(("code", "status", "body"), REFUSALS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(REFUSALS)])
def test_each_refusal_has_its_status_and_code(client: TestClient, storage: Store, code: str, status: int, body: Any) -> None:
    r = post(client, body)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["message"]
    assert storage.count_orders() == 0


def test_transport_level_refusals(client: TestClient) -> None:
    assert post(client, b"{not json").json()["error"] == "malformed_json"
    assert post(client, b"\xff\xfe").status_code == 400
    assert post(client, b'{"a": NaN}').json()["error"] == "malformed_json"
    nested = post(client, ("[" * 5000) + ("]" * 5000))
    assert (nested.status_code, nested.json()["error"]) == (400, "too_deeply_nested")
    deep = {"shop": "xiaomei", "items": [{"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}]}
    assert post(client, deep).json()["error"] == "too_deeply_nested"
    big = post(client, b'{"pad": "' + b"x" * 70_000 + b'"}')
    assert (big.status_code, big.json()["error"]) == (413, "payload_too_large")
    plain = client.post("/orders", content=json.dumps(ORDER), headers={"content-type": "text/plain", "idempotency-key": key()})
    assert (plain.status_code, plain.json()["error"]) == (415, "unsupported_media_type")
    no_key = client.post("/orders", content=json.dumps(ORDER), headers={"content-type": "application/json"})
    assert (no_key.status_code, no_key.json()["error"]) == (400, "missing_idempotency_key")
    for bad in ("123", "not-a-uuid", str(uuid.uuid1())):
        r = post(client, ORDER, idem=bad)
        assert (r.status_code, r.json()["error"]) == (400, "invalid_idempotency_key")


def test_price_changed_answers_current_prices(client: TestClient) -> None:
    r = post(client, changed(items__0__unit_price="149.00", items__1__unit_price="39.90"))
    assert r.status_code == 409
    assert r.json()["prices"] == [{"line": 0, "sku": "BB-1001", "variant": "500g", "unit_price": "159.00"}]
    assert r.json()["total"] == "357.90"


def test_replay_returns_the_same_order_and_a_changed_body_is_refused(client: TestClient, storage: Store) -> None:
    k = key()
    first = post(client, ORDER, idem=k)
    again = post(client, ORDER, idem=k)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = post(client, changed(items__0__qty=1), idem=k)
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    assert storage.count_orders() == 1


def test_a_key_answers_the_same_for_a_day_then_is_free_again(client: TestClient, storage: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    k, other = key(), key()
    first = post(client, ORDER, idem=k)
    assert post(client, ORDER, idem=other).status_code == 201
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 23 * 3600)
    assert post(client, ORDER, idem=k).json() == first.json(), "a retry within the day is the same order"
    monkeypatch.setattr(time, "time", lambda: real() + 25 * 3600)
    later = post(client, ORDER, idem=k)
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    assert later.json()["order_id"] != first.json()["order_id"] and storage.count_orders() == 3
    assert storage._count("idempotency") == 1, "expired keys are purged: only the one just taken over is left"  # type: ignore[attr-defined]


def test_a_database_from_before_keys_expired_is_brought_up_to_date(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, order_id TEXT NOT NULL, response TEXT NOT NULL)")
        old.execute("INSERT INTO idempotency VALUES ('k1', 'h1', 'SF1', '{\"order_id\": \"SF1\"}')")
    storage = open_storage(str(path))
    try:
        assert storage.replay("k1", "h1") == {"order_id": "SF1"}, "a key kept before the upgrade still answers for a day"
        assert storage.replay("k1", "h1", time.time() + 25 * 3600) is None
    finally:
        storage.close()


def test_a_thousand_tampered_orders_are_never_accepted_at_a_wrong_price(client: TestClient, storage: Store) -> None:
    rng = random.Random(20261125)
    catalog = {
        ("BB-1001", "250g"): Decimal("89.00"),
        ("BB-1001", "500g"): Decimal("159.00"),
        ("BB-1003", None): Decimal("39.90"),
        ("BB-1004", None): Decimal("69.00"),
        ("BB-1002", "240ml"): Decimal("128.00"),
        ("BB-1002", "160ml"): Decimal("108.00"),
    }
    keys = list(catalog)
    accepted = 0
    for _ in range(1000):
        lines = []
        for sku, variant in rng.sample(keys, rng.randint(1, 3)):
            price = catalog[(sku, variant)]
            if rng.random() < 0.5:
                price = max(Decimal("0.00"), price + Decimal(rng.choice([-1, 1]) * rng.randint(1, 5000)) / 100)
            line: dict[str, Any] = {"sku": sku, "qty": rng.randint(1, 3), "unit_price": str(price)}
            if variant:
                line["variant"] = variant
            lines.append(line)
        if len({(line["sku"], line.get("variant")) for line in lines}) < len(lines):
            continue
        r = post(client, changed(items=lines))
        honest = all(Decimal(line["unit_price"]) == catalog[(line["sku"], line.get("variant"))] for line in lines)
        if r.status_code == 201:
            accepted += 1
            assert honest
            expected = sum(catalog[(line["sku"], line.get("variant"))] * line["qty"] for line in lines)
            assert Decimal(r.json()["total"]) == expected
        else:
            assert not honest and (r.status_code, r.json()["error"]) == (409, "price_changed")
    assert 0 < accepted == storage.count_orders()


def test_cors_allows_only_known_shops(client: TestClient) -> None:
    ok = client.options("/orders", headers={"origin": SHOP_ORIGIN, "access-control-request-method": "POST"})
    assert ok.headers["access-control-allow-origin"] == SHOP_ORIGIN
    assert "Idempotency-Key" in ok.headers["access-control-allow-headers"]
    evil = post(client, ORDER, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers


def test_rate_limit_answers_429_with_retry_after(project: Path, storage: Store) -> None:
    with TestClient(create_app(project, storage, rate=0.1, burst=3)) as c:
        codes = [post(c, ORDER).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        limited = post(c, ORDER)
        assert limited.json()["error"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1


def test_customer_data_never_reaches_the_log(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert post(client, ORDER).status_code == 201
    text = caplog.text
    assert "shop=xiaomei" in text
    for secret in ("王女士", "138 0000 0000", "13800000000", "上海市", "wang@example.com"):
        assert secret not in text


def beacon(code: str, **fields: Any) -> dict[str, Any]:
    return {"shop": "xiaomei", "lid": code, "channel": "wechat", "path": "/p/BB-1001/", "landed_at": "2026-11-25T10:00:00Z", **fields}


def click(client: TestClient, body: dict[str, Any]) -> Any:
    # what navigator.sendBeacon sends: text/plain, so that no preflight is needed
    return client.post("/clicks", content=json.dumps(body), headers={"content-type": "text/plain;charset=UTF-8"})


def test_clicks_beacon_is_stored(client: TestClient, storage: Store) -> None:
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    assert click(client, beacon(code)).status_code == 204
    assert client.post("/clicks", json=beacon("../x")).json()["error"] == "invalid_click"
    assert client.post("/clicks", json=beacon(code, shop="nobody")).json()["error"] == "unknown_shop"
    assert storage.count_clicks() == 1


def test_a_click_counts_only_for_a_link_of_the_shop_it_names(client: TestClient, storage: Store) -> None:
    # a forger posts made-up codes, and chef-lin's real code as if it were xiaomei's
    for code in ("Ab3_x", "AAAAAAAAAAA", link_code("chef-lin", "FD-2001", "wechat", None), link_code("xiaomei", "BB-1001", "tiktok", None)):
        r = click(client, beacon(code))
        assert (r.status_code, r.json()["error"]) == (422, "unknown_link"), code
    assert storage.count_clicks() == 0
    # the product page's own link (the last channel, no campaign) is one of hers
    assert click(client, beacon(link_code("xiaomei", "BB-1001", "link", None))).status_code == 204
    assert storage.count_clicks() == 1


def test_a_clicks_channel_and_campaign_are_the_codes_own(client: TestClient, storage: Store) -> None:
    code = link_code("xiaomei", "BB-1001", "moments", None)
    forged = beacon(code, channel="=cmd|' /C calc'!A0", campaign='=HYPERLINK("https://evil.example")')
    assert click(client, forged).status_code == 204
    assert storage.clicks_by_lid("xiaomei") == [("xiaomei", code, "moments", None, 1)]


def test_clicks_share_the_orders_rate_limit(project: Path, storage: Store) -> None:
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    with TestClient(create_app(project, storage, rate=0.1, burst=3)) as c:
        assert [click(c, beacon(code)).status_code for _ in range(3)] == [204, 204, 204]
        limited = click(c, beacon(code))
        assert (limited.status_code, limited.json()["error"]) == (429, "rate_limited") and int(limited.headers["retry-after"]) >= 1
        assert post(c, ORDER).status_code == 429  # one bucket per address for both
    assert storage.count_clicks() == 3


def test_one_address_cannot_grow_the_click_store_without_bound(project: Path, storage: Store) -> None:
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    app = create_app(project, storage, rate=1e6, burst=10**6, clicks_per_day=20)
    with TestClient(app, client=("203.0.113.7", 4000)) as forger:
        answers = [click(forger, beacon(code)).status_code for _ in range(50)]
        assert answers == [204] * 20 + [429] * 30
        refused = click(forger, beacon(code))
        assert refused.json()["error"] == "too_many_clicks"
        assert 1 <= int(refused.headers["retry-after"]) <= 86400  # the next UTC day
    assert storage.count_clicks() == 20
    with TestClient(app, client=("198.51.100.2", 4000)) as customer:  # someone else still counts
        assert click(customer, beacon(code)).status_code == 204
    assert storage.count_clicks() == 21


def test_click_budget_starts_again_each_utc_day() -> None:
    budget = ClickBudget(2)
    day = dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=dt.UTC)
    assert [budget.take("a", day) for _ in range(3)] == [True, True, False]
    assert budget.take("b", day)
    assert until_tomorrow(day) == 1
    assert budget.take("a", day + dt.timedelta(seconds=1))


def test_health_and_openapi_describe_what_the_hook_does(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["shops"] == 3
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/orders", "/orders/{order_id}", "/clicks", "/fulfilment/events", "/health", "/owner/{shop}/"}
    assert set(spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]) == set(CODES)
    documented = {int(s) for s in spec["paths"]["/orders"]["post"]["responses"]}
    assert {status for code, (status, _) in CODES.items() if code not in FULFILMENT_ONLY} <= documented


def test_catalog_change_reaches_checkout_without_a_restart(client: TestClient, project: Path) -> None:
    catalog = project / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('price: "39.90"', 'price: "42.00"', 1), encoding="utf-8")
    time.sleep(1.1)
    r = post(client, ORDER)
    assert (r.status_code, r.json()["error"]) == (409, "price_changed")
    assert r.json()["prices"] == [{"line": 1, "sku": "BB-1003", "variant": None, "unit_price": "42.00"}]


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def test_fifty_concurrent_requests_with_one_key_make_one_order(project: Path, storage: Store) -> None:
    live = LiveServer(create_app(project, storage, rate=1e6, burst=10**6))
    k = key()
    results: list[httpx.Response] = []
    barrier = threading.Barrier(50)

    def fire() -> None:
        barrier.wait()
        results.append(httpx.post(live.url + "/orders", json=ORDER, headers={"idempotency-key": k}, timeout=30))

    threads = [threading.Thread(target=fire) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    live.stop()
    assert [r.status_code for r in results] == [201] * 50
    assert len({r.json()["order_id"] for r in results}) == 1
    assert storage.count_orders() == 1


def test_order_numbers_of_a_sale_day_do_not_repeat() -> None:
    """200,000 orders in a day: with 32 random bits two of them would share a number on almost
    every such day (and the second be refused); the number's 60 bits make that practically never."""
    now = dt.datetime(2026, 11, 11, tzinfo=dt.UTC)
    numbers = {new_order_id(now) for _ in range(200_000)}
    assert len(numbers) == 200_000
    assert all(re.fullmatch(r"SF261111-[0-9A-HJKMNP-TV-Z]{12}", n) for n in list(numbers)[:1000])
