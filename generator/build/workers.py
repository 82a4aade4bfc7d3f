"""Shops built in worker processes forked from the build, which inherit the loaded project."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

from .gcfreeze import frozen
from .shop import ShopBuilder
from .staging import ShopResult

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


# Shops one worker builds before fresh workers are forked (see shop_results). A worker's copy of
# the parent's pages grows fastest in its first shops (on the large size a round of 100 shops a
# worker grew the build by ~270 MB, one of 300 by ~450 MB): rounds of 100 keep the large build
# under 1 GiB, for a fork and a few warm caches more per 200 shops.
SHOPS_PER_WORKER = 100
NEW_FIRST = 64  # up to this many shops the last build did not build are started first (new_first)
ONE_ROUND = 500  # up to this many shops a worker, all are built in one round of workers


_WORKER: ShopBuilder | None = None


def _run_in_worker(index: int) -> ShopResult:
    assert _WORKER is not None
    return _WORKER.run(_WORKER.project.shops[index])


def shop_results(builder: ShopBuilder, indexes: list[int], jobs: int) -> Iterator[ShopResult]:
    """Each shop's result, as it is built, in the order of ``indexes``."""
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
    # hundred shops costs more (forking again, warming every cache again) than the
    # memory it gives back.
    per_worker = SHOPS_PER_WORKER if len(indexes) > jobs * ONE_ROUND else -(-len(indexes) // jobs)
    size = jobs * per_worker
    with frozen(collect=True):
        for start in range(0, len(indexes), size):
            part = indexes[start : start + size]
            chunk = max(1, min(16, len(part) // (jobs * 8) or 1))
            with multiprocessing.get_context("fork").Pool(min(jobs, len(part))) as pool:
                yield from in_order([builder.project.shops[i].id for i in part], pool.imap(_run_in_worker, new_first(builder, part), chunksize=chunk))
    _WORKER = None


def new_first(builder: ShopBuilder, indexes: list[int]) -> list[int]:
    """``indexes`` with the few shops the last build did not build first: each renders all its
    pages, the others are mostly found unchanged, so started last it would keep one worker
    busy alone after the others are done. More than NEW_FIRST of them keep their order: the
    results of those started early wait for the shops before them (in_order), and a build of
    many new shops has them all through the run anyway."""
    recorded = builder.state.index
    shops = builder.project.shops
    new = [i for i in indexes if shops[i].id not in recorded]
    if not new or len(new) > NEW_FIRST:
        return indexes
    return new + [i for i in indexes if shops[i].id in recorded]


def in_order(ids: list[str], results: Iterator[ShopResult]) -> Iterator[ShopResult]:
    """``results``, of the shops ``ids`` in any order, yielded in the order of ``ids`` (each
    held only until those before it are done)."""
    held: dict[str, ShopResult] = {}
    at = 0
    for result in results:
        held[result.shop_id] = result
        while at < len(ids) and ids[at] in held:
            yield held.pop(ids[at])
            at += 1
