"""The owner's page's message ids, extracted with Babel from its templates and ownerview.py, and
the catalogs that translate them. ``python -m generator.hook.ownerwords`` adds new ids to each
catalog (untranslated, for a translator to fill in) and drops ids no longer used; a test fails
while any id has no zh_CN translation."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .ownerview import catalog_path

HERE = Path(__file__).parent
LANGUAGES = ("zh_CN",)  # en_US is the message ids themselves
METHODS = [("templates/owner/**.html", "jinja2.ext:babel_extract"), ("ownerview.py", "python")]
OPTIONS = {"templates/owner/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}


def message_ids() -> list[str]:
    out: list[str] = []
    for _file, _line, message, _comments, _context in extract_from_dir(str(HERE), method_map=METHODS, options_map=OPTIONS):
        if isinstance(message, str) and message not in out:
            out.append(message)
    return out


def read(language: str) -> Catalog:
    path = catalog_path(language)
    if not path.is_file():
        return Catalog(locale=language, domain="owner")
    with path.open("rb") as f:
        return read_po(f, locale=language, domain="owner")


def update(language: str) -> list[str]:
    """Bring one catalog in line with the ids in use; returns the ids it lacks a translation for."""
    old = read(language)
    new = Catalog(locale=language, domain="owner", project="Shopforest", fuzzy=False, creation_date=old.creation_date)
    for message in message_ids():
        found = old.get(message)
        new.add(message, str(found.string) if found and found.string else "")
    path = catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, new, width=0, omit_header=False, no_location=True)
    return [str(m.id) for m in new if m.id and not m.string]


if __name__ == "__main__":
    missing = {language: update(language) for language in LANGUAGES}
    for language, ids in missing.items():
        for message in ids:
            print(f"{catalog_path(language)}: no translation for {message!r}", file=sys.stderr)
    sys.exit(1 if any(missing.values()) else 0)
