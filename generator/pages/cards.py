"""Cards shared by shops: a product's card in a grid rendered once and reused by every shop.

A home page shows fifty cards, and a product picked by a thousand shops is the same card in
each of them: the same title, picture, price and words, since ``root`` is the same at one page
depth and an offer's catalog facts are one dict per product and locale (views.product_facts).
So templates print cards through the ``card`` global, which calls the theme's own
``partials/card.html`` macro (a theme that overrides it is used) once per distinct input and
returns the HTML it made for every later call with the same input.

What is "the same input" is read from the macro's source: the keys of the offer it reads
(``p.title``, ``p["path"]``), compared by identity (every shop's offer holds the very objects
of the shared facts, and an entry keeps them alive, so an equal id is the same object), its
other arguments by value, and the words of the render (one ``Speech`` per theme and locale).
The owner's note (``p.note_text``) is hers alone: when the macro only prints it plainly or
tests it, the card is rendered once with a marker in its place and her note, escaped as the
template would have, is put where the marker is; a card that uses it in any other way has the
note in its key. A macro that passes the offer on whole (to another macro, a filter, a loop) is
keyed by the offer itself: shared by the pages of one shop only.

Macros are imported without the page's context, so a card cannot read anything else of the
page. The templates a card loads are recorded as the page's dependencies on every call, so an
incremental build sees a card's template change as before.
"""

from __future__ import annotations

import contextvars
import operator
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import Markup, escape

from .i18n import speaking

TEMPLATE = "partials/card.html"
MACRO = "card"
NOTE = "note_text"  # the one key of an offer that is the owner's words, not the catalog's
CAP = 50_000  # cards kept per process: about 1 KB each, a bound on the memory of the largest build
_MARKER = f"\x00shopforest-note-{secrets.token_hex(8)}&\x00"  # the & tells an escaped marker from a raw one
_ESCAPED_MARKER = str(escape(_MARKER))
# argument values compared by value in a key (the rest by identity, kept alive by the entry)
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Reads:
    """What a card macro reads of its offer: the keys (None: the offer is passed on whole, so
    nothing smaller than the offer itself can key it), and whether the note may be a marker."""

    keys: tuple[str, ...] | None
    note_by_marker: bool


def macro_reads(source: jinja2.nodes.Template, name: str = MACRO) -> Reads | None:
    """What the macro ``name`` in a template's parsed source reads of its first argument;
    None when the template has no such macro, or it takes no argument."""
    macro = next((m for m in source.find_all(nodes.Macro) if m.name == name), None)
    if macro is None or not macro.args:
        return None
    offer = macro.args[0].name
    keys: dict[str, None] = {}
    whole = False
    note_plain = True
    for node, parent in _walk(macro, None):
        if not isinstance(node, nodes.Name) or node.name != offer or node is macro.args[0]:
            continue
        key = _key_read(node, parent)
        if key is None:  # passed on, assigned, shadowed: anything may be read of it
            whole = True
            continue
        keys[key] = None
        if key == NOTE and not _printed_or_tested(parent, macro):
            note_plain = False
    return Reads(None if whole else tuple(keys), note_plain and not whole and NOTE in keys)


def _walk(node: nodes.Node, parent: nodes.Node | None) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    yield node, parent
    for child in node.iter_child_nodes():
        yield from _walk(child, node)


def _key_read(name: nodes.Name, parent: nodes.Node | None) -> str | None:
    """The key ``p.key`` or ``p["key"]`` reads, where ``name`` is that ``p``; None otherwise."""
    if name.ctx != "load":
        return None
    if isinstance(parent, nodes.Getattr) and parent.node is name:
        return parent.attr
    if isinstance(parent, nodes.Getitem) and parent.node is name and isinstance(parent.arg, nodes.Const) and isinstance(parent.arg.value, str):
        return parent.arg.value
    return None


def _printed_or_tested(read: nodes.Node | None, macro: nodes.Macro) -> bool:
    """Whether the read ``p.note_text`` is printed as it is (``{{ p.note_text }}``) or only
    tested (``{% if p.note_text %}``, ``x if p.note_text``): the uses a marker stands in for."""
    for node, _ in _walk(macro, None):
        if isinstance(node, nodes.Output) and any(child is read for child in node.nodes):
            return True
        if isinstance(node, (nodes.If, nodes.CondExpr)) and node.test is read:
            return True
    return False


@dataclass
class _Entry:
    html: Markup  # with the marker where the note goes, when there is one
    files: frozenset[str]  # the templates rendering it loaded
    held: tuple[Any, ...]  # the objects whose ids are in its key, kept alive with it


class SharedCards:
    """The ``card`` global of one theme: ``{{ card(p, root, lazy) }}`` prints the theme's card
    macro, rendered once per distinct input in this process (a build loads its themes afresh,
    so nothing outlives the build)."""

    def __init__(self, env: jinja2.Environment, loaded: contextvars.ContextVar[set[str] | None]) -> None:
        self.env = env
        self.loaded = loaded  # the templates the render under way loaded (theme.py's)
        self._macro: Any = None
        self._values: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None  # what the macro reads of an offer
        self._note: int | None = None  # where the note is among those values, when a marker may stand in for it
        self._module_files: frozenset[str] = frozenset()
        self._cards: dict[tuple[Any, ...], _Entry] = {}
        self.rendered = 0  # cards the macro rendered (the rest were reused): for tests and the benchmark

    def _load(self) -> Any:
        """The macro, and what it reads, from the theme chain's ``partials/card.html``."""
        seen: set[str] = set()
        token = self.loaded.set(seen)
        try:
            template = self.env.get_template(TEMPLATE)
            macro = getattr(template.module, MACRO, None)
        finally:
            self.loaded.reset(token)
        if not callable(macro):
            raise jinja2.TemplateRuntimeError(f"{TEMPLATE} defines no macro '{MACRO}'")
        assert self.env.loader is not None
        source, filename, _ = self.env.loader.get_source(self.env, TEMPLATE)
        reads = macro_reads(self.env.parse(source, TEMPLATE, filename))
        if reads is not None:
            keys = reads.keys
            if keys is None:  # the offer itself
                self._values = lambda p: (p,)
            elif len(keys) == 1:
                self._values = lambda p: (p[keys[0]],)
            else:
                self._values = operator.itemgetter(*keys)
            self._note = keys.index(NOTE) if keys is not None and reads.note_by_marker else None
        self._module_files = frozenset(seen)
        self._macro = macro
        return macro

    def __call__(self, p: Any = None, *args: Any, **kwargs: Any) -> Markup:
        macro = self._macro or self._load()
        outer = self.loaded.get()
        if outer is not None:
            outer.update(self._module_files)
        if self._values is None or type(p) is not dict:
            return self._render(macro, p, args, kwargs)  # nothing known to share
        try:
            values = self._values(p)
        except KeyError:
            return self._render(macro, p, args, kwargs)  # the macro's own error, as before
        # Every value by identity (the entry keeps them alive, so an id is never another
        # object's while its key is in the table), but the note: only whether there is one.
        ids: list[Any] = [*map(id, values)]
        note = values[self._note] if self._note is not None else None
        if type(note) is str:
            ids[self._note] = "note" if note else ""  # type: ignore[index]
        else:
            note = None
        speech = speaking.get()
        if kwargs or any(type(a) not in _SCALARS for a in args):
            given, held = _by_identity(args, kwargs)
        else:  # (their types too: True and 1 are equal keys, and a template may print either)
            given, held = (args, tuple(map(type, args))), ()
        key = (id(speech), *ids, given)
        found = self._cards.get(key)
        if found is None:
            shown = {**p, NOTE: _MARKER} if note else p
            seen: set[str] = set()
            token = self.loaded.set(seen)
            try:
                html = macro(shown, *args, **kwargs)
            finally:
                self.loaded.reset(token)
            self.rendered += 1
            found = _Entry(html if type(html) is Markup else Markup(html), frozenset(seen), (speech, values, held))
            if len(self._cards) >= CAP:  # the oldest goes: the cards of shops built long ago
                del self._cards[next(iter(self._cards))]
            self._cards[key] = found
        if outer is not None:
            outer.update(found.files)
        if note:  # (str's replace: Markup's would escape its arguments)
            return Markup(str.replace(str.replace(found.html, _ESCAPED_MARKER, escape(note)), _MARKER, note))
        return found.html

    def _render(self, macro: Any, p: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Markup:
        self.rendered += 1
        html = macro(p, *args, **kwargs)
        return html if isinstance(html, Markup) else Markup(html)


def _by_identity(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A call's arguments as part of a key: values by value and type, other objects (a list, a
    dict) by identity; and those objects, to be kept alive with the entry."""
    key: list[Any] = [len(args)]  # card(p, "x", y=1) and card(p, x="y", ...) are not one input
    held: list[Any] = []
    for arg in (*args, *(x for item in sorted(kwargs.items()) for x in item)):  # (a keyword's name, then its value)
        if type(arg) in _SCALARS:
            key.append((type(arg), arg))
        else:
            held.append(arg)
            key.append(id(arg))
    return tuple(key), tuple(held)


def install(env: jinja2.Environment, loaded: contextvars.ContextVar[set[str] | None]) -> SharedCards:
    """Give the theme's templates the ``card`` global; ``loaded`` is where a render records
    the templates it loads."""
    cards = env.globals["card"] = SharedCards(env, loaded)
    return cards
