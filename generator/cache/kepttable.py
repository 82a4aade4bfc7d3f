"""A store of many small entries read one at a time: an SQLite table of marshal-encoded values.

The catalog's facts about each product and the rendered Markdown of every text are tens of
thousands of entries, of which a build that renders one shop reads a hundred: a whole-file
store (keptfile.py) would read all of them first. Here each entry is looked up by its key;
what a run adds is written in one transaction at its end. Like every store, the table carries
the code's tag (a table written by other code is emptied when written, and read as empty), and
a file that is not a database, or is torn, only means working things out again.

A connection belongs to the process that opened it: a forked worker opens its own on first
use (SQLite's rule: never use a connection across ``fork``).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

_MANY = 500  # keys in one lookup: under SQLite's limit of host parameters (999 in old builds)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (tag TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
)


class KeptTable:
    """Entries by key, each read when asked for; those of a table whose tag is not ``tag`` are not read."""

    def __init__(self, path: Path | None, tag: str, *, read: bool = True) -> None:
        self.path = path
        self.tag = tag
        self.read = read  # False: read as empty (--force); what this run keeps replaces the table
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._ours: bool | None = None  # whether the table's tag is ours (None: not looked yet)
        self._pending: dict[str, Any] = {}
        self._used: set[str] = set()
        self._absent = 0  # the process that found no file

    loaded = False  # (as a whole-file store's: nothing is ever read whole)

    def _db(self) -> sqlite3.Connection | None:
        """This process's connection, opened on first use; None when there is no usable file."""
        if self.path is None:
            return None
        if self._conn is not None and self._pid != os.getpid():
            self._conn, self._ours = None, None  # the parent's: left alone, never closed here
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # (one build uses it from one thread at a time; the dev server builds in another)
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA synchronous=OFF")  # a cache: a torn table is worked out again
                conn.execute("PRAGMA mmap_size=1073741824")  # pages read from the mapping: a read call each was half of a lookup's time
                for statement in _SCHEMA:
                    conn.execute(statement)
            except sqlite3.Error:
                return None
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _readable(self) -> sqlite3.Connection | None:
        """The connection when the table may be read and holds this code's entries."""
        if not self.read or self.path is None:
            return None
        if self._conn is None or self._pid != os.getpid():
            if self._absent == os.getpid():
                return None
            if not self.path.exists():  # nothing kept yet: looked for once a process, and no file made by a reader
                self._absent = os.getpid()
                return None
        conn = self._db()
        if conn is None:
            return None
        if self._ours is None:
            try:
                row = conn.execute("SELECT tag FROM meta").fetchone()
            except sqlite3.Error:
                row = None
            self._ours = row is not None and row[0] == self.tag
        return conn if self._ours else None

    def close(self) -> None:
        """Close this process's connection (before forking: each worker opens its own)."""
        if self._conn is not None and self._pid == os.getpid():
            with suppress(sqlite3.Error):
                self._conn.close()
        self._conn, self._ours = None, None

    def get(self, key: str) -> Any:
        """The entry at ``key`` (None if there is none); marks it used, so it is kept."""
        value = self._pending.get(key)
        if value is None:
            conn = self._readable()
            if conn is None:
                return None
            try:
                row = conn.execute("SELECT value FROM kept WHERE key = ?", (key,)).fetchone()
                value = None if row is None else marshal.loads(row[0])
            except (sqlite3.Error, EOFError, ValueError, TypeError):
                return None
        if value is not None:
            self._used.add(key)
        return value

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The entries at ``keys`` that are kept, by key, read in a few statements rather than
        one each (a shop's fifty products' facts: a lookup's statement cost more than its row);
        marks them used, as ``get`` does."""
        found: dict[str, Any] = {}
        wanted: list[str] = []
        for key in dict.fromkeys(keys):
            value = self._pending.get(key)
            if value is None:
                wanted.append(key)
            else:
                found[key] = value
        conn = self._readable() if wanted else None
        if conn is not None:
            for start in range(0, len(wanted), _MANY):
                chunk = wanted[start : start + _MANY]
                marks = ",".join("?" * len(chunk))
                try:
                    rows = conn.execute(f"SELECT key, value FROM kept WHERE key IN ({marks})", chunk).fetchall()
                    found.update((key, marshal.loads(value)) for key, value in rows)
                except (sqlite3.Error, EOFError, ValueError, TypeError):
                    continue  # (read one by one later, or worked out again)
        self._used.update(found)
        return found

    def known_keys(self) -> set[str]:
        """Every key kept, without reading any entry."""
        keys = set(self._pending)
        conn = self._readable()
        if conn is not None:
            with suppress(sqlite3.Error):
                keys.update(key for (key,) in conn.execute("SELECT key FROM kept"))
        return keys

    def entries(self) -> dict[str, Any]:
        """Everything kept (for tests and tools: a build reads entries one at a time)."""
        found: dict[str, Any] = {}
        conn = self._readable()
        if conn is not None:
            with suppress(sqlite3.Error, EOFError, ValueError, TypeError):
                found.update((key, marshal.loads(value)) for key, value in conn.execute("SELECT key, value FROM kept"))
        found.update(self._pending)
        return found

    def put(self, key: str, value: Any) -> None:
        self._pending[key] = value
        self._used.add(key)

    def mark_used(self, keys: Iterable[str]) -> None:
        """Entries used elsewhere (another process): kept like those this one read."""
        self._used.update(keys)

    def save(self, limit: int | None = None) -> None:
        """Write what this run added, in one transaction. Past ``limit`` entries (None: no
        limit), only those this run used are kept. A table of other code, or one this run was
        not to read (--force), is made anew: nothing of it is left in the file."""
        if self.path is None or not self._pending:
            return
        for attempt in range(2):
            conn = self._db()
            if conn is not None:
                try:
                    row = conn.execute("SELECT tag FROM meta").fetchone()
                    if row is None or (row[0] == self.tag and (self.read or attempt)):
                        self._write(conn, limit)
                        self._pending.clear()
                        return
                except sqlite3.Error as exc:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    if "locked" in str(exc) or "busy" in str(exc):
                        return  # another build writing it: what this one made is worked out again next time
            self.close()
            if attempt == 0:  # another's, not a database, or torn: made anew
                for path in (self.path, self.path.with_name(self.path.name + "-journal")):
                    with suppress(FileNotFoundError):
                        path.unlink()

    def _write(self, conn: sqlite3.Connection, limit: int | None) -> None:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT tag FROM meta").fetchone() is None:
            conn.execute("INSERT INTO meta (tag) VALUES (?)", (self.tag,))
        conn.executemany("INSERT OR REPLACE INTO kept (key, value) VALUES (?, ?)", ((k, marshal.dumps(v)) for k, v in sorted(self._pending.items())))
        if limit is not None and conn.execute("SELECT count(*) FROM kept").fetchone()[0] > limit:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY) WITHOUT ROWID")
            conn.execute("DELETE FROM used")
            conn.executemany("INSERT OR IGNORE INTO used (key) VALUES (?)", ((k,) for k in self._used))
            conn.execute("DELETE FROM kept WHERE key NOT IN (SELECT key FROM used)")
        conn.execute("COMMIT")
        self._ours, self._absent = True, 0
