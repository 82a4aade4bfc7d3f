"""Load and check a whole shop project: catalog.yaml, every content/<shop>/ and its posts.

Everything is gathered and checked before anything is written, so ``shopforest check``
finds every error a build would hit.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

from ..cache.folder import NONE, CacheFolder, CachePolicy, code_tag
from ..cache.keptfile import KeptFile
from ..errors import ContentError, Diagnostic, with_excerpts
from ..messages import msg
from . import media
from .catalog import CatalogLoader
from .model import Platform, Product, Project, Shop, shop_of
from .resolved import catalog_context, open_kept
from .shops import ShopLoader
from .sources import ParseCache


def available_themes(root: Path) -> tuple[str, ...]:
    themes = root / "themes"
    if not themes.is_dir():
        return ()
    return tuple(sorted(p.name for p in themes.iterdir() if (p / "templates").is_dir()))


class _Loader(CatalogLoader, ShopLoader):
    """The whole project: the catalog first, then every shop against it."""


def load_project(root: Path, *, only: str | None = None, policy: CachePolicy = NONE, kept: KeptFile | None = None, partial: bool = False) -> Project:
    """Load, validate and resolve the project at ``root``; raise ContentError with every mistake.

    ``only`` restricts shop loading to one shop id (``--shop``); the catalog is always checked.
    ``policy`` says whether parsed YAML and the products and shops kept in the cache folder by
    earlier builds (resolved.py) are used, and whether what this load works out is kept; with
    ``kept`` (open_kept), the caller saves those once it is done (a build: after its workers,
    when pickling them no longer adds to its peak memory). With ``partial``, mistakes that are
    all inside shops' folders leave those shops out (``Project.broken``) instead of failing.
    """
    gc.disable()  # loading makes a million objects and no garbage cycles: the collector would only slow it (a fifth)
    try:
        if policy == NONE:
            return _load(root, only, None, None, partial)
        folder = CacheFolder(root)
        own = kept is None
        store = open_kept(folder, policy) if kept is None else kept
        project = _load(root, only, ParseCache(folder.parsed, code_tag(), read=policy.read), store, partial)
        if own and only is None:
            store.save()
        return project
    finally:
        gc.enable()


def _load(root: Path, only: str | None, parse_cache: ParseCache | None, kept: KeptFile | None, partial: bool) -> Project:
    loader = _Loader(root, parse_cache, kept)
    themes = available_themes(root)
    if "default" not in themes:
        loader.diags.add("themes/default", 1, 1, msg(msg("the default theme is missing (themes/default/templates/)")), whole_file=True)
    catalog = loader.catalog()
    shops: list[Shop] = []
    content = root / "content"
    if catalog is not None and content.is_dir():
        platform, _, products = catalog
        loader.context = catalog_context(platform, themes, products, loader.invalid_skus)
        for folder in sorted(p for p in content.iterdir() if p.is_dir()):
            if only is not None and folder.name != only:
                continue
            shop = _shop_in(loader, folder, platform, products, themes)
            if shop is not None:
                shops.append(shop)
    broken: list[Diagnostic] = []
    if loader.diags or catalog is None:
        broken = with_excerpts(loader.diags.sorted(), root)
        if not partial or catalog is None or any(shop_of(d.path) is None for d in broken):
            raise ContentError(broken)
        left_out = {shop_of(d.path) for d in broken}
        shops = [s for s in shops if s.id not in left_out]
    if parse_cache is not None and only is None:
        parse_cache.save()
    platform, categories, products = catalog
    return Project(
        root, platform, categories, products, tuple(shops), themes, tuple(sorted(loader.warnings)), tuple(broken), frozenset(loader.invalid_skus)
    )


def _shop_in(loader: _Loader, folder: Path, platform: Platform, products: dict[str, Product], themes: tuple[str, ...]) -> Shop | None:
    """The shop in ``folder`` of content/, or None with the mistake added to the loader's."""
    link = media.link_in(str(folder.parent), f"{folder.name}/shop.yaml")
    if link is not None:
        loader.diags.add(f"content/{folder.name}/shop.yaml", 1, 1, media.link_message(f"content/{link}"), whole_file=True)
        return None
    if not (folder / "shop.yaml").is_file():
        loader.diags.add(f"content/{folder.name}/shop.yaml", 1, 1, msg("shop.yaml not found"), whole_file=True)
        return None
    return loader.shop(folder, platform, products, themes)


def reload_shops(project: Project, ids: set[str], *, policy: CachePolicy = NONE, kept: KeptFile | None = None) -> Project:
    """``project`` with the shops ``ids`` loaded again from their folders and everything else
    as it was: what a build that stays running does when only those folders changed (the
    catalog, the themes and the other shops are not read again). A shop with mistakes is left
    out with them (``Project.broken``), as a partial load leaves it; a folder that is gone
    takes its shop away."""
    gc.disable()  # (as load_project)
    try:
        parse_cache = ParseCache(CacheFolder(project.root).parsed, code_tag(), read=policy.read) if policy != NONE else None
        loader = _Loader(project.root, parse_cache, kept if policy != NONE else None)
        loader.context = catalog_context(project.platform, project.themes, project.products, set(project.invalid_skus))
        loader.invalid_skus = set(project.invalid_skus)
        fresh: list[Shop] = []
        for shop_id in sorted(ids):
            folder = project.root / "content" / shop_id
            if folder.is_dir():
                shop = _shop_in(loader, folder, project.platform, project.products, project.themes)
                if shop is not None and not any(shop_of(d.path) == shop_id for d in loader.diags.items):
                    fresh.append(shop)
        shops = sorted([*(s for s in project.shops if s.id not in ids), *fresh], key=lambda s: s.id)
        warnings = [w for w in project.warnings if shop_of(w.path) not in ids] + loader.warnings
        broken = [d for d in project.broken if shop_of(d.path) not in ids] + with_excerpts(loader.diags.sorted(), project.root)
        return replace(project, shops=tuple(shops), warnings=tuple(sorted(warnings)), broken=tuple(sorted(broken)))
    finally:
        gc.enable()
