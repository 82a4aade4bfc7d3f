"""Write a shop's files: only bytes that changed, atomically, never outside the output folder,
and remove what no longer belongs (Lektor's and Pelican's lessons, STYLE examples 4 and 7)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import UsageError

SHOP_MARKER = "products.json"  # every shop folder we build has one; used to recognise stale shops


def check_relative(rel: str) -> str:
    """``rel`` if it is a plain relative path that cannot leave its folder, else a UsageError."""
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel or any(part in ("..", ".", "") for part in rel.split("/")):
        raise UsageError(f"refusing to write outside the output folder: {rel!r}")
    return rel


def safe_join(base: Path, rel: str) -> Path:
    """``base / rel``, refusing any path that could land outside ``base``."""
    return base / check_relative(rel)


def write_atomic(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=dest.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_new(path: str, data: bytes) -> None:
    """Write a new staged file with three system calls (open, write, close): Python's ``open``
    adds an fstat and an isatty check, and a full build writes tens of thousands of files."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def same_bytes(dest: Path, data: bytes) -> bool:
    try:
        if dest.stat().st_size != len(data):
            return False
        return dest.read_bytes() == data
    except OSError:
        return False


def scan_sizes(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` (posix, relative) with its size: one walk, no reads."""
    sizes: dict[str, int] = {}

    def walk(path: str, prefix: str) -> None:
        try:
            entries = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + entry.name + "/")
                else:
                    try:
                        sizes[prefix + entry.name] = entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue

    walk(str(folder), "")
    return sizes


def present_sizes(folder: Path, recorded: dict[str, int]) -> dict[str, int]:
    """The current size of each recorded file that still exists under ``folder``: one stat per
    file, no directory listing (a shop's pages are one folder each, so listing them costs more
    than the stats). Files someone added beside ours are not looked for here."""
    base = str(folder) + "/"
    sizes: dict[str, int] = {}
    for rel in recorded:
        try:
            sizes[rel] = os.stat(base + rel).st_size
        except OSError:
            continue
    return sizes


def move_into_place(staged: Path, dest: Path) -> None:
    """Atomically replace ``dest`` by ``staged`` (a rename; a copy across file systems)."""
    try:
        os.replace(staged, dest)
        return
    except FileNotFoundError:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except IsADirectoryError:
        shutil.rmtree(dest)
    except OSError:  # another file system: copy, still atomically
        write_atomic(dest, staged.read_bytes())
        staged.unlink()
        return
    os.replace(staged, dest)


def move_tree_into_place(staged: Path, dest: Path, paths: list[str]) -> None:
    """Put a staged shop folder at ``dest``, which did not exist when it was staged: one rename,
    or file by file if ``dest`` has appeared since or lies on another file system."""
    if not paths:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staged, dest)  # fails rather than replaces when dest is a non-empty folder
        return
    except OSError:
        pass
    for rel in paths:
        move_into_place(staged / rel, safe_join(dest, rel))


def remove_files(folder: Path, stale: list[str]) -> int:
    """Remove files no output makes any more, and the folders they leave empty."""
    removed = 0
    for rel in stale:
        path = safe_join(folder, rel)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
        parent = path.parent
        while parent != folder and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def remove_stale_shops(out: Path, shop_ids: set[str]) -> int:
    """A full build removes shop folders whose shop is gone (recognised by their products.json)."""
    removed = 0
    if not out.is_dir():
        return 0
    for child in sorted(out.iterdir()):
        if child.is_dir() and child.name not in shop_ids and (child / SHOP_MARKER).is_file():
            removed += sum(1 for p in child.rglob("*") if p.is_file())
            shutil.rmtree(child)
    return removed
