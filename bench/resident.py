"""The build that stays running (``shopforest serve``'s, generator/build/resident.py): how long
an owner waits for her edit once the project is loaded.

    python bench/resident.py                       # medium, realistic content, 5 edits each
    python bench/resident.py --size small --repetitions 3
    python bench/resident.py --project DIR         # an existing project (built first)

One process loads and builds the project once (the first row), then, for each repetition:
one note edited in shop-00000's shop.yaml (as bench/run.py edits it), one shop added (a new
owner's folder, as bench/run.py adds one), and the platform's catalog exported again with its
most popular product's price changed (a full build, in the same process). Each row gives the
medians over the repetitions: wall seconds from handing the changed paths to the build to the
files in place, CPU seconds of this process and its workers, pages written, and the peak
memory of the process tree (PSS, sampled every 50 ms, as bench/run.py samples it).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # bench/run.py: sizes, the edit, the machine line, memory sampling
import workload

sys.path.insert(0, str(run.REPO))
from generator.build.pipeline import default_jobs
from generator.build.reporter import BuildStats
from generator.build.resident import ResidentBuild


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


SAMPLER = """
import os, select, sys
sys.path.insert(0, sys.argv[2])
import run
watched, peak = int(sys.argv[1]), 0
while not select.select([sys.stdin], [], [], 0.05)[0]:  # until told to stop (a line, or end of input)
    peak = max(peak, run.tree_rss_kb(watched) - run._memory_kb(os.getpid()))
print(peak)
"""


class Peak:
    """The largest PSS of this process and its workers while it runs, sampled every 50 ms by a
    process of its own: sampling from a thread here would add its CPU to what is measured."""

    def __init__(self) -> None:
        here = str(Path(__file__).resolve().parent)
        cmd = [sys.executable, "-c", SAMPLER, str(os.getpid()), here]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def stop(self) -> float:
        out, _ = self._proc.communicate("stop\n", timeout=30)
        return int(out.strip() or 0) / 1024


def timed(step: Callable[[], BuildStats]) -> tuple[float, float, int]:
    run.settle()
    cpu, started = cpu_seconds(), time.perf_counter()
    stats = step()
    return time.perf_counter() - started, cpu_seconds() - cpu, stats.written


def session(project: Path, size: str, repetitions: int, jobs: int) -> list[str]:
    params = run.SIZES[size]
    resident = ResidentBuild(project, project / "site", jobs=jobs)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")
    peak = Peak()
    first = timed(resident.build)
    results: dict[str, list[tuple[float, float, int]]] = {"one note edited": [], "one shop added": [], "one price changed": []}
    shop_yaml = project / "content" / "shop-00000" / "shop.yaml"
    data = workload.catalog(params["products"], 1)
    for i in range(repetitions):
        run.edit(shop_yaml, "    note: |\n      ", "    note: |\n      （改）")
        results["one note edited"].append(timed(lambda: resident.build([str(shop_yaml)])))
        shop_id = params["shops"] + i
        workload.shop(project, shop_id, params["picks"], params["products"], random.Random(f"added {i}"), "realistic")
        folder = project / "content" / f"shop-{shop_id:05d}"
        added = [str(folder), *(str(p) for p in folder.rglob("*"))]
        results["one shop added"].append(timed(partial(resident.build, added)))
        data["products"][0]["price"] = str(Decimal(data["products"][0]["price"]) + 1)
        workload.write_catalog(project, data, "safe_dump")
        results["one price changed"].append(timed(lambda: resident.build([str(project / "catalog.yaml")])))
    peak_mb = peak.stop()
    rows = [f"| {size} | first build in the process | 1 | {first[0]:.2f} | {first[1]:.2f} | {first[2]} | |"]
    for scenario, runs in results.items():
        wall, cpu, written = (statistics.median(r[k] for r in runs) for k in range(3))
        each = ", ".join(f"{r[0]:.3f}" for r in runs)
        rows.append(f"| {size} | {scenario} | {len(runs)} | {wall:.3f} ({each}) | {cpu:.3f} | {written:.0f} | |")
    rows.append(f"| {size} | peak memory, all processes, whole session | | | | | {peak_mb:.0f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(run.SIZES), default="medium")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--project", type=Path, help="an existing project to use (its catalog is rewritten)")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    header = (
        "| size | scenario (build that stays running) | runs | median wall s (each) | median CPU s | pages written | peak MB |\n"
        "|---|---|---|---|---|---|---|"
    )
    with tempfile.TemporaryDirectory() as tmp:
        project = args.project
        if project is None:
            params = run.SIZES[args.size]
            project = Path(tmp) / args.size
            workload.write(project, params["shops"], params["picks"], params["products"], seed=1, layout="safe_dump")
        rows = session(project.resolve(), args.size, args.repetitions, args.jobs)
    print(run.machine())
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
