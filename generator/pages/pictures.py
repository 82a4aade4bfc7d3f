"""Raster pictures as pages show them: resized copies in modern formats, chosen by the browser.

A JPEG, PNG, GIF or WebP that the catalog or an owner names is never published as uploaded (a
phone photo is megabytes, sideways, and carries where it was taken). build/images.py makes
copies of it, upright, without metadata, in sRGB, at a few widths that fit how the theme shows
it (never wider than the picture itself), each as AVIF and WebP and as a JPEG (or a PNG, for a
picture with transparency) for browsers that take neither. A :class:`Picture` names them; the
theme prints it as ``<picture>`` with ``srcset`` and ``sizes`` (docs/themes.md), and a picture
in Markdown is rewritten the same way after the text is rendered (:func:`expand_html`).

A copy's name holds a digest of the picture's bytes and of how copies are made
(``images/photo.3f2a9c1b04.640.webp``), so it never changes bytes under its name: a changed
picture is a new file, and a host may let browsers keep every copy for good.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Widths (device pixels) of the copies of a picture by how the theme shows it. A photo fills a
# card in a grid of two to four columns, or the width of a phone on its product page (two
# columns on a wide screen); an avatar is at most 96 CSS pixels.
PHOTO_WIDTHS = (320, 480, 640, 960, 1280)
AVATAR_WIDTHS = (64, 128, 192)
THUMB_WIDTHS = AVATAR_WIDTHS  # a variant's picture beside its name: a thumbnail, as small as an avatar
FORMATS = ("avif", "webp")  # in the order browsers should prefer them, before the fallback
MIME = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}

View = dict[str, Any]
Copy = tuple[str, int, str]  # a kept copy of a picture: (its digest, width, format)


@dataclass(frozen=True)
class Picture:
    """The copies of one raster picture: ``ref`` is its path under its media folder
    (``images/photo.jpg``); ``widths`` those made (ascending), each in every format of
    ``formats`` and in ``fallback`` (jpg or png)."""

    ref: str
    digest: str  # of the picture's bytes and how copies are made: in every copy's name
    width: int  # the picture upright, as uploaded
    height: int
    widths: tuple[int, ...]
    formats: tuple[str, ...]
    fallback: str

    def name(self, width: int, fmt: str) -> str:
        stem = self.ref.rsplit(".", 1)[0]
        return f"{stem}.{self.digest}.{width}.{fmt}"

    def copies(self) -> list[tuple[str, Copy]]:
        """Every copy: its path under the media folder, and which kept copy it is."""
        return [(self.name(w, fmt), (self.digest, w, fmt)) for w in self.widths for fmt in (*self.formats, self.fallback)]

    def height_at(self, width: int) -> int:
        return max(1, round(self.height * width / self.width))

    def best(self, shown: int) -> int:
        """The width of the copy for a place ``shown`` device pixels wide (the fallback's ``src``)."""
        return next((w for w in self.widths if w >= shown), self.widths[-1])


def widths_for(width: int, wanted: tuple[int, ...]) -> tuple[int, ...]:
    """The widths of the copies of a picture ``width`` pixels wide: those wanted that are
    narrower, and the picture's own width if it is narrower than the widest wanted (never
    enlarged)."""
    made = [w for w in sorted(set(wanted)) if w < width]
    if width <= max(wanted):
        made.append(width)
    return tuple(made) or (width,)


def view(picture: Picture | None, prefix: str, src: str, shown: int = 640) -> View:
    """The view of one picture for templates: ``src`` (a path, the fallback copy or the file as
    it is for a drawing), ``width`` and ``height`` (as shown at ``src``; 0 for a drawing),
    ``srcset`` (``[path, width]`` pairs of the fallback) and ``sources`` (``{type, srcset}``,
    AVIF then WebP). Paths start with ``prefix`` (the media folder)."""
    if picture is None:
        return {"src": src, "width": 0, "height": 0, "srcset": [], "sources": []}
    best = picture.best(shown)
    return {
        "src": prefix + picture.name(best, picture.fallback),
        "width": best,
        "height": picture.height_at(best),
        "srcset": [[prefix + picture.name(w, picture.fallback), w] for w in picture.widths],
        "sources": [{"type": MIME[fmt], "srcset": [[prefix + picture.name(w, fmt), w] for w in picture.widths]} for fmt in picture.formats],
    }


def under(path: str, root: str) -> str:
    """``path`` as a page at ``root`` reaches it: after ``root``, unless it is a URL already
    (the catalog's pictures served from the platform's ``media_url``)."""
    return path if "://" in path else root + path


def absolute(path: str, base_url: str) -> str:
    return path if "://" in path else base_url + path


def srcset(candidates: list[list[Any]], root: str) -> str:
    """A ``srcset`` attribute's value from ``[path, width]`` pairs, each path after ``root``."""
    return ", ".join(f"{under(path, root)} {width}w" for path, width in candidates)


# An image as the sanitiser leaves it: attributes double-quoted, in the order they were written.
_IMG_RE = re.compile(r"<img\b([^>]*)>")
_SRC_RE = re.compile(r'\ssrc="([^"]*)"')
PROSE_SIZES = "(min-width: 48rem) 40rem, calc(100vw - 2rem)"


def expand_html(html: str, prefix: str, lookup: Callable[[str], Picture | None], copies: str = "") -> str:
    """Sanitised HTML with each ``<img>`` of a raster picture under ``prefix`` (its media
    folder, as the page reaches it) made a ``<picture>`` of its copies (under ``copies``, if
    not ``prefix``); the owner's or the catalog's own width and height attributes give way to
    the copy's."""
    if "<img" not in html:
        return html

    def one(match: re.Match[str]) -> str:
        found = _SRC_RE.search(match.group(1))
        src = html_lib.unescape(found.group(1)) if found is not None else ""
        picture = lookup(src[len(prefix) :]) if found is not None and src.startswith(prefix) else None
        if picture is None:
            return match.group(0)
        rest = re.sub(r'\s(?:src|width|height|loading|decoding|srcset|sizes)="[^"]*"', "", match.group(1)).rstrip(" /")
        v = view(picture, copies or prefix, "")
        sources = "".join(
            f'<source type="{s["type"]}" srcset="{html_lib.escape(srcset(s["srcset"], ""))}" sizes="{PROSE_SIZES}">' for s in v["sources"]
        )
        return (
            f'<picture>{sources}<img src="{html_lib.escape(v["src"])}"{rest} srcset="{html_lib.escape(srcset(v["srcset"], ""))}"'
            f' sizes="{PROSE_SIZES}" width="{v["width"]}" height="{v["height"]}" loading="lazy" decoding="async"></picture>'
        )

    return _IMG_RE.sub(one, html)
