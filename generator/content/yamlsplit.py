"""A YAML file cut into the items of one top-level list by YAML's own events, whatever its layout.

The platform's catalog is one long list of products, and a build after a price change needs one
product worked out again, not 5,000. libyaml's event stream (no nodes, no values) gives each
item's exact span in the text: the key it is kept under is that span — plus, for an item that
names an anchor defined elsewhere (``tags: *baby``), what that anchor is made of — so the same
product is recognised however the file is indented, commented, quoted or line-ended, and an item
whose text changed is composed alone from its own events.

Anything the cut cannot vouch for — directives, several documents, an anchor on the list itself,
an alias from outside the list into it, a repeated anchor, a YAML error — raises
:class:`NotSimple`, and the caller reads the whole file as any other file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

from ..errors import Diagnostics
from .sources import MAX_CATALOG_NODES, Document, build_document

try:  # libyaml's C parser, when the wheel ships it
    from yaml import CSafeLoader as _Parser
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

# PyYAML's stubs make every mark optional; libyaml's events always carry both.
Event: TypeAlias = Any

MAX_KEPT_EVENTS = 200_000  # the events of anchored nodes held for composing items alone


class NotSimple(Exception):
    """The file is not one the cut can vouch for: read it whole."""


@dataclass(eq=False)
class _Anchor:
    """An anchored node: its events, and a digest of its text and of the anchors it names."""

    name: str
    order: int  # definition order: an anchor defined after another opened is inside it
    events: list[Event] = field(default_factory=list)
    deps: dict[int, _Anchor] = field(default_factory=dict)  # defined outside it, by id
    digest: bytes = b""
    item: int = -1  # the list item it is in, -1 outside the list
    node: yaml.Node | None = None  # composed once, when an item that names it is composed


@dataclass(eq=False)
class Item:
    """One item of the list: ``key`` is what it is made from; ``document`` composes it alone."""

    key: str
    line: int  # 0-based line of its first character
    events: list[Event]
    deps: tuple[_Anchor, ...]

    def document(self, path: str, diags: Diagnostics) -> Document | None:
        """The item as a document of its own, with the positions it has in the file."""
        try:
            node = _compose(self.events, self.deps)
        except yaml.YAMLError:
            return None  # cannot happen for events the parser accepted; the full read reports
        return build_document(node, path, diags, max_nodes=MAX_CATALOG_NODES)


class _Replay(Composer, Resolver):
    """PyYAML's composer and resolver fed recorded events: the nodes libyaml would compose."""

    def __init__(self, events: list[Event], anchors: dict[str, yaml.Node]) -> None:
        Composer.__init__(self)
        Resolver.__init__(self)
        self._events = events
        self._at = 0
        self.anchors = dict(anchors)

    def check_event(self, *choices: type) -> bool:
        return self._at < len(self._events) and (not choices or isinstance(self._events[self._at], choices))

    def peek_event(self) -> Event:
        return self._events[self._at]

    def get_event(self) -> Event:
        event = self._events[self._at]
        self._at += 1
        return event


def _compose(events: list[Event], deps: tuple[_Anchor, ...]) -> yaml.Node:
    anchors: dict[str, yaml.Node] = {}
    for dep in deps:
        if dep.node is None:
            dep.node = _compose(dep.events, tuple(dep.deps.values()))
        anchors[dep.name] = dep.node
    replay = _Replay(events, anchors)
    node = replay.compose_node(None, None)  # type: ignore[arg-type]
    assert node is not None
    return node


def _digest(text: str, deps: dict[int, _Anchor]) -> bytes:
    h = hashlib.sha256(text.encode())
    for dep in deps.values():
        h.update(b"\0" + dep.name.encode() + b"\0" + dep.digest)
    return h.digest()


class ListSplit:
    """The items of the list under top-level ``key`` in ``text``, as :meth:`items` yields them;
    then :attr:`head`, a key for everything outside the list."""

    def __init__(self, text: str, key: str) -> None:
        self.text = text
        self.key = key
        self.head = ""
        self._base = 1 if text.startswith("\ufeff") else 0  # libyaml does not count the byte-order mark
        self._anchors: dict[str, _Anchor] = {}
        self._open: list[tuple[_Anchor, int, int]] = []  # (anchor, index in the events, depth)
        self._kept_events = 0
        self._item = -1

    def items(self) -> Iterator[Item]:
        parser = _Parser(self.text)
        try:
            yield from self._document(parser)
        except yaml.YAMLError as exc:
            raise NotSimple(str(exc)) from None
        finally:
            parser.dispose()

    def _document(self, parser: Any) -> Iterator[Item]:
        def next_event() -> Event:
            event: Event = parser.get_event()
            return event

        next_event()  # the stream's start
        start = next_event()
        if not isinstance(start, yaml.DocumentStartEvent) or start.version or start.tags:
            raise NotSimple("directives")
        top = next_event()
        if not isinstance(top, yaml.MappingStartEvent) or top.anchor is not None:
            raise NotSimple("not a mapping")
        span: tuple[int, int] | None = None
        while True:
            event = next_event()
            if isinstance(event, yaml.MappingEndEvent):
                break
            if not isinstance(event, yaml.ScalarEvent):
                raise NotSimple("a key that is not plain text")
            value = next_event()
            if event.value == self.key and span is None:
                if not isinstance(value, yaml.SequenceStartEvent) or value.anchor is not None or value.tag is not None:
                    raise NotSimple("the key does not hold a plain list")
                begin = self._index(value.start_mark)
                while True:
                    first = next_event()
                    if isinstance(first, yaml.SequenceEndEvent):
                        break
                    self._item += 1
                    yield self._list_item(first, next_event)
                span = (begin, max(self._index(first.end_mark), begin))
                self._item = -1
            else:
                self._node(value, next_event, [])
        if span is None:
            raise NotSimple(f"no top-level {self.key}")
        if not isinstance(next_event(), yaml.DocumentEndEvent) or not isinstance(next_event(), yaml.StreamEndEvent):
            raise NotSimple("several documents")
        self.head = hashlib.sha256(f"{self.text[: span[0]]}\0{self.text[span[1] :]}".encode()).hexdigest()

    def _index(self, mark: Any) -> int:
        return int(mark.index) + self._base

    def _list_item(self, first: Event, next_event: Callable[[], Event]) -> Item:
        events: list[Event] = []
        deps: dict[int, _Anchor] = {}
        end = self._node(first, next_event, events, deps)
        text = self.text[self._index(first.start_mark) : end]
        return Item(_digest(text, deps).hex(), int(first.start_mark.line), events, tuple(deps.values()))

    def _node(self, first: Event, next_event: Callable[[], Event], out: list[Event], deps: dict[int, _Anchor] | None = None) -> int:
        """Consume one node whose first event is ``first``, appending its events to ``out``;
        record its anchors and what it names outside itself; return where its text ends."""
        # One pass over every event of a 5,000-product catalog: dispatch on the exact class.
        depth, end, event = 0, 0, first
        while True:
            out.append(event)
            kind = type(event)
            if kind is yaml.AliasEvent:
                self._alias(str(event.anchor), deps)
            elif kind is not yaml.MappingEndEvent and kind is not yaml.SequenceEndEvent and event.anchor is not None:
                self._define(str(event.anchor), out, depth)
            stop = event.end_mark.index
            if stop > event.start_mark.index and stop > end:  # block starts and ends are zero-width
                end = stop
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1  # a start closes no anchored node
                event = next_event()
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
            if self._open:
                self._close(out, depth, end + self._base)
            if depth == 0:
                return end + self._base
            event = next_event()

    def _define(self, name: str, out: list[Event], depth: int) -> None:
        if name in self._anchors:
            raise NotSimple(f"anchor &{name} defined twice")  # an error the full read reports
        anchor = self._anchors[name] = _Anchor(name, len(self._anchors), item=self._item)
        self._open.append((anchor, len(out) - 1, depth))

    def _close(self, out: list[Event], depth: int, end: int) -> None:
        while self._open and self._open[-1][2] == depth:
            anchor, at, _ = self._open.pop()
            anchor.events = out[at:]
            self._kept_events += len(anchor.events)
            if self._kept_events > MAX_KEPT_EVENTS:
                raise NotSimple("too many anchored values")
            anchor.digest = _digest(self.text[self._index(anchor.events[0].start_mark) : end], anchor.deps)

    def _alias(self, name: str, deps: dict[int, _Anchor] | None) -> None:
        anchor = self._anchors.get(name)
        if anchor is None:
            raise NotSimple(f"*{name} before its anchor")  # an error the full read reports
        if self._item < 0 and anchor.item >= 0:
            raise NotSimple("an alias from outside the list into it")
        for outer, _, _ in self._open:
            if anchor.order < outer.order:  # defined before this anchored node opened: outside it
                outer.deps.setdefault(id(anchor), anchor)
        if deps is not None and anchor.item != self._item:
            deps.setdefault(id(anchor), anchor)


def item_keys(text: str, key: str) -> tuple[str, list[str]]:
    """The head key and every item's key, in order (for keeping what a full read made)."""
    split = ListSplit(text, key)
    keys = [item.key for item in split.items()]
    return split.head, keys
