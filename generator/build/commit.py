"""Moving a build's new bytes into the output folder, once every shop has built.

A new shop's staged folder is renamed into place whole; a replaced file is swapped with its
spare (its previous inode, already holding the new bytes) or renamed over; files no output
makes any more are removed. Readers of the output folder see each file old or new, never torn.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from ..content.ids import SHOP_ID_RE
from .reporter import BuildStats
from .staging import ShopResult
from .state import ShopRow
from .writer import (
    can_exchange,
    exchange,
    move_into_place,
    move_tree_into_place,
    remove_files,
    remove_stale_shops,
    safe_join,
    spare_name,
)

T = TypeVar("T")


class Spool(Generic[T]):
    """Objects written to a file one by one as they come, and read back in that order, one at
    a time, as often as asked: what a build gathers from thousands of shops, out of memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, item: T) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w+b")
        pickle.dump(item, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def items(self) -> Iterator[T]:
        if self._fh is None:
            return
        self._fh.flush()
        self._fh.seek(0)
        for _ in range(self.count):
            yield pickle.load(self._fh)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class EntrySpool(Spool[ShopRow]):
    """The build state of every shop that was planned again, written to a file as each shop's
    result arrives and read back once, when the state is saved: a build of 5,000 shops holds
    one shop's entries in memory at a time, not 400,000."""

    def add(self, result: ShopResult) -> None:
        """Spool the state of ``result`` (a shop planned again) and drop it from the result."""
        row, result.row = result.row, None
        if row is not None:
            self.put(row)


class ResultSpool(Spool[ShopResult]):
    """Every shop's result, written to a file as it arrives and read back, one at a time, for
    the commit and after it. Held in memory, the results of 5,000 shops (half a million staged
    paths, and the rendered Markdown of their notes) grew the build process by a hundred MB
    while its workers ran, and every later round of workers forked from it shared that (and
    copied what it touched): the peak of the whole build rose round by round."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.ids: list[str] = []

    def add(self, result: ShopResult) -> None:
        self.put(result)
        self.ids.append(result.shop_id)

    def __iter__(self) -> Iterator[ShopResult]:
        """The results in the order they were added (read from the file each time)."""
        return self.items()


def commit_all(results: Iterable[ShopResult], staging: Path, out: Path, stats: BuildStats, spares: Path | None, keep: set[str] | None) -> None:
    """Every shop's new files into place; with ``keep`` (a build of every shop), the folders
    and spares of shops that are gone are removed."""
    for result in results:
        commit(result, staging, out, stats, spares)
    if keep is not None:
        stats.removed += remove_stale_shops(out, keep)
        if spares is not None:
            remove_spares(spares, keep)


def commit(result: ShopResult, staging: Path, out: Path, stats: BuildStats, spares: Path | None = None) -> None:
    folder = safe_join(out, result.shop_id)
    shop_spares = spares / result.shop_id if spares is not None else None
    if result.tree:
        move_tree_into_place(staging / result.shop_id, folder, result.staged)
    else:
        for path in result.spared:  # a spare holds the new bytes: swap it with the file
            spare, dest = f"{shop_spares}/{spare_name(path)}", safe_join(folder, path)
            if not exchange(spare, str(dest)):
                move_into_place(Path(spare), dest)
            elif os.stat(spare).st_nlink > 1:  # the old file was linked elsewhere: never a spare to write into
                os.unlink(spare)
        for number, path in enumerate(result.staged):
            move_into_place(staging / result.shop_id / str(number), safe_join(folder, path))
    stats.pages += result.unchanged + result.written
    stats.written += result.written
    stats.unchanged += result.unchanged
    stats.skipped += result.skipped
    stats.removed += remove_files(folder, result.stale)
    if shop_spares is not None:
        for path in result.stale:
            (shop_spares / spare_name(path)).unlink(missing_ok=True)


def remove_spares(spares: Path, shop_ids: set[str]) -> None:
    """Spares of shops that are gone."""
    for name in os.listdir(spares):
        if name not in shop_ids and SHOP_ID_RE.fullmatch(name):
            shutil.rmtree(spares / name, ignore_errors=True)


@contextmanager
def spares_folder(folder: Path, out: Path) -> Iterator[Path | None]:
    """The folder of spares, held for this build alone; None when spares cannot be used: no
    atomic exchange on this system, the output on another file system, or another build of
    this project running (which then uses none: each would write into the other's)."""
    if not can_exchange() or fcntl is None:
        yield None
        return
    folder.mkdir(parents=True, exist_ok=True)
    probe = out.absolute()
    while not probe.exists() and probe != probe.parent:  # a first build: out/ is made at the end
        probe = probe.parent
    if os.stat(folder).st_dev != os.stat(probe).st_dev:
        yield None
        return
    with open(folder / ".lock", "wb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None
            return
        yield folder
