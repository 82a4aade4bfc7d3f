"""Every word a person reads comes from a gettext catalog, and every catalog is complete.

One test per domain of generator/catalogs.py (the theme's included): each message id the sources
use has a zh_CN translation with the same placeholders, and the catalog holds no id no source
uses any more (``python -m generator.catalogs`` would drop it). Then how a theme's words reach
its pages: along the theme chain, as text, the ids themselves where no catalog has a word.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import Markup

from generator.build.pipeline import build
from generator.catalogs import DOMAINS, LANGUAGES, extracted, key_text, read, translations
from generator.catalogs import main as catalogs_main
from generator.cli import main
from generator.pages.render import render_template
from generator.pages.theme import load_theme

from .test_invalid_content import make_case

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")  # gettext's python-format, and the {expires} cart.js fills in


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_every_message_has_a_translation_with_the_same_placeholders(name: str, language: str) -> None:
    domain = DOMAINS[name]
    catalog = read(domain, language)
    used = extracted(domain)
    assert used, f"{name}: no message found in its sources"
    missing, wrong = [], []
    for context, message in used:
        found = catalog.get(message, context=context)
        strings = (found.string if isinstance(found.string, tuple | list) else (found.string,)) if found else ("",)
        forms = [str(form or "") for form in strings]
        ids = (message,) if isinstance(message, str) else message
        if not all(forms):
            missing.append(key_text(context, message))
        # a language of one plural form (Chinese) says every count with it: the plural id's placeholders
        elif any(placeholders(form) != placeholders(ids[-1 if i or len(forms) == 1 else 0]) for i, form in enumerate(forms)):
            wrong.append(key_text(context, message))
    assert missing == [], f"{domain.catalog_path(language)}: no translation (run python -m generator.catalogs, then translate)"
    assert wrong == [], f"{domain.catalog_path(language)}: placeholders differ from the id's"
    kept = {key_text(m.context, m.id) for m in catalog if m.id}
    assert kept == {key_text(c, m) for c, m in used}, f"{domain.catalog_path(language)} is stale: run python -m generator.catalogs"


def test_words_follow_the_locale_contexts_and_plurals() -> None:
    zh, en = translations("theme", "zh_CN"), translations("theme", "en_US")
    assert zh.gettext("Add to cart") == "加入购物车" and en.gettext("Add to cart") == "Add to cart"
    assert translations("theme", "zh_TW").gettext("Add to cart") == "加入购物车"  # every Chinese locale reads zh_CN
    assert zh.pgettext("contact", "Phone") == "电话" and zh.gettext("Phone") == "手机号"  # one English word, two Chinese
    assert zh.ngettext("%(num)s pick", "%(num)s picks", 1) == zh.ngettext("%(num)s pick", "%(num)s picks", 5) == "%(num)s 件好物"
    assert en.ngettext("%(num)s pick", "%(num)s picks", 1) == "%(num)s pick"
    assert en.ngettext("%(num)s pick", "%(num)s picks", 5) == "%(num)s picks"
    assert translations("hook", "zh_CN").gettext("Please fill this in.") == "请填写这一项。"
    assert translations("scaffold", "zh_CN").gettext("Welcome to my shop") == "欢迎来到我的小店"


THEME_PO = """\
msgid ""
msgstr ""
"Language: zh_CN\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Add to cart"
msgstr "放进<购物车> & 走"
"""


def test_a_themes_catalog_overrides_single_words_as_text_and_a_word_without_one_shows_its_id(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")  # amy's shop is zh_CN
    pink = root / "themes" / "pink"
    (pink / "locale" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (pink / "locale" / "zh_CN" / "LC_MESSAGES" / "theme.po").write_text(THEME_PO, encoding="utf-8")
    (pink / "templates").mkdir()
    (pink / "templates" / "404.html").write_text(
        '{% extends "default:404.html" %}{% block main %}<p>{{ _("No such page, dear") }}</p>{{ super() }}{% endblock %}\n', encoding="utf-8"
    )
    shop = root / "content" / "amy" / "shop.yaml"
    shop.write_text(shop.read_text(encoding="utf-8") + "theme: pink\n", encoding="utf-8")
    build(root, root / "site")
    product = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert "放进&lt;购物车&gt; &amp; 走" in product  # the theme's word, escaped like any text
    assert '<button type="submit">加入购物车' not in product and "商品详情" in product  # the rest still default's
    notfound = (root / "site" / "amy" / "404.html").read_text(encoding="utf-8")
    assert "<p>No such page, dear</p>" in notfound and "页面不见了" in notfound


def test_a_catalog_that_cannot_be_read_is_an_error_naming_it(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    po = root / "themes" / "default" / "locale" / "zh_CN" / "LC_MESSAGES" / "theme.po"
    po.write_bytes(po.read_bytes().replace("加入购物车".encode(), "加入购物车".encode("gb18030")))
    result = CliRunner().invoke(main, ["build", "--project", str(root)])
    assert result.exit_code == 1
    assert "themes/default/locale/zh_CN/LC_MESSAGES/theme.po: the theme's catalog cannot be read" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_every_catalog_of_the_program_is_installed_with_the_package() -> None:
    """The program's catalogs are package data; a theme's travels with its theme folder."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["generator"]
    generator = REPO / "generator"
    for name, domain in DOMAINS.items():
        for language in LANGUAGES:
            path = domain.catalog_path(language)
            assert path.is_file(), path
            if path.is_relative_to(generator):
                assert any(path.relative_to(generator).match(pattern) for pattern in declared), name
            else:
                assert path.is_relative_to(REPO / "themes"), name


def test_catalogs_of_a_theme_of_ones_own_are_updated_by_the_same_command(tmp_path: Path) -> None:
    pink = tmp_path / "themes" / "pink"
    (pink / "templates").mkdir(parents=True)
    (pink / "templates" / "404.html").write_text('{% block main %}{{ _("Oops, %(who)s", who=1) }}{% endblock %}\n', encoding="utf-8")
    assert catalogs_main([str(pink)]) == 1  # one word, not yet translated
    po = pink / "locale" / "zh_CN" / "LC_MESSAGES" / "theme.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Oops, %(who)s"\nmsgstr ""', 'msgid "Oops, %(who)s"\nmsgstr "哎呀，%(who)s"'), encoding="utf-8")
    assert catalogs_main([str(pink)]) == 0
    assert "哎呀" in po.read_text(encoding="utf-8")


def test_templates_speak_newstyle_gettext_in_the_renders_locale(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    templates = root / "themes" / "default" / "templates"
    parts = [
        '{% from "words-macro.html" import card %}{{ _("Add to cart") }}',
        '{{ _("%(owner)s\'s shop", owner="A&B") }}',
        "{% trans n=3 %}Only {{ n }} left{% endtrans %}",
        '{{ ngettext("%(num)s pick", "%(num)s picks", 1) }}',
        '{{ pgettext("contact", "Phone") }}',
        '{{ _("%(label)s: %(value)s", label=label, value="<x>") }}',
        "{{ card() }}\n",
    ]
    (templates / "words.html").write_text("|".join(parts), encoding="utf-8")
    macro = '{% macro card() %}{{ _("Sold out") }}{% endmacro %}'  # imported without the page's context
    (templates / "words-macro.html").write_text(macro, encoding="utf-8")
    (templates / "words.txt").write_text('{{ _("%(owner)s\'s shop", owner="A&B") }} {{ _("Add to cart") }}', encoding="utf-8")
    (templates / "own.html").write_text('{% set _ = "mine" %}{{ _ }} {{ gettext("Add to cart") }}', encoding="utf-8")
    theme = load_theme(root, "default")
    view = {"label": Markup("<b>微信</b>")}
    zh = "加入购物车|A&amp;B的小店|仅剩 3 件|1 件好物|电话|<b>微信</b>：&lt;x&gt;|已售罄\n"
    assert render_template(theme, "words.html", view, root, "zh_CN") == zh
    en = "Add to cart|A&amp;B&#39;s shop|Only 3 left|1 pick|Phone|<b>微信</b>: &lt;x&gt;|Sold out\n"
    assert render_template(theme, "words.html", view, root, "en_US") == en
    assert render_template(theme, "words.txt", {}, root, "en_US") == "A&B's shop Add to cart"  # a text file is not escaped
    assert render_template(theme, "own.html", {}, root, "zh_CN") == "mine 加入购物车"
