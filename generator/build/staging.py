"""How one shop's outputs reach the staging folder: rendered bytes written, a picture's kept
copy hard-linked, a share card drawn once and kept, and what a shop's build reports back."""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from ..cache.folder import CachePolicy, atomic_write
from ..content import media
from ..pages import sharecard
from ..pages.pictures import Copy
from .images import ImageWork
from .links import Stamp
from .state import ShopRow
from .writer import check_relative, link_new, write_new


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ShopResult:
    shop_id: str
    row: ShopRow | None  # None: the shop was skipped whole, its recorded state stands
    staged: list[str]  # written to the staging folder, numbered in this order
    unchanged: int
    skipped: int
    stale: list[str] = field(default_factory=list)  # files in the shop's folder that no output makes
    tree: bool = False  # staged as the shop's whole folder (it had none): one rename commits it
    markdown: dict[str, str] = field(default_factory=dict)
    markdown_used: set[str] = field(default_factory=set)  # the kept Markdown its worker read
    failed: dict[str, str] = field(default_factory=dict)  # her texts Markdown could not render: text -> why
    spared: list[str] = field(default_factory=list)  # written into the file's spare (writer.py)
    stamps: dict[str, Stamp | None] = field(default_factory=dict)  # its folders of pictures' copies as its worker found them (build/links.py)
    link_folders: list[str] = field(default_factory=list)  # where its copies are, when it was planned again
    planned: bool = False  # planned again (its row recorded), not skipped whole
    spliced: int = 0  # grid pages made from their last bytes with changed cards (pages/splice.py)

    @property
    def written(self) -> int:
        return len(self.staged) + len(self.spared)

    def take_markdown(self) -> tuple[dict[str, str], set[str]]:
        """What the shop's worker rendered and what it read of the kept Markdown, given up once
        taken (the build keeps both)."""
        markdown, used, self.markdown, self.markdown_used = self.markdown, self.markdown_used, {}, set()
        return markdown, used


class Staging:
    """The staging half of ShopBuilder (build/shop.py), which sets these attributes."""

    staging: Path
    images: ImageWork
    cards: Path | None
    cards_policy: CachePolicy

    def card(self, source: media.Source) -> bytes:
        """The share card of ``source``: kept in the cache folder by the picture's bytes, so a
        picture that a thousand shops show is drawn once, and a shop built again draws nothing;
        remembered in the process too (a build from nothing, as verify mode makes, draws each
        picture once)."""
        picture = media.published_bytes(source)
        key = sharecard.card_key(picture)
        data = sharecard.remembered(key)
        if data is not None:
            return data
        path = self.cards / f"{key}.jpg" if self.cards is not None else None
        if path is not None and self.cards_policy.read:
            with suppress(FileNotFoundError):
                data = path.read_bytes()
        if data is None:
            data = sharecard.make_card(picture)
            if path is not None and self.cards_policy.write:
                atomic_write(path, data)
        sharecard.remember(key, data)
        return data

    def place_copy(self, shop_id: str, path: str, copy: Copy, result: ShopResult, made_dirs: set[str]) -> None:
        """A picture's copy that is not in the shop's folder as its last build recorded it:
        staged as a hard link to the kept copy (writer.link_new), and renamed over whatever is
        there when committed, never written into (another shop's copy may be the same file)."""
        check_relative(path)
        kept = self.images.copy_path(*copy)
        if result.tree:
            parent = path.rpartition("/")[0]
            if parent not in made_dirs:
                (self.staging / shop_id / parent).mkdir(parents=True, exist_ok=True)
                made_dirs.add(parent)
            link_new(kept, f"{self.staging}/{shop_id}/{path}")
        else:
            number = len(result.staged)
            if number == 0:
                (self.staging / shop_id).mkdir(exist_ok=True)
            link_new(kept, f"{self.staging}/{shop_id}/{number}")
        result.staged.append(path)

    def stage(self, shop_id: str, number: int, data: bytes) -> None:
        """Staged files are numbered, in one folder per shop: no directory work until the commit
        (and not one folder for all: creating thousands of files in one folder measured
        several times slower here than a few files in each of a thousand folders)."""
        folder = self.staging / shop_id
        if number == 0:
            folder.mkdir(exist_ok=True)
        write_new(f"{folder}/{number}", data)

    def stage_in_tree(self, shop_id: str, path: str, data: bytes, made_dirs: set[str]) -> None:
        """A new shop is staged as its final folder tree, so committing it is one rename
        rather than a rename (and a mkdir) per file: on a full build that halves the file
        system work, which costs more than rendering on slow disks."""
        parent = path.rpartition("/")[0]
        if parent not in made_dirs:
            (self.staging / shop_id / parent).mkdir(parents=True, exist_ok=True)
            made_dirs.add(parent)
        write_new(f"{self.staging}/{shop_id}/{path}", data)
