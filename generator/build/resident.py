"""A build that stays running (``build --watch``, ``serve``): the project stays loaded between
builds, and an edit inside one owner's folder builds her shop alone.

A full build loads everything: the catalog, the themes, every shop. When the files that
changed since the last build are all inside ``content/<shop>/`` folders, nothing the other
shops are made from changed — a shop's pages depend on the catalog, the platform, the theme
and her own folder only — so only those folders are loaded again and only those shops are
built, as ``build --shop`` builds one, with the catalog already in memory. Any other change
(the catalog, a theme, the catalog's pictures, a shop's folder removed), or not knowing what
changed, makes a full build, which also catches anything a watcher missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..cache.folder import USE
from ..content.ids import SHOP_ID_RE
from ..content.model import Project
from ..content.project import reload_shops
from ..errors import ContentError, Diagnostic
from .pipeline import build
from .reporter import BuildStats, Reporter


class ResidentBuild:
    """Builds of one project into one folder, one after another, in this process."""

    def __init__(
        self,
        root: Path,
        out: Path,
        *,
        jobs: int = 1,
        adjust: Callable[[Project], Project] | None = None,
        commit_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        self.root = root
        self.out = out
        self.jobs = jobs
        self.adjust = adjust
        self.commit_lock = commit_lock
        self.project: Project | None = None  # as the last build left it; None: load it all again

    def build(self, changed: Iterable[str] | None = None, reporter: Reporter | None = None) -> BuildStats:
        """Build what ``changed`` (paths, absolute or relative to the project) calls for;
        everything, as ``shopforest build`` does, when ``changed`` is None."""
        shops = None if changed is None or self.project is None else self.shops_alone(changed)
        if shops is None or self.project is None:
            return self.build_all(reporter)  # (no reference to the project left: it is let go before the new one loads)
        project = reload_shops(self.project, shops, policy=USE)
        self.project = None  # until these builds are done: a failure leaves the next one a full build
        stats = BuildStats()
        for shop_id in sorted(shops):
            if project.shop(shop_id) is None and shop_id not in project.broken_shops:
                return self.build_all(reporter)  # her folder is gone: a full build removes her pages
        mistakes: list[Diagnostic] = []
        try:
            for shop_id in sorted(shops):
                try:
                    one = build(
                        self.root, self.out, only=shop_id, reporter=reporter, adjust=self.adjust, commit_lock=self.commit_lock, loaded=project
                    )
                except ContentError as exc:  # hers; the others' shops are still built
                    mistakes.extend(exc.diagnostics)
                    continue
                add(stats, one)
        finally:
            self.project = project
        if mistakes:
            raise ContentError(mistakes)
        return stats

    def build_all(self, reporter: Reporter | None) -> BuildStats:
        self.project = None
        loaded: list[Project] = []

        def keep(project: Project) -> Project:
            adjusted = self.adjust(project) if self.adjust is not None else project
            loaded.append(adjusted)
            return adjusted

        try:
            return build(self.root, self.out, reporter=reporter, jobs=self.jobs, adjust=keep, commit_lock=self.commit_lock)
        finally:  # (a build that stops on owners' mistakes has built the others from this project)
            self.project = loaded[0] if loaded else None

    def shops_alone(self, changed: Iterable[str]) -> set[str] | None:
        """The shops whose folders hold every changed path; None when anything else changed."""
        root = self.root.resolve()
        shops: set[str] = set()
        for path in changed:
            try:
                parts = (root / path).resolve().relative_to(root).parts
            except ValueError:
                return None
            if len(parts) < 2 or parts[0] != "content" or not SHOP_ID_RE.fullmatch(parts[1]):
                return None
            if len(parts) == 2 and not (root / "content" / parts[1]).is_dir():
                return None  # her folder itself, gone (or a file beside the folders)
            shops.add(parts[1])
        return shops or None


def add(total: BuildStats, one: BuildStats) -> None:
    """``one`` build's counts added to ``total`` (several shops' builds told as one)."""
    for name in ("shops", "pages", "written", "unchanged", "removed", "skipped", "warnings", "broken", "images"):
        setattr(total, name, getattr(total, name) + getattr(one, name))
    total.seconds += one.seconds
    total.image_seconds += one.image_seconds
