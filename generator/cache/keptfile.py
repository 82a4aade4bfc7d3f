"""A dictionary kept between builds in one pickle file in the project's cache folder, plus a journal.

A run that adds a few entries (one product edited) appends them to a journal beside the file
instead of writing the whole file again; when the journal would hold more than a tenth of
what the run used, the file is rewritten with only what the run used, so it never grows
without bound. A torn or unreadable file or journal only means working things out again.
The file is the project's own build cache, like the rest of the cache folder: it is not
meant to be shared or published, and it is only ever read by the code that wrote it.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from .folder import atomic_write

_UNPICKLING_ERRORS = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError, KeyError)


class KeptFile:
    """Entries by key; ``tag`` (the code that made them) must match, or the file is ignored."""

    JOURNAL_SHARE = 0.1

    def __init__(self, path: Path | None, tag: str, *, read: bool = True) -> None:
        self.path = path
        self.tag = tag
        self.read = read  # False: start empty (--force), what this run keeps still replaces the file
        self._entries: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._journaled = 0
        self._torn = False

    @property
    def journal(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".journal")

    def entries(self) -> dict[str, Any]:
        """Everything kept, read on first use (a run that needs nothing never reads the file)."""
        if self._entries is None:
            self._entries = {}
            if self.path is not None and self.read and self.path.is_file():
                try:
                    with self.path.open("rb") as fh:
                        tag, data = pickle.load(fh)
                    if tag == self.tag and isinstance(data, dict):
                        self._entries = data
                        self._read_journal()
                    else:
                        self._torn = True
                except (*_UNPICKLING_ERRORS, OSError):
                    self._torn = True
        return self._entries

    def _read_journal(self) -> None:
        assert self._entries is not None
        try:
            with self.journal.open("rb") as fh:
                while True:
                    part = pickle.load(fh)
                    if not isinstance(part, dict):
                        raise ValueError("not a journal entry")
                    self._entries.update(part)
                    self._journaled += len(part)
        except FileNotFoundError:
            return
        except EOFError:
            return  # the end
        except (*_UNPICKLING_ERRORS, OSError):
            self._torn = True  # rewrite the file on the next save

    def get(self, key: str) -> Any:
        """The entry at ``key`` (None if there is none); marks it used, so it is kept."""
        value = self.entries().get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value

    def save(self) -> None:
        """Keep what this run used, if anything was new: appended to the journal when it is a
        little, else as the whole file again (dropping entries no longer used)."""
        if self.path is None or not self._used:
            return
        known = self.entries()
        new = {k: v for k, v in self._used.items() if k not in known}
        if not new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.read and not self._torn and known and self._journaled + len(new) <= self.JOURNAL_SHARE * len(self._used):
            with self.journal.open("ab") as fh:
                pickle.dump(new, fh, protocol=pickle.HIGHEST_PROTOCOL)
            return
        atomic_write(self.path, pickle.dumps((self.tag, self._used), protocol=pickle.HIGHEST_PROTOCOL))
        self.journal.unlink(missing_ok=True)
