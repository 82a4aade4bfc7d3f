"""Price an order against the catalog: pure, no I/O, no clock (``now`` is passed in).

The customer's ``unit_price`` is only compared, never trusted: every line is priced from the
catalog the hook has loaded, and any difference is a 409 ``price_changed`` with the current
prices (never a silent charge).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from ..content.model import Product, Project, Shop
from ..content.schema import Money, minor_digits
from ..pages.money import as_text
from .errors import OrderError, error

MAX_LINES = 50

# Bidirectional formatting characters: an override (U+202E) makes "Main St 12" display as
# another address to whoever reads it in fulfilment, so none is accepted in customer text.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE = frozenset("\t\n\r")


def forbidden_character(value: str, *, multiline: bool) -> str | None:
    """The first character customer text may not hold: a control character (a tab or line break
    only in a multi-line field), a lone surrogate, or a bidirectional control."""
    for char in value:
        if (char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")) and not (multiline and char in MULTILINE):
            return char
    return None


def _text(multiline: bool, blank_ok: bool = False) -> AfterValidator:
    def check(value: str) -> str:
        char = forbidden_character(value, multiline=multiline)
        if char is not None:
            raise PydanticCustomError("forbidden_character", "contains U+{code}, a control or text-direction character", {"code": f"{ord(char):04X}"})
        if not blank_ok and not value.strip():
            raise PydanticCustomError("blank", "must not be blank")
        return value

    return AfterValidator(check)


Line = Annotated[str, _text(multiline=False)]
Lines = Annotated[str, _text(multiline=True)]
Tag = Annotated[str, _text(multiline=False, blank_ok=True)]  # what the browser adds: it reaches reports too


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LineIn(_Strict):
    sku: str = Field(min_length=1, max_length=64)
    variant: str | None = Field(default=None, max_length=32)
    qty: int
    unit_price: Money


PHONE = r"^\+?[0-9][0-9 ()-]{3,30}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class CustomerIn(_Strict):
    name: Line = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32, pattern=PHONE)
    address: Lines = Field(min_length=5, max_length=500)
    email: Line | None = Field(default=None, max_length=200, pattern=EMAIL)
    note: Annotated[str, _text(multiline=True, blank_ok=True)] | None = Field(default=None, max_length=500)


class AttributionIn(_Strict):
    lid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    channel: Tag | None = Field(default=None, max_length=32)
    campaign: Tag | None = Field(default=None, max_length=64)
    landed_at: Tag | None = Field(default=None, max_length=40)


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


_FORMATS = {"customer.phone": "phone_format", "customer.email": "email_format"}


def _field_code(kind: str, field: str, ctx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The machine-readable code of one field's problem, and what its message names."""
    if kind in ("missing", "blank") or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "required", {}
    if kind == "string_too_short":
        return "too_short", {"min": ctx.get("min_length")}
    if kind == "string_too_long":
        return "too_long", {"max": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        return _FORMATS.get(field, "invalid_format"), {}
    if kind == "forbidden_character":
        return "forbidden_character", {}
    if kind == "extra_forbidden":
        return "unknown_field", {}
    return "invalid", {}


def _fields(exc: ValidationError) -> list[dict[str, Any]]:
    """Each field's problem: ``field`` (a dotted path), ``code``, ``message`` (English here; the
    hook puts it in the shop's language) and the ``params`` the message names, if any."""
    out: list[dict[str, Any]] = []
    for e in exc.errors(include_url=False):
        field = ".".join(str(p) for p in e["loc"])
        code, params = _field_code(e["type"], field, dict(e.get("ctx") or {}))
        out.append({"field": field, "code": code, "message": e["msg"], **({"params": params} if params else {})})
    return out


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
        raise error("invalid_request", "an order needs at least one line", fields=[{"field": "items", "code": "required", "message": "empty"}])
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
