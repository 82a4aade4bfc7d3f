"""Owners' and the catalog's Markdown → sanitised HTML, plus the product shortcode of posts.

Markdown is rendered first, then cleaned by nh3 (an allow-list: no script, no event
attributes, no style, no iframes, no javascript: or data: URLs, no remote images). This
HTML is the only HTML templates mark safe. A post embeds a product card with
``{{< product SKU >}}`` on a line of its own (Hugo's shortcode syntax).

Owners are not trusted, and Python-Markdown takes quadratic time or more on some inputs
and recurses once per level of nesting. So every text has limits (docs/formats.md,
"Markdown limits"): a size and a nesting depth, checked when the project is loaded
(content/marktext.py), and a time limit on rendering each text, enforced where it renders.
A text that still fails renders as nothing and is recorded (``take_failures``); the build
and ``check`` turn what was recorded into located errors before anything is written.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import secrets
import signal
import threading
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import PurePosixPath
from typing import Any

import nh3

from ..cache.kepttable import KeptTable
from ..content.marktext import RENDER_SECONDS, SHORTCODE_RE, is_remote
from ..messages import msg

_CARD_TOKEN = "SFCARD{}:{}:END"
_CARD_HTML = '<sf-card data-sku="{}"></sf-card>'
_CARD_RE = re.compile(r'<sf-card data-sku="([A-Za-z0-9._-]{1,64})"></sf-card>')
_BLOCK_TAG_RE = re.compile(r"</?(?:p|br|hr|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|th)\b[^>]*>")
_TAG_RE = re.compile(r"<[^>]*>")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def _expand_shortcodes(text: str, nonce: str) -> str:
    out = []
    for line in text.splitlines():
        match = SHORTCODE_RE.match(line)
        if match and match.group(1) == "product":
            out.extend(["", _CARD_TOKEN.format(nonce, match.group(2).strip("\"'")), ""])
        else:
            out.append(line)
    return "\n".join(out)


class RenderFailure(Exception):
    """Markdown could not render a text within the limits; ``message`` says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _OutOfTime(BaseException):
    """Raised by the timer's signal handler. Not an Exception, so no ``except Exception`` inside
    the renderer can swallow it."""


_timer_armed = False  # a text is being rendered under the timer
_timer_installed = False  # this process's SIGVTALRM handler is _on_timer (forked workers inherit it)


def _on_timer(signum: int, frame: Any) -> None:
    if _timer_armed:  # a signal that arrives after the text is done is let go
        raise _OutOfTime


def _can_time() -> bool:
    """Whether this thread can be interrupted: signals reach Python only in the main thread (of
    a command, or of a worker process); elsewhere (the dev server's rebuild thread) a text is
    held to the static limits alone."""
    global _timer_installed
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    if not _timer_installed:  # once, and left in place: a late signal must never meet the default action (exit)
        signal.signal(signal.SIGVTALRM, _on_timer)
        _timer_installed = True
    return True


def _convert(source: str) -> str:
    """Python-Markdown's HTML for ``source``, within RENDER_SECONDS of processor time (the
    virtual timer counts this process's own work, so a busy machine does not make a text fail)."""
    global _timer_armed
    if not _can_time():
        return str(_markdown().reset().convert(source))
    _timer_armed = True
    signal.setitimer(signal.ITIMER_VIRTUAL, RENDER_SECONDS)
    try:
        return str(_markdown().reset().convert(source))
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        _timer_armed = False


# Sources Markdown failed on in this process, and why: a text is shown on several pages (a
# post's page, and its summary on the home page and in the feed) and must not use up its
# time limit once for each.
_failed_sources: dict[str, str] = {}


def _guarded_markdown(source: str, text: str) -> str:
    """``_convert`` of ``source`` (``text`` made ready for it), with every way the renderer can
    fail as a RenderFailure; a text that failed once fails again at once."""
    known = _failed_sources.get(text)
    if known is not None:
        raise RenderFailure(known)
    try:
        return _convert(source)
    except _OutOfTime:
        problem = msg(
            "this Markdown takes more than {seconds:g} seconds to render (the limit): look"
            " for many '[', '(', '<' or '&' in one paragraph, or split the text",
            seconds=RENDER_SECONDS,
        )
    except RecursionError:
        problem = msg("this Markdown is nested too deeply to render: nest lists, quotes and links less deeply")
    # The renderer's boundary, and the only place anything is caught this broadly: whatever
    # Python-Markdown raises on an odd input fails that one text, located, never the build.
    except Exception as exc:
        problem = msg("this Markdown cannot be rendered ({error}): simplify its unusual markup", error=type(exc).__name__ + ": " + str(exc)[:200])
    _markdown.cache_clear()  # a renderer stopped halfway is not used again
    _failed_sources[text] = problem
    raise RenderFailure(problem)


@cache
def _markdown() -> Any:
    """Python-Markdown, made on first use: loading its extensions reads the installed packages'
    entry points (25 ms), and a build whose Markdown is all cached renders none."""
    import markdown

    return markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")


def load_renderer() -> None:
    """Make the Markdown renderer now, so processes forked from here share it."""
    _markdown()


class _Kept:
    """Rendered Markdown known to this process: the store kept between runs (the cache folder's
    markdown file, keyed by a hash of the input, read on the first miss: a build that renders
    nothing never reads it), and what this process rendered itself."""

    def __init__(self) -> None:
        self.store: KeptTable | None = None
        self.rendered: dict[str, str] = {}  # by this process, in this build
        self.fresh: dict[str, str] = {}  # of those, what fresh_entries has not yet handed over
        self.used: set[str] = set()  # the store's entries read here, not yet handed over
        self.read: dict[str, str] = {}  # the store's entries read ahead (read_kept)

    def get(self, key: str) -> str | None:
        html = self.rendered.get(key)
        if html is None:
            html = self.read.get(key)
            if html is not None:
                self.used.add(key)
                return html
        if html is None and self.store is not None:
            html = self.store.get(key)  # one entry read from the kept table
            if html is not None:
                self.used.add(key)
        return html

    def add(self, key: str, html: str) -> None:
        self.rendered[key] = self.fresh[key] = html


_kept = _Kept()
_failed: dict[str, str] = {}  # text -> why it could not be rendered, since the last take_failures


def take_failures() -> dict[str, str]:
    """The texts this process failed to render since the last call, with why; never cached, so
    a text fails again each time it is rendered."""
    failed = dict(_failed)
    _failed.clear()
    return failed


def use_stored(store: KeptTable | None) -> None:
    """Use ``store`` for rendered Markdown (None: none); forget what was rendered (or failed) before."""
    global _kept  # one per build, replaced whole
    _kept = _Kept()
    _kept.store = store
    _render_cached.cache_clear()  # what this process rendered for an earlier build is not to be reused either
    _failed.clear()


def taken_from_store() -> set[str]:
    """The keys of the kept entries this process used since the last call: kept again."""
    used, _kept.used = _kept.used, set()
    return used


def fresh_entries() -> dict[str, str]:
    """What this process rendered since the last call that the stored cache did not have."""
    entries, _kept.fresh = _kept.fresh, {}
    return entries


def read_kept(texts: Iterable[tuple[str, str]]) -> None:
    """Read ahead, in one lookup, the kept renders of ``texts`` (each a text and its media
    prefix) that this process has not yet: a shop's notes, which its pages then find here."""
    store = _kept.store
    if store is None:
        return
    keys = [key for key in (cache_key(text, prefix) for text, prefix in texts if text.strip()) if key not in _kept.rendered and key not in _kept.read]
    if keys:
        found = store.get_many(keys)
        _kept.read.update(found)
        _kept.used.update(found)


def cache_key(text: str, media_prefix: str) -> str:
    return hashlib.sha256(f"{media_prefix}\0{text}".encode()).hexdigest()[:32]


def not_rendered(texts: Iterable[str], media_prefix: str) -> list[str]:
    """Those of ``texts`` that neither this process nor the stored cache has rendered, sorted."""
    texts = set(texts)
    if not texts:
        return []  # (without reading the stored cache: a build with nothing to render never needs it)
    return sorted(text for text in texts if text.strip() and _kept.get(cache_key(text, media_prefix)) is None)


def render_all(texts: Iterable[str], media_prefix: str, pool_map: Callable[..., list[Any]] | None = None) -> None:
    """Render every text not yet cached (with ``pool_map``, e.g. a process pool's ``starmap``,
    across processes) into the cache, so that later ``render`` calls, here and in processes
    forked from here, find them."""
    todo: dict[str, str] = {}
    for text in texts:
        if text.strip():
            key = cache_key(text, media_prefix)
            if key not in todo and _kept.get(key) is None:
                todo[key] = text
    args = [(text, media_prefix) for text in todo.values()]
    results: list[tuple[str, str | None]] = pool_map(_render_or_failure, args) if pool_map is not None else [_render_or_failure(*a) for a in args]
    for (key, text), (html, failure) in zip(todo.items(), results, strict=True):
        if failure is not None:
            _failed[text] = failure
        else:
            _kept.add(key, html)


def _render_or_failure(text: str, media_prefix: str) -> tuple[str, str | None]:
    """(HTML, None), or ("", why it failed): what a worker of ``render_all`` sends back."""
    try:
        return _render(text, media_prefix), None
    except RenderFailure as exc:
        return "", exc.message


def render(text: str, media_prefix: str = "") -> str:
    """Markdown → sanitised HTML. Local image paths become ``media_prefix + path``; remote ones are dropped.

    Cached by content, in memory and between runs: a product's description is rendered once,
    not once per shop. A text that fails renders as "" and is recorded for ``take_failures``.
    """
    if text in _failed:  # once is enough: it would fail again, after as long
        return ""
    try:
        return _render_cached(text, media_prefix)
    except RenderFailure as exc:
        _failed[text] = exc.message
        return ""


@lru_cache(maxsize=65536)
def _render_cached(text: str, media_prefix: str) -> str:
    """``render``, raising RenderFailure, which lru_cache does not keep: a failure is not cached."""
    if not text.strip():
        return ""
    key = cache_key(text, media_prefix)
    html = _kept.get(key)
    if html is None:
        html = _render(text, media_prefix)
        _kept.add(key, html)
    return html


# One line of text in which Markdown finds nothing to do: no character that can start inline
# markup, an HTML tag or an entity, and no first character that can start a block (a list,
# heading, quote, code). Most owners' notes are such a sentence, and a shop has dozens: wrapping
# one in "<p>…</p>" here spares a pass through Markdown and the sanitiser (tests/test_markup.py checks
# that this path gives byte for byte what the full one gives).
_PLAIN_LINE_RE = re.compile(r"[^\s\\`*_{}\[\]()#+\-<>&|~=0-9!.][^\n\r\t\v\f\x1c-\x1e\x85\xa0\u2028\u2029\\`*_{}\[\]()#<>&|~]*(?<! )")


def _plain_paragraph(text: str) -> str | None:
    line = text.strip("\n")
    if "  " not in line and _PLAIN_LINE_RE.fullmatch(line):
        return f"<p>{line}</p>"
    return None


def _render(text: str, media_prefix: str) -> str:
    plain = _plain_paragraph(text)
    if plain is not None:
        return plain
    nonce = secrets.token_hex(16)
    html = _guarded_markdown(_expand_shortcodes(text, nonce), text)

    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            if is_remote(value):
                return None  # shop pages load nothing from third parties
            pure = PurePosixPath(value)
            if pure.is_absolute() or ".." in pure.parts or not value.startswith("images/"):
                return None  # only the project's own, checked images
            return media_prefix + value
        return value

    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow ugc",
        attribute_filter=attribute_filter,
        strip_comments=True,
    )
    if nonce not in clean:
        return clean
    clean = re.sub(f"<p>SFCARD{nonce}:([A-Za-z0-9._-]{{1,64}}):END</p>", lambda m: _CARD_HTML.format(m.group(1)), clean)
    return re.sub(f"SFCARD{nonce}:(.*?):END", lambda m: "{{&lt; product " + m.group(1) + " &gt;}}", clean)


def embed_cards(html: str, card: Callable[[str], str]) -> str:
    """Replace each product-card token with ``card(sku)`` (trusted theme HTML)."""
    return _CARD_RE.sub(lambda m: card(m.group(1)), html)


def card_skus(html: str) -> list[str]:
    """The SKUs whose product cards a rendered post asks for, in order."""
    return _CARD_RE.findall(html)


def plain(text: str, limit: int = 160, media_prefix: str = "") -> str:
    """A short plain-text summary of Markdown, for meta descriptions.

    Pass the ``media_prefix`` the same text is rendered with elsewhere to reuse that render.
    A text that fails gives "" and is recorded, as with ``render``."""
    try:
        return _plain_cached(text, limit, media_prefix)
    except RenderFailure as exc:
        _failed[text] = exc.message
        return ""


@lru_cache(maxsize=65536)
def _plain_cached(text: str, limit: int, media_prefix: str) -> str:
    html = _render_cached(text, media_prefix)
    # the HTML is already sanitised: dropping its tags leaves its text
    words = html_lib.unescape(re.sub(r"\s+", " ", _TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", html))).strip())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
