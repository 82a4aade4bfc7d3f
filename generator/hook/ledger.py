"""Owners' commission: an append-only ledger, and what it says at a given moment.

Each order line accrues its commission at order time with the rate then in force (the
product's, else its category's). A refund reverses that line's share (a partial refund the
refunded quantity's share), a cancellation reverses whatever is left; corrections are new
entries, never edits. An owner's own purchase earns nothing: it accrues 0.00 with reason
``own_purchase``. The functions here are pure: the clock is passed in.

Phone numbers are compared as numbers, not as text: ``+86 138 0000 0000``, ``013800000000`` and
``138-0000-0000`` are one number in China. Both sides are parsed by ``phonenumbers`` with the
region of the platform's locale (``zh_CN`` → CN) and compared in E.164; a number it cannot parse
is compared by its digits.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import phonenumbers
from babel.core import Locale, UnknownLocaleError, get_global

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Entry:
    order_id: str
    shop: str
    line: int
    kind: str  # accrual | reversal
    amount: Decimal  # positive; a reversal subtracts it
    reason: str
    source: str  # "order" or the fulfilment event's webhook-id


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


@functools.lru_cache(maxsize=64)  # asked for the platform's locale at every order
def region(locale: str) -> str | None:
    """The country a locale's national numbers belong to: its territory, else the one its
    language is most likely written in (``zh`` → CN); None when the locale is unknown."""
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if parsed.territory:
        return str(parsed.territory)
    likely = get_global("likely_subtags").get(parsed.language, "")
    territory = likely.split("_")[-1] if likely else ""
    return territory if territory.isalpha() and territory.isupper() and len(territory) == 2 else None


@functools.lru_cache(maxsize=4096)  # the owners' numbers come back at every order of their shops
def phone_key(phone: str, region: str | None) -> str:
    """The number in E.164 (``+8613800000000``), or, when it cannot be parsed as a phone number
    of ``region`` (or as an international one), its digits; "" when it has none."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return digits(phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def own_purchase(order: dict[str, Any], owner_phones: tuple[str, ...], region: str | None = None) -> bool:
    """The owner is recognised by her phone number: ``private.phone`` in her shop.yaml (never
    published), or a ``contact.phone`` she chose to publish, however either side spells it."""
    phone = phone_key(str(order.get("customer", {}).get("phone", "")), region)
    return bool(phone) and phone in {k for p in owner_phones if (k := phone_key(p, region))}


def accruals(order: dict[str, Any], owner_phones: tuple[str, ...], region: str | None = None) -> list[Entry]:
    own = own_purchase(order, owner_phones, region)
    out = []
    for index, line in enumerate(order["lines"]):
        amount = Decimal("0.00") if own else (Decimal(line["line_total"]) * Decimal(line["commission_rate"])).quantize(CENT, ROUND_HALF_UP)
        out.append(Entry(order["order_id"], order["shop"], index, "accrual", amount, "own_purchase" if own else "order", "order"))
    return out


def remaining(entries: list[Entry], line: int) -> Decimal:
    accrued = sum((e.amount for e in entries if e.line == line and e.kind == "accrual"), Decimal("0.00"))
    reversed_ = sum((e.amount for e in entries if e.line == line and e.kind == "reversal"), Decimal("0.00"))
    return accrued - reversed_


def reversals(order: dict[str, Any], entries: list[Entry], event: dict[str, Any], source: str) -> list[Entry]:
    """The entries a refund or cancellation adds, given the order's ledger so far."""
    kind = event["type"]
    out: list[Entry] = []
    if kind == "order.cancelled":
        for index in range(len(order["lines"])):
            left = remaining(entries, index)
            if left > 0:
                out.append(Entry(order["order_id"], order["shop"], index, "reversal", left, "cancelled", source))
        return out
    if kind != "order.refunded":
        return out
    lines = event.get("data", {}).get("lines")
    targets = [(i, line["qty"]) for i, line in enumerate(order["lines"])] if not lines else [(int(r["line"]), int(r["qty"])) for r in lines]
    for index, qty in targets:
        if not 0 <= index < len(order["lines"]):
            continue
        line = order["lines"][index]
        accrued = sum((e.amount for e in entries if e.line == index and e.kind == "accrual"), Decimal("0.00"))
        share = (accrued * Decimal(min(qty, line["qty"])) / Decimal(line["qty"])).quantize(CENT, ROUND_HALF_UP)
        amount = min(share, remaining(entries + out, index))
        if amount > 0:
            out.append(Entry(order["order_id"], order["shop"], index, "reversal", amount, "refunded", source))
    return out


@dataclass
class Standing:
    pending: Decimal
    locked: Decimal
    reversed: Decimal

    @property
    def payable(self) -> Decimal:
        return self.locked


def standing(entries: list[Entry], lock_from: dt.datetime | None, refund_days: int, now: dt.datetime) -> Standing:
    """An order's commission at ``now``: locked once ``refund_days`` have passed since it was
    shipped (or paid, when no shipment event came) without its commission being reversed."""
    accrued = sum((e.amount for e in entries if e.kind == "accrual"), Decimal("0.00"))
    reversed_ = sum((e.amount for e in entries if e.kind == "reversal"), Decimal("0.00"))
    net = accrued - reversed_
    locked = lock_from is not None and now >= lock_from + dt.timedelta(days=refund_days)
    return Standing(Decimal("0.00") if locked else net, net if locked else Decimal("0.00"), reversed_)
