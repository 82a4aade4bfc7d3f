"""Help text wrapped by the columns it takes, for Chinese ``--help``.

Click wraps help at spaces and counts one column a character. Chinese has no spaces between
words and each character takes two columns, so click would cut a Chinese line only where an
option name leaves a space, at twice the terminal's width, and the terminal would fold it again
mid-column. :class:`WideFormatter` wraps by display width instead, a line may end after any
Chinese character, and a closing punctuation mark stays on the line it closes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import click

# never the first character of a line (Chinese typesetting's rule for closing punctuation)
_CLOSING = set("，。、；：？！）」』】》〉”’….,;:!?)]}")
# never the last character of a line: an opening bracket or quote goes down with what it opens
_OPENING = set("([{（「『【《〈“‘")


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a wide (CJK) character takes two."""
    return sum(2 if _wide(c) else 1 for c in text)


def tokens(text: str) -> list[str]:
    """``text`` cut where a line may end: around each wide character and at spaces."""
    out: list[str] = []
    word = ""
    for c in text:
        if c.isspace() or _wide(c):
            if word:
                out.append(word)
                word = ""
            if c.isspace():
                if not out or not out[-1].isspace():
                    out.append(" ")
            else:
                out.append(c)
        else:
            word += c
    if word:
        out.append(word)
    merged: list[str] = []
    for token in out:
        if merged and merged[-1] != " " and set(merged[-1]) <= _OPENING and token != " ":
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def _opens_line(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[0] != " " and tokens[0][0] not in _CLOSING


def fill(text: str, columns: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """One paragraph in lines of at most ``columns`` (a word longer than a line gets its own).

    A closing mark that does not fit takes the character before it down to the next line."""
    lines: list[str] = []
    line: list[str] = []
    indent = initial_indent
    for token in tokens(text):
        if token == " " and not line:
            continue
        if token != " " and line and width("".join(line) + token) > columns - width(indent):
            carried: list[str] = []
            if token[0] in _CLOSING:  # the character (or word) the mark closes goes down with it
                while len(line) > 1 and not _opens_line(carried):
                    carried.insert(0, line.pop())
                if not _opens_line(carried):  # nothing to take down: the mark hangs past the margin
                    line += [*carried, token]
                    continue
            lines.append(indent + "".join(line).rstrip())
            line, indent = carried, subsequent_indent
        line.append(token)
    if line or not lines:
        lines.append(indent + "".join(line).rstrip())
    return "\n".join(lines)


def wrap(text: str, columns: int, indent: str = "") -> str:
    """Paragraphs (parted by an empty line) each filled; a paragraph marked ``\\b`` is kept as written."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            out.append("\n".join(indent + line for line in lines[1:]))
        else:
            out.append(fill(" ".join(line.strip() for line in lines), columns, indent, indent))
    return "\n\n".join(out)


class WideFormatter(click.HelpFormatter):
    """Click's help layout, with lines measured in display columns."""

    def write_text(self, text: str) -> None:
        self.write(wrap(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap(second, text_width).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")
