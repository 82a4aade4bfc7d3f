"""Her earnings page on her phone, in Debian's Chromium at 390x844: she taps the link the operator
sent, lands on the clean address with her numbers, and the page passes axe, runs no script, loads
nothing from anywhere else and never scrolls sideways."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from generator.cli import main
from generator.hook.app import create_app
from generator.hook.database import open_storage
from generator.hook.store import Store
from generator.pages.links import link_code

from .conftest import serve_dir
from .test_hook_api import LiveServer
from .test_storefront_browser import PHONE, axe_source

__all__ = ["axe_source"]  # the fixture, shared with the storefront's tests


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Store]:
    s = open_storage(str(tmp_path / "orders.db"))
    yield s
    s.close()


@pytest.fixture
def live(project: Path, storage: Store) -> Iterator[str]:
    app = create_app(project, storage, rate=1e6, burst=10**6)
    lid = link_code("xiaomei", "BB-1001", "wechat", None)
    with TestClient(app) as c:  # her shop's day: two orders through her WeChat link, five visits
        for qty in (1, 2):
            body = {
                "shop": "xiaomei",
                "items": [{"sku": "BB-1001", "variant": "500g", "qty": qty, "unit_price": "159.00"}],
                "customer": {"name": "王女士", "phone": "13912345678", "address": "上海市徐汇区某路 1 号"},
                "attribution": {"lid": lid, "channel": "wechat"},
            }
            assert c.post("/orders", json=body, headers={"idempotency-key": str(uuid.uuid4())}).status_code == 201
        for _ in range(5):
            assert c.post("/clicks", json={"shop": "xiaomei", "lid": lid}).status_code == 204
    server = LiveServer(app)
    yield server.url
    server.stop()


def her_link(project: Path, storage: Store, hook: str) -> str:
    result = CliRunner().invoke(main, ["owner-link", "xiaomei", "--hook-url", hook, "--project", str(project), "--db", str(storage.path)])
    assert result.exit_code == 0, result.output
    return str(result.stdout).strip()


def test_she_taps_her_link_on_her_phone(browser: Any, live: str, project: Path, storage: Store, axe_source: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    link = her_link(project, storage, live)
    page.goto(link)
    page.wait_for_url(f"{live}/owner/xiaomei/")  # the token is gone from the address bar
    assert page.get_by_role("heading", level=1).inner_text() == "我的收入"
    assert page.locator("dd.figure").all_inner_texts() == ["¥57.24", "¥0.00", "¥0.00"]  # 3 x 159.00 x 12%, pending
    assert page.get_by_role("img", name="最近 30 天每天的佣金").is_visible()
    page.get_by_text("按天查看明细").click()  # the chart as a table, without script
    assert page.get_by_role("table", name="最近 30 天每天的佣金").is_visible()
    row = page.get_by_role("row", name=re.compile("有机婴儿米粉 250g"))
    assert row.first.get_by_role("cell").all_inner_texts() == ["5", "2", "¥57.24"]

    page.evaluate(axe_source)  # through DevTools, not as a page script: the page's CSP allows none
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.evaluate("document.scripts.length") == 0
    assert {urlsplit(u).netloc for u in requests} == {urlsplit(live).netloc}
    assert errors == []  # a CSP violation would show here
    assert context.cookies()[0]["httpOnly"] and context.cookies()[0]["sameSite"] == "Strict"
    context.close()


def test_her_link_works_from_another_site_and_a_stale_one_does_not(browser: Any, live: str, project: Path, storage: Store, tmp_path: Path) -> None:
    # A SameSite=Strict cookie set while following a link from another site is sent on the
    # page's own next request: the link still opens her page when tapped on a web page.
    link = her_link(project, storage, live)
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "index.html").write_text(f'<!doctype html><title>mail</title><a href="{link}">my page</a>', encoding="utf-8")
    server, elsewhere = serve_dir(tmp_path / "mail")
    try:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(elsewhere.replace("127.0.0.1", "localhost") + "/")  # another site than the hook's
        page.get_by_role("link", name="my page").click()
        page.wait_for_url(f"{live}/owner/xiaomei/")
        page.get_by_role("heading", name="我的收入").wait_for()

        her_link(project, storage, live)  # a new link: this phone's session ends
        page.reload()
        assert page.get_by_role("heading", level=1).inner_text() == "这个页面打不开"
        context.close()
    finally:
        server.shutdown()
        server.server_close()
