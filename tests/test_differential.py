"""Differential test of incremental builds: a seeded random sequence of the edits owners, the
platform and theme authors make (tests/edits.py), each followed by an incremental build that
must be, file for file and byte for byte, what a clean build of a copy of the same inputs
(no ``.shopforest/`` at all) makes.

CI runs a short sequence with a fixed seed. The long run, for after a change to the build's
caches, takes its size and seed from the environment::

    SHOPFOREST_DIFF_EDITS=300 SHOPFOREST_DIFF_SEED=7 PYTHONPATH=. python -m pytest -q tests/test_differential.py

(7 minutes on a busy 2-core machine; from 200 edits on, the run also checks that every kind of
edit was drawn.)

A failure names the seed, the step and its edit, the edits before it and the files that
differ, so ``SHOPFOREST_DIFF_SEED`` with ``SHOPFOREST_DIFF_EDITS`` set to that step replays it.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from generator.build.pipeline import build

from . import edits
from .conftest import copy_project
from .test_incremental import clean_build, differences

SEED = int(os.environ.get("SHOPFOREST_DIFF_SEED", "20261116"))
STEPS = int(os.environ.get("SHOPFOREST_DIFF_EDITS", "50"))


def run_edits(root: Path, scratch: Path, *, seed: int, steps: int, jobs: int = 1) -> list[str]:
    """Build, then ``steps`` times: one edit drawn from every kind, an incremental build, and
    the comparison with a clean build. Every third build uses ``jobs`` workers, so the state
    that workers wrote is read by a build in one process and the other way round."""
    rng = random.Random(seed)
    kinds = sorted(edits.EDITS)
    log: list[str] = []
    build(root, root / "site")
    for step in range(1, steps + 1):
        done = None
        while done is None:
            kind = rng.choice(kinds)
            done = edits.EDITS[kind](root, rng)
        log.append(f"step {step}: {kind}: {done}")
        story = [f"seed {seed}, step {step}: {kind}: {done}", "edits:", *log]
        try:
            build(root, root / "site", jobs=jobs if step % 3 == 0 else 1)
            clean = clean_build(root, scratch / f"step-{step}", root / "site")
        except Exception as exc:  # an edit that made the project invalid, or a build that broke on it
            exc.add_note("\n".join(story))
            raise
        found = differences(root / "site", clean)
        assert not found, "\n".join([*story, "differences:", *found])
        shutil.rmtree(clean.parent.parent)  # hundreds of clean copies would fill the disk
    return log


@pytest.mark.timeout(max(300, 3 * STEPS))  # a long run on a busy machine takes more than the suite's limit
def test_incremental_builds_match_clean_builds_through_a_random_sequence_of_edits(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    log = run_edits(root, tmp_path, seed=SEED, steps=STEPS, jobs=2)
    kinds = {line.split(": ")[1] for line in log}
    if STEPS >= 200:
        assert kinds == set(edits.EDITS), f"never drawn: {sorted(set(edits.EDITS) - kinds)}"
