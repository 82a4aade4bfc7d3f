"""The committed golden copy of the built demo site (tests/golden/site/).

Regenerate after an intended change with ``python -m tests.golden`` and review the diff like
code (Pelican's approach).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "site"
EPOCH = "1764000000"


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
    count = sum(1 for p in GOLDEN.rglob("*") if p.is_file())
    print(f"wrote {count} files to {GOLDEN.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
