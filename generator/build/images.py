"""The copies of raster pictures that pages show (pages/pictures.py), made once and kept.

A picture's copies are made once for its bytes and the way copies are made (widths, formats,
qualities, this module's version, Pillow's), and kept in the cache folder's ``images/``: a
price change, a note edited or a build with nothing new makes none, and a catalog photo that
a thousand shops show is made into copies once. Shops' folders get hard links to the kept
files where the file system allows (a copy elsewhere), so a thousand shops' copies of one
photo take the disk space of one.

Whether a picture changed is decided by its size, modification time and inode, as make and
Lektor do: a build whose pictures did not change reads none of their bytes, and only a picture
whose stamp changed is read and hashed again. Verify mode (build/verify.py) hashes every
picture's bytes instead, so a stamp that hid a change would be found.

Each copy is made from the picture turned upright (EXIF orientation), converted to sRGB (by
its ICC profile when it has one; CMYK and 16-bit pictures to 8-bit sRGB), resized with
Lanczos, and saved with no metadata at all: no EXIF (the camera's GPS position), XMP, ICC
profile or comment reaches a shop.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import time
import warnings
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageOps, features

from ..cache.folder import CacheFolder, CachePolicy, atomic_write
from ..cache.keptfile import MARSHAL, KeptFile
from ..content.media import Source
from ..pages.pictures import FORMATS, Picture, widths_for
from .gcfreeze import frozen
from .writer import link_new, remove_files, safe_join

IMAGE_VERSION = "1"  # what a copy is made of and how: change it when the code below changes its bytes
QUALITY = {"avif": 50, "webp": 75, "jpg": 80}
AVIF_SPEED = 8  # libavif's 0 (slowest, smallest) to 10; 8 costs about what WebP does (docs/building.md)
PARALLEL_IMAGES = 2  # pictures to make copies of before it is worth starting processes

SHARED_MEDIA = "_media"  # in the output folder: the catalog's copies for the platform's media_url (not a shop id)
DECODES = 0  # pictures decoded by this process to make copies (the tests count them)


def formats() -> tuple[str, ...]:
    """The modern formats copies are made in: AVIF only where this Pillow can write it."""
    return tuple(f for f in FORMATS if f != "avif" or features.check("avif"))


def settings_tag() -> str:
    """Everything but a picture's bytes that its copies depend on."""
    import PIL

    return f"{IMAGE_VERSION}\0{PIL.__version__}\0{formats()}\0{sorted(QUALITY.items())}\0{AVIF_SPEED}"


class ImageWork:
    """Pictures' hashes by stamp and their copies, kept in the cache folder between builds. A
    run that keeps nothing (``--no-cache``; ``check``, which reads what builds kept) makes its
    new copies in a temporary folder, removed by :meth:`close`."""

    def __init__(self, folder: CacheFolder | None, policy: CachePolicy, *, stamps: bool = True) -> None:
        kept = folder is not None and (policy.read or policy.write)
        self.path = folder.images if folder is not None and kept else None  # the kept copies
        self.write = kept and policy.write
        self.scratch = None if self.write else Path(tempfile.mkdtemp(prefix="shopforest-images-"))
        self.fresh: set[str] = set()  # digests whose copies this run made into scratch
        tag = hashlib.sha256(f"{settings_tag()}\0{sys.implementation.cache_tag}".encode()).hexdigest()[:16]
        self.store = KeptFile(folder.images_index if folder is not None and kept else None, tag, codec=MARSHAL, read=policy.read)
        self.stamps = stamps and policy.read
        self.shas: dict[str, str] = {}
        self.pictures: dict[tuple[str, tuple[int, ...]], Picture] = {}
        self.made = 0  # pictures this build made copies of
        self.seconds = 0.0  # and the time it took
        self._remove = weakref.finalize(self, shutil.rmtree, self.scratch, True) if self.scratch else weakref.finalize(self, int)

    def hashing_all(self) -> ImageWork:
        """The same kept copies, with every picture's bytes hashed again (verify mode)."""
        other = ImageWork.__new__(ImageWork)
        other.__dict__.update(self.__dict__)
        other.stamps, other.write = False, False
        other._remove = weakref.finalize(other, int)  # the folder stays this object's
        other.shas, other.pictures = {}, {}
        return other

    def save(self) -> None:
        """Keep the hashes and copies' facts this build worked out (the copies are kept already)."""
        if self.write:
            self.store.save()

    def prune(self) -> int:
        """Remove the kept copies of pictures no shop shows any more (after a build of every
        shop, when :meth:`make_all` has seen every picture shown); the copies already linked
        into shops stay there. Returns how many files went."""
        if not self.write or self.path is None or not self.path.is_dir():
            return 0
        used = {picture.digest for picture in self.pictures.values()}
        removed = 0
        for folder in self.path.iterdir():
            if not folder.is_dir():
                continue
            for copy in folder.iterdir():
                if copy.name.partition(".")[0] not in used:
                    copy.unlink()
                    removed += 1
            if not any(folder.iterdir()):
                folder.rmdir()
        return removed

    def close(self) -> None:
        """Remove a temporary folder of copies (also done when the object goes, whatever happens)."""
        self._remove()

    def sha(self, path: str) -> str:
        """A hash of the file's bytes: the kept one while the file's stamp is unchanged."""
        known = self.shas.get(path)
        if known is not None:
            return known
        st = os.lstat(path)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        kept = self.store.get("s" + path) if self.stamps else None
        if kept is not None and tuple(kept[:3]) == stamp:
            sha = str(kept[3])
        else:
            with open(path, "rb") as fh:
                sha = hashlib.sha256(fh.read()).hexdigest()
            if stat.S_ISREG(st.st_mode):
                self.store.put("s" + path, (*stamp, sha))
        self.shas[path] = sha
        return sha

    def digest(self, source: Source, wanted: tuple[int, ...]) -> str:
        return hashlib.sha256(f"{self.sha(source.path)}\0{settings_tag()}\0{wanted}".encode()).hexdigest()[:12]

    def folder(self, digest: str) -> Path:
        base = self.scratch if self.scratch is not None and (digest in self.fresh or self.path is None) else self.path
        assert base is not None
        return base / digest[:2]

    def copy_path(self, digest: str, width: int, fmt: str) -> str:
        """Where the kept copy of a picture at ``width`` in ``fmt`` is."""
        return f"{self.folder(digest)}/{digest}.{width}.{fmt}"

    def known(self, source: Source, wanted: tuple[int, ...]) -> Picture | None:
        key = (source.path, wanted)
        picture = self.pictures.get(key)
        if picture is not None:
            return picture
        digest = self.digest(source, wanted)
        kept = self.store.get("p" + digest)
        if kept is None:
            return None
        width, height, widths, fmts, fallback = kept
        picture = Picture(source.ref, digest, width, height, tuple(widths), tuple(fmts), fallback)
        if not os.path.exists(self.copy_path(digest, picture.widths[0], picture.fallback)):
            return None  # the kept copies were removed
        self.pictures[key] = picture
        return picture

    def picture(self, source: Source, wanted: tuple[int, ...]) -> Picture:
        """The copies of ``source`` for a place that wants ``wanted`` widths, made if need be."""
        picture = self.known(source, wanted)
        if picture is None:
            self.make_all([(source, wanted)], 1)
            picture = self.pictures[(source.path, wanted)]
        return picture

    def publish_shared(self, folder: Path, pictures: Iterable[Picture], prune: bool) -> int:
        """Every copy of ``pictures`` linked into ``folder`` once (a file there is already the
        copy its name says); with ``prune``, the files no picture has any more removed."""
        wanted = {name: copy for picture in pictures for name, copy in picture.copies()}
        added = 0
        for name, copy in sorted(wanted.items()):
            dest = safe_join(folder, name)
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            staged = dest.with_name(f".tmp-{dest.name}")
            staged.unlink(missing_ok=True)
            link_new(self.copy_path(*copy), str(staged))
            os.replace(staged, dest)
            added += 1
        if prune and folder.is_dir():
            present = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
            remove_files(folder, sorted(rel for rel in present if rel not in wanted))
        return added

    def make_all(self, wanted: Iterable[tuple[Source, tuple[int, ...]]], jobs: int) -> None:
        """Make the copies of every picture not yet made (across processes when there are several)."""
        todo: dict[str, tuple[Source, tuple[int, ...]]] = {}
        for source, widths in wanted:
            if self.known(source, widths) is None:
                todo.setdefault(self.digest(source, widths), (source, widths))
        if not todo:
            return
        started = time.perf_counter()
        if not self.write:
            self.fresh.update(todo)
        args = [(source.path, digest, widths, str(self.folder(digest)), formats()) for digest, (source, widths) in todo.items()]
        if jobs > 1 and len(args) >= PARALLEL_IMAGES:
            with frozen(collect=True), multiprocessing.get_context("fork").Pool(min(jobs, len(args))) as pool:
                made = pool.starmap(make_copies, args, chunksize=1)
        else:
            made = [make_copies(*a) for a in args]
        for (digest, (source, widths)), facts in zip(todo.items(), made, strict=True):
            self.store.put("p" + digest, facts)
            width, height, sizes, fmts, fallback = facts
            self.pictures[(source.path, widths)] = Picture(source.ref, digest, width, height, tuple(sizes), tuple(fmts), fallback)
            self.made += 1
        self.seconds += time.perf_counter() - started


def _upright_srgb(im: Image.Image) -> tuple[Image.Image, bool]:
    """The decoded picture upright, in 8-bit sRGB (RGB, or RGBA when it has transparency)."""
    im = ImageOps.exif_transpose(im)
    profile = im.info.get("icc_profile")
    alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    if alpha and im.convert("RGBA").getchannel("A").getextrema() == (255, 255):
        alpha = False  # an alpha channel that hides nothing: a photo, saved as one
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.point(lambda v: v / 256).convert("L")  # 16-bit grey: the top 8 bits
    target = "RGBA" if alpha else "RGB"
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if im.mode not in ("RGB", "RGBA", "CMYK", "L"):
                im = im.convert(target)
            converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode=target)
            if converted is not None:
                return converted, alpha
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: its numbers are taken as sRGB, as browsers do
    return im.convert(target), alpha


def make_copies(path: str, digest: str, wanted: tuple[int, ...], folder: str, fmts: tuple[str, ...]) -> tuple[Any, ...]:
    """Make the copies of the picture at ``path`` into ``folder``; its facts for the store:
    (width, height, widths, formats, fallback). The picture was checked when it was loaded
    (content/raster.py)."""
    global DECODES
    widest = max(wanted)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as opened:
            stored_width, stored_height = opened.size
            width, height = (stored_height, stored_width) if _turned(opened) else (stored_width, stored_height)
            if opened.format == "JPEG":
                # the decoder scales by 1/2, 1/4 or 1/8 as it decodes, to no less than twice the widest copy
                opened.draft(opened.mode if opened.mode in ("RGB", "L", "CMYK") else "RGB", (2 * widest, 2 * widest))
            opened.load()
            DECODES += 1
            im, alpha = _upright_srgb(opened)
    widths = widths_for(width, wanted)
    fallback = "png" if alpha else "jpg"
    os.makedirs(folder, exist_ok=True)
    for w in reversed(widths):
        h = max(1, round(height * w / width))
        copy = im if (w, h) == im.size else im.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        copy.info = {}  # nothing of the original's metadata is written
        for fmt in (*fmts, fallback):
            atomic_write(f"{folder}/{digest}.{w}.{fmt}", encode(copy, fmt))
        im = copy  # the next, narrower copy is made from this one
    return (width, height, widths, fmts, fallback)


def _turned(im: Image.Image) -> bool:
    orientation = im.getexif().get(0x0112, 1)
    return isinstance(orientation, int) and orientation in (5, 6, 7, 8)


def encode(im: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "jpg":
        im.save(out, "JPEG", quality=QUALITY["jpg"], optimize=True, progressive=True)
    elif fmt == "png":
        im.save(out, "PNG", optimize=True)
    elif fmt == "webp":
        im.save(out, "WEBP", quality=QUALITY["webp"], method=4)
    else:
        im.save(out, "AVIF", quality=QUALITY["avif"], speed=AVIF_SPEED)
    return out.getvalue()
