"""Share links and attribution in Debian's Chromium, the way a customer arrives from a chat
group: the short link lands on the product with the right attribution and one beacon."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from generator.pages.links import link_code

PHONE = {"width": 390, "height": 844}
CLICKS = "http://127.0.0.1:8787/clicks"  # the demo's checkout hook; intercepted here
KEY = "shopforest:xiaomei:attribution"


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    context = browser.new_context(viewport=PHONE)
    beacons: list[dict[str, Any]] = []

    def record(route: Any) -> None:
        beacons.append({"body": json.loads(route.request.post_data), "type": route.request.headers.get("content-type", "")})
        route.fulfill(status=204)

    context.route(CLICKS, record)
    yield context, beacons
    context.close()


def attribution(page: Any) -> Any:
    return page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}'))")


def wait_beacons(page: Any, beacons: list[dict[str, Any]], n: int) -> None:
    for _ in range(50):
        if len(beacons) >= n:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"expected {n} beacons, got {beacons}")


def test_short_link_records_attribution_sends_one_beacon_and_lands_on_the_product(phone: Any, static_server: str) -> None:
    context, beacons = phone
    page = context.new_page()
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    page.goto(f"{static_server}/xiaomei/s/?c={code}&from=singlemessage&isappinstalled=0")
    page.wait_for_url(re.compile(rf"/xiaomei/p/BB-1001/\?lid={code}&utm_source=wechat&utm_medium=share$"))
    a = attribution(page)
    assert (a["lid"], a["channel"], a["campaign"]) == (code, "wechat", None)
    assert a["first_seen"] == a["last_seen"]
    assert page.evaluate("Shopforest.attribution().lid") == code
    wait_beacons(page, beacons, 1)
    assert beacons[0]["body"] == {
        "shop": "xiaomei",
        "lid": code,
        "channel": "wechat",
        "campaign": None,
        "path": "/xiaomei/p/BB-1001/",
        "landed_at": a["landed_at"],
    }
    assert beacons[0]["type"].startswith("text/plain")

    # a later landing with another code of the same shop replaces it: last click wins
    other = link_code("xiaomei", "BB-1007", "moments", None)
    page.goto(f"{static_server}/xiaomei/s/?c={other}")
    page.wait_for_url(re.compile(r"/xiaomei/p/BB-1007/"))
    assert (attribution(page)["lid"], attribution(page)["channel"]) == (other, "moments")
    wait_beacons(page, beacons, 2)
    assert len(beacons) == 2


def test_expired_attribution_is_dropped(phone: Any, static_server: str) -> None:
    context, _ = phone
    page = context.new_page()
    code = link_code("xiaomei", "BB-1002", "link", None)
    page.goto(f"{static_server}/xiaomei/p/BB-1002/?lid={code}&utm_source=link&utm_medium=share")
    assert attribution(page)["lid"] == code
    page.evaluate(f"""() => {{
        const a = JSON.parse(localStorage.getItem('{KEY}'));
        a.last_seen = new Date(Date.now() - 31 * 86400000).toISOString();
        localStorage.setItem('{KEY}', JSON.stringify(a));
    }}""")
    page.goto(f"{static_server}/xiaomei/")
    assert page.evaluate("Shopforest.attribution()") is None
    assert attribution(page) is None


def test_unknown_or_missing_code_lands_on_the_shop_home(phone: Any, static_server: str) -> None:
    context, beacons = phone
    page = context.new_page()
    for query in ("?c=NOPE-nope-1", "?c=", "?from=timeline", "?c=%3Cscript%3E"):
        page.goto(f"{static_server}/xiaomei/s/{query}")
        page.wait_for_url(re.compile(r"/xiaomei/$"))
    assert attribution(page) is None and beacons == []


def test_attribution_is_per_shop(phone: Any, static_server: str) -> None:
    context, _ = phone
    page = context.new_page()
    code = link_code("xiaomei", "BB-1001", "wechat", None)
    page.goto(f"{static_server}/xiaomei/s/?c={code}")
    page.wait_for_url(re.compile(r"/p/BB-1001/"))
    page.goto(f"{static_server}/chef-lin/")
    assert page.evaluate("Shopforest.attribution()") is None


def test_share_poster_is_a_png_picture_whose_qr_scans_to_the_short_link(phone: Any, static_server: str) -> None:
    """The poster is drawn on a canvas and shown as a PNG <img> (a long press saves it), wrapped
    in a download link (a tap saves it); its QR code gives the short link back."""
    context, _ = phone
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{static_server}/xiaomei/p/BB-1001/")
    short = page.locator("#share-link").input_value()
    assert short == f"http://127.0.0.1:8000/xiaomei/s/?c={link_code('xiaomei', 'BB-1001', 'link', None)}"
    page.get_by_role("button", name="生成分享海报").click()
    img = page.locator("#poster img.poster-image")
    img.wait_for()
    src = img.get_attribute("src") or ""
    assert src.startswith("data:image/png;base64,")
    png = base64.b64decode(src.split(",", 1)[1])
    poster = Image.open(io.BytesIO(png))
    assert poster.format == "PNG" and poster.width == 750 and poster.height > 750
    assert [r.text for r in zxingcpp.read_barcodes(poster)] == [short]
    assert img.get_attribute("alt") == "分享海报：有机婴儿米粉 250g"
    # the product's picture is drawn in its square: the card's own background colour (#fde2e4)
    pixel = poster.convert("RGB").getpixel((50, 50))
    assert isinstance(pixel, tuple) and all(abs(a - b) <= 3 for a, b in zip(pixel, (0xFD, 0xE2, 0xE4), strict=True))
    with page.expect_download() as download:
        page.locator("#poster a.poster-save").click()
    assert download.value.suggested_filename == "xiaomei-BB-1001.png"
    assert Path(download.value.path()).read_bytes() == png
    assert problems == []  # no CSP violation, no script error


def test_short_link_survives_malformed_and_decorated_queries(phone: Any, static_server: str) -> None:
    context, beacons = phone
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # a percent sign cut short by a chat app, and a stray '%': no code can be read, so home
    page.goto(f"{static_server}/xiaomei/s/?c=%E0%A4%A&x=%")
    page.wait_for_url(re.compile(r"/xiaomei/$"))
    # a code that is not one of hers: home
    page.goto(f"{static_server}/xiaomei/s/?c=unknown")
    page.wait_for_url(re.compile(r"/xiaomei/$"))
    assert attribution(page) is None and beacons == []
    # a valid code with what WeChat appends, and a malformed pair after it: the product
    code = link_code("xiaomei", "BB-1002", "moments", None)
    page.goto(f"{static_server}/xiaomei/s/?c={code}&from=singlemessage&isappinstalled=0&junk=%zz")
    page.wait_for_url(re.compile(rf"/xiaomei/p/BB-1002/\?lid={code}&utm_source=moments&utm_medium=share$"))
    assert attribution(page)["lid"] == code
    wait_beacons(page, beacons, 1)
    # the long form with a malformed parameter beside the code still records it
    other = link_code("xiaomei", "BB-1001", "wechat", None)
    page.goto(f"{static_server}/xiaomei/p/BB-1001/?lid={other}&utm_source=wechat&x=%E0%A4%A")
    assert attribution(page)["lid"] == other
    assert errors == []
