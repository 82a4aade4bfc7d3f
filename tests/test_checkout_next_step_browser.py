"""The checkout as a customer on a current phone meets it, in Debian's Chromium: a wrong phone
number, name or address is caught by the browser's own validation on the right field; what only
the hook can refuse comes back marked field by field in the shop's language; and after "thank
you" she sees her order, its total and how to pay, from the hook, in any tab."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.hook import payment
from generator.pages.links import link_code

from .test_devserver import Server

PHONE = {"width": 390, "height": 844}
PAY_SECRET = "payment-secret-for-the-browser-test"
VALID = {"#c-name": "王女士", "#c-phone": "13800000000", "#c-address": "上海市徐汇区某路 1 号", "#c-email": "", "#c-note": ""}


@pytest.fixture
def server(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("SHOPFOREST_PAYMENT_SECRET", PAY_SECRET)
    s = Server(project)
    yield s
    s.stop()
    if s.proc.stdout is not None:
        s.proc.stdout.close()


def cart_with_one_item(page: Any, base: str) -> None:
    page.goto(f"{base}/xiaomei/p/BB-1004/")
    page.get_by_role("button", name="加入购物车").click()
    page.goto(f"{base}/xiaomei/cart/")
    page.locator(".cart-line").wait_for()


@pytest.mark.parametrize(
    ("field", "value", "flag"),
    [
        ("#c-phone", "138 abc 0000", "patternMismatch"),
        ("#c-phone", "(021) 5555", "patternMismatch"),  # must start with a digit or +
        ("#c-phone", "1380", "patternMismatch"),  # too short
        ("#c-name", "   ", "patternMismatch"),  # blank
        ("#c-name", "王\u202e女士", "patternMismatch"),  # right-to-left override
        ("#c-name", "王\u0007女士", "patternMismatch"),  # a control character
        ("#c-address", "上海", "tooShort"),
        ("#c-address", "上海市\u202e徐汇区某路 1 号", "customError"),
        ("#c-email", "wang@", "typeMismatch"),
        ("#c-note", "放门口\u2066", "customError"),
    ],
)
def test_invalid_input_gets_the_browsers_own_message_on_its_field(browser: Any, static_server: str, field: str, value: str, flag: str) -> None:
    context = browser.new_context(viewport=PHONE)
    sent: list[str] = []

    def refuse(route: Any) -> None:
        sent.append(route.request.url)
        route.abort()

    context.route("**/orders", refuse)
    page = context.new_page()
    cart_with_one_item(page, static_server)
    for selector, text in {**VALID, field: value}.items():
        page.locator(selector).fill(text)
    page.get_by_role("button", name="提交订单").click()
    page.get_by_text("请检查标红的信息。").wait_for()
    target = page.locator(field)
    assert target.evaluate(f"e => e.validity.{flag}"), f"{field} {value!r}: expected {flag}"
    message = target.evaluate("e => e.validationMessage")
    shown = page.locator("#e-" + field.removeprefix("#c-")).inner_text()
    assert message and shown.startswith(message)
    if flag == "patternMismatch":  # the browser's words, then what the format is (the field's title)
        assert shown == message + " " + str(target.get_attribute("title"))
    assert target.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == field.removeprefix("#")
    others = [s for s in VALID if s != field]
    assert [page.locator(s).get_attribute("aria-invalid") for s in others] == ["false"] * len(others)
    assert sent == []  # nothing reached the hook
    # correcting the field clears its mark as she types
    target.fill(VALID[field] or "wang@example.com")
    assert target.get_attribute("aria-invalid") == "false"
    context.close()


def test_valid_phone_numbers_with_brackets_and_dashes_pass(browser: Any, static_server: str) -> None:
    page = browser.new_page(viewport=PHONE)
    cart_with_one_item(page, static_server)
    for number in ("+86 (138) 0000-0000", "138-0000-0000", "+1 (555) 010-0000"):
        page.locator("#c-phone").fill(number)
        assert page.locator("#c-phone").evaluate("e => e.checkValidity()"), number
    page.close()


def test_what_only_the_hook_refuses_is_marked_field_by_field_in_the_shops_language(browser: Any, server: Server) -> None:
    page = browser.new_page(viewport=PHONE)
    cart_with_one_item(page, server.url)
    # a browser that validates nothing (as one did when the pattern did not compile)
    page.evaluate("for (const e of document.querySelectorAll('#checkout [pattern]')) e.removeAttribute('pattern')")
    page.locator("#c-name").fill("王\u202e女士")
    page.locator("#c-phone").fill("138 abc 0000")
    page.locator("#c-address").fill("上海市徐汇区某路 1 号")
    page.get_by_role("button", name="提交订单").click()
    page.get_by_text("请检查标红的信息。").wait_for()
    assert page.locator("#c-name").get_attribute("aria-invalid") == "true"
    assert page.locator("#e-name").inner_text() == "含有不能用的控制字符或文字方向控制符，请删掉后再提交。"
    assert page.locator("#c-phone").get_attribute("aria-invalid") == "true"
    assert page.locator("#e-phone").inner_text() == "请填写手机号，只用数字、空格、括号和短横线，例如 13800000000。"
    assert page.locator("#c-address").get_attribute("aria-invalid") == "false"
    assert page.evaluate("document.activeElement.id") == "c-name"
    page.close()


def pay_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_from_the_share_link_to_the_pay_button_in_any_tab(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport=PHONE)
    problems: list[str] = []
    context.on("weberror", lambda e: problems.append(str(e.error)))
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    page.goto(f"{server.url}/xiaomei/s/?c={code}&from=singlemessage")
    page.wait_for_url(re.compile(r"/xiaomei/p/BB-1001/\?lid="))
    page.get_by_label("规格").select_option("500g")
    page.get_by_role("button", name="加入购物车").click()
    page.get_by_role("link", name="去结算").click()
    page.wait_for_url(re.compile(r"/xiaomei/cart/$"))
    page.get_by_label("收货人").fill("王女士")
    page.get_by_label("手机号").fill("+86 (138) 0000-0000")
    page.get_by_label("收货地址").fill("上海市徐汇区某路 1 号")
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(re.compile(r"/xiaomei/thanks/\?order=SF\d{6}-[0-9A-HJKMNP-TV-Z]{12}#secret=os_"))
    order_id = pay_query(page.url)["order"]

    def shows_the_order(p: Any) -> str:
        pay = p.get_by_role("link", name="去支付 ¥159.00")
        pay.wait_for()
        assert p.locator("#order-number").inner_text() == order_id
        assert p.locator("#order-total").inner_text() == "¥159.00"
        assert p.locator("#order-lines li").all_inner_texts() == ["有机婴儿米粉 250g · 500 g × 1\n¥159.00"]
        assert "前点下面的按钮付款" in p.locator("#next-step").inner_text()
        return str(pay.get_attribute("href"))

    href = shows_the_order(page)
    query = pay_query(href)
    assert href.startswith("https://pay.beishop.example/checkout?")
    assert (query["order"], query["amount"], query["currency"]) == (order_id, "159.00", "CNY")
    assert payment.verify(PAY_SECRET, query["order"], query["amount"], query["currency"], query["expires"], query["signature"], now=time.time())

    page.reload()  # a reload asks the hook again
    assert shows_the_order(page) == href
    other = context.new_page()  # a new tab on the bare thanks page: the order this browser placed, fetched from the hook
    asked: list[str] = []
    other.on("request", lambda r: asked.append(r.url) if "/hook/orders/" in r.url else None)
    other.goto(f"{server.url}/xiaomei/thanks/")
    assert shows_the_order(other) == href
    assert asked == [f"{server.url}/hook/orders/{order_id}"]
    elsewhere = browser.new_context(viewport=PHONE)  # another browser, with the whole link
    tab = elsewhere.new_page()
    tab.goto(page.url)
    assert shows_the_order(tab) == href
    # the number alone, without the order's secret, shows nothing of it
    tab.goto(f"{server.url}/xiaomei/thanks/?order={order_id}")
    tab.get_by_text("查不到这个订单").wait_for()
    assert tab.locator("#pay-box").is_hidden() and tab.locator("#order-details").is_hidden()
    elsewhere.close()
    assert problems == []  # no CSP violation, no script error
    context.close()
