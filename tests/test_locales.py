"""Every locale a shop may set is shown entirely in it; any other is refused, with the list."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.catalogs import DOMAINS, read
from generator.cli import main
from generator.content.loading import locale_problem
from generator.content.scaffold import post_md, shop_yaml
from generator.content.schema import LOCALES

from .conftest import first_lines
from .test_invalid_content import make_case

# The demo's shops: xiaomei and chef-lin in the platform's zh_CN, glow-with-amy in en_US.
SHOP_IN = {"zh_CN": "xiaomei", "en_US": "glow-with-amy"}
OTHER = {"zh_CN": "en_US", "en_US": "zh_CN"}


def theme_texts(locale: str) -> list[str]:
    """Every word of the default theme in ``locale``: the message ids in English, else the catalog's."""
    catalog = read(DOMAINS["theme"], "zh_CN")
    texts: list[str] = []
    for m in catalog:
        if m.id:
            chosen = m.id if locale == "en_US" else m.string
            texts.extend([chosen] if isinstance(chosen, str) else chosen or [""])
    return texts


def theme_words(locale: str) -> set[str]:
    """The theme's fixed words in ``locale``, as they can appear on a page (placeholders cut)."""
    out = set()
    for text in theme_texts(locale):
        for part in re.split(r"%\(\w+\)s|\{\w+\}", text):
            part = part.strip(" :：，,.…")
            if len(part) >= 5 or re.search(r"[\u4e00-\u9fff]{2,}", part):
                out.add(part)
    return out


def test_every_supported_locale_has_every_theme_word() -> None:
    assert LOCALES == ("en_US", "zh_CN")  # the ids are English; every other supported locale has a catalog
    assert all(theme_texts("zh_CN"))  # and tests/test_catalogs.py: every id has its translation
    assert theme_words("zh_CN") != theme_words("en_US")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_shop_shows_no_word_of_another_locale(demo_site: Path, locale: str) -> None:
    shop = demo_site / SHOP_IN[locale]
    foreign = theme_words(OTHER[locale]) - theme_words(locale)
    for page in sorted(shop.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r'<script type="application/ld\+json">.*?</script>', "", text, flags=re.S)  # schema.org's vocabulary, never shown
        assert f'<html lang="{locale.replace("_", "-")}"' in text, page
        shown = [word for word in foreign if word in text]
        assert not shown, f"{page.relative_to(demo_site)} shows {shown}"


def test_dates_are_written_in_the_shops_locale(demo_site: Path) -> None:
    zh = (demo_site / "xiaomei" / "posts" / "index.html").read_text(encoding="utf-8")
    en = (demo_site / "glow-with-amy" / "posts" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<time datetime="2026-09-\d\d" class="muted">2026年9月\d+日</time>', zh)
    assert re.search(r'<time datetime="2026-11-\d\d" class="muted">November \d+, 2026</time>', en)
    assert "¥" in (demo_site / "xiaomei" / "index.html").read_text(encoding="utf-8")
    assert "CN¥" in (demo_site / "glow-with-amy" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("ja_JP", "locale 'ja_JP' is not supported: write one of en_US, zh_CN"),
        ("zh-CN", "locale 'zh-CN' is not supported: did you mean 'zh_CN'? (supported: en_US, zh_CN)"),
        ("zh_cn", "locale 'zh_cn' is not supported: did you mean 'zh_CN'? (supported: en_US, zh_CN)"),
        ("cn", "locale 'cn' is not supported: did you mean 'zh_CN'? (supported: en_US, zh_CN)"),
        ("中文", "locale '中文' is not supported: did you mean 'zh_CN'? (supported: en_US, zh_CN)"),
        ("en", "locale 'en' is not supported: did you mean 'en_US'? (supported: en_US, zh_CN)"),
        ("en_GB", "locale 'en_GB' is not supported: did you mean 'en_US'? (supported: en_US, zh_CN)"),
    ],
)
def test_an_unsupported_locale_is_refused_with_the_list(written: str, message: str) -> None:
    assert locale_problem(written) == message


@pytest.mark.parametrize("where", ["shop", "platform"])
def test_ja_jp_is_refused_in_shop_yaml_and_catalog_yaml(where: str, tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    if where == "shop":
        path, line = root / "content" / "amy" / "shop.yaml", "content/amy/shop.yaml:10:9: "
        path.write_text(path.read_text(encoding="utf-8") + "locale: ja_JP\n", encoding="utf-8")
    else:
        path, line = root / "catalog.yaml", "catalog.yaml:4:11: "
        path.write_text(path.read_text(encoding="utf-8").replace("locale: zh_CN", "locale: ja_JP"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--project", str(root)])
    assert result.exit_code == 1
    # told in Chinese: her shop (and a platform whose locale cannot be used) reads the platform's default
    assert first_lines(result.stderr) == [line + "不支持语言“ja_JP”：请写其中一个：en_US, zh_CN", "1 error"]
    assert not (root / "site").exists()


CJK = re.compile(r"[\u4e00-\u9fff]")


def comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith("#"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_a_scaffold_in_its_language(locale: str) -> None:
    text = shop_yaml(locale, "lily-home", ["BB-1001"], "") + post_md(locale, date(2026, 1, 2), "BB-1001")
    prose = [line for line in comments(text).splitlines()[1:] if not line.startswith("# private: {")]
    assert prose and all(bool(CJK.search(line)) == locale.startswith("zh") for line in prose)


def test_new_writes_the_scaffold_in_the_platforms_locale(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")  # a zh_CN platform
    runner = CliRunner()
    assert runner.invoke(main, ["new", "--project", str(root), "lily-home"]).exit_code == 0
    shop_yaml = (root / "content" / "lily-home" / "shop.yaml").read_text(encoding="utf-8")
    assert "title: lily-home的小店" in shop_yaml and "locale:" not in shop_yaml
    assert len(CJK.findall(comments(shop_yaml))) > 40  # every comment line, not a word here and there
    words = [line for line in comments(shop_yaml).splitlines()[1:] if not line.startswith("# private: {")]  # (an example to uncomment)
    assert all(CJK.search(line) for line in words)
    post = (root / "content" / "lily-home" / "posts" / "welcome.md").read_text(encoding="utf-8")
    assert "title: 欢迎来到我的小店" in post
    assert runner.invoke(main, ["build", "--project", str(root), "--shop", "lily-home"]).exit_code == 0
    home = (root / "site" / "lily-home" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in home and "欢迎来到我的小店" in home


def test_new_locale_option_overrides_the_platforms(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    runner = CliRunner()
    assert runner.invoke(main, ["new", "--project", str(root), "--locale", "en_US", "lily-home"]).exit_code == 0
    shop_yaml = (root / "content" / "lily-home" / "shop.yaml").read_text(encoding="utf-8")
    assert "locale: en_US\n" in shop_yaml and "title: lily-home's shop" in shop_yaml
    assert not CJK.search(comments(shop_yaml))
    assert runner.invoke(main, ["build", "--project", str(root), "--shop", "lily-home"]).exit_code == 0
    home = (root / "site" / "lily-home" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en-US"' in home and "Welcome to my shop" in home
    refused = runner.invoke(main, ["new", "--project", str(root), "--locale", "zh-CN", "mia"])
    assert refused.exit_code == 2
    assert "locale 'zh-CN' is not supported: did you mean 'zh_CN'?" in refused.output
    assert not (root / "content" / "mia").exists()


def test_new_on_an_english_platform_writes_english(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    catalog = root / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("locale: zh_CN", "locale: en_US"), encoding="utf-8")
    assert CliRunner().invoke(main, ["new", "--project", str(root), "lily-home"]).exit_code == 0
    shop_yaml = (root / "content" / "lily-home" / "shop.yaml").read_text(encoding="utf-8")
    assert "locale:" not in shop_yaml and "Say who you are" in shop_yaml
