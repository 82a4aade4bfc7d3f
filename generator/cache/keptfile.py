"""The one store for everything builds keep: entries by key in one file of the project's cache
folder, plus a journal beside it, in an encoding chosen per store.

Every kept thing — parsed YAML documents, checked products and shops, the catalog's facts
about each product, rendered Markdown — is a dictionary from a key (a hash of what the entry
was made from) to a value. A run that adds a few entries (one product edited) appends them to
the journal instead of writing the whole file again; when the journal would hold more than a
tenth of the file, the file is written again, and then entries no run is using are dropped,
so the file never grows without bound. Every file and journal record carries a tag (the
code's fingerprint, :func:`folder.code_tag`): a file written by other code, a torn file or a
torn journal only means working things out again. The files are the project's own build
cache: not meant to be shared or published, only ever read by the code that wrote them.
"""

from __future__ import annotations

import marshal
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .folder import atomic_write


@dataclass(frozen=True)
class Codec:
    """How one store's records become bytes; a record is ``(tag, entries)``."""

    name: str

    def dumps(self, record: tuple[str, dict[str, Any]]) -> bytes:
        if self.name == "marshal":
            return marshal.dumps(record)
        return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)

    def load(self, fh: IO[bytes]) -> Any:
        if self.name == "marshal":
            return marshal.load(fh)
        return pickle.load(fh)  # only ever the files this code wrote, in the project's own cache folder


# pickle: any object (parsed documents, validated models). marshal: only built-in values, but
# the format of Python's own .pyc caches, read several times faster — for the big stores of
# plain strings and tuples (facts, Markdown).
PICKLE = Codec("pickle")
MARSHAL = Codec("marshal")

_READ_ERRORS = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError, KeyError, OSError)


class KeptFile:
    """Entries by key; those of a file whose tag is not ``tag`` are not read."""

    JOURNAL_SHARE = 0.1

    def __init__(self, path: Path | None, tag: str, *, codec: Codec = PICKLE, read: bool = True, index: bool = False) -> None:
        self.path = path
        self.index = index  # keep the keys beside the store too, for known_keys()
        self.tag = tag
        self.codec = codec
        self.read = read  # False: start empty (--force); what this run keeps still replaces the file
        self._entries: dict[str, Any] | None = None
        self._used: set[str] = set()
        self._new: set[str] = set()
        self._in_file = 0  # entries read from the file itself
        self._journaled = 0  # entries read from the journal
        self._torn = False  # the file or journal could not be read to its end: write one file again
        self._index: tuple[set[str], int, int] | None = None  # keys, in file, journaled (from the keys file)
        self._index_read = False
        self._pending: dict[str, Any] = {}  # put before the entries were read (the keys file said enough)

    @property
    def journal(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".journal")

    def entries(self) -> dict[str, Any]:
        """Everything kept, read on first use (a run that needs nothing never reads the file)."""
        if self._entries is None:
            self._entries = {}
            if self.path is not None and self.read and self.path.is_file():
                self._read_file(self.path)
            pending, self._pending = self._pending, {}
            for key, value in pending.items():
                self.put(key, value)
        return self._entries

    def _read_file(self, path: Path) -> None:
        assert self._entries is not None
        try:
            with path.open("rb") as fh:
                record = self.codec.load(fh)
        except _READ_ERRORS:
            self._torn = True
            return
        part = self._ours(record)
        if part is None:
            self._torn = True
            return
        self._entries.update(part)
        self._in_file = len(part)
        self._read_journal()

    def _read_journal(self) -> None:
        assert self._entries is not None
        try:
            with self.journal.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                while fh.tell() < size:
                    part = self._ours(self.codec.load(fh))
                    if part is None:
                        raise ValueError("not this store's journal record")
                    self._entries.update(part)
                    self._journaled += len(part)
        except FileNotFoundError:
            return
        except _READ_ERRORS:
            self._torn = True  # a torn append: what came before it stands; the next save writes one file

    def _ours(self, record: Any) -> dict[str, Any] | None:
        if isinstance(record, tuple) and len(record) == 2 and record[0] == self.tag and isinstance(record[1], dict):
            return record[1]
        return None

    @property
    def loaded(self) -> bool:
        """Whether the entries were read (or started empty)."""
        return self._entries is not None

    @property
    def keys_file(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".keys")

    def _stamp(self) -> tuple[int, ...]:
        """The store's file and journal as they are now: the keys file vouches only for these."""
        assert self.path is not None
        st = os.stat(self.path)
        try:
            journal = os.stat(self.journal).st_size
        except FileNotFoundError:
            journal = -1
        return (st.st_size, st.st_mtime_ns, st.st_ino, journal)

    def _read_index(self) -> tuple[set[str], int, int] | None:
        """The keys file, when it was written with the store as it is now: which keys are kept
        (and how many in the file and its journal) without reading any entry; else None."""
        if not self._index_read:
            self._index_read = True
            if self.path is not None and self.read and self.index:
                try:
                    with self.keys_file.open("rb") as fh:
                        record = marshal.load(fh)
                    if isinstance(record, tuple) and len(record) == 5 and record[0] == self.tag and record[1] == self._stamp():
                        self._index = (set(record[2]), int(record[3]), int(record[4]))
                except (OSError, EOFError, ValueError, TypeError):
                    self._index = None
        return self._index

    def known_keys(self) -> set[str] | None:
        """The keys kept, from the small keys file when the entries are not read yet (None when
        it cannot vouch for the store as it is)."""
        if self._entries is not None:
            return set(self._entries)
        index = self._read_index()
        return None if index is None else index[0] | self._pending.keys()

    def holds(self, key: str) -> bool | None:
        """Whether ``key`` is kept, from the keys file while the entries are not read yet;
        None once they are, or when the keys file cannot vouch for the store."""
        if self._entries is not None:
            return None
        if key in self._pending:
            return True
        index = self._read_index()
        return None if index is None else key in index[0]

    def _write_keys(self, keys: Iterable[str]) -> None:
        """The keys of the store as just saved, with the stamp of its files."""
        assert self.path is not None
        atomic_write(self.keys_file, marshal.dumps((self.tag, self._stamp(), sorted(keys), self._in_file, self._journaled)))

    def get(self, key: str) -> Any:
        """The entry at ``key`` (None if there is none); marks it used, so it is kept. A key the
        keys file does not list is not there: the entries are not read for it."""
        if self._entries is None:
            if key in self._pending:
                return self._pending[key]
            index = self._read_index()
            if index is not None and key not in index[0]:
                return None
        value = self.entries().get(key)
        if value is not None:
            self._used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        if self._entries is None and self._read_index() is not None:
            self._pending[key] = value  # added to the journal on save without reading the file
            self._used.add(key)
            return
        entries = self.entries()
        if entries.get(key) is not value:  # new, or made again: kept either way
            self._new.add(key)
        entries[key] = value
        self._used.add(key)

    def mark_used(self, keys: Iterable[str]) -> None:
        """Entries used elsewhere (another process): kept like those this one read."""
        self._used.update(keys)

    def save(self, limit: int | None = None) -> None:
        """Keep what this run added, if anything: appended to the journal when it is a little,
        else as the whole file again. A whole file keeps every entry while there are at most
        ``limit`` (None: none but those used), else only those this run used."""
        if self.path is None or not (self._new or self._pending):
            return
        if self._entries is not None or not self._append_pending(limit):
            self._save_entries(limit)

    def _append_pending(self, limit: int | None) -> bool:
        """What was put without reading the entries, appended to the journal as ``save`` would
        (false when the file must be written whole: the entries are then read)."""
        index = self._read_index()
        assert index is not None and self.path is not None
        keys, in_file, journaled = index
        fresh = {key: self._pending[key] for key in sorted(self._pending)}
        total = keys | fresh.keys()
        if not (in_file and journaled + len(fresh) <= self.JOURNAL_SHARE * in_file and (limit is None or len(total) <= limit)):
            return False
        with self.journal.open("ab") as fh:
            fh.write(self.codec.dumps((self.tag, fresh)))
        self._journaled = journaled + len(fresh)
        self._in_file = in_file
        self._index, self._pending = (total, in_file, self._journaled), {}
        self._write_keys(total)
        return True

    def _save_entries(self, limit: int | None) -> None:
        entries = self.entries()
        small = self._journaled + len(self._new) <= self.JOURNAL_SHARE * self._in_file
        if self.read and not self._torn and self._in_file and small and (limit is None or len(entries) <= limit):
            part = {key: entries[key] for key in sorted(self._new)}
            with self.journal.open("ab") as fh:
                fh.write(self.codec.dumps((self.tag, part)))
            self._journaled += len(part)
        else:
            assert self.path is not None
            if limit is None or len(entries) > limit:
                entries = {key: value for key, value in entries.items() if key in self._used}
            atomic_write(self.path, self.codec.dumps((self.tag, dict(sorted(entries.items())))))
            self.journal.unlink(missing_ok=True)
            self._in_file, self._journaled, self._torn = len(entries), 0, False
            self._entries = entries
        self._new.clear()
        if self.index:
            self._write_keys(self._entries or {})
