"""Write a shop's files: only bytes that changed, atomically, never outside the output folder,
and remove what no longer belongs (Lektor's and Pelican's lessons)."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ..cache.folder import atomic_write
from ..errors import UsageError
from ..messages import msg

SHOP_MARKER = "products.json"  # every shop folder we build has one; used to recognise stale shops


def check_relative(rel: str) -> str:
    """``rel`` if it is a plain relative path that cannot leave its folder, else a UsageError."""
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel or any(part in ("..", ".", "") for part in rel.split("/")):
        raise UsageError(msg("refusing to write outside the output folder: {path}", path=repr(rel)))
    return rel


def safe_join(base: Path, rel: str) -> Path:
    """``base / rel``, refusing any path that could land outside ``base``."""
    return base / check_relative(rel)


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


def link_new(source: str, path: str) -> None:
    """Make ``path`` a hard link to the kept file ``source`` (one inode for every shop's copy of
    a picture), or a copy of it where the file system allows no link."""
    try:
        os.link(source, path)
    except OSError:
        with open(source, "rb") as fh:
            write_new(path, fh.read())


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
        atomic_write(dest, staged.read_bytes())
        staged.unlink()
        return
    os.replace(staged, dest)


# Spares: the previous bytes of a file that a build replaced, kept under .shopforest/spares/
# <shop>/ to hold the next bytes of the same file. Replacing a file by a rename frees the old
# file's blocks and allocates the new one's, which costs 100-250 us per file on a virtual
# machine's disk (ext4, mounted with discard); writing into a spare in place and exchanging it
# with the file in one atomic renameat2(RENAME_EXCHANGE) costs 40 us, and a visitor still sees
# the old file or the new one, never a mix. Linux only; elsewhere files are replaced by rename.
AT_FDCWD = -100
RENAME_EXCHANGE = 2


@cache
def _renameat2() -> Callable[..., int] | None:
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def can_exchange() -> bool:
    return _renameat2() is not None


def exchange(a: str, b: str) -> bool:
    """Swap the files at ``a`` and ``b`` atomically; False if that cannot be done here (one of
    them missing, another file system, no support), and nothing happened."""
    func = _renameat2()
    return func is not None and func(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def spare_name(rel: str) -> str:
    """The spare of a shop's file ``rel``: flat, one folder per shop."""
    return hashlib.sha256(rel.encode()).hexdigest()[:24]


def fill_spare(path: str, data: bytes) -> bool:
    """Write ``data`` over the spare at ``path``, in place; False if there is no spare. A spare
    with another link (a file that was hard-linked, like pictures' copies) is never written
    into: that would change the other file too. It is dropped instead."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return False
    if os.fstat(fd).st_nlink > 1:
        os.close(fd)
        os.unlink(path)
        return False
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
    return True


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


SPARES_PER_SHOP = 16  # enough for what a price change rewrites (home, products.json, a page, a collection, a post)


class SpareRoom:
    """How many more spares one shop may keep; its folder is made when the first is."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.left: int | None = None

    def take(self) -> bool:
        if self.left is None:
            try:
                self.left = SPARES_PER_SHOP - len(os.listdir(self.folder))
            except FileNotFoundError:
                os.mkdir(self.folder)
                self.left = SPARES_PER_SHOP
        self.left -= 1
        return self.left >= 0


def into_spare(path: str, data: bytes, room: SpareRoom) -> bool:
    """Write the new bytes of an existing file into its spare (writer.py): over the spare in
    place, or as a new spare while the shop has room for more; False: stage them instead."""
    spare = f"{room.folder}/{spare_name(path)}"
    if fill_spare(spare, data):
        return True
    if not room.take():
        return False
    write_new(spare, data)
    return True
