"""The demo site, built now, is byte for byte the committed golden copy (regenerate: python -m tests.golden)."""

from __future__ import annotations

from pathlib import Path

from .golden import COPIES, GOLDEN, build_demo, copies_manifest


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_demo_site_matches_golden_copy(tmp_path: Path) -> None:
    build_demo(tmp_path / "site")
    assert copies_manifest(tmp_path / "site", remove=True) == COPIES.read_text(), "pictures' copies differ; regenerate with: python -m tests.golden"
    for folder in sorted((tmp_path / "site").rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    built, golden = tree(tmp_path / "site"), tree(GOLDEN)
    assert sorted(built) == sorted(golden), "files differ; regenerate with: python -m tests.golden"
    changed = [path for path in built if built[path] != golden[path]]
    assert changed == [], f"{len(changed)} files differ, e.g. {changed[:5]}; regenerate with: python -m tests.golden"
