"""Two code trees on copies of one workload, alternating, for the scenarios a change targets.

    python bench/alternate.py --before /work/main --after . --size medium --photos --distinct-photos 40
    python bench/alternate.py ... --projects /tmp/pair   # keep both built copies; a second run skips the cold builds

Give each tree as a snapshot (``git archive``) rather than a checkout being edited: a tree is
imported afresh by every build, so an edit during the run would be measured halfway.

Writes the workload once, gives each tree its own copy (the photos hard-linked between the
copies: no build writes into its inputs, and a price change rewrites only catalog.yaml), builds
each copy from nothing with its tree, then runs one no-change build each as a warm-up (the
first build after another checks what that one wrote, as a user's second build does) and
measures, alternating which tree goes first: ``--repetitions`` no-change builds each, then as
many one-price-changed builds each (the most popular product's price goes up by one, then
back, and so on: every build is a price change). Reports the medians of wall and CPU seconds
(user + system, the build's children included), peak memory, the state file's size and the
load average; each build is its own process, measured as bench/run.py measures it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run
import workload


def build(tree: Path, project: Path, what: str) -> tuple[float, float, float, str]:
    cmd = [sys.executable, "-m", "generator.cli", "build", "--project", str(project)]
    env = {**os.environ, "PYTHONPATH": str(run.compiled(tree)), "SOURCE_DATE_EPOCH": "1764000000"}
    return run.measure(cmd, env, what)


def copy_project(base: Path, dest: Path) -> None:
    """A copy of ``base`` whose catalog photos are hard links to base's (they are only read;
    owners' pictures are copied: a build refuses an owner's picture with another link)."""
    catalog = f"{base}/images/"

    def link_or_copy(src: str, dst: str) -> object:
        if src.startswith(catalog):
            os.link(src, dst)
            return dst
        return shutil.copy2(src, dst)

    shutil.copytree(base, dest, copy_function=link_or_copy)


def state_mb(project: Path) -> float:
    return sum(p.stat().st_size for p in (project / ".shopforest").glob("state-*.sqlite")) / 1e6


def set_price(project: Path, products: int, photos: bool, up: bool) -> None:
    data = workload.catalog(products, 1, photos=photos)
    if up:
        data["products"][0]["price"] = str(Decimal(data["products"][0]["price"]) + 1)
    workload.write_catalog(project, data, "safe_dump")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the code tree measured first (e.g. main's checkout)")
    parser.add_argument("--after", type=Path, required=True, help="the code tree with the change")
    parser.add_argument("--size", choices=tuple(run.SIZES), default="medium")
    parser.add_argument("--photos", action="store_true", help="a JPEG photo per product and per owner")
    parser.add_argument("--distinct-photos", type=int, default=0, metavar="N", help="the photo files share N distinct photos")
    parser.add_argument("--repetitions", type=int, default=3, help="builds per tree and scenario (medians reported)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder (default: a temporary one)")
    parser.add_argument(
        "--projects", type=Path, default=None, help="keep the two built projects in this folder, and reuse them if they are there (no full builds)"
    )
    args = parser.parse_args()
    photos = args.photos or args.distinct_photos > 0
    params = run.SIZES[args.size]
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    with tempfile.TemporaryDirectory(dir=args.keep) as tmp:
        where = args.projects or Path(tmp)
        projects = {name: where / name for name in trees}
        fresh = not all(p.is_dir() for p in projects.values())
        if fresh:
            base = Path(tmp) / "base"
            workload.write(base, params["shops"], params["picks"], params["products"], seed=1, photos=photos, distinct_photos=args.distinct_photos)
            for name in trees:
                shutil.rmtree(projects[name], ignore_errors=True)
                copy_project(base, projects[name])
            shutil.rmtree(base)
        print(f"load average at the start: {os.getloadavg()[0]:.2f}", flush=True)
        for name, tree in trees.items():
            if fresh:
                wall, cpu, peak, _ = build(tree, projects[name], f"{name}: full build")
                print(f"{name}: full build {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MB", flush=True)
            else:
                set_price(projects[name], params["products"], photos, up=False)  # as written, should a run have stopped halfway
        for name, tree in trees.items():
            build(tree, projects[name], f"{name}: warm-up")
        measured: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for scenario in ("no change", "one price changed"):
            for repetition in range(args.repetitions):
                order = list(trees) if repetition % 2 == 0 else list(reversed(trees))
                for name in order:
                    if scenario == "one price changed":
                        set_price(projects[name], params["products"], photos, up=repetition % 2 == 0)
                    wall, cpu, peak, _ = build(trees[name], projects[name], f"{name}: {scenario}")
                    measured.setdefault((scenario, name), []).append((wall, cpu, peak))
                    print(f"  {scenario}, {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, load {os.getloadavg()[0]:.2f}", flush=True)
        label = f"{args.size}" + (f", photos ({args.distinct_photos or 'all'} distinct)" if photos else "")
        print(f"\n| size | scenario | tree | wall s (median of {args.repetitions}) | CPU s | peak MB | state file MB |")
        print("|---|---|---|---|---|---|---|")
        for (scenario, name), rows in measured.items():
            wall, cpu, peak = (statistics.median(r[i] for r in rows) for i in range(3))
            print(f"| {label} | {scenario} | {name} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {state_mb(projects[name]):.0f} |")
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}; {run.machine()}")


if __name__ == "__main__":
    main()
