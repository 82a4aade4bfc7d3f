"""Building shops as an owner and the platform operator would: build, rebuild, one shop, themes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.build.pipeline import build
from generator.build.reporter import RecordingReporter
from generator.cli import main

from .sitecheck import broken_links, parse
from .test_invalid_content import make_case


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_shop_has_every_page_of_the_spec(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    build(root, root / "site")
    shop = root / "site" / "amy"
    for page in (
        "index.html",
        "p/BB-1001/index.html",
        "p/FD-2001/index.html",
        "c/all/index.html",
        "posts/index.html",
        "posts/hello/index.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "products.json",
    ):
        assert (shop / page).is_file(), page
    assert any(p.name.startswith("style.") and p.suffix == ".css" for p in (shop / "assets").iterdir())


def test_second_build_writes_nothing_and_keeps_mtimes(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    first = build(root, root / "site")
    assert first.written > 0
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "site").rglob("*") if p.is_file()}
    second = build(root, root / "site")
    assert (second.written, second.removed) == (0, 0)
    assert second.unchanged == first.written
    assert mtimes == {p: p.stat().st_mtime_ns for p in (root / "site").rglob("*") if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    build(root, tmp_path / "one")
    build(root, tmp_path / "two")
    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_removed_pick_and_stale_files_are_pruned(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    build(root, root / "site")
    (root / "site" / "amy" / "stray.html").write_text("old", encoding="utf-8")
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("  - FD-2001\n", "").replace(", FD-2001", ""), encoding="utf-8")
    stats = build(root, root / "site")
    assert not (root / "site" / "amy" / "p" / "FD-2001").exists()
    assert not (root / "site" / "amy" / "stray.html").exists()
    assert stats.removed == 2


def test_deleted_shop_folder_is_removed_from_site(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    shutil.copytree(root / "content" / "amy", root / "content" / "bea")
    build(root, root / "site")
    assert (root / "site" / "bea" / "index.html").is_file()
    shutil.rmtree(root / "content" / "bea")
    (root / "site" / "not-a-shop").mkdir()
    build(root, root / "site")
    assert not (root / "site" / "bea").exists()
    assert (root / "site" / "not-a-shop").is_dir()  # only folders we built are ever removed


def test_shop_option_builds_one_shop_and_out_option_moves_output(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    shutil.copytree(root / "content" / "amy", root / "content" / "bea")
    result = CliRunner().invoke(main, ["build", "--project", str(root), "--shop", "bea", "--out", str(tmp_path / "elsewhere")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["bea"]
    assert result.output.startswith("1 shop, ")
    assert " written, 0 unchanged, 0 removed, 0 skipped, 0 warnings in " in result.output


def test_unknown_shop_and_bad_options_are_usage_errors(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    runner = CliRunner()
    unknown = runner.invoke(main, ["build", "--project", str(root), "--shop", "nobody"])
    assert unknown.exit_code == 2
    assert "no shop 'nobody'" in unknown.output
    traversal = runner.invoke(main, ["build", "--project", str(root), "--shop", "../x"])
    assert traversal.exit_code == 2
    assert "invalid shop id" in traversal.output
    assert runner.invoke(main, ["build", "--bogus"]).exit_code == 2
    for command in ("build", "check", "new"):
        assert runner.invoke(main, [command, "--help"]).exit_code == 0


def test_new_scaffolds_a_shop_that_builds_at_once(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    runner = CliRunner()
    result = runner.invoke(main, ["new", "--project", str(root), "lily-home"])
    assert result.exit_code == 0, result.output
    assert (root / "content" / "lily-home" / "shop.yaml").is_file()
    built = runner.invoke(main, ["build", "--project", str(root), "--shop", "lily-home"])
    assert built.exit_code == 0, built.output
    assert (root / "site" / "lily-home" / "p" / "BB-1001" / "index.html").is_file()
    assert runner.invoke(main, ["new", "--project", str(root), "lily-home"]).exit_code == 2
    assert runner.invoke(main, ["new", "--project", str(root), "../evil"]).exit_code == 2


def test_recalled_pick_is_not_published_and_warned(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    catalog = root / "catalog.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace('    price: "19.90"', '    price: "19.90"\n    status: recalled'), encoding="utf-8"
    )
    reporter = RecordingReporter()
    stats = build(root, root / "site", reporter=reporter)
    assert ("warning", "content/amy/shop.yaml:7:5: warning: amy: FD-2001 is recalled; not published") in reporter.events
    assert stats.warnings == 1
    assert not (root / "site" / "amy" / "p" / "FD-2001").exists()
    assert "FD-2001" not in (root / "site" / "amy" / "products.json").read_text(encoding="utf-8")


def test_sold_out_pick_is_shown_as_sold_out(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    catalog = root / "catalog.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace('    price: "19.90"', '    price: "19.90"\n    status: sold_out'), encoding="utf-8"
    )
    build(root, root / "site")
    page = (root / "site" / "amy" / "p" / "FD-2001" / "index.html").read_text(encoding="utf-8")
    assert "已售罄" in page
    assert '"availability": "https://schema.org/SoldOut"' in page
    assert "FD-2001" not in (root / "site" / "amy" / "products.json").read_text(encoding="utf-8")


def test_theme_can_override_one_template_and_one_static_file(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    theme = root / "themes" / "pink"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "404.html").write_text(
        '{% extends "default:404.html" %}{% block main %}<p class="pink">lost</p>{{ super() }}{% endblock %}', encoding="utf-8"
    )
    (theme / "static" / "style.css").write_text("body { color: pink; }\n", encoding="utf-8")
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("owner: Amy\n", "owner: Amy\ntheme: pink\n"), encoding="utf-8")
    build(root, root / "site")
    shop = root / "site" / "amy"
    assert '<p class="pink">lost</p>' in (shop / "404.html").read_text(encoding="utf-8")
    css = [p for p in (shop / "assets").iterdir() if p.name.startswith("style.")]
    assert [p.read_text(encoding="utf-8") for p in css] == ["body { color: pink; }\n"]
    assert "<h1>Amy&#39;s picks</h1>" in (shop / "index.html").read_text(encoding="utf-8")  # the rest is default's


def test_template_error_names_template_file_and_line(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    (root / "themes" / "default" / "templates" / "collection.html").write_text(
        "{% extends 'base.html' %}\n{% block main %}\n{{ collection.nope }}\n{% endblock %}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["build", "--project", str(root)])
    assert result.exit_code == 1
    assert result.stderr.startswith("themes/default/templates/collection.html:3: template error: ")
    assert "nope" in result.stderr
    assert not (root / "site").exists()
    (root / "themes" / "default" / "templates" / "posts.html").write_text("{% if %}", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert "template error" in result.stderr and "Traceback" not in result.output


def test_internal_links_resolve_at_root_and_under_a_sub_path(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    build(root, root / "site")
    shop = root / "site" / "amy"
    assert broken_links(shop, "/", skip=("404.html",)) == []
    assert broken_links(shop, "/deep/sub/path/", skip=("404.html",)) == []
    assert broken_links(shop, "/amy/") == []  # 404.html uses the base URL's path (docs/hosting.md)


def test_absolute_urls_come_from_the_base_url(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8") + "base_url: https://amy.example/shop\n", encoding="utf-8")
    build(root, root / "site")
    shop = root / "site" / "amy"
    page = parse(shop / "p" / "BB-1001" / "index.html")
    canonical = [e.attrs["href"] for e in page.elements if e.tag == "link" and e.attrs.get("rel") == "canonical"]
    assert canonical == ["https://amy.example/shop/p/BB-1001/"]
    og = {e.attrs["property"]: e.attrs["content"] for e in page.elements if e.tag == "meta" and "property" in e.attrs}
    assert og["og:url"] == "https://amy.example/shop/p/BB-1001/"
    assert og["og:image"] == "https://amy.example/shop/media/cards/catalog/images/bb-1001.svg.jpg"
    assert "<loc>https://amy.example/shop/p/BB-1001/</loc>" in (shop / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://amy.example/shop/posts/hello/" in (shop / "feed.xml").read_text(encoding="utf-8")


def test_prices_are_formatted_for_the_shop_locale(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    build(root, root / "site")
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert '<span class="price">¥89.00</span>' in page
    assert '<s class="list-price">' in page and "¥109.00</s>" in page
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8") + "locale: en_US\n", encoding="utf-8")
    build(root, root / "site")
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert '<span class="price">CN¥89.00</span>' in page
    assert 'lang="en-US"' in page


def test_build_py_is_shopforest_build(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = make_case("_base", tmp_path / "p")
    shutil.copy2(Path(__file__).resolve().parent.parent / "build.py", root / "build.py")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "build.py", "--shop", "amy"], cwd=root, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 shop, ")
    assert (root / "site" / "amy" / "index.html").is_file()
