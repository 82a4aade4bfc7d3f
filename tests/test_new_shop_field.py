"""A theme author adds a field to the shop model, as docs/architecture.md says to, and touches
no dependency list: once an owner edits that field, every page that shows it is made again.

The change is made for real, to a copy of the generator's source, and built in a subprocess of
that copy: what is tested is the code a contributor would write, not a monkeypatched model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import copy_project

ROOT = Path(__file__).resolve().parent.parent


def insert_after(path: Path, anchor: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(anchor) == 1, f"{path}: expected one {anchor!r}"
    path.write_text(text.replace(anchor, anchor + new), encoding="utf-8")


def add_motto_field(src: Path, project: Path) -> None:
    """The steps of "How to add a shop field": schema, model and loader, view and theme."""
    content = src / "generator" / "content"
    insert_after(content / "schema.py", "    campaigns: list[LinkTag] = []\n", '    motto: str = ""\n')
    insert_after(content / "model.py", "when not loaded from files\n", '    motto: str = ""\n')
    insert_after(content / "shops.py", "            media=tuple(sorted(media)),\n", "            motto=data.motto,\n")
    insert_after(src / "generator" / "pages" / "views.py", '            "owner": shop.owner,\n', '            "motto": shop.motto,\n')
    base = project / "themes" / "default" / "templates" / "base.html"
    insert_after(base, '<footer class="footer">\n', '  <p class="motto">{{ site.motto }}</p>\n')


def build(src: Path, project: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(src), "SHOPFOREST_VERIFY": "1"}
    command = [sys.executable, "-m", "generator.cli", "build", "--project", str(project), "-j", "1", "-q", *args]
    done = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True)  # cwd: not this checkout's generator
    assert done.returncode == 0, done.stdout + done.stderr


def pages(site: Path, shop: str) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / shop).rglob("*.html")}


def test_a_new_shop_field_reaches_every_page_without_a_dependency_list(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "generator", src / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    project = copy_project(tmp_path / "project")
    add_motto_field(src, project)
    shop_yaml = project / "content" / "chef-lin" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8") + "motto: Cook once, eat twice.\n", encoding="utf-8")
    build(src, project)
    site = project / "site"
    before = pages(site, "chef-lin")
    others = pages(site, "xiaomei")
    assert all(b"Cook once, eat twice." in page for name, page in before.items() if not name.endswith("/s/index.html")), "the motto is on every page"

    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("Cook once, eat twice.", "Dinner in twenty minutes."), encoding="utf-8")
    build(src, project)  # incremental, and verified byte for byte against a render from nothing

    after = pages(site, "chef-lin")
    changed = {name for name in before if before[name] != after[name]}
    showing = {name for name, page in after.items() if b"Dinner in twenty minutes." in page}
    assert showing and changed == showing
    assert not any(b"Cook once, eat twice." in page for page in after.values())
    assert pages(site, "xiaomei") == others, "another shop's pages are not touched"


def test_rendered_markdown_outlives_a_change_to_code_that_does_not_make_it(tmp_path: Path) -> None:
    """A cold build after an unrelated code change renders no Markdown again; a change to the
    module that renders it (or to Markdown's or nh3's version) does."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "generator", src / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    project = copy_project(tmp_path / "project")
    build(src, project)
    store = next((project / ".shopforest").glob("markdown-*.sqlite"))
    kept = store.read_bytes()
    insert_after(src / "generator" / "hook" / "app.py", "from __future__ import annotations\n", "# an unrelated edit\n")
    build(src, project, "--out", str(tmp_path / "other"))
    assert store.read_bytes() == kept, "the same tag: every text taken from the store, nothing rendered again"
    insert_after(src / "generator" / "pages" / "markup.py", "from __future__ import annotations\n", "# an edit of the renderer\n")
    build(src, project, "--out", str(tmp_path / "third"))
    assert store.read_bytes() != kept, "another renderer: its output is not trusted"
