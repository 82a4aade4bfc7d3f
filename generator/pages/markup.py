"""Owners' and the catalog's Markdown → sanitised HTML, plus the product shortcode of posts.

Markdown is rendered first, then cleaned by nh3 (an allow-list: no script, no event
attributes, no style, no iframes, no javascript: or data: URLs, no remote images). This
HTML is the only HTML templates mark safe. A post embeds a product card with
``{{< product SKU >}}`` on a line of its own (Hugo's shortcode syntax).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import marshal
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import nh3

from ..cache.folder import code_tag
from ..errors import Diagnostics

SHORTCODE_RE = re.compile(r"^\s*\{\{<\s*(\w+)\s*(.*?)\s*>\}\}\s*$")
# A product shortcode becomes a card marker in two steps, so that no owner text can make one
# (a card the loader did not see escapes the page's dependencies and keeps a stale price):
# Markdown sees a paragraph holding a token with a nonce drawn for this one render, which the
# text cannot contain; after sanitising, each such paragraph becomes an ``sf-card`` element, a
# tag the sanitiser removes from any text. The rendered HTML (and the Markdown cache) holds no
# nonce: a token Markdown did not leave as a paragraph of its own (in a code block) is written
# back as the shortcode.
_CARD_TOKEN = "SFCARD{}:{}:END"
_CARD_HTML = '<sf-card data-sku="{}"></sf-card>'
_CARD_RE = re.compile(r'<sf-card data-sku="([A-Za-z0-9._-]{1,64})"></sf-card>')
_BLOCK_TAG_RE = re.compile(r"</?(?:p|br|hr|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|th)\b[^>]*>")
_TAG_RE = re.compile(r"<[^>]*>")
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def _is_remote(ref: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref)) or ref.startswith("//")


def local_image_refs_with_lines(text: str) -> Iterator[tuple[int, str]]:
    """(0-based line, path) of every local image a Markdown text refers to."""
    if "![" not in text and ("<" not in text or "<img" not in text.lower()):
        return  # most notes have no image at all
    for number, line in enumerate(text.splitlines()):
        for match in _IMAGE_RE.finditer(line):
            ref = match.group(1) or match.group(2)
            if not _is_remote(ref):
                yield number, ref


def local_image_refs(text: str) -> list[str]:
    return [ref for _, ref in local_image_refs_with_lines(text)]


def shortcodes(body: str, diags: Diagnostics, path: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(0-based line, SKU) of each product shortcode; other shortcodes are errors."""
    for number, line in enumerate(body.splitlines()):
        match = SHORTCODE_RE.match(line)
        if match is None:
            if "{{<" in line:
                diags.add(path, first_line + number, line.index("{{<") + 1, "malformed shortcode: write {{< product SKU >}} on a line of its own")
            continue
        name, args = match.groups()
        if name != "product" or not args or " " in args:
            diags.add(path, first_line + number, 1, f"unknown shortcode '{name} {args}'".rstrip() + ": write {{< product SKU >}}")
            continue
        yield number, args.strip("\"'")


def _expand_shortcodes(text: str, nonce: str) -> str:
    out = []
    for line in text.splitlines():
        match = SHORTCODE_RE.match(line)
        if match and match.group(1) == "product":
            out.extend(["", _CARD_TOKEN.format(nonce, match.group(2).strip("\"'")), ""])
        else:
            out.append(line)
    return "\n".join(out)


@cache
def _markdown() -> Any:
    """Python-Markdown, made on first use: loading its extensions reads the installed packages'
    entry points (25 ms), and a build whose Markdown is all cached renders none."""
    import markdown

    return markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")


def load_renderer() -> None:
    """Make the Markdown renderer now, so processes forked from here share it."""
    _markdown()


# Rendered Markdown kept between runs (the cache folder's markdown file), keyed by a hash of
# the input and tagged with folder.code_tag. Loaded lazily: a build that renders nothing never reads it. marshal, the
# format of Python's own .pyc caches, reads the 18 MB of the benchmark's medium size in 0.03 s
# (JSON: 0.1-0.2 s); the interpreter is in the file's name, since the format is its own.
_stored: dict[str, str] = {}
_stored_path: list[Path] = []
_fresh: dict[str, str] = {}


def use_stored(path: Path | None) -> None:
    """Use the cache file at ``path`` (read on the first miss; None: none); forget what was
    rendered before."""
    _stored.clear()
    _stored_path[:] = [path] if path is not None else []
    _fresh.clear()
    render.cache_clear()  # what this process rendered for an earlier build is not to be reused either


def stored_entries() -> dict[str, str]:
    _load_stored()
    return dict(_stored)


def _load_stored() -> None:
    if not _stored_path:
        return
    path = _stored_path.pop()
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return  # missing or corrupt: render again
    # Written by other code, or with another Markdown or nh3: its HTML may not be what this
    # renderer and sanitiser make.
    if isinstance(data, dict) and data.get("code") == code_tag() and isinstance(data.get("entries"), dict):
        _stored.update({k: v for k, v in data["entries"].items() if isinstance(k, str) and isinstance(v, str)})


def fresh_entries() -> dict[str, str]:
    """What this process rendered since the last call that the stored cache did not have."""
    entries = dict(_fresh)
    _fresh.clear()
    return entries


def cache_key(text: str, media_prefix: str) -> str:
    return hashlib.sha256(f"{media_prefix}\0{text}".encode()).hexdigest()[:32]


def not_rendered(texts: Iterable[str], media_prefix: str) -> list[str]:
    """Those of ``texts`` that neither this process nor the stored cache has rendered, sorted."""
    texts = set(texts)
    if not texts:
        return []  # (without reading the stored cache: a build with nothing to render never needs it)
    _load_stored()
    return sorted(text for text in texts if text.strip() and cache_key(text, media_prefix) not in _stored)


def render_all(texts: Iterable[str], media_prefix: str, pool_map: Callable[..., list[str]] | None = None) -> None:
    """Render every text not yet cached (with ``pool_map``, e.g. a process pool's ``starmap``,
    across processes) into the cache, so that later ``render`` calls, here and in processes
    forked from here, find them."""
    _load_stored()
    todo: dict[str, str] = {}
    for text in texts:
        if text.strip():
            key = cache_key(text, media_prefix)
            if key not in _stored and key not in todo:
                todo[key] = text
    args = [(text, media_prefix) for text in todo.values()]
    htmls = pool_map(_render, args) if pool_map is not None else [_render(*a) for a in args]
    fresh = dict(zip(todo, htmls, strict=True))
    _stored.update(fresh)
    _fresh.update(fresh)


@lru_cache(maxsize=65536)
def render(text: str, media_prefix: str = "") -> str:
    """Markdown → sanitised HTML. Local image paths become ``media_prefix + path``; remote ones are dropped.

    Cached by content, in memory and between runs: a product's description is rendered once,
    not once per shop.
    """
    if not text.strip():
        return ""
    key = cache_key(text, media_prefix)
    _load_stored()
    html = _stored.get(key)
    if html is None:
        html = _fresh[key] = _render(text, media_prefix)
    return html


# One line of text in which Markdown finds nothing to do: no character that can start inline
# markup, an HTML tag or an entity, and no first character that can start a block (a list,
# heading, quote, code). Most owners' notes are such a sentence; Markdown and the sanitiser
# take 0.2 ms to turn one into "<p>…</p>", and a shop has dozens (tests/test_markup.py checks
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
    html = _markdown().reset().convert(_expand_shortcodes(text, nonce))

    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            if _is_remote(value):
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


@lru_cache(maxsize=65536)
def plain(text: str, limit: int = 160, media_prefix: str = "") -> str:
    """A short plain-text summary of Markdown, for meta descriptions.

    Pass the ``media_prefix`` the same text is rendered with elsewhere to reuse that render."""
    html = render(text, media_prefix)
    # the HTML is already sanitised: dropping its tags leaves its text
    words = html_lib.unescape(re.sub(r"\s+", " ", _TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", html))).strip())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
