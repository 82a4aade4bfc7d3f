"""YAML's mistakes in plain words, placed where she made them.

libyaml names a problem the way a parser sees it ("mapping values are not allowed in this
context") and often a line after the slip that caused it. Here each problem it can raise —
scanner, parser, reader and composer, as PyYAML's C loader surfaces them, and the pure-Python
loader's wording of the same — gets an instruction an owner can follow, at the place to fix:
the opening quote a text never closes, the tab used to indent, the byte-order mark pasted into
a line, the colon or comma typed on a Chinese keyboard (yamlslips.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from ..messages import msg
from .yamlslips import Mended, candidates, confirmed_in_mended, confirmed_in_parse

try:  # libyaml's C composer, when the wheel ships it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class Problem:
    """A mistake at a 0-based line and column of the text, in plain words, with a hint."""

    line: int
    col: int
    message: str
    hint: str = ""


ONE_DOCUMENT = msg("a '---' line starts a second document; each file holds one")


def _char_name(char: str) -> str:
    if char == "\t":
        return msg("a tab")
    if char == "\ufeff":
        return msg("an invisible byte-order mark (U+FEFF)")
    if unicodedata.category(char).startswith("C"):
        return msg("an invisible control character (U+{code:04X})", code=ord(char))
    return msg("'{char}'", char=char)


# Each problem libyaml (and PyYAML's pure-Python loader) reports, by a pattern of its wording,
# to what she should do. ``at_context`` reports it where the construct began (the opening quote
# or bracket) rather than where the parser gave up.
Explainer = Callable[[str], tuple[str, str]]


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    explain: Explainer
    at_context: str = ""  # "always", or "earlier" (when the construct began on an earlier line)


def _fixed(message: str, hint: str = "") -> Explainer:
    return lambda _: (message, hint)


def _cannot_start(char: str) -> tuple[str, str]:
    if char in "@`":
        return msg("a value cannot start with '{char}': put the whole value in quotes, like \"{char}…\"", char=char), msg(
            "YAML keeps '@' and '`' for itself"
        )
    if char == "%":
        return msg("a value cannot start with '%': put the whole value in quotes, like \"%…\""), msg(
            "YAML reads a line that starts with '%' as a directive"
        )
    return (
        msg("{char} cannot start a value here: remove it, or put the whole value in quotes", char=_char_name(char)),
        msg("YAML keeps some characters for itself; in quotes any text is fine"),
    )


CONTROL = Rule(
    re.compile(r"control characters|special characters|unacceptable character|invalid Unicode character"),
    _fixed(msg("remove the invisible control character here"), msg("it was probably pasted along with the text; delete the line and type it again")),
)

RULES: tuple[Rule, ...] = (
    Rule(
        re.compile(r"mapping values are not allowed"),
        _fixed(
            msg("unexpected ':' here: put a text that contains ': ' in quotes, or line this key up with the keys above it"),
            msg("a ':' followed by a space starts a new key; in a value, write it inside quotes, like title: \"小美: 好物\""),
        ),
    ),
    Rule(
        re.compile(r"could not find expected ':'"),
        _fixed(
            msg("write a ':' and a space after the key on this line, like title: 小美的店"),
            msg("every line of shop.yaml is 'key: value', or '- ' and an item of a list"),
        ),
        at_context="always",
    ),
    Rule(re.compile(r"cannot start any token"), lambda char: _cannot_start(char)),
    Rule(
        re.compile(r"did not find expected key|expected <block end>|invalid indentation"),
        _fixed(
            msg("this line is not lined up with the lines above it: start each key of a group, and each '- ' item of a list, at the same column"),
            msg("the spaces at the start of a line say where it belongs; use the same number as its neighbours"),
        ),
    ),
    Rule(
        re.compile(r"did not find expected '-' indicator"),
        _fixed(
            msg("this line is inside a list, where each item starts with '- ': start it with '- ', or move it left"),
            msg("to end the list, line this key up with the key above the list"),
        ),
    ),
    Rule(
        re.compile(r"did not find expected node content|expected the node content"),
        _fixed(
            msg(
                "a value is missing here, or starts with a character YAML keeps for itself ('[',"
                " '{{', ',', '&', '*', '!', '|', '>'): put the whole value in quotes"
            ),
            msg('like title: "[新品] 小美的店" — in quotes a value may start with anything'),
        ),
    ),
    Rule(
        re.compile(r"expected ',' or '\]'|did not find expected ',' or '\]'"),
        _fixed(
            msg("this list is not closed: separate its items with ',' and end it with ']'"),
            msg("a list written on one line looks like [BB-1001, BB-2002]"),
        ),
        at_context="earlier",
    ),
    Rule(
        re.compile(r"expected ',' or '\}'|did not find expected ',' or '\}'"),
        _fixed(
            msg("this group is not closed: separate its entries with ',' and end it with '}}'"),
            msg("a group written on one line looks like {{sku: BB-1001, featured: true}}"),
        ),
        at_context="earlier",
    ),
    Rule(
        re.compile(r"found unexpected end of stream|found unexpected document (indicator|separator)"),
        _fixed(
            msg("this quote is never closed: end the text with the same quote mark"),
            msg('a text in quotes ends with the same kind of quote on the same line, like "小美的店"'),
        ),
        at_context="always",
    ),
    Rule(
        re.compile(r"unknown escape character|hexdecimal number|Unicode character escape code|escape sequence"),
        _fixed(
            msg("'\\' starts an escape in double quotes: write '\\\\' for a backslash, or use single quotes"),
            msg("in \"…\" a backslash begins a code like \\n; 'C:\\photos' in single quotes is written as it is"),
        ),
    ),
    Rule(
        re.compile(r"found unexpected ':'|found unexpected ':' while scanning"),
        _fixed(
            msg("write a space after ':' here, or put the whole value in quotes"),
            msg("YAML needs ': ' (a colon and a space) between a key and its value"),
        ),
    ),
    Rule(
        re.compile(r"tab character"),
        _fixed(msg("indent with spaces, not a tab"), msg("YAML counts spaces to see where a line belongs; a tab cannot be counted")),
    ),
    Rule(
        re.compile(r"indentation indicator|while scanning a block scalar|expected a comment or a line break"),
        _fixed(
            msg("after '|' or '>' write nothing more on the line: start the text on the next line, indented"),
            msg("bio: | on its own line, then the text below it, two spaces in"),
        ),
    ),
    Rule(
        re.compile(r"sequence entries are not allowed"),
        _fixed(
            msg("a '- ' list item must start a line of its own: move it to the next line, indented under its key"),
            msg("picks: on one line, then '  - BB-1001' on the next"),
        ),
    ),
    Rule(
        re.compile(r"mapping keys are not allowed"),
        _fixed(msg("a value cannot start with '?': put the whole value in quotes"), msg("YAML reads '? ' as the start of a complex key")),
    ),
    Rule(
        re.compile(r"anchor|alias"),
        _fixed(
            msg("a value cannot start with '&' or '*': put the whole value in quotes"),
            msg("YAML reads '&name' and '*name' as a label and a reference to it"),
        ),
    ),
    Rule(
        re.compile(r"tag|'!'"),
        _fixed(msg("a value cannot start with '!': put the whole value in quotes"), msg("YAML reads '!' at the start of a value as a type")),
    ),
    Rule(
        re.compile(r"directive|%YAML|%TAG|incompatible YAML document"),
        _fixed(msg("remove this line that starts with '%', or put its text in quotes"), msg("YAML reads a line that starts with '%' as a directive")),
    ),
    Rule(
        re.compile(r"document start|single document|another document|document separator"),
        _fixed(msg("write one document only: remove the '---' line here, and anything meant for another file"), ONE_DOCUMENT),
    ),
    Rule(
        re.compile(r"[Mm]aximum nesting|too deep"),
        _fixed(
            msg("this is nested too deeply: write lists and groups at most a few levels inside one another"),
            msg("shop.yaml needs two or three levels at most"),
        ),
    ),
    CONTROL,
    Rule(
        re.compile(r"UTF-8|UTF-16|octet|surrogate|decode|input error|stream-start"),
        _fixed(msg("this file is not UTF-8 text: save it as UTF-8"), msg("in the editor's Save As, choose the encoding UTF-8")),
    ),
    Rule(re.compile(r"input is too long"), _fixed(msg("this file is too large"), msg("split it, or remove what it does not need"))),
)

FALLBACK = Rule(
    re.compile(""),
    _fixed(
        msg("this line cannot be read: check its indentation and that each key has ': ' (a colon and a space) after it"),
        msg("compare it with a line above that works"),
    ),
)


def rule_for(context: str, problem: str) -> Rule:
    """The rule for a problem as libyaml (or the pure-Python loader) words it."""
    words = f"{context} {problem}"
    return next((r for r in RULES if r.pattern.search(words)), FALLBACK)


def _line_of(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index)
    start = text.rfind("\n", 0, index) + 1
    return line, index - start


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _quoted_cause(text: str, line: int, col: int) -> Problem | None:
    """A quote behind a parse error at ``line:col``: a text in quotes that runs on over lines
    to end where the error is (its quote was never closed on its line), or one followed at once
    by more text (an apostrophe inside single quotes)."""
    last: Any = None
    following: Any = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if (token.start_mark.line, token.start_mark.column) > (line, col):
                break
            if last is not None and following is None and last is not token:
                following = token
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'):
                last, following = token, None
    except yaml.YAMLError:
        pass
    if last is None:
        return None
    quote = last.style
    start, end = last.start_mark, last.end_mark
    if start.line != end.line and end.line == line:
        return Problem(
            start.line,
            start.column,
            msg("this quote is not closed on its line: end the text with {quote}", quote=quote),
            msg("YAML read on to the next {quote} (line {line}) as part of this text", quote=quote, line=end.line + 1),
        )
    after = following is not None and isinstance(following, yaml.ScalarToken) and following.start_mark.line == end.line
    if start.line == end.line == line and after:
        if quote == "'" and following.start_mark.index == end.index:
            return Problem(
                end.line,
                end.column - 1,
                msg("this ' ends the quoted text early: inside single quotes write '' for an apostrophe, or use double quotes"),
                msg('like title: "Amy\'s picks"'),
            )
        return Problem(
            following.start_mark.line,
            following.start_mark.column,
            msg("this text comes after the closing {quote}: put the whole value inside the quotes", quote=quote),
            msg("a value in quotes ends at its closing quote; nothing but a comment may follow it on the line"),
        )
    return None


def explain(exc: yaml.YAMLError, text: str) -> Problem:
    """Where to fix the mistake libyaml raised, and how."""
    if isinstance(exc, yaml.reader.ReaderError):
        index = exc.position
        if yaml.__with_libyaml__:  # libyaml counts bytes of UTF-8
            index = len(text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore"))
        line, col = _line_of(text, min(index, len(text)))
        char = text[index] if index < len(text) else ""
        if char == "\ufeff":
            return _bom(line, col)
        message, hint = CONTROL.explain("")
        return Problem(line, col, msg("remove {char} here", char=_char_name(char)) if char else message, hint)
    if not isinstance(exc, yaml.MarkedYAMLError):
        message, hint = FALLBACK.explain("")
        return Problem(0, 0, message, hint)
    problem = exc.problem or exc.context or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line, mark.column) if mark is not None else (0, 0)
    lines = _lines(text)
    here = lines[line] if line < len(lines) else ""
    char = here[col] if col < len(here) else ""
    # The slips that make libyaml give up, reported as what they are.
    bom = here.find("\ufeff")
    if bom >= 0:
        return _bom(line, bom)
    tab = _tab_in_indent(lines, line)
    if tab is not None:
        return Problem(
            tab[0], tab[1], msg("indent with spaces, not a tab"), msg("YAML counts spaces to see where a line belongs; a tab cannot be counted")
        )
    if exc.__class__.__name__ == "ComposerError":
        return _composer(exc, problem, context, line, col)
    if "quoted scalar" not in context:
        quoted = _quoted_cause(text, line, col)
        if quoted is not None:
            return quoted
    rule = rule_for(context, problem)
    message, hint = rule.explain(char)
    earlier = exc.context_mark is not None and exc.context_mark.line < line
    if exc.context_mark is not None and (rule.at_context == "always" or (rule.at_context == "earlier" and earlier)):
        line, col = exc.context_mark.line, exc.context_mark.column
    return Problem(line, col, message, hint)


def _bom(line: int, col: int) -> Problem:
    return Problem(
        line,
        col,
        msg("remove the invisible byte-order mark (U+FEFF) here"),
        msg("it comes with text copied from a file saved by Windows Notepad; delete the start of this line and type it again"),
    )


def _tab_in_indent(lines: list[str], line: int) -> tuple[int, int] | None:
    """A tab in the indentation of the error's line or the line before it (libyaml stops at one)."""
    for number in (line, line - 1):
        if 0 <= number < len(lines):
            text = lines[number]
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in indent and text.strip():
                return number, indent.index("\t")
    return None


def _composer(exc: yaml.MarkedYAMLError, problem: str, context: str, line: int, col: int) -> Problem:
    if "undefined alias" in problem:
        return Problem(
            line,
            col,
            msg("a value cannot start with '*': put the whole value in quotes"),
            msg("YAML reads '*name' as a reference to a '&name' label above"),
        )
    if "duplicate anchor" in context:
        return Problem(
            line,
            col,
            msg("the label '&…' is used twice: give each a different name, or put the values in quotes"),
            msg("YAML reads '&name' as a label"),
        )
    return Problem(line, col, msg("write one document only: remove the '---' line here, and anything meant for another file"), ONE_DOCUMENT)


# Composing, with the slips -------------------------------------------------------------


def compose(text: str) -> tuple[yaml.Node | None, list[Problem]]:
    """The node tree of ``text`` and its mistakes. With the slips a keyboard makes, the tree is
    that of the text with them mended (so the checks go on), and each slip is a mistake."""
    found = candidates(text)
    try:
        node = yaml.compose(text, Loader=_Loader)
        error: yaml.YAMLError | None = None
    except yaml.YAMLError as exc:
        node, error = None, exc
    if not found:
        return node, [explain(error, text)] if error is not None else []
    lines = _lines(text)
    if error is None:
        slips = confirmed_in_parse(node, found) if node is not None else []
        if not slips:
            return node, []
        return _mended(text, lines, slips)
    mended = Mended(text, found)
    try:
        fixed = yaml.compose(mended.text, Loader=_Loader)
    except yaml.YAMLError as again:
        if _same(error, again, mended):  # the candidates changed nothing: they were text
            return None, [explain(error, text)]
        return None, [*_slip_problems(found, lines), _moved(explain(again, mended.text), mended)]
    if fixed is not None:
        mended.restore(fixed)
    slips = confirmed_in_mended(fixed, found) if fixed is not None else []
    if not slips:
        return None, [explain(error, text)]
    return _mended(text, lines, slips)


def _mended(text: str, lines: list[str], slips: list[Any]) -> tuple[yaml.Node | None, list[Problem]]:
    problems = _slip_problems(slips, lines)
    mended = Mended(text, slips)
    try:
        node = yaml.compose(mended.text, Loader=_Loader)
    except yaml.YAMLError as exc:
        return None, [*problems, _moved(explain(exc, mended.text), mended)]
    if node is not None:
        mended.restore(node)
    return node, problems


def _slip_problems(slips: list[Any], lines: list[str]) -> list[Problem]:
    out = []
    for slip in slips:
        message, hint = slip.message(lines[slip.line])
        out.append(Problem(slip.line, slip.col, message, hint))
    return out


def _moved(problem: Problem, mended: Mended) -> Problem:
    return Problem(problem.line, mended.column(problem.line, problem.col), problem.message, problem.hint)


def _same(first: yaml.YAMLError, second: yaml.YAMLError, mended: Mended) -> bool:
    a = getattr(first, "problem_mark", None)
    b = getattr(second, "problem_mark", None)
    if a is None or b is None:
        return str(first) == str(second)
    return (a.line, a.column) == (b.line, mended.column(b.line, b.column)) and getattr(first, "problem", None) == getattr(second, "problem", None)
