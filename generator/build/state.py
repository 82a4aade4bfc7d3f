"""Build state between runs (Lektor's model): for every output, a key of
everything it was made from, the template files its render loaded, and the bytes it produced.

Kept in SQLite in the project's cache folder (cache/folder.py), never inside site/. One row per
shop holds the shop's fingerprint (and its shape: the fingerprint without the catalog's facts
about the products it picks) and the count of its files, so a no-change build
reads only that small index; a shop's per-file entries, sizes and product keys are columns read
only when the shop must be checked or planned again. They are encoded with ``marshal``, the
format of Python's own ``.pyc`` caches: several times faster to read and write than JSON, and
this file is the build's private cache, never shared (the interpreter is part of its key).
The copies of pictures a shop shows (hard links, build/links.py) are not per-file entries:
a column holds their names by folder, read only when a folder's stamp changed, and the
index holds each folder's stamp, so a no-change build stats a shop's few folders of copies
rather than its hundreds of copies.
A missing, old or corrupt state means a full build, never a wrong one.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..pages.splice import Card
from .links import Links, Stamp

FORMAT = 8  # 8: where a grid page's cards are (pages/splice.py)


@dataclass(slots=True)
class FileEntry:
    key: str  # hash of what the output was made from (view + template name, or bytes)
    sha: str  # hash of the bytes written
    size: int
    deps: dict[str, str] = field(default_factory=dict)  # template file -> its sha256 when rendered
    cards: tuple[Card, ...] | None = None  # a grid page's cards: where each is in its bytes (pages/splice.py)


@dataclass
class ShopEntry:
    fingerprint: str  # hash of everything the shop's outputs can depend on
    shape: str = ""  # the same, except the catalog's facts about the products it picks
    products: dict[str, str] = field(default_factory=dict)  # SKU -> key of those facts, in pick order
    files: dict[str, FileEntry] = field(default_factory=dict)  # every output but pictures' copies
    links: Links = field(default_factory=dict)  # pictures' copies, by folder
    links_kept: bool = False  # the links are those recorded: their column is not written again

    def row(self, shop_id: str) -> ShopRow:
        """The shop's row of the state table, encoded (in a worker: the parent only stores it)."""
        shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        files = {}
        sizes = {}
        for path, e in sorted(self.files.items()):
            deps = shared.setdefault(tuple(e.deps.items()), e.deps)  # one object: marshal writes it once
            files[path] = (e.key, e.sha, e.size, deps) if e.cards is None else (e.key, e.sha, e.size, deps, e.cards)
            sizes[path] = e.size
        count = len(files) + sum(len(names) for names in self.links.values())
        # (a price change leaves a shop's ~800 copies as they were: their column stays as written)
        links = None if self.links_kept else marshal.dumps({folder: sorted(names) for folder, names in sorted(self.links.items()) if names})
        return (
            shop_id,
            self.fingerprint,
            self.shape,
            count,
            marshal.dumps(files),
            marshal.dumps(sizes),
            marshal.dumps(self.products),
            links,
        )


# id, fingerprint, shape, count, files, sizes, products, links (None: as recorded)
ShopRow = tuple[str, str, str, int, bytes, bytes, bytes, bytes | None]


@dataclass(frozen=True)
class ShopIndex:
    fingerprint: str
    shape: str
    count: int  # its files, pictures' copies included
    stamps: dict[str, Stamp | None] = field(default_factory=dict)  # each folder of copies' stamp (build/links.py)


class BuildState:
    """The state of one output folder: a small index in memory, per-file entries on demand."""

    def __init__(self, path: Path | None, index: dict[str, ShopIndex] | None = None) -> None:
        self.path = path
        self.index: dict[str, ShopIndex] = index or {}
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    @classmethod
    def empty(cls) -> BuildState:
        return cls(None)

    def _db(self) -> sqlite3.Connection:
        if self.path is None:
            raise sqlite3.OperationalError("no state file")
        if self._conn is None or self._pid != os.getpid():  # a forked worker opens its own
            self._conn = sqlite3.connect(self.path)
            self._pid = os.getpid()
        return self._conn

    def _columns(self, shop_id: str, *names: str) -> list[Any] | None:
        """The named columns of one shop's row, decoded (None when unknown or unreadable)."""
        if shop_id not in self.index or self.path is None:
            return None
        try:
            row = self._db().execute(f"SELECT {', '.join(names)} FROM shops WHERE id = ?", (shop_id,)).fetchone()
            return [marshal.loads(value) for value in row] if row else None
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return None

    def sizes(self, shop_id: str) -> dict[str, int]:
        """Path → size of every file but pictures' copies the shop's last build recorded (a
        small column, so a no-change build checks its pages with one stat each, without
        reading every entry)."""
        sizes = (self._columns(shop_id, "sizes") or [None])[0]
        return sizes if isinstance(sizes, dict) else {}

    def links(self, shop_id: str) -> Links:
        """The pictures' copies the shop's last build recorded, by folder (empty when unknown)."""
        links = (self._columns(shop_id, "links") or [None])[0]
        return links if isinstance(links, dict) else {}

    def files_and_products(self, shop_id: str) -> tuple[dict[str, FileEntry], dict[str, str]]:
        """The recorded outputs of one shop, and SKU → key of the catalog's facts for every
        product it showed (both empty when unknown or unreadable)."""
        return _entries(*(self._columns(shop_id, "files", "products") or ({}, {})))

    def sizes_files_and_products(self, shop_id: str) -> tuple[dict[str, int], dict[str, FileEntry], dict[str, str]]:
        """``sizes`` and ``files_and_products`` in one read, for a shop that is planned again."""
        sizes, files, products = self._columns(shop_id, "sizes", "files", "products") or ({}, {}, {})
        entries, keys = _entries(files, products)
        return (sizes, entries, keys) if isinstance(sizes, dict) and entries else ({}, {}, {})

    def forget(self) -> None:
        self.index.clear()


def _entries(files: Any, products: Any) -> tuple[dict[str, FileEntry], dict[str, str]]:
    """The decoded ``files`` and ``products`` columns of a shop's row (both empty when unreadable)."""
    if isinstance(files, dict) and isinstance(products, dict):
        try:
            return {str(p): FileEntry(*e) for p, e in files.items()}, products
        except TypeError:
            pass
    return {}, {}


def settings_key() -> str:
    """What invalidates every output at once: the generator version and the state format."""
    return f"{__version__}/{FORMAT}/{sys.implementation.cache_tag}"  # marshal's format is the interpreter's


SHOPS_TABLE = (
    "CREATE TABLE IF NOT EXISTS shops (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, shape TEXT NOT NULL,"
    " count INTEGER NOT NULL, files BLOB NOT NULL, sizes BLOB NOT NULL, products BLOB NOT NULL, links BLOB NOT NULL,"
    " stamps BLOB NOT NULL DEFAULT x'')"
)


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(SHOPS_TABLE)
    return conn


def load_state(path: Path) -> BuildState:
    if not path.is_file():
        return BuildState(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            if row is None or row[0] != settings_key():
                return BuildState(path)
            rows = conn.execute("SELECT id, fingerprint, shape, count, stamps FROM shops")
            index = {r[0]: ShopIndex(r[1], r[2], int(r[3]), _stamps(r[4])) for r in rows}
        finally:
            conn.close()
    except sqlite3.Error:
        path.unlink(missing_ok=True)  # corrupt: start again
        return BuildState(path)
    return BuildState(path, index)


def _stamps(blob: bytes) -> dict[str, Stamp | None]:
    try:
        stamps = marshal.loads(blob) if blob else {}
    except (ValueError, EOFError, TypeError):
        return {}  # unreadable: every folder is checked file by file
    return stamps if isinstance(stamps, dict) else {}


def save_state(path: Path, changed: Iterable[ShopRow], keep: set[str] | None, stamps: dict[str, dict[str, Stamp | None]] | None = None) -> None:
    """Record the shops that were planned again, then the folder stamps of ``stamps``' shops
    (taken once their files were committed); with ``keep``, forget every other shop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = _open(path)
    except sqlite3.DatabaseError:
        path.unlink(missing_ok=True)
        conn = _open(path)
    try:
        with conn:
            current = conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            if current is None or current[0] != settings_key():
                conn.execute("DROP TABLE shops")  # an older format may have other columns
                conn.execute(SHOPS_TABLE)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('settings', ?)", (settings_key(),))
            insert = "INSERT OR REPLACE INTO shops (id, fingerprint, shape, count, files, sizes, products, links) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            update = "UPDATE shops SET fingerprint = ?, shape = ?, count = ?, files = ?, sizes = ?, products = ? WHERE id = ?"
            for row in changed:  # one at a time, as they come from the spool: memory stays flat
                if row[7] is None:
                    conn.execute(update, (*row[1:7], row[0]))  # its copies' names stay as recorded
                else:
                    conn.execute(insert, row)
            if stamps:
                conn.executemany("UPDATE shops SET stamps = ? WHERE id = ?", [(marshal.dumps(s), shop_id) for shop_id, s in stamps.items()])
            if keep is not None:
                stale = [r[0] for r in conn.execute("SELECT id FROM shops") if r[0] not in keep]
                conn.executemany("DELETE FROM shops WHERE id = ?", [(s,) for s in stale])
    finally:
        conn.close()
