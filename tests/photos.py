"""Photo-like JPEGs made with Pillow, for the tests, the demo and the benchmark: no downloads.

A phone photo as owners upload it: 3000×4000 pixels shown, stored sideways (4000×3000 with
EXIF orientation 6, as phones write it), with the camera's GPS position in its EXIF, soft
shapes and gradients under fine grain, so encoders work as hard as on a real photo.

``python -m tests.photos`` writes the demo's photos (smaller, so the repository stays small;
docs/storefront.md) into the demo project.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS = {1: "N", 2: (31.0, 13.0, 52.8), 3: "E", 4: (121.0, 28.0, 31.2)}  # Shanghai, where the demo's owners live


def photo(width: int = 3000, height: int = 4000, *, seed: int = 0, grain: int = 12) -> Image.Image:
    """An upright RGB picture ``width``×``height`` that looks, to an encoder, like a photo."""
    rng = random.Random(seed)
    small = (max(8, width // 16), max(8, height // 16))
    base = Image.new("RGB", small)
    draw = ImageDraw.Draw(base)
    top = tuple(rng.randrange(60, 220) for _ in range(3))
    bottom = tuple(rng.randrange(20, 180) for _ in range(3))
    for y in range(small[1]):  # a sky-to-floor gradient
        t = y / (small[1] - 1)
        draw.line([(0, y), (small[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(12):  # soft shapes: the things in the picture
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        r = rng.randrange(small[0] // 10, small[0] // 3)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    base = base.filter(ImageFilter.GaussianBlur(max(1, small[0] // 60)))
    big = base.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), grain).convert("RGB")
    # fine grain around mid-grey added to the picture: a sensor's noise
    return ImageChops.add(big, noise, scale=1.0, offset=-128)


def phone_jpeg(width: int = 3000, height: int = 4000, *, seed: int = 0, quality: int = 90, gps: bool = True, grain: int = 12) -> bytes:
    """A JPEG as a phone writes it: stored sideways with EXIF orientation 6 (shown ``width``
    ×``height`` once turned), with GPS tags, a camera model and a comment."""
    upright = photo(width, height, seed=seed, grain=grain)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6 turns it back clockwise
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Shopforest Phone"  # Make
    exif[0x0110] = "Test Camera 1"  # Model
    if gps:
        exif[GPS_IFD] = GPS
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=quality, exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def write_phone_jpeg(path: Path, width: int = 3000, height: int = 4000, *, seed: int = 0, quality: int = 90, grain: int = 12) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(phone_jpeg(width, height, seed=seed, quality=quality, grain=grain))
    return path


# The demo's photos: (path in the demo project, size shown, seed). Kept at a size that shows
# the point (sideways, GPS, far larger than any page shows) while the repository stays small.
DEMO = (
    ("images/bb-1012.jpg", (1200, 1600), 12),
    ("images/fd-2012.jpg", (1200, 1600), 22),
    ("images/bt-3012.jpg", (1200, 1600), 32),
    ("images/bb-1012-sand.jpg", (600, 800), 13),
    ("content/xiaomei/images/avatar.jpg", (600, 800), 7),
    ("content/xiaomei/images/first-food.jpg", (1200, 900), 42),
)
DEMO_QUALITY = 80
DEMO_GRAIN = 5


def write_demo(root: Path) -> list[Path]:
    return [write_phone_jpeg(root / rel, *size, seed=seed, quality=DEMO_QUALITY, grain=DEMO_GRAIN) for rel, size, seed in DEMO]


if __name__ == "__main__":
    for written in write_demo(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(f"{written}: {written.stat().st_size:,} bytes")
