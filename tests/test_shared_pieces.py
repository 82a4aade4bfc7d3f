"""A product page's price block and structured data, and a post's product embeds, are shared
by the shops that show the product, each with her own links and nobody else's note
(pages/cards.py, pages/embeds.py, pages/jsonld.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from jinja2 import Environment

from generator.build.pipeline import build
from generator.build.shop import ShopBuilder
from generator.build.state import BuildState
from generator.content.model import Project
from generator.content.project import load_project
from generator.pages import jsonld
from generator.pages.cards import SharedMacro, template_reads
from generator.pages.embeds import SharedEmbeds
from generator.pages.plan import plan_shop
from generator.pages.theme import Theme
from generator.pages.views import ShopViews

from .test_cards import three_shops
from .test_incremental import files

EMBED = re.compile(r'<aside class="embed.*?</aside>', re.S)
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def _verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build here is also checked against a render from nothing (build/verify.py)."""
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")


def with_posts(tmp_path: Path) -> Path:
    """test_cards' three shops, bea and cy each with a post that embeds BB-1001 as amy's does."""
    root = three_shops(tmp_path)
    for shop in ("bea", "cy"):
        posts = root / "content" / shop / "posts"
        posts.mkdir()
        (posts / "hello.md").write_text("---\ntitle: Hello\ndate: 2026-10-01\n---\nHi.\n\n{{< product BB-1001 >}}\n", encoding="utf-8")
    return root


def page(site: Path, shop: str, path: str) -> str:
    return (site / shop / path / "index.html").read_text(encoding="utf-8")


def default_builder(root: Path) -> tuple[Project, ShopBuilder, Theme]:
    """The project at ``root``, a builder of it with nothing recorded, and its default theme."""
    project = load_project(root)
    builder = ShopBuilder(project, root / "site", root / "staging", BuildState.empty(), dt.datetime.now(dt.UTC))
    return project, builder, builder.theme("default")


def test_embeds_are_rendered_once_and_the_same_in_every_shop(tmp_path: Path) -> None:
    root = with_posts(tmp_path)
    project, builder, theme = default_builder(root)
    made = []
    for shop in project.shops:
        for output in plan_shop(project, shop, theme, builder.products, builder.now):
            if output.template == "post.html":
                made.append(builder.make(output, theme, shop.locale))
    shared = theme.env.filters["embed_products"].__self__
    assert isinstance(shared, SharedEmbeds)
    assert len(made) == 3 and shared.rendered == 1
    # the embed's templates are each post's dependencies, reused or not
    assert all(
        any(f.endswith("partials/product-embed.html") for f in loaded) and any(f.endswith("partials/price.html") for f in loaded)
        for _, loaded, _ in made
    )
    shown = {EMBED.search(html.decode()).group(0) for html, _, _ in made}  # type: ignore[union-attr]
    assert len(shown) == 1 and 'href="../../p/BB-1001/"' in shown.pop()


def test_the_shared_pieces_are_what_the_templates_themselves_print(tmp_path: Path) -> None:
    """A copy of the theme whose product page imports the price macro itself (as before it was
    shared) and prints its structured data encoded afresh builds the very same bytes."""
    root = with_posts(tmp_path)
    build(root, root / "site")
    templates = root / "themes" / "default" / "templates"
    product = templates / "product.html"
    product.write_text(
        product.read_text(encoding="utf-8").replace("{% block meta %}", '{% from "partials/price.html" import price %}{% block meta %}', 1),
        encoding="utf-8",
    )
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("{{ jsonld | tojson }}", "{{ dict(jsonld) | tojson }}"), encoding="utf-8")
    build(root, root / "own")
    assert files(root / "site") == files(root / "own")


def test_structured_data_has_each_shops_own_urls(tmp_path: Path) -> None:
    root = with_posts(tmp_path)
    build(root, root / "site")
    found = {shop: json.loads(JSONLD.search(page(root / "site", shop, "p/BB-1001")).group(1)) for shop in ("amy", "bea", "cy")}  # type: ignore[union-attr]
    for shop, data in found.items():
        assert data["offers"]["url"].endswith(f"/{shop}/p/BB-1001/")
        assert all(f"/{shop}/" in url for url in data["image"]) and data["image"]
        assert jsonld.BASE not in json.dumps(data)
    same = [{**d, "offers": {**d["offers"], "url": ""}, "image": []} for d in found.values()]
    assert same[0] == same[1] == same[2]


def test_structured_data_read_or_encoded_otherwise_is_her_own(tmp_path: Path) -> None:
    root = with_posts(tmp_path)
    project, builder, theme = default_builder(root)
    for shop in project.shops:
        views = ShopViews(shop, project.platform, builder.products, theme.words(shop.locale))
        offer = views.offer(shop.pick("BB-1001"))  # type: ignore[arg-type]
        data = views.product_jsonld(offer)
        assert isinstance(data, jsonld.Encoded) and data == views._product_jsonld(offer, shop.base_url)
        assert jsonld.dumps(data, **jsonld.KWARGS) == json.dumps(data, **jsonld.KWARGS)
        indented = theme.env.from_string("{{ d | tojson(2) }}").render(d=data)
        assert json.loads(indented) == data and "\n  " in indented and data["offers"]["url"] == offer["url"]
        # an offer that is not made of the shared facts is encoded as it is
        other = {**offer, "title": "<b>" + offer["title"]}
        assert views.product_jsonld(other)["name"] == "<b>" + offer["title"] and not isinstance(views.product_jsonld(other), jsonld.Encoded)


def test_a_theme_with_its_own_embed_and_price_is_used(tmp_path: Path) -> None:
    """Her theme's embed reads the offer's URL and prints her note; her price is in bold: each
    shop shows its own links, and a note only on its owner's page, escaped."""
    root = with_posts(tmp_path)
    mine = root / "themes" / "mine" / "templates" / "partials"
    mine.mkdir(parents=True)
    (mine / "product-embed.html").write_text(
        '{% from "partials/price.html" import price %}<aside class="embed mine"><a href="{{ p.url }}">{{ p.title }}</a> {{ price(p) }}'
        "{% if p.note_text %}<q>{{ p.note_text }}</q>{% endif %}</aside>\n",
        encoding="utf-8",
    )
    (mine / "price.html").write_text("{% macro price(p) %}<b>{{ p.price_display }}</b> {{ p.note_text }}{% endmacro %}\n", encoding="utf-8")
    for shop in ("amy", "bea"):
        yaml = root / "content" / shop / "shop.yaml"
        yaml.write_text(yaml.read_text(encoding="utf-8") + "theme: mine\n", encoding="utf-8")
    build(root, root / "site")
    site = root / "site"
    amy, bea = (EMBED.search(page(site, shop, "posts/hello")).group(0) for shop in ("amy", "bea"))  # type: ignore[union-attr]
    escaped = "Amy&#39;s &lt;script&gt;alert(1)&lt;/script&gt; &amp; “ours” {{ 7*7 }}"  # her note's plain text, escaped as the template escapes it
    assert amy.startswith('<aside class="embed mine"><a href="http') and "/amy/p/BB-1001/" in amy and f"<q>{escaped}</q>" in amy and "<b>" in amy
    assert "/bea/p/BB-1001/" in bea and "<q>Bea&#39;s daily pick.</q>" in bea and "Amy" not in bea
    assert "<b>" in page(site, "amy", "p/BB-1001") and escaped in page(site, "amy", "p/BB-1001").split('<p class="product-price">', 1)[1]
    assert "Amy" not in page(site, "bea", "p/BB-1001").split('<p class="product-price">', 1)[1].split("</p>", 1)[0]
    cy = page(site, "cy", "posts/hello")
    assert 'class="embed-cta"' in cy and "Amy" not in cy and "Bea" not in cy  # the default theme's, for the shop that did not choose hers


def test_a_hostile_note_is_only_in_her_own_pages(tmp_path: Path) -> None:
    root = with_posts(tmp_path)
    build(root, root / "site")
    site = root / "site"
    for shop in ("bea", "cy"):
        for path in (site / shop).rglob("*.html"):
            assert "Amy&#39;s" not in path.read_text(encoding="utf-8") and "alert(1)" not in path.read_text(encoding="utf-8")
    assert "<script>x</script>" not in page(site, "amy", "p/BB-1001")


def test_the_price_global_renders_once_per_price(tmp_path: Path) -> None:
    root = with_posts(tmp_path)
    project, builder, theme = default_builder(root)
    for shop in project.shops:
        for output in plan_shop(project, shop, theme, builder.products, builder.now):
            if output.template == "product.html":
                builder.make(output, theme, shop.locale)
    price = theme.env.globals["price"]
    assert isinstance(price, SharedMacro)
    assert price.rendered == 2  # BB-1001 and FD-2001, for the three shops


def test_what_a_template_reads_following_imported_macros(tmp_path: Path) -> None:
    root = with_posts(tmp_path)
    templates = root / "themes" / "default" / "templates"
    from jinja2 import FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(templates)))
    from generator.pages.cards import resolver

    def reads(source: str) -> tuple[tuple[str, ...] | None, bool]:
        found = template_reads(env.parse(source), "p", resolver(env))
        return found.keys, found.note_by_marker

    embed = (templates / "partials" / "product-embed.html").read_text(encoding="utf-8")
    keys, _ = reads(embed)
    assert keys is not None and {"price_display", "list_price_display", "title", "path"} <= set(keys) and "url" not in keys
    assert reads('{% from "partials/price.html" import price %}{{ price(p) }}') == (("price_display", "list_price_display"), False)
    assert reads('{% from "partials/price.html" import price %}{% set price = 1 %}{{ price(p) }}')[0] is None  # bound twice: either
    assert reads('{% from "partials/none.html" import price %}{{ price(p) }}')[0] is None  # not found: anything
    assert reads("{{ price(p) }}")[0] is None  # not imported here: anything
