"""The catalog's facts about each product, as shops in one locale show them (``views.product_facts``:
formatted prices, rendered description, images), kept between builds.

A price change touches one product, yet every shop that shows the changed product shows fifty
others on its home page, and each worker process used to work out those fifty products' facts
again (Babel's money formatting and the description's summary are most of it). Kept in
``.shopforest/facts-<interpreter>.marshal`` (marshal: Python's own ``.pyc`` format, read in
milliseconds), keyed by the product's key, the locale and the currency, and tagged with the
generator's code, so a code change starts afresh. A missing or unreadable file only means
working them out again.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any

from .state import atomic_dump

STORE_NAME = f"facts-{sys.implementation.cache_tag}.marshal"


def facts_key(product_key: str, locale: str, currency: str) -> str:
    return hashlib.sha256(f"{product_key}\0{locale}\0{currency}".encode()).hexdigest()[:32]


class FactsStore:
    def __init__(self, path: Path, code: str) -> None:
        self.path = path
        self.code = code

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            data = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if not isinstance(data, dict) or data.get("code") != self.code or not isinstance(data.get("facts"), dict):
            return {}
        return data["facts"]  # type: ignore[no-any-return]

    def save(self, facts: dict[str, dict[str, Any]], used: set[str], limit: int) -> None:
        """Keep ``facts``; once they are more than ``limit`` (twice what the whole platform
        shows: old prices pile up), only what this build used."""
        if len(facts) > limit:
            facts = {key: value for key, value in facts.items() if key in used}
        atomic_dump(self.path, marshal.dumps({"code": self.code, "facts": facts}))
