"""Share cards: the 1200×630 JPEG a chat app or social site shows when a shop's link is pasted.

Chat apps show no picture for an SVG ``og:image``, and a phone photo is too big and the wrong
shape, so each product's first picture (and each owner's avatar) is made into a card: the
picture scaled to fit the card's height, centred on a plain background of its own corner
colour (or a neutral one where that corner is transparent). A square picture therefore fills
the centre square, which is what apps that crop previews to a square show.

SVG drawings are rasterised by resvg (``resvg-py``): a renderer with no system library and no
browser, whose output depends only on its version and the fonts it is given. It is given one
CJK font file from ``fonts-noto-cjk`` and no system fonts, so a drawing's Chinese text comes out
the same on every machine with that package; it is given no resources folder, so a drawing can
reach no file. Raster pictures are decoded and composed by Pillow. The JPEG is written without
metadata, baseline, with fixed settings, so equal inputs give equal bytes.

This module is pure (bytes in, bytes out); build/shop.py keeps the cards it makes in the cache
folder under :func:`card_key`.
"""

from __future__ import annotations

import hashlib
import io
import os
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

WIDTH = 1200
HEIGHT = 630
QUALITY = 85
NEUTRAL = (244, 241, 236)  # the background behind a picture whose corner is transparent
CARD_MEDIA = "media/cards/"
MIME = "image/jpeg"
# The CJK font drawings' text is set in (fonts-noto-cjk): the first one present is used.
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
FONT_FAMILY = "Noto Sans CJK SC"
MAX_SOURCE_PIXELS = 64_000_000  # a picture larger than this is not decoded for a card


def card_path(ref: str, *, owner: bool) -> str:
    """Where the card of the picture ``ref`` (an owner's or the catalog's) is published, relative
    to the shop's folder. Named after the picture's path, so a new picture under a new name is a
    new URL: chat apps keep a preview by its image URL for days."""
    return f"{CARD_MEDIA}{'owner' if owner else 'catalog'}/{ref}.jpg"


@cache
def font_file() -> str | None:
    return next((f for f in FONT_FILES if os.path.isfile(f)), None)


@cache
def settings_tag() -> str:
    """Everything but the picture that a card's bytes depend on: the card's settings, the
    renderers' versions, and the font file (by path, size and modification time)."""
    font = font_file()
    stamp = ""
    if font is not None:
        st = os.stat(font)
        stamp = f"{font}:{st.st_size}:{st.st_mtime_ns}"
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # this module alone: a change elsewhere keeps the cards
    parts = (code, metadata.version("pillow"), metadata.version("resvg-py"), stamp)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def card_key(picture: bytes) -> str:
    """The name a card is kept under: the picture's bytes and :func:`settings_tag`."""
    h = hashlib.sha256(settings_tag().encode() + b"\0")
    h.update(picture)
    return h.hexdigest()[:32]


_DRAWN: dict[str, bytes] = {}  # card key -> card: a picture a thousand shops show, drawn or read once a process
_DRAWN_BYTES = 0
_DRAWN_LIMIT = 32 * 1024 * 1024


def remembered(key: str) -> bytes | None:
    """A card this process already made or read, by :func:`card_key` (a card is a pure function
    of what its key hashes, so this is never stale)."""
    return _DRAWN.get(key)


def remember(key: str, card: bytes) -> None:
    global _DRAWN_BYTES
    if _DRAWN_BYTES + len(card) > _DRAWN_LIMIT:
        forget()
    _DRAWN[key] = card
    _DRAWN_BYTES += len(card)


def forget() -> None:
    """Drop every remembered card (tests that count what a build draws or reads)."""
    global _DRAWN_BYTES
    _DRAWN.clear()
    _DRAWN_BYTES = 0


def is_svg(picture: bytes) -> bool:
    head = picture[:512].lstrip()
    return head.startswith((b"<svg", b"<?xml", b"<!--")) or b"<svg" in head


def make_card(picture: bytes) -> bytes:
    """The card of ``picture`` (the bytes a shop publishes: an SVG already cleaned, or a
    raster picture) as JPEG bytes. A picture that cannot be decoded gives a plain card, so a
    share still shows the shop's colours rather than nothing; ``check`` reports such files."""
    from PIL import Image as PILImage

    image: Image | None
    try:
        image = _rasterised(picture) if is_svg(picture) else _decoded(picture)
    except Exception:  # any decoder's failure on a file the loader let through: a plain card
        image = None
    card = PILImage.new("RGB", (WIDTH, HEIGHT), NEUTRAL)
    if image is not None:
        card.paste(_background(image), (0, 0, WIDTH, HEIGHT))
        if image.height != HEIGHT or image.width > WIDTH:
            scale = min(HEIGHT / image.height, WIDTH / image.width)
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, PILImage.Resampling.LANCZOS)
        at = ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2)
        if image.mode == "RGBA":
            card.paste(image, at, image)
        else:
            card.paste(image.convert("RGB"), at)
    out = io.BytesIO()
    card.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=False, subsampling="4:2:0")
    return out.getvalue()


def _background(image: Image) -> tuple[int, int, int]:
    pixel = image.convert("RGBA").getpixel((0, 0))
    assert isinstance(pixel, tuple)
    r, g, b, a = pixel[:4]
    return (r, g, b) if a == 255 else NEUTRAL


def _rasterised(svg: bytes) -> Image:
    """An SVG drawing as an RGBA image the card's height, its aspect kept."""
    import resvg_py
    from PIL import Image as PILImage

    font = font_file()
    png = resvg_py.svg_to_bytes(
        svg_string=svg.decode("utf-8"),
        height=HEIGHT,
        skip_system_fonts=True,
        font_files=[font] if font else None,
        font_family=FONT_FAMILY,
        sans_serif_family=FONT_FAMILY,
        serif_family=FONT_FAMILY,
        monospace_family=FONT_FAMILY,
        cursive_family=FONT_FAMILY,
        fantasy_family=FONT_FAMILY,
    )
    image = PILImage.open(io.BytesIO(png))
    image.load()
    return image.convert("RGBA")


def _decoded(data: bytes) -> Image:
    """A raster picture upright (its EXIF orientation applied), in RGB or RGBA, no bigger than
    needed: a JPEG is decoded at a reduced scale (libjpeg's draft mode)."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    image: Image = PILImage.open(io.BytesIO(data))
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise ValueError("picture too large for a card")
    image.draft("RGB", (WIDTH, HEIGHT))
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")
