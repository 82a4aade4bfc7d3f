"""Phone-width screenshots of the demo shops for the README: ``python -m tests.screenshots``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM, serve_dir
from .golden import REPO, build_demo

SHOTS = {
    "xiaomei-home": "/xiaomei/",
    "xiaomei-product": "/xiaomei/p/BB-1012/",
    "xiaomei-cart": "/xiaomei/cart/",
    "xiaomei-thanks": "/xiaomei/thanks/?order=SF261125-8F3A21C4",
    "glow-with-amy-home": "/glow-with-amy/",
    "glow-with-amy-product": "/glow-with-amy/p/BT-3012/",
    "glow-with-amy-cart": "/glow-with-amy/cart/",
    "glow-with-amy-thanks": "/glow-with-amy/thanks/?order=SF261125-8F3A21C4",
}
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
                page.goto(base + path, wait_until="networkidle")
                page.screenshot(path=str(out / f"{name}.png"), full_page=False)
                print(f"wrote docs/screenshots/{name}.png")
            browser.close()
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
