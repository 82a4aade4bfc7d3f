"""Every ``pattern`` attribute of every built page compiles as browsers compile it.

Current Chromium compiles an input's pattern as ``^(?:pattern)$`` with the ``v`` flag (older
browsers with ``u``); a pattern invalid there is ignored whole, so the field validates nothing.
In ``v`` mode ``(``, ``)``, ``-`` and other syntax characters must be escaped inside a class.
Node's RegExp is V8's, the same engine as Chromium's.
"""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess
from pathlib import Path

import pytest

COMPILE = """
const patterns = JSON.parse(require("fs").readFileSync(0, "utf8"));
const bad = [];
for (const [where, p] of patterns) {
  for (const flags of ["v", "u"]) {
    try { new RegExp("^(?:" + p + ")$", flags); } catch (e) { bad.push(`${where}: /${p}/${flags}: ${e.message}`); }
  }
}
process.stdout.write(JSON.stringify(bad));
"""


class _Patterns(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name == "pattern" and value is not None]


def patterns_of(site: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for page in sorted(site.rglob("*.html")):
        parser = _Patterns()
        parser.feed(page.read_text(encoding="utf-8"))
        out += [(str(page.relative_to(site)), p) for p in parser.found]
    return out


def compile_errors(patterns: list[tuple[str, str]]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Debian's nodejs package (.ci/run does)")
    run = subprocess.run([node, "-e", COMPILE], input=json.dumps(patterns), capture_output=True, text=True, check=True, timeout=60)
    return list(json.loads(run.stdout))


def test_every_pattern_in_the_built_site_compiles_with_the_v_flag(demo_site: Path) -> None:
    patterns = patterns_of(demo_site)
    assert {p for _, p in patterns}, "the demo site has no pattern attribute: the test would prove nothing"
    assert {page.split("/", 1)[0] for page, _ in patterns} == {p.name for p in demo_site.iterdir() if p.is_dir()}  # every shop's cart
    assert compile_errors(patterns) == []


def test_the_check_catches_a_pattern_that_only_the_old_flag_accepts() -> None:
    assert compile_errors([("cart", r"\+?[0-9][0-9 ()\-]{4,30}")]) == [
        r"cart: /\+?[0-9][0-9 ()\-]{4,30}/v: Invalid regular expression: /^(?:\+?[0-9][0-9 ()\-]{4,30})$/v: Invalid character in character class"
    ]
