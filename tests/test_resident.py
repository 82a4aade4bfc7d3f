"""A build that stays running (serve): an edit in one owner's folder rebuilds her shop alone,
with the same bytes a full build writes; anything else is a full build."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator.build.pipeline import build
from generator.build.resident import ResidentBuild
from generator.cache.folder import NONE
from generator.errors import ContentError

from .test_invalid_content import make_case, snapshot


def mums(tmp_path: Path, count: int = 4) -> Path:
    """The test project with a few more shops, each a copy of amy's with a note of her own."""
    root = make_case("_base", tmp_path / "p")
    for i in range(count):
        shop_yaml = shutil.copytree(root / "content" / "amy", root / "content" / f"mum{i}") / "shop.yaml"
        shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("note: We love it.", f"note: Mum {i} **loves** it."), encoding="utf-8")
    return root


def same_as_a_full_build(root: Path, site: Path, tmp_path: Path) -> bool:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    build(root, fresh, cache=NONE)
    return {p: d for p, (d, _) in snapshot(site).items()} == {p: d for p, (d, _) in snapshot(fresh).items()}


def test_her_note_edited_rebuilds_her_shop_alone_with_a_full_builds_bytes(tmp_path: Path) -> None:
    root = mums(tmp_path)
    resident = ResidentBuild(root, root / "site")
    assert resident.build().shops == 5
    shop_yaml = root / "content" / "mum2" / "shop.yaml"
    block = "- sku: BB-1001\n    featured: true\n    note: |\n      Mum 2 **loves** it:\n\n      - soft\n      - warm\n"
    text = shop_yaml.read_text(encoding="utf-8")
    shop_yaml.write_text(text.replace("- {sku: BB-1001, note: Mum 2 **loves** it., featured: true}\n", block), encoding="utf-8")
    stats = resident.build([str(shop_yaml)])
    assert stats.shops == 1 and stats.written >= 1
    assert "<li>warm</li>" in (root / "site" / "mum2" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert same_as_a_full_build(root, root / "site", tmp_path)


def test_a_price_change_builds_every_shop(tmp_path: Path) -> None:
    root = mums(tmp_path)
    resident = ResidentBuild(root, root / "site")
    resident.build()
    catalog = root / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    price = text.split("price:", 1)[1].split("\n", 1)[0].strip()
    catalog.write_text(text.replace(f"price: {price}", "price: 12.50", 1), encoding="utf-8")
    assert resident.build([str(catalog)]).shops == 5
    assert same_as_a_full_build(root, root / "site", tmp_path)


def test_a_new_shop_is_built_alone_and_a_removed_one_taken_down(tmp_path: Path) -> None:
    root = mums(tmp_path)
    resident = ResidentBuild(root, root / "site")
    resident.build()
    new = shutil.copytree(root / "content" / "amy", root / "content" / "newmum")
    stats = resident.build([str(new), str(new / "shop.yaml")])
    assert stats.shops == 1 and (root / "site" / "newmum" / "index.html").is_file()
    shutil.rmtree(root / "content" / "mum0")
    assert resident.build([str(root / "content" / "mum0")]).shops == 5  # her folder gone: a full build
    assert not (root / "site" / "mum0").exists()
    assert same_as_a_full_build(root, root / "site", tmp_path)


def test_her_mistake_leaves_her_shop_as_it_was_until_she_fixes_it(tmp_path: Path) -> None:
    root = mums(tmp_path)
    resident = ResidentBuild(root, root / "site")
    resident.build()
    before = snapshot(root / "site")
    shop_yaml = root / "content" / "mum1" / "shop.yaml"
    good = shop_yaml.read_text(encoding="utf-8")
    shop_yaml.write_text(good.replace("title:", "title：", 1), encoding="utf-8")  # a phone keyboard's colon
    with pytest.raises(ContentError) as caught:
        resident.build([str(shop_yaml)])
    assert [d.path for d in caught.value.diagnostics] == ["content/mum1/shop.yaml"]
    assert snapshot(root / "site") == before
    shop_yaml.write_text(good.replace("**loves** it.", "**adores** it."), encoding="utf-8")
    assert resident.build([str(shop_yaml)]).shops == 1
    assert "<strong>adores</strong>" in (root / "site" / "mum1" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")


def test_only_changes_inside_shop_folders_build_shops_alone(tmp_path: Path) -> None:
    root = mums(tmp_path)
    resident = ResidentBuild(root, root / "site")
    assert resident.shops_alone([str(root / "content" / "mum1" / "posts" / "hello.md"), "content/mum2/shop.yaml"]) == {"mum1", "mum2"}
    assert resident.shops_alone([str(root / "content" / "mum1")]) == {"mum1"}
    for elsewhere in ("catalog.yaml", "themes/default/templates/base.html", "images/a.jpg", "content", "content/gone", str(tmp_path / "x")):
        assert resident.shops_alone(["content/mum1/shop.yaml", elsewhere]) is None


def lines_of(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def wait_for(lines: queue.Queue[str], seen: list[str], wanted: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not any(wanted in line for line in seen):
        try:
            seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"no {wanted!r} in {seen}") from None


def test_build_watch_builds_her_shop_when_she_saves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = mums(tmp_path)
    env = {**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
    cmd = [sys.executable, "-m", "generator.cli", "build", "--watch", "--project", str(root)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lines_of, args=(proc.stdout, lines), daemon=True)
        reader.start()
        seen: list[str] = []
        try:
            wait_for(lines, seen, "watching")
            assert any(line.startswith("5 shops,") for line in seen)
            shop_yaml = root / "content" / "mum3" / "shop.yaml"
            shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("**loves** it.", "**adores** it."), encoding="utf-8")
            wait_for(lines, seen, "1 shop,")
            page = root / "site" / "mum3" / "p" / "BB-1001" / "index.html"
            assert "<strong>adores</strong>" in page.read_text(encoding="utf-8")
            shop_yaml.write_text("picks: [", encoding="utf-8")  # a save halfway through her edit
            wait_for(lines, seen, "content/mum3/shop.yaml:")
            assert "<strong>adores</strong>" in page.read_text(encoding="utf-8")  # her shop as it was
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
            reader.join(timeout=5)
    while not lines.empty():
        seen.append(lines.get())
    assert proc.returncode == 0 and "Traceback" not in "".join(seen)
