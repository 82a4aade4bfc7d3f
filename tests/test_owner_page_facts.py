"""What a shop shows of its owner (contact in her words, never her private number) and of tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build.pipeline import build
from generator.cli import main
from generator.pages.tags import tag_slug

PHONE = "13987654321"
# every way the number is commonly written: digits, groups of 3-4-4, with the country code
SPELLINGS = ("13987654321", "139 8765 4321", "139-8765-4321", "+86 139 8765 4321", "+8613987654321", "8613987654321", "139.8765.4321")


def with_private_phone(project: Path, written: str = '"+86 139-8765-4321"') -> None:
    shop_yaml = project / "content" / "xiaomei" / "shop.yaml"
    text = shop_yaml.read_text(encoding="utf-8")
    shop_yaml.write_text(
        text.replace("contact: {wechat: xiaomei_mom}\n", f"contact: {{wechat: xiaomei_mom}}\nprivate:\n  phone: {written}\n"), encoding="utf-8"
    )


@pytest.mark.parametrize("written", ['"+86 139-8765-4321"', "13987654321", "+8613987654321", '["139 8765 4321", "13987654321"]'])
def test_no_byte_of_a_private_phone_reaches_the_site(project: Path, written: str) -> None:
    with_private_phone(project, written)
    build(project, project / "site")
    files = [p for p in (project / "site").rglob("*") if p.is_file()]
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        for spelling in SPELLINGS:
            assert spelling.encode() not in data, (path, spelling)
        assert PHONE.encode() not in re.sub(rb"[^0-9]", b"", data), path  # however it is split up
    runner = CliRunner()
    for fmt in ("table", "csv", "json"):
        result = runner.invoke(main, ["links", "--project", str(project), "xiaomei", "--format", fmt])
        assert result.exit_code == 0 and PHONE not in re.sub(r"\D", "", result.output)
    result = runner.invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 0 and "8765" not in result.output


def test_a_private_phone_must_be_a_phone_number(project: Path) -> None:
    with_private_phone(project, "my-phone")
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    assert "content/xiaomei/shop.yaml:10:10: phone：“my-phone”不是电话号码" in result.stderr


def test_contact_labels_are_in_the_shops_language(project: Path) -> None:
    amy = project / "content" / "glow-with-amy" / "shop.yaml"
    amy.write_text(
        amy.read_text(encoding="utf-8").replace(
            "contact: {instagram: glowwithamy}", "contact: {instagram: glowwithamy, wechat: amy_w, qq: 12345678}"
        ),
        encoding="utf-8",
    )
    build(project, project / "site")
    zh = (project / "site" / "xiaomei" / "index.html").read_text(encoding="utf-8")
    en = (project / "site" / "glow-with-amy" / "index.html").read_text(encoding="utf-8")
    assert '<p>小美的小店 · <span class="contact">微信：xiaomei_mom</span></p>' in zh
    assert "小美 的" not in zh
    assert (
        '<span class="contact">Instagram: glowwithamy</span> · <span class="contact">QQ: 12345678</span> · <span class="contact">WeChat: amy_w</span>'
        in en
    )


def test_a_product_page_lists_its_variants_once(demo_site: Path) -> None:
    page = (demo_site / "xiaomei" / "p" / "BB-1007" / "index.html").read_text(encoding="utf-8")
    for title in ("S 码 72 片", "M 码 64 片", "L 码 54 片"):
        assert page.count(f">{title} · ") == 1  # the choice in the form, and no list beside it
        assert page.count(f'data-title="{title}"') == 1
    assert "<li><span>S 码 72 片</span>" not in page


def test_tag_slugs() -> None:
    assert tag_slug("Organic Food!") == "organic-food"
    assert tag_slug("6m+") == "6m+"
    assert tag_slug("有机 辅食") == "有机-辅食"
    assert tag_slug("ＢＰＡ－free") == "bpa-free"  # full-width letters typed on a Chinese keyboard
    assert tag_slug("!!!").startswith("tag-") and tag_slug("!!!") != tag_slug("???")
    assert tag_slug("../x") == "x"


def test_tags_link_to_a_page_of_her_picks(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")
    catalog = project / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    tagged = text.replace('tags: ["organic", "6m+"]', 'tags: ["有机", "6m+", "Organic", "organic"]')
    catalog.write_text(tagged.replace('tags: ["noodles"]', 'tags: ["noodles", "有机"]'), encoding="utf-8")  # FD-2001: chef-lin's
    site = project / "site"
    build(project, site)
    product = (site / "xiaomei" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../tags/%E6%9C%89%E6%9C%BA/">有机</a>' in product
    assert '<a href="../../tags/6m%2B/">6m+</a>' in product
    assert product.count("../../tags/organic/") == 1  # two spellings, one page
    page = (site / "xiaomei" / "tags" / "有机" / "index.html").read_text(encoding="utf-8")
    assert "<h1>标签：有机</h1>" in page and 'href="../../p/BB-1001/"' in page
    assert '<link rel="canonical" href="http://127.0.0.1:8000/xiaomei/tags/%E6%9C%89%E6%9C%BA/">' in page
    assert page.count('<li class="card') == 1  # her picks only
    sitemap = (site / "xiaomei" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>http://127.0.0.1:8000/xiaomei/tags/%E6%9C%89%E6%9C%BA/</loc>" in sitemap
    assert "<loc>http://127.0.0.1:8000/xiaomei/tags/</loc>" in sitemap
    index = (site / "xiaomei" / "tags" / "index.html").read_text(encoding="utf-8")
    assert 'href="../tags/%E6%9C%89%E6%9C%BA/"' in index
    chef = (site / "chef-lin" / "tags" / "有机" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../p/FD-2001/"' in chef and "BB-1001" not in chef
    # a tag the catalog takes back is a page no more, and the incremental build says so
    catalog.write_text(text, encoding="utf-8")
    build(project, site)
    assert not (site / "xiaomei" / "tags" / "有机").exists()
    assert (site / "xiaomei" / "tags" / "organic" / "index.html").exists()
