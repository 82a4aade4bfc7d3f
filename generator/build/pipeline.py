"""The build: load and check everything, then build shop by shop, then commit.

1. Load and check the whole project (a content mistake stops here; nothing is written).
2. Build each shop (build/shop.py; in worker processes with ``jobs`` > 1, build/workers.py).
3. Only when every shop has built: move staged files into place, prune what no longer
   belongs, save the build state (build/commit.py). A template error anywhere leaves the
   output folder exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cache.folder import FORCE, MARKDOWN_TAG, NONE, USE, CacheFolder, CachePolicy, code_tag
from ..cache.keptfile import KeptFile
from ..cache.kepttable import KeptTable
from ..content.ids import SHOP_ID_RE
from ..content.model import Project, shop_of
from ..content.project import load_project
from ..content.rendered import check_rendered, rendered_errors
from ..content.resolved import open_kept
from ..content.suggest import did_you_mean
from ..errors import ContentError, UsageError
from ..messages import msg
from ..pages import markup
from ..pages.plan import plan_shop
from ..pages.views import card_ref
from . import verify
from .commit import EntrySpool, ResultSpool, commit_all, spares_folder
from .gcfreeze import frozen
from .images import ImageWork
from .links import Stamp, stamps_after_commit
from .reporter import BuildStats, Reporter
from .shop import ShopBuilder
from .staging import ShopResult
from .state import BuildState, load_state, save_state
from .workers import shop_results
from .writer import safe_join


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so two builds of one input are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except ValueError:
            raise UsageError(msg("SOURCE_DATE_EPOCH must be whole seconds, got {epoch}", epoch=repr(epoch))) from None
    return dt.datetime.now(tz=dt.UTC)


def check_shop_arg(shop: str | None) -> None:
    if shop is not None and not SHOP_ID_RE.fullmatch(shop):
        raise UsageError(msg("invalid shop id {shop}", shop=repr(shop)))


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"2/4"`` → (2, 4): the second of four stable parts of the shops."""
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise UsageError(msg("--shard must look like K/N (for example 1/4), got {text}", text=repr(text))) from None
    if not 1 <= k <= n:
        raise UsageError(msg("--shard K/N needs 1 <= K <= N, got {text}", text=repr(text)))
    return k, n


def in_shard(shop_id: str, shard: tuple[int, int] | None) -> bool:
    """Stable across machines and Python versions: a hash of the id, not ``hash()``."""
    if shard is None:
        return True
    k, n = shard
    return int.from_bytes(hashlib.sha256(shop_id.encode()).digest()[:8], "big") % n == k - 1


def select_shops(project: Project, only: str | None, shard: tuple[int, int] | None) -> list[int]:
    return [i for i, s in enumerate(project.shops) if (only is None or s.id == only) and in_shard(s.id, shard)]


def load(
    root: Path, only: str | None, reporter: Reporter, *, policy: CachePolicy = USE, kept: KeptFile | None = None, partial: bool = False
) -> Project:
    check_shop_arg(only)
    project = load_project(root, only=only, policy=policy, kept=kept, partial=partial)
    if only is not None and only in project.broken_shops:
        raise ContentError(list(project.broken))
    if only is not None and project.shop(only) is None:
        ids = [s.id for s in load_project(root, partial=True).shops]
        raise UsageError(
            msg("no shop '{shop}' in content/ (known: {known}){suggestion}", shop=only, known=", ".join(ids), suggestion=did_you_mean(only, ids))
        )
    for warning in project.warnings:
        reporter.warning(warning)
    return project


def loaded_for(project: Project, only: str | None, reporter: Reporter) -> Project:
    """A project already loaded, as ``load`` would give it for building ``only`` (or all)."""
    if only is not None and only in project.broken_shops:
        raise ContentError([d for d in project.broken if shop_of(d.path) == only])
    for warning in project.warnings:
        if only is None or shop_of(warning.path) == only:
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
    strict: bool = False,
    cache: CachePolicy | None = None,
    adjust: Callable[[Project], Project] | None = None,
    commit_lock: AbstractContextManager[Any] | None = None,
    loaded: Project | None = None,
) -> BuildStats:
    """``shopforest build``: build what changed, write only bytes that differ, prune the rest.

    A shop with mistakes in her folder is left as it was and the others are built; the build
    then fails with her mistakes (``strict``: any mistake fails it before anything is built).
    ``force`` works everything out again (the cache is written, not read); ``cache`` says
    otherwise (``folder.NONE``: neither read nor written). ``adjust`` may rewrite the loaded
    project (the dev server points base URLs at itself); ``commit_lock`` is held while files
    move into place, so a server never shows half a build. ``loaded``: the project as a build
    that stays running holds it (build/resident.py), used instead of loading it again.
    """
    reporter = reporter or Reporter()
    policy = cache or (FORCE if force else USE)
    started = time.perf_counter()
    folder = CacheFolder(root)
    kept = open_kept(folder, policy)  # saved at the end: pickling it adds to the peak memory
    if policy.write:
        for path in folder.retired():
            path.unlink(missing_ok=True)
    project = load(root, only, reporter, kept=kept, policy=policy, partial=not strict) if loaded is None else loaded_for(loaded, only, reporter)
    full = only is None and shard is None
    with frozen(), ExitStack() as stack:  # the project lives as long as the build and holds no garbage
        if adjust is not None:
            project = adjust(project)
        indexes = select_shops(project, only, shard)
        images = ImageWork(folder, policy)
        stack.callback(images.save)
        builder = ShopBuilder(project, out, folder.staging(os.getpid()), open_state(folder, out, policy), build_time(), images)
        builder.bytecode = folder.templates if policy.read else None
        builder.cards, builder.cards_policy = folder.cards, policy
        markdown = KeptTable(folder.markdown, code_tag(**MARKDOWN_TAG), read=policy.read) if policy.write or policy.read else None
        markup.use_stored(markdown)
        reporter.start(len(indexes))  # before the shared work: on thousands of shops it takes seconds
        builder.prepare(indexes, jobs, policy)
        if markdown is not None:
            markdown.close()  # each worker opens its own connection
        rendered, used = markup.fresh_entries(), markup.taken_from_store()  # by prepare; taken now, so the workers do not send it back again
        stats = BuildStats(shops=len(indexes), warnings=len(project.warnings), images=images.made, image_seconds=images.seconds)
        staging = stack.enter_context(staging_folder(builder.staging))
        spool = stack.enter_context(EntrySpool(staging / "entries.pickle"))
        spares = builder.spares = stack.enter_context(spares_folder(folder.spares, out) if policy.write else nullcontext())
        results = stack.enter_context(ResultSpool(staging / "results.pickle"))
        failed: dict[str, str] = {}
        for result in shop_results(builder, indexes, jobs):
            if result.failed:  # a text of hers Markdown could not render: her shop stays as it was
                failed.update(result.failed)
                continue
            spool.add(result)  # its state kept on disk, not in memory: memory stays flat with the site's size
            results.add(result)  # (the same, for the rest of the result and its rendered Markdown)
            reporter.shop_done(result.shop_id, result.written + result.unchanged + result.skipped)
            stats.spliced += result.spliced
        broken = [*project.broken, *rendered_errors(project, failed)]
        left_as_before = project.broken_shops | {shop_of(d.path) or "" for d in broken}
        if failed and strict:
            raise ContentError(broken)
        stats.broken = len(left_as_before)
        with commit_lock or nullcontext():  # every shop built: now, and only now, touch the output folder
            commit_all(results, staging, out, stats, spares, keep=({project.shops[i].id for i in indexes} | left_as_before) if full else None)
            if project.platform.media_url:
                stats.written += builder.publish_shared(prune=full)
        if policy.write:
            stamps = link_stamps(out, results)  # after the commit: what it wrote changed them
            record_state(folder.state(out), builder.state, spool, (set(results.ids) | left_as_before) if full else None, stamps)
            if full and not project.broken_shops:  # every shop's pictures seen: the others' copies can go
                images.prune()
        for result in results:  # read back before the staging folder (and the spool in it) goes; the workers are gone
            fresh, read = result.take_markdown()
            rendered.update(fresh)
            used |= read
    if policy.write:
        if only is None:
            kept.save()
            prune_cards(folder.cards, 2 * card_pictures(project))
        keep_markdown(markdown, rendered, used, project, prune=full)
    if verify.enabled():  # last: it renders with nothing kept, which must not reach the stores
        verify.verify_site(project, indexes, out, builder)
    images.close()
    stats.seconds = time.perf_counter() - started
    reporter.finish(stats)
    if broken:  # the others are built; hers are left as they were, until she fixes them
        raise ContentError(broken)
    return stats


def card_pictures(project: Project) -> int:
    """How many pictures the project's shops can show a card of: each product's and each avatar."""
    return sum(1 for p in project.products.values() if card_ref(p)) + sum(1 for s in project.shops if s.avatar)


def prune_cards(folder: Path, limit: int) -> None:
    """Past ``limit`` kept cards, the oldest drawn go (a card of a replaced picture is never read
    again; one still shown is only drawn again if a new shop or output folder needs it)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    if len(names) <= limit:
        return
    aged = sorted(names, key=lambda name: os.stat(folder / name).st_mtime_ns)
    for name in aged[: len(names) - limit]:
        with suppress(FileNotFoundError):
            os.unlink(folder / name)


@contextmanager
def staging_folder(path: Path) -> Iterator[Path]:
    """A build's staging folder, new and removed at the end whatever happens."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def link_stamps(out: Path, results: Iterable[ShopResult]) -> dict[str, dict[str, Stamp | None]]:
    """The stamps of the folders of pictures' copies to record (build/links.py): every folder of
    a shop planned again, and those a skipped shop's worker checked file by file."""
    stamps: dict[str, dict[str, Stamp | None]] = {}
    for result in results:
        folders = result.link_folders if result.planned else list(result.stamps)
        if not folders:
            continue
        written = None if result.tree else [*result.staged, *result.spared, *result.stale]
        stamps[result.shop_id] = stamps_after_commit(str(safe_join(out, result.shop_id)), folders, result.stamps, written)
    return stamps


def record_state(path: Path, state: BuildState, spool: EntrySpool, built: set[str] | None, stamps: dict[str, dict[str, Stamp | None]]) -> None:
    """Record the shops planned again and the stamps of folders of copies; ``built`` (a build
    of every shop) forgets the other shops."""
    if spool.count or stamps or (built is not None and state.index.keys() - built):
        save_state(path, spool.items(), built, stamps)


def open_state(folder: CacheFolder, out: Path, policy: CachePolicy) -> BuildState:
    """What the last build into ``out`` wrote; nothing, when the cache is not to be read."""
    state = load_state(folder.state(out))
    if not policy.read:
        state.forget()
    return state


def keep_markdown(store: KeptTable | None, rendered: dict[str, str], used: set[str], project: Project, *, prune: bool = True) -> None:
    """Add what this build rendered to the Markdown kept between runs; once the store holds
    more than twice as many texts as the project can show (old descriptions and notes pile
    up), only those this build read or rendered. A build of some shops (``prune`` False)
    prunes nothing: it neither loaded nor read the other shops' texts, which are still shown."""
    if store is None:
        return
    for key, html in rendered.items():
        store.put(key, html)
    store.mark_used(used)
    texts = len(project.products) + sum(1 + len(shop.picks) + len(shop.posts) + len(shop.collections) for shop in project.shops)
    store.save(limit=2 * texts if prune else None)


@dataclass
class CheckResult:
    project: Project
    files: int


def check(root: Path, *, only: str | None = None, reporter: Reporter | None = None) -> CheckResult:
    """``shopforest check``: everything a build would do except writing; also renders every page."""
    reporter = reporter or Reporter()
    project = load(root, only, reporter, policy=NONE)
    builder = ShopBuilder(project, Path("/nonexistent"), Path("/nonexistent"), BuildState.empty(), build_time())
    markup.take_failures()  # none left from an earlier run in this process that stopped halfway
    files = 0
    with ExitStack() as stack:
        stack.callback(builder.images.close)  # (a check keeps nothing: it reads the copies builds kept, makes new ones in a temporary folder)
        files = check_shops(project, only, builder)
    check_rendered(project, markup.take_failures())
    return CheckResult(project, files)


def check_shops(project: Project, only: str | None, builder: ShopBuilder) -> int:
    """Every output of the shops ``check`` looks at, made and thrown away; how many there are."""
    files = 0
    for i in select_shops(project, only, None):
        shop = project.shops[i]
        theme = builder.theme(shop.theme)
        seen: set[str] = set()
        for output in plan_shop(project, shop, theme, builder.products, builder.now):
            if output.path in seen:
                raise UsageError(msg("two outputs at one path: {id}/{path}", id=shop.id, path=output.path))
            seen.add(output.path)
            safe_join(Path("."), output.path)
            builder.make(output, theme, shop.locale)
            files += 1
    return files
