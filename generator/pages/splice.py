"""Grid pages made again from their last bytes: a price change swaps the changed cards in.

A price changed in the catalog reaches every shop that picks the product: its product page,
and the home, tag and collection pages whose grids show its card. Those grid pages differ from
their last build in that card alone, when nothing else of the page can show the catalog's
facts. So such a page is rendered with each card of its grids between markers, its bytes are
kept with where each card begins and ends (the build state), and when the catalog's facts about
some of its products are all that changed, the page is its last bytes with those cards made
again: one card's render, not the page's.

"Nothing else of the page can show the facts" is read from the templates' source, not assumed:
the page's view names that hold offers (``offers``, ``tag.picks``, ...) may only be printed
through ``{{ cards(...) }}`` as it is (no filter, not captured by ``set``, a macro or a call
block), counted (``| length``) or tested (``{% if offers %}``), in the page's template and in
every template it extends, includes or imports; a name bound to one of them by a loop is held
to the same rules. A template that reads an offer any other way (a loop of ``card()`` calls, a
price printed by hand), loads a template by a name worked out at render time, or renders a
block again (``self``, ``super()``), is rendered whole, as before.
"""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

GRID = "cards"  # the global that prints a grid of cards (pages/cards.py)
LIST = "offers"  # a kind: a list of offers


@dataclass(frozen=True)
class Holder:
    """A kind: a dict whose ``fields`` hold offers (the others hold none)."""

    fields: tuple[tuple[str, Kind], ...]


@dataclass(frozen=True)
class ListOf:
    """A kind: a list of ``item``s."""

    item: Kind


Kind = str | Holder | ListOf
Kinds = tuple[tuple[str, Kind], ...]  # a view's names that hold offers, and how

# One card as a page's bytes hold it: its product, whether its picture loads lazily, and where
# its bytes begin and end in the page.
Card = tuple[str, bool, int, int]

# The grids printed by the render under way, when it records them: (sku, lazy) per card.
recording: contextvars.ContextVar[list[tuple[str, bool]] | None] = contextvars.ContextVar("recording_cards", default=None)

_TOKEN = secrets.token_hex(8)  # a marker no owner's text can hold: it is made anew by each process
OPEN = f"\x00card-{_TOKEN}:"  # followed by the card's number and NUL
CLOSE = f"\x00/card-{_TOKEN}\x00"

_PLACES = (nodes.Template, nodes.Output, nodes.Block, nodes.If, nodes.For, nodes.With, nodes.Scope, nodes.ScopedEvalContextModifier)


def mark(number: int, html: str) -> str:
    """One card's HTML between the markers of card ``number`` of the render."""
    return f"{OPEN}{number}\x00{html}{CLOSE}"


def unmark(text: str, cards: list[tuple[str, bool]]) -> tuple[bytes, tuple[Card, ...]] | None:
    """The page's bytes without the markers, and where each card is in them; None when the
    markers are not each card's once, in order (the page is then rendered again unmarked)."""
    parts = text.split(OPEN)
    pieces = [parts[0].encode()]
    if CLOSE in parts[0]:
        return None
    at = len(pieces[0])
    found: list[Card] = []
    for n, part in enumerate(parts[1:]):
        number, nul, rest = part.partition("\x00")
        html, closed, after = rest.partition(CLOSE)
        if not nul or not closed or number != str(n) or n >= len(cards) or CLOSE in after:
            return None
        card, tail = html.encode(), after.encode()
        sku, lazy = cards[n]
        found.append((sku, lazy, at, at + len(card)))
        pieces += (card, tail)
        at += len(card) + len(tail)
    if len(found) != len(cards):
        return None
    return b"".join(pieces), tuple(found)


def splice(old: bytes, cards: tuple[Card, ...], fresh: dict[tuple[str, bool], bytes]) -> tuple[bytes, tuple[Card, ...]]:
    """``old`` with the card of each (sku, lazy) in ``fresh`` replaced by those bytes."""
    pieces: list[bytes] = []
    made: list[Card] = []
    taken = 0  # of old
    shift = 0  # how much longer the new bytes are, up to here
    for sku, lazy, start, end in cards:
        card = fresh.get((sku, lazy))
        if card is None:
            made.append((sku, lazy, start + shift, end + shift))
            continue
        pieces += (old[taken:start], card)
        made.append((sku, lazy, start + shift, start + shift + len(card)))
        shift += len(card) - (end - start)
        taken = end
    pieces.append(old[taken:])
    return b"".join(pieces), tuple(made)


def shows_facts_only_in_grids(env: jinja2.Environment, template: str, kinds: Kinds) -> bool:
    """Whether a render of ``template`` can show the offers of the view's ``kinds`` only
    through cards its ``cards`` grids print as they are (the module's rules)."""
    sources: dict[str, nodes.Template] = {}
    if not _gather(env, template, sources):
        return False
    parents: dict[int, nodes.Node] = {}
    names: list[nodes.Name] = []
    grids: list[nodes.Call] = []
    for tree in sources.values():
        for node, parent in walk(tree):
            if parent is not None:
                parents[id(node)] = parent
            if isinstance(node, nodes.Name):
                if node.name in ("self", "super"):
                    return False  # a block rendered again, maybe through a filter
                names.append(node)
            elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == GRID:
                grids.append(node)
    if not all(_printed_as_it_is(grid, parents) for grid in grids):
        return False
    bound: dict[str, Kind] = dict(kinds)
    known = 0
    while known != len(bound):  # a loop over a list of holders binds one more name: check again
        known = len(bound)
        for name in names:
            if name.name == GRID and not _called(name, parents):
                return False  # the grid rebound, or passed on
            kind = bound.get(name.name)
            # (a name bound by a loop, a set or a macro's argument is held to the rules of the
            # name it shares, which can only forbid more; whatever holds offers is a load)
            if kind is not None and name.ctx == "load" and not _use_allowed(name, kind, parents, bound):
                return False
    return True


def _called(name: nodes.Node, parents: dict[int, nodes.Node]) -> bool:
    parent = parents.get(id(name))
    return isinstance(name, nodes.Name) and name.ctx == "load" and isinstance(parent, nodes.Call) and parent.node is name


def _gather(env: jinja2.Environment, name: str, sources: dict[str, nodes.Template]) -> bool:
    """The parsed source of ``name`` and of every template it loads, by name; False when one
    cannot be read or is named by an expression."""
    if name in sources:
        return True
    assert env.loader is not None
    try:
        source, filename, _ = env.loader.get_source(env, name)
        tree = env.parse(source, name, filename)
    except jinja2.TemplateError:
        return False
    sources[name] = tree
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        loaded = node.template  # type: ignore[attr-defined]
        if not isinstance(loaded, nodes.Const) or not isinstance(loaded.value, str):
            return False
        if not _gather(env, loaded.value, sources):
            return False
    return True


def walk(node: nodes.Node, parent: nodes.Node | None = None) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    """Every node of a parsed template under ``node``, with its parent."""
    yield node, parent
    for child in node.iter_child_nodes():
        yield from walk(child, node)


def _printed_as_it_is(call: nodes.Call, parents: dict[int, nodes.Node]) -> bool:
    """``{{ cards(...) }}`` alone in its print, in no macro, call block, filter block or
    ``{% set %}`` block: its bytes reach the page as they are, once per call."""
    parent = parents.get(id(call))
    if not isinstance(parent, nodes.Output) or not any(child is call for child in parent.nodes):
        return False
    node: nodes.Node | None = parent
    while node is not None:
        if not isinstance(node, _PLACES):
            return False
        node = parents.get(id(node))
    return True


def _use_allowed(node: nodes.Node, kind: Kind, parents: dict[int, nodes.Node], bound: dict[str, Kind]) -> bool:
    parent = parents.get(id(node))
    if _tested(node, parents) or (isinstance(parent, nodes.Filter) and parent.node is node and parent.name in ("length", "count")):
        return True  # how many offers there are, or whether any: the picks', not the catalog's
    if kind == LIST:  # the offers of a grid
        grid = isinstance(parent, nodes.Call) and _called(parent.node, parents) and parent.node.name == GRID  # type: ignore[attr-defined]
        return grid and bool(parent.args) and parent.args[0] is node  # type: ignore[union-attr]
    if isinstance(kind, Holder):
        field = key_read(node, parent)
        if field is None:
            return False
        inner = dict(kind.fields).get(field)
        return inner is None or _use_allowed(parent, inner, parents, bound)  # type: ignore[arg-type]
    if isinstance(kind, ListOf) and isinstance(parent, nodes.For) and parent.iter is node and isinstance(parent.target, nodes.Name):
        known = bound.setdefault(parent.target.name, kind.item)
        return known == kind.item
    return False


def _tested(node: nodes.Node, parents: dict[int, nodes.Node]) -> bool:
    """Whether the value is only tested for truth: ``{% if x %}``, ``a if x``, through not/and/or."""
    parent = parents.get(id(node))
    while isinstance(parent, nodes.Not | nodes.And | nodes.Or):
        node, parent = parent, parents.get(id(parent))
    return isinstance(parent, nodes.If | nodes.CondExpr) and parent.test is node


def key_read(node: nodes.Node, parent: nodes.Node | None) -> str | None:
    """The key ``x.key`` or ``x["key"]`` reads, where ``node`` is that ``x``."""
    if isinstance(parent, nodes.Getattr) and parent.node is node:
        return parent.attr
    if isinstance(parent, nodes.Getitem) and parent.node is node and isinstance(parent.arg, nodes.Const) and isinstance(parent.arg.value, str):
        return parent.arg.value
    return None
