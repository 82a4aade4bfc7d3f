"""Image files named by the catalog and by owners: which may be published, and their bytes.

Every shop is served from one origin, so a file published from one owner's folder is a file
on every shop's origin. A file is published only when it is

- named by a canonical relative path under ``images/`` (no ``..``, ``.``, ``//`` or ``\\``),
- reached without following a symbolic link at any step, and is a regular file (no device,
  FIFO or socket) below a size cap; an owner's file also has a single link (a hard link
  could name a file outside her folder),
- an image by its content — JPEG, PNG, GIF, WebP or SVG — whose extension says the same
  type, so a static host serves it with an image type and never as a page.

An SVG is not published as written: it is parsed without entities or external references
and rebuilt from an allow-list of elements and attributes (``svgclean.py``). ``check`` and
``build`` apply the same rule through :func:`problem`; :func:`published_bytes` reads the
file again, without following links, when it is written.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..messages import msg
from . import raster, svgclean

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a phone photo is 2-8 MB; a bigger file is a mistake, not a picture
MAX_SVG_BYTES = 1024 * 1024  # drawings and logos; an SVG this big is a traced photo

EXTENSIONS = {
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "gif": (".gif",),
    "webp": (".webp",),
    "svg": (".svg",),
}
KIND_NAMES = {
    "jpeg": msg("a JPEG photo"),
    "png": msg("a PNG picture"),
    "gif": msg("a GIF picture"),
    "webp": msg("a WebP picture"),
    "svg": msg("an SVG drawing"),
}
_SNIFF_BYTES = 512
_NOT_A_NAME = re.compile(r"[\x00-\x1f\x7f\\]")


@dataclass(frozen=True)
class Source:
    """An image file to publish: ``ref`` under the folder ``base`` (an owner's or the project's)."""

    base: str
    ref: str
    owner: bool

    @property
    def path(self) -> str:
        return os.path.join(self.base, self.ref)


class MediaError(Exception):
    """A file that may not be published; the message says why and how to fix it."""


@dataclass(frozen=True)
class Stamp:
    """What a check saw of a file: the same stamp later means the same checked file."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    width: int = 0  # a raster picture's size as shown (EXIF orientation applied); 0 for a drawing
    height: int = 0


def sniff(head: bytes) -> str | None:
    """The image type of a file from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if svgclean.looks_like_svg(head):
        return "svg"
    return None


def canonical_problem(ref: str) -> str | None:
    """Why ``ref`` is not a canonical relative path under images/, or None."""
    if not ref.strip() or _NOT_A_NAME.search(ref):
        return msg("image path '{ref}' is not a file name; write it like images/photo.jpg", ref=ref)
    pure = PurePosixPath(ref)
    if pure.is_absolute() or ".." in pure.parts:
        return msg("image path '{ref}' must be relative and stay inside the images/ folder", ref=ref)
    if pure.as_posix() != ref or "/./" in f"/{ref}/":
        return msg("image path '{ref}' is not written plainly; write '{plain}'", ref=ref, plain=pure.as_posix())
    if pure.parts[0] != "images" or len(pure.parts) < 2:
        return msg("image '{ref}' must be in the images/ folder (images/{name})", ref=ref, name=pure.name)
    return None


def link_message(shown: str) -> str:
    return msg("'{path}' is a symbolic link; a shop publishes only real files: copy the file itself into the folder", path=shown)


def link_in(base: str, ref: str) -> str | None:
    """The first step of ``ref`` under ``base`` that is a symbolic link, or None."""
    path, parts = base, ref.split("/")
    for i, part in enumerate(parts):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return "/".join(parts[: i + 1])
    return None


def _walk(base: str, ref: str, owner: bool) -> os.stat_result:
    """lstat every step from ``base`` to ``ref``: no step may be a link, the last a regular file."""
    path = base
    parts = ref.split("/")
    for i, part in enumerate(parts):
        path = os.path.join(path, part)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise MediaError(msg("image '{ref}' does not exist", ref=ref)) from None
        except OSError as exc:
            raise MediaError(msg("image '{ref}' cannot be read: {strerror}", ref=ref, strerror=exc.strerror)) from None
        shown = "/".join(parts[: i + 1])
        if stat.S_ISLNK(st.st_mode):
            raise MediaError(link_message(shown))
        last = i == len(parts) - 1
        if not last and not stat.S_ISDIR(st.st_mode):
            raise MediaError(msg("image '{ref}' does not exist ('{shown}' is not a folder)", ref=ref, shown=shown))
        if last and not stat.S_ISREG(st.st_mode):
            raise MediaError(msg("image '{ref}' is not a regular file", ref=ref))
    if owner and st.st_nlink > 1:
        raise MediaError(msg("image '{ref}' is a hard link to another file; copy the picture itself into the folder", ref=ref))
    return st


def _kind(ref: str, head: bytes, size: int) -> str:
    kind = sniff(head)
    if kind is None:
        raise MediaError(msg("'{ref}' is not a picture (JPEG, PNG, GIF, WebP or SVG); only pictures can be published", ref=ref))
    suffix = PurePosixPath(ref).suffix.lower()
    if suffix not in EXTENSIONS[kind]:
        right = PurePosixPath(ref).with_suffix(EXTENSIONS[kind][0]).as_posix()
        raise MediaError(
            msg(
                "'{ref}' is {kind} but its name ends in '{suffix}'; rename it '{right}'",
                ref=ref,
                kind=KIND_NAMES[kind],
                suffix=suffix or msg("(nothing)"),
                right=right,
            )
        )
    limit = MAX_SVG_BYTES if kind == "svg" else MAX_IMAGE_BYTES
    if size > limit:
        raise MediaError(msg("image '{ref}' is too large ({size:,} bytes; the limit is {limit:,}); make it smaller", ref=ref, size=size, limit=limit))
    return kind


def inspect(base: str, ref: str, *, owner: bool) -> Stamp:
    """Check that ``ref`` under the folder ``base`` may be published; raise MediaError if not."""
    return _load(base, ref, owner, whole=False)[0]


def _load(base: str, ref: str, owner: bool, *, whole: bool) -> tuple[Stamp, bytes]:
    """The stamp of ``ref`` and its bytes as published (all of them only when ``whole``)."""
    problem = canonical_problem(ref)
    if problem is not None:
        raise MediaError(problem)
    st = _walk(base, ref, owner)
    path = os.path.join(base, ref)
    data = _read(path, ref, MAX_IMAGE_BYTES + 1 if whole else _SNIFF_BYTES if st.st_size > MAX_SVG_BYTES else MAX_SVG_BYTES)
    kind = _kind(ref, data[:_SNIFF_BYTES] if len(data) > MAX_SVG_BYTES else data, max(st.st_size, len(data)))
    stamp = Stamp(path, st.st_size, st.st_mtime_ns, st.st_ino)
    if kind == "svg":
        data = _cleaned(stamp, ref, data)
    elif not whole:
        try:
            facts = raster.inspect_raster(path, ref)
        except raster.RasterError as exc:
            raise MediaError(exc.args[0]) from None
        stamp = Stamp(path, st.st_size, st.st_mtime_ns, st.st_ino, facts.width, facts.height)
    return stamp, data


_CLEANED: dict[Stamp, bytes] = {}  # one catalog drawing is published in every shop that picks it
_CLEANED_BYTES = 0
_CLEANED_LIMIT = 64 * 1024 * 1024


def _cleaned(stamp: Stamp, ref: str, data: bytes) -> bytes:
    global _CLEANED_BYTES
    clean = _CLEANED.get(stamp)
    if clean is None:
        try:
            clean = svgclean.clean(data)
        except svgclean.SvgError as exc:
            raise MediaError(msg("'{ref}' is not an SVG drawing that can be published: {exc}", ref=ref, exc=exc.args[0])) from None
        if _CLEANED_BYTES + len(clean) > _CLEANED_LIMIT:
            _CLEANED.clear()
            _CLEANED_BYTES = 0
        _CLEANED[stamp] = clean
        _CLEANED_BYTES += len(clean)
    return clean


def problem(base: str, ref: str, *, owner: bool) -> str | None:
    """Why ``ref`` may not be published, or None (the one rule of ``check`` and ``build``)."""
    try:
        inspect(base, ref, owner=owner)
    except MediaError as exc:
        return exc.args[0]  # type: ignore[no-any-return]  # the message, untranslated until shown
    return None


def still_same(stamp: Stamp) -> bool:
    """Whether the file a check saw is still there unchanged (not followed through a link)."""
    try:
        st = os.lstat(stamp.path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns, st.st_ino) == (stamp.size, stamp.mtime_ns, stamp.inode)


def _read(path: str, ref: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, opened without following a final link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise MediaError(msg("image '{ref}' cannot be read: {strerror}", ref=ref, strerror=exc.strerror)) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise MediaError(msg("image '{ref}' is not a regular file", ref=ref))
        return fh.read(min(limit, st.st_size + 1))  # read(n) allocates n bytes up front


def is_raster(ref: str) -> bool:
    """Whether ``ref`` names a raster picture (published as resized copies, build/images.py);
    the name's extension says the type, since a file whose content says otherwise is refused."""
    return not ref.lower().endswith(".svg")


def published_bytes(source: Source) -> bytes:
    """The bytes to publish for ``source``, checked again as it is read; an SVG rebuilt clean."""
    return _load(source.base, source.ref, source.owner, whole=True)[1]
