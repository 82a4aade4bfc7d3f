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
from functools import partial
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import Markup, escape

from . import splice
from .i18n import speaking
from .splice import key_read, walk

TEMPLATE = "partials/card.html"
MACRO = "card"
PRICE_TEMPLATE, PRICE = "partials/price.html", "price"  # the product page's price block
NOTE = "note_text"  # the one key of an offer that is the owner's words, not the catalog's
CAP = 50_000  # cards kept per process: about 1 KB each, a bound on the memory of the largest build
_MARKER = f"\x00shopforest-note-{secrets.token_hex(8)}&\x00"  # the & tells an escaped marker from a raw one
_ESCAPED_MARKER = str(escape(_MARKER))
# argument values compared by value in a key (the rest by identity, kept alive by the entry)
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


@dataclass(frozen=True)
class Reads:
    """What a card macro reads of its offer: the keys (None: the offer is passed on whole, so
    nothing smaller than the offer itself can key it), and whether the note may be a marker."""

    keys: tuple[str, ...] | None
    note_by_marker: bool


# what an imported macro reads of one of its arguments: (template, macro, argument's place)
Resolve = Callable[[str, str, int], Reads | None]


def macro_reads(source: jinja2.nodes.Template, name: str = MACRO, resolve: Resolve | None = None, arg: int = 0) -> Reads | None:
    """What the macro ``name`` in a template's parsed source reads of its argument ``arg``
    (the first: the offer); None when the template has no such macro, or it takes no such
    argument. With ``resolve``, an offer passed on to a macro the template imports
    (``{{ price(p) }}`` after ``{% from "partials/price.html" import price %}``) is followed
    into that macro: what it reads is read."""
    macro = next((m for m in source.find_all(nodes.Macro) if m.name == name), None)
    if macro is None or len(macro.args) <= arg:
        return None
    return _reads(macro, macro.args[arg], source, resolve)


def template_reads(source: jinja2.nodes.Template, name: str, resolve: Resolve | None = None) -> Reads:
    """What a whole template reads of the variable ``name`` its render is given (an include's
    ``p``), following it into the macros it imports as ``macro_reads`` does."""
    return _reads(source, nodes.Name(name, "load"), source, resolve)


def _reads(scope: nodes.Node, offer: nodes.Name, source: nodes.Template, resolve: Resolve | None) -> Reads:
    imported = _imported_macros(source)
    keys: dict[str, None] = {}
    whole = False
    note_plain = True
    for node, parent in walk(scope):
        if not isinstance(node, nodes.Name) or node.name != offer.name or node is offer:
            continue
        key = _key_read(node, parent)
        if key is None:
            passed = _passed_to(node, parent, imported)
            inner = resolve(*passed) if passed is not None and resolve is not None else None
            if inner is None or inner.keys is None:  # passed on, assigned, shadowed: anything may be read of it
                whole = True
                continue
            keys.update(dict.fromkeys(inner.keys))
            if NOTE in inner.keys and not inner.note_by_marker:
                note_plain = False
            continue
        keys[key] = None
        if key == NOTE and not _printed_or_tested(parent, scope):
            note_plain = False
    return Reads(None if whole else tuple(keys), note_plain and not whole and NOTE in keys)


def _imported_macros(source: nodes.Template) -> dict[str, tuple[str, str]]:
    """The names a template binds by ``{% from "x.html" import m %}`` (to x.html's ``m``), but
    any it also binds otherwise: a name bound twice may be either."""
    found: dict[str, tuple[str, str] | None] = {}
    for node in source.find_all(nodes.FromImport):
        for entry in node.names:
            theirs, ours = entry if isinstance(entry, tuple) else (entry, entry)
            made = (node.template.value, theirs) if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str) else None
            found[ours] = made if ours not in found else None
    for bound in _bound_otherwise(source):
        if bound in found:
            found[bound] = None
    return {name: made for name, made in found.items() if made is not None}


def _bound_otherwise(source: nodes.Template) -> Iterator[str]:
    """The names a template binds but by ``from ... import``: set, looped over, a macro's, its
    arguments, a whole template imported."""
    for node in source.find_all((nodes.Name, nodes.Macro, nodes.Import)):
        if isinstance(node, nodes.Macro):
            yield node.name
        elif isinstance(node, nodes.Import):
            yield node.target
        elif isinstance(node, nodes.Name) and node.ctx != "load":
            yield node.name


def _passed_to(name: nodes.Name, parent: nodes.Node | None, imported: dict[str, tuple[str, str]]) -> tuple[str, str, int] | None:
    """Where ``name`` goes when it is a plain argument of a call to an imported macro:
    (template, macro, argument's place)."""
    if not isinstance(parent, nodes.Call) or not isinstance(parent.node, nodes.Name) or parent.node.name not in imported:
        return None
    place = next((i for i, a in enumerate(parent.args) if a is name), None)
    return None if place is None else (*imported[parent.node.name], place)


def resolver(env: jinja2.Environment) -> Resolve:
    """``Resolve`` for the templates of ``env``'s theme chain, each macro read once; a macro
    that reaches itself again, or a template that cannot be read, reads anything."""
    known: dict[tuple[str, str, int], Reads | None] = {}

    def resolve(template: str, macro: str, arg: int) -> Reads | None:
        key = (template, macro, arg)
        if key not in known:
            known[key] = None  # while it is read: a cycle reads anything
            try:
                assert env.loader is not None
                source, filename, _ = env.loader.get_source(env, template)
                known[key] = macro_reads(env.parse(source, template, filename), macro, resolve, arg)
            except jinja2.TemplateError:
                pass
        return known[key]

    return resolve


def _key_read(name: nodes.Name, parent: nodes.Node | None) -> str | None:
    """The key ``p.key`` or ``p["key"]`` reads, where ``name`` is that ``p``; None otherwise."""
    return key_read(name, parent) if name.ctx == "load" else None


def _printed_or_tested(read: nodes.Node | None, macro: nodes.Node) -> bool:
    """Whether the read ``p.note_text`` is printed as it is (``{{ p.note_text }}``) or only
    tested (``{% if p.note_text %}``, ``x if p.note_text``): the uses a marker stands in for."""
    for node, _ in walk(macro):
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


class Sharing:
    """HTML made once per distinct input in this process and given again for every later call
    with the same input (a build loads its themes afresh, so nothing outlives the build): the
    keying and the owner's note by marker, for a macro (``SharedMacro``) or a whole template
    (pages/embeds.py)."""

    def __init__(self, loaded: contextvars.ContextVar[set[str] | None]) -> None:
        self.loaded = loaded  # the templates the render under way loaded (theme.py's)
        self._values: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None  # what the render reads of an offer
        self._note: int | None = None  # where the note is among those values, when a marker may stand in for it
        self._made: dict[tuple[Any, ...], _Entry] = {}
        self._files: dict[frozenset[str], frozenset[str]] = {}  # one object for each set of templates entries loaded
        self._recorded: tuple[set[str] | None, frozenset[str] | None] = (None, None)  # the render and files last recorded in it
        self.rendered = 0  # renders made (the rest were reused): for tests and the benchmark

    def _use(self, reads: Reads | None) -> None:
        """Key on what the render reads of its offer (None: nothing known to share)."""
        if reads is None:
            return
        keys = reads.keys
        if keys is None:  # the offer itself
            self._values = lambda p: (p,)
        elif len(keys) == 1:
            self._values = lambda p: (p[keys[0]],)
        else:
            self._values = operator.itemgetter(*keys)
        self._note = keys.index(NOTE) if keys is not None and reads.note_by_marker else None

    def _shared(self, p: Any, given: Any, held: tuple[Any, ...], render: Callable[[Any], Any]) -> Markup:
        """``render(p)``, or what it gave for an earlier offer with the same values read and the
        same ``given`` (the other arguments, by value; ``held``: the objects whose ids are in it)."""
        if self._values is None or type(p) is not dict:
            return self._fresh(render, p)  # nothing known to share
        try:
            values = self._values(p)
        except KeyError:
            return self._fresh(render, p)  # the template's own error, as before
        # Every value by identity (the entry keeps them alive, so an id is never another
        # object's while its key is in the table), but the note: only whether there is one.
        speech = speaking.get()
        at = self._note
        note = values[at] if at is not None else None
        if type(note) is str:
            ids: list[Any] = [*map(id, values)]
            ids[at] = "note" if note else ""  # type: ignore[index]
            key = (id(speech), *ids, given)
        else:
            note = None
            key = (id(speech), *map(id, values), given)
        found = self._made.get(key)
        if found is None:
            shown = {**p, NOTE: _MARKER} if note else p
            seen: set[str] = set()
            token = self.loaded.set(seen)
            try:
                html = render(shown)
            finally:
                self.loaded.reset(token)
            self.rendered += 1
            files = self._files.setdefault(frozenset(seen), frozenset(seen))
            found = _Entry(html if type(html) is Markup else Markup(html), files, (speech, values, held))
            if len(self._made) >= CAP:  # the oldest goes: the renders of shops built long ago
                del self._made[next(iter(self._made))]
            self._made[key] = found
        outer = self.loaded.get()
        if outer is not None and (self._recorded[0] is not outer or self._recorded[1] is not found.files):  # (fifty cards, one set of templates)
            outer.update(found.files)
            self._recorded = (outer, found.files)
        if note:  # (str's replace: Markup's would escape its arguments)
            return Markup(str.replace(str.replace(found.html, _ESCAPED_MARKER, escape(note)), _MARKER, note))
        return found.html

    def _fresh(self, render: Callable[[Any], Any], p: Any) -> Markup:
        self.rendered += 1
        html = render(p)
        return html if isinstance(html, Markup) else Markup(html)


class SharedMacro(Sharing):
    """A global of one theme that prints one of its macros, ``{{ card(p, root, lazy) }}`` say:
    the theme chain's own macro, rendered once per distinct input in this process."""

    def __init__(self, env: jinja2.Environment, loaded: contextvars.ContextVar[set[str] | None], template: str = TEMPLATE, name: str = MACRO) -> None:
        super().__init__(loaded)
        self.env = env
        self.template = template
        self.name = name
        self._macro: Any = None
        self._module_files: frozenset[str] = frozenset()
        self._module_recorded: set[str] | None = None  # the render the module's files were last recorded in

    def _load(self) -> Any:
        """The macro, and what it reads, from the theme chain's template."""
        seen: set[str] = set()
        token = self.loaded.set(seen)
        try:
            template = self.env.get_template(self.template)
            macro = getattr(template.module, self.name, None)
        finally:
            self.loaded.reset(token)
        if not callable(macro):
            raise jinja2.TemplateRuntimeError(f"{self.template} defines no macro '{self.name}'")
        assert self.env.loader is not None
        source, filename, _ = self.env.loader.get_source(self.env, self.template)
        self._use(macro_reads(self.env.parse(source, self.template, filename), self.name, resolver(self.env)))
        self._module_files = frozenset(seen)
        self._macro = macro
        return macro

    def __call__(self, p: Any = None, *args: Any, **kwargs: Any) -> Markup:
        macro = self._macro or self._load()
        outer = self.loaded.get()
        if outer is not None and outer is not self._module_recorded:  # once a render
            outer.update(self._module_files)
            self._module_recorded = outer
        types = tuple(map(type, args))
        if kwargs or not _SCALAR_TYPES.issuperset(types):
            given, held = _by_identity(args, kwargs)
        else:  # (their types too: True and 1 are equal keys, and a template may print either)
            given, held = (args, types), ()
        return self._shared(p, given, held, lambda shown: macro(shown, *args, **kwargs))


SharedCards = SharedMacro  # the ``card`` global's type


class SharedGrid:
    """The ``cards`` global: ``{{ cards(offers, root, eager) }}`` prints ``card(p, root, lazy)``
    for each offer, the first ``eager`` with ``lazy`` false, joined: the bytes of a loop of
    ``card`` calls in one call. A home page shows fifty cards, nearly all found shared, and a
    Jinja call with its loop costs several times what finding one does."""

    def __init__(self, card: SharedMacro) -> None:
        self.card = card

    def __call__(self, offers: Any, root: Any, eager: int = 0) -> Markup:
        card = self.card
        macro = card._macro or card._load()
        outer = card.loaded.get()
        if outer is not None and outer is not card._module_recorded:  # once a render, as card() does
            outer.update(card._module_files)
            card._module_recorded = outer
        marks = splice.recording.get()
        if type(root) not in _SCALAR_TYPES:  # (a page's root is a string: any other is keyed as card() keys it)
            if marks is not None:
                marks.append(("", False))  # a card without its markers: the page keeps no places
            return Markup("".join([card(p, root, i >= eager) for i, p in enumerate(offers)]))
        shared = card._shared
        keys = {lazy: ((root, lazy), (type(root), bool)) for lazy in (False, True)}
        renders = {lazy: partial(_call_macro, macro, root, lazy) for lazy in (False, True)}
        made = [shared(p, keys[i >= eager], (), renders[i >= eager]) for i, p in enumerate(offers)]
        if marks is None:
            return Markup("".join(made))
        return Markup("".join([self._marked(marks, p, i >= eager, html) for i, (p, html) in enumerate(zip(offers, made, strict=True))]))

    @staticmethod
    def _marked(marks: list[tuple[str, bool]], p: Any, lazy: bool, html: str) -> str:
        """A card between the markers of its place in the page (pages/splice.py)."""
        sku = p.get("sku") if type(p) is dict else None
        if type(sku) is not str:
            marks.append(("", lazy))  # not an offer: the page keeps no places
            return html
        marks.append((sku, lazy))
        return splice.mark(len(marks) - 1, html)


def _call_macro(macro: Any, root: Any, lazy: bool, p: Any) -> Any:
    return macro(p, root, lazy)


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


def install(env: jinja2.Environment, loaded: contextvars.ContextVar[set[str] | None]) -> SharedMacro:
    """Give the theme's templates the ``card`` and ``price`` globals (``partials/card.html``'s
    ``card``, ``partials/price.html``'s ``price``) and ``cards``, a grid of ``card``;
    ``loaded`` is where a render records the templates it loads."""
    env.globals["price"] = SharedMacro(env, loaded, PRICE_TEMPLATE, PRICE)
    cards = env.globals["card"] = SharedMacro(env, loaded)
    env.globals["cards"] = SharedGrid(cards)
    return cards
