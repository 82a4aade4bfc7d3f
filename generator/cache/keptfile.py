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

    def __init__(self, path: Path | None, tag: str, *, codec: Codec = PICKLE, read: bool = True) -> None:
        self.path = path
        self.tag = tag
        self.codec = codec
        self.read = read  # False: start empty (--force); what this run keeps still replaces the file
        self._entries: dict[str, Any] | None = None
        self._used: set[str] = set()
        self._new: set[str] = set()
        self._in_file = 0  # entries read from the file itself
        self._journaled = 0  # entries read from the journal
        self._torn = False  # the file or journal could not be read to its end: write one file again

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

    def get(self, key: str) -> Any:
        """The entry at ``key`` (None if there is none); marks it used, so it is kept."""
        value = self.entries().get(key)
        if value is not None:
            self._used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        entries = self.entries()
        if key not in entries:
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
        if self.path is None or not self._new:
            return
        entries = self.entries()
        small = self._journaled + len(self._new) <= self.JOURNAL_SHARE * self._in_file
        if self.read and not self._torn and self._in_file and small and (limit is None or len(entries) <= limit):
            part = {key: entries[key] for key in sorted(self._new)}
            with self.journal.open("ab") as fh:
                fh.write(self.codec.dumps((self.tag, part)))
            self._journaled += len(part)
        else:
            if limit is None or len(entries) > limit:
                entries = {key: value for key, value in entries.items() if key in self._used}
            atomic_write(self.path, self.codec.dumps((self.tag, dict(sorted(entries.items())))))
            self.journal.unlink(missing_ok=True)
            self._in_file, self._journaled, self._torn = len(entries), 0, False
        self._new.clear()
