"""The words of the hook's refusals in the shop's language: a customer reads them in the cart.

The ``error`` code and each field's ``code`` stay the same in every language (programs read
those); ``message`` is the shop's language, English where it has no words here.
"""

from __future__ import annotations

from typing import Any

from babel import Locale

from .errors import OrderError

_FIELD = {
    "zh": {
        "required": "请填写这一项。",
        "too_short": "太短了，至少要 {min} 个字。",
        "too_long": "太长了，最多 {max} 个字。",
        "invalid_format": "格式不对。",
        "phone_format": "请填写手机号，只用数字、空格、括号和短横线，例如 13800000000。",
        "email_format": "邮箱格式不对，例如 name@example.com。",
        "forbidden_character": "含有不能用的控制字符或文字方向控制符，请删掉后再提交。",
        "invalid": "这一项填得不对。",
        "unknown_field": "订单里不能有这一项。",
    },
    "en": {
        "required": "Please fill this in.",
        "too_short": "Too short: at least {min} characters.",
        "too_long": "Too long: at most {max} characters.",
        "invalid_format": "This is not in the expected format.",
        "phone_format": "Enter a phone number using digits, spaces, brackets and dashes, e.g. +1 (555) 010-0000.",
        "email_format": "Enter an email address such as name@example.com.",
        "forbidden_character": "Contains control or text-direction characters; please remove them.",
        "invalid": "This field is not valid.",
        "unknown_field": "An order has no such field.",
    },
}

_ORDER = {
    "zh": {
        "invalid_request": "请检查标出的信息。",
        "unknown_shop": "找不到这家小店。",
        "too_many_lines": "一个订单最多 50 种商品。",
        "unknown_product": "有一件商品已经不在了，请删除后再提交。",
        "product_not_in_shop": "这家小店不卖其中一件商品，请删除后再提交。",
        "unknown_variant": "有一件商品的规格不在了，请删除后重新选择。",
        "variant_required": "请为商品选择规格。",
        "product_unavailable": "有一件商品已经下架，请删除后再提交。",
        "sold_out": "有一件商品已经卖完了，请删除后再提交。",
        "quantity_out_of_range": "有一件商品的数量超出了每单限购。",
        "duplicate_line": "同一件商品出现了两次。",
        "rate_limited": "提交得太频繁了，请稍等一会儿再试。",
        "price_changed": "有商品价格变了，请确认最新价格后再提交。",
        "idempotency_key_reused": "这个订单已经变了，请重新提交。",
    },
    "en": {
        "invalid_request": "Please check the marked fields.",
        "unknown_shop": "This shop does not exist.",
        "too_many_lines": "An order holds at most 50 different items.",
        "unknown_product": "An item is no longer available; please remove it.",
        "product_not_in_shop": "This shop does not sell one of the items; please remove it.",
        "unknown_variant": "An item's option is no longer available; please remove it and choose again.",
        "variant_required": "Please choose an option for the item.",
        "product_unavailable": "An item is no longer sold; please remove it.",
        "sold_out": "An item is sold out; please remove it.",
        "quantity_out_of_range": "An item's quantity is more than one order may hold.",
        "duplicate_line": "The same item appears twice.",
        "rate_limited": "Too many attempts; please wait a moment and try again.",
        "price_changed": "A price has changed; please check the current prices and confirm again.",
        "idempotency_key_reused": "The order changed; please send it again.",
    },
}


def _language(locale: str) -> str:
    try:
        return Locale.parse(locale).language
    except (ValueError, TypeError):
        return "en"


def field_message(code: str, locale: str, **params: Any) -> str:
    words = _FIELD.get(_language(locale), _FIELD["en"])
    return words.get(code, words["invalid"]).format(**params)


def localize(exc: OrderError, locale: str) -> OrderError:
    """``exc`` with its message, and each field's, in the language of ``locale``."""
    words = _ORDER.get(_language(locale), _ORDER["en"])
    extra = dict(exc.extra)
    if isinstance(extra.get("fields"), list):
        extra["fields"] = [{**f, "message": field_message(f.get("code", "invalid"), locale, **(f.get("params") or {}))} for f in extra["fields"]]
    return OrderError(exc.status, exc.code, words.get(exc.code, exc.message), **extra)
