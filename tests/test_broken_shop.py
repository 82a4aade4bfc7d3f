"""One owner's mistake stays hers: the other shops are built and sold from, the catalog's word
reaches every shop at once, and her shop stays as it last was until she fixes it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from generator.cli import main
from generator.hook.app import Catalog, create_app
from generator.hook.database import open_storage
from generator.hook.errors import CODES

from .test_incremental import edit, two_shop_project
from .test_invalid_content import snapshot


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_broken_shop_keeps_its_pages_and_the_others_are_built(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    site = root / "site"
    assert run("build", "--project", str(root))[0] == 0
    bea_before = snapshot(site / "bea")
    edit(root / "content" / "bea" / "shop.yaml", "owner: Bea", "owner: Bea\nfavourite colour: red")  # a slip of hers
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "79.00"')  # the platform's price change

    code, out, err = run("build", "--project", str(root))
    assert code == 1
    assert "content/bea/shop.yaml:3:1: 不认识的设置项“favourite colour”" in err
    assert "1 error" in err and "Traceback" not in err
    assert "1 shop with mistakes left as before" in out
    assert "79.00" in (site / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert snapshot(site / "bea") == bea_before  # her last good pages, untouched

    code, _, err = run("build", "--project", str(root), "--shop", "bea")
    assert code == 1 and "不认识的设置项“favourite colour”" in err  # her own build says why, not "no such shop"

    edit(root / "content" / "bea" / "shop.yaml", "\nfavourite colour: red", "")
    assert run("build", "--project", str(root))[0] == 0


def test_strict_builds_nothing_while_any_shop_is_broken(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    assert run("build", "--project", str(root))[0] == 0
    before = snapshot(root / "site")
    edit(root / "content" / "bea" / "shop.yaml", "owner: Bea", "owner: Bea\nfavourite colour: red")
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "79.00"')
    code, _, err = run("build", "--strict", "--project", str(root))
    assert code == 1 and "不认识的设置项“favourite colour”" in err
    assert snapshot(root / "site") == before


def test_a_catalog_mistake_still_stops_every_shop(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    assert run("build", "--project", str(root))[0] == 0
    before = snapshot(root / "site")
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "eighty"')
    code, _, err = run("build", "--project", str(root))
    assert code == 1 and "catalog.yaml:" in err
    assert snapshot(root / "site") == before


def order(shop: str, sku: str, price: str) -> str:
    return json.dumps(
        {
            "shop": shop,
            "items": [{"sku": sku, "qty": 1, "unit_price": price}],
            "customer": {"name": "王女士", "phone": "138 0000 0000", "address": "上海市徐汇区某路 1 号"},
        }
    )


def test_the_hook_applies_a_recall_to_every_shop_while_one_is_broken(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    storage = open_storage(str(tmp_path / "orders.db"))
    catalog = Catalog(root)
    app = create_app(root, storage, rate=1e6, burst=10**6, catalog=catalog)
    headers = {"content-type": "application/json"}
    with TestClient(app) as client:

        def post(body: str) -> tuple[int, str]:
            r = client.post("/orders", content=body, headers={**headers, "idempotency-key": str(uuid.uuid4())})
            return r.status_code, r.json().get("error", "")

        assert post(order("bea", "FD-2001", "19.90"))[0] == 201
        edit(root / "content" / "bea" / "shop.yaml", "owner: Bea", "owner: Bea\nfavourite colour: red")
        edit(root / "catalog.yaml", 'price: "19.90"', 'price: "19.90"\n    status: recalled')
        catalog._checked = 0.0  # the hook looks for changes at most once a second; look now
        for shop in ("amy", "bea"):
            assert post(order(shop, "FD-2001", "19.90")) == (422, "product_unavailable"), shop
        status = CODES["product_not_in_shop"][0]
        assert post(order("bea", "BB-1001", "89.00")) == (status, "product_not_in_shop")  # still her shop, as she last had it
    storage.close()
