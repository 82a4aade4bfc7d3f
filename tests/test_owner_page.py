"""The owner's own earnings page, as her session goes: the operator issues her link, she opens it
on her phone and sees her numbers in Chinese with ¥; a wrong, old or revoked link gets one plain
refusal; no token ever reaches the hook's log; the operator's reports show the same titles."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import re
import signal
import tomllib
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from generator.catalogs import DOMAINS, message_ids
from generator.cli import main
from generator.hook import ledger, reports, webhooks
from generator.hook.app import create_app
from generator.hook.database import open_storage
from generator.hook.ownerpage import COOKIE, SESSION_SECONDS, token_hash
from generator.hook.ownerview import STYLE_HASH, chart, words
from generator.hook.store import Store
from generator.pages.links import link_code

SECRET = "whsec_" + "ZnVsZmlsbWVudC1zaGFyZWQtc2VjcmV0LTAx"
CUSTOMER = {"name": "王女士", "phone": "13912345678", "address": "上海市徐汇区某路 1 号", "email": "wang@example.com"}
PRIVATE = ("王女士", "13912345678", "上海市", "wang@example.com")
LID_A = link_code("xiaomei", "BB-1001", "wechat", None)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def storage(db_url: str) -> Iterator[Store]:
    s = open_storage(db_url)
    yield s
    s.close()


def hook(project: Path, storage: Store, **limits: Any) -> TestClient:
    # https: the session cookie is Secure, and a client keeps it only for https
    app = create_app(project, storage, fulfilment_secret=SECRET, **({"rate": 1e6, "burst": 10**6} | limits))
    return TestClient(app, base_url="https://hook.example")


@pytest.fixture
def client(project: Path, storage: Store) -> Iterator[TestClient]:
    with hook(project, storage) as c:
        yield c


def place(client: TestClient, items: list[dict[str, Any]], lid: str | None = None) -> str:
    body: dict[str, Any] = {"shop": "xiaomei", "items": items, "customer": CUSTOMER}
    if lid:
        body["attribution"] = {"lid": lid, "channel": "wechat"}
    r = client.post("/orders", json=body, headers={"idempotency-key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return str(r.json()["order_id"])


def ship(client: TestClient, order_id: str, days_ago: int) -> None:
    when = (dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=days_ago)).isoformat(timespec="seconds")
    body = json.dumps({"type": "order.shipped", "timestamp": when, "data": {"order_id": order_id}}).encode()
    headers = {"content-type": "application/json", **webhooks.headers(SECRET, f"msg_{uuid.uuid4().hex}", body)}
    assert client.post("/fulfilment/events", content=body, headers=headers).status_code == 200


def cli(project: Path, storage: Store, *args: str) -> Any:
    result = CliRunner().invoke(main, [*args, "--project", str(project), "--db", str(storage.path)])
    assert result.exit_code == 0, result.output
    return result


def issue(project: Path, storage: Store, shop: str = "xiaomei") -> str:
    """The operator's command; returns the path and query she opens."""
    url = str(cli(project, storage, "owner-link", shop).stdout).strip()
    assert re.fullmatch(rf"http://127\.0\.0\.1:8787/owner/{shop}/\?t=[A-Za-z0-9_-]{{43}}", url), url
    return url.removeprefix("http://127.0.0.1:8787")


@pytest.fixture
def sales(client: TestClient, storage: Store, project: Path) -> None:
    """Her shop's month: one order through her WeChat link, shipped 20 days ago (confirmed,
    57.24), one still in its refund period (3.99), 4 visits, 20.00 paid to her."""
    a = place(client, [{"sku": "BB-1001", "variant": "500g", "qty": 3, "unit_price": "159.00"}], lid=LID_A)
    place(client, [{"sku": "BB-1003", "qty": 1, "unit_price": "39.90"}])
    ship(client, a, days_ago=20)
    for _ in range(4):
        assert client.post("/clicks", json={"shop": "xiaomei", "lid": LID_A}).status_code == 204
    cli(project, storage, "payout", "xiaomei", "20.00", "--note", "11月")


def test_she_opens_her_link_and_sees_her_month_in_chinese(
    client: TestClient, storage: Store, project: Path, sales: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        link = issue(project, storage)
        token = link.split("=", 1)[1]
        opening = client.get(link)
        page = client.get("/owner/xiaomei/")

    # the link is swapped for a session, and the browser sent on to the clean address
    assert opening.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/owner/xiaomei/">' in opening.text
    cookie = opening.headers["set-cookie"]
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/owner/xiaomei/", f"Max-Age={SESSION_SECONDS}"):
        assert flag in cookie
    assert token not in cookie and token not in opening.text

    assert page.status_code == 200
    for response in (opening, page):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        csp = response.headers["content-security-policy"]
        assert csp.startswith("default-src 'none'; ") and f"style-src '{STYLE_HASH}'" in csp and "script" not in csp
        assert "<script" not in response.text
    html = page.text
    assert '<html lang="zh-CN">' in html and "<h1>我的收入</h1>" in html
    figures = dict(re.findall(r"<dt>(\S+)</dt>\s*<dd class=\"figure\">([^<]+)</dd>", html))
    assert figures == {"待确认": "¥3.99", "已确认": "¥37.24", "已结算": "¥20.00"}
    assert "佣金 ¥61.23，共 2 单。" in html  # the last 30 days: both orders were placed today
    product = re.search(r"<tr><th scope=\"row\">有机婴儿米粉 250g</th>(.*?)</tr>", html)
    assert product and re.findall(r">([^<]+)</td>", product.group(1)) == ["4", "1", "¥57.24"]
    link_row = re.search(r"<tr><th scope=\"row\">微信聊天<br><span class=\"muted\">有机婴儿米粉 250g</span></th>(.*?)</tr>", html)
    assert link_row and re.findall(r">([^<]+)</td>", link_row.group(1)) == ["4", "1"]
    assert html.count("<rect ") == 30 and '<title id="chart-title">最近 30 天每天的佣金</title>' in html
    for secret in PRIVATE:
        assert secret not in html  # never a customer's name, phone, address or email

    # the token and the session's secret never reach the hook's log (the test's HTTP client logs its own URLs)
    session = client.cookies.get(COOKIE)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert session and session not in logged and token not in logged
    assert "xiaomei opened her link" in logged


def test_a_wrong_old_or_revoked_link_gets_one_plain_refusal(client: TestClient, storage: Store, project: Path) -> None:
    first = issue(project, storage)
    assert client.get(first).status_code == 200
    assert client.get("/owner/xiaomei/").status_code == 200
    second = issue(project, storage)  # a new link revokes the old one and ends its sessions

    refusals = {
        "old link": client.get(first),
        "old session": client.get("/owner/xiaomei/"),
        "wrong token": client.get(second[:-4] + "AAAA"),
        "empty token": client.get("/owner/xiaomei/?t="),
        "no token": TestClient(client.app, base_url="https://hook.example").get("/owner/xiaomei/"),
        "another shop's link": client.get(second.replace("xiaomei", "chef-lin")),
        "unknown shop": client.get(second.replace("xiaomei", "nobody")),
    }
    assert client.get(second).status_code == 200
    cli(project, storage, "owner-link", "xiaomei", "--revoke")
    refusals |= {"revoked link": client.get(second), "revoked session": client.get("/owner/xiaomei/")}

    bodies = {r.text for r in refusals.values()}
    assert {r.status_code for r in refusals.values()} == {403}
    assert len(bodies) == 1  # the same page whatever went wrong: it does not say which
    body = bodies.pop()
    assert "<h1>这个页面打不开</h1>" in body and "set-cookie" not in {k.lower() for r in refusals.values() for k in r.headers}
    assert all(r.headers["cache-control"] == "no-store" for r in refusals.values())


def test_secrets_are_kept_as_hashes_and_sessions_end(client: TestClient, storage: Store, project: Path) -> None:
    token = issue(project, storage).split("=", 1)[1]
    assert storage.owner_link("xiaomei") == token_hash(token)
    client.get(f"/owner/xiaomei/?t={token}")
    session = client.cookies.get(COOKIE)
    assert session is not None
    now = dt.datetime.now(tz=dt.UTC).timestamp()
    assert storage.owner_sessions("xiaomei", now) == [token_hash(session)]
    assert storage.owner_sessions("xiaomei", now + SESSION_SECONDS + 1) == []  # a sitting, not a login
    if isinstance(storage.path, Path):
        data = storage.path.read_bytes() + storage.path.with_name(storage.path.name + "-wal").read_bytes()
        assert token.encode() not in data and session.encode() not in data


def test_her_page_is_rate_limited_with_a_page_not_json(project: Path, storage: Store) -> None:
    with hook(project, storage) as c:
        answers = [c.get("/owner/xiaomei/?t=guess") for _ in range(25)]
    busy = [r for r in answers if r.status_code == 429]
    assert busy and int(busy[0].headers["retry-after"]) >= 1
    assert busy[0].headers["content-type"].startswith("text/html") and "请求太频繁了" in busy[0].text
    assert busy[0].headers["referrer-policy"] == "no-referrer"


def test_an_english_shop_reads_english(client: TestClient, storage: Store, project: Path) -> None:
    client.get(issue(project, storage, "glow-with-amy"))
    html = client.get("/owner/glow-with-amy/").text
    assert '<html lang="en-US">' in html and "<h1>My earnings</h1>" in html
    assert '<dd class="figure">CN¥0.00</dd>' in html and "Nobody has opened your share links yet." in html


def test_days_are_hers_and_the_chart_scales_to_the_best_day() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    late = {"order_id": "A", "shop": "s", "created_at": "2026-11-30T17:00:00+00:00", "lines": [{"sku": "X", "qty": 1}]}
    entry = ledger.Entry("A", "s", 0, "accrual", Decimal("8.00"), "order", "order")
    days = reports.daily([(late, [entry], [])], first=dt.date(2026, 11, 30), days=2, tz=shanghai)
    assert days == [(dt.date(2026, 11, 30), 0, Decimal("0.00")), (dt.date(2026, 12, 1), 1, Decimal("8.00"))]  # 01:00 in Shanghai
    drawn = chart([*days, (dt.date(2026, 12, 2), 1, Decimal("4.00"))], "CNY", "zh_CN")
    heights = [b["height"] for b in drawn["bars"]]
    assert heights[0] == 0 and heights[1] == 2 * heights[2] and drawn["top"] == "¥8.00"
    assert [label["text"] for label in drawn["labels"]] == ["11月30日", "12月1日", "12月2日"]


def test_every_word_of_her_page_has_a_chinese_translation() -> None:
    zh = words("zh_CN")
    missing = [m for m in message_ids(DOMAINS["owner"]) if m not in zh.messages]
    assert missing == []
    placeholders = re.compile(r"%\(\w+\)s")
    assert [m for m in message_ids(DOMAINS["owner"]) if sorted(placeholders.findall(m)) != sorted(placeholders.findall(zh.messages[m]))] == []


def test_templates_and_catalogs_are_installed_with_the_package() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["generator.hook"]
    hook = REPO / "generator" / "hook"
    files = [p.relative_to(hook) for p in (hook / "templates").rglob("*") if p.is_file()]
    assert files and all(any(f.match(pattern) for pattern in declared) for f in files)


def test_operator_reports_name_products_and_format_money(client: TestClient, storage: Store, project: Path, sales: None) -> None:
    table = cli(project, storage, "report", "products", "--shop", "xiaomei").stdout.splitlines()
    assert table[0].split() == ["shop", "SKU", "title", "visits", "orders", "commission"]
    assert re.search(r"xiaomei\s+BB-1001\s+有机婴儿米粉 250g\s+4\s+1\s+¥57\.24", table[1])
    rows = list(csv.DictReader(io.StringIO(cli(project, storage, "report", "products", "--format", "csv").stdout)))
    sold = [r for r in rows if r["sku"] == "BB-1001" and r["shop"] == "xiaomei"]
    assert {"commission": "57.24", "currency": "CNY", "visits": "4"}.items() <= sold[0].items()
    assert {r["shop"] for r in rows} == {"xiaomei", "chef-lin", "glow-with-amy"}  # every shop's picks, sold or not
    links = json.loads(cli(project, storage, "report", "links", "--format", "json").stdout)
    assert [(r["lid"], r["product"], r["clicks"], r["orders"], r["currency"]) for r in links] == [(LID_A, "有机婴儿米粉 250g", 4, 1, "CNY")]
    earned = cli(project, storage, "report", "earnings").stdout.splitlines()
    assert earned[0].split() == ["shop", "orders", "revenue", "pending", "locked", "reversed", "payable", "paid"]
    assert re.search(r"xiaomei\s+2\s+¥516\.90\s+¥3\.99\s+¥57\.24\s+¥0\.00\s+¥57\.24\s+¥20\.00", earned[1])
    for out in (table, earned, json.dumps(links, ensure_ascii=False)):
        for secret in PRIVATE:
            assert secret not in str(out)


def test_a_payout_cannot_exceed_what_is_confirmed(client: TestClient, storage: Store, project: Path, sales: None) -> None:
    result = CliRunner().invoke(main, ["payout", "xiaomei", "37.25", "--project", str(project), "--db", str(storage.path)])
    assert result.exit_code == 2 and "37.24 CNY confirmed and not yet paid" in result.output
    assert "¥3.99" in cli(project, storage, "report", "earnings", "--shop", "xiaomei").stdout
    assert storage.paid_out("xiaomei") == Decimal("20.00")


def test_a_database_from_before_owner_pages_is_brought_up_to_date(db_url: str) -> None:
    """A database an earlier hook made (no owner tables; on PostgreSQL, schema version 2)
    gains them when the new hook opens it, orders and all."""
    first = open_storage(db_url)
    first.add_click("xiaomei", LID_A, "wechat", None, None, None)
    first.close()
    drop = "DROP TABLE owner_links; DROP TABLE owner_sessions; DROP TABLE payouts"
    if db_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db_url) as conn:
            conn.execute(drop)
            conn.execute("DELETE FROM schema_version WHERE version > 2")
    else:
        import sqlite3

        with sqlite3.connect(db_url) as conn:
            conn.executescript(drop)
    upgraded = open_storage(db_url)
    try:
        assert upgraded.owner_link("xiaomei") is None and upgraded.count_clicks() == 1
        upgraded.issue_owner_link("xiaomei", token_hash("t"), 1.0)
        assert upgraded.owner_link("xiaomei") == token_hash("t")
    finally:
        upgraded.close()


def test_owner_link_names_the_shops_it_knows(storage: Store, project: Path) -> None:
    result = CliRunner().invoke(main, ["owner-link", "xiaomey", "--project", str(project), "--db", str(storage.path)])
    assert result.exit_code == 2 and "there is no shop 'xiaomey' (shops: chef-lin, glow-with-amy, xiaomei): did you mean 'xiaomei'?" in result.output
    revoked = CliRunner().invoke(main, ["owner-link", "xiaomei", "--revoke", "--project", str(project), "--db", str(storage.path)])
    assert revoked.exit_code == 0 and "xiaomei: had no live link" in revoked.output
    url = cli(project, storage, "owner-link", "xiaomei", "--hook-url", "https://hook.example/").stdout.strip()
    assert url.startswith("https://hook.example/owner/xiaomei/?t=")


def test_her_own_words_are_text_on_her_page(storage: Store, project: Path) -> None:
    shop_yaml = project / "content" / "xiaomei" / "shop.yaml"
    text = shop_yaml.read_text(encoding="utf-8")
    shop_yaml.write_text(re.sub(r"(?m)^title: .*$", 'title: "小美<script>alert(1)</script>&"', text, count=1), encoding="utf-8")
    with hook(project, storage) as c:
        c.get(issue(project, storage))
        html = c.get("/owner/xiaomei/").text
    assert "小美&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in html and "<script" not in html


def test_the_running_hook_logs_no_token(project: Path, tmp_path: Path) -> None:
    """`shopforest hook serve` as the operator runs it, with its log file: her link, a wrong one and
    her page leave two lines that name no secret (the server's access log is off)."""
    import httpx

    from .test_hook_process import Proc, free_port

    port = free_port()
    db = str(tmp_path / "orders.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFOREST_")} | {"PYTHONPATH": str(REPO)}
    log = tmp_path / "hook.log"
    # one process: worker processes (--workers > 1) do not write to the supervisor's --log-file
    server = Proc(
        ["hook", "serve", "--project", str(project), "--db", db, "--port", str(port), "--workers", "1", "--log-file", str(log)],
        project,
        env,
        f"http://127.0.0.1:{port}/health",
        tmp_path / "out.log",
    )
    server.start()
    try:
        result = CliRunner().invoke(main, ["owner-link", "xiaomei", "--hook-url", f"http://127.0.0.1:{port}", "--project", str(project), "--db", db])
        link = result.stdout.strip()
        with httpx.Client() as her:
            assert her.get(link).status_code == 200
            session = her.cookies.get(COOKIE)
            # httpx keeps a Secure cookie from sending over plain http, as Chromium does not for 127.0.0.1
            page = her.get(f"http://127.0.0.1:{port}/owner/xiaomei/", headers={"cookie": f"{COOKIE}={session}"})
            assert session and page.status_code == 200 and "我的收入" in page.text
            assert her.get(link[:-3] + "xyz").status_code == 403
    finally:
        server.kill(signal.SIGTERM)
    written = log.read_text(encoding="utf-8") + (tmp_path / "out.log").read_text(encoding="utf-8")
    assert "xiaomei opened her link" in written and "a link was refused" in written
    for secret in (link.split("=", 1)[1], session, "/owner/"):
        assert secret not in written
