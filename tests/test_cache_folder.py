"""The cache folder: --force reuses nothing, --no-cache leaves nothing, and the GC freeze nests."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.build.gcfreeze import frozen
from generator.cache.folder import CACHE_DIR, MARKDOWN_TAG, CacheFolder, code_tag
from generator.cache.kepttable import KeptTable
from generator.cli import main
from generator.content.project import load_project

from .test_invalid_content import make_case, snapshot


def test_an_inner_freeze_keeps_the_outer_one() -> None:
    with frozen():
        outer = gc.get_freeze_count()
        assert outer > 0
        with frozen(collect=True):
            pass
        assert gc.get_freeze_count() >= outer  # the outer freeze still holds after the inner one
    assert gc.get_freeze_count() == 0


def test_no_cache_builds_the_same_site_and_writes_no_cache_folder(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    result = CliRunner().invoke(main, ["build", "--project", str(root), "--out", str(root / "cached")])
    assert result.exit_code == 0, result.output
    kept = snapshot(root / CACHE_DIR)
    result = CliRunner().invoke(main, ["build", "--no-cache", "--project", str(root), "--out", str(root / "plain")])
    assert result.exit_code == 0, result.output
    assert snapshot(root / CACHE_DIR) == kept  # neither read nor written
    assert {p: d for p, (d, _) in snapshot(root / "plain").items()} == {p: d for p, (d, _) in snapshot(root / "cached").items()}


def test_force_reuses_no_kept_markdown(tmp_path: Path) -> None:
    """Rendered Markdown planted in the store shows up in a normal build but not with --force."""
    root = make_case("_base", tmp_path / "p")
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("note: We love it.", "note: We **love** it."), encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "--project", str(root)]).exit_code == 0
    store = CacheFolder(root).markdown
    table = KeptTable(store, code_tag(**MARKDOWN_TAG))
    for key in table.known_keys():
        table.put(key, "<p>PLANTED</p>")
    table.save()
    table.close()
    assert CliRunner().invoke(main, ["build", "--project", str(root), "--out", str(root / "other")]).exit_code == 0
    assert "PLANTED" in (root / "other" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "--force", "--project", str(root)]).exit_code == 0
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert "PLANTED" not in page and "We <strong>love</strong> it." in page
    assert b"PLANTED" not in store.read_bytes()  # what --force worked out replaced the store


def test_kept_markdown_is_pruned_once_old_texts_pile_up(tmp_path: Path) -> None:
    """An owner rewriting her note thirty times leaves at most twice the project's texts kept,
    the latest among them."""
    root = make_case("_base", tmp_path / "p")
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    original = shop_yaml.read_text(encoding="utf-8")
    for i in range(30):
        shop_yaml.write_text(original.replace("note: We love it.", f"note: We **love** it on day {i}."), encoding="utf-8")
        assert CliRunner().invoke(main, ["build", "--project", str(root)]).exit_code == 0
    entries = KeptTable(CacheFolder(root).markdown, code_tag(**MARKDOWN_TAG)).entries()
    project = load_project(root)
    texts = len(project.products) + sum(1 + len(s.picks) + len(s.posts) + len(s.collections) for s in project.shops)
    assert len(entries) <= 2 * texts < 30
    assert any("day 29.<" in html for html in entries.values())


def test_a_one_shop_build_keeps_the_other_shops_markdown(tmp_path: Path) -> None:
    """Building her shop alone (--shop) after an edit leaves the rendered notes of every other
    shop kept: a later theme edit does not render their Markdown again."""
    root = make_case("_base", tmp_path / "p")
    amy = root / "content" / "amy"
    for i in range(8):
        other = shutil.copytree(amy, root / "content" / f"mum{i}")
        shop_yaml = other / "shop.yaml"
        shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("note: We love it.", f"note: Mum {i} **loves** it."), encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "--project", str(root)]).exit_code == 0
    shop_yaml = amy / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("note: We love it.", "note: We **really** love it."), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--shop", "amy", "--project", str(root)])
    assert result.exit_code == 0, result.output
    kept = KeptTable(CacheFolder(root).markdown, code_tag(**MARKDOWN_TAG)).entries().values()
    assert all(any(f"Mum {i} <strong>loves</strong> it." in html for html in kept) for i in range(8))
    assert any("We <strong>really</strong> love it." in html for html in kept)


def test_a_build_removes_the_stores_earlier_versions_kept(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    folder = CacheFolder(root)
    folder.path.mkdir(parents=True)
    for path in folder.retired():
        path.write_bytes(b"old")
    assert CliRunner().invoke(main, ["build", "--project", str(root)]).exit_code == 0
    assert not any(path.exists() for path in folder.retired())
    assert folder.facts.is_file() and folder.markdown.is_file()


def test_many_entries_are_read_at_once_and_kept_as_used(tmp_path: Path) -> None:
    """A shop's products' facts are read in one lookup: what is kept comes back (more keys than
    one statement takes, too), what is not is left out, and what was read survives pruning."""
    path = tmp_path / "facts.sqlite"
    table = KeptTable(path, "tag-1")
    for i in range(1200):
        table.put(f"k{i}", {"price": f"{i}.00"})
    table.save()
    table.close()
    reader = KeptTable(path, "tag-1")
    reader.put("fresh", ["not saved yet"])
    found = reader.get_many([f"k{i}" for i in range(0, 1200, 2)] + ["missing", "fresh", "k0"])
    assert len(found) == 601 and found["k1198"] == {"price": "1198.00"} and found["fresh"] == ["not saved yet"]
    assert "missing" not in found
    reader.save(limit=10)  # past the limit only what this run used stays
    reader.close()
    kept = KeptTable(path, "tag-1").entries()
    assert set(kept) == {f"k{i}" for i in range(0, 1200, 2)} | {"fresh"}
    assert KeptTable(path, "tag-2").get_many(["k0", "k2"]) == {}  # another code's table reads as empty
