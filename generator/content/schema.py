"""The strict schema of catalog.yaml, shop.yaml and post front matter.

Unknown keys are rejected; money is ``Decimal`` with at most two places, never negative;
ids are checked against their patterns before they can ever become a path.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SHOP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$")
VARIANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")  # share-link channels and campaigns


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise PydanticCustomError("decimal_type", f'{what} must be a number written as text like "89.00"')
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise PydanticCustomError("decimal_parsing", f"'{value}' is not a number") from None
    if not number.is_finite():
        raise PydanticCustomError("decimal_parsing", f"'{value}' is not a number")
    return number


def url_problem(url: str) -> str | None:
    """What makes ``url`` unfit to be where a shop is published (or the hook answers), or None.

    Pages, robots.txt, sitemaps and the 404 page's asset paths are made by appending to it, so
    it must be one absolute http(s) URL and nothing else: no control character or space (a
    newline would add lines to robots.txt), no user name or password, no backslash, no empty,
    ``.`` or ``..`` path segment (a path ``//evil.example/`` is another host to a browser), no
    query or fragment."""
    for position, char in enumerate(url, 1):
        if char.isspace() or unicodedata.category(char).startswith("C"):
            return f"contains a control character or space (U+{ord(char):04X} at character {position})"
    if not re.match(r"https?://", url):
        return "must start with http:// or https://"
    if "\\" in url:
        return "contains a backslash (browsers read it as '/')"
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "must not contain a user name or password ('…@' before the host)"
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or port == 0:
        return "must name a host (and a port from 1 to 65535, if any)"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must not have a query ('?') or fragment ('#')"
    segments = parts.path.split("/")[1:-1] if parts.path.endswith("/") else parts.path.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments):
        return "must not have '//', '/./' or '/../' in its path"
    return None


def parse_money(value: Any) -> Decimal:
    amount = _decimal(value, "money")
    if amount < 0:
        raise PydanticCustomError("money_negative", "money must not be negative, got {value}", {"value": str(value)})
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise PydanticCustomError("money_places", "money must have at most 2 decimal places, got {value}", {"value": str(value)})
    return amount.quantize(Decimal("0.01"))


def parse_rate(value: Any) -> Decimal:
    rate = _decimal(value, "a commission rate")
    if not Decimal(0) <= rate <= Decimal(1):
        raise PydanticCustomError("rate_range", "commission must be between 0 and 1, got {value}", {"value": str(value)})
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise PydanticCustomError("rate_places", "commission must have at most 4 decimal places")
    return rate


def _pattern(regex: re.Pattern[str], what: str, rule: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not regex.fullmatch(value):
            raise PydanticCustomError("id_pattern", f"invalid {what} '{{value}}': {rule}", {"value": value})
        return value

    return BeforeValidator(check)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("date_format", "invalid date '{value}': write it as YYYY-MM-DD", {"value": str(value)})


Money = Annotated[Decimal, BeforeValidator(parse_money)]
Rate = Annotated[Decimal, BeforeValidator(parse_rate)]
Sku = Annotated[str, _pattern(SKU_RE, "SKU", "use letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit")]
VariantId = Annotated[str, _pattern(VARIANT_RE, "variant id", "use letters, digits, '.', '_' or '-', at most 32")]
Slug = Annotated[str, _pattern(SLUG_RE, "id", "use lowercase letters, digits and '-', at most 39, starting with a letter or digit")]
Date = Annotated[dt.date, BeforeValidator(parse_date)]
LinkTag = Annotated[str, _pattern(TAG_RE, "channel or campaign", "use 1-32 lowercase letters, digits, '_' or '-'")]
Status = Literal["active", "sold_out", "discontinued", "recalled"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PlatformIn(Strict):
    name: str
    currency: Annotated[str, _pattern(CURRENCY_RE, "currency", "use an ISO 4217 code such as CNY")] = "CNY"
    locale: str = "zh_CN"
    checkout_url: str = "http://127.0.0.1:8787"
    shop_url: str = "http://127.0.0.1:8000/{shop}/"
    attribution_days: int = Field(default=30, ge=1, le=365)
    refund_days: int = Field(default=14, ge=0, le=365)
    media_url: str | None = None


class CategoryIn(Strict):
    id: Slug
    title: str
    commission: Rate = Decimal("0")


class VariantIn(Strict):
    id: VariantId
    title: str
    price: Money | None = None
    stock: int | None = Field(default=None, ge=0)
    image: str | None = None


class ProductIn(Strict):
    sku: Sku
    title: str
    brand: str = ""
    category: str
    price: Money
    list_price: Money | None = None
    commission: Rate | None = None
    status: Status = "active"
    stock: int | None = Field(default=None, ge=0)
    max_per_order: int | None = Field(default=None, ge=1)
    images: list[str] = []
    description: str = ""
    variants: list[VariantIn] = []
    tags: list[str] = []


class CatalogIn(Strict):
    platform: PlatformIn
    categories: list[CategoryIn] = []
    products: list[ProductIn] = []


def _pick_short_form(value: Any) -> Any:
    return {"sku": value} if isinstance(value, str) else value


class PickIn(Strict):
    sku: Sku
    note: str = ""
    featured: bool = False


class CollectionIn(Strict):
    id: Slug
    title: str
    description: str = ""
    skus: list[Sku] = []


class ShopIn(Strict):
    title: str
    owner: str
    bio: str = ""
    avatar: str | None = None
    theme: str = "default"
    locale: str | None = None
    base_url: str | None = None
    contact: dict[str, str] = {}
    picks: list[Annotated[PickIn, BeforeValidator(_pick_short_form)]] = []
    collections: list[CollectionIn] = []
    channels: list[LinkTag] = ["wechat", "moments", "link"]
    campaigns: list[LinkTag] = []


class PostMetaIn(Strict):
    title: str = Field(min_length=1)
    date: Date
    summary: str = ""
    tags: list[str] = []
    draft: bool = False
