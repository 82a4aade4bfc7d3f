"""``{% cache key, ... %}…{% endcache %}``: render a fragment once per key in a build process.

Hugo's ``partialCached`` and Django's ``{% cache %}`` as a Jinja2 extension (the shape of the
fragment-cache example in Jinja2's extension documentation). A home page shows fifty product
cards and most of them are the same in every shop of a locale, so the default theme's card is
cached by the offer's ``key`` (a digest of everything the offer view holds) and ``root``.

The key must name everything the fragment shows: that is the theme author's promise, as with
Hugo's variant arguments. The cache lives in the theme's environment, which each build loads
afresh, so nothing outlives a build. Templates a fragment loaded when it was rendered are
recorded again on every hit, so incremental builds still know which outputs used them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

MAX_FRAGMENTS = 200_000  # then start again: memory stays bounded on any site


class FragmentCacheExtension(Extension):
    tags = {"cache"}  # noqa: RUF012 - Jinja2 reads this class attribute

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        self.fragments: dict[tuple[Any, ...], tuple[markupsafe.Markup, frozenset[str]]] = {}
        self.hits = 0

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        keys = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        where = nodes.Const(f"{parser.name or parser.filename}:{lineno}")
        call = self.call_method("_cached", [where, nodes.Tuple(keys, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _cached(self, where: str, keys: tuple[Any, ...], caller: Callable[[], str]) -> markupsafe.Markup:
        from .theme import loaded_templates  # the render-time record of templates used

        try:
            key = (where, *keys)
            hash(key)
        except TypeError:
            raise jinja2.TemplateRuntimeError(f"{where}: cache keys must be text or numbers, not {keys!r}") from None
        seen = loaded_templates.get()
        hit = self.fragments.get(key)
        if hit is not None:
            self.hits += 1
            if seen is not None:
                seen.update(hit[1])
            return hit[0]
        before = set(seen) if seen is not None else set()
        html = markupsafe.Markup(caller())
        used = frozenset(seen - before) if seen is not None else frozenset()
        if len(self.fragments) >= MAX_FRAGMENTS:
            self.fragments.clear()
        self.fragments[key] = (html, used)
        return html
