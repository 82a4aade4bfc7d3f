"""The benchmark works (CI runs only the small size; numbers live in bench/results.md, not in tests)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

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
