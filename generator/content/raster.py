"""What Pillow sees of a raster picture before it is published: whether it can be made into
the resized copies pages show (build/images.py), and its size as shown.

Checked when a file is checked (media.py), so ``shopforest check`` reports the same problems
a build would hit, located at the YAML or Markdown that names the picture:

- an animated GIF, WebP or PNG: refused (a shop shows still pictures; a moving one would be
  shown as its first frame without the owner knowing);
- a picture of more than ``MAX_PIXELS`` pixels (a decompression bomb: a small file that
  unpacks to gigabytes) or with a side longer than ``MAX_SIDE``: refused;
- a truncated or damaged file: refused, naming what Pillow found.

CMYK JPEGs and 16-bit PNGs are not refused: they are converted to 8-bit sRGB (build/images.py;
docs/formats.md says so), as Hugo and Eleventy Image do.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ..messages import msg

MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more is a panorama stitched by hand, or a bomb
MAX_SIDE = 20_000
# EXIF orientations that turn a picture a quarter: its width as shown is its height as stored.
# The widest the default theme shows a picture, in CSS pixels: a product photo on its page, an
# avatar in the shop's header. A narrower picture is stretched even on a screen of one device
# pixel per CSS pixel, and a warning says so.
PHOTO_SHOWN = 600
AVATAR_SHOWN = 96
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
_ORIENTATION_TAG = 0x0112


class RasterError(Exception):
    """A raster picture that cannot be published; the message says why and what to do."""


@dataclass(frozen=True)
class RasterFacts:
    """A raster picture as pages show it: upright (EXIF orientation applied)."""

    width: int
    height: int


def _open(path: str) -> Image.Image:
    """The picture opened lazily (header only), with Pillow's own bomb check as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(path)


def inspect_raster(path: str, ref: str) -> RasterFacts:
    """Check the picture at ``path`` (named ``ref``) can be made into resized copies."""
    try:
        with _open(path) as im:
            width, height = im.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise RasterError(
                    msg(
                        "'{ref}' is {width}×{height} pixels; the limit is {megapixels}"
                        " megapixels and {side:,} pixels a side: make the picture smaller",
                        ref=ref,
                        width=width,
                        height=height,
                        megapixels=MAX_PIXELS // 1_000_000,
                        side=MAX_SIDE,
                    )
                )
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                raise RasterError(
                    msg("'{ref}' is animated ({frames} frames); a shop shows still pictures: save one frame as a JPEG or PNG", ref=ref, frames=frames)
                )
            orientation = im.getexif().get(_ORIENTATION_TAG, 1)
            if im.format == "JPEG":
                # decoded at an eighth of its size (the JPEG decoder scales as it decodes): every
                # byte is read, so a file cut short is found, at a fraction of the full cost
                im.draft("RGB" if im.mode != "CMYK" else "CMYK", (max(1, width // 8), max(1, height // 8)))
            im.load()
    except RasterError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RasterError(msg("'{ref}' unpacks to too many pixels (a decompression bomb?): make the picture smaller", ref=ref)) from None
    except UnidentifiedImageError:
        raise RasterError(msg("'{ref}' cannot be read as a picture: save it again as a JPEG or PNG", ref=ref)) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError) as exc:
        # Pillow reports a file cut short or damaged as one of these, naming what it found
        raise RasterError(msg("'{ref}' is damaged or cut short ({exc}): export or upload the picture again", ref=ref, exc=exc)) from None
    if isinstance(orientation, int) and orientation in _QUARTER_TURNS:
        width, height = height, width
    return RasterFacts(width, height)
