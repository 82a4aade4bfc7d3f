"""The build: load and check everything, then build shop by shop, then commit.

1. Load and check the whole project (a content mistake stops here; nothing is written).
2. Build each shop (in worker processes with ``jobs`` > 1): a shop whose inputs are unchanged
   since the last build is skipped whole; otherwise every output whose key (view + template,
   or bytes) and loaded templates are unchanged skips rendering; what is rendered and differs
   from the file in site/ is written to a staging folder under .shopforest/.
3. Only when every shop has built: move staged files into place, prune what no longer
   belongs, save the build state. A template error anywhere leaves site/ exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import marshal
import multiprocessing
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from . import markup, media
from .errors import UsageError
from .facts import STORE_NAME as FACTS_STORE
from .facts import FactsStore, facts_key
from .keptfile import KeptFile, code_fingerprint
from .model import Product, Project, Shop
from .plan import Output, catalog_files, plan_shop
from .project import check_rendered, load_project
from .render import recording_render
from .reporter import BuildStats, Reporter
from .resolved import open_kept
from .schema import SHOP_ID_RE
from .state import STATE_DIR, BuildState, FileEntry, ShopEntry, ShopRow, atomic_dump, load_state, save_state
from .theme import Theme, compile_all, load_theme
from .views import DESCRIPTION_MEDIA, ITEMS, item_pieces, product_facts
from .writer import (
    can_exchange,
    check_relative,
    exchange,
    fill_spare,
    move_into_place,
    move_tree_into_place,
    present_sizes,
    remove_files,
    remove_stale_shops,
    safe_join,
    same_bytes,
    scan_sizes,
    spare_name,
    write_new,
)

SHOPS_PER_WORKER = 300  # shops one worker builds before fresh workers are forked (see _results)
ONE_ROUND = 500  # up to this many shops a worker, all are built in one round of workers
PARALLEL_MARKDOWN = 200  # fewer descriptions than this to render: not worth starting processes
PARALLEL_FACTS = 500  # the same for products' facts (a tenth of the time of a description each)


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so two builds of one input are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}") from None
    return dt.datetime.now(tz=dt.UTC)


def check_shop_arg(shop: str | None) -> None:
    if shop is not None and not SHOP_ID_RE.fullmatch(shop):
        raise UsageError(f"invalid shop id {shop!r}")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"2/4"`` → (2, 4): the second of four stable parts of the shops."""
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard must look like K/N (for example 1/4), got {text!r}") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard K/N needs 1 <= K <= N, got {text!r}")
    return k, n


def in_shard(shop_id: str, shard: tuple[int, int] | None) -> bool:
    """Stable across machines and Python versions: a hash of the id, not ``hash()``."""
    if shard is None:
        return True
    k, n = shard
    return int.from_bytes(hashlib.sha256(shop_id.encode()).digest()[:8], "big") % n == k - 1


def generator_fingerprint() -> str:
    """Code changes invalidate the state too (the version alone would miss a development edit)."""
    return code_fingerprint()


def canonical(view: Any) -> bytes:
    """The view as bytes for hashing. Views are plain dicts, lists and scalars built in a fixed
    order by pure code, so ``repr`` is deterministic, and it is several times faster than JSON."""
    return repr(view).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ShopInputs:
    fingerprint: str
    shape: str
    products: dict[str, str]


@dataclass
class ShopResult:
    shop_id: str
    row: ShopRow | None  # None: the shop was skipped whole, its recorded state stands
    staged: list[str]  # written to the staging folder, numbered in this order
    unchanged: int
    skipped: int
    stale: list[str] = field(default_factory=list)  # files in the shop's folder that no output makes
    tree: bool = False  # staged as the shop's whole folder (it had none): one rename commits it
    markdown: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # Markdown that could not be rendered: text -> why
    spared: list[str] = field(default_factory=list)  # written into the file's spare (writer.py)

    @property
    def written(self) -> int:
        return len(self.staged) + len(self.spared)


class ShopBuilder:
    """Everything one process needs to build shops. Made in the parent; forked workers inherit it."""

    def __init__(self, project: Project, out: Path, staging: Path, state: BuildState, now: dt.datetime) -> None:
        self.project = project
        self.root = project.root
        self.out = out
        self.staging = staging
        self.state = state
        self.now = now
        self.code = generator_fingerprint()
        self.themes: dict[str, Theme] = {}
        self.theme_keys: dict[str, str] = {}
        self.product_cache: dict[Any, Any] = {}  # facts by (sku, locale); keys and media by ("key" | "media", sku)
        self.product_keys: dict[str, str] = {}
        self.product_files: dict[str, tuple[str, ...]] = {}
        self.file_keys: dict[str, str] = {}
        self.bytecode: Path | None = None  # where compiled templates are kept between builds
        self.spares: Path | None = None  # where spares are kept, when this build may use them (writer.py)

    def prepare(self, indexes: list[int], jobs: int) -> None:
        """Work shared by many shops, done once here, before workers fork and inherit it: the
        templates compiled, the key of every product the shops show, and the catalog's facts
        about each in each locale, from the store kept between builds or worked out here
        (across processes when there are many). Whether a shop changed is for its worker to
        find out, in parallel."""
        for name in sorted({self.project.shops[i].theme for i in indexes}):
            compile_all(self.theme(name))  # once here, not once per worker
        currency = self.project.platform.currency
        wanted: dict[tuple[str, str], tuple[str, Product]] = {}  # (sku, locale or ITEMS) -> (key in the store, product)
        for i in indexes:
            shop = self.project.shops[i]
            for pick in shop.picks:
                if (pick.product.sku, shop.locale) not in wanted:
                    product_key = self.product_key(pick.product)
                    wanted[(pick.product.sku, shop.locale)] = (facts_key(product_key, shop.locale, currency), pick.product)
                    wanted[(pick.product.sku, ITEMS)] = (facts_key(product_key, ITEMS, ""), pick.product)
        if not wanted:
            return
        store = FactsStore(self.root / STATE_DIR / FACTS_STORE, self.code)
        known = store.load()
        missing = {key: (product, locale, currency) for (_, locale), (key, product) in wanted.items() if key not in known and locale != ITEMS}
        if missing:
            self.render_descriptions([product for product, _, _ in missing.values()], jobs)
            check_rendered(self.project, markup.take_failures())  # before facts are made of them and stored
        if jobs > 1 and len(missing) >= PARALLEL_FACTS:
            with frozen_heap(), multiprocessing.get_context("fork").Pool(jobs) as pool:
                made = pool.starmap(product_facts, missing.values(), chunksize=64)
        else:
            made = [product_facts(*args) for args in missing.values()]
        known.update(zip(missing, made, strict=True))
        items = {key: item_pieces(product) for (_, kind), (key, product) in wanted.items() if kind == ITEMS and key not in known}
        known.update(items)
        for (sku, kind), (key, _) in wanted.items():
            self.product_cache[(sku, kind) if kind != ITEMS else (ITEMS, sku)] = known[key]
        if missing or items:  # a --shop build keeps the other shops' facts: the limit is the platform's
            limit = 2 * len(self.project.products) * (len({s.locale for s in self.project.shops}) + 1)
            store.save(known, missing.keys() | items.keys(), {key for key, _ in wanted.values()}, limit)

    @staticmethod
    def render_descriptions(products: list[Product], jobs: int) -> None:
        """The Markdown of the descriptions whose facts must be worked out (shared by every
        locale), across processes when there are many."""
        texts = markup.not_rendered({product.description for product in products}, DESCRIPTION_MEDIA)
        if texts:
            markup.load_renderer()  # before forking: a full build's workers render owners' notes too
        if jobs > 1 and len(texts) >= PARALLEL_MARKDOWN:
            with frozen_heap(), multiprocessing.get_context("fork").Pool(jobs) as pool:
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
        """A hash of the file's bytes (by path as text: thousands of products' images)."""
        name = os.fspath(path)
        key = self.file_keys.get(name)
        if key is None:
            with open(name, "rb") as fh:
                key = self.file_keys[name] = sha(fh.read())
        return key

    def product_key(self, product: Product) -> str:
        key = self.product_keys.get(product.sku)
        if key is None:
            images = [self.file_key(os.path.join(self.root, ref)) for ref in self.catalog_files(product)]
            key = self.product_keys[product.sku] = sha(repr((product, images)).encode())
            self.product_cache[("key", product.sku)] = key[:24]  # plan.product_key: worked out here, once
        return key

    def catalog_files(self, product: Product) -> tuple[str, ...]:
        files = self.product_files.get(product.sku)
        if files is None:
            files = self.product_files[product.sku] = catalog_files(product)
        return files

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
        parts = (
            self.code,
            self.project.platform,
            self.theme_key(theme),
            (shop.id, shop.title, shop.owner, shop.bio, shop.avatar, shop.theme, shop.locale, shop.base_url, shop.contact),
            (shop.channels, shop.campaigns),
            written,
            [(p.product.sku, self.catalog_files(p.product)) for p in shop.picks],  # which products it shows, their image paths
            media,
            None if shop.posts else self.now.date(),  # the feed's <updated> of a shop without posts
        )
        shape = sha(repr(parts).encode())
        products = {p.product.sku: self.product_key(p.product) for p in shop.picks}
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
        # what is on disk of what the last build wrote: one stat per recorded file, no listing
        recorded_sizes = self.state.sizes(shop.id) if recorded is not None else {}
        present = present_sizes(folder, recorded_sizes)
        intact = bool(recorded_sizes) and present == recorded_sizes  # its folder still holds what we wrote
        if recorded is not None and intact and recorded.fingerprint == inputs.fingerprint:
            return ShopResult(shop.id, None, [], unchanged=recorded.count, skipped=recorded.count)
        old_files, before = self.state.files_and_products(shop.id) if recorded is not None else ({}, {})
        only = self.changed_products(shop, inputs, before) if intact and old_files else None
        outputs = plan_shop(self.project, shop, theme, self.product_cache, self.now, only=only)
        if only is not None:  # the same files as last time; what is not planned again stands
            sizes = present
            entry = ShopEntry(inputs.fingerprint, inputs.shape, inputs.products, dict(old_files))
        else:
            # the same files as last time (only bytes differ): what the stats found; else files
            # come or go, and a walk of the folder finds stray files to prune too
            same_files = bool(recorded_sizes) and recorded_sizes.keys() == {o.path for o in outputs}
            sizes = present if same_files else scan_sizes(folder)
            entry = ShopEntry(inputs.fingerprint, inputs.shape, inputs.products)
        result = ShopResult(shop.id, None, [], 0, 0, tree=not sizes and not folder.exists())
        spares = SpareRoom(f"{self.spares}/{shop.id}") if self.spares is not None else None
        made_dirs: set[str] = set()
        planned: set[str] = set()
        for output in outputs:
            if output.path in planned:
                raise UsageError(f"two outputs at one path: {shop.id}/{output.path}")
            planned.add(output.path)
            key = self.output_key(output)
            old = old_files.get(output.path)
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
            data, deps = self.make(output, theme)
            new = entry.files[output.path] = FileEntry(key, sha(data), len(data), deps)
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
            kept = len(entry.files.keys() - planned)
            result.unchanged += kept
            result.skipped += kept
        result.stale = sorted(sizes.keys() - entry.files.keys())
        result.row = entry.row(shop.id)
        result.markdown = markup.fresh_entries()
        result.failed = markup.take_failures()
        return result

    def stage(self, shop_id: str, number: int, data: bytes) -> None:
        """Staged files are numbered, in one folder per shop: no directory work until the commit
        (and not one folder for all: creating thousands of files in one folder measured
        several times slower here than a few files in each of a thousand folders)."""
        folder = self.staging / shop_id
        if number == 0:
            folder.mkdir(exist_ok=True)
        write_new(f"{folder}/{number}", data)

    def stage_in_tree(self, shop_id: str, path: str, data: bytes, made_dirs: set[str]) -> None:
        """A new shop is staged as its final folder tree, so committing it is one rename
        rather than a rename (and a mkdir) per file: on a full build that halves the file
        system work, which costs more than rendering on slow disks."""
        parent = path.rpartition("/")[0]
        if parent not in made_dirs:
            (self.staging / shop_id / parent).mkdir(parents=True, exist_ok=True)
            made_dirs.add(parent)
        write_new(f"{self.staging}/{shop_id}/{path}", data)

    def output_key(self, output: Output) -> str:
        if output.inputs is not None:  # a digest of the inputs: no need to build the view
            return sha(f"{self.code}\0{output.template}\0{output.inputs}".encode())
        if isinstance(output.data, bytes):
            return sha(output.data)
        if output.source is not None:  # the code's key too: an SVG is published as svgclean rebuilds it
            return sha(f"{self.code}\0{self.file_key(output.source.path)}".encode())
        view = output.view() if callable(output.view) else output.view
        return sha(f"{output.template}\0".encode() + canonical(view))

    def make(self, output: Output, theme: Theme) -> tuple[bytes, dict[str, str]]:
        if output.data is not None:
            return (output.data() if callable(output.data) else output.data), {}
        if output.source is not None:
            return media.published_bytes(output.source), {}
        assert output.template is not None and output.view is not None
        view = output.view() if callable(output.view) else output.view
        text, loaded = recording_render(theme, output.template, view, self.root)
        return text.encode("utf-8"), {f: theme.file_hashes.get(f, "") for f in sorted(loaded)}


_WORKER: ShopBuilder | None = None


def _run_in_worker(index: int) -> ShopResult:
    assert _WORKER is not None
    return _WORKER.run(_WORKER.project.shops[index])


def _results(builder: ShopBuilder, indexes: list[int], jobs: int) -> Iterator[ShopResult]:
    global _WORKER
    if jobs <= 1 or len(indexes) <= 1:
        for i in indexes:
            yield builder.run(builder.project.shops[i])
        return
    _WORKER = builder  # inherited by the forked workers: the catalog is parsed once, in the parent
    # Shops are built in batches of SHOPS_PER_WORKER per worker, each by freshly forked
    # workers: what a worker copied from the parent (Python writes reference counts into every
    # object it touches) and what it cached is given back after each batch, so memory stays
    # flat however many shops there are. Forking only between batches, from this thread while
    # no pool threads run, is the safe way to fork (maxtasksperchild would fork from a thread).
    # A site of up to ONE_ROUND shops a worker is built in one round: a second round for a few
    # hundred shops costs more (forking, warming caches: 0.13 s on the medium size) than the
    # memory it gives back.
    per_worker = SHOPS_PER_WORKER if len(indexes) > jobs * ONE_ROUND else -(-len(indexes) // jobs)
    size = jobs * per_worker
    with frozen_heap():
        for start in range(0, len(indexes), size):
            part = indexes[start : start + size]
            chunk = max(1, min(16, len(part) // (jobs * 8) or 1))
            with multiprocessing.get_context("fork").Pool(min(jobs, len(part))) as pool:
                yield from pool.imap(_run_in_worker, part, chunksize=chunk)
    _WORKER = None


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects that exist now out of the garbage collector while workers forked
    from this process share its memory (the loaded project) page by page: a collection in a
    worker would otherwise write to every page that holds one, and each worker would end up
    with its own copy of the project (Instagram's gc.freeze lesson)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def select_shops(project: Project, only: str | None, shard: tuple[int, int] | None) -> list[int]:
    return [i for i, s in enumerate(project.shops) if (only is None or s.id == only) and in_shard(s.id, shard)]


def load(root: Path, only: str | None, reporter: Reporter, *, cache: bool = True, kept: KeptFile | None = None) -> Project:
    check_shop_arg(only)
    project = load_project(root, only=only, cache=cache, kept=kept)
    if only is not None and project.shop(only) is None:
        known = ", ".join(s.id for s in load_project(root).shops)
        raise UsageError(f"no shop '{only}' in content/ (known: {known})")
    for warning in project.warnings:
        reporter.warning(warning)
    return project


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def build(
    root: Path,
    out: Path,
    *,
    only: str | None = None,
    reporter: Reporter | None = None,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    force: bool = False,
    adjust: Callable[[Project], Project] | None = None,
    commit_lock: AbstractContextManager[Any] | None = None,
) -> BuildStats:
    """``shopforest build``: build what changed, write only bytes that differ, prune the rest.

    ``adjust`` may rewrite the loaded project (the dev server points base URLs at itself);
    ``commit_lock`` is held while files move into place, so a server never shows half a build.
    """
    reporter = reporter or Reporter()
    started = time.perf_counter()
    kept = open_kept(root, code_fingerprint())  # saved at the end: pickling it adds to the peak memory
    project = load(root, only, reporter, kept=kept)
    # The loaded project lives as long as the build and holds no garbage: the collector need
    # never walk it (0.1 s on the medium size, before the workers fork).
    gc.freeze()
    try:
        if adjust is not None:
            project = adjust(project)
        indexes = select_shops(project, only, shard)
        state = load_state(root, out)
        if force:
            state.forget()
        staging = root / STATE_DIR / f"staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        markup.use_stored(root / STATE_DIR / markup.STORED_NAME)
        builder = ShopBuilder(project, out, staging, state, build_time())
        builder.bytecode = root / STATE_DIR / f"templates-{sys.implementation.cache_tag}"
        reporter.start(len(indexes))  # before the shared work: on thousands of shops it takes seconds
        builder.prepare(indexes, jobs)
        stats = BuildStats(shops=len(indexes), warnings=len(project.warnings))
        results: list[ShopResult] = []
        rendered = markup.fresh_entries()  # by prepare; taken now, so the workers do not send it back again
        spool = EntrySpool(staging / "entries.pickle")
    except BaseException:
        gc.unfreeze()
        raise
    with ExitStack() as stack:
        stack.callback(gc.unfreeze)
        stack.callback(shutil.rmtree, staging, ignore_errors=True)
        stack.callback(spool.close)
        spares = builder.spares = stack.enter_context(spares_folder(root, out))
        staging.mkdir(parents=True)
        failed: dict[str, str] = {}
        for result in _results(builder, indexes, jobs):
            failed.update(result.failed)
            if result.row is not None:  # kept on disk, not in memory: memory stays flat with the site's size
                spool.add(result.row)
                result.row = None
            rendered.update(result.markdown)
            result.markdown = {}
            results.append(result)
            reporter.shop_done(result.shop_id)
        check_rendered(project, failed)
        with commit_lock or nullcontext():  # every shop built: now, and only now, touch the output folder
            for result in results:
                commit(result, staging, out, stats, spares)
            if only is None and shard is None:
                kept_shops = {project.shops[i].id for i in indexes}
                stats.removed += remove_stale_shops(out, kept_shops)
                if spares is not None:
                    remove_spares(spares, kept_shops)
        full = only is None and shard is None
        built = {r.shop_id for r in results}
        if spool.count or (full and state.index.keys() - built):
            save_state(root, out, spool.rows(), built if full else None)
    if only is None:
        kept.save()
    save_markdown(root, rendered)
    stats.seconds = time.perf_counter() - started
    reporter.finish(stats)
    return stats


class EntrySpool:
    """The build state of every shop that was planned again, written to a file as each shop's
    result arrives and read back once, when the state is saved: a build of 5,000 shops holds
    one shop's entries in memory at a time, not 400,000."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh: Any = None

    def add(self, row: ShopRow) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w+b")
        pickle.dump(row, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def rows(self) -> Iterator[ShopRow]:
        if self._fh is None:
            return
        self._fh.flush()
        self._fh.seek(0)
        for _ in range(self.count):
            yield pickle.load(self._fh)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


SPARES_PER_SHOP = 16  # enough for what a price change rewrites (home, products.json, a page, a collection, a post)


def commit(result: ShopResult, staging: Path, out: Path, stats: BuildStats, spares: Path | None = None) -> None:
    folder = safe_join(out, result.shop_id)
    shop_spares = spares / result.shop_id if spares is not None else None
    if result.tree:
        move_tree_into_place(staging / result.shop_id, folder, result.staged)
    else:
        for path in result.spared:  # a spare holds the new bytes: swap it with the file
            spare, dest = f"{shop_spares}/{spare_name(path)}", safe_join(folder, path)
            if not exchange(spare, str(dest)):
                move_into_place(Path(spare), dest)
        for number, path in enumerate(result.staged):
            move_into_place(staging / result.shop_id / str(number), safe_join(folder, path))
    stats.pages += result.unchanged + result.written
    stats.written += result.written
    stats.unchanged += result.unchanged
    stats.skipped += result.skipped
    stats.removed += remove_files(folder, result.stale)
    if shop_spares is not None:
        for path in result.stale:
            (shop_spares / spare_name(path)).unlink(missing_ok=True)


class SpareRoom:
    """How many more spares one shop may keep; its folder is made when the first is."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.left: int | None = None

    def take(self) -> bool:
        if self.left is None:
            try:
                self.left = SPARES_PER_SHOP - len(os.listdir(self.folder))
            except FileNotFoundError:
                os.mkdir(self.folder)
                self.left = SPARES_PER_SHOP
        self.left -= 1
        return self.left >= 0


def into_spare(path: str, data: bytes, room: SpareRoom) -> bool:
    """Write the new bytes of an existing file into its spare (writer.py): over the spare in
    place, or as a new spare while the shop has room for more; False: stage them instead."""
    spare = f"{room.folder}/{spare_name(path)}"
    if fill_spare(spare, data):
        return True
    if not room.take():
        return False
    write_new(spare, data)
    return True


def remove_spares(spares: Path, shop_ids: set[str]) -> None:
    """Spares of shops that are gone."""
    for name in os.listdir(spares):
        if name not in shop_ids and SHOP_ID_RE.fullmatch(name):
            shutil.rmtree(spares / name, ignore_errors=True)


@contextmanager
def spares_folder(root: Path, out: Path) -> Iterator[Path | None]:
    """The folder of spares, held for this build alone; None when spares cannot be used: no
    atomic exchange on this system, the output on another file system, or another build of
    this project running (which then uses none: each would write into the other's)."""
    folder = root / STATE_DIR / "spares"
    if not can_exchange() or fcntl is None:
        yield None
        return
    folder.mkdir(parents=True, exist_ok=True)
    probe = out.absolute()
    while not probe.exists() and probe != probe.parent:  # a first build: out/ is made at the end
        probe = probe.parent
    if os.stat(folder).st_dev != os.stat(probe).st_dev:
        yield None
        return
    with open(folder / ".lock", "wb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None
            return
        yield folder


def save_markdown(root: Path, rendered: dict[str, str]) -> None:
    """Add what this build rendered to the Markdown kept between runs."""
    if rendered:
        stored = markup.stored_entries()
        stored.update(rendered)
        atomic_dump(root / STATE_DIR / markup.STORED_NAME, marshal.dumps(dict(sorted(stored.items()))))


@dataclass
class CheckResult:
    project: Project
    files: int


def check(root: Path, *, only: str | None = None, reporter: Reporter | None = None) -> CheckResult:
    """``shopforest check``: everything a build would do except writing; also renders every page."""
    reporter = reporter or Reporter()
    project = load(root, only, reporter, cache=False)
    builder = ShopBuilder(project, Path("/nonexistent"), Path("/nonexistent"), BuildState.empty(), build_time())
    markup.take_failures()  # none left from an earlier run in this process that stopped halfway
    files = 0
    for i in select_shops(project, only, None):
        shop = project.shops[i]
        theme = builder.theme(shop.theme)
        seen: set[str] = set()
        for output in plan_shop(project, shop, theme, builder.product_cache, builder.now):
            if output.path in seen:
                raise UsageError(f"two outputs at one path: {shop.id}/{output.path}")
            seen.add(output.path)
            safe_join(Path("."), output.path)
            builder.make(output, theme)
            files += 1
    check_rendered(project, markup.take_failures())
    return CheckResult(project, files)
