"""A shop's links to pictures' copies, recorded by their folders' stamps rather than file by file.

Every width and format of every picture a shop shows is a file in its folder (a hard link to
the copy kept in the cache folder, build/images.py): with a photo per product that is about
800 files a shop against about 100 pages, and checking each with a stat made a build with
nothing new twice as slow as without photos. The copies only ever appear, go or get replaced
as whole files, and each of those changes a folder's modification and change times (a new
name, a removed name, a rename over one); so a shop's build records, for each folder holding
copies, its stamp (inode, mtime_ns, ctime_ns) and when it took it, and the next build stats
the folder, not its files. A folder whose stamp changed is checked file by file, and what is
missing or not the copy its name says is linked again.

A stamp taken within :data:`RACY_NS` of the folder's last change is not trusted (git's
"racily clean" entries): a change in the same clock tick, or on a file system that keeps
times in whole seconds, would leave the stamp as it was. Such a folder is checked file by
file next time, and recorded again once its change is old enough.

What a stamp cannot see: bytes written into a copy in place. That leaves its folder as it was
— and changes the kept copy too, since they are one file, so no comparison with it could see
it either (neither could the per-file sizes recorded before, when the size stayed the same).
The build itself never writes into a file with another link (writer.fill_spare); a build with
``--force`` makes every copy again and links it anew.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..pages.pictures import Copy

RACY_NS = 2_000_000_000  # a stamp this close to the folder's last change is checked again next time
Stamp = tuple[int, int, int, int]  # a folder's inode, mtime_ns, ctime_ns, and when it was taken (ns)
Links = dict[str, list[str]]  # folder (relative to the shop's, ending in "/") -> the copies' names in it

# What this process has stat'ed to check copies (the tests read them): folders, and single files.
FOLDER_STATS = 0
FILE_STATS = 0


def copy_of(name: str) -> Copy:
    """Which kept copy a copy's file name says it is: ``stem.digest.width.format``."""
    _, digest, width, fmt = name.rsplit(".", 3)
    return (digest, int(width), fmt)


def links_of(paths: Iterable[str]) -> Links:
    """Copies' paths in a shop's folder, grouped by their folder."""
    links: Links = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        links.setdefault(folder + "/" if folder else "", []).append(name)
    for names in links.values():
        names.sort()
    return links


class Recorded:
    """A shop's recorded copies (names sorted in each folder), less those found ``bad``, looked
    up one by one: a price change asks about a product's 15 copies, not the shop's 800."""

    def __init__(self, links: Links, bad: set[str]) -> None:
        self.links = links
        self.bad = bad

    def has(self, path: str) -> bool:
        folder, _, name = path.rpartition("/")
        names = self.links.get(folder + "/" if folder else "", ())
        i = bisect_left(names, name)
        return i < len(names) and names[i] == name

    def good(self, path: str) -> bool:
        """Recorded, and in place as its last build left it."""
        return path not in self.bad and self.has(path)

    def paths(self) -> list[str]:
        return [folder + name for folder, names in self.links.items() for name in names]

    def count(self) -> int:
        return sum(len(names) for names in self.links.values())

    def adding(self, paths: list[str]) -> Links:
        """The recorded copies and ``paths``."""
        if not paths:
            return self.links
        return links_of([*self.paths(), *paths])


def folder_stamp(path: str) -> tuple[int, int, int] | None:
    global FOLDER_STATS
    FOLDER_STATS += 1
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def trusted(recorded: Stamp | None, now: tuple[int, int, int] | None) -> bool:
    """Whether the folder is as it was when ``recorded``, and that stamp was not racy."""
    return recorded is not None and now is not None and now == recorded[:3] and recorded[3] - max(recorded[1], recorded[2]) >= RACY_NS


def stamp(path: str) -> Stamp | None:
    """The folder's stamp, taken now."""
    now = folder_stamp(path)
    return None if now is None else (*now, time.time_ns())


Kept = tuple[int, int, int, str] | None  # a kept copy's device, inode, size and path (None: it is gone)


def kept_file(path: str) -> Kept:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, path)


def is_copy_of(path: str, kept: Kept) -> bool:
    """Whether the file at ``path`` is the kept copy ``kept``: the same file (a hard link), or,
    where the file system allowed no link, a file of the same bytes."""
    global FILE_STATS
    FILE_STATS += 1
    if kept is None:
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    if (st.st_dev, st.st_ino) == kept[:2]:
        return True
    if st.st_size != kept[2] or not os.path.isfile(path):
        return False
    with open(path, "rb") as a, open(kept[3], "rb") as b:
        return a.read() == b.read()


@dataclass
class LinkCheck:
    """What a shop's folder holds of the copies its last build recorded."""

    bad: set[str] = field(default_factory=set)  # recorded copies missing or not what their names say
    stamps: dict[str, Stamp | None] = field(default_factory=dict)  # every recorded folder's stamp, to record
    restamped: bool = False  # some folder was checked file by file and found right: its new stamp is worth recording
    links: Links | None = None  # the recorded copies, when they had to be read

    @property
    def intact(self) -> bool:
        return not self.bad


def check_links(shop_folder: str, recorded: dict[str, Stamp | None], read_links: Callable[[], Links], kept: Callable[[Copy], Kept]) -> LinkCheck:
    """Check the copies the shop's last build recorded: one stat per folder whose stamp is
    trusted, and file by file in the others (each folder stat'ed first, so a change made while
    its files are checked shows in its next stamp). ``kept`` tells where each kept copy is
    (remembered by the caller for one build: a thousand shops link the same copies)."""
    check = LinkCheck()
    doubtful: list[tuple[str, tuple[int, int, int] | None]] = []
    for folder, before in recorded.items():
        now = folder_stamp(f"{shop_folder}/{folder}")
        if trusted(before, now):
            check.stamps[folder] = before
        else:
            doubtful.append((folder, now))
    if not doubtful:
        return check
    check.links = read_links()
    taken = time.time_ns()
    for folder, now in doubtful:
        names = check.links.get(folder, [])
        bad = [name for name in names if not is_copy_of(f"{shop_folder}/{folder}{name}", kept(copy_of(name)))]
        check.bad.update(folder + name for name in bad)
        check.stamps[folder] = None if now is None or bad else (*now, taken)
        fresh = check.stamps[folder]
        # worth recording only if the next build will trust it (a racy one is checked again anyway)
        check.restamped = check.restamped or (fresh is not None and fresh[3] - max(fresh[1], fresh[2]) >= RACY_NS)
    return check


def stamps_after_commit(
    shop_folder: str, folders: Iterable[str], checked: dict[str, Stamp | None], written: Iterable[str] | None
) -> dict[str, Stamp | None]:
    """The stamps to record for a shop's ``folders`` of copies once its build is committed:
    the worker's, for a folder the commit left alone; taken now, for one it wrote into or
    removed from (``written``: the paths it wrote or removed; None: all of its folder), or
    that the worker did not stat."""
    touched = None if written is None else {path.rpartition("/")[0] + "/" for path in written}
    out: dict[str, Stamp | None] = {}
    for folder in folders:
        before = checked.get(folder)
        untouched = touched is not None and folder not in touched
        out[folder] = before if before is not None and untouched else stamp(f"{shop_folder}/{folder}")
    return out
