"""Owners' Markdown has limits with clear errors (docs/formats.md, "Markdown limits").

Each pathological text goes into a small valid project (tests/invalid/_base/), and both
``check`` and ``build`` must end within a few seconds with exit code 1, the exact located
error, no traceback, and (for ``build``) site/ as it was. Ordinary rich Markdown still renders.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from generator.content import marktext
from generator.content.project import load_project
from generator.pages import markup

from .conftest import REPO, first_lines
from .test_invalid_content import in_english, make_case, snapshot

SECONDS = 10.0  # what "within a few seconds" allows on a slow, busy machine
POST = "content/amy/posts/hello.md"
SHOP = "content/amy/shop.yaml"
BODY_LINE = 5  # the body of the posts written here starts on this line

SHOP_YAML = """\
title: Amy's picks
owner: Amy
bio: {bio}
avatar: images/avatar.svg
picks:
  - sku: BB-1001
    note: {note}
    featured: true
  - FD-2001
collections:
  - {{id: all, title: Everything, skus: [BB-1001, FD-2001]}}
"""


def write_post(root: Path, body: str) -> None:
    (root / POST).write_text(f"---\ntitle: Hello\ndate: 2026-10-01\n---\n{body}", encoding="utf-8")


def write_shop(root: Path, *, bio: str = "Mother of two.", note: str = "We love it.") -> None:
    (root / SHOP).write_text(SHOP_YAML.format(bio=quoted(bio), note=quoted(note)), encoding="utf-8")


def write_description(root: Path, description: str) -> None:
    catalog = root / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8").replace("description: Rice cereal.", f"description: {quoted(description)}")
    catalog.write_text(text, encoding="utf-8")


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def brackets(n: int) -> str:
    return "[" * n + "x" + "](" * n


TIMED_OUT = (
    f"this Markdown takes more than {marktext.RENDER_SECONDS:g} seconds to render (the limit):"
    " look for many '[', '(', '<' or '&' in one paragraph, or split the text"
)

# name -> (what to write into the project, the one error expected)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "post-brackets-7k": (
        lambda root: write_post(root, brackets(2500)),
        f"{POST}:5:1: this post has 2,500 '[' open at once; the limit is 32: close each '[' with ']', and write one meant as text as '\\['",
    ),
    "post-brackets-60k": (
        lambda root: write_post(root, brackets(20000)),
        f"{POST}:5:1: this post has 20,000 '[' open at once; the limit is 32: close each '[' with ']', and write one meant as text as '\\['",
    ),
    "note-brackets-30k": (
        lambda root: write_shop(root, note=brackets(10000)),
        f"{SHOP}:7:11: this note has 10,000 '[' open at once (line 1 of the text); the limit is 32:"
        " close each '[' with ']', and write one meant as text as '\\['",
    ),
    "post-unclosed-links": (
        lambda root: write_post(root, "see [this](" * 40),
        f"{POST}:5:1: this post has 40 '(' open at once; the limit is 32: close each '(' with ')', and write one meant as text as '\\('",
    ),
    "post-amp-1mb": (
        lambda root: write_post(root, "&amp;" * 200_000),
        f"{POST}:5:1: this post is 1,000,000 characters; the limit is 262,144: split it into several posts",
    ),
    "post-8mb": (
        lambda root: write_post(root, ("好" * 1023 + "\n") * 2700),
        f"{POST}:5:1: this post is 2,764,800 characters; the limit is 262,144: split it into several posts",
    ),
    "note-amp-80k": (
        lambda root: write_shop(root, note="&amp;" * 16_000),
        f"{SHOP}:7:11: this note is 80,000 characters; the limit is 65,536: shorten it, or write the long part as a post",
    ),
    "post-list-500-deep": (
        lambda root: write_post(root, "Intro.\n\n" + "- " * 500 + "x"),
        f"{POST}:7:1: this post nests lists and quotes 500 deep; the limit is 32: nest them less deeply",
    ),
    "bio-list-500-deep": (
        lambda root: write_shop(root, bio="About me.\n\n" + "- " * 500 + "x"),
        f"{SHOP}:3:6: this bio nests lists and quotes 500 deep (line 3 of the text); the limit is 32: nest them less deeply",
    ),
    "post-amp-within-size": (  # within every static limit, but quadratic: the time limit stops it
        lambda root: write_post(root, "&amp;" * 50_000),
        f"{POST}:5:1: {TIMED_OUT}",
    ),
    "catalog-description-brackets": (
        lambda root: write_description(root, brackets(5000)),
        "catalog.yaml:15:18: this description has 5,000 '[' open at once (line 1 of the text); the limit is 32:"
        " close each '[' with ']', and write one meant as text as '\\['",
    ),
    "catalog-description-slow": (
        lambda root: write_description(root, "<a " * 21_000),
        f"catalog.yaml:15:18: {TIMED_OUT}",
    ),
}


@pytest.fixture(autouse=True)
def fresh_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """No render of an earlier test is remembered in this process (nor inherited by the build's
    workers): each case takes the whole way through the renderer."""
    monkeypatch.setattr(markup, "_failed_sources", {})
    markup._render_cached.cache_clear()
    markup._plain_cached.cache_clear()


def timed(args: list[str]) -> tuple[Result, float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, args)
    return result, time.monotonic() - started


def assert_located(result: Result, seconds: float, expected: str) -> None:
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert first_lines(result.stderr) == [expected, "1 error"]
    assert seconds < SECONDS


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_the_located_error_quickly(case: str, tmp_path: Path) -> None:
    root = in_english(make_case("_base", tmp_path / "p"))
    write, expected = CASES[case]
    write(root)
    result, seconds = timed(["check", "--project", str(root)])
    assert_located(result, seconds, expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_build_reports_the_located_error_quickly_and_leaves_site_untouched(case: str, tmp_path: Path) -> None:
    root = in_english(make_case("_base", tmp_path / "p"))
    add_second_shop(root)  # two shops and two jobs: the texts render in worker processes
    assert CliRunner().invoke(main, ["build", "--project", str(root), "-j", "2"]).exit_code == 0
    before = snapshot(root / "site")
    write, expected = CASES[case]
    write(root)
    result, seconds = timed(["build", "--project", str(root), "-j", "2"])
    assert_located(result, seconds, expected)
    assert snapshot(root / "site") == before


def add_second_shop(root: Path) -> None:
    shutil.copytree(root / "content" / "amy", root / "content" / "bob")


def test_every_failure_is_reported_at_once(tmp_path: Path) -> None:
    """All mistakes the load finds, at once; and all texts that fail to render, at once (the
    render comes after a load without mistakes)."""
    root = in_english(make_case("_base", tmp_path / "p"))
    write_shop(root, note="- " * 40 + "x", bio=brackets(100))
    write_post(root, "- " * 50 + "x")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert first_lines(result.stderr) == [
        f"{POST}:5:1: this post nests lists and quotes 50 deep; the limit is 32: nest them less deeply",
        f"{SHOP}:3:6: this bio has 100 '[' open at once (line 1 of the text); the limit is 32:"
        " close each '[' with ']', and write one meant as text as '\\['",
        f"{SHOP}:7:11: this note nests lists and quotes 40 deep (line 1 of the text); the limit is 32: nest them less deeply",
        "3 errors",
    ]
    write_shop(root, note="<a " * 21_000)
    write_post(root, "&amp;" * 50_000)
    write_description(root, "<a " * 21_000)
    result, seconds = timed(["check", "--project", str(root)])
    assert result.exit_code == 1
    assert first_lines(result.stderr) == [f"catalog.yaml:15:18: {TIMED_OUT}", f"{POST}:5:1: {TIMED_OUT}", f"{SHOP}:7:11: {TIMED_OUT}", "3 errors"]
    assert seconds < 3 * SECONDS


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (RecursionError("too deep"), "this Markdown is nested too deeply to render: nest lists, quotes and links less deeply"),
        (IndexError("out of range"), "this Markdown cannot be rendered (IndexError: out of range): simplify its unusual markup"),
    ],
)
@pytest.mark.parametrize("command", [["check"], ["build", "-j", "2"]])
def test_a_renderer_failure_is_a_located_error(
    error: Exception, message: str, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the renderer raises on a text (here made to raise on one note) is an error at
    that text, in the process that renders it (the build's workers are forked, so they inherit
    the patched renderer)."""
    root = in_english(make_case("_base", tmp_path / "p"))
    add_second_shop(root)
    note = f"A note the renderer fails on, **{type(error).__name__}** {command[0]}."
    write_shop(root, note=note)
    convert = markup._convert

    def failing(source: str) -> str:
        if "the renderer fails on" in source:
            raise error
        return convert(source)

    monkeypatch.setattr(markup, "_convert", failing)
    result, seconds = timed([*command, "--project", str(root)])
    assert_located(result, seconds, f"{SHOP}:7:11: {message}")
    if command[0] == "check":
        assert not (root / "site").exists()
    else:  # her shop is left as it was (here: not there yet); the other owner's is built
        assert not (root / "site" / "amy").exists()
        assert (root / "site" / "bob" / "index.html").is_file()


RICH = """\
## 我们的选择

宝宝**很喜欢**，出门必备！价格：¥89（含运费）。「真的好用」——妈妈们都这么说；还有[官网](https://example.com/a)和`代码`。

1. 第一步：打开包装
2. 第二步：*轻轻*冲泡

- 一级
    - 二级
        - 三级 [链接](https://example.com/b)
- 回到一级

> 引用：这是一段引用。
"""


def test_ordinary_rich_markdown_still_renders(tmp_path: Path) -> None:
    assert marktext.limit_problems(RICH, "this post", post=True) == []
    html = markup.render(RICH)
    assert markup.take_failures() == {}
    assert "<strong>很喜欢</strong>" in html
    assert "价格：¥89（含运费）。「真的好用」——妈妈们都这么说；" in html
    assert '<a href="https://example.com/a" rel="noopener nofollow ugc">官网</a>' in html
    assert re.search(r"<ul>\s*<li>一级<ul>\s*<li>二级<ul>\s*<li>三级 <a ", html)
    assert "<ol>" in html and "<blockquote>" in html
    root = in_english(make_case("_base", tmp_path / "p"))
    write_post(root, RICH)
    write_shop(root, note=RICH, bio="**Mother** of two: [about](https://example.com/me)")
    for command in (["check"], ["build"]):
        result = CliRunner().invoke(main, [*command, "--project", str(root)])
        assert result.exit_code == 0, result.output
    page = (root / "site" / "amy" / "posts" / "hello" / "index.html").read_text(encoding="utf-8")
    assert "<li>三级 <a" in page


def test_limits_count_what_markdown_counts() -> None:
    deep = "".join("    " * i + "- x\n" for i in range(32))
    assert marktext.limit_problems(deep, "this post", post=True) == []  # 32 levels: at the limit
    assert marktext.limit_problems(deep + "    " * 32 + "- x\n", "this post", post=True)[0][0] == 32
    assert marktext.limit_problems("\\[" * 1000, "this note") == []  # escaped: text, not brackets
    assert marktext.limit_problems("[a\n\n" * 1000, "this note") == []  # one open in each paragraph
    assert marktext.limit_problems("[a](b) " * 1000 + "(c) " * 1000, "this note") == []
    assert marktext.limit_problems("x" * marktext.MAX_TEXT_CHARS, "this note") == []
    assert marktext.limit_problems("x" * marktext.MAX_POST_CHARS, "this post", post=True) == []


def test_the_demo_content_is_well_within_the_limits() -> None:
    project = load_project(REPO)
    texts = [p.description for p in project.products.values()]
    for shop in project.shops:
        texts += [shop.bio, *(p.note for p in shop.picks), *(c.description for c in shop.collections)]
    posts = [post.body for shop in project.shops for post in shop.posts]
    assert max(map(len, texts)) * 100 < marktext.MAX_TEXT_CHARS
    assert max(map(len, posts)) * 100 < marktext.MAX_POST_CHARS
    assert [problems for text in texts + posts if (problems := marktext.limit_problems(text, "this text"))] == []
