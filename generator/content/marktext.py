"""What a Markdown text names and whether it is within limits, read without rendering it.

Loading checks every owner's and catalog text here: the local images it shows, the product
cards a post embeds (``{{< product SKU >}}`` on a line of its own, Hugo's shortcode syntax), and
the limits that keep Python-Markdown, which takes quadratic time or more on some inputs and
recurses once per level of nesting, from stalling a build (docs/formats.md, "Markdown limits").
Rendering is pages/markup.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import Diagnostics
from ..messages import msg

SHORTCODE_RE = re.compile(r"^\s*\{\{<\s*(\w+)\s*(.*?)\s*>\}\}\s*$")
# A product shortcode becomes a card marker in two steps, so that no owner text can make one
# (a card the loader did not see escapes the page's dependencies and keeps a stale price):
# Markdown sees a paragraph holding a token with a nonce drawn for this one render, which the
# text cannot contain; after sanitising, each such paragraph becomes an ``sf-card`` element, a
# tag the sanitiser removes from any text. The rendered HTML (and the Markdown cache) holds no
# nonce: a token Markdown did not leave as a paragraph of its own (in a code block) is written
# back as the shortcode.
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)


def is_remote(ref: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref)) or ref.startswith("//")


def local_image_refs_with_lines(text: str) -> Iterator[tuple[int, str]]:
    """(0-based line, path) of every local image a Markdown text refers to."""
    if "![" not in text and ("<" not in text or "<img" not in text.lower()):
        return  # most notes have no image at all
    for number, line in enumerate(text.splitlines()):
        for match in _IMAGE_RE.finditer(line):
            ref = match.group(1) or match.group(2)
            if not is_remote(ref):
                yield number, ref


def local_image_refs(text: str) -> list[str]:
    return [ref for _, ref in local_image_refs_with_lines(text)]


def shortcodes(body: str, diags: Diagnostics, path: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(0-based line, SKU) of each product shortcode; other shortcodes are errors."""
    for number, line in enumerate(body.splitlines()):
        match = SHORTCODE_RE.match(line)
        if match is None:
            if "{{<" in line:
                diags.add(
                    path, first_line + number, line.index("{{<") + 1, msg("malformed shortcode: write {{{{< product SKU >}}}} on a line of its own")
                )
            continue
        name, args = match.groups()
        if name != "product" or not args or " " in args:
            diags.add(
                path,
                first_line + number,
                1,
                msg("unknown shortcode '{shortcode}': write {{{{< product SKU >}}}}", shortcode=(name + " " + args).rstrip()),
            )
            continue
        yield number, args.strip("\"'")


# The limits (docs/formats.md "Markdown limits", generated from these). Sizes count characters,
# not bytes, so a Chinese text (three bytes a character) has the same room as an English one.
MAX_TEXT_CHARS = 65_536  # a bio, a pick's note, a collection's or a product's description
MAX_POST_CHARS = 262_144  # a post's body
MAX_NESTING = 32  # lists and quotes inside one another
MAX_OPEN = 32  # '[' (or '(') open at once within one paragraph
RENDER_SECONDS = 2.0  # processor time Markdown may spend on one text (enforced by pages/markup.py)

# A line's container markers: its indentation (four columns a level, Python-Markdown's tab
# length) and the quote and list markers that open it.
_CONTAINER_RE = re.compile(r"^([ \t]*)((?:(?:>|(?:[*+-]|\d{1,9}[.)])(?=[ \t]))[ \t]*)+)", re.MULTILINE)
_MARKER_RE = re.compile(r">|[*+-]|\d+[.)]")
# What the bracket count looks at: escapes (``\[`` is text), brackets, and blank lines, which
# end a paragraph (Markdown looks for a bracket's partner only within its paragraph).
_BRACKET_RE = re.compile(r"\\.|[\[\]()]|\n[ \t]*(?=\n)")


def limit_problems(text: str, what: str, *, post: bool = False) -> list[tuple[int, str]]:
    """(0-based line in ``text``, message) for each limit ``text`` goes past, at most one a kind.

    ``what`` names the text in messages ("this note"). A post's problems are reported at their
    line of its file; other texts' at the text's start, so the message names the line."""
    limit = MAX_POST_CHARS if post else MAX_TEXT_CHARS
    if len(text) > limit:
        advice = msg("split it into several posts") if post else msg("shorten it, or write the long part as a post")
        return [
            (0, msg("{what} is {length:,} characters; the limit is {limit:,}: {advice}", what=what, length=len(text), limit=limit, advice=advice))
        ]
    problems: list[tuple[int, str]] = []
    for match in _CONTAINER_RE.finditer(text):
        depth = len(match.group(1).expandtabs(4)) // 4 + len(_MARKER_RE.findall(match.group(2)))
        if depth > MAX_NESTING:
            line = text.count("\n", 0, match.start())
            where = "" if post else msg(" (line {line} of the text)", line=line + 1)
            problems.append(
                (
                    line,
                    msg(
                        "{what} nests lists and quotes {depth} deep{where}; the limit is {limit}: nest them less deeply",
                        what=what,
                        depth=depth,
                        where=where,
                        limit=MAX_NESTING,
                    ),
                )
            )
            break
    if text.count("[") > MAX_OPEN or text.count("(") > MAX_OPEN:  # else none can be over the limit
        opened = _most_open(text)
        if opened is not None:
            token, count, offset = opened
            line = text.count("\n", 0, offset)
            where = "" if post else msg(" (line {line} of the text)", line=line + 1)
            end = "]" if token == "[" else ")"
            message = msg(
                "{what} has {count:,} '{token}' open at once{where}; the limit is {limit}: close each"
                " '{token}' with '{end}', and write one meant as text as '\\{token}'",
                what=what,
                count=count,
                token=token,
                where=where,
                limit=MAX_OPEN,
                end=end,
            )
            problems.append((line, message))
    return problems


def _most_open(text: str) -> tuple[str, int, int] | None:
    """The first paragraph where more than MAX_OPEN '[' (or '(') are open at once: (the
    bracket, the most open in that paragraph, where the count first went past the limit).
    Python-Markdown looks for the partner of each '[' (and of the '(' after a link's text) up
    to the end of its paragraph, so many left open make it quadratic."""
    open_ = {"[": 0, "(": 0}
    closes = {"]": "[", ")": "("}
    found: tuple[str, int, int] | None = None
    for match in _BRACKET_RE.finditer(text):
        token = match.group()
        if token in open_:
            count = open_[token] = open_[token] + 1
            if found is None and count > MAX_OPEN:
                found = (token, count, match.start())
            elif found is not None and token == found[0] and count > found[1]:
                found = (token, count, found[2])
        elif token in closes:
            opener = closes[token]
            open_[opener] = max(0, open_[opener] - 1)
        elif token[0] != "\\":  # a blank line: the paragraph ends
            if found is not None:
                return found
            open_ = {"[": 0, "(": 0}
    return found
