"""The catalog's facts about each product, as shops in one locale show them (``views.product_facts``:
formatted prices, rendered description, images), kept between builds.

A price change touches one product, yet every shop that shows the changed product shows fifty
others on its home page, and each worker process would work out those fifty products' facts
again (Babel's money formatting and the description's summary are most of it). Kept in
the cache folder's facts file (marshal: Python's own ``.pyc`` format, read in
milliseconds), keyed by the product's key, the locale and the currency, and tagged with
``folder.code_tag``, so a change of the code or of Babel starts afresh. A missing or unreadable file only means
working them out again. Each product's pieces of ``products.json`` (``views.item_pieces``)
are kept here too, under the locale ``views.ITEMS``.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

from .folder import atomic_write


def facts_key(product_key: str, locale: str, currency: str) -> str:
    return hashlib.sha256(f"{product_key}\0{locale}\0{currency}".encode()).hexdigest()[:32]


class FactsStore:
    """The file, plus a journal beside it: a build that worked out a few products' facts (one
    price changed) appends them instead of writing the whole file again; once the journal
    holds a tenth of the file's entries, the next save writes one file again."""

    JOURNAL_SHARE = 0.1

    def __init__(self, path: Path, code: str) -> None:
        self.path = path
        self.journal = path.with_name(path.name + ".journal")
        self.code = code
        self._loaded = 0  # entries in the file
        self._journaled = -1  # entries in the journal; -1: unreadable, write one file again

    def load(self) -> dict[str, Any]:
        facts = self._read(self.path)
        if facts is None:
            return {}
        self._loaded = len(facts)
        try:
            with self.journal.open("rb") as fh:
                size, journaled = os.fstat(fh.fileno()).st_size, 0
                while fh.tell() < size:
                    part = marshal.load(fh)
                    if not self._ours(part):
                        return facts
                    facts.update(part["facts"])
                    journaled += len(part["facts"])
                self._journaled = journaled
        except FileNotFoundError:
            self._journaled = 0
        except (OSError, ValueError, EOFError, TypeError):
            pass  # a torn append: what came before it stands
        return facts

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return dict(data["facts"]) if self._ours(data) else None

    def _ours(self, data: Any) -> bool:
        return isinstance(data, dict) and data.get("code") == self.code and isinstance(data.get("facts"), dict)

    def save(self, facts: dict[str, Any], new: set[str], used: set[str], limit: int) -> None:
        """Keep ``facts``, of which ``new`` were worked out by this build; once they are more
        than ``limit`` (twice what the whole platform shows: old prices pile up), only what
        this build used."""
        if self._journaled >= 0 and self._loaded and len(facts) <= limit and self._journaled + len(new) <= self.JOURNAL_SHARE * self._loaded:
            with self.journal.open("ab") as fh:
                fh.write(marshal.dumps({"code": self.code, "facts": {key: facts[key] for key in sorted(new)}}))
            return
        if len(facts) > limit:
            facts = {key: value for key, value in facts.items() if key in used}
        atomic_write(self.path, marshal.dumps({"code": self.code, "facts": facts}))
        self.journal.unlink(missing_ok=True)
