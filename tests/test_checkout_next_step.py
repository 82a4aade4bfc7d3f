"""After "thank you": the hook refuses customer text it must not forward, says what is wrong field
by field in the shop's language, and tells the customer how her order is paid — a signed payment
link, cash on delivery or "the platform will contact you" — from the order's own secret."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from generator.content.project import load_project
from generator.errors import ContentError
from generator.hook import payment
from generator.hook.app import create_app
from generator.hook.database import open_storage
from generator.hook.store import Store

from .test_ledger import SECRET, send

PAY_SECRET = "pay-secret-for-tests"
CUSTOMER = {"name": "王女士", "phone": "13800000000", "address": "上海市徐汇区某路 1 号"}
XIAOMEI = {"shop": "xiaomei", "items": [{"sku": "BB-1003", "qty": 2, "unit_price": "39.90"}], "customer": CUSTOMER}
AMY = {
    "shop": "glow-with-amy",
    "items": [{"sku": "BT-3002", "variant": "30ml", "qty": 1, "unit_price": "199.00"}],
    "customer": {"name": "Amy Lee", "phone": "+1 (555) 010-0000", "address": "1 Main Street, Springfield"},
}


def make_client(project: Path, storage: Store, **kw: Any) -> TestClient:
    return TestClient(create_app(project, storage, rate=1e6, burst=10**6, fulfilment_secret=SECRET, **kw))


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Store]:
    s = open_storage(str(tmp_path / "orders.db"))
    yield s
    s.close()


@pytest.fixture
def client(project: Path, storage: Store) -> Iterator[TestClient]:
    with make_client(project, storage, payment_secret=PAY_SECRET) as c:
        yield c


def post(client: TestClient, body: dict[str, Any], key: str | None = None) -> Any:
    return client.post("/orders", json=body, headers={"idempotency-key": key or str(uuid.uuid4())})


def with_customer(body: dict[str, Any], **fields: str) -> dict[str, Any]:
    return {**body, "customer": {**body["customer"], **fields}}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "王\u202e女士"),  # right-to-left override
        ("name", "Amy\u2066 Lee"),  # isolate
        ("name", "王\x07女士"),  # bell
        ("name", "王\n女士"),  # a line break in a one-line field
        ("address", "上海市\u202e徐汇区某路 1 号"),
        ("address", "上海市\x00徐汇区某路 1 号"),
        ("note", "请放门口\u200f"),
        ("email", "wang\u202e@example.com"),
        ("phone", "138\u202e00000000"),
    ],
)
def test_control_and_bidi_characters_are_refused_field_by_field(client: TestClient, storage: Store, field: str, value: str) -> None:
    r = post(client, with_customer(XIAOMEI, **{field: value}))
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    [problem] = r.json()["fields"]
    assert problem["field"] == f"customer.{field}"
    assert problem["code"] in ("forbidden_character", "phone_format", "email_format")
    assert storage.count_orders() == 0


def test_line_breaks_and_tabs_are_kept_in_addresses_and_notes(client: TestClient) -> None:
    r = post(client, with_customer(XIAOMEI, address="上海市徐汇区\n某路 1 号\t3 楼", note="工作日\r\n送货"))
    assert r.status_code == 201, r.text


def test_field_errors_come_back_in_the_shops_language(client: TestClient) -> None:
    zh = post(client, with_customer(XIAOMEI, name="   ", phone="138-abc", address="上海")).json()
    assert zh["message"] == "请检查标出的信息。"
    by_field = {f["field"]: (f["code"], f["message"]) for f in zh["fields"]}
    assert by_field == {
        "customer.name": ("required", "请填写这一项。"),
        "customer.phone": ("phone_format", "请填写手机号，只用数字、空格、括号和短横线，例如 13800000000。"),
        "customer.address": ("too_short", "太短了，至少要 5 个字。"),
    }
    en = post(client, with_customer(AMY, phone="call me", email="amy@", note="\u202eleave it")).json()
    assert en["message"] == "Please check the marked fields."
    assert {f["field"]: f["code"] for f in en["fields"]} == {
        "customer.phone": "phone_format",
        "customer.email": "email_format",
        "customer.note": "forbidden_character",
    }
    assert all(f["message"].isascii() for f in en["fields"])
    # refusals other than a field's are in her language too, with the same machine-readable code
    sold_out = post(client, {**XIAOMEI, "items": [{"sku": "BB-1008", "qty": 1, "unit_price": "1.00"}]}).json()
    assert (sold_out["error"], sold_out["message"], sold_out["line"]) == ("sold_out", "有一件商品已经卖完了，请删除后再提交。", 0)


def test_an_order_has_a_signed_payment_link_that_its_customer_can_fetch_again(project: Path, db_url: str) -> None:
    storage = open_storage(db_url)
    try:
        with make_client(project, storage, payment_secret=PAY_SECRET) as client:
            key = str(uuid.uuid4())
            created = post(client, XIAOMEI, key).json()
            assert created["total"] == "79.80" and created["order_secret"].startswith("os_")
            link = created["payment"]
            assert link["method"] == "link" and link["url"].startswith("https://pay.beishop.example/checkout?")
            query = {k: v[0] for k, v in parse_qs(urlsplit(link["url"]).query).items()}
            assert (query["order"], query["amount"], query["currency"]) == (created["order_id"], "79.80", "CNY")
            now = time.time()
            assert payment.verify(PAY_SECRET, query["order"], query["amount"], query["currency"], query["expires"], query["signature"], now=now)
            assert 23 * 3600 < int(query["expires"]) - now <= 24 * 3600
            # an edited amount, or a link past its expiry, does not verify
            assert not payment.verify(PAY_SECRET, query["order"], "0.01", "CNY", query["expires"], query["signature"], now=now)
            assert not payment.verify(PAY_SECRET, query["order"], "79.80", "CNY", query["expires"], query["signature"], now=now + 25 * 3600)
            # the same key and body answer the same order, secret and link again
            assert post(client, XIAOMEI, key).json() == created
            # the order's secret is kept only as a hash
            assert created["order_secret"] not in json.dumps(storage.order(created["order_id"]))

            url = f"/orders/{created['order_id']}"
            seen = client.get(url, headers={"authorization": f"Bearer {created['order_secret']}"})
            assert seen.status_code == 200 and seen.headers["cache-control"] == "no-store"
            body = seen.json()
            assert (body["order_id"], body["total"], body["currency"], body["status"]) == (created["order_id"], "79.80", "CNY", "placed")
            assert body["lines"] == [
                {"sku": "BB-1003", "variant": None, "title": "婴儿纯棉纱布口水巾 6 条装", "qty": 2, "unit_price": "39.90", "line_total": "79.80"}
            ]
            assert body["payment"] == {**link, "expired": False}
            assert "customer" not in body and "secret_hash" not in body
            for headers in ({}, {"authorization": "Bearer os_wrong"}, {"authorization": created["order_secret"]}):
                refused = client.get(url, headers=headers)
                assert (refused.status_code, refused.json()["error"]) == (404, "unknown_order")
            assert client.get("/orders/SF000000-00000000", headers={"authorization": f"Bearer {created['order_secret']}"}).status_code == 404

            # once fulfilment says it is paid, there is nothing left to pay
            assert send(client, "order.paid", created["order_id"]).status_code == 200
            paid = client.get(url, headers={"authorization": f"Bearer {created['order_secret']}"}).json()
            assert paid["status"] == "paid" and "url" not in paid["payment"]
            assert send(client, "order.shipped", created["order_id"], when="2026-11-26T00:00:00+00:00").status_code == 200
            assert client.get(url, headers={"authorization": f"Bearer {created['order_secret']}"}).json()["status"] == "shipped"
    finally:
        storage.close()


@pytest.mark.parametrize("method", ["cod", "contact"])
def test_cash_on_delivery_and_contact(project: Path, storage: Store, method: str) -> None:
    catalog = project / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("method: link", f"method: {method}", 1), encoding="utf-8")
    with make_client(project, storage, payment_secret=PAY_SECRET) as client:
        created = post(client, AMY).json()
        assert created["payment"] == {"method": method}
        seen = client.get(f"/orders/{created['order_id']}", headers={"authorization": f"Bearer {created['order_secret']}"}).json()
        assert seen["payment"] == {"method": method} and seen["status"] == "placed"


def test_without_a_payment_secret_the_platform_contacts_the_customer(project: Path, storage: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPFOREST_PAYMENT_SECRET", raising=False)
    with make_client(project, storage) as client:
        assert post(client, XIAOMEI).json()["payment"] == {"method": "contact"}


def test_links_are_signed_over_order_amount_currency_and_expiry() -> None:
    created = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    from generator.content.model import Payment

    step = payment.next_step(
        Payment("link", "https://pay.example/p/{order_id}?m={amount_minor}&s={signature}", 2), "k", "SF1", Decimal("12.30"), "CNY", created
    )
    expires = int(created.timestamp()) + 7200
    assert step == {
        "method": "link",
        "url": f"https://pay.example/p/SF1?m=1230&s={payment.signature('k', 'SF1', Decimal('12.30'), 'CNY', expires)}",
        "expires_at": "2026-11-25T12:00:00Z",
    }
    assert payment.minor_units(Decimal("1500.00"), "JPY") == 1500
    assert payment.status(["order.paid", "order.shipped"]) == "shipped"
    assert payment.status(["order.paid", "order.refunded", "order.shipped"]) == "refunded"
    assert payment.status([]) == "placed"


@pytest.mark.parametrize(
    ("payment_yaml", "message"),
    [
        ("payment: {method: link}", "method link needs payment.link"),
        ('payment: {method: link, link: "https://pay.example/{order_id}"}', "must contain {signature}"),
        ('payment: {method: link, link: "https://pay.example/{order_id}?s={signature}&t={token}"}', "unknown fields {token}"),
        ('payment: {method: link, link: "http://pay.example/{order_id}?s={signature}"}', "must be an https:// URL"),
        ("payment: {method: card}", "method"),
    ],
)
def test_payment_settings_are_checked_with_their_position(project: Path, payment_yaml: str, message: str) -> None:
    catalog = project / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    start = text.index("  payment:\n")
    end = text.index("categories:")
    catalog.write_text(text[:start] + "  " + payment_yaml + "\n" + text[end:], encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_project(project)
    rendered = caught.value.render()
    assert "catalog.yaml:" in rendered and message in rendered, rendered


def test_the_webhook_carries_the_payment_step(client: TestClient, storage: Store) -> None:
    created = post(client, XIAOMEI).json()
    [event] = storage.events(created["order_id"])
    assert json.loads(event.payload)["data"]["payment"] == created["payment"]


def test_orders_says_which_database_it_reads_and_never_creates_an_empty_one(project: Path) -> None:
    from click.testing import CliRunner

    from generator.cache.folder import CacheFolder
    from generator.cli import main

    runner = CliRunner()
    missing = runner.invoke(main, ["orders", "list", "--project", str(project)])
    assert missing.exit_code == 2 and f"no order database at {project / 'var' / 'orders.db'}" in missing.output
    assert not (project / "var" / "orders.db").exists()

    # an order taken by `shopforest serve` (its hook, its database)
    served = CacheFolder(project).serve_orders
    storage = open_storage(str(served))
    try:
        with make_client(project, storage, payment_secret=PAY_SECRET) as client:
            order_id = post(client, XIAOMEI).json()["order_id"]
    finally:
        storage.close()
    hinted = runner.invoke(main, ["orders", "list", "--project", str(project)])
    assert hinted.exit_code == 2 and f"(--db {served})" in hinted.output
    listed = runner.invoke(main, ["orders", "list", "--project", str(project), "--db", str(served)])
    assert listed.exit_code == 0 and f"orders from {served}" in listed.output and order_id in listed.output
    for args in (["orders", "show", order_id], ["orders", "retry", order_id], ["report", "earnings"], ["hook", "forward", "--once"]):
        refused = runner.invoke(main, [*args, "--project", str(project)], env={"SHOPFOREST_FULFILMENT_URL": "http://127.0.0.1:9/"})
        assert refused.exit_code == 2 and "no order database" in refused.output, (args, refused.output)
    assert not (project / "var" / "orders.db").exists()


def test_a_shop_page_may_ask_for_its_order_across_origins(client: TestClient) -> None:
    created = post(client, XIAOMEI).json()
    url = f"/orders/{created['order_id']}"
    shop = "http://127.0.0.1:8000"
    preflight = client.options(
        url, headers={"origin": shop, "access-control-request-method": "GET", "access-control-request-headers": "authorization"}
    )
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == shop
    assert "GET" in preflight.headers["access-control-allow-methods"] and "Authorization" in preflight.headers["access-control-allow-headers"]
    answer = client.get(url, headers={"origin": shop, "authorization": f"Bearer {created['order_secret']}"})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == shop
    stranger = client.get(url, headers={"origin": "https://evil.example", "authorization": f"Bearer {created['order_secret']}"})
    assert "access-control-allow-origin" not in stranger.headers


def test_attribution_text_with_control_characters_is_refused(client: TestClient) -> None:
    r = post(client, {**XIAOMEI, "attribution": {"lid": "Ab3_x", "channel": "wechat\u202e", "campaign": "w\x1binter"}})
    assert r.status_code == 422
    assert {f["field"]: f["code"] for f in r.json()["fields"]} == {
        "attribution.channel": "forbidden_character",
        "attribution.campaign": "forbidden_character",
    }
