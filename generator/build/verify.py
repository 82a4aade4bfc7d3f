"""Verify mode: every incremental build checked against a build from nothing.

With ``SHOPFOREST_VERIFY=1`` a build, once committed, renders every output of every shop it
built again — without the build state, the kept Markdown or the kept facts — and compares
the bytes with what is in the output folder, which must also hold nothing else. A difference
means an output was skipped that should have been made: a dependency the build did not see.
The tests of incremental builds run under it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..content.model import Project
from ..messages import msg
from ..pages import markup
from ..pages.plan import plan_shop
from .shop import ShopBuilder
from .state import BuildState

ENV = "SHOPFOREST_VERIFY"


class VerifyError(Exception):
    """An incremental build wrote something else than a build from nothing would have."""

    exit_code = 1


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def verify_site(project: Project, indexes: list[int], out: Path, now_builder: ShopBuilder) -> None:
    """Raise VerifyError naming every file of the built shops that differs from a fresh render."""
    markup.use_stored(None)  # render every text again: the kept HTML is under test too
    # the kept copies of pictures are used again (they are named by the bytes they are made
    # from), but every picture's bytes are hashed again rather than trusted by their stamps
    fresh = ShopBuilder(project, out, Path("/nonexistent"), BuildState.empty(), now_builder.now, now_builder.images.hashing_all())
    differ: list[str] = []
    for i in indexes:
        shop = project.shops[i]
        theme = fresh.theme(shop.theme)
        folder = out / shop.id
        for output in plan_shop(project, shop, theme, fresh.products, fresh.now):
            data, *_ = fresh.make(output, theme, shop.locale)
            try:
                same = (folder / output.path).read_bytes() == data
            except FileNotFoundError:
                same = False
            if not same:
                differ.append(f"{shop.id}/{output.path}")
    if differ:
        raise VerifyError(msg("verify: {n} file(s) differ from a build from nothing: {files}", n=len(differ), files=", ".join(differ[:20])))
