"""A shop the last build did not build is started first, and every shop's result still comes
back in the shops' order (build/workers.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from generator.build import workers
from generator.build.shop import ShopBuilder
from generator.build.staging import ShopResult


def builder_of(ids: list[str], recorded: list[str]) -> ShopBuilder:
    shops = [SimpleNamespace(id=i) for i in ids]
    return cast(ShopBuilder, SimpleNamespace(project=SimpleNamespace(shops=shops), state=SimpleNamespace(index=dict.fromkeys(recorded))))


def test_results_come_back_in_the_shops_order() -> None:
    ids = ["a", "b", "c", "d"]
    arrived = [ShopResult(i, None, [], 0, 0) for i in ("c", "a", "d", "b")]
    assert [r.shop_id for r in workers.in_order(ids, iter(arrived))] == ids


def test_a_new_shop_starts_first() -> None:
    builder = builder_of(["a", "b", "c", "d"], recorded=["a", "b", "d"])
    assert workers.new_first(builder, [0, 1, 2, 3]) == [2, 0, 1, 3]
    assert workers.new_first(builder_of(["a", "b"], recorded=["a", "b"]), [0, 1]) == [0, 1]


def test_many_new_shops_keep_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "NEW_FIRST", 1)
    builder = builder_of(["a", "b", "c", "d"], recorded=["a", "c"])
    assert workers.new_first(builder, [0, 1, 2, 3]) == [0, 1, 2, 3]
