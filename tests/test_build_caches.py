"""The caches a large build leans on give exactly what a build without them gives: the catalog
parsed product by product, the parse cache's journal, work shared between shops, and the cheap
check that a shop's folder still holds what the last build wrote."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.build import commit, pipeline, shop, workers, writer
from generator.build.pipeline import build
from generator.build.staging import ShopResult
from generator.cache.folder import NONE, USE, CacheFolder, code_tag
from generator.cache.keptfile import KeptFile
from generator.cache.kepttable import KeptTable
from generator.content.project import load_project
from generator.errors import ContentError

from .test_incremental import assert_same_as_full_build, edit, files, rewritten, two_shop_project

REPO = Path(__file__).resolve().parent.parent


def kept_entries(path: Path) -> dict[str, Any]:
    return KeptTable(path, code_tag()).entries()


@pytest.fixture(autouse=True)
def _verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build here is also checked against a render from nothing (build/verify.py)."""
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")


def errors_with_and_without_caches(root: Path) -> str:
    """The errors a load reports, the same with what earlier builds kept and without it."""
    with pytest.raises(ContentError) as caught:
        load_project(root, policy=USE)
    with pytest.raises(ContentError) as fresh:
        load_project(root, policy=NONE)
    assert str(caught.value) == str(fresh.value)
    return str(caught.value)


def test_a_mistake_in_one_product_is_reported_as_in_the_whole_file(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    load_project(root, policy=USE)  # fill the cache
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "89.00"\n    price: "90.00"')
    assert "duplicate key 'price'" in errors_with_and_without_caches(root)


def test_kept_products_journal_grows_then_folds_back_and_survives_tearing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    cache_file = next((root / ".shopforest").glob("resolved-*.pickle"))
    journal = cache_file.with_name(cache_file.name + ".journal")
    assert cache_file.is_file() and not journal.exists()
    monkeypatch.setattr(KeptFile, "JOURNAL_SHARE", 1.0)  # a tiny project: let any few new documents go to the journal
    big_file = cache_file.read_bytes()
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "88.00"')
    build(root, root / "site")
    assert journal.is_file() and cache_file.read_bytes() == big_file  # appended, the big file untouched
    before = load_project(root, policy=USE)
    journal.write_bytes(journal.read_bytes()[:-7])  # a torn append
    after = load_project(root, policy=USE)
    assert after.products == before.products
    monkeypatch.setattr(KeptFile, "JOURNAL_SHARE", 0.0)
    edit(root / "catalog.yaml", 'price: "88.00"', 'price: "87.00"')
    build(root, root / "site")
    assert not journal.exists() and cache_file.read_bytes() != big_file  # folded back into one file
    assert "87.00" in (root / "site" / "amy" / "products.json").read_text(encoding="utf-8")
    assert_same_as_full_build(root, tmp_path)


def test_the_same_product_in_two_shops_shows_each_owners_own_words(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    edit(root / "content" / "bea" / "shop.yaml", "note: Quick dinner.", "note: Bea's own words.")
    build(root, root / "site")
    amy = (root / "site" / "amy" / "index.html").read_text(encoding="utf-8")
    bea = (root / "site" / "bea" / "index.html").read_text(encoding="utf-8")
    assert "Bea&#39;s own words." in bea and "Bea&#39;s own words." not in amy
    assert_same_as_full_build(root, tmp_path)


def test_price_change_checks_recorded_files_and_keeps_stray_files_until_files_change(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    stray = root / "site" / "bea" / "stray.html"
    stray.write_text("someone else's", encoding="utf-8")
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "88.00"')
    changed = rewritten(root)
    assert changed and stray.exists()  # same set of files: only recorded files are looked at
    shop_yaml = root / "content" / "bea" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8") + "collections:\n  - {id: quick, title: Quick, skus: [FD-2001]}\n", encoding="utf-8")
    build(root, root / "site")
    assert not stray.exists()  # files come: the folder is walked and strays pruned


def test_fresh_workers_between_batches_give_the_same_bytes_and_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = two_shop_project(tmp_path)
    for name in ("cleo", "dina", "emma"):
        shutil.copytree(root / "content" / "bea", root / "content" / name)
        edit(root / "content" / name / "shop.yaml", "Bea's kitchen", f"{name.title()}'s kitchen")
    build(root, tmp_path / "one", jobs=1)
    monkeypatch.setattr(workers, "SHOPS_PER_WORKER", 1)  # five shops: three batches of fresh workers
    monkeypatch.setattr(workers, "ONE_ROUND", 0)
    stats = pipeline.build(root, tmp_path / "many", jobs=2)
    assert stats.shops == 5 and stats.written == stats.pages
    assert files(tmp_path / "one") == files(tmp_path / "many")
    again = pipeline.build(root, tmp_path / "many", jobs=2)
    assert again.written == 0 and again.skipped == again.pages  # the state every batch recorded holds


def test_products_facts_are_kept_between_builds_and_worked_out_once_across_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = two_shop_project(tmp_path)
    monkeypatch.setattr(shop, "PARALLEL_FACTS", 1)  # two products: across processes all the same
    build(root, tmp_path / "one", jobs=1)
    build(root, root / "site", jobs=2)
    assert files(root / "site") == files(tmp_path / "one")
    store = CacheFolder(root).facts
    kept = kept_entries(store)
    assert {f["sku"] for f in kept.values() if isinstance(f, dict)} == {"BB-1001", "FD-2001"}

    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    assert "bea/index.html" in rewritten(root)
    kept_facts = kept_entries(store).values()
    prices = sorted(f["price"] for f in kept_facts if isinstance(f, dict) and f["sku"] == "FD-2001")
    assert prices == ["18.80", "19.90"]  # the new facts beside the old (pruned once old ones are half the file)
    assert_same_as_full_build(root, tmp_path)

    store.write_bytes(b"not marshal")  # unreadable: worked out again, the same pages
    edit(root / "catalog.yaml", 'price: "18.80"', 'price: "17.70"')
    assert "bea/index.html" in rewritten(root)
    assert_same_as_full_build(root, tmp_path / "again")


def test_new_facts_are_added_to_the_table_which_survives_tearing(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    store = CacheFolder(root).facts
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    build(root, root / "site")
    kept = kept_entries(store)
    assert {"18.80", "19.90"} <= {f["price"] for f in kept.values() if isinstance(f, dict)}  # added beside the old
    store.write_bytes(store.read_bytes()[: len(store.read_bytes()) // 2])  # torn
    edit(root / "catalog.yaml", 'price: "18.80"', 'price: "17.70"')
    build(root, root / "site")
    assert "17.70" in {f["price"] for f in kept_entries(store).values() if isinstance(f, dict)}
    assert_same_as_full_build(root, tmp_path)


def test_a_one_shop_build_keeps_the_other_shops_facts(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    build(root, root / "site", only="bea")  # bea shows FD-2001 only
    kept = kept_entries(CacheFolder(root).facts)
    assert {f["sku"] for f in kept.values() if isinstance(f, dict)} == {"BB-1001", "FD-2001"}


def test_kept_products_and_shops_load_exactly_as_a_fresh_load(tmp_path: Path) -> None:
    """Each change an owner or the platform makes gives the project a load without anything
    kept gives: new prices in kept shops, a recall that turns a pick into a warning, an edited
    note, a new post, a changed category commission."""
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    amy, bea = root / "content" / "amy", root / "content" / "bea"
    changes = [
        (root / "catalog.yaml", 'price: "89.00"', 'price: "88.00"'),
        (root / "catalog.yaml", '    price: "19.90"\n', '    price: "19.90"\n    status: recalled\n'),
        (bea / "shop.yaml", "note: Quick dinner.", "note: Quick and good."),
        (root / "catalog.yaml", '{id: baby, title: 母婴, commission: "0.10"}', '{id: baby, title: 母婴, commission: "0.12"}'),
        (amy / "posts" / "second.md", "", ""),  # a new post: a copy of hello.md
    ]
    for path, old, new in changes:
        if path.exists():
            edit(path, old, new)
        else:
            shutil.copy(amy / "posts" / "hello.md", path)
        kept = load_project(root, policy=USE)
        assert kept == load_project(root, policy=NONE), (path, new)
        build(root, root / "site")
    assert not load_project(root, policy=USE).shop("bea").picks  # type: ignore[union-attr]  # FD-2001 recalled
    assert any("FD-2001 is recalled" in str(w) for w in load_project(root, policy=USE).warnings)
    assert_same_as_full_build(root, tmp_path)


@pytest.mark.parametrize("missing", ["content/amy/images/avatar.svg", "images/bb-1001.svg"])
def test_a_file_a_kept_shop_or_product_names_is_missing_is_an_error(tmp_path: Path, missing: str) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    (root / missing).unlink()
    assert "does not exist" in errors_with_and_without_caches(root)


def test_a_mistake_is_reported_on_every_run_not_kept(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "content" / "bea" / "shop.yaml", "FD-2001", "NO-SUCH")
    for _ in range(2):
        with pytest.raises(ContentError, match="unknown SKU 'NO-SUCH'"):
            build(root, root / "site")


def spares_of(root: Path, shop: str) -> dict[str, bytes]:
    folder = root / ".shopforest" / "spares" / shop
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


@pytest.mark.skipif(not writer.can_exchange(), reason="atomic exchange is Linux only; elsewhere files are replaced by rename")
def test_a_replaced_file_becomes_the_spare_that_holds_its_next_bytes(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    home = root / "site" / "bea" / "index.html"
    first = home.read_bytes()
    assert spares_of(root, "bea") == {}  # a first build replaces nothing
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    build(root, root / "site")
    spare = root / ".shopforest" / "spares" / "bea" / writer.spare_name("index.html")
    assert spare.read_bytes() == first and home.read_bytes() != first  # the old file, kept
    second, spare_inode = home.read_bytes(), spare.stat().st_ino
    edit(root / "catalog.yaml", 'price: "18.80"', 'price: "17.70"')
    build(root, root / "site")
    assert home.stat().st_ino == spare_inode  # the spare was written in place and swapped in: no new file
    assert spare.read_bytes() == second and b"17.70" in (root / "site" / "bea" / "products.json").read_bytes()
    assert_same_as_full_build(root, tmp_path)


def test_without_spares_or_exchange_the_site_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another build holding the spares, or a system without an atomic exchange: files are
    replaced by rename, with the same bytes."""
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    build(root, root / "site")  # spares made
    monkeypatch.setattr(commit, "exchange", lambda a, b: False)
    edit(root / "catalog.yaml", 'price: "18.80"', 'price: "17.70"')
    build(root, root / "site")
    assert b"17.70" in (root / "site" / "bea" / "products.json").read_bytes()
    assert_same_as_full_build(root, tmp_path)
    monkeypatch.undo()
    with open(root / ".shopforest" / "spares" / ".lock", "wb") as lock:  # another build of the project is running
        fcntl.flock(lock, fcntl.LOCK_EX)
        before = spares_of(root, "bea")
        edit(root / "catalog.yaml", 'price: "17.70"', 'price: "16.60"')
        build(root, root / "site")
        assert spares_of(root, "bea") == before  # not touched
    assert b"16.60" in (root / "site" / "bea" / "products.json").read_bytes()
    assert_same_as_full_build(root, tmp_path / "again")


def test_spares_go_with_the_files_and_shops_they_belong_to(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    build(root, root / "site")
    edit(root / "catalog.yaml", 'price: "19.90"', 'price: "18.80"')
    build(root, root / "site")
    assert spares_of(root, "bea")
    shutil.rmtree(root / "content" / "bea")
    build(root, root / "site")
    assert not (root / ".shopforest" / "spares" / "bea").exists() and not (root / "site" / "bea").exists()


def test_result_spool_gives_every_result_back_in_order_each_time_it_is_read(tmp_path: Path) -> None:
    """The build reads its spooled results three times (commit, stamps of folders of copies,
    the Markdown kept): each time all of them, in the order they came, Markdown included."""
    with commit.ResultSpool(tmp_path / "staging" / "results.pickle") as spool:
        assert list(spool) == []
        for n in range(3):
            spool.add(ShopResult(f"shop-{n}", None, [f"p/{n}.html"], 0, 0, markdown={f"k{n}": f"<p>{n}</p>"}))
        for _ in range(2):
            read = list(spool)
            assert [r.shop_id for r in read] == spool.ids == ["shop-0", "shop-1", "shop-2"]
            assert [r.staged for r in read] == [["p/0.html"], ["p/1.html"], ["p/2.html"]]
            assert read[2].take_markdown() == ({"k2": "<p>2</p>"}, set())
