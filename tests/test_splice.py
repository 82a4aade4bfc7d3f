"""A price change makes the home, tag and collection pages from their last bytes, with the
changed product's cards made again (pages/splice.py): byte for byte what a build from nothing
makes, and only when the theme's templates can show the catalog's facts nowhere else."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator.build.pipeline import build
from generator.pages.splice import shows_facts_only_in_grids
from generator.pages.views import COLLECTION_OFFERS, HOME_OFFERS, TAG_OFFERS

from .test_incremental import assert_same_as_full_build, edit, rewritten, two_shop_project

BASE = "<html><title>{{ page.title }}</title>{% for c in site.contact %}{{ c.label }}{% endfor %}{% block main %}{% endblock %}</html>"
DEFAULT = (
    '{% extends "base.html" %}{% block main %}'
    "{% if featured %}<ul>{{ cards(featured, root, 2) }}</ul>{% endif %}"
    "{% for c in collections %}<a>{{ c.title }} {{ c.picks | length }}</a>{% endfor %}"
    "<ul>{{ cards(offers, root, 0 if featured else 2) }}</ul>{% endblock %}"
)


@pytest.fixture(autouse=True)
def _verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build here is also checked against a render from nothing (build/verify.py)."""
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")


def proven(home: str, **more: str) -> bool:
    env = jinja2.Environment(loader=jinja2.DictLoader({"base.html": BASE, "home.html": home, **more}))
    return shows_facts_only_in_grids(env, "home.html", HOME_OFFERS)


def test_the_default_themes_grid_pages_show_offers_only_in_their_grids() -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent.parent / "themes" / "default" / "templates")))
    assert shows_facts_only_in_grids(env, "home.html", HOME_OFFERS)
    assert shows_facts_only_in_grids(env, "tag.html", TAG_OFFERS)
    assert shows_facts_only_in_grids(env, "collection.html", COLLECTION_OFFERS)


@pytest.mark.parametrize(
    "home",
    [
        DEFAULT,
        '{% extends "base.html" %}{% block main %}{{ offers | length }} picks{% if not offers %}none{% endif %}'
        "{{ cards(offers, root) }}{% endblock %}",
        '{% extends "base.html" %}{% block main %}{% for c in collections %}{{ cards(c.picks, root) }}{% endfor %}{% endblock %}',
    ],
)
def test_a_template_that_prints_offers_through_cards_alone_is_proven(home: str) -> None:
    assert proven(home)


@pytest.mark.parametrize(
    "main",
    [
        "{% for p in offers %}{{ card(p, root) }}{% endfor %}",  # a loop of cards (the old default)
        '{{ cards(offers, root) | replace("¥", "RMB ") }}',  # the grid changed on its way to the page
        "{% set grid = cards(offers, root) %}{{ grid }}{{ grid }}",
        "{{ offers[0].price_display }}",
        "{% set first = offers | first %}{{ first.title }}",
        "{% for c in collections %}{{ c.picks[0].title }}{% endfor %}",
        "{% macro g(x) %}{{ cards(x, root) }}{% endmacro %}{{ g(offers) }}",
        "{% filter upper %}{{ cards(offers, root) }}{% endfilter %}",
        "{{ offers | tojson }}",
        "{% set cards = card %}{{ cards(offers, root) }}",
        "{% with all = offers %}{{ cards(all, root) }}{% endwith %}",
        '{% include "list.html" %}',  # the include reads the offers
        "{% include page.kind ~ '.html' %}",  # a template named at render time
        "{{ cards(offers, root) }}{{ self.main() | upper }}",  # the block again, through a filter
    ],
)
def test_a_template_that_may_show_a_price_elsewhere_is_rendered_whole(main: str) -> None:
    home = '{% extends "base.html" %}{% block main %}' + main + "{% endblock %}"
    assert not proven(home, **{"list.html": "{% for p in offers %}{{ p.price_display }}{% endfor %}"})


def test_a_price_change_swaps_the_cards_into_the_pages_last_bytes(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "79.00"')  # BB-1001: amy's featured pick, in both her grids
    stats = build(root, root / "site")
    assert stats.spliced >= 2  # her home page and her collection (and the tag pages that show it)
    home = (root / "site" / "amy" / "index.html").read_text(encoding="utf-8")
    assert home.count("¥79.00") == 2 and "¥89.00" not in home
    assert_same_as_full_build(root, tmp_path)
    edit(root / "catalog.yaml", 'price: "79.00"', 'price: "105.00"')  # longer: the cards after it move
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "9.90"')  # and a second product, shorter
    assert build(root, root / "site").spliced >= 2
    assert_same_as_full_build(root, tmp_path)


def test_a_theme_that_loops_over_the_offers_is_rendered_whole(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    loop = "{% for p in offers %}{{ p.price_display }}{% endfor %}"  # a price printed by hand
    edit(root / "themes" / "default" / "templates" / "home.html", "{{ cards(offers, root, 0 if featured else 2) }}", loop)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    assert "amy/index.html" in rewritten(root)
    assert "¥18.80" in (root / "site" / "amy" / "index.html").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)


def test_a_page_changed_by_hand_is_rendered_whole_not_spliced(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    page = root / "site" / "amy" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("<ul", "<ol", 1), encoding="utf-8")  # the same size, other bytes
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "79.00"')
    build(root, root / "site")
    assert page.read_text(encoding="utf-8").count("<ol") == text.count("<ol")
    assert_same_as_full_build(root, tmp_path)


def test_a_recalled_product_leaves_the_grids_it_was_in(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "89.00"\n    status: recalled')
    build(root, root / "site")
    assert "BB-1001" not in (root / "site" / "amy" / "index.html").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)
