"""The project's cache folder, ``.shopforest/``: every path in it is named here, once.

What each file holds and what makes it stale is listed in docs/architecture.md. Everything
kept is tagged with :func:`code_tag`, so a change of the generator's code, of the interpreter
or of a library whose output is kept makes it be worked out again.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

CACHE_DIR = ".shopforest"
GENERATOR_DIR = Path(__file__).resolve().parent.parent  # the whole generator package
# Libraries whose output is kept: parsed YAML, validated models, rendered and sanitised
# Markdown, formatted money, compiled templates, cleaned drawings, pictures' sizes.
KEPT_OUTPUT_OF = ("pyyaml", "pydantic", "markdown", "nh3", "jinja2", "babel", "defusedxml", "pillow")


@cache
def code_tag(*, of: tuple[str, ...] = (), libraries: tuple[str, ...] = KEPT_OUTPUT_OF) -> str:
    """The generator's code, the interpreter and the versions of the libraries whose output is
    kept: what is kept is only read by the code that wrote it (a version number alone would
    miss a development edit). ``of`` narrows the code to those modules (paths under generator/)
    for a store whose entries only they make: rendered Markdown survives a change elsewhere."""
    h = hashlib.sha256(sys.implementation.cache_tag.encode())
    for name in libraries:
        h.update(f"\0{name}={metadata.version(name)}".encode())
    files = [GENERATOR_DIR / name for name in of] if of else sorted(GENERATOR_DIR.rglob("*.py"))
    for f in files:
        h.update(f.relative_to(GENERATOR_DIR).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


# What rendered Markdown is made by: Python-Markdown and nh3, and the two modules that call them.
MARKDOWN_TAG = {"of": ("pages/markup.py", "content/marktext.py"), "libraries": ("markdown", "nh3")}


def atomic_write(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old bytes or the new, never a
    mix, even if the process dies half-way (a temporary file beside it, then a rename)."""
    folder = os.path.dirname(os.fspath(path)) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes files only their owner can read; a site is served to all
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@dataclass(frozen=True)
class CachePolicy:
    """Whether a build may use what earlier builds kept, and keep what it works out."""

    read: bool = True
    write: bool = True


USE = CachePolicy()
FORCE = CachePolicy(read=False, write=True)  # --force: work everything out again, keep it for the next build
NONE = CachePolicy(read=False, write=False)  # --no-cache: the cache folder is neither read nor written


@dataclass(frozen=True)
class CacheFolder:
    project: Path

    @property
    def path(self) -> Path:
        return self.project / CACHE_DIR

    @property
    def parsed(self) -> Path:
        """Parsed YAML documents by the hash of their text (content/sources.py)."""
        return self.path / "parsed.pickle"

    @property
    def resolved(self) -> Path:
        """Checked products and shops (content/resolved.py)."""
        return self.path / f"resolved-{sys.implementation.cache_tag}.pickle"

    @property
    def facts(self) -> Path:
        """The catalog's facts about each product in each locale (build/shop.py)."""
        return self.path / f"facts-{sys.implementation.cache_tag}.sqlite"

    @property
    def markdown(self) -> Path:
        """Rendered, sanitised Markdown by the hash of its text (pages/markup.py)."""
        return self.path / f"markdown-{sys.implementation.cache_tag}.sqlite"

    def retired(self) -> list[Path]:
        """Files earlier versions kept that nothing reads any more: the facts and Markdown as
        whole marshal files (27 MB on the benchmark's medium size), removed by a build."""
        tag = sys.implementation.cache_tag
        return [self.path / f"{name}-{tag}.marshal{suffix}" for name in ("facts", "markdown") for suffix in ("", ".journal", ".keys")]

    @property
    def images(self) -> Path:
        """Resized copies of raster pictures, by a digest of their bytes and settings (build/images.py)."""
        return self.path / "images"

    @property
    def images_index(self) -> Path:
        """Pictures' hashes by file stamp, and what copies each has (build/images.py)."""
        return self.path / f"images-{sys.implementation.cache_tag}.marshal"

    @property
    def templates(self) -> Path:
        """Compiled templates (Jinja's bytecode cache)."""
        return self.path / f"templates-{sys.implementation.cache_tag}"

    @property
    def cards(self) -> Path:
        """Share cards by the hash of their picture and settings (build/shop.py, pages/sharecard.py)."""
        return self.path / "cards"

    @property
    def spares(self) -> Path:
        """Old inodes of replaced files, written in place by the next build (build/commit.py)."""
        return self.path / "spares"

    def staging(self, pid: int) -> Path:
        """One build's new files until they are moved into the output folder."""
        return self.path / f"staging-{pid}"

    def state(self, out: Path) -> Path:
        """What the last build into ``out`` wrote and from what (build/state.py)."""
        name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
        return self.path / f"state-{name}.sqlite"

    @property
    def serve_site(self) -> Path:
        """Where ``shopforest serve`` builds."""
        return self.path / "serve"

    @property
    def serve_orders(self) -> Path:
        """The orders placed through ``shopforest serve``."""
        return self.path / "serve-orders.db"
