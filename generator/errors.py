"""Diagnostics a user can fix: ``path:line:col: message``, collected and reported all at once.

The first line of each diagnostic is ``path:line:col: message`` (editors and scripts read it);
the lines after it are indented: the line of her file it points at, a caret under the column,
and a hint in plain words. A Chinese character takes two columns in a terminal, so the caret is
placed by display width, not by characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .messages import ENGLISH, Readers, msg, msgs, tr


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One mistake in the project, at a 1-based line and column of a file."""

    path: str
    line: int
    col: int
    message: str
    hint: str = field(default="", compare=False)
    whole_file: bool = field(default=False, compare=False)  # about the file itself: no line to show
    excerpt: str | None = field(default=None, compare=False)  # the text of the line, once attached
    warning: bool = field(default=False, compare=False)  # shown, but nothing is refused for it

    def __str__(self) -> str:
        return self.first_line(ENGLISH)

    def first_line(self, locale: str) -> str:
        """``path:line:col: message`` in ``locale``'s language (editors read this line)."""
        # a message quotes what she wrote (a key, a SKU): no character of it may drive a terminal
        text = printable(tr(self.message, locale))
        if self.warning:
            text = tr(msg("warning: {message}", message=text), locale)
        return f"{self.path}:{self.line}:{self.col}: {text}"

    def render(self, locale: str = ENGLISH) -> str:
        """The first line, then the excerpt with its caret and the hint, indented."""
        lines = [self.first_line(locale)]
        if self.excerpt is not None:
            lines.extend(excerpt_lines(self.line, self.col, self.excerpt))
        if self.hint:
            lines.append(INDENT + tr(msg("hint: {hint}", hint=printable(tr(self.hint, locale))), locale))
        return "\n".join(lines)


@dataclass
class Diagnostics:
    """An ordered bag of diagnostics; stages add to it and the build aborts once at the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int, col: int, message: str, *, hint: str = "", whole_file: bool = False) -> None:
        self.items.append(Diagnostic(path, line, col, message, hint, whole_file))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items))


class ContentError(Exception):
    """The project's content has mistakes; nothing was written."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__(self.render())

    def render(self, readers: Readers | None = None) -> str:
        """Every diagnostic (a blank line after one that shows more than its first line), then the
        count; each in its reader's language (``readers``), or as written (English) without."""
        blocks = [d.render(readers.of(d.path) if readers else ENGLISH) for d in self.diagnostics]
        lines = [block + "\n" if "\n" in block else block for block in blocks]
        n = len(self.diagnostics)
        lines.append(tr(msgs("1 error", "{n} errors", n), readers.cli if readers else ENGLISH))
        return "\n".join(lines)


class TemplateError(Exception):
    """A theme template failed; the message names the template file and line."""

    exit_code = 1


class UsageError(Exception):
    """The command was asked something impossible (unknown shop, bad option value)."""

    exit_code = 2


# The excerpt ------------------------------------------------------------------------------

INDENT = "    "
MAX_EXCERPT_CELLS = 100  # a longer line is cut around the column
# YAML's line breaks (libyaml counts lines at each): what line numbers mean in every file.
LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
MAX_EXCERPT_FILE = 512 * 1024 * 1024  # the largest file loading reads (the platform's catalog)


def _shown(char: str) -> tuple[str, int]:
    """How one character of her line is shown, and the terminal columns it takes. A control or
    invisible character (a byte-order mark, a zero-width space, an escape that would drive the
    terminal) is shown as '�', so the caret can point at it and nothing reaches the terminal."""
    if char == "\t":
        return "    ", 4
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "\ufffd", 1
    if category in ("Mn", "Me"):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in "WF" else 1


def printable(text: str) -> str:
    """``text`` as an excerpt shows it: every control, invisible or text-direction character as '�'."""
    return "".join(_shown(char)[0] for char in text)


def excerpt_lines(line: int, col: int, text: str) -> list[str]:
    """``    12 | text`` and ``       |    ^``: the caret as wide as the character it points at. A
    long line is cut to a window around the column ('…' where it is cut); only that window is
    looked at, since a line may be megabytes long."""
    index = max(0, min(col - 1, len(text)))
    start = max(0, index - MAX_EXCERPT_CELLS)
    cells = [_shown(c) for c in text[start : index + MAX_EXCERPT_CELLS]]
    index -= start
    first, last = 0, len(cells)
    if start > 0 or last < len(text) - start or sum(width for _, width in cells) > MAX_EXCERPT_CELLS:
        first, room = index, MAX_EXCERPT_CELLS // 2
        while first > 0 and cells[first - 1][1] <= room:
            room -= cells[first - 1][1]
            first -= 1
        last, room = first, MAX_EXCERPT_CELLS
        while last < len(cells) and cells[last][1] <= room:
            room -= cells[last][1]
            last += 1
    head = "…" if start + first > 0 else ""
    tail = "…" if start + last < len(text) else ""
    shown = head + "".join(s for s, _ in cells[first:last]) + tail
    before = len(head) + sum(width for _, width in cells[first:index])
    under = max(1, cells[index][1]) if index < len(cells) else 1
    gutter = str(line)
    return [f"{INDENT}{gutter} | {shown}".rstrip(), f"{INDENT}{' ' * len(gutter)} | {' ' * before}{'^' * under}"]


def source_lines(root: Path, path: str, cache: dict[str, list[str] | None]) -> list[str] | None:
    """The lines of a project file as loading numbered them, or None when it cannot be read."""
    if path not in cache:
        cache[path] = None
        try:
            base = root.resolve()
            file = (base / path).resolve()
            # only a file inside the project, reached through no link (loading refuses links too)
            if file == base / path and file.is_file() and file.stat().st_size <= MAX_EXCERPT_FILE:
                text = file.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
                cache[path] = LINE_BREAK.split(text)
        except OSError:
            pass
    return cache[path]


def with_excerpts(diagnostics: Iterable[Diagnostic], root: Path) -> list[Diagnostic]:
    """The diagnostics with the line each points at, read from the project's files (once each)."""
    cache: dict[str, list[str] | None] = {}
    out = []
    for d in diagnostics:
        lines = None if d.whole_file or d.excerpt is not None else source_lines(root, d.path, cache)
        if lines is not None and 1 <= d.line <= len(lines) and lines[d.line - 1].strip():
            d = replace(d, excerpt=lines[d.line - 1])
        out.append(d)
    return out
