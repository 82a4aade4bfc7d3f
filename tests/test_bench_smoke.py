"""The benchmark works (CI runs only the small size; numbers live in bench/results.md, not in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import hugo  # noqa: E402
import run  # noqa: E402
import workload  # noqa: E402


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_workload_is_deterministic(tmp_path: Path) -> None:
    workload.write(tmp_path / "a", shops=3, picks=5, products=40, seed=7)
    workload.write(tmp_path / "b", shops=3, picks=5, products=40, seed=7)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    workload.write(tmp_path / "c", shops=3, picks=5, products=40, seed=8)
    assert tree(tmp_path / "a")["catalog.yaml"] != tree(tmp_path / "c")["catalog.yaml"]


def test_small_benchmark_produces_every_row() -> None:
    rows = run.scenarios("small", jobs=1, keep=None, layout="hand")
    assert [r.scenario for r in rows] == list(run.SCENARIOS)
    full, unchanged, price, note, shop, footer, template, added = rows
    assert full.written > 300 and full.skipped == 0
    assert unchanged.written == 0 and unchanged.skipped == full.written
    assert 0 < price.written < full.written
    assert 0 < note.written < shop.written < full.written
    assert template.written < footer.written < full.written  # every page; not feeds, products.json, assets
    assert 0 < template.written < full.written
    assert 0 < added.written < full.written
    assert all(r.wall > 0 and r.cpu > 0 and r.peak_mb > 0 for r in rows)


def test_pair_with_hugo_builds_the_same_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hugo is a test dependency (the ``test`` extra): this runs wherever the suite does."""
    monkeypatch.setattr(run, "settle", lambda limit=30.0: None)  # other processes' disk traffic is no concern here
    rows, ours, theirs = run.pair("tiny", 1, jobs=1, params=dict(shops=3, picks=5, products=40))
    assert [r.scenario for r in rows] == list(run.PAIR_SCENARIOS)
    assert all(len(r.ours) == len(r.theirs) == 1 for r in rows)
    assert all(w > 0 and cpu > 0 and mb > 0 for r in rows for w, cpu, mb in r.ours + r.theirs)
    assert ours == theirs  # every shop's pages, sitemap and feed, the shop added last included
    assert {"shop-00003/index.html", "shop-00000/p/P-000000/index.html", "shop-00000/sitemap.xml", "shop-00000/404.html"} <= ours
    assert "| tiny | full build |" in rows[0].markdown() and "peak memory" in run.peak_row(rows)


def test_hugo_renders_what_ours_shows(tmp_path: Path) -> None:
    project, site = tmp_path / "p", tmp_path / "h"
    workload.write(project, shops=2, picks=5, products=40, seed=3)
    hugo.convert(project, site)
    hugo.make_cold(site)
    subprocess.run(hugo.command(site), check=True)
    shop = (site / "public" / "shop-00000" / "index.html").read_text(encoding="utf-8")
    assert 'class="card"' in shop and "店主0的小店" in shop and "¥" in shop
    product = next((site / "public" / "shop-00000" / "p").glob("*/index.html")).read_text(encoding="utf-8")
    assert "<li><strong>" in product and 'rel="noopener nofollow ugc"' in product  # the description's Markdown
    # converting again changes nothing; an edit reaches Hugo's copy as the one file it touches
    assert hugo.convert(project, site) == 0
    yaml_file = project / "content" / "shop-00001" / "shop.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("title: 小店 1", "title: 小店 1 改"), encoding="utf-8")
    assert hugo.convert(project, site) == 1
