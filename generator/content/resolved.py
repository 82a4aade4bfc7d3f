"""Products and shops as an earlier build loaded and checked them, kept to be used again.

Loading a project reads, parses and validates every file; a build after one price change
needs almost all of that again unchanged. Each
product and shop that loaded without a mistake is kept in the cache folder (``resolved-*.pickle``)
under a hash of its own text, with everything else its checks read:

- a product: its category (value), and the image files it names (each unchanged: same
  size, modification time and inode, still a regular file reached without a link);
- a shop: its folder's ``shop.yaml`` and posts, the platform and the themes, the status of
  every product in the catalog (a pick of a product recalled since is a warning, not a pick),
  and the files its text names (avatar, images in Markdown).

An entry is used only when all of that is the same; anything else loads and checks the unit
as a first build would, so every mistake is reported on every run. A kept shop's picks are
pointed at this run's products (the catalog's facts about a product are never kept in a shop).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..cache.folder import CacheFolder, CachePolicy, code_tag
from ..cache.keptfile import KeptFile
from ..errors import Diagnostic
from .media import Stamp, still_same
from .model import Category, Platform, Product, Shop


def text_key(kind: str, *parts: bytes | str) -> str:
    h = hashlib.sha256(kind.encode())
    for part in parts:
        h.update(b"\0")
        h.update(part.encode() if isinstance(part, str) else part)
    return h.hexdigest()


@dataclass(frozen=True)
class KeptHead:
    """catalog.yaml without its products: the platform and the categories."""

    platform: Platform
    categories: dict[str, Category]


@dataclass(frozen=True)
class KeptProduct:
    product: Product
    files: tuple[Stamp, ...]  # the files the checks passed
    currency: str  # its prices were checked for this currency's decimals
    warnings: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class KeptShop:
    context: str
    shop: Shop
    warnings: tuple[Diagnostic, ...]
    files: tuple[Stamp, ...]


def files_unchanged(files: tuple[Stamp, ...]) -> bool:
    return all(still_same(f) for f in files)


def catalog_context(platform: Platform, themes: tuple[str, ...], products: dict[str, Product], invalid: set[str]) -> str:
    """What a shop's checks read of everything but its own folder (prices are not part of it)."""
    statuses = sorted((sku, p.status) for sku, p in products.items())
    return text_key("context", repr((platform, themes, statuses, sorted(invalid))))


def relink_existing(shop: Shop, products: dict[str, Product]) -> Shop:
    """``shop`` with the picks whose product is still in ``products``, each showing it."""
    gone = {p.product.sku for p in shop.picks if p.product.sku not in products}
    if gone:
        picks = tuple(p for p in shop.picks if p.product.sku not in gone)
        collections = tuple(replace(c, picks=tuple(p for p in c.picks if p.product.sku not in gone)) for c in shop.collections)
        shop = replace(shop, picks=picks, collections=collections)
    return relink(shop, products)


def relink(shop: Shop, products: dict[str, Product]) -> Shop:
    """``shop`` with every pick showing this run's product of its SKU."""
    if all(p.product is products[p.product.sku] for p in shop.picks):
        return shop
    picks = {p.product.sku: p if p.product is products[p.product.sku] else replace(p, product=products[p.product.sku]) for p in shop.picks}
    collections = tuple(replace(c, picks=tuple(picks[p.product.sku] for p in c.picks)) for c in shop.collections)
    return replace(shop, picks=tuple(picks.values()), collections=collections)


# A stamp is trusted only for a file left alone this long before it was read: a file written
# twice within one tick of the file system's clock keeps its time (git's "racily clean" files).
SETTLED_NS = 2_000_000_000

FileStamp = tuple[str, int, int, int, int]  # path, size, mtime_ns, ctime_ns, inode (0: absent)


def _stamp(path: str, st: os.stat_result) -> FileStamp:
    return (path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(frozen=True)
class ShopTexts:
    """What the loader reads of a shop's folder: names and bytes, in its order, and the stamps
    of those files and of ``posts/`` (None when one was changed too recently to vouch for)."""

    parts: list[bytes]
    stamps: tuple[FileStamp, ...] | None


def shop_texts(folder: Path, limit: int) -> ShopTexts | None:
    """The names and bytes of everything the loader reads in a shop's folder, in its order;
    None when a file cannot be read as is (the full load then reports why). os calls on
    strings: a thousand shops' files are read on every build."""
    base = str(folder)
    paths = [os.path.join(base, "shop.yaml")]
    posts = os.path.join(base, "posts")
    parts: list[bytes] = []
    stamps: list[FileStamp] = []
    try:
        try:
            st = os.lstat(posts)
        except FileNotFoundError:
            stamps.append((posts, 0, 0, 0, 0))
        else:
            if stat.S_ISLNK(st.st_mode):
                return None
            if stat.S_ISDIR(st.st_mode):
                paths += [os.path.join(posts, name) for name in sorted(os.listdir(posts)) if name.endswith(".md")]
            stamps.append(_stamp(posts, st))
        for path in paths:
            with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as fh:  # a link: the full load says why not
                stamps.append(_stamp(path, os.fstat(fh.fileno())))
                data = fh.read(limit + 1)
            if len(data) > limit:
                return None
            parts += [os.path.basename(path).encode(), data]
    except OSError:
        return None
    settled = time.time_ns() - SETTLED_NS
    return ShopTexts(parts, tuple(stamps) if all(max(s[2], s[3]) < settled for s in stamps) else None)


def stamps_unchanged(stamps: tuple[FileStamp, ...]) -> bool:
    """Whether every file (or folder) is as stamped: not even opened. A folder's stamp changes
    when a name in it comes, goes or is renamed, so the posts' names are the stamped ones."""
    for path, size, mtime, ctime, inode in stamps:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if inode:
                return False
            continue
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) != (size, mtime, ctime, inode):
            return False
    return True


def open_kept(folder: CacheFolder, policy: CachePolicy) -> KeptFile:
    return KeptFile(folder.resolved, code_tag(), read=policy.read)
