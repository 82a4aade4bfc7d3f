"""Gettext catalogs: every word a person reads, by domain, translated in ``.po`` files.

Each domain is one part of the program with its own catalog, so a translator sees the words of
one screen together: ``owner`` is the owner's own page, ``theme`` the shop pages' words (kept in
the theme's own folder, ``themes/default/locale/``), ``hook`` the checkout's refusals,
``scaffold`` what ``shopforest new`` writes and ``messages`` what the generator tells her about
her files and the operator at the command line (generator/messages.py). English message ids are the en_US text,
so only the other languages have a catalog (``generator/locale/<lang>/LC_MESSAGES/<domain>.po``),
read with Babel as it is, with no compile step. ``python -m generator.catalogs`` extracts the ids
in use with Babel, adds new ones to each catalog (untranslated, for a translator to fill in),
drops ids no longer used, and exits 1 while any id has no translation; a test does the same.
``python -m generator.catalogs themes/pink`` does the same for a theme of one's own.
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"
LANGUAGES = ("zh_CN",)  # en_US is the message ids themselves
_OWN_LANGUAGES = frozenset({*LANGUAGES, "en_US"})  # each the language it reads
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
    # more folders whose files use the domain's words: (root, method map), e.g. the Python that
    # names the pages the theme's templates print
    more: tuple[tuple[Path, list[tuple[str, str]]], ...] = ()
    keywords: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_KEYWORDS)
    # False: a call naming two ids (``msgs(one, many, n)``) gives two plain ids, each translated
    # whole, rather than one plural entry
    plurals: bool = True
    # True: a compiled ``.mo`` is kept beside the ``.po``, for a library that reads its words
    # through the standard library's gettext (click)
    compiled: bool = False

    def catalog_path(self, language: str) -> Path:
        return self.locale_dir / language / "LC_MESSAGES" / f"{self.name}.po"


THEME_OPTIONS = {**JINJA_OPTIONS, "newstyle_gettext": "true"}
DEFAULT_THEME = HERE.parent / "themes" / "default"


def theme_domain(folder: Path) -> Domain:
    """A theme's words: its templates', in its own ``locale/`` folder (Hugo's theme ``i18n/``)."""
    methods = [("templates/**.html", "jinja2.ext:babel_extract"), ("templates/**.xml", "jinja2.ext:babel_extract")]
    return Domain("theme", folder, methods, {pattern: THEME_OPTIONS for pattern, _ in methods}, locale_dir=folder / "locale")


DOMAINS: dict[str, Domain] = {
    "owner": Domain(
        "owner",
        HERE / "hook",
        [("templates/owner/**.html", "jinja2.ext:babel_extract"), ("ownerview.py", "python")],
        {"templates/owner/**.html": JINJA_OPTIONS},
    ),
    "theme": replace(theme_domain(DEFAULT_THEME), more=((HERE / "pages", [("*.py", "python")]),)),
    "hook": Domain("hook", HERE / "hook", [("messages.py", "python")]),
    "scaffold": Domain("scaffold", HERE / "content", [("scaffold.py", "python")]),
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
        plurals=False,
    ),
    # Click's own words (usage, its errors, --help): click looks them up with the standard
    # library's gettext, in the domain generator/cli binds to the compiled catalog.
    "click": Domain("click", Path(click.__file__).parent, [("*.py", "python")], keywords={"_": None, "ngettext": (1, 2)}, compiled=True),
}


Id = str | tuple[str, str]  # a message id, or a plural's (singular, plural)
Key = tuple[str | None, Id]  # (context, id) as Babel extracts it


def _english_plural(n: int) -> int:
    return int(n != 1)


class Words(gettext.NullTranslations):
    """One language's translations of one domain; an id without one is shown as written.

    ``messages`` maps an id to its translation (an id with a context is keyed
    ``context\x04id``, as GNU gettext keys it; a plural by its singular, to its first form);
    ``plurals`` holds every form of a plural, chosen by ``plural(n)``."""

    def __init__(
        self,
        messages: Mapping[str, str],
        plurals: Mapping[str, tuple[str, ...]] | None = None,
        plural: Callable[[int], int] = _english_plural,
    ) -> None:
        super().__init__()
        self.messages = messages
        self.plurals = plurals or {}
        self.plural = plural

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._plural(msgid1, msgid1, msgid2, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.messages.get(f"{context}\x04{message}") or message

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self._plural(f"{context}\x04{msgid1}", msgid1, msgid2, n)

    def _plural(self, key: str, msgid1: str, msgid2: str, n: int) -> str:
        forms = self.plurals.get(key)
        if forms:
            text = forms[min(self.plural(n), len(forms) - 1)]
            if text:
                return text
        return msgid1 if n == 1 else msgid2


def key_text(context: str | None, message: str | Sequence[str]) -> str:
    """How ``Words.messages`` keys a message."""
    first = message if isinstance(message, str) else message[0]
    return f"{context}\x04{first}" if context else first


def words_of(catalogs: Sequence[Catalog]) -> Words:
    """The translations of ``catalogs``: of two that translate an id, the first wins (a theme over its parents)."""
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for catalog in reversed(catalogs):
        for m in catalog:
            if not m.id or not m.string:
                continue
            key = key_text(m.context, m.id)
            if isinstance(m.string, str):
                messages[key] = m.string
            elif all(m.string):
                plurals[key] = tuple(m.string)
                messages[key] = m.string[0]
    plural = gettext.c2py(catalogs[0].plural_expr) if catalogs else _english_plural
    return Words(messages, plurals, plural)


@lru_cache(maxsize=256)
def language_of(locale: str) -> str:
    """The catalog a locale reads: every Chinese locale reads zh_CN; every other, the English ids."""
    if locale in _OWN_LANGUAGES:  # Babel's parse reads its locale data (a tenth of a second): only for others
        return locale
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
    return words_of([read(DOMAINS[domain], language)])


def extracted(domain: Domain) -> list[Key]:
    """Every message the domain's sources use, with its context, in the order they are first met."""
    out: dict[Key, None] = {}
    for root, methods in ((domain.root, domain.methods), *domain.more):
        found = extract_from_dir(str(root), method_map=methods, options_map=domain.options, keywords=domain.keywords)
        for _file, _line, message, _comments, context in found:
            if isinstance(message, str) and message:
                out.setdefault((context, message), None)
            elif isinstance(message, tuple) and not domain.plurals:
                for text in message:
                    if isinstance(text, str) and text:
                        out.setdefault((context, text), None)
            elif isinstance(message, tuple) and len(message) >= 2 and message[0] and message[1]:
                out.setdefault((context, (str(message[0]), str(message[1]))), None)
    return list(out)


def message_ids(domain: Domain) -> list[str]:
    """Every id the domain's sources use, keyed as ``Words.messages`` keys it."""
    return [key_text(context, message) for context, message in extracted(domain)]


def update(domain: Domain, language: str) -> list[str]:
    """Bring one catalog in line with the ids in use; returns the ids it lacks a translation for."""
    old = read(domain, language)
    new = Catalog(locale=language, domain=domain.name, project="Shopforest", fuzzy=False, creation_date=old.creation_date)
    for context, message in extracted(domain):
        found = old.get(message, context=context)
        string: str | tuple[str, ...]
        if isinstance(message, str):
            string = str(found.string) if found and isinstance(found.string, str) else ""
        else:
            forms = tuple(found.string) if found and isinstance(found.string, tuple | list) else ()
            string = tuple(str(forms[i]) if i < len(forms) else "" for i in range(new.num_plurals))
        new.add(message, string, context=context)
    path = domain.catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, new, width=0, omit_header=False, no_location=True)
    if domain.compiled:
        path.with_suffix(".mo").write_bytes(compiled(new))
    return [key_text(m.context, m.id) for m in new if m.id and not (m.string if isinstance(m.string, str) else m.string and all(m.string))]


def compiled(catalog: Catalog) -> bytes:
    """The catalog as gettext's binary ``.mo`` (translated entries only)."""
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main(argv: Sequence[str] = ()) -> int:
    """Update every domain's catalogs; with theme folders as arguments, those themes' instead."""
    missing = 0
    for domain in [theme_domain(Path(folder)) for folder in argv] or list(DOMAINS.values()):
        for language in LANGUAGES:
            for message in update(domain, language):
                print(f"{domain.catalog_path(language)}: no translation for {message!r}", file=sys.stderr)
                missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
