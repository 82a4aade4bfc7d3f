"""Load the project's files: YAML read safely, with the source position of every key and value.

PyYAML's constructors are not used: we compose the node graph (libyaml's C parser when
present) and build plain Python values ourselves, so that
- duplicate keys are an error instead of "last one wins",
- a number with a fraction becomes a ``Decimal`` built from its text, never a float,
- dates stay text (the schema parses them), unknown tags are refused,
- depth and node count are bounded, so alias bombs cannot explode,
- every value keeps its ``line:col`` for diagnostics.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..cache.keptfile import KeptFile
from ..errors import Diagnostics
from ..messages import msg
from . import yamlerrors

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_NODES = 500_000
# The platform's catalog is trusted to be large (20,000 products is 23 MB and about 500,000
# values), not to be hostile: its limits only stop a runaway file.
MAX_CATALOG_BYTES = 512 * 1024 * 1024
MAX_CATALOG_NODES = 50_000_000
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class SpelledInt(int):
    """A whole number YAML reads from a spelling other than plain digits (``1_000``, ``0x10``,
    ``+5``). It is a number wherever one is wanted, and keeps its text so that money, which
    must be written as it is meant, can refuse it."""

    text: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (_spelled, (self.text, int(self)))


class SpelledDecimal(Decimal):
    """A fraction YAML reads from a spelling other than plain digits (``.5``, ``1.5e+3``, ``1_0.5``)."""

    text: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (_spelled, (self.text, Decimal(self)))


def _spelled(text: str, value: int | Decimal) -> int | Decimal:
    spelled: SpelledInt | SpelledDecimal = SpelledInt(value) if isinstance(value, int) else SpelledDecimal(value)
    spelled.text = text
    return spelled


@dataclass
class Document:
    """A loaded YAML document: its data plus where each value and key started (1-based)."""

    path: str
    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0

    def at(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(loc)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), (1 + self.line_offset, 1))


class _Builder:
    def __init__(self, doc: Document, diags: Diagnostics, max_nodes: int = MAX_NODES) -> None:
        self.doc = doc
        self.diags = diags
        self.nodes = 0
        self.max_nodes = max_nodes

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.doc.line_offset, node.start_mark.column + 1

    def fail(self, node: yaml.Node, message: str) -> None:
        line, col = self.pos(node)
        self.diags.add(self.doc.path, line, col, message)

    def build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes or depth > MAX_DEPTH:
            raise _TooBig(node)
        self.doc.values.setdefault(loc, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                self.fail(node, msg("unsupported YAML tag {tag}", tag=node.tag))
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            self.fail(node, msg("unsupported YAML tag {tag}", tag=node.tag))
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.fail(key_node, msg("YAML merge keys (<<) are not supported"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, msg("mapping keys must be plain text"))
                continue
            key = str(key_node.value)
            if key in out:
                first = self.doc.keys[(*loc, key)]
                self.fail(key_node, msg("duplicate key '{key}' (first defined at line {line})", key=key, line=first[0]))
                continue
            self.doc.keys[(*loc, key)] = self.pos(key_node)
            out[key] = self.build(value_node, (*loc, key), depth + 1)
        return out

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == _TAG + "str":
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() in ("yes", "true", "on", "y")
        if tag == _TAG + "int":
            try:
                number = int(text.replace("_", ""), 0)
            except ValueError:
                return text
            return number if _PLAIN_NUMBER.fullmatch(text) else _spelled(text, number)
        if tag == _TAG + "float":
            try:
                value = Decimal(text.replace("_", ""))
            except InvalidOperation:
                self.fail(node, msg("'{text}' is not a finite number", text=text))
                return None
            if not value.is_finite():
                self.fail(node, msg("'{text}' is not a finite number", text=text))
                return None
            return value if _PLAIN_NUMBER.fullmatch(text) else _spelled(text, value)
        if tag == _TAG + "timestamp":
            return text  # the schema parses dates
        self.fail(node, msg("unsupported YAML tag {tag}", tag=tag))
        return None


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def parse_yaml(text: str, path: str, diags: Diagnostics, *, line_offset: int = 0, max_nodes: int = MAX_NODES) -> Document | None:
    """Parse one YAML document; mistakes go to ``diags`` and give ``None``."""
    doc = Document(path=path, data=None, line_offset=line_offset)
    node, problems = yamlerrors.compose(text)
    for problem in problems:
        diags.add(path, problem.line + 1 + line_offset, problem.col + 1, problem.message, hint=problem.hint)
    if node is None:
        if problems:
            return None
        doc.data = {}
        return doc
    return build_document(node, path, diags, line_offset=line_offset, max_nodes=max_nodes)


def build_document(node: yaml.Node, path: str, diags: Diagnostics, *, line_offset: int = 0, max_nodes: int = MAX_NODES) -> Document | None:
    """The values of a composed node, with the position of each; mistakes go to ``diags``."""
    doc = Document(path=path, data=None, line_offset=line_offset)
    builder = _Builder(doc, diags, max_nodes)
    try:
        doc.data = builder.build(node, (), 0)
    except _TooBig as exc:
        builder.fail(
            exc.node,
            msg("document too large or too deeply nested (limits: {max_nodes} values, depth {MAX_DEPTH})", max_nodes=max_nodes, MAX_DEPTH=MAX_DEPTH),
        )
        return None
    return doc  # non-fatal mistakes (duplicate keys, tags) are in diags; keep checking the rest


def read_text(path: Path, shown: str, diags: Diagnostics, limit: int = MAX_FILE_BYTES) -> str | None:
    """Read a UTF-8 text file with a size bound; mistakes go to ``diags``."""
    try:
        size = path.stat().st_size
        if size > limit:
            diags.add(shown, 1, 1, msg("file is too large ({size} bytes; the limit is {limit})", size=size, limit=limit))
            return None
        data = path.read_bytes()
        # A byte-order mark that starts a file (Windows Notepad writes one) is no part of its text.
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        diags.add(
            shown,
            line,
            col,
            msg("this file is not saved as UTF-8 text: save it again with the encoding UTF-8"),
            hint=msg("an editor set to GBK or another local encoding saves Chinese text so that no other computer reads it the same"),
        )
    except OSError as exc:
        diags.add(shown, 1, 1, msg("cannot read file: {strerror}", strerror=exc.strerror))
    return None


# Kept texts parsed again rather than read from the store, up to this many characters a run,
# while the store is not read yet: the store holds every document of every shop, and reading
# it whole for the few unchanged files of one edited shop (her posts) costs far more than
# parsing them.
PARSE_INSTEAD = 256 * 1024


class ParseCache:
    """Parsed documents kept between runs in the cache folder (a KeptFile), keyed
    by a hash of the file's path and text. Only documents that parsed without a mistake are
    kept, so every mistake is reported on every run."""

    def __init__(self, path: Path | None, tag: str, *, read: bool = True) -> None:
        self.kept = KeptFile(path, tag, read=read, index=True)  # a new text: a miss without reading the store
        self.parsed_instead = 0  # characters of kept texts parsed again (PARSE_INSTEAD)

    def parse(self, text: str, shown: str, diags: Diagnostics, *, line_offset: int = 0, max_nodes: int = MAX_NODES) -> Document | None:
        key = hashlib.sha256(f"{shown}\0{line_offset}\0{text}".encode()).hexdigest()
        if self.parsed_instead + len(text) <= PARSE_INSTEAD and self.kept.holds(key):
            before = len(diags)
            doc = parse_yaml(text, shown, diags, line_offset=line_offset, max_nodes=max_nodes)
            if doc is not None and len(diags) == before:
                self.parsed_instead += len(text)
                self.kept.mark_used((key,))  # still the store's, kept as if read
            return doc
        doc = self.kept.get(key)
        if doc is None:
            before = len(diags)
            doc = parse_yaml(text, shown, diags, line_offset=line_offset, max_nodes=max_nodes)
            if doc is None or len(diags) > before:
                return doc
            self.kept.put(key, doc)
        return doc

    def save(self) -> None:
        self.kept.save()


def load_yaml_file(path: Path, shown: str, diags: Diagnostics, cache: ParseCache | None = None, *, big: bool = False) -> Document | None:
    """Parse one YAML file; ``big`` for the platform's catalog, trusted to be large."""
    text = read_text(path, shown, diags, MAX_CATALOG_BYTES if big else MAX_FILE_BYTES)
    if text is None:
        return None
    return load_yaml_text(text, shown, diags, cache, big=big)


def load_yaml_text(text: str, shown: str, diags: Diagnostics, cache: ParseCache | None = None, *, big: bool = False) -> Document | None:
    """``load_yaml_file`` once the file is read."""
    max_nodes = MAX_CATALOG_NODES if big else MAX_NODES
    if cache is not None:
        return cache.parse(text, shown, diags, max_nodes=max_nodes)
    return parse_yaml(text, shown, diags, max_nodes=max_nodes)


@dataclass
class FrontMatter:
    """A Markdown file split into its YAML front matter and its body."""

    meta: Document | None
    body: str
    body_line: int  # 1-based line where the body starts


def split_front_matter(text: str, path: str, diags: Diagnostics, cache: ParseCache | None = None) -> FrontMatter:
    """``---`` YAML ``---`` then Markdown, as Hugo, Jekyll and Lektor-style tools read it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        diags.add(path, 1, 1, msg("a post must start with YAML front matter between '---' lines"))
        return FrontMatter(None, text, 1)
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            meta_text = "".join(lines[1:i])
            meta = cache.parse(meta_text, path, diags, line_offset=1) if cache is not None else parse_yaml(meta_text, path, diags, line_offset=1)
            return FrontMatter(meta, "".join(lines[i + 1 :]), i + 2)
    diags.add(path, 1, 1, msg("front matter is not closed by a '---' line"))
    return FrontMatter(None, "", 1)
