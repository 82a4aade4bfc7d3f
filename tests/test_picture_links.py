"""A shop's copies of pictures (hard links to the kept copies) checked by their folders' stamps:
a build with nothing new stats a few folders, not every copy, and whatever happened to a copy
— deleted, replaced — is seen, because it changed its folder, and repaired on the next build."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from generator.build import links, state
from generator.build.pipeline import build

from .photos import phone_jpeg
from .test_pictures import copies, edit_yaml, project, set_price

SITE_COPIES = Path("site") / "amy" / "media" / "catalog" / "images"


def shop_with_photos(tmp_path: Path) -> Path:
    """Amy's shop: a catalog photo (12 copies: 4 widths × 3 formats) and a photo avatar (9 copies)."""
    root = project(tmp_path)
    shop = root / "content" / "amy"
    (shop / "images" / "me.jpg").write_bytes(phone_jpeg(400, 500, seed=4))
    edit_yaml(shop / "shop.yaml", lambda d: d.update(avatar="images/me.jpg"))
    return root


def let_the_clock_move_on() -> None:
    """Wait until what the last build wrote is older than the racy window, as it is for an
    owner who builds again a while later (a stamp taken sooner is not trusted)."""
    time.sleep(links.RACY_NS / 1e9 + 0.2)


def settled_shop_with_photos(tmp_path: Path) -> Path:
    """Amy's shop built, and built again once the clock moved on: its folders' stamps recorded
    and trusted, as they are for an owner who comes back to her shop later."""
    root = shop_with_photos(tmp_path)
    build(root, root / "site")
    let_the_clock_move_on()
    build(root, root / "site")
    return root


def stats_while(root: Path) -> tuple[int, int, int]:
    """Build; how many folders and how many single copies it stat'ed, and how many files it wrote."""
    folders, files = links.FOLDER_STATS, links.FILE_STATS
    written = build(root, root / "site").written
    return links.FOLDER_STATS - folders, links.FILE_STATS - files, written


def kept_copy(root: Path, name: str) -> Path:
    """The copy in the cache folder that a shop's file ``name`` is a link to."""
    _, digest, _, _ = name.rsplit(".", 3)
    return root / ".shopforest" / "images" / digest[:2] / ".".join(name.rsplit(".", 3)[1:])


def test_a_build_with_nothing_new_stats_folders_not_copies(tmp_path: Path) -> None:
    root = shop_with_photos(tmp_path)
    build(root, root / "site")
    _, files, written = stats_while(root)  # straight after: the stamps are too fresh to trust
    assert files == 21 and written == 0, "each copy was checked, as the stamps were taken within the racy window"
    let_the_clock_move_on()
    _, files, written = stats_while(root)  # checked once more, now old enough to be trusted
    assert files == 21 and written == 0
    folders, files, written = stats_while(root)
    assert (folders, files, written) == (2, 0, 0), "one stat for each of the two folders of copies, none for the 21 copies"
    recorded = state.load_state(next((root / ".shopforest").glob("state-*.sqlite")))
    sizes = recorded.sizes("amy")
    assert sizes and not any(".webp" in path or ".avif" in path for path in sizes), "copies are not among the files stat'ed one by one"
    assert set(recorded.links("amy")) == {"media/catalog/images/", "media/owner/images/"}


def test_a_deleted_copy_is_restored_by_the_next_build(tmp_path: Path) -> None:
    root = settled_shop_with_photos(tmp_path)
    gone = copies(root / SITE_COPIES, "bb-1001")[3]
    gone.unlink()  # the owner tidies her folder
    _, files, written = stats_while(root)
    assert gone.is_file() and written == 1
    assert os.path.samefile(gone, kept_copy(root, gone.name)), "restored as a link to the kept copy"
    assert files == 12, "only the folder that changed was checked file by file"


def test_a_replaced_copy_is_repaired_and_the_kept_copy_untouched(tmp_path: Path) -> None:
    root = settled_shop_with_photos(tmp_path)
    replaced = copies(root / SITE_COPIES, "bb-1001")[0]
    kept = kept_copy(root, replaced.name)
    good = kept.read_bytes()
    other = replaced.with_name("edited.tmp")
    other.write_bytes(b"not a picture")  # an editor saves the file as a new one, over the old
    os.replace(other, replaced)
    assert build(root, root / "site").written == 1
    assert replaced.read_bytes() == good and os.path.samefile(replaced, kept)
    assert kept.read_bytes() == good


def test_a_folder_of_copies_removed_whole_comes_back(tmp_path: Path) -> None:
    root = settled_shop_with_photos(tmp_path)
    for f in (root / SITE_COPIES).iterdir():
        f.unlink()
    (root / SITE_COPIES).rmdir()
    assert build(root, root / "site").written == 12
    assert len(copies(root / SITE_COPIES, "bb-1001")) == 12


def test_verify_mode_agrees_with_the_repairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")
    root = shop_with_photos(tmp_path)
    build(root, root / "site")
    let_the_clock_move_on()
    build(root, root / "site")  # verify mode compares every copy's bytes: it finds them right
    made = copies(root / SITE_COPIES, "bb-1001")
    made[1].unlink()
    other = made[2].with_name("edited.tmp")
    other.write_bytes(b"not a picture")
    os.replace(other, made[2])
    build(root, root / "site")  # repaired, and verify mode finds every file as a build from nothing makes it
    build(root, root / "site")


def test_a_copy_written_in_place_is_made_again_by_a_forced_build(tmp_path: Path) -> None:
    """The one change a folder's stamp cannot see: bytes written into a copy in place. That file
    is the kept copy too (one inode), so nothing short of making the copies again finds it."""
    root = shop_with_photos(tmp_path)
    build(root, root / "site")
    good = {f.name: f.read_bytes() for f in copies(root / SITE_COPIES, "bb-1001")}
    made = copies(root / SITE_COPIES, "bb-1001")[0]
    with open(made, "r+b") as fh:
        fh.write(b"xx")
    build(root, root / "site", force=True)
    assert {f.name: f.read_bytes() for f in copies(root / SITE_COPIES, "bb-1001")} == good
    assert os.path.samefile(made, kept_copy(root, made.name))


def test_a_state_of_the_earlier_format_is_rebuilt_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")
    root = shop_with_photos(tmp_path)
    build(root, root / "site")
    path = next((root / ".shopforest").glob("state-*.sqlite"))
    with sqlite3.connect(path) as conn:  # what a build of the format before stamps left
        conn.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (state.settings_key().replace(f"/{state.FORMAT}/", "/6/"),))
        conn.execute("DROP TABLE shops")
        conn.execute("CREATE TABLE shops (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, shape TEXT NOT NULL, count INTEGER NOT NULL,"
                     " files BLOB NOT NULL, sizes BLOB NOT NULL, products BLOB NOT NULL)")  # fmt: skip
        conn.execute("INSERT INTO shops VALUES ('amy', 'x', 'y', 1, x'00', x'00', x'00')")
    conn.close()
    assert state.load_state(path).index == {}
    build(root, root / "site")
    assert set(state.load_state(path).links("amy")) == {"media/catalog/images/", "media/owner/images/"}


def test_after_a_price_change_the_copies_are_still_recorded_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")
    root = settled_shop_with_photos(tmp_path)
    path = next((root / ".shopforest").glob("state-*.sqlite"))
    before = state.load_state(path).links("amy")
    set_price(root, "BB-1001", "79.00")
    _, files, written = stats_while(root)
    assert files == 0 and 0 < written < 10, "the price's pages, not the copies"
    assert state.load_state(path).links("amy") == before
    gone = copies(root / SITE_COPIES, "bb-1001")[0]
    gone.unlink()
    assert build(root, root / "site").written == 1 and gone.is_file()
