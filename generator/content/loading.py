"""What every part of loading shares: the mistakes found so far, the warnings, and the one rule
for the images a text or a field may name.

Loading is split by whose files it reads — the platform's catalog (catalog.py) and the owners'
folders (shops.py) — and both report through the :class:`Loader` here, so one run gathers every
mistake of the project before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name

from ..cache.keptfile import KeptFile
from ..errors import Diagnostics
from . import marktext, media
from .sources import Document, ParseCache

CATALOG = "catalog.yaml"


def locale_ok(name: str) -> bool:
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def currency_ok(code: str) -> bool:
    return get_currency_name(code, locale="en") != code


class Loader:
    def __init__(self, root: Path, cache: ParseCache | None = None, kept: KeptFile | None = None) -> None:
        self.root = root
        self.cache = cache
        self.kept = kept  # products and shops an earlier build loaded without a mistake (resolved.py)
        self.diags = Diagnostics()
        self.warnings: list[str] = []
        self.invalid_skus: set[str] = set()
        self.product_files: dict[str, tuple[media.Stamp, ...]] = {}
        self.product_warnings: dict[str, tuple[str, ...]] = {}
        self.inspected: dict[tuple[str, str], media.Stamp | str] = {}  # many products show one picture
        self.checked: list[media.Stamp] = []  # files the checks passed: a kept unit needs them unchanged
        self.context = ""

    def local_path_problem(self, base: Path, ref: str) -> str | None:
        """Why the image ``ref`` under ``base`` may not be published (the one rule of check and
        build, media.py), or None; a good file is stamped for kept units (resolved.py)."""
        key = (str(base), ref)
        seen = self.inspected.get(key)
        if seen is None:
            try:
                seen = self.inspected[key] = media.inspect(key[0], ref, owner=base != self.root)
            except media.MediaError as exc:
                seen = self.inspected[key] = str(exc)
        if isinstance(seen, str):
            return seen
        self.checked.append(seen)
        return None

    def small_picture(self, doc: Document, loc: tuple[Any, ...], base: Path, ref: str, shown: int, what: str) -> None:
        """A warning when the checked raster picture ``ref`` is narrower than pages show it."""
        seen = self.inspected.get((str(base), ref))
        if isinstance(seen, media.Stamp) and 0 < seen.width < shown:
            line, col = doc.at(loc)
            self.warnings.append(
                f"{doc.path}:{line}:{col}: warning: '{ref}' is {seen.width}×{seen.height} pixels; {what} is shown up to"
                f" {shown} pixels wide, so it will look blurred: use a picture at least {shown} pixels wide"
            )

    def add(self, doc: Document, loc: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        line, col = doc.at(loc, key=key)
        self.diags.add(doc.path, line, col, message)

    def items(self, doc: Document, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(doc, (key,), f"{key}: expected a list, got {type(value).__name__}")
            return []
        return value

    def markdown_limits(self, doc: Document, loc: tuple[Any, ...], text: str, what: str) -> None:
        """The size and nesting limits of a Markdown text in YAML, reported where the text starts."""
        for _, message in marktext.limit_problems(text, what):
            self.add(doc, loc, message)

    def markdown_images(self, doc: Document, loc: tuple[Any, ...], text: str, base: Path) -> None:
        for ref in marktext.local_image_refs(text):
            problem = self.local_path_problem(base, ref)
            if problem:
                self.add(doc, loc, problem)
