"""Money for people: Babel formats a Decimal for the shop's locale and currency."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    return Locale.parse(name)  # Babel's parse looks up locale files: slow, so once per name


@lru_cache(maxsize=16384)
def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """``¥89.00`` for zh_CN, ``CN¥89.00`` for en_US: always two places, never through a float."""
    return format_currency(amount, currency, locale=_locale(locale))


def as_text(amount: Decimal) -> str:
    """Money in JSON and data attributes is decimal text with two places (the hook's format too),
    or more for a currency that has more (KWD's 3): an amount is never rounded to be shown."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return str(amount)
    return str(amount.quantize(Decimal("0.01")))
