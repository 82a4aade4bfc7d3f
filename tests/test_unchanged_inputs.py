"""What a build skips when its inputs did not change: a catalog whose text is the same is not
cut into products again, a shop whose files keep their stamps is not read, a store whose keys
file vouches for it is not read for a key it does not hold — and every change is still seen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build.pipeline import build
from generator.cache.folder import CacheFolder, code_tag
from generator.cache.keptfile import KeptFile
from generator.cache.kepttable import KeptTable
from generator.content import catalog, resolved
from generator.content.yamlsplit import Item, ListSplit

from .test_incremental import assert_same_as_full_build, edit, two_shop_project


@pytest.fixture(autouse=True)
def _verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build here is also checked against a render from nothing (build/verify.py)."""
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")


def test_the_same_catalog_text_is_not_cut_again_and_an_edit_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    build(root, root / "site")  # the kept products' cut recorded under the whole text

    class Refused(ListSplit):
        def items(self) -> Iterator[Item]:
            raise AssertionError("an unchanged catalog is not read by events again")

    with monkeypatch.context() as m:
        m.setattr(catalog, "ListSplit", Refused)
        assert build(root, root / "site").written == 0
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    assert build(root, root / "site").written > 0
    assert "18.80" in (root / "site" / "bea" / "index.html").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)


def test_a_shop_whose_files_keep_their_stamps_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = two_shop_project(tmp_path)
    monkeypatch.setattr(resolved, "SETTLED_NS", 0)  # files written a moment ago count as settled
    build(root, root / "site")
    build(root, root / "site")  # stamps recorded

    def refused(folder: Path, limit: int) -> None:
        raise AssertionError(f"{folder.name} was read though no file of hers changed")

    with monkeypatch.context() as m:
        m.setattr("generator.content.shops.shop_texts", refused)
        assert build(root, root / "site").written == 0
    shop = root / "content" / "bea" / "shop.yaml"
    edit(shop, "Quick dinner.", "Quick supper.")
    assert build(root, root / "site").written > 0
    assert "Quick supper." in (root / "site" / "bea" / "index.html").read_text(encoding="utf-8")
    post = next((root / "content" / "amy" / "posts").glob("*.md"))
    post.rename(post.with_name("renamed-" + post.name))  # a post renamed: its folder's stamp changes
    build(root, root / "site")
    assert_same_as_full_build(root, tmp_path)


def test_a_file_changed_just_before_it_was_read_is_not_trusted_by_its_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the file system clock's tick a second write could keep the stamp: a file changed
    less than SETTLED_NS before it was read is read again next time (git's racily clean files)."""
    root = two_shop_project(tmp_path)
    texts = resolved.shop_texts(root / "content" / "bea", 1 << 20)
    assert texts is not None and texts.stamps is None
    monkeypatch.setattr(resolved, "SETTLED_NS", 0)
    texts = resolved.shop_texts(root / "content" / "bea", 1 << 20)
    assert texts is not None and texts.stamps is not None and resolved.stamps_unchanged(texts.stamps)
    (root / "content" / "bea" / "posts").mkdir()  # a posts folder where there was none
    assert not resolved.stamps_unchanged(texts.stamps)


def test_a_store_with_a_keys_file_is_not_read_for_a_new_key(tmp_path: Path) -> None:
    path = tmp_path / "store.pickle"
    store = KeptFile(path, "tag", index=True)
    for i in range(40):
        store.put(f"k{i}", i)
    store.save()
    again = KeptFile(path, "tag", index=True)
    assert again.get("new") is None and not again.loaded  # the keys file says it is not there
    again.put("new", 1)
    again.save()
    assert not again.loaded and path.with_name(path.name + ".journal").is_file()  # appended, unread
    third = KeptFile(path, "tag", index=True)
    assert third.get("new") == 1 and third.get("k3") == 3
    path.with_name(path.name + ".journal").write_bytes(b"torn")  # the keys file no longer vouches
    fourth = KeptFile(path, "tag", index=True)
    assert fourth.known_keys() is None and fourth.get("k3") == 3


def test_a_note_edit_reads_only_the_facts_and_markdown_it_shows(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    folder = CacheFolder(root)
    assert KeptTable(folder.facts, code_tag()).known_keys()
    edit(root / "content" / "bea" / "shop.yaml", "Quick dinner.", "Quick **supper**.")
    build(root, root / "site")
    assert "Quick <strong>supper</strong>." in (root / "site" / "bea" / "p" / "FD-2001" / "index.html").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)


def test_a_build_that_checks_no_file_does_not_import_pydantic(tmp_path: Path) -> None:
    """Pydantic's import is about a tenth of a second of every build's start-up; only a file that
    is read again needs its schemas."""
    root = two_shop_project(tmp_path)
    for path in root.rglob("*"):
        os.utime(path, (time.time() - 60, time.time() - 60))  # settled, as a file saved a minute ago
    build(root, root / "site")
    script = (
        "import sys; from pathlib import Path; from generator.build.pipeline import build;"
        " build(*map(Path, sys.argv[1:3])); print(sorted(m for m in sys.modules if m.startswith('pydantic')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SHOPFOREST_VERIFY"}
    done = subprocess.run([sys.executable, "-c", script, str(root), str(root / "site")], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr
