"""Keeping the garbage collector away from objects that live as long as the build.

A build loads a project of a million objects that hold no garbage cycles, then forks workers
that share its memory page by page. A collection would walk all of them (in the parent) and
write to every page that holds one (in a worker, which then owns a copy of the project).
``gc.freeze`` moves the objects that exist now out of the collector's reach; ``gc.unfreeze``
brings back all of them at once, so the freeze is one context that only its outermost use
ends: an inner use adds the objects made since, and leaves the outer freeze in place.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0


@contextmanager
def frozen(*, collect: bool = False) -> Iterator[None]:
    """Freeze what exists now until the outermost ``frozen`` ends; ``collect`` first frees
    what is garbage already, so it is not frozen with the rest (before workers fork)."""
    global _depth
    if collect:
        gc.collect()
    gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()
