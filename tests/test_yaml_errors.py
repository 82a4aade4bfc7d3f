"""YAML mistakes in plain words, at the place to fix them; the excerpt under each diagnostic."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from generator.content.sources import parse_yaml
from generator.content.yamlerrors import FALLBACK, rule_for
from generator.errors import ContentError, Diagnostic, Diagnostics, excerpt_lines


def first(text: str) -> list[str]:
    diags = Diagnostics()
    parse_yaml(text, "shop.yaml", diags)
    return [str(d) for d in diags.sorted()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title：小美的店\nowner: 小美\n", "1:6: use an ASCII colon ':' followed by a space after 'title', not the full-width '：'"),
        ("title: 小美的店\nowner：小美\nbio: 两个娃\n", "2:6: use an ASCII colon ':' followed by a space after 'owner', not the full-width '：'"),
        ("picks:\n  - sku：BB-1001\n", "2:8: use an ASCII colon ':' followed by a space after 'sku', not the full-width '：'"),
        ("skus: [BB-1001，BB-2002]\n", "1:15: use an ASCII comma ',' here, not the full-width '，'"),
        ("title:小美的店\n", "1:6: write a space after 'title:'"),
        ("title:\u3000小美\n", "1:6: write an ordinary space after 'title:', not the wide space '　'"),
        ("picks:\n\t- BB-1001\n", "2:1: indent with spaces, not a tab"),
        ("title: 小美\n\ufeffowner: 小美\n", "2:1: remove the invisible byte-order mark (U+FEFF) here"),
        ('title: "小美的店\nowner: 小美\nbio: "两个娃"\n', '1:8: this quote is not closed on its line: end the text with "'),
        ("title: 小美\nowner: '小美\n", "2:8: this quote is never closed: end the text with the same quote mark"),
        ("title: 'Amy's picks'\n", "1:12: this ' ends the quoted text early: inside single quotes write '' for an apostrophe, or use double quotes"),
        ('title: "Amy" shop\n', '1:14: this text comes after the closing ": put the whole value inside the quotes'),
        ("title: 小美: 好物\n", "1:10: unexpected ':' here: put a text that contains ': ' in quotes, or line this key up with the keys above it"),
        ("title: x\nowner 小美\nbio: y\n", "2:1: write a ':' and a space after the key on this line, like title: 小美的店"),
        (
            "picks:\n  - BB-1001\n - BB-2002\n",
            "3:2: this line is not lined up with the lines above it: start each key of a group, and each '- ' item of a list, at the same column",
        ),
        (
            "picks:\n  - BB-1001\n  owner: x\n",
            "3:3: this line is inside a list, where each item starts with '- ': start it with '- ', or move it left",
        ),
        ("title: @xiaomei\n", "1:8: a value cannot start with '@': put the whole value in quotes, like \"@…\""),
        ("title: *x\n", "1:8: a value cannot start with '*': put the whole value in quotes"),
        ("a: &x 1\nb: &x 2\n", "2:4: the label '&…' is used twice: give each a different name, or put the values in quotes"),
        ("a: 1\n---\nb: 2\n", "2:1: write one document only: remove the '---' line here, and anything meant for another file"),
        ('a: "C:\\photos"\n', "1:7: '\\' starts an escape in double quotes: write '\\\\' for a backslash, or use single quotes"),
        ("skus: [BB-1001, BB-2002\nowner: x\n", "1:7: this list is not closed: separate its items with ',' and end it with ']'"),
        ("contact: {wechat: x\nowner: x\n", "1:10: this group is not closed: separate its entries with ',' and end it with '}'"),
        ("title: a\x07b\n", "1:9: remove an invisible control character (U+0007) here"),
        ("bio: >0\n  x\n", "1:7: after '|' or '>' write nothing more on the line: start the text on the next line, indented"),
        ("title: - x\n", "1:8: a '- ' list item must start a line of its own: move it to the next line, indented under its key"),
    ],
)
def test_each_yaml_problem_is_an_instruction_at_its_place(text: str, expected: str) -> None:
    assert first(text)[0] == f"shop.yaml:{expected}"


@pytest.mark.parametrize(
    "text",
    [
        "bio: |\n  备注：周末发货\n  Note：ships on Saturdays\ntitle: x\n",  # inside a text: not a slip
        "note: 我家老二\n  Tip：一定要冲泡\n",  # a text's second line
        "picks: [{sku: BB-1001, note: 好吃，推荐}]\n",  # a Chinese comma in a note
        "images:\n  - data:image/png;base64,xx\n  - https://example.com/a.png\n",
        "\ufefftitle: 小美\n",  # a byte-order mark that starts the file
    ],
)
def test_the_same_characters_in_a_text_are_no_mistake(text: str) -> None:
    assert first(text) == []


def test_the_text_after_a_slip_is_still_checked() -> None:
    diags = Diagnostics()
    doc = parse_yaml("title：小美的店\nowner: 小美\npicks:\n  - sku：BB-1001\n    note: 好\n", "shop.yaml", diags)
    assert [d.line for d in diags.items] == [1, 4]
    assert doc is not None and doc.data == {"title": "小美的店", "owner": "小美", "picks": [{"sku": "BB-1001", "note": "好"}]}
    assert doc.at(("picks", 0, "note")) == (5, 11)
    two = Diagnostics()
    parse_yaml("title：小美的店\nowner: 小美\npicks:\n  - BB-1001\n - BB-2002\n", "shop.yaml", two)
    assert [(d.line, d.col) for d in two.sorted()] == [(1, 6), (5, 2)]


def test_the_excerpt_puts_the_caret_under_the_column_by_display_width() -> None:
    assert excerpt_lines(1, 6, "title：小美的店") == ["    1 | title：小美的店", "      |      ^^"]
    assert excerpt_lines(12, 7, "  - 小美：x") == ["    12 |   - 小美：x", "       |         ^^"]
    assert excerpt_lines(3, 2, "a\x1b[31mb") == ["    3 | a\ufffd[31mb", "      |  ^"]  # nothing reaches the terminal
    long = excerpt_lines(7, 2_000_001, "ab" * 2_000_000)
    assert long[0].startswith("    7 | …") and long[0].endswith("…") and len(long[0]) < 120
    assert long[1].index("^") - long[1].index("|") - 2 == long[0].index("…") - long[0].index("|") - 2 + 51


def test_a_report_shows_each_excerpt_and_hint_indented_under_its_first_line() -> None:
    found = Diagnostic("content/amy/shop.yaml", 1, 6, "use an ASCII colon", hint="switch to English input", excerpt="title：小美")
    plain = Diagnostic("content/amy/shop.yaml", 1, 1, "shop.yaml not found", whole_file=True)
    assert ContentError([found, plain]).render().splitlines() == [
        "content/amy/shop.yaml:1:1: shop.yaml not found",
        "content/amy/shop.yaml:1:6: use an ASCII colon",
        "    1 | title：小美",
        "      |      ^^",
        "    hint: switch to English input",
        "",
        "2 errors",
    ]


@pytest.mark.parametrize(
    "text",
    ["a: [" + "A，" * 500_000 + "]\n", "a:\n" + "  - sku：x\n" * 100_000, "a: {" + "k：1, " * 100_000 + "}\n", "k：1\n" * 300_000],
    ids=["commas-in-a-flow-list", "colons-in-a-block-list", "colons-in-a-flow-map", "colons-on-every-line"],
)
def test_many_slips_cost_a_fixed_number_of_passes(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """However many slips a file holds, the parser reads it a fixed number of times (the text, then
    the text mended): a pass per slip would make a long file take hours. The suite's timeout
    catches a pass that went quadratic some other way; speed itself is the benchmark's."""
    passes = []
    compose = yaml.compose

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(1)
        return compose(*args, **kwargs)

    monkeypatch.setattr(yaml, "compose", counted)
    diags = Diagnostics()
    parse_yaml(text, "shop.yaml", diags)
    assert diags and 1 <= len(passes) <= 3


# Every problem libyaml's scanner, parser and reader can raise, with its context (the loader in
# use), PyYAML's composer's, and the pure-Python loader's wording of the same.
LIBYAML = [
    ("while scanning for the next token", "found character that cannot start any token"),
    ("while scanning a simple key", "could not find expected ':'"),
    ("", "block sequence entries are not allowed in this context"),
    ("", "mapping keys are not allowed in this context"),
    ("", "mapping values are not allowed in this context"),
    ("while scanning a directive", "found unknown directive name"),
    ("while scanning a directive", "did not find expected comment or line break"),
    ("while scanning a directive", "could not find expected directive name"),
    ("while scanning a directive", "found unexpected non-alphabetical character"),
    ("while scanning a %YAML directive", "did not find expected digit or '.' character"),
    ("while scanning a %YAML directive", "found extremely long version number"),
    ("while scanning a %YAML directive", "did not find expected version number"),
    ("while scanning a %TAG directive", "did not find expected whitespace"),
    ("while scanning a %TAG directive", "did not find expected whitespace or line break"),
    ("while scanning an anchor", "did not find expected alphabetic or numeric character"),
    ("while scanning an alias", "did not find expected alphabetic or numeric character"),
    ("while scanning a tag", "did not find the expected '>'"),
    ("while scanning a tag", "did not find expected whitespace or line break"),
    ("while scanning a tag directive", "did not find expected '!'"),
    ("while parsing a tag directive", "did not find expected '!'"),
    ("while parsing a tag", "did not find expected tag URI"),
    ("while parsing a tag", "did not find URI escaped octet"),
    ("while parsing a tag", "found an incorrect leading UTF-8 octet"),
    ("while parsing a tag", "found an incorrect trailing UTF-8 octet"),
    ("while scanning a block scalar", "found an indentation indicator equal to 0"),
    ("while scanning a block scalar", "did not find expected comment or line break"),
    ("while scanning a block scalar", "found a tab character where an indentation space is expected"),
    ("while scanning a quoted scalar", "found unexpected document indicator"),
    ("while scanning a quoted scalar", "found unexpected end of stream"),
    ("while parsing a quoted scalar", "found unknown escape character"),
    ("while parsing a quoted scalar", "did not find expected hexdecimal number"),
    ("while parsing a quoted scalar", "found invalid Unicode character escape code"),
    ("while scanning a plain scalar", "found unexpected ':'"),
    ("while scanning a plain scalar", "found a tab character that violates indentation"),
    ("while parsing", "Maximum nesting level reached, set with yaml_set_max_nest_level())"),
    ("", "did not find expected <stream-start>"),
    ("", "did not find expected <document start>"),
    ("while parsing a node", "found undefined tag handle"),
    ("while parsing a block node", "did not find expected node content"),
    ("while parsing a flow node", "did not find expected node content"),
    ("while parsing a block collection", "did not find expected '-' indicator"),
    ("while parsing a block mapping", "did not find expected key"),
    ("while parsing a flow sequence", "did not find expected ',' or ']'"),
    ("while parsing a flow mapping", "did not find expected ',' or '}'"),
    ("", "found duplicate %YAML directive"),
    ("", "found incompatible YAML document"),
    ("", "found duplicate %TAG directive"),
    *(("", reader) for reader in ("input error", "invalid leading UTF-8 octet", "incomplete UTF-8 octet sequence")),
    *(("", reader) for reader in ("invalid trailing UTF-8 octet", "invalid length of a UTF-8 sequence", "invalid Unicode character")),
    *(("", reader) for reader in ("incomplete UTF-16 character", "incomplete UTF-16 surrogate pair", "expected low surrogate area")),
    *(("", reader) for reader in ("unexpected low surrogate area", "control characters are not allowed", "input is too long")),
    ("expected a single document in the stream", "but found another document"),
    ("", "found undefined alias"),
    ("found duplicate anchor; first occurrence", "second occurrence"),
]
PURE_PYTHON = [
    ("while scanning a directive", "expected ' ', but found 'x'"),
    ("while scanning a directive", "expected a digit or '.', but found 'x'"),
    ("while scanning a directive", "expected a digit, but found 'x'"),
    ("while scanning a tag", "expected '!', but found 'x'"),
    ("while parsing a tag", "expected URI, but found 'x'"),
    ("while parsing a tag", "expected URI escape sequence of 2 hexadecimal numbers, but found 'x'"),
    ("while scanning a block scalar", "expected chomping or indentation indicators, but found 'x'"),
    ("while scanning a block scalar", "expected indentation indicator in the range 1-9, but found 0"),
    ("while scanning a double-quoted scalar", "expected escape sequence of 4 hexadecimal numbers, but found 'x'"),
    ("while scanning a quoted scalar", "found unexpected document separator"),
    ("while scanning an anchor", "expected alphabetic or numeric character, but found 'x'"),
    ("while scanning a plain scalar", "found unexpected ':'"),
    ("while scanning a simple key", "could not find expected ':'"),
    ("while scanning for the next token", "found character '@' that cannot start any token"),
    ("", "mapping values are not allowed here"),
    ("", "mapping keys are not allowed here"),
    ("", "sequence entries are not allowed here"),
    ("", "invalid indentation or unclosed '[' or '{'"),
    ("while parsing a block mapping", "expected <block end>, but found '<scalar>'"),
    ("while parsing a block collection", "expected <block end>, but found '?'"),
    ("while parsing a flow sequence", "expected ',' or ']', but got '<scalar>'"),
    ("while parsing a flow mapping", "expected ',' or '}', but got '<scalar>'"),
    ("while parsing a block node", "expected the node content, but found '-'"),
    ("", "expected '<document start>', but found '<scalar>'"),
    ("", "found duplicate YAML directive"),
    ("", "found incompatible YAML document (version 1.* is required)"),
    ("", "duplicate tag handle '!x!'"),
    ("while parsing a node", "found undefined tag handle '!x!'"),
    ("", "found non-specific tag '!'"),
    ("", "special characters are not allowed"),
    ("", "'utf-8' codec can't decode byte #xff: invalid start byte"),
    ("", "found undefined alias 'x'"),
    ("found duplicate anchor 'x'; first occurrence", "second occurrence"),
]


@pytest.mark.parametrize(("context", "problem"), LIBYAML + PURE_PYTHON)
def test_every_problem_the_loader_can_raise_has_plain_words_and_a_hint(context: str, problem: str) -> None:
    rule = rule_for(context, problem)
    assert rule is not FALLBACK
    message, hint = rule.explain("@")
    assert message and hint
    for jargon in ("mapping", "scalar", "token", "node", "stream", "indicator", "context"):
        assert jargon not in message.lower(), message
