"""What every part of loading shares: the mistakes found so far, the warnings, and the one rule
for the images a text or a field may name.

Loading is split by whose files it reads — the platform's catalog (catalog.py) and the owners'
folders (shops.py) — and both report through the :class:`Loader` here, so one run gathers every
mistake of the project before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name

from ..cache.keptfile import KeptFile
from ..errors import Diagnostic, Diagnostics
from ..messages import msg
from . import marktext, media
from .ids import LOCALES
from .sources import Document, ParseCache
from .suggest import Names, did_you_mean, folded

CATALOG = "catalog.yaml"
# A product's status, in the words of a warning about a pick with it.
STATUS_WORDS = {"sold_out": msg("sold out"), "discontinued": msg("discontinued"), "recalled": msg("recalled"), "active": msg("on sale")}


def kind_of(value: Any) -> str:
    """What a YAML value is, in the reader's words ("text", "a list"...), for a type error.

    Here rather than beside pydantic's errors: loading needs it, and a build that checks
    nothing must not import pydantic (about 0.1 s of start-up)."""
    if value is None:
        return msg("nothing")
    if isinstance(value, bool):
        return msg("true/false")
    if isinstance(value, int):
        return msg("a whole number")
    if isinstance(value, str):
        return msg("text")
    if isinstance(value, list):
        return msg("a list")
    if isinstance(value, dict):
        return msg("a group of 'key: value' lines")
    return msg("a number")


def locale_problem(name: str) -> str | None:
    """Why a shop cannot be shown in locale ``name`` (with the one she likely meant), or None."""
    if name in LOCALES:
        return None
    supported = ", ".join(LOCALES)
    guess = locale_guess(name)
    if guess is not None:
        return msg("locale '{name}' is not supported: did you mean '{guess}'? (supported: {supported})", name=name, guess=guess, supported=supported)
    return msg("locale '{name}' is not supported: write one of {supported}", name=name, supported=supported)


_WORDS = {"简体中文": "zh_CN", "简体": "zh_CN", "汉语": "zh_CN", "普通话": "zh_CN", "英文": "en_US"}


def locale_guess(name: str) -> str | None:
    """The supported locale ``name`` most likely means: ``zh-CN``, ``zh_cn``, ``cn``, ``zh``,
    ``zh_Hans_CN``, ``Chinese`` and ``中文`` all mean zh_CN."""
    aliases = {folded(alias): supported for alias, supported in _WORDS.items()}
    for supported in LOCALES:
        locale = Locale.parse(supported)
        for alias in (supported, locale.language, locale.territory or "", locale.english_name or "", locale.display_name or ""):
            if alias:
                aliases.setdefault(folded(alias), supported)
        for other in ("en", *LOCALES):  # the language's name in each language shops are in
            aliases.setdefault(folded(Locale.parse(other).languages.get(locale.language, "")), supported)
    key = folded(name)
    if key in aliases:
        return aliases[key]
    try:
        language = Locale.parse(key.replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        return Names(aliases.values()).closest(name)
    return next((s for s in LOCALES if s.startswith(language + "_")), None)


def currency_ok(code: str) -> bool:
    return get_currency_name(code, locale="en") != code


class Loader:
    def __init__(self, root: Path, cache: ParseCache | None = None, kept: KeptFile | None = None) -> None:
        self.root = root
        self.cache = cache
        self.kept = kept  # products and shops an earlier build loaded without a mistake (resolved.py)
        self.diags = Diagnostics()
        self.warnings: list[Diagnostic] = []
        self.invalid_skus: set[str] = set()
        self.product_files: dict[str, tuple[media.Stamp, ...]] = {}
        self.product_warnings: dict[str, tuple[Diagnostic, ...]] = {}
        self.inspected: dict[tuple[str, str], media.Stamp | str] = {}  # many products show one picture
        self.checked: list[media.Stamp] = []  # files the checks passed: a kept unit needs them unchanged
        self.context = ""
        self._skus: tuple[Iterable[str], Names] | None = None  # the catalog's SKUs, folded once

    def local_path_problem(self, base: Path, ref: str) -> str | None:
        """Why the image ``ref`` under ``base`` may not be published (the one rule of check and
        build, media.py), or None; a good file is stamped for kept units (resolved.py)."""
        key = (str(base), ref)
        seen = self.inspected.get(key)
        if seen is None:
            try:
                seen = self.inspected[key] = media.inspect(key[0], ref, owner=base != self.root)
            except media.MediaError as exc:
                seen = self.inspected[key] = exc.args[0]
        if isinstance(seen, str):
            return seen
        self.checked.append(seen)
        return None

    def small_picture(self, doc: Document, loc: tuple[Any, ...], base: Path, ref: str, shown: int, what: str) -> None:
        """A warning when the checked raster picture ``ref`` is narrower than pages show it."""
        seen = self.inspected.get((str(base), ref))
        if isinstance(seen, media.Stamp) and 0 < seen.width < shown:
            line, col = doc.at(loc)
            self.warn(
                doc.path,
                line,
                col,
                msg(
                    "'{ref}' is {width}×{height} pixels; {what} is shown up to {shown} pixels wide, so it will look blurred:"
                    " use a picture at least {shown} pixels wide",
                    ref=ref,
                    width=seen.width,
                    height=seen.height,
                    what=what,
                    shown=shown,
                ),
            )

    def warn(self, path: str, line: int, col: int, message: str) -> None:
        self.warnings.append(Diagnostic(path, line, col, message, warning=True))

    def unknown_sku(self, sku: str, names: Iterable[str], where: str = "") -> tuple[str, str]:
        """The message and hint for a SKU the catalog does not have: the one she likely meant."""
        if self._skus is None or self._skus[0] is not names:
            self._skus = (names, Names(names))
        if "，" in sku or "、" in sku:
            return (
                msg("unknown SKU '{sku}'{where} (not in catalog.yaml): write an ASCII comma ',' between SKUs", sku=sku, where=where),
                msg("a Chinese keyboard types '，' and '、', which YAML reads as part of the SKU"),
            )
        suggestion = did_you_mean(sku, self._skus[1])
        message = msg("unknown SKU '{sku}'{where} (not in catalog.yaml){suggestion}", sku=sku, where=where, suggestion=suggestion)
        if suggestion:
            return message, ""
        return message, msg("find a product's SKU with: shopforest catalog search WORDS")

    def add(self, doc: Document, loc: tuple[Any, ...], message: str, *, key: bool = False, hint: str = "") -> None:
        line, col = doc.at(loc, key=key)
        self.diags.add(doc.path, line, col, message, hint=hint)

    def items(self, doc: Document, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(doc, (key,), msg("{field}: expected {expected}, got {got}", field=key, expected=msg("a list"), got=kind_of(value)))
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
