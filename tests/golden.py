"""The committed golden copy of the built demo site (tests/golden/site/).

Regenerate after an intended change with ``python -m tests.golden`` and review the diff like
code (Pelican's approach).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "site"
EPOCH = "1764000000"
# Pictures' resized copies (name.<digest>.<width>.<format>) are binary and many: the golden
# copy holds a list of their hashes instead of their bytes, so the repository stays small.
COPIES = REPO / "tests" / "golden" / "pictures.txt"
COPY_RE = re.compile(r"/media/.+\.[0-9a-f]{12}\.\d+\.(?:avif|webp|jpg|png)$")


def copies_manifest(folder: Path, *, remove: bool = False) -> str:
    """One line per picture's copy under ``folder``: path, size, sha256 (``remove``: then deleted)."""
    lines = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and COPY_RE.search("/" + rel):
            data = path.read_bytes()
            lines.append(f"{rel} {len(data)} {hashlib.sha256(data).hexdigest()}")
            if remove:
                path.unlink()
    return "\n".join(lines) + "\n"


def build_demo(out: Path) -> None:
    """Build the demo project into ``out`` with a fixed clock and no build state."""
    from generator.build.pipeline import build

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        shutil.copy2(REPO / "catalog.yaml", project / "catalog.yaml")
        for name in ("content", "images", "themes"):
            shutil.copytree(REPO / name, project / name)
        build(project, out, jobs=1)


def main() -> int:
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    build_demo(GOLDEN)
    COPIES.write_text(copies_manifest(GOLDEN, remove=True))
    for folder in sorted(GOLDEN.rglob("*"), reverse=True):  # folders only copies were in
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    count = sum(1 for p in GOLDEN.rglob("*") if p.is_file())
    print(f"wrote {count} files to {GOLDEN.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
