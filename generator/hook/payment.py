"""What happens after an order: how it is paid (catalog.yaml ``platform.payment``) and the signed
payment link the hook makes when the platform takes payment by link.

A link is the platform's URL template with the order's fields filled in, each URL-encoded, and a
signature the payment page checks before it charges: HMAC-SHA256, keyed with
``SHOPFOREST_PAYMENT_SECRET``, over ``order_id.amount.currency.expires`` (the amount as decimal
text, the currency's ISO code, the expiry in Unix seconds). A link whose amount, order or expiry
was edited no longer verifies, and a link past its expiry is refused: the same promises as a
Stripe Checkout Session's URL (one amount, one order, ``expires_at`` 24 hours by default).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from babel.numbers import get_currency_precision

from ..content.model import Payment
from ..pages.money import as_text

METHODS = ("link", "cod", "contact")


def signed_text(order_id: str, amount: Decimal, currency: str, expires: int) -> bytes:
    return f"{order_id}.{as_text(amount)}.{currency}.{expires}".encode()


def signature(secret: str, order_id: str, amount: Decimal, currency: str, expires: int) -> str:
    """The hex HMAC-SHA256 a payment page recomputes to trust the link's fields."""
    return hmac.new(secret.encode(), signed_text(order_id, amount, currency, expires), hashlib.sha256).hexdigest()


def verify(secret: str, order_id: str, amount: str, currency: str, expires: str, sig: str, *, now: float) -> bool:
    """Whether a payment link's fields are the ones the hook signed and it has not expired (what a
    payment page does with them; the tests use it too)."""
    try:
        expiry = int(expires)
        value = Decimal(amount)
    except (ValueError, ArithmeticError):
        return False
    expected = signature(secret, order_id, value, currency, expiry)
    return hmac.compare_digest(expected, sig) and now < expiry


def minor_units(amount: Decimal, currency: str) -> int:
    """The amount in the currency's smallest unit (fen, cents), as Stripe's ``unit_amount``."""
    return int(amount.scaleb(get_currency_precision(currency)).to_integral_value())


def link(template: str, secret: str, order_id: str, amount: Decimal, currency: str, expires: int) -> str:
    fields = {
        "order_id": order_id,
        "amount": as_text(amount),
        "amount_minor": str(minor_units(amount, currency)),
        "currency": currency,
        "expires": str(expires),
        "signature": signature(secret, order_id, amount, currency, expires),
    }
    out = template
    for name, value in fields.items():
        out = out.replace("{" + name + "}", quote(value, safe=""))
    return out


def next_step(payment: Payment, secret: str | None, order_id: str, amount: Decimal, currency: str, created: dt.datetime) -> dict[str, Any]:
    """The ``payment`` of a new order: ``{"method": "link", "url", "expires_at"}``, or ``{"method":
    "cod"}`` or ``{"method": "contact"}``. With no secret to sign links, the platform contacts the
    customer instead (an unsigned link would be refused by the payment page)."""
    if payment.method == "link" and payment.link and secret:
        expires = int(created.timestamp()) + payment.link_hours * 3600
        return {
            "method": "link",
            "url": link(payment.link, secret, order_id, amount, currency, expires),
            "expires_at": dt.datetime.fromtimestamp(expires, tz=dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
    if payment.method == "cod":
        return {"method": "cod"}
    return {"method": "contact"}


# The state a customer sees, from the fulfilment events applied to the order (last one wins,
# except that a cancellation or refund is final).
FINAL = ("order.cancelled", "order.refunded")
STATUS = {"order.paid": "paid", "order.shipped": "shipped", "order.refunded": "refunded", "order.cancelled": "cancelled"}


def status(event_types: list[str]) -> str:
    for final in FINAL:
        if final in event_types:
            return STATUS[final]
    for kind in reversed(event_types):
        if kind in STATUS:
            return STATUS[kind]
    return "placed"
