"""The build: load and check everything, render every output in memory, then write.

Rendering all shops before writing any means a content or template mistake leaves the
output folder exactly as it was (issue #2, "Output").
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError
from .model import Project
from .plan import Output, plan_shop
from .project import load_project
from .render import render_template
from .reporter import BuildStats, Reporter
from .schema import SHOP_ID_RE
from .theme import Theme, load_theme
from .writer import WriteStats, remove_stale_shops, safe_join, write_tree


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so two builds of one input are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}") from None
    return dt.datetime.now(tz=dt.UTC)


@dataclass
class Rendered:
    project: Project
    shops: dict[str, dict[str, bytes]]  # shop id -> path -> bytes


def check_shop_arg(shop: str | None) -> None:
    if shop is not None and not SHOP_ID_RE.fullmatch(shop):
        raise UsageError(f"invalid shop id {shop!r}")


def render_project(root: Path, *, only: str | None = None, reporter: Reporter | None = None) -> Rendered:
    """Load, check and render every output of every (or one) shop, without writing."""
    reporter = reporter or Reporter()
    check_shop_arg(only)
    project = load_project(root, only=only)
    if only is not None and project.shop(only) is None:
        raise UsageError(f"no shop '{only}' in content/ (known: {', '.join(s.id for s in load_project(root).shops)})")
    for warning in project.warnings:
        reporter.warning(warning)
    reporter.start(len(project.shops))
    now = build_time()
    themes: dict[str, Theme] = {}
    product_cache: dict[Any, dict[str, Any]] = {}
    rendered: dict[str, dict[str, bytes]] = {}
    for shop in project.shops:
        theme = themes.get(shop.theme) or themes.setdefault(shop.theme, load_theme(root, shop.theme))
        files: dict[str, bytes] = {}
        for output in plan_shop(project, shop, theme, product_cache, now):
            if output.path in files:
                raise UsageError(f"two outputs at one path: {shop.id}/{output.path}")
            safe_join(Path("."), output.path)
            files[output.path] = make(output, theme, root)
        rendered[shop.id] = files
        reporter.shop_done(shop.id)
    return Rendered(project, rendered)


def make(output: Output, theme: Theme, root: Path) -> bytes:
    if output.data is not None:
        return output.data
    if output.source is not None:
        return output.source.read_bytes()
    assert output.template is not None and output.view is not None
    return render_template(theme, output.template, output.view, root).encode("utf-8")


def build(root: Path, out: Path, *, only: str | None = None, reporter: Reporter | None = None) -> BuildStats:
    """``shopforest build``: render everything, then write only what changed and prune the rest."""
    reporter = reporter or Reporter()
    started = time.perf_counter()
    rendered = render_project(root, only=only, reporter=reporter)
    stats = BuildStats(shops=len(rendered.shops), warnings=len(rendered.project.warnings))
    totals = WriteStats()
    for shop_id, files in rendered.shops.items():
        totals.add(write_tree(safe_join(out, shop_id), files))
        stats.pages += len(files)
    if only is None:
        totals.removed += remove_stale_shops(out, set(rendered.shops))
    stats.written, stats.unchanged, stats.removed = totals.written, totals.unchanged, totals.removed
    stats.seconds = time.perf_counter() - started
    reporter.finish(stats)
    return stats
