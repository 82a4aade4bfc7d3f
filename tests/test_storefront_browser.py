"""What a customer's phone sees, in Debian's Chromium: accessibility (axe-core), page weight,
and no request to anyone but the shop (and its checkout hook)."""

from __future__ import annotations

import gzip
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
BUDGET = 60 * 1024  # compressed HTML + CSS + JS + fonts of one page, images excluded

PAGES = {
    "xiaomei": [
        "",
        "p/BB-1001/",
        "p/BB-1008/",
        "c/first-food/",
        "tags/",
        "tags/6m%2B/",
        "posts/",
        "posts/2026-09-first-food/",
        "cart/",
        "thanks/",
        "404.html",
    ],
    "chef-lin": ["", "p/HM-4001/", "c/pantry/", "posts/", "posts/2026-10-braised-pork/", "cart/", "thanks/", "404.html"],
    "glow-with-amy": ["", "p/BT-3002/", "c/sensitive-skin/", "posts/", "posts/2026-11-retinal-101/", "cart/", "thanks/", "404.html"],
}
CASES = [(shop, path) for shop, paths in PAGES.items() for path in paths]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():  # .ci/run installs it; a developer's first run does it here
        done = subprocess.run(
            ["npm", "ci", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund", "--silent"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not AXE.is_file():
            pytest.fail(f"could not install axe-core with npm: {done.stderr.strip()}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    # axe is injected through DevTools; the page's own CSP still applies to everything else
    context = browser.new_context(viewport=PHONE, bypass_csp=False)
    yield context
    context.close()


@pytest.mark.parametrize(("shop", "path"), CASES)
def test_page_is_accessible_light_and_first_party(phone: Any, static_server: str, axe_source: str, shop: str, path: str) -> None:
    page = phone.new_page()
    requests: list[str] = []
    errors: list[str] = []
    weights: dict[str, int] = {}
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def weigh(response: Any) -> None:
        if response.request.resource_type in ("document", "stylesheet", "script", "font", "fetch", "xhr"):
            weights[response.url] = len(gzip.compress(response.body(), 9))

    page.on("response", weigh)
    response = page.goto(f"{static_server}/{shop}/{path}", wait_until="load")
    assert response is not None and response.status == 200

    page.evaluate(axe_source)  # through DevTools, not as a page script
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []

    origin = urlsplit(static_server).netloc
    assert [u for u in requests if urlsplit(u).netloc != origin] == []
    assert errors == []  # a CSP violation or a script error would show here
    assert sum(weights.values()) < BUDGET, weights


def test_phone_layout_has_no_horizontal_scroll(phone: Any, static_server: str) -> None:
    page = phone.new_page()
    for shop, path in CASES:
        page.goto(f"{static_server}/{shop}/{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{shop}/{path} scrolls sideways by {overflow}px at 390px"


def test_the_accessibility_check_would_catch_a_missing_alt(phone: Any, static_server: str, axe_source: str) -> None:
    page = phone.new_page()
    page.goto(f"{static_server}/xiaomei/p/BB-1001/")
    page.evaluate("document.querySelectorAll('img').forEach(img => img.removeAttribute('alt'))")
    page.evaluate(axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert "image-alt" in {v["id"] for v in result["violations"] if v["impact"] == "critical"}
