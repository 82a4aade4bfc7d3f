"""Tags: the catalog's words for a product, each with a page of the shop's picks that carry it.

A tag's page is ``tags/<slug>/``, as Hugo publishes its taxonomies. The slug is the tag in
Unicode NFKC form, case-folded, with every run of characters other than letters, digits,
``_`` and ``+`` made one ``-``: ``Organic`` → ``organic``, ``6m+`` → ``6m+``, ``有机 辅食`` →
``有机-辅食``. Chinese, Japanese and Korean tags keep their characters: the folder under site/
is named in UTF-8 and every link, canonical URL and sitemap entry percent-encodes it (RFC 3986),
which static hosts decode to find the folder; ``+`` is encoded too (``6m%2B``), since some hosts
(Amazon S3) read a bare ``+`` in a path as a space. Tags whose slugs are equal share one page.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from ..content.model import Pick, Shop

MAX_SLUG = 80  # characters: 240 bytes of UTF-8 for a Chinese tag, under every file system's 255
_NOT_SLUG = re.compile(r"[^\w+]+")


@lru_cache(maxsize=8192)  # a catalog has few distinct tags; shops ask for them once per pick
def tag_slug(tag: str) -> str:
    text = unicodedata.normalize("NFKC", tag).casefold()
    slug = _NOT_SLUG.sub("-", text).strip("-_")[:MAX_SLUG].strip("-_")
    return slug or "tag-" + hashlib.sha256(tag.encode()).hexdigest()[:8]  # a tag of punctuation only


def tag_path(slug: str) -> str:
    """The page of the tag with ``slug``, relative to the shop's root and percent-encoded, for links."""
    return f"tags/{quote(slug, safe='')}/"


def tag_links(tags: tuple[str, ...]) -> list[dict[str, str]]:
    """A product's tags as links, one per page (``{title, path}``)."""
    links: dict[str, dict[str, str]] = {}
    for tag in tags:
        slug = tag_slug(tag)
        links.setdefault(slug, {"title": tag, "path": tag_path(slug)})
    return list(links.values())


def tag_file(slug: str) -> str:
    """Where the page of the tag with ``slug`` is written (in UTF-8: the host decodes links)."""
    return f"tags/{slug}/"


@dataclass(frozen=True)
class Tag:
    slug: str
    title: str  # as the catalog first spells it among the shop's picks
    picks: tuple[Pick, ...]  # in the owner's order


def shop_tags(shop: Shop) -> tuple[Tag, ...]:
    """Every tag of the shop's published picks, by slug."""
    titles: dict[str, str] = {}
    members: dict[str, list[Pick]] = {}
    for pick in shop.picks:
        for tag in pick.product.tags:
            slug = tag_slug(tag)
            titles.setdefault(slug, tag)
            picks = members.setdefault(slug, [])
            if not picks or picks[-1] is not pick:
                picks.append(pick)
    return tuple(Tag(slug, titles[slug], tuple(members[slug])) for slug in sorted(members))
