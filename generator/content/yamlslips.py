"""The slips a phone keyboard makes in YAML, found on the line where they are made.

A Chinese keyboard types a full-width colon ``：`` and comma ``，``; YAML reads neither as syntax,
so ``title：小美的店`` is one piece of text, and libyaml stumbles a line later or not at all. A
colon with no space after it (``title:小美``) is text too. The lines are scanned for these, and
each candidate is confirmed by the parse: it is a slip when, written with an ASCII colon or
comma, it starts a key or an item where YAML saw none — so the same characters inside a text
(``bio: |`` … ``Note：…``, a note that says ``好吃，推荐``) are left alone. The text with the
slips mended is parsed on, so the mistakes after them are found in the same run.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import yaml

from ..messages import msg

# A key as the schema's are written (ASCII), after the indentation and any '- ' of list items.
_BLOCK_KEY = re.compile(r"^(?P<lead>[ \t]*(?:-[ \t]+)*)(?P<key>[A-Za-z_][A-Za-z0-9_-]*)[ \t]*(?P<mark>：|:(?=[^ \t/\r\n]))")
_FLOW_KEY = re.compile(r"(?<=[{,])[ \t]*(?P<key>[A-Za-z_][A-Za-z0-9_-]*)[ \t]*(?P<mark>：)")
# A full-width comma between two ids, or before the next key of a flow mapping.
_FLOW_COMMA = re.compile(r"(?<=[A-Za-z0-9._-])[ \t]*(?P<mark>，)[ \t]*(?=[A-Za-z0-9])")
# What makes a line worth a look; each a literal first, which the regular expression engine finds
# at memchr speed (a large catalog is read in a few hundredths of a second).
_TRIGGERS = (re.compile("："), re.compile(r":[^ \t/\r\n]"), re.compile("，"))
_ID = re.compile(r"[A-Za-z0-9._-]+")
MAX_SLIPS = 1000  # looked at in one file: a hostile file of a million is not mended a million times
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- \t")


@dataclass(frozen=True)
class Slip:
    """One slip: where its character is (0-based), where the key or item it should make starts."""

    kind: str  # "colon", "space" (an ASCII colon with no space after it) or "comma"
    line: int
    col: int
    start: int  # column where the key (colon, space) or the next item (comma) starts
    key: str

    def message(self, line_text: str) -> tuple[str, str]:
        """Plain words for her, and a hint."""
        if self.kind == "colon":
            return (
                msg("use an ASCII colon ':' followed by a space after '{key}', not the full-width '：'", key=self.key),
                msg("a Chinese keyboard types '：', which YAML reads as part of the text; switch to English input for ':'"),
            )
        if self.kind == "comma":
            return (
                msg("use an ASCII comma ',' here, not the full-width '，'"),
                msg("a Chinese keyboard types '，', which YAML reads as part of the text; switch to English input for ','"),
            )
        after = line_text[self.col + 1 : self.col + 2]
        if after == "\u3000":
            return (
                msg("write an ordinary space after '{key}:', not the wide space '　'", key=self.key),
                msg("YAML needs ': ' (a colon and an English space) between a key and its value"),
            )
        return (
            msg("write a space after '{key}:'", key=self.key),
            msg("YAML needs ': ' (a colon and a space) between a key and its value, like {key}: …", key=self.key),
        )


def _unquoted(line: str) -> list[bool]:
    """For each character of a line: outside quotes and before a comment."""
    mask: list[bool] = []
    quote = ""
    previous = " "
    skip = False
    for i, char in enumerate(line):
        if skip:
            skip = False
            mask.append(False)
            continue
        if quote:
            mask.append(False)
            if quote == '"' and char == "\\":
                skip = True
            elif char == quote:
                if quote == "'" and line[i + 1 : i + 2] == "'":
                    skip = True
                else:
                    quote = ""
        elif char == "#" and previous in " \t":
            mask.extend([False] * (len(line) - i))
            break
        elif char in "'\"" and previous in " \t[{,:-":
            quote = char
            mask.append(False)
        else:
            mask.append(True)
        previous = char
    return mask


@lru_cache(maxsize=1)
def known_keys() -> frozenset[str]:
    """The keys of every schema, and the contact kinds: a colon with no space after one of these
    is a slip (after any other word it may be text: ``data:image/…``, ``mailto:…``)."""
    from . import schema  # here: a build that reads no YAML never imports pydantic

    models: tuple[type[schema.Strict], ...] = (schema.PlatformIn, schema.CategoryIn, schema.ProductIn, schema.VariantIn, schema.CatalogIn)
    models += (schema.ShopIn, schema.PickIn, schema.CollectionIn, schema.PrivateIn, schema.PostMetaIn)
    names = {name for model in models for name in model.model_fields}
    return frozenset(names | {"wechat", "weibo", "qq", "email", "xiaohongshu", "xhs", "douyin", "phone"})


def candidates(text: str) -> list[Slip]:
    """Every place on a line that looks like a slip (the parse confirms them)."""
    found: list[Slip] = []
    # (a full-width comma counts after an id only: Chinese text is full of them)
    hits = heapq.merge(*((m.start() for m in trigger.finditer(text)) for trigger in _TRIGGERS))
    number, counted, end = 0, 0, -1
    for at in hits:
        if at <= end or len(found) >= MAX_SLIPS:
            continue  # a line is looked at once
        if text[at] == "，" and text[at - 1 : at] not in _ID_CHARS:
            continue
        start = text.rfind("\n", end + 1, at) + 1 or end + 1
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        number += text.count("\n", counted, start)
        counted = start
        line = text[start:end]
        block = _BLOCK_KEY.match(line)
        if block is not None:
            kind = "colon" if block.group("mark") == "：" else "space"
            if kind == "colon" or block.group("key") in known_keys():
                found.append(Slip(kind, number, block.start("mark"), block.start("key"), block.group("key")))
        if "{" not in line and "[" not in line:
            continue
        mask = _unquoted(line)
        for m in _FLOW_KEY.finditer(line) if "：" in line else ():
            if len(found) >= MAX_SLIPS:
                break
            if mask[m.start("mark")] and (block is None or m.start("mark") != block.start("mark")):
                found.append(Slip("colon", number, m.start("mark"), m.start("key"), m.group("key")))
        for m in _FLOW_COMMA.finditer(line) if "，" in line else ():
            if len(found) >= MAX_SLIPS:
                break
            if mask[m.start("mark")]:
                key = _ID.match(line, m.end())
                found.append(Slip("comma", number, m.start("mark"), m.end(), key.group() if key else ""))
    return found


class Mended:
    """The text with slips written as she meant them, and the way back to her columns."""

    def __init__(self, text: str, slips: list[Slip]) -> None:
        lines = text.split("\n")
        by_line: dict[int, list[Slip]] = {}
        for slip in slips:
            by_line.setdefault(slip.line, []).append(slip)
        self.inserted: dict[int, list[int]] = {}  # line -> columns of the mended text holding an added space
        for number, found in by_line.items():
            line, done = lines[number], 0
            pieces: list[str] = []
            added: list[int] = []
            for slip in sorted(found, key=lambda s: s.col):
                after = line[slip.col + 1 : slip.col + 2]
                pieces.append(line[done : slip.col])
                done = slip.col + 1
                if slip.kind == "comma":
                    pieces.append(",")
                elif slip.kind == "colon" and after in ("", " ", "\t", "\r"):
                    pieces.append(":")
                elif after == "\u3000":  # a colon and a wide space: the space made plain
                    pieces.append(": ")
                    done += 1
                else:  # a colon with nothing after it: a space added
                    pieces.append(": ")
                    added.append(slip.col + 1 + len(added))
            pieces.append(line[done:])
            lines[number] = "".join(pieces)
            if added:
                self.inserted[number] = added
        self.text = "\n".join(lines)

    def column(self, line: int, col: int) -> int:
        """Her 0-based column of a column in the mended text."""
        added = self.inserted.get(line)
        return col - bisect.bisect_left(added, col) if added else col

    def restore(self, node: yaml.Node) -> None:
        """Put every mark of the composed tree back at her columns."""
        if not self.inserted:
            return
        for n, _, _ in walk(node, set(self.inserted)):
            n.start_mark = self._mark(n.start_mark)
            n.end_mark = self._mark(n.end_mark)

    def _mark(self, mark: yaml.Mark) -> yaml.Mark:
        if mark.line not in self.inserted:
            return mark
        return yaml.Mark(mark.name, mark.index, mark.line, self.column(mark.line, mark.column), None, None)  # type: ignore[arg-type]


def walk(root: yaml.Node, lines: set[int]) -> Iterator[tuple[yaml.Node, yaml.Node | None, bool]]:
    """(node, parent, is a mapping key) of every node whose span reaches one of ``lines``;
    a node shared by aliases is visited once."""
    wanted = sorted(lines)
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, yaml.Node | None, bool]] = [(root, None, False)]
    while stack:
        node, parent, is_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        first, last = node.start_mark.line, node.end_mark.line
        at = bisect.bisect_left(wanted, first)
        if at == len(wanted) or wanted[at] > last:
            continue
        yield node, parent, is_key
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, node, True))
                stack.append((value, node, False))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, node, False) for item in node.value)


def confirmed_in_parse(node: yaml.Node, found: list[Slip]) -> list[Slip]:
    """The candidates that are slips in a text YAML read without error: a plain text that
    starts with ``key：`` (or ``key:value``), or a flow item that holds a full-width comma."""
    lines = {s.line for s in found}
    starts: set[tuple[int, int]] = set()
    flow_items: list[tuple[int, int, int]] = []
    for n, parent, _ in walk(node, lines):
        if isinstance(n, yaml.ScalarNode) and not n.style:
            starts.add((n.start_mark.line, n.start_mark.column))
            in_flow = isinstance(parent, (yaml.MappingNode, yaml.SequenceNode)) and parent.flow_style
            if in_flow and n.start_mark.line == n.end_mark.line:
                flow_items.append((n.start_mark.line, n.start_mark.column, n.end_mark.column))
    out = []
    for s in found:
        if s.kind == "comma":
            if any(line == s.line and first < s.col < last for line, first, last in flow_items):
                out.append(s)
        elif (s.line, s.start) in starts:
            out.append(s)
    return out


def confirmed_in_mended(node: yaml.Node, found: list[Slip]) -> list[Slip]:
    """The candidates that, mended, start a key (colon, space) or an item (comma)."""
    lines = {s.line for s in found}
    keys: set[tuple[int, int]] = set()
    starts: set[tuple[int, int]] = set()
    for n, _, is_key in walk(node, lines):
        starts.add((n.start_mark.line, n.start_mark.column))
        if is_key:
            keys.add((n.start_mark.line, n.start_mark.column))
    return [s for s in found if (s.line, s.start) in (starts if s.kind == "comma" else keys)]
