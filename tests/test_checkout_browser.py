"""A customer's checkout in Debian's Chromium at phone width, against `shopforest serve` (the
built demo, the real hook on the same origin and the development fulfilment receiver)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.pages.links import link_code

from .test_devserver import Server

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    s = Server(project)
    yield s
    s.stop()
    if s.proc.stdout is not None:
        s.proc.stdout.close()


def arrived(project: Path) -> list[dict[str, Any]]:
    path = project / "var" / "fulfilment-dev.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line)["event"]["data"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for_order(project: Path, order_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for order in arrived(project):
            if order["order_id"] == order_id:
                return order
        time.sleep(0.2)
    raise AssertionError(f"{order_id} never reached fulfilment")


def fill_details(page: Any) -> None:
    page.get_by_label("收货人").fill("王女士")
    page.get_by_label("手机号").fill("13800000000")
    page.get_by_label("收货地址").fill("上海市徐汇区某路 1 号")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_from_share_link_to_fulfilment(browser: Any, server: Server, project: Path, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    page.goto(f"{server.url}/xiaomei/s/?c={code}&from=singlemessage&isappinstalled=0")
    page.wait_for_url(re.compile(r"/xiaomei/p/BB-1001/\?lid="))
    assert page.evaluate("Shopforest.attribution().lid") == code
    page.get_by_label("规格").select_option("500g")
    page.get_by_label("数量").fill("2")
    page.get_by_role("button", name="加入购物车").click()
    page.get_by_role("link", name="去结算").click()
    page.wait_for_url(re.compile(r"/xiaomei/cart/$"))
    page.get_by_label("数量 有机婴儿米粉 250g · 500 g").fill("3")
    page.get_by_label("数量 有机婴儿米粉 250g · 500 g").dispatch_event("change")
    assert page.locator("#cart-total").inner_text() == "¥477.00"
    page.get_by_role("button", name="提交订单").click()
    page.get_by_text("请检查标红的信息。").wait_for()  # nothing filled in: field errors, no order
    assert page.locator("#c-name").get_attribute("aria-invalid") == "true"
    fill_details(page)
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(re.compile(r"/xiaomei/thanks/\?order="))
    order_id = page.locator("#order-number").inner_text()
    assert re.fullmatch(r"SF\d{6}-[0-9A-HJKMNP-TV-Z]{12}", order_id)
    order = wait_for_order(project, order_id)
    assert order["shop"] == "xiaomei" and order["total"] == "477.00"
    assert [(line["sku"], line["variant"], line["qty"]) for line in order["lines"]] == [("BB-1001", "500g", 3)]
    assert order["attribution"]["lid"] == code and order["attribution"]["channel"] == "wechat"
    page.goto(f"{server.url}/xiaomei/cart/")
    page.get_by_text("购物车是空的。").wait_for()  # the cart was cleared
    context.close()


def test_sold_out_cannot_be_added(browser: Any, server: Server) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server.url}/xiaomei/p/BB-1008/")
    assert page.get_by_role("button", name="已售罄").is_disabled()
    page.close()


def test_price_changed_after_build_must_be_confirmed(browser: Any, server: Server, project: Path) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/xiaomei/p/BB-1003/")
    page.get_by_role("button", name="加入购物车").click()
    # the platform raises the price after the customer's page was built; her cart page is stale
    catalog = project / "catalog.yaml"
    before = httpx.get(f"{server.url}/__shopforest/status").json()["generation"]
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('price: "39.90"', 'price: "45.00"', 1), encoding="utf-8")
    deadline = time.monotonic() + 30  # wait for the rebuild, so no live reload interrupts the customer
    while httpx.get(f"{server.url}/__shopforest/status").json()["generation"] == before:
        assert time.monotonic() < deadline, "no rebuild after the catalog edit"
        time.sleep(0.1)
    time.sleep(1.1)  # the hook checks for catalog changes at most once a second
    page.route("**/products.json", lambda route: route.abort())
    page.goto(f"{server.url}/xiaomei/cart/")
    assert page.locator("#cart-total").inner_text() == "¥39.90"
    fill_details(page)
    page.get_by_role("button", name="提交订单").click()
    page.get_by_text("有商品价格变了").wait_for()
    assert page.locator("#cart-total").inner_text() == "¥45.00"
    page.get_by_role("button", name="提交订单").click()  # she confirms the new price
    page.wait_for_url(re.compile(r"/thanks/\?order="))
    order = wait_for_order(project, page.locator("#order-number").inner_text())
    assert order["total"] == "45.00"
    context.close()


def test_hook_down_shows_a_clear_message_and_the_retry_makes_one_order(browser: Any, server: Server, project: Path) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/xiaomei/p/BB-1004/")
    page.get_by_role("button", name="加入购物车").click()
    page.goto(f"{server.url}/xiaomei/cart/")
    fill_details(page)
    page.route("**/hook/orders", lambda route: route.abort("connectionrefused"))
    page.get_by_role("button", name="提交订单").click()
    page.get_by_text("网络不太好，订单还没提交").wait_for()
    key = json.loads(page.evaluate("localStorage.getItem('shopforest:xiaomei:pending')"))["key"]
    page.unroute("**/hook/orders")
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(re.compile(r"/thanks/\?order="))
    order = wait_for_order(project, page.locator("#order-number").inner_text())
    assert order["idempotency_key"] == key  # the retry reused the attempt's key
    assert sum(1 for o in arrived(project) if o["idempotency_key"] == key) == 1
    context.close()


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_checkout(browser: Any, server: Server, project: Path) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/xiaomei/p/BB-1004/")
    tab_to(page, "#qty")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    tab_to(page, "#buy button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("已加入购物车").wait_for()
    tab_to(page, ".buy-status a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cart/$"))
    page.locator(".cart-line").wait_for()
    tab_to(page, "#c-name")
    page.keyboard.type("王女士")
    page.keyboard.press("Tab")
    page.keyboard.type("13800000000")
    page.keyboard.press("Tab")
    page.keyboard.type("上海市徐汇区某路 1 号")
    tab_to(page, "#checkout button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thanks/\?order="))
    order = wait_for_order(project, page.locator("#order-number").inner_text())
    assert [(line["sku"], line["qty"]) for line in order["lines"]] == [("BB-1004", 2)]
    context.close()
