"""The demo platform as a customer sees it: three shops, their pages, links that all resolve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .sitecheck import broken_links, parse

SHOPS = ("chef-lin", "glow-with-amy", "xiaomei")


def test_demo_builds_three_complete_shops(demo_site: Path) -> None:
    assert sorted(p.name for p in demo_site.iterdir()) == list(SHOPS)
    for shop in SHOPS:
        for page in ("index.html", "posts/index.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html", "products.json"):
            assert (demo_site / shop / page).is_file(), f"{shop}/{page}"


@pytest.mark.parametrize("shop", SHOPS)
@pytest.mark.parametrize("mount", ["/", "/shops/sub/path/"])
def test_every_internal_link_resolves(demo_site: Path, shop: str, mount: str) -> None:
    assert broken_links(demo_site / shop, mount, skip=("404.html",)) == []


@pytest.mark.parametrize("shop", SHOPS)
def test_404_page_links_resolve_at_the_base_url_path(demo_site: Path, shop: str) -> None:
    assert broken_links(demo_site / shop, f"/{shop}/") == []


def test_mother_of_two_shop_reads_right(demo_site: Path) -> None:
    home = (demo_site / "xiaomei" / "index.html").read_text(encoding="utf-8")
    assert "<h1>小美的宝宝好物</h1>" in home
    assert "两个娃的妈妈" in home
    assert home.index("店主推荐") < home.index("全部好物")  # the owner's picks first
    # the recalled pacifier is never published, the sold-out probiotic is shown as sold out
    assert not (demo_site / "xiaomei" / "p" / "BB-1010").exists()
    assert "BB-1010" not in home
    sold_out = (demo_site / "xiaomei" / "p" / "BB-1008" / "index.html").read_text(encoding="utf-8")
    assert '<p class="sold-out-note" role="status">已售罄</p>' in sold_out
    items = json.loads((demo_site / "xiaomei" / "products.json").read_text(encoding="utf-8"))["items"]
    assert {i["sku"] for i in items}.isdisjoint({"BB-1008", "BB-1009", "BB-1010"})  # sold out, stock 0, recalled
    assert {"id": "BB-1001:500g", "price": "159.00"}.items() <= next(i for i in items if i["id"] == "BB-1001:500g").items()


def test_english_shop_speaks_english_and_formats_money_for_en_us(demo_site: Path) -> None:
    page = (demo_site / "glow-with-amy" / "p" / "BT-3002" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en-US">' in page
    assert '<span class="price">CN¥199.00</span>' in page
    assert "Why I love it" in page
    doc = parse(demo_site / "glow-with-amy" / "p" / "BT-3002" / "index.html")
    ld = [e for e in doc.elements if e.tag == "script" and e.attrs.get("type") == "application/ld+json"]
    assert len(ld) == 1


def test_product_page_carries_open_graph_and_json_ld(demo_site: Path) -> None:
    file = demo_site / "chef-lin" / "p" / "HM-4001" / "index.html"
    text = file.read_text(encoding="utf-8")
    data = json.loads(text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    assert data["@type"] == "Product" and data["sku"] == "HM-4001"
    assert data["offers"] == {
        "@type": "Offer",
        "availability": "https://schema.org/InStock",
        "price": "399.00",
        "priceCurrency": "CNY",
        "url": "http://127.0.0.1:8000/chef-lin/p/HM-4001/",
    }
    og = {e.attrs["property"]: e.attrs["content"] for e in parse(file).elements if e.tag == "meta" and "property" in e.attrs}
    assert og["og:type"] == "product" and og["og:image"].endswith("/chef-lin/media/cards/catalog/images/hm-4001.svg.jpg")


def test_post_embeds_product_cards(demo_site: Path) -> None:
    post = (demo_site / "chef-lin" / "posts" / "2026-10-braised-pork" / "index.html").read_text(encoding="utf-8")
    assert post.count('<aside class="embed">') == 2
    assert 'href="../../p/FD-2004/"' in post and 'href="../../p/HM-4001/"' in post


def test_no_page_loads_anything_from_another_site(demo_site: Path) -> None:
    for file in demo_site.rglob("*.html"):
        for el in parse(file).elements:
            if el.tag in ("script", "img", "iframe") or (el.tag == "link" and el.attrs.get("rel") in ("stylesheet", "icon", "preload")):
                src = el.attrs.get("src") or el.attrs.get("href") or ""
                assert not src.startswith(("http:", "https:", "//")), f"{file}: {el.tag} {src}"
            assert not (el.tag == "script" and "src" not in el.attrs and el.attrs.get("type") != "application/ld+json"), file


def test_no_page_prints_a_python_object(demo_site: Path) -> None:
    for file in demo_site.rglob("*.html"):
        text = file.read_text(encoding="utf-8")
        assert "built-in method" not in text and "<function " not in text and "&lt;function " not in text, file
