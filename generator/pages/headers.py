"""The response headers a shop's files need: written as the shop's ``_headers`` file (Netlify,
Cloudflare Pages) and sent by ``shopforest serve`` from that same file.

Every shop is served from one origin, so a file that runs script in one shop runs it against
all of them. Pages get the policy of their meta tag plus ``frame-ancestors 'none'`` (which a
meta tag cannot carry). Everything under ``media/`` — catalog and owners' pictures — gets a
policy that allows no script, no fetch and no frame, and ``Content-Disposition: attachment``:
a picture in ``<img>`` shows as before, but a picture opened on its own is downloaded, never
rendered as a document of the shops' origin. Every file is sent with ``nosniff``, so a browser
keeps to the type the host names.

Paths in ``_headers`` start from the shop's folder (``/p/*``): right when the folder is what is
deployed. No two rules set the same header for one path: Cloudflare Pages joins such values
and Netlify keeps one of them, so overlapping rules would mean different policies per host.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FILE = "_headers"
MEDIA = "media/"  # catalog and owners' pictures both live under it (views.CATALOG_MEDIA, views.OWNER_MEDIA)
MEDIA_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
EVERY_FILE = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"))
MEDIA_HEADERS = (("Content-Security-Policy", MEDIA_POLICY), ("Content-Disposition", "attachment"))

Headers = tuple[tuple[str, str], ...]


def page_policy(checkout_origin: str, media_origin: str = "") -> str:
    """The Content-Security-Policy of every page: its meta tag, and the header without framing.
    ``media_origin``: where the catalog's pictures are served from, when not from the shop."""
    images = f"'self' {media_origin} data: blob:" if media_origin else "'self' data: blob:"
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
        f"connect-src 'self' {checkout_origin}; form-action 'self'; base-uri 'none'; object-src 'none'"
    )


def page_header_policy(checkout_origin: str, media_origin: str = "") -> str:
    """The page policy as a header: ``frame-ancestors`` is ignored in a meta tag, so only here."""
    return page_policy(checkout_origin, media_origin) + "; frame-ancestors 'none'"


@dataclass(frozen=True)
class Rule:
    """Headers for the paths ``pattern`` matches: an exact path, or a folder ending in ``/*``."""

    pattern: str
    headers: Headers


def shop_rules(paths: Iterable[str], checkout_origin: str, media_origin: str = "") -> list[Rule]:
    """The rules of one shop whose files are ``paths`` (relative to its folder, posix).

    The page policy goes to each top-level file and folder but ``media/``, so that no path is
    matched by two policies."""
    page = (("Content-Security-Policy", page_header_policy(checkout_origin, media_origin)),)
    patterns: set[str] = set()
    for path in paths:
        top, sep, _ = path.partition("/")
        if path == FILE or top + sep == MEDIA:
            continue
        patterns.add(f"/{top}/*" if sep else f"/{top}")
        if path == "index.html":
            patterns.add("/")
    rules = [Rule("/*", EVERY_FILE)]
    rules += [Rule(pattern, page) for pattern in sorted(patterns)]
    rules.append(Rule("/" + MEDIA + "*", MEDIA_HEADERS))
    return rules


def render(rules: list[Rule]) -> bytes:
    lines = ["# Response headers of this shop (Netlify, Cloudflare Pages); paths start from the shop's folder."]
    for rule in rules:
        lines.append(rule.pattern)
        lines += [f"  {name}: {value}" for name, value in rule.headers]
    return ("\n".join(lines) + "\n").encode()


def parse(data: bytes) -> list[Rule]:
    """The rules of a ``_headers`` file as :func:`render` writes them."""
    rules: list[Rule] = []
    pattern: str | None = None
    headers: list[tuple[str, str]] = []
    for line in data.decode().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("/"):
            if pattern is not None:
                rules.append(Rule(pattern, tuple(headers)))
            pattern, headers = line.strip(), []
        else:
            name, _, value = line.strip().partition(":")
            headers.append((name.strip(), value.strip()))
    if pattern is not None:
        rules.append(Rule(pattern, tuple(headers)))
    return rules


def matches(pattern: str, path: str) -> bool:
    """Whether ``pattern`` matches the URL path ``path`` as the hosts match it: ``/p/*`` matches
    ``/p``, ``/p/`` and everything below; any other pattern only its own path."""
    if pattern.endswith("/*"):
        folder = pattern[:-1]
        return path.startswith(folder) or path == folder[:-1]
    return path == pattern


def for_path(rules: list[Rule], path: str) -> list[tuple[str, str]]:
    """The headers a host sends for ``path`` (from the shop's folder, with a leading ``/``);
    a header set by two matching rules is joined with a comma, as Cloudflare Pages does."""
    found: dict[str, list[str]] = {}
    for rule in rules:
        if matches(rule.pattern, path):
            for name, value in rule.headers:
                found.setdefault(name, []).append(value)
    return [(name, ", ".join(values)) for name, values in found.items()]


def served(folder: Path, path: str) -> list[tuple[str, str]]:
    """What a host sends for ``path`` of the shop built in ``folder``, read from its ``_headers``
    file: ``shopforest serve`` sends the very headers a deployed shop does."""
    try:
        rules = parse((folder / FILE).read_bytes())
    except FileNotFoundError:
        return []
    return for_path(rules, path)
