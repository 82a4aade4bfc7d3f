"""The words of the hook's refusals in the shop's language: a customer reads them in the cart.

The ``error`` code and each field's ``code`` stay the same in every language (programs read
those); ``message`` is in the shop's language, from the ``hook`` catalog
(generator/locale/<lang>/LC_MESSAGES/hook.po); English, the message ids, where it has none.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..catalogs import translations
from .errors import OrderError


@lru_cache(maxsize=16)
def _field_words(locale: str) -> dict[str, str]:
    """What each field ``code`` says, in ``locale``'s language."""
    _ = translations("hook", locale).gettext
    return {
        "required": _("Please fill this in."),
        "too_short": _("Too short: at least %(min)s characters."),
        "too_long": _("Too long: at most %(max)s characters."),
        "invalid_format": _("This is not in the expected format."),
        "phone_format": _("Enter a phone number using digits, spaces, brackets and dashes, e.g. +1 (555) 010-0000."),
        "email_format": _("Enter an email address such as name@example.com."),
        "forbidden_character": _("Contains control or text-direction characters; please remove them."),
        "invalid": _("This field is not valid."),
        "unknown_field": _("An order has no such field."),
    }


@lru_cache(maxsize=16)
def _order_words(locale: str) -> dict[str, str]:
    """What each refusal's ``error`` code says, in ``locale``'s language."""
    _ = translations("hook", locale).gettext
    return {
        "invalid_request": _("Please check the marked fields."),
        "unknown_shop": _("This shop does not exist."),
        "too_many_lines": _("An order holds at most 50 different items."),
        "unknown_product": _("An item is no longer available; please remove it."),
        "product_not_in_shop": _("This shop does not sell one of the items; please remove it."),
        "unknown_variant": _("An item's option is no longer available; please remove it and choose again."),
        "variant_required": _("Please choose an option for the item."),
        "product_unavailable": _("An item is no longer sold; please remove it."),
        "sold_out": _("An item is sold out; please remove it."),
        "quantity_out_of_range": _("An item's quantity is more than one order may hold."),
        "duplicate_line": _("The same item appears twice."),
        "rate_limited": _("Too many attempts; please wait a moment and try again."),
        "price_changed": _("A price has changed; please check the current prices and confirm again."),
        "idempotency_key_reused": _("The order changed; please send it again."),
    }


def field_message(code: str, locale: str, **params: Any) -> str:
    words = _field_words(locale)
    return words.get(code, words["invalid"]) % params


def localize(exc: OrderError, locale: str) -> OrderError:
    """``exc`` with its message, and each field's, in the language of ``locale``."""
    words = _order_words(locale)
    extra = dict(exc.extra)
    if isinstance(extra.get("fields"), list):
        extra["fields"] = [{**f, "message": field_message(f.get("code", "invalid"), locale, **(f.get("params") or {}))} for f in extra["fields"]]
    return OrderError(exc.status, exc.code, words.get(exc.code, exc.message), **extra)
