"""Per-page render time of a project's pages, without writing, hashing or forking.

    python bench/render.py                  # the demo project (the repository)
    python bench/render.py PROJECT --reps 60

Plans every shop, renders each HTML page once to warm the caches, then renders them all
``--reps`` times and prints the best run's CPU time per page: the number a change to the
templates' machinery (words, filters, views) moves, which a whole build's noise hides.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.build.shop import ShopBuilder
from generator.build.state import BuildState
from generator.content.project import load_project
from generator.pages.plan import Output, plan_shop
from generator.pages.theme import Theme, compile_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    project = load_project(args.project.resolve())
    builder = ShopBuilder(project, project.root / "site-unused", Path("/nonexistent"), BuildState.empty(), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pages: list[tuple[Output, Theme, str]] = []
    for shop in project.shops:
        theme = builder.theme(shop.theme)
        compile_all(theme)
        pages += [
            (o, theme, shop.locale)
            for o in plan_shop(project, shop, theme, builder.products, builder.now)
            if o.template and o.template.endswith(".html")
        ]
    best = float("inf")
    for _ in range(args.reps + 1):  # the first warms the caches
        started = time.process_time()
        for output, theme, locale in pages:
            builder.make(output, theme, locale)
        best = min(best, time.process_time() - started)
    print(f"{len(pages)} pages: {best / len(pages) * 1e6:.0f} µs of CPU per page (best of {args.reps})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
