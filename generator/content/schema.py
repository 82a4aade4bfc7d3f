"""The strict schema of catalog.yaml, shop.yaml and post front matter.

Unknown keys are rejected; money is ``Decimal`` written as plain digits with at most the
currency's decimal places, never negative;
ids are checked against their patterns before they can ever become a path.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from babel.numbers import get_currency_precision
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..messages import Message, msg
from .ids import CURRENCY_RE as CURRENCY_RE  # the schema's names too
from .ids import LOCALES as LOCALES
from .ids import SHOP_ID_RE as SHOP_ID_RE
from .ids import SKU_RE as SKU_RE
from .ids import SLUG_RE as SLUG_RE
from .ids import TAG_RE as TAG_RE
from .ids import VARIANT_RE as VARIANT_RE


def refused(kind: str, words: Message, **context: Any) -> PydanticCustomError:
    """A schema error whose words are a message (validate.py shows it in her language)."""
    return PydanticCustomError(kind, "{words}", {"words": words, **context})


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise refused("decimal_type", msg('{what} must be a number written as text like "89.00"', what=what))
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise refused("decimal_parsing", msg("'{value}' is not a number", value=value)) from None
    if not number.is_finite():
        raise refused("decimal_parsing", msg("'{value}' is not a number", value=value))
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
            return msg("contains a control character or space (U+{code:04X} at character {position})", code=ord(char), position=position)
    if not re.match(r"https?://", url):
        return msg("must start with http:// or https://")
    if "\\" in url:
        return msg("contains a backslash (browsers read it as '/')")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return msg("must not contain a user name or password ('…@' before the host)")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or port == 0:
        return msg("must name a host (and a port from 1 to 65535, if any)")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return msg("must not have a query ('?') or fragment ('#')")
    segments = parts.path.split("/")[1:-1] if parts.path.endswith("/") else parts.path.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments):
        return msg("must not have '//', '/./' or '/../' in its path")
    return None


MONEY_RE = re.compile(r"[0-9]+(?:\.([0-9]+))?")


@lru_cache(maxsize=64)
def minor_digits(currency: str) -> int:
    """How many decimal places ``currency`` has (CNY 2, JPY 0, KWD 3), as Babel knows it."""
    return int(get_currency_precision(currency))


def money_example(digits: int) -> str:
    return "1250" if digits == 0 else "12." + "50".ljust(digits, "0")


def parse_money(value: Any, currency: str = "CNY", places: int | None = None) -> Decimal:
    """Money as it is written: digits, and at most as many decimals as ``currency`` has (or
    ``places``: JSON money is always written with two, ``"89.00"`` even in yen).

    Every other spelling a number can have in YAML or text (``1e2``, ``1_000``, ``.5``,
    ``0x10``, ``+5``) is refused rather than read as some amount: a price is what the platform
    means to charge, so it is never guessed."""
    digits = minor_digits(currency) if places is None else places
    example = money_example(digits)
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise refused("decimal_type", msg('money must be a number written as text like "{example}"', example=example))
    text = getattr(value, "text", None) or (value.strip() if isinstance(value, str) else str(value))
    if text.startswith("-") and MONEY_RE.fullmatch(text[1:]):
        raise refused("money_negative", msg("money must not be negative, got {value}", value=text))
    match = MONEY_RE.fullmatch(text)
    if match is None:
        how = msg("digits only") if digits == 0 else msg("digits with at most {digits} decimals", digits=digits)
        raise refused(
            "money_spelling", msg("'{value}' is not plain money: write {how}, in quotes, like \"{example}\"", value=text, how=how, example=example)
        )
    decimals = len(match.group(1) or "")
    if decimals > digits:
        allowed = msg("no decimal places") if digits == 0 else msg("at most {digits} decimal places", digits=digits)
        raise refused(
            "money_places",
            msg(
                'money in {currency} has {allowed}, got {value}: write it like "{example}"',
                currency=currency,
                allowed=allowed,
                value=text,
                example=example,
            ),
        )
    return Decimal(text).quantize(Decimal(1).scaleb(-max(digits, 2)))


def money_in_context(value: Any, info: ValidationInfo) -> Decimal:
    """``parse_money`` in the currency the validation context names (the platform's), with at
    most the ``places`` it names, if any."""
    context = info.context if isinstance(info.context, dict) else {}
    places = context.get("places")
    return parse_money(value, str(context.get("currency", "CNY")), places if isinstance(places, int) else None)


def parse_rate(value: Any) -> Decimal:
    rate = _decimal(value, msg("a commission rate"))
    if not Decimal(0) <= rate <= Decimal(1):
        raise refused("rate_range", msg("commission must be between 0 and 1, got {value}", value=str(value)))
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise refused("rate_places", msg("commission must have at most 4 decimal places"))
    return rate


def _pattern(regex: re.Pattern[str], what: str, rule: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not regex.fullmatch(value):
            raise refused("id_pattern", msg("invalid {what} '{value}': {rule}", what=what, value=value, rule=rule), value=value)
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
    raise refused("date_format", msg("invalid date '{value}': write it as YYYY-MM-DD", value=str(value)))


def _json(regex: re.Pattern[str]) -> WithJsonSchema:
    """The JSON Schema of an id: text matching its pattern (editors flag a mistyped one)."""
    return WithJsonSchema({"type": "string", "pattern": regex.pattern})


# In JSON Schema (for editors, `shopforest schema`), a decimal is text of plain digits or a
# number: the places a currency allows, and the spellings YAML reads as numbers, are `check`'s.
_DECIMAL_TEXT = {"type": "string", "pattern": MONEY_RE.pattern.join("^$")}
Money = Annotated[Decimal, BeforeValidator(money_in_context), WithJsonSchema({"anyOf": [_DECIMAL_TEXT, {"type": "number", "minimum": 0}]})]
Rate = Annotated[Decimal, BeforeValidator(parse_rate), WithJsonSchema({"anyOf": [_DECIMAL_TEXT, {"type": "number", "minimum": 0, "maximum": 1}]})]
Sku = Annotated[
    str, _pattern(SKU_RE, msg("SKU"), msg("use letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit")), _json(SKU_RE)
]
VariantId = Annotated[str, _pattern(VARIANT_RE, msg("variant id"), msg("use letters, digits, '.', '_' or '-', at most 32")), _json(VARIANT_RE)]
Slug = Annotated[
    str, _pattern(SLUG_RE, msg("id"), msg("use lowercase letters, digits and '-', at most 39, starting with a letter or digit")), _json(SLUG_RE)
]
Date = Annotated[dt.date, BeforeValidator(parse_date), WithJsonSchema({"type": "string", "format": "date"})]
LinkTag = Annotated[str, _pattern(TAG_RE, msg("channel or campaign"), msg("use 1-32 lowercase letters, digits, '_' or '-'")), _json(TAG_RE)]
Status = Literal["active", "sold_out", "discontinued", "recalled"]
# Checked by the loader (loading.locale_problem), so that a shop with another locale is still
# checked through; editors are offered the list.
LocaleName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(LOCALES)})]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


PAYMENT_FIELDS = ("order_id", "amount", "amount_minor", "currency", "expires", "signature")


class PaymentIn(Strict):
    method: Literal["link", "cod", "contact"] = "contact"
    link: str | None = None
    link_hours: int = Field(default=24, ge=1, le=720)


class PlatformIn(Strict):
    name: str
    currency: Annotated[str, _pattern(CURRENCY_RE, msg("currency"), msg("use an ISO 4217 code such as CNY")), _json(CURRENCY_RE)] = "CNY"
    locale: LocaleName = "zh_CN"
    checkout_url: str = "http://127.0.0.1:8787"
    shop_url: str = "http://127.0.0.1:8000/{shop}/"
    attribution_days: int = Field(default=30, ge=1, le=365)
    refund_days: int = Field(default=14, ge=0, le=365)
    payment: PaymentIn = PaymentIn()
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


PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{3,30}$")  # as the checkout takes a customer's


def _phone_text(value: Any) -> Any:
    """A number as she wrote it: unquoted digits are a number to YAML (``+86…``, ``138…``), and
    a phone or QQ number is text that happens to be digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return getattr(value, "text", None) or str(value)
    return value


def _check_phone(value: Any) -> Any:
    value = _phone_text(value)
    if isinstance(value, str) and not PHONE_RE.fullmatch(value.strip()):
        raise refused("phone_pattern", msg('\'{value}\' is not a phone number: write it like "138 0000 0000" or "+86 138 0000 0000"', value=value))
    return value


Phone = Annotated[str, BeforeValidator(_check_phone)]


def one_or_many(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


_PHONE_SCHEMA: dict[str, Any] = {"type": ["string", "integer"]}
Phones = Annotated[
    list[Phone],
    BeforeValidator(one_or_many),
    WithJsonSchema({"anyOf": [_PHONE_SCHEMA, {"type": "array", "items": _PHONE_SCHEMA}]}),
]


Handle = Annotated[str, BeforeValidator(_phone_text), WithJsonSchema({"type": ["string", "integer"]})]


class PrivateIn(Strict):
    phone: Phones = []


class ShopIn(Strict):
    title: str
    owner: str
    bio: str = ""
    avatar: str | None = None
    theme: str = "default"
    locale: LocaleName | None = None
    base_url: str | None = None
    contact: dict[str, Handle] = {}
    private: PrivateIn = PrivateIn()
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
