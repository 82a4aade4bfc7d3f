"""Incremental builds between runs: each kind of change rewrites exactly the files it should,
and the result is byte-identical to a full build."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from generator.build.pipeline import build, in_shard
from generator.build.verify import VerifyError
from generator.cache.folder import CACHE_DIR, CacheFolder
from generator.content.model import Shop

from .test_invalid_content import make_case


@pytest.fixture(autouse=True)
def _verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build here is also checked against a render from nothing (build/verify.py)."""
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")


def two_shop_project(tmp_path: Path) -> Path:
    """amy picks BB-1001 and FD-2001; bea picks only FD-2001."""
    root = make_case("_base", tmp_path / "p")
    bea = root / "content" / "bea"
    shutil.copytree(root / "content" / "amy", bea)
    (bea / "shop.yaml").write_text("title: Bea's kitchen\nowner: Bea\npicks:\n  - {sku: FD-2001, note: Quick dinner.}\n", encoding="utf-8")
    shutil.rmtree(bea / "posts")
    return root


def snapshot(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}


def rewritten(root: Path) -> set[str]:
    before = snapshot(root / "site")
    build(root, root / "site")
    after = snapshot(root / "site")
    return {path for path, mtime in after.items() if before.get(path) != mtime}


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def folders(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def clean_build(root: Path, scratch: Path, site: Path) -> Path:
    """Build a copy of the project's inputs in a new folder under ``scratch``, from nothing.

    Everything at the top of ``root`` is copied but ``.shopforest/`` and the output folder, so
    no cache, build state or spare of the incremental builds can take part; ``--force`` in the
    same root would still read the parse cache, the kept products and shops and the facts."""
    scratch.mkdir(parents=True, exist_ok=True)
    copy = Path(tempfile.mkdtemp(prefix="clean-", dir=scratch)) / "project"
    skipped = {CACHE_DIR, site.name} if site.parent == root else {CACHE_DIR}
    copy.mkdir()
    for entry in sorted(root.iterdir()):
        if entry.name in skipped:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, copy / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, copy / entry.name, follow_symlinks=False)
    build(copy, copy / "site")
    return copy / "site"


def differences(incremental: Path, clean: Path) -> list[str]:
    """Every path that is only in one tree or has other bytes in each, sorted."""
    ours, theirs = files(incremental), files(clean)
    found = [f"only in the incremental build: {path}" for path in sorted(ours.keys() - theirs.keys())]
    found += [f"only in the clean build: {path}" for path in sorted(theirs.keys() - ours.keys())]
    found += [f"other bytes: {path}" for path in sorted(ours.keys() & theirs.keys()) if ours[path] != theirs[path]]
    found += [f"folder only in the incremental build: {path}" for path in sorted(folders(incremental) - folders(clean))]
    found += [f"folder only in the clean build: {path}" for path in sorted(folders(clean) - folders(incremental))]
    return found


def assert_same_as_full_build(root: Path, tmp_path: Path, site: Path | None = None) -> None:
    """``site`` (root/site by default) is, path for path and byte for byte, what a build of
    the same inputs in a fresh folder without any cache makes."""
    site = root / "site" if site is None else site
    assert differences(site, clean_build(root, tmp_path, site)) == []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_no_change_renders_nothing(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    stats = build(root, root / "site")
    assert stats.written == 0
    assert stats.skipped == stats.unchanged == stats.pages


def test_price_change_rewrites_exactly_the_pages_that_show_it(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    assert rewritten(root) == {
        "amy/p/FD-2001/index.html",
        "amy/index.html",
        "amy/c/all/index.html",
        "amy/products.json",
        "bea/p/FD-2001/index.html",
        "bea/index.html",
        "bea/products.json",
    }
    assert "¥18.80" in (root / "site" / "bea" / "p" / "FD-2001" / "index.html").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)


def test_price_change_reaches_the_post_that_embeds_the_product(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "79.00"')
    assert rewritten(root) == {
        "amy/index.html",
        "amy/p/BB-1001/index.html",
        "amy/c/all/index.html",
        "amy/posts/hello/index.html",
        "amy/products.json",
    }
    assert "¥79.00" in (root / "site" / "amy" / "posts" / "hello" / "index.html").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)
    (root / "site" / "amy" / "cart" / "index.html").unlink()  # a page that shows no product, gone
    edit(root / "catalog.yaml", 'price: "79.00"', 'price: "69.00"')
    assert "amy/cart/index.html" in rewritten(root)  # the shop is planned whole again
    assert_same_as_full_build(root, tmp_path)


def test_a_products_new_image_bytes_and_new_image_paths_reach_the_shop(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'
    (root / "images" / "bb-1001.svg").write_text(svg, encoding="utf-8")
    # pages name the file, not its bytes; its share card is drawn again from them
    assert rewritten(root) == {"amy/media/catalog/images/bb-1001.svg", "amy/media/cards/catalog/images/bb-1001.svg.jpg"}
    assert_same_as_full_build(root, tmp_path / "a")

    (root / "images" / "bb-1001-new.svg").write_text(svg, encoding="utf-8")
    edit(root / "catalog.yaml", "images: [images/bb-1001.svg]", "images: [images/bb-1001-new.svg]")
    build(root, root / "site")
    media = root / "site" / "amy" / "media" / "catalog" / "images"
    assert (media / "bb-1001-new.svg").is_file() and not (media / "bb-1001.svg").exists()  # the old file goes
    cards = root / "site" / "amy" / "media" / "cards" / "catalog" / "images"
    assert (cards / "bb-1001-new.svg.jpg").is_file() and not (cards / "bb-1001.svg.jpg").exists()
    assert_same_as_full_build(root, tmp_path / "b")


def test_an_image_only_the_description_shows_is_copied_and_follows_edits(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    shutil.copy(root / "images" / "bb-1001.svg", root / "images" / "spoon.svg")
    build(root, root / "site")
    media = root / "site" / "amy" / "media" / "catalog" / "images"
    assert not (media / "spoon.svg").exists()
    edit(root / "catalog.yaml", "description: Rice cereal.", 'description: "Rice cereal. ![A spoon](images/spoon.svg)"')
    build(root, root / "site")
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert 'src="../../media/catalog/images/spoon.svg"' in page and (media / "spoon.svg").is_file()
    (root / "images" / "spoon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n', encoding="utf-8")
    assert rewritten(root) == {"amy/media/catalog/images/spoon.svg"}
    assert_same_as_full_build(root, tmp_path)


def test_owner_note_edit_rewrites_only_her_pages_that_show_it(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "content" / "bea" / "shop.yaml", "Quick dinner.", "Ready in five minutes.")
    assert rewritten(root) == {"bea/p/FD-2001/index.html", "bea/index.html"}
    assert_same_as_full_build(root, tmp_path)


def test_choosing_other_share_channels_reaches_her_share_links(tmp_path: Path) -> None:
    """channels: is part of what the owner wrote (it once was not in the shop's fingerprint:
    the edit was skipped whole)."""
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    with (root / "content" / "bea" / "shop.yaml").open("a", encoding="utf-8") as fh:
        fh.write("channels: [wechat, moments]\n")
    changed = rewritten(root)
    assert "bea/p/FD-2001/index.html" in changed and not any(path.startswith("amy/") for path in changed)
    assert_same_as_full_build(root, tmp_path)


def test_template_edit_rebuilds_only_pages_that_loaded_it(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "themes" / "default" / "templates" / "collection.html", "{% block main %}", "{% block main %}<!-- edited -->")
    assert rewritten(root) == {"amy/c/all/index.html"}
    edit(root / "themes" / "default" / "templates" / "partials" / "product-embed.html", "<aside", "<!-- card --><aside")
    assert rewritten(root) == {"amy/posts/hello/index.html"}
    assert_same_as_full_build(root, tmp_path)


def test_static_file_edit_renames_the_asset_and_updates_every_page(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "themes" / "default" / "static" / "style.css", ":root {", ":root { --edited: 1;")
    changed = rewritten(root)
    assert {p for p in changed if p.endswith(".css")} and all(p.endswith((".html", ".css", ".xml")) for p in changed)
    assert len(list((root / "site" / "amy" / "assets").glob("style.*.css"))) == 1  # the old one was pruned
    assert_same_as_full_build(root, tmp_path)


def test_corrupt_or_missing_state_means_a_full_correct_build(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    states = list((root / CACHE_DIR).glob("state-*.sqlite"))
    assert len(states) == 1
    states[0].write_bytes(b"this is not a database")
    CacheFolder(root).markdown.write_text("[not a dict", encoding="utf-8")
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "17.70"')
    stats = build(root, root / "site")
    assert stats.skipped == 0
    assert_same_as_full_build(root, tmp_path)
    shutil.rmtree(root / CACHE_DIR)
    stats = build(root, root / "site")
    assert (stats.written, stats.skipped) == (0, 0)


def test_hand_edited_output_is_repaired(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    (root / "site" / "amy" / "index.html").write_text("vandalised", encoding="utf-8")
    (root / "site" / "bea" / "robots.txt").unlink()
    assert rewritten(root) >= {"amy/index.html", "bea/robots.txt"}
    assert_same_as_full_build(root, tmp_path)


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_build_is_byte_identical(tmp_path: Path, jobs: int) -> None:
    root = two_shop_project(tmp_path)
    build(root, tmp_path / "one", jobs=1)
    stats = build(root, tmp_path / "many", jobs=jobs)
    assert stats.shops == 2
    assert files(tmp_path / "one") == files(tmp_path / "many")


def test_shards_partition_the_shops_and_their_union_is_the_full_build(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    for shop in ("cat", "dan", "eve", "fay"):
        shutil.copytree(root / "content" / "bea", root / "content" / shop)
    build(root, tmp_path / "full")
    union = tmp_path / "union"
    counts = []
    for k in (1, 2, 3):
        part = tmp_path / f"shard{k}"
        counts.append(build(root, part, shard=(k, 3)).shops)
        shutil.copytree(part, union, dirs_exist_ok=True)
    assert sum(counts) == 6
    assert files(union) == files(tmp_path / "full")
    for shop in ("amy", "bea", "cat", "dan", "eve", "fay"):
        assert [k for k in (1, 2, 3) if in_shard(shop, (k, 3))] != [] and sum(in_shard(shop, (k, 3)) for k in (1, 2, 3)) == 1
        assert (tmp_path / f"shard{next(k for k in (1, 2, 3) if in_shard(shop, (k, 3)))}" / shop / "index.html").is_file()


def test_template_error_leaves_site_untouched_even_after_other_shops_built(tmp_path: Path) -> None:
    from generator.errors import TemplateError

    root = two_shop_project(tmp_path)
    build(root, root / "site")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (root / "site").rglob("*") if p.is_file()}
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "16.60"')
    edit(root / "themes" / "default" / "templates" / "collection.html", "{% block main %}", "{% block main %}{{ nope.x }}")
    with pytest.raises(TemplateError):
        build(root, root / "site")
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (root / "site").rglob("*") if p.is_file()}


def test_verify_mode_catches_a_dependency_the_build_did_not_see(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the shop's own fields left out of what every page depends on, an edit of her title
    would leave every page but the home stale; verify mode says which files."""
    root = two_shop_project(tmp_path)
    monkeypatch.setattr(Shop, "chrome", lambda self: ())
    build(root, root / "site")
    edit(root / "content" / "amy" / "shop.yaml", "title: Amy's picks", "title: Amy's best picks")
    with pytest.raises(VerifyError, match=r"amy/p/BB-1001/index\.html"):
        build(root, root / "site")


def test_a_template_that_comes_to_hide_its_parents_is_rendered(tmp_path: Path) -> None:
    """A page that loaded default's 404.html by its name is made again once its shop's theme
    has a 404.html of its own: a theme's new file, or another theme chosen (the differential
    test found the pages kept as they were, since default's file was the same)."""
    root = two_shop_project(tmp_path)
    (root / "themes" / "plain" / "templates").mkdir(parents=True)
    build(root, root / "site")
    notfound = (root / "themes" / "default" / "templates" / "404.html").read_text(encoding="utf-8")
    (root / "themes" / "plain" / "templates" / "404.html").write_text("<!-- plain -->\n" + notfound, encoding="utf-8")
    edit(root / "content" / "bea" / "shop.yaml", "owner: Bea\n", "owner: Bea\ntheme: plain\n")
    assert "bea/404.html" in rewritten(root)
    assert (root / "site" / "bea" / "404.html").read_text(encoding="utf-8").startswith("<!-- plain -->")
    assert_same_as_full_build(root, tmp_path / "chosen")

    (root / "themes" / "plain" / "templates" / "cart.html").write_text(
        "<!-- plain -->\n" + (root / "themes" / "default" / "templates" / "cart.html").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert "bea/cart/index.html" in rewritten(root)
    assert_same_as_full_build(root, tmp_path / "added")

    (root / "themes" / "plain" / "templates" / "cart.html").unlink()
    assert "bea/cart/index.html" in rewritten(root)
    assert_same_as_full_build(root, tmp_path / "removed")


def test_a_translation_edit_rewrites_exactly_the_pages_that_show_the_word(tmp_path: Path) -> None:
    """The theme's catalog is read like a template: every page rendered in its language depends
    on it, and of those only the pages that show the edited word get other bytes."""
    root = two_shop_project(tmp_path)
    edit(root / "content" / "bea" / "shop.yaml", "owner: Bea\n", "owner: Bea\nlocale: en_US\n")  # amy zh_CN, bea en_US
    build(root, root / "site")
    po = root / "themes" / "default" / "locale" / "zh_CN" / "LC_MESSAGES" / "theme.po"
    edit(po, 'msgstr "查看商品"', 'msgstr "去看看"')  # "View product": only the card a post embeds
    assert rewritten(root) == {"amy/posts/hello/index.html"}
    assert "去看看 →" in (root / "site" / "amy" / "posts" / "hello" / "index.html").read_text(encoding="utf-8")
    edit(po, 'msgstr "加入购物车"', 'msgstr "放进购物车"')  # "Add to cart": her product pages, none of bea's English ones
    assert rewritten(root) == {"amy/p/BB-1001/index.html", "amy/p/FD-2001/index.html"}
    assert_same_as_full_build(root, tmp_path / "edited")
    # a catalog of her own theme, where it had none, overrides the default's word
    (root / "themes" / "plain" / "locale" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (root / "themes" / "plain" / "templates").mkdir()
    edit(root / "content" / "amy" / "shop.yaml", "owner: Amy\n", "owner: Amy\ntheme: plain\n")
    build(root, root / "site")
    own = root / "themes" / "plain" / "locale" / "zh_CN" / "LC_MESSAGES" / "theme.po"
    own.write_text('msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n\nmsgid "View product"\nmsgstr "瞧瞧"\n', encoding="utf-8")
    assert rewritten(root) == {"amy/posts/hello/index.html"}
    assert_same_as_full_build(root, tmp_path / "own")
