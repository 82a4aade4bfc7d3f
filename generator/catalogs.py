"""Gettext catalogs: every word a person reads, by domain, translated in ``.po`` files.

Each domain is one part of the program with its own catalog, so a translator sees the words of
one screen together: ``owner`` is the owner's own page, ``messages`` what the generator tells
her about her files and the operator at the command line (generator/messages.py). English
message ids are the en_US text, so only the other languages have a catalog
(``generator/locale/<lang>/LC_MESSAGES/<domain>.po``),
read with Babel as it is, with no compile step. ``python -m generator.catalogs`` extracts the ids
in use with Babel, adds new ones to each catalog (untranslated, for a translator to fill in),
drops ids no longer used, and exits 1 while any id has no translation; a test does the same.
"""

from __future__ import annotations

import gettext
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"
LANGUAGES = ("zh_CN",)  # en_US is the message ids themselves
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


@dataclass(frozen=True)
class Domain:
    """Where a domain's message ids are written (Babel's method map, relative to ``root``) and
    where its catalogs are kept."""

    name: str
    root: Path
    methods: list[tuple[str, str]]
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    locale_dir: Path = LOCALE_DIR
    keywords: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_KEYWORDS)

    def catalog_path(self, language: str) -> Path:
        return self.locale_dir / language / "LC_MESSAGES" / f"{self.name}.po"


DOMAINS: dict[str, Domain] = {
    "owner": Domain(
        "owner",
        HERE / "hook",
        [("templates/owner/**.html", "jinja2.ext:babel_extract"), ("ownerview.py", "python")],
        {"templates/owner/**.html": JINJA_OPTIONS},
    ),
    # What the generator tells the owner about her files and the operator at the command line
    # (generator/messages.py: msg() and msgs() mark the ids).
    "messages": Domain(
        "messages",
        HERE,
        [
            ("content/scaffold.py", "ignore"),
            ("pages/i18n.py", "ignore"),
            ("*.py", "python"),
            ("content/**.py", "python"),
            ("build/**.py", "python"),
            ("cli/**.py", "python"),
            ("pages/**.py", "python"),
        ],
        keywords={"msg": None, "msgs": (1, 2)},
    ),
}


class Words(gettext.NullTranslations):
    """One language's translations of one domain; an id without one is shown as written."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


def language_of(locale: str) -> str:
    """The catalog a locale reads: every Chinese locale reads zh_CN; every other, the English ids."""
    try:
        return "zh_CN" if Locale.parse(locale).language == "zh" else "en_US"
    except (ValueError, TypeError):
        return "en_US"


def read(domain: Domain, language: str) -> Catalog:
    path = domain.catalog_path(language)
    if not path.is_file():
        return Catalog(locale=language, domain=domain.name)
    with path.open("rb") as f:
        return read_po(f, locale=language, domain=domain.name)


@lru_cache(maxsize=64)
def translations(domain: str, locale: str) -> Words:
    """The words of ``domain`` in ``locale``'s language."""
    language = language_of(locale)
    if language == "en_US":
        return Words({})
    catalog = read(DOMAINS[domain], language)
    return Words({str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string})


def message_ids(domain: Domain) -> list[str]:
    """Every id the domain's sources use, in the order they are first met."""
    out: list[str] = []
    found = extract_from_dir(str(domain.root), method_map=domain.methods, options_map=domain.options, keywords=domain.keywords)
    for _file, _line, message, _comments, _context in found:
        for text in message if isinstance(message, tuple) else (message,):
            if isinstance(text, str) and text and text not in out:
                out.append(text)
    return out


def update(domain: Domain, language: str) -> list[str]:
    """Bring one catalog in line with the ids in use; returns the ids it lacks a translation for."""
    old = read(domain, language)
    new = Catalog(locale=language, domain=domain.name, project="Shopforest", fuzzy=False, creation_date=old.creation_date)
    for message in message_ids(domain):
        found = old.get(message)
        new.add(message, str(found.string) if found and found.string else "")
    path = domain.catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, new, width=0, omit_header=False, no_location=True)
    return [str(m.id) for m in new if m.id and not m.string]


def main() -> int:
    missing = 0
    for domain in DOMAINS.values():
        for language in LANGUAGES:
            for message in update(domain, language):
                print(f"{domain.catalog_path(language)}: no translation for {message!r}", file=sys.stderr)
                missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
