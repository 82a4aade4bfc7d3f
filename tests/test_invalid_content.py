"""Every class of content mistake gives its exact ``path:line:col: message``, all at once, and writes nothing.

Each folder under tests/invalid/ overlays a small valid project (tests/invalid/_base/) with
the files it holds and keeps the expected diagnostics beside them in expected.txt.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

from .conftest import REPO

CASES = Path(__file__).parent / "invalid"


def make_case(case: str, dest: Path) -> Path:
    shutil.copytree(CASES / "_base", dest)
    shutil.copytree(REPO / "themes", dest / "themes")
    if case != "_base":
        for src in sorted((CASES / case).rglob("*")):
            if src.is_file() and src.name != "expected.txt":
                target = dest / src.relative_to(CASES / case)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
    return dest


def in_english(root: Path) -> Path:
    """The project with an en_US platform (its shops follow it): for the tests that pin a rule's
    English wording; tests/test_messages.py shows the same mistakes told in Chinese."""
    catalog = root / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("locale: zh_CN", "locale: en_US"), encoding="utf-8")
    return root


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_base_project_is_valid(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 1 shops")


@pytest.mark.parametrize("case", case_names())
def test_check_reports_exact_diagnostics(case: str, tmp_path: Path) -> None:
    root = make_case(case, tmp_path / "p")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    expected = (CASES / case / "expected.txt").read_text(encoding="utf-8")
    assert result.exit_code == 1
    assert result.stderr == expected
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", case_names())
def test_failed_build_leaves_site_untouched(case: str, tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--project", str(root)]).exit_code == 0
    before = snapshot(root / "site")
    shutil.rmtree(root / "content")
    make_case(case, tmp_path / "case")
    shutil.copytree(tmp_path / "case" / "content", root / "content")
    shutil.copy2(tmp_path / "case" / "catalog.yaml", root / "catalog.yaml")
    result = runner.invoke(main, ["build", "--project", str(root)])
    assert result.exit_code == 1
    assert result.stderr == (CASES / case / "expected.txt").read_text(encoding="utf-8")
    assert snapshot(root / "site") == before
