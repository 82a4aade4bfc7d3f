"""Price an order against the catalog: pure, no I/O, no clock (``now`` is passed in).

The customer's ``unit_price`` is only compared, never trusted: every line is priced from the
catalog the hook has loaded, and any difference is a 409 ``price_changed`` with the current
prices (never a silent charge).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..content.model import Product, Project, Shop
from ..content.schema import Money, minor_digits
from ..pages.money import as_text
from .errors import OrderError, error

MAX_LINES = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LineIn(_Strict):
    sku: str = Field(min_length=1, max_length=64)
    variant: str | None = Field(default=None, max_length=32)
    qty: int
    unit_price: Money


class CustomerIn(_Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32, pattern=r"^\+?[0-9][0-9 ()-]{3,30}$")
    address: str = Field(min_length=5, max_length=500)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    note: str | None = Field(default=None, max_length=500)


class AttributionIn(_Strict):
    lid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    channel: str | None = Field(default=None, max_length=32)
    campaign: str | None = Field(default=None, max_length=64)
    landed_at: str | None = Field(default=None, max_length=40)


class OrderIn(_Strict):
    shop: str = Field(min_length=1, max_length=40)
    items: list[Any]
    customer: CustomerIn
    attribution: AttributionIn | None = None


@dataclass(frozen=True)
class PricedLine:
    sku: str
    variant: str | None
    title: str
    qty: int
    unit_price: Decimal
    line_total: Decimal
    commission_rate: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "variant": self.variant,
            "title": self.title,
            "qty": self.qty,
            "unit_price": as_text(self.unit_price),
            "line_total": as_text(self.line_total),
            "commission_rate": str(self.commission_rate),
        }


@dataclass(frozen=True)
class PricedOrder:
    shop: Shop
    lines: tuple[PricedLine, ...]
    total: Decimal
    currency: str
    customer: CustomerIn
    attribution: AttributionIn | None


def _fields(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors(include_url=False)]


def price_order(project: Project, body: Any, now: dt.datetime) -> PricedOrder:
    """Check and price one order request body (already parsed JSON); raise OrderError."""
    try:
        order = OrderIn.model_validate(body)
    except ValidationError as exc:
        raise error("invalid_request", "the order is missing fields or has wrong ones", fields=_fields(exc)) from None
    shop = project.shop(order.shop) if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,38}", order.shop) else None
    if shop is None:
        raise error("unknown_shop", f"there is no shop {order.shop!r}")
    if not order.items:
        raise error("invalid_request", "an order needs at least one line", fields=[{"field": "items", "message": "empty"}])
    if len(order.items) > MAX_LINES:
        raise error("too_many_lines", f"an order has at most {MAX_LINES} lines, this one has {len(order.items)}")
    currency = project.platform.currency
    # the cart sends prices as pages show them in data attributes: two places at least (as_text)
    money_context = {"currency": currency, "places": max(minor_digits(currency), 2)}
    lines: list[PricedLine] = []
    changed: list[dict[str, Any]] = []
    seen: set[tuple[str, str | None]] = set()
    for index, raw in enumerate(order.items):
        try:
            line = LineIn.model_validate(raw, context=money_context)
        except ValidationError as exc:
            fields = [{**f, "field": f"items.{index}.{f['field']}"} for f in _fields(exc)]
            raise error("invalid_request", f"line {index + 1} is not a valid order line", fields=fields) from None
        priced = _price_line(project, shop, line, index)
        if (line.sku, line.variant) in seen:
            raise error("duplicate_line", f"{line.sku} appears on two lines", line=index)
        seen.add((line.sku, line.variant))
        if priced.unit_price != line.unit_price:
            changed.append({"line": index, "sku": line.sku, "variant": line.variant, "unit_price": as_text(priced.unit_price)})
        lines.append(priced)
    if changed:
        raise OrderError(
            409,
            "price_changed",
            "a price changed since you saw it; please check the new prices and confirm again",
            prices=changed,
            total=as_text(sum((p.line_total for p in lines), Decimal("0.00"))),
        )
    total = sum((p.line_total for p in lines), Decimal("0.00"))
    return PricedOrder(shop, tuple(lines), total, project.platform.currency, order.customer, order.attribution)


def _price_line(project: Project, shop: Shop, line: LineIn, index: int) -> PricedLine:
    product: Product | None = project.products.get(line.sku)
    if product is None:
        raise error("unknown_product", f"there is no product {line.sku!r}", line=index)
    if product.status in ("recalled", "discontinued"):
        raise error("product_unavailable", f"{line.sku} is {product.status} and cannot be ordered", line=index)
    if shop.pick(line.sku) is None:
        raise error("product_not_in_shop", f"{shop.id} does not sell {line.sku}", line=index)
    price, stock = product.price, None
    title = product.title
    if product.variants:
        if line.variant is None:
            raise error("variant_required", f"{line.sku} comes in variants: choose one", line=index)
        variant = product.variant(line.variant)
        if variant is None:
            raise error("unknown_variant", f"{line.sku} has no variant {line.variant!r}", line=index)
        if variant.sold_out:
            raise error("sold_out", f"{line.sku} {variant.title} is sold out", line=index)
        price, stock, title = variant.price, variant.stock, f"{product.title} · {variant.title}"
    elif line.variant is not None:
        raise error("unknown_variant", f"{line.sku} has no variants", line=index)
    if product.sold_out:
        raise error("sold_out", f"{line.sku} is sold out", line=index)
    bound = product.max_quantity(stock)
    if not 1 <= line.qty <= bound:
        raise error("quantity_out_of_range", f"quantity of {line.sku} must be between 1 and {bound}", line=index, max=bound)
    return PricedLine(line.sku, line.variant, title, line.qty, price, price * line.qty, product.commission)
