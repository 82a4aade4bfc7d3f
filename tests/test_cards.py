"""Cards are shared: a product's card is rendered once and shown by every shop that picks it,
with her own note in it and nobody else's (pages/cards.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator.build.pipeline import build
from generator.build.shop import ShopBuilder
from generator.build.state import BuildState
from generator.content.project import load_project
from generator.errors import TemplateError
from generator.pages.cards import SharedCards, macro_reads
from generator.pages.plan import plan_shop

from .test_incremental import files
from .test_invalid_content import make_case

CARD = re.compile(r'<li class="card.*?</li>', re.S)
# what her note's plain text becomes is markup-like: the card must escape it
HOSTILE = "Amy's &lt;script&gt;alert(1)&lt;/script&gt; & “ours” {{ 7*7 }} <script>x</script>"


@pytest.fixture(autouse=True)
def _verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build here is also checked against a render from nothing (build/verify.py)."""
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")


def three_shops(tmp_path: Path) -> Path:
    """amy, bea and cy all pick BB-1001 and FD-2001: amy with a hostile note on BB-1001, bea
    with a plain one, cy with none."""
    root = make_case("_base", tmp_path / "p")
    amy = root / "content" / "amy" / "shop.yaml"
    text = amy.read_text(encoding="utf-8").replace(", featured: true", "")
    amy.write_text(text.replace("note: We love it.", f"note: {json.dumps(HOSTILE, ensure_ascii=False)}"), encoding="utf-8")
    for shop, note in (("bea", "Bea's daily pick."), ("cy", "")):
        folder = root / "content" / shop
        folder.mkdir()
        pick = f"{{sku: BB-1001, note: {note}}}" if note else "BB-1001"
        (folder / "shop.yaml").write_text(f"title: {shop}'s shop\nowner: {shop}\npicks:\n  - {pick}\n  - FD-2001\n", encoding="utf-8")
    return root


def home_cards(site: Path, shop: str) -> list[str]:
    return CARD.findall((site / shop / "index.html").read_text(encoding="utf-8"))


def test_three_shops_show_one_card_each_with_her_own_note(tmp_path: Path) -> None:
    root = three_shops(tmp_path)
    build(root, root / "site")
    site = root / "site"
    amy, bea, cy = (home_cards(site, shop)[0] for shop in ("amy", "bea", "cy"))
    # her note, escaped as the template escapes it; nobody else's
    assert "“Amy&#39;s &lt;script&gt;alert(1)&lt;/script&gt; &amp; “ours” {{ 7*7 }}”" in amy and "<script>" not in amy
    assert "Bea&#39;s daily pick." in bea and "Amy" not in bea
    assert "card-note" not in cy and "Amy" not in cy and "Bea" not in cy
    # and otherwise the very same card
    without_note = re.compile(r'<p class="card-note">.*?</p>', re.S)
    assert without_note.sub("", amy) == without_note.sub("", bea) == cy


def test_the_shared_card_is_what_the_macro_itself_prints(tmp_path: Path) -> None:
    """A copy of the theme whose pages import the card macro themselves and loop over their
    grids, as before cards were shared, builds the very same bytes."""
    root = three_shops(tmp_path)
    build(root, root / "site")
    templates = root / "themes" / "default" / "templates"
    grid = re.compile(r"\{\{ cards\(([^,]+), root(?:, ([^)]+))?\) \}\}")
    for page in ("home.html", "collection.html", "tag.html"):
        text = (templates / page).read_text(encoding="utf-8")
        looped, grids = grid.subn(lambda m: f"{{% for p in {m[1]} %}}{{{{ card(p, root, loop.index > ({m[2] or 0})) }}}}{{% endfor %}}", text)
        assert grids, page
        imported = looped.replace("{% block main %}", '{% from "partials/card.html" import card %}{% block main %}', 1)
        (templates / page).write_text(imported, encoding="utf-8")
    build(root, root / "own")
    assert files(root / "site") == files(root / "own")


def test_each_card_is_rendered_once_however_many_shops_show_it(tmp_path: Path) -> None:
    root = three_shops(tmp_path)
    project = load_project(root)
    builder = ShopBuilder(project, root / "site", root / "staging", BuildState.empty(), dt.datetime.now(dt.UTC))
    theme = builder.theme("default")
    for shop in project.shops:
        for output in plan_shop(project, shop, theme, builder.products, builder.now):
            if output.template == "home.html":
                builder.make(output, theme, shop.locale)
    cards = theme.env.globals["card"]
    assert isinstance(cards, SharedCards)
    # FD-2001 once for the three shops; BB-1001 twice: with a marker where a note goes (amy's
    # and bea's), and without (cy's)
    assert cards.rendered == 3


def test_a_theme_with_its_own_card_is_used(tmp_path: Path) -> None:
    """Her theme's card reads the offer's URL, which is each shop's own: each shop shows its own."""
    root = three_shops(tmp_path)
    mine = root / "themes" / "mine" / "templates" / "partials"
    mine.mkdir(parents=True)
    (mine / "card.html").write_text(
        '{% macro card(p, root, lazy=true) %}<li class="card mine"><a href="{{ p.url }}">{{ p.title }}</a>'
        "{% if p.note_text %} <q>{{ p.note_text | upper }}</q>{% endif %}</li>{% endmacro %}\n",
        encoding="utf-8",
    )
    for shop in ("amy", "bea"):
        yaml = root / "content" / shop / "shop.yaml"
        yaml.write_text(yaml.read_text(encoding="utf-8") + "theme: mine\n", encoding="utf-8")
    build(root, root / "site")
    site = root / "site"
    amy, bea = (home_cards(site, shop)[0] for shop in ("amy", "bea"))
    assert amy.startswith('<li class="card mine"><a href="http') and "/amy/p/BB-1001/" in amy and "&lt;SCRIPT&gt;ALERT(1)" in amy
    assert "/bea/p/BB-1001/" in bea and "BEA&#39;S DAILY PICK." in bea and "SCRIPT" not in bea
    assert 'class="card-link"' in home_cards(site, "cy")[0]  # the default theme's, for the shop that did not choose hers


def test_editing_the_card_rewrites_the_pages_that_show_cards(tmp_path: Path) -> None:
    root = three_shops(tmp_path)
    build(root, root / "site")
    card = root / "themes" / "default" / "templates" / "partials" / "card.html"
    card.write_text(card.read_text(encoding="utf-8").replace('<h3 class="card-title">', '<h3 class="card-title edited">'), encoding="utf-8")
    build(root, root / "site")  # verify mode: a page left as it was would differ from a build from nothing
    assert all("card-title edited" in card for shop in ("amy", "bea", "cy") for card in home_cards(root / "site", shop))
    assert "card-title edited" in (root / "site" / "amy" / "c" / "all" / "index.html").read_text(encoding="utf-8")


def test_what_a_macro_reads_of_its_offer() -> None:
    from jinja2 import Environment

    def reads(body: str) -> tuple[tuple[str, ...] | None, bool]:
        found = macro_reads(Environment().parse("{% macro card(p, root) %}" + body + "{% endmacro %}"))
        assert found is not None
        return found.keys, found.note_by_marker

    assert reads('{{ p.title }}{{ p["path"] }}{% if p.note_text %}“{{ p.note_text }}”{% endif %}') == (("title", "path", "note_text"), True)
    assert reads("{{ p.note_text | truncate(20) }}") == (("note_text",), False)  # a note that is changed: in the key
    assert reads("{{ other(p) }}") == (None, False)  # passed on whole: anything may be read of it
    assert reads("{% set p = root %}{{ p }}") == (None, False)
    assert macro_reads(Environment().parse("{% macro price(p) %}{% endmacro %}")) is None


def test_a_card_template_without_the_macro_is_named(tmp_path: Path) -> None:
    root = three_shops(tmp_path)
    (root / "themes" / "default" / "templates" / "partials" / "card.html").write_text("{# nothing #}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=re.escape("partials/card.html defines no macro 'card'")):
        build(root, root / "site")
