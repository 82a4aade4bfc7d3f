"""Themes: template and static lookup along a chain of themes, and fingerprinted assets.

Lookup order for a shop whose theme is ``T``: ``themes/T/`` first, then the theme named by
``extends:`` in ``themes/T/theme.yaml`` (and so on), then ``themes/default/``. A template
can also name a theme explicitly, e.g. ``{% extends "default:product.html" %}``, to wrap
the template it overrides. A theme's words are in its own catalog, read along the same chain
(pages/i18n.py).
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from ..catalogs import LANGUAGES, Words, language_of
from . import cards, embeds, i18n, jsonld, pictures, splice

ASSET_DIR = "assets/"


# The template files the current render has loaded; set by render.py around each render.
loaded_templates: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("loaded_templates", default=None)


class TrackingEnvironment(jinja2.Environment):
    """Records every template a render loads (extends, include, import), cached or not,
    so an output's dependencies are known without listing them by hand (Lektor's approach)."""

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> jinja2.Template:
        template = super()._load_template(name, globals)
        seen = loaded_templates.get()
        if seen is not None and template.filename:
            seen.add(template.filename)
        return template

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        return i18n.fold(super()._parse(source, name, filename))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``p.title`` on a view (a dict) is a key lookup first, as in Django templates: Jinja's
        own order tries the attribute first, and the AttributeError that raises for every
        dict key was a tenth of a product page's render time. A key that shares a name with a
        dict method (``t.copy``) means the key."""
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@dataclass
class Theme:
    """One theme chain, with its Jinja2 environment and its static files."""

    name: str
    dirs: tuple[Path, ...]  # most specific first, default last
    env: jinja2.Environment
    statics: dict[str, Path] = field(default_factory=dict)  # name under static/ -> file
    assets: dict[str, str] = field(default_factory=dict)  # logical name -> fingerprinted path
    asset_bytes: dict[str, bytes] = field(default_factory=dict)  # fingerprinted path -> bytes
    file_hashes: dict[str, str] = field(default_factory=dict)  # every template and catalog of the chain (project-relative) -> sha256, what hides it
    root: Path = Path()
    _words: dict[str, Words] = field(default_factory=dict)  # by language
    _speech: dict[str, tuple[i18n.Speech, tuple[str, ...]]] = field(default_factory=dict)  # by locale
    _grids: dict[tuple[str, splice.Kinds], bool] = field(default_factory=dict)

    def facts_only_in_grids(self, template: str, kinds: splice.Kinds) -> bool:
        """Whether ``template``, given a view holding offers as ``kinds`` says, shows them only
        through its grids of cards (pages/splice.py); read once per build from the source."""
        found = self._grids.get((template, kinds))
        if found is None:
            found = self._grids[(template, kinds)] = splice.shows_facts_only_in_grids(self.env, template, kinds)
        return found

    def words(self, locale: str) -> Words:
        """The theme's words in ``locale``'s language, read once per build."""
        language = language_of(locale)
        found = self._words.get(language)
        if found is None:
            found = self._words[language] = i18n.theme_words(self.dirs, language, self.root)
        return found

    def speech(self, locale: str) -> tuple[i18n.Speech, tuple[str, ...]]:
        """What a render in ``locale`` speaks, and the project-relative catalog files its words
        come from, whether or not each theme of the chain has one yet (one that appears changes
        words); one lookup per render."""
        found = self._speech.get(locale)
        if found is None:
            language = language_of(locale)
            files = tuple(relative(i18n.catalog_file(d, language), self.root) for d in self.dirs) if language in LANGUAGES else ()
            found = self._speech[locale] = (i18n.Speech(self.words(locale)), files)
        return found


@lru_cache(maxsize=4096)
def relative(path: Path | str, root: Path) -> str:
    """A project-relative posix path when ``path`` is inside the project, else as given."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def chain(root: Path, name: str) -> tuple[Path, ...]:
    dirs: list[Path] = []
    current: str | None = name
    while current and root.joinpath("themes", current) not in dirs:
        path = root / "themes" / current
        dirs.append(path)
        meta = path / "theme.yaml"
        parent = None
        if meta.is_file():
            data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
            parent = data.get("extends") if isinstance(data, dict) else None
        current = parent if isinstance(parent, str) else ("default" if current != "default" else None)
    return tuple(dirs)


def fingerprint(name: str, data: bytes) -> str:
    """``style.css`` → ``assets/style.3f2a9c1b.css``: the name changes whenever the bytes do."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"{ASSET_DIR}{stem}.{digest}.{ext}" if dot else f"{ASSET_DIR}{name}.{digest}"


def load_theme(root: Path, name: str, bytecode: Path | None = None) -> Theme:
    """The theme ``name`` of the project at ``root``; with ``bytecode``, a folder where compiled
    templates are kept between builds (Jinja's bytecode cache, checked against each source)."""
    dirs = chain(root, name)
    if bytecode is not None:
        bytecode.mkdir(parents=True, exist_ok=True)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
            jinja2.PrefixLoader({d.name: jinja2.FileSystemLoader(str(d / "templates")) for d in dirs}, delimiter=":"),
        ]
    )
    env = TrackingEnvironment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build loads its themes afresh; no stat of every template on every render
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode), f"%s.{i18n.FOLD_TAG}.cache") if bytecode is not None else None,
    )
    i18n.install(env)
    cards.install(env, loaded_templates)  # ``card``, ``price``: macros rendered once per input, shared by the shops (pages/cards.py)
    embeds.install(env, loaded_templates)  # ``embed_products``: a post's product embeds, shared the same way (pages/embeds.py)
    env.filters["srcset"] = pictures.srcset
    env.filters["under"] = pictures.under
    env.filters["absolute"] = pictures.absolute
    env.policies["json.dumps_kwargs"] = dict(jsonld.KWARGS)  # sorted keys, words as they are; tojson still escapes < > & '
    env.policies["json.dumps_function"] = jsonld.dumps  # structured data shops share is encoded once (pages/jsonld.py)
    theme = Theme(name, dirs, env, root=root)
    # A file hidden by a more specific theme's file of the same name says so in its entry: an
    # output that loaded it by that name loads the other file once it appears (a template added
    # to the shop's theme, another theme chosen), though its own bytes are the same.
    hiding: dict[str, list[str]] = {}
    for d in dirs:  # most specific first
        for f in sorted((d / "templates").rglob("*")):
            if f.is_file():
                path, digest = relative(f, root), hashlib.sha256(f.read_bytes()).hexdigest()
                above = hiding.setdefault(f.relative_to(d / "templates").as_posix(), [])
                theme.file_hashes[path] = f"{digest} hidden by {' '.join(above)}" if above else digest
                above.append(path)
        for language in LANGUAGES:  # a catalog hides none: the chain's catalogs are read together
            po = i18n.catalog_file(d, language)
            if po.is_file():
                theme.file_hashes[relative(po, root)] = hashlib.sha256(po.read_bytes()).hexdigest()
    for d in reversed(dirs):  # more specific themes override
        static = d / "static"
        if static.is_dir():
            for f in sorted(static.rglob("*")):
                if f.is_file():
                    theme.statics[f.relative_to(static).as_posix()] = f
    for logical, f in sorted(theme.statics.items()):
        data = f.read_bytes()
        path = fingerprint(logical, data)
        theme.assets[logical] = path
        theme.asset_bytes[path] = data
    return theme


def compile_all(theme: Theme) -> None:
    """Load every template of the chain now, so processes forked later inherit them compiled
    instead of each compiling its own copies. A template that does not compile is left for
    the render that needs it to report. The theme's words are read now for the same reason."""
    for language in LANGUAGES:
        theme.speech(language)
    for name in theme.env.list_templates():
        try:
            theme.env.get_template(name)
        except jinja2.TemplateError:
            continue
