"""One shop's build: is anything new since its last build, which outputs must be rendered,
and their bytes staged beside the output folder (committed later by build/commit.py).

A shop whose inputs are unchanged is skipped whole; otherwise an output whose key (view and
template, or bytes) and loaded templates are unchanged is not rendered; what is rendered and
differs from the file in the output folder is staged, or written into that file's spare.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from ..cache.folder import USE, CacheFolder, CachePolicy, code_tag
from ..cache.kepttable import KeptTable
from ..content import media
from ..content.model import Product, Project, Shop
from ..content.rendered import check_rendered
from ..errors import UsageError
from ..messages import msg
from ..pages import markup, sharecard, splice
from ..pages.i18n import speaking
from ..pages.pictures import Copy
from ..pages.plan import Output, plan_shop
from ..pages.products import Products, catalog_files, catalog_uses, product_key
from ..pages.render import recording_render
from ..pages.theme import Theme, compile_all, load_theme, loaded_templates, relative
from ..pages.views import DESCRIPTION_MEDIA, GRID_PAGES, ITEMS, depth_root, item_pieces, kept_texts, owner_uses, product_facts
from .gcfreeze import frozen
from .images import SHARED_MEDIA, ImageWork
from .links import Kept, Recorded, check_links, kept_file, links_of
from .staging import ShopResult, Staging, sha
from .state import BuildState, FileEntry, ShopEntry
from .writer import (
    SpareRoom,
    check_relative,
    into_spare,
    present_sizes,
    safe_join,
    same_bytes,
    scan_sizes,
)

Made = tuple[bytes, dict[str, str], tuple[splice.Card, ...] | None]  # bytes, templates loaded, where a grid page's cards are

PARALLEL_MARKDOWN = 200  # fewer descriptions than this to render: not worth starting processes
PARALLEL_FACTS = 500  # the same for products' facts (a tenth of the time of a description each)


def canonical(view: Any) -> bytes:
    """The view as bytes for hashing. Views are plain dicts, lists and scalars built in a fixed
    order by pure code, so ``repr`` is deterministic, and it is several times faster than JSON."""
    return repr(view).encode()


def facts_key(product_key: str, locale: str, currency: str, media_url: str = "") -> str:
    """Where the catalog's facts about a product, as shops in one locale and currency show them
    (formatted prices, rendered description, images from ``media_url``), are kept between builds."""
    return hashlib.sha256(f"{product_key}\0{locale}\0{currency}\0{media_url}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ShopInputs:
    fingerprint: str
    shape: str
    products: dict[str, str]


class ShopBuilder(Staging):
    """Everything one process needs to build shops. Made in the parent; forked workers inherit it."""

    def __init__(self, project: Project, out: Path, staging: Path, state: BuildState, now: dt.datetime, images: ImageWork | None = None) -> None:
        self.project = project
        self.root = project.root
        self.out = out
        self.staging = staging
        self.state = state
        self.now = now
        self.code = code_tag()
        self.themes: dict[str, Theme] = {}
        self.theme_keys: dict[str, str] = {}
        # (without one: the copies builds kept are used, new ones made in a temporary folder)
        self.images = images or ImageWork(CacheFolder(project.root), CachePolicy(read=True, write=False))
        self.products = Products(root=str(project.root), make_picture=self.images.picture)
        self.product_files: dict[str, tuple[str, ...]] = {}
        self.catalog_sources: list[tuple[media.Source, tuple[int, ...]]] = []  # the catalog's raster pictures the shops show
        self.bytecode: Path | None = None  # where compiled templates are kept between builds
        self.spares: Path | None = None  # where spares are kept, when this build may use them (writer.py)
        self.cards: Path | None = None  # where share cards are kept between builds
        self.cards_policy = USE
        self.kept_copies: dict[Copy, Kept] = {}  # the kept copies this build compared a shop's files with
        self.kept_facts: tuple[KeptTable, dict[tuple[str, str], tuple[str, Product]]] | None = None  # (prepare's)
        self.shown: dict[str, str] = {}  # sku -> digest of what a shop's shape holds of the product (shop_inputs)
        self.common: dict[str, str] = {}  # theme -> digest of what every shop of that theme depends on alike

    def prepare(self, indexes: list[int], jobs: int, policy: CachePolicy = USE) -> None:
        """Work shared by many shops, done once here, before workers fork and inherit it: the
        templates compiled, the key of every product the shops show, and the catalog's facts
        about each in each locale, from the store kept between builds or worked out here
        (across processes when there are many). Whether a shop changed is for its worker to
        find out, in parallel."""
        for name in sorted({self.project.shops[i].theme for i in indexes}):
            theme = self.theme(name)
            compile_all(theme)  # once here, not once per worker
            for template, kinds in GRID_PAGES:  # (and what their sources allow: pages/splice.py)
                theme.facts_only_in_grids(template, kinds)
        currency, media_url = self.project.platform.currency, self.project.platform.media_url
        wanted: dict[tuple[str, str], tuple[str, Product]] = {}  # (sku, locale or ITEMS) -> (key in the store, product)
        for i in indexes:
            shop = self.project.shops[i]
            for pick in shop.picks:
                if (pick.product.sku, shop.locale) not in wanted:
                    product_key = self.product_key(pick.product)
                    self.shown_key(pick.product)
                    wanted[(pick.product.sku, shop.locale)] = (facts_key(product_key, shop.locale, currency, media_url), pick.product)
                    wanted[(pick.product.sku, ITEMS)] = (facts_key(product_key, ITEMS, ""), pick.product)
        self.make_pictures(indexes, jobs)
        if not wanted:
            return
        store = KeptTable(CacheFolder(self.root).facts, self.code, read=policy.read)
        known = store.known_keys()  # the keys only: an entry is read when a shop renders it
        missing = {
            key: (product, locale, currency, self.products.catalog_pictures(product), media_url)
            for (_, locale), (key, product) in wanted.items()
            if key not in known and locale != ITEMS
        }
        if missing:
            self.render_descriptions([product for product, *_ in missing.values()], jobs)
            check_rendered(self.project, markup.take_failures())  # the platform's texts: before facts are made of them and kept
        if jobs > 1 and len(missing) >= PARALLEL_FACTS:
            with frozen(collect=True), multiprocessing.get_context("fork").Pool(jobs) as pool:
                made = pool.starmap(product_facts, missing.values(), chunksize=64)
        else:
            made = [product_facts(*args) for args in missing.values()]
        fresh: dict[str, Any] = dict(zip(missing, made, strict=True))
        for (_, kind), (key, product) in wanted.items():
            if kind == ITEMS and key not in known:
                fresh[key] = item_pieces(product)
        for (sku, kind), (key, _) in wanted.items():  # at hand for the workers, which read the others on first use
            if key in fresh:
                store.put(key, fresh[key])
                if kind == ITEMS:
                    self.products.items[sku] = fresh[key]
                else:
                    self.products.facts[(sku, kind)] = fresh[key]
        store.mark_used(key for key, _ in wanted.values())
        if policy.write:  # a --shop build keeps the other shops' facts: the limit is the platform's (old prices pile up)
            store.save(limit=2 * len(self.project.products) * (len({s.locale for s in self.project.shops}) + 1))
        store.close()  # each worker opens its own connection
        self.products.kept = partial(self.kept_fact, store, wanted)
        self.kept_facts = (store, wanted)

    @staticmethod
    def kept_fact(store: KeptTable, wanted: dict[tuple[str, str], tuple[str, Product]], sku: str, kind: str) -> Any:
        """A wanted product's kept facts in ``kind`` (a locale, or ITEMS), read on first use;
        None when it is not wanted or not kept (the view then works it out)."""
        entry = wanted.get((sku, kind))
        return None if entry is None else store.get(entry[0])

    def read_facts(self, shop: Shop, only: frozenset[str] | None = None) -> None:
        """The kept facts of the products ``shop`` shows that this process has not read yet,
        in one lookup (fifty one-row lookups cost a shop more than rendering its home page's
        cards); what is not kept is worked out by the views, as before. With ``only`` (the
        products whose facts alone changed), the facts of those: its other pages stand or are
        made from their last bytes; its products.json wants every product's items."""
        if self.kept_facts is None:
            return
        store, wanted = self.kept_facts
        facts, items = self.products.facts, self.products.items
        need: dict[str, tuple[str, str]] = {}
        for pick in shop.picks:
            sku = pick.product.sku
            if only is not None and sku not in only:
                pass  # (read on first use, should a page be rendered whole)
            elif (sku, shop.locale) not in facts and (entry := wanted.get((sku, shop.locale))) is not None:
                need[entry[0]] = (sku, shop.locale)
            if sku not in items and (entry := wanted.get((sku, ITEMS))) is not None:
                need[entry[0]] = (sku, ITEMS)
        for key, value in store.get_many(need).items():
            sku, kind = need[key]
            if kind == ITEMS:
                items[sku] = value
            else:
                facts[(sku, kind)] = value

    def publish_shared(self, prune: bool) -> int:
        """With the platform's ``media_url``: the catalog's pictures' copies, once, in the output
        folder's ``_media/`` (to be uploaded there); how many files were added."""
        pictures = [self.images.picture(source, widths) for source, widths in self.catalog_sources]
        return self.images.publish_shared(self.out / SHARED_MEDIA, pictures, prune)

    def make_pictures(self, indexes: list[int], jobs: int) -> None:
        """The copies of every raster picture the shops show, made here, once, before workers
        fork (a catalog photo a thousand shops show is made into copies once): each kept one is
        found by its stamp, without reading the picture."""
        root = str(self.project.root)
        wanted: dict[tuple[str, tuple[int, ...]], tuple[media.Source, tuple[int, ...]]] = {}
        products: set[str] = set()
        for i in indexes:
            shop = self.project.shops[i]
            for pick in shop.picks:
                if pick.product.sku not in products:
                    products.add(pick.product.sku)
                    for ref, widths in catalog_uses(pick.product):
                        source = media.Source(root, ref, owner=False)
                        wanted[(source.path, widths)] = (source, widths)
                        self.catalog_sources.append((source, widths))
            uses = self.products.owner_uses[shop.id] = owner_uses(shop)
            for ref, widths in uses:
                source = media.Source(str(shop.source_dir), ref, owner=True)
                wanted[(source.path, widths)] = (source, widths)
        self.images.make_all(wanted.values(), jobs)

    @staticmethod
    def render_descriptions(products: list[Product], jobs: int) -> None:
        """The Markdown of the descriptions whose facts must be worked out (shared by every
        locale), across processes when there are many."""
        texts = markup.not_rendered({product.description for product in products}, DESCRIPTION_MEDIA)
        if texts:
            markup.load_renderer()  # before forking: a full build's workers render owners' notes too
        if jobs > 1 and len(texts) >= PARALLEL_MARKDOWN:
            with frozen(collect=True), multiprocessing.get_context("fork").Pool(jobs) as pool:
                markup.render_all(texts, DESCRIPTION_MEDIA, partial(pool.starmap, chunksize=32))
        elif texts:
            markup.render_all(texts, DESCRIPTION_MEDIA)

    def theme_key(self, theme: Theme) -> str:
        key = self.theme_keys.get(theme.name)
        if key is None:
            key = self.theme_keys[theme.name] = sha(repr((sorted(theme.file_hashes.items()), sorted(theme.assets.items()))).encode())
        return key

    def theme(self, name: str) -> Theme:
        if name not in self.themes:
            self.themes[name] = load_theme(self.root, name, self.bytecode)
        return self.themes[name]

    def file_key(self, path: Path | str) -> str:
        """A hash of the file's bytes, read only when its stamp changed (build/images.py)."""
        return self.images.sha(os.fspath(path))

    def product_key(self, product: Product) -> str:
        key = self.products.keys.get(product.sku)
        if key is None:
            images = [self.file_key(os.path.join(self.root, ref)) for ref in self.catalog_files(product)]
            key = self.products.keys[product.sku] = product_key(product, images)
        return key

    def catalog_files(self, product: Product) -> tuple[str, ...]:
        files = self.product_files.get(product.sku)
        if files is None:
            files = self.product_files[product.sku] = catalog_files(product)
        return files

    def shown_key(self, product: Product) -> str:
        """A digest of what a shop's shape holds of a product it picks: which product, its image
        paths and its tags (a tag is a page). Worked out once a build, not once per shop."""
        key = self.shown.get(product.sku)
        if key is None:
            key = self.shown[product.sku] = sha(repr((product.sku, self.catalog_files(product), product.tags)).encode())
        return key

    def common_key(self, theme: Theme) -> str:
        """A digest of what every shop of ``theme`` depends on alike: the code, the platform, the theme."""
        key = self.common.get(theme.name)
        if key is None:
            key = self.common[theme.name] = sha(repr((self.code, self.project.platform, self.theme_key(theme))).encode())
        return key

    def shop_inputs(self, shop: Shop, theme: Theme) -> ShopInputs:
        """Everything any output of ``shop`` can depend on, as a fingerprint (equal fingerprints
        mean equal outputs) made of its shape (all but the catalog's facts about the products it
        picks) and the key of each picked product's facts."""
        media = [(ref, self.file_key(os.path.join(shop.source_dir, ref))) for ref in shop.media]
        # what the owner wrote: the digest of her files when the shop was loaded from them
        written = shop.digest or (
            [(p.product.sku, p.note, p.featured) for p in shop.picks],
            [(c.id, c.title, c.description, [p.product.sku for p in c.picks]) for c in shop.collections],
            shop.posts,
        )
        shown, keys = self.shown, self.products.keys
        parts = (
            self.common_key(theme),
            shop.chrome(),
            written,
            [shown.get(p.product.sku) or self.shown_key(p.product) for p in shop.picks],
            media,
            None if shop.posts else self.now.date(),  # the feed's <updated> of a shop without posts
        )
        shape = sha(repr(parts).encode())
        products = {p.product.sku: keys.get(p.product.sku) or self.product_key(p.product) for p in shop.picks}
        return ShopInputs(sha(f"{shape}{products}".encode()), shape, products)

    def changed_products(self, shop: Shop, inputs: ShopInputs, before: dict[str, str]) -> frozenset[str] | None:
        """The SKUs whose catalog facts are all that changed since the shop's last build, so
        only the outputs that show them need planning (one price changed: its product page,
        the home page, its collections and posts, products.json); None when anything else
        changed too (the shape holds each product's image paths, so the set of files is the same)."""
        if self.state.index[shop.id].shape != inputs.shape or before.keys() != inputs.products.keys():
            return None
        return frozenset(sku for sku, key in inputs.products.items() if before[sku] != key)

    def run(self, shop: Shop) -> ShopResult:
        theme = self.theme(shop.theme)
        inputs = self.shop_inputs(shop, theme)
        recorded = self.state.index.get(shop.id)
        folder = safe_join(self.out, shop.id)
        # what is on disk of what the last build wrote: one stat per recorded page, no listing,
        # and one per folder of pictures' copies whose stamp is unchanged (build/links.py)
        read: tuple[dict[str, FileEntry], dict[str, str]] | None = None  # its recorded files and products, read with its sizes
        if recorded is not None and recorded.fingerprint != inputs.fingerprint:  # (it is planned again: one read for all three)
            recorded_sizes, recorded_files, recorded_products = self.state.sizes_files_and_products(shop.id)
            read = (recorded_files, recorded_products)
        else:
            recorded_sizes = self.state.sizes(shop.id) if recorded is not None else {}
        present = present_sizes(folder, recorded_sizes)
        linked = check_links(str(folder), recorded.stamps if recorded is not None else {}, partial(self.state.links, shop.id), self.kept_copy)
        intact = bool(recorded_sizes) and present == recorded_sizes and linked.intact  # its folder still holds what we wrote
        if recorded is not None and intact and recorded.fingerprint == inputs.fingerprint:
            skipped = ShopResult(shop.id, None, [], unchanged=recorded.count, skipped=recorded.count)
            if linked.restamped:  # folders checked file by file and found right: trusted next time
                skipped.stamps = linked.stamps
            return skipped
        old_files, before = read or (self.state.files_and_products(shop.id) if recorded is not None else ({}, {}))
        old_links = (linked.links if linked.links is not None else self.state.links(shop.id)) if recorded is not None else {}
        linked_before = Recorded(old_links, linked.bad)
        only = self.changed_products(shop, inputs, before) if intact and old_files else None
        self.read_facts(shop, only)
        markup.read_kept(kept_texts(shop, only))
        outputs = plan_shop(self.project, shop, theme, self.products, self.now, only=only)
        if only is not None:  # the same files as last time; what is not planned again stands
            sizes = present
            entry = ShopEntry(inputs.fingerprint, inputs.shape, inputs.products, dict(old_files))
        else:
            # the same files as last time (only bytes differ): what the stats found; else files
            # come or go, and a walk of the folder finds stray files to prune too
            pages = {o.path for o in outputs if o.copy is None}
            same_files = (
                bool(recorded_sizes) and recorded_sizes.keys() == pages and all(linked_before.has(o.path) for o in outputs if o.copy is not None)
            )
            if same_files:
                sizes = present
                sizes.update(dict.fromkeys(linked_before.paths(), 0))  # (a copy's size is not used: only whether it is recorded)
            else:
                sizes = scan_sizes(folder)
            entry = ShopEntry(inputs.fingerprint, inputs.shape, inputs.products)
        copies: list[str] = []  # planned again: every copy; else those not recorded before
        recorded_copies = 0  # of the copies planned, those recorded before
        result = ShopResult(shop.id, None, [], 0, 0, tree=not sizes and not folder.exists())
        spares = SpareRoom(f"{self.spares}/{shop.id}") if self.spares is not None else None
        made_dirs: set[str] = set()
        planned: set[str] = set()
        for output in outputs:
            if output.path in planned:
                raise UsageError(msg("two outputs at one path: {id}/{path}", id=shop.id, path=output.path))
            planned.add(output.path)
            if output.copy is not None:
                known = linked_before.has(output.path)
                recorded_copies += known
                if only is None or not known:
                    copies.append(output.path)
                if known and output.path not in linked.bad:  # its name holds its digest: the file there is it
                    result.unchanged += 1
                    result.skipped += 1
                else:
                    self.place_copy(shop.id, output.path, output.copy, result, made_dirs)
                continue
            old = old_files.get(output.path)
            key = self.output_key(output)
            if (
                old is not None
                and old.key == key
                and sizes.get(output.path) == old.size
                and all(theme.file_hashes.get(f) == h for f, h in old.deps.items())
            ):
                entry.files[output.path] = old
                result.unchanged += 1
                result.skipped += 1
                continue
            made = None
            if only is not None and old is not None and old.cards is not None and sizes.get(output.path) == old.size:
                made = self.splice(output, old, theme, shop.locale, folder / output.path, only)
                result.spliced += made is not None
            data, deps, cards = made or self.make(output, theme, shop.locale)
            new = entry.files[output.path] = FileEntry(key, sha(data), len(data), deps, cards)
            check_relative(output.path)
            size = sizes.get(output.path)
            if size == new.size and (new.sha == old.sha if old is not None and old.size == size else same_bytes(folder / output.path, data)):
                result.unchanged += 1  # the same bytes as the file we wrote last time, still there
                continue
            if result.tree:
                self.stage_in_tree(shop.id, output.path, data, made_dirs)
            elif size is not None and spares is not None and into_spare(output.path, data, spares):
                result.spared.append(output.path)
                continue
            else:
                self.stage(shop.id, len(result.staged), data)
            result.staged.append(output.path)
        if only is not None:  # not planned: unchanged, and not even rendered
            entry.links = linked_before.adding(copies)
            entry.links_kept = not copies
            kept = len(entry.files.keys() - planned) + linked_before.count() - recorded_copies
            result.unchanged += kept
            result.skipped += kept
            result.stale = sorted(sizes.keys() - entry.files.keys())  # (sizes: pages alone)
        else:
            entry.links = links_of(copies)
            result.stale = sorted(sizes.keys() - entry.files.keys() - set(copies))
        result.row = entry.row(shop.id)
        result.planned = True
        result.stamps = linked.stamps
        result.link_folders = list(entry.links)
        result.markdown = markup.fresh_entries()
        result.markdown_used = markup.taken_from_store()
        result.failed = markup.take_failures()
        return result

    def kept_copy(self, copy: Copy) -> Kept:
        """The kept copy ``copy``, as links.is_copy_of compares a shop's file with it: stat'ed
        once a build (in each worker), not once per shop that links it."""
        if copy not in self.kept_copies:
            self.kept_copies[copy] = kept_file(self.images.copy_path(*copy))
        return self.kept_copies[copy]

    def output_key(self, output: Output) -> str:
        if output.inputs is not None:  # a digest of the inputs: no need to build the view
            return sha(f"{self.code}\0{output.template}\0{output.inputs}".encode())
        if isinstance(output.data, bytes):
            return sha(output.data)
        if output.source is not None:  # the code's key too: an SVG is published as svgclean rebuilds it
            return sha(f"{self.code}\0{self.file_key(output.source.path)}".encode())
        if output.card is not None:
            return sha(f"{self.code}\0card\0{sharecard.settings_tag()}\0{self.file_key(output.card.path)}".encode())
        view = output.view() if callable(output.view) else output.view
        return sha(f"{output.template}\0".encode() + canonical(view))

    def make(self, output: Output, theme: Theme, locale: str) -> Made:
        """The output's bytes, the templates its render loaded (by their hashes), and where a
        grid page's cards are in its bytes, when it may be made again from them (pages/splice.py)."""
        if output.data is not None:
            return (output.data() if callable(output.data) else output.data), {}, None
        if output.source is not None:
            return media.published_bytes(output.source), {}, None
        if output.card is not None:
            return self.card(output.card), {}, None
        if output.copy is not None:
            with open(self.images.copy_path(*output.copy), "rb") as fh:
                return fh.read(), {}, None
        assert output.template is not None and output.view is not None
        view = output.view() if callable(output.view) else output.view
        if output.grid is not None and theme.facts_only_in_grids(output.template, output.grid.kinds):
            marks: list[tuple[str, bool]] = []
            token = splice.recording.set(marks)
            try:
                text, loaded = recording_render(theme, output.template, view, self.root, locale)
            finally:
                splice.recording.reset(token)
            unmarked = splice.unmark(text, marks)
            if unmarked is not None:
                return unmarked[0], self.deps(theme, loaded), unmarked[1]
        text, loaded = recording_render(theme, output.template, view, self.root, locale)  # (again, when the markers were not found each once)
        return text.encode("utf-8"), self.deps(theme, loaded), None

    @staticmethod
    def deps(theme: Theme, loaded: set[str]) -> dict[str, str]:
        return {f: theme.file_hashes.get(f, "") for f in sorted(loaded)}

    def splice(self, output: Output, old: FileEntry, theme: Theme, locale: str, path: Path, only: frozenset[str]) -> Made | None:
        """A grid page as its last bytes with the cards of the products in ``only`` made again,
        when only the catalog's facts about those changed (a price), the page's templates show
        them only in its grids, and the file is still the one the last build wrote; None
        otherwise (it is rendered whole)."""
        grid = output.grid
        if grid is None or old.cards is None or output.template is None or not theme.facts_only_in_grids(output.template, grid.kinds):
            return None
        try:
            before = path.read_bytes()
        except OSError:
            return None
        if len(before) != old.size or sha(before) != old.sha:
            return None
        root = depth_root(output.path)
        fresh: dict[tuple[str, bool], bytes] = {}
        loaded: set[str] = set()
        heard, seen = speaking.set(theme.speech(locale)[0]), loaded_templates.set(loaded)
        try:
            for sku, lazy, _, _ in old.cards:
                if sku in only and (sku, lazy) not in fresh:
                    offer = grid.offer(sku)
                    if offer is None:
                        return None
                    grid_of = theme.env.globals[splice.GRID]
                    assert callable(grid_of)
                    fresh[(sku, lazy)] = str(grid_of([offer], root, 0 if lazy else 1)).encode("utf-8")
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError):
            return None  # the whole render reports it, with the template's name and line
        finally:
            loaded_templates.reset(seen)
            speaking.reset(heard)
        data, cards = splice.splice(before, old.cards, fresh)
        deps = dict(old.deps)
        deps.update(self.deps(theme, {relative(f, self.root) for f in loaded}))  # (a card that loads another template now)
        return data, deps, cards
