"""Phone-width screenshots of the demo shops for the README: ``python -m tests.screenshots``."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM, serve_dir
from .golden import REPO, build_demo

SHOTS = {
    "xiaomei-home": "/xiaomei/",
    "xiaomei-product": "/xiaomei/p/BB-1012/",
    "xiaomei-cart": "/xiaomei/cart/",
    "xiaomei-thanks": "/xiaomei/thanks/?order=SF261125-8F3A21C4#secret=os_demo_secret",
    "glow-with-amy-home": "/glow-with-amy/",
    "glow-with-amy-product": "/glow-with-amy/p/BT-3012/",
    "glow-with-amy-cart": "/glow-with-amy/cart/",
    "glow-with-amy-thanks": "/glow-with-amy/thanks/?order=SF261125-8F3A21C4#secret=os_demo_secret",
}
# What the hook answers the thanks page (GET /orders/{id}), as an order of each shop would be.
PAY = "https://pay.beishop.example/checkout?order=SF261125-8F3A21C4"
ORDERS: dict[str, list[tuple[str, str | None, str, int, str]]] = {
    "xiaomei": [("BB-1001", "500g", "有机婴儿米粉 250g · 500 g", 2, "159.00"), ("BB-1011", None, "恒温调奶器 1.2L", 1, "259.00")],
    "glow-with-amy": [("BT-3002", "30ml", "Hyaluronic Serum 玻尿酸精华 30ml · 30 ml", 1, "199.00")],
}


def order_answer(shop: str) -> dict[str, Any]:
    lines = [
        {"sku": sku, "variant": v, "title": title, "qty": qty, "unit_price": price, "line_total": str(Decimal(price) * qty)}
        for sku, v, title, qty, price in ORDERS[shop]
    ]
    total = str(sum((Decimal(price) * qty for _, _, _, qty, price in ORDERS[shop]), Decimal("0.00")))
    return {
        "order_id": "SF261125-8F3A21C4",
        "shop": shop,
        "created_at": "2026-11-25T10:00:00+00:00",
        "currency": "CNY",
        "total": total,
        "lines": lines,
        "status": "placed",
        "payment": {"method": "link", "url": PAY, "expires_at": "2026-11-26T10:00:00Z", "expired": False},
    }


def answer(body: str) -> Callable[[Any], None]:
    def fulfil(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=body, headers={"Access-Control-Allow-Origin": "*"})

    return fulfil


FILL_CART = {"xiaomei": ["/xiaomei/p/BB-1001/", "/xiaomei/p/BB-1011/"], "glow-with-amy": ["/glow-with-amy/p/BT-3002/", "/glow-with-amy/p/BT-3003/"]}


def main() -> int:
    out = REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_demo(site)
        server, base = serve_dir(site)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            for products in FILL_CART.values():
                for product in products:
                    page.goto(base + product, wait_until="networkidle")
                    page.locator("#buy button[type=submit]").click()
            for name, path in SHOTS.items():
                shop = path.split("/")[1]
                body = json.dumps(order_answer(shop)) if shop in ORDERS else "{}"
                page.unroute("**/orders/*")
                page.route("**/orders/*", answer(body))
                page.goto(base + path, wait_until="networkidle")
                page.screenshot(path=str(out / f"{name}.png"), full_page=False)
                print(f"wrote docs/screenshots/{name}.png")
            browser.close()
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
