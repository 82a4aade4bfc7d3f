"""Write a shop's files: only bytes that changed, atomically, never outside the output folder,
and remove what no longer belongs (Lektor's and Pelican's lessons, STYLE examples 4 and 7)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import UsageError

SHOP_MARKER = "products.json"  # every shop folder we build has one; used to recognise stale shops


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    def add(self, other: WriteStats) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.removed += other.removed


def safe_join(base: Path, rel: str) -> Path:
    """``base / rel``, refusing any path that could land outside ``base``."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or "\\" in rel or "\x00" in rel:
        raise UsageError(f"refusing to write outside the output folder: {rel!r}")
    return base.joinpath(*pure.parts)


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


def same_bytes(dest: Path, data: bytes) -> bool:
    try:
        if dest.stat().st_size != len(data):
            return False
        return dest.read_bytes() == data
    except OSError:
        return False


def write_tree(folder: Path, files: dict[str, bytes]) -> WriteStats:
    """Make ``folder`` hold exactly ``files``; unchanged files keep their bytes and mtime."""
    stats = WriteStats()
    for rel in sorted(files):
        dest = safe_join(folder, rel)
        if dest.is_dir():
            shutil.rmtree(dest)
        if same_bytes(dest, files[rel]):
            stats.unchanged += 1
            continue
        write_atomic(dest, files[rel])
        stats.written += 1
    stats.removed += prune(folder, set(files))
    return stats


def prune(folder: Path, keep: set[str]) -> int:
    removed = 0
    if not folder.is_dir():
        return 0
    for path in sorted(folder.rglob("*"), reverse=True):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in keep:
            path.unlink()
            removed += 1
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
