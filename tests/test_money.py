"""Money is a plain decimal as written, with at most the currency's decimal places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic_core import PydanticCustomError

from generator.cli import main
from generator.content.project import load_project
from generator.content.schema import parse_money
from generator.hook.errors import OrderError
from generator.hook.pricing import price_order

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


@pytest.mark.parametrize("good", ["89", "89.5", "89.50", 89, Decimal("89.50"), " 12.50 "])
def test_plain_money_is_read_as_written(good: object) -> None:
    assert parse_money(good) in (Decimal("89.00"), Decimal("89.50"), Decimal("12.50"))


@pytest.mark.parametrize("bad", ["1e2", "1_000", ".5", "12.", "+5", "0x10", "1,000", "１２", "12.5.0", "", Decimal("1E+2")])
def test_every_other_spelling_is_refused(bad: object) -> None:
    with pytest.raises(PydanticCustomError, match=r'is not plain money: .* like "12\.50"'):
        parse_money(bad)


def test_places_follow_the_currency() -> None:
    assert parse_money("1250", "JPY") == Decimal("1250")
    with pytest.raises(PydanticCustomError, match=r'money in JPY has no decimal places, got 12\.50: write it like "1250"'):
        parse_money("12.50", "JPY")
    assert parse_money("1.250", "KWD") == Decimal("1.250")
    with pytest.raises(PydanticCustomError, match=r"money in CNY has at most 2 decimal places"):
        parse_money("1.250", "CNY")


def test_a_yen_catalog_refuses_cents_then_keeps_no_stale_product(project: Path) -> None:
    catalog = project / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert "currency: CNY" in text
    runner = CliRunner()
    assert runner.invoke(main, ["check", "--project", str(project)]).exit_code == 0  # keeps every product
    catalog.write_text(text.replace("currency: CNY", "currency: JPY"), encoding="utf-8")
    result = runner.invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    assert 'price：JPY 的金额不能有小数，现在是 89.00：请写成 "1250" 这样' in result.stderr  # a zh_CN platform


def test_the_hook_refuses_odd_spellings_of_a_unit_price(project: Path) -> None:
    loaded = load_project(project)
    shop = loaded.shops[0]
    pick = next(p for p in shop.picks if not p.product.variants and not p.product.sold_out)
    customer = {"name": "王", "phone": "13800000000", "address": "上海市某路 1 号"}

    def order(price: object) -> dict[str, object]:
        return {"shop": shop.id, "items": [{"sku": pick.product.sku, "qty": 1, "unit_price": price}], "customer": customer}

    assert price_order(loaded, order(str(pick.product.price)), NOW).total == pick.product.price
    for bad in ("1e2", ".5", "1_000"):
        with pytest.raises(OrderError) as caught:
            price_order(loaded, order(bad), NOW)
        assert caught.value.code == "invalid_request"
