"""Owners' reports: earnings per shop and performance per share link. Never a customer's name,
phone, address or email: these reports are for owners."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..pages.money import as_text
from . import ledger
from .store import Store

ZERO = Decimal("0.00")


@dataclass
class Earnings:
    shop: str
    orders: int = 0
    revenue: Decimal = ZERO
    pending: Decimal = ZERO
    locked: Decimal = ZERO
    reversed: Decimal = ZERO

    @property
    def payable(self) -> Decimal:
        return self.locked

    def row(self) -> dict[str, str | int]:
        return {
            "shop": self.shop,
            "orders": self.orders,
            "revenue": as_text(self.revenue),
            "pending": as_text(self.pending),
            "locked": as_text(self.locked),
            "reversed": as_text(self.reversed),
            "payable": as_text(self.payable),
        }


def _when(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def lock_start(events: list[tuple[str, str]]) -> dt.datetime | None:
    """When the refund window opens: the shipment, else the payment."""
    for kind in ("order.shipped", "order.paid"):
        times = [t for k, ts in events if k == kind and (t := _when(ts)) is not None]
        if times:
            return min(times)
    return None


def earnings(storage: Store, *, shop: str | None, since: dt.date | None, until: dt.date | None, refund_days: int, now: dt.datetime) -> list[Earnings]:
    table: dict[str, Earnings] = {}
    for order, entries, events in storage.report_rows(shop):
        created = dt.date.fromisoformat(order["created_at"][:10])
        if (since and created < since) or (until and created > until):
            continue
        e = table.setdefault(order["shop"], Earnings(order["shop"]))
        cancelled = any(k == "order.cancelled" for k, _ in events)
        e.orders += 0 if cancelled else 1
        e.revenue += ZERO if cancelled else Decimal(order["total"])
        s = ledger.standing(entries, lock_start(events), refund_days, now)
        e.pending += s.pending
        e.locked += s.locked
        e.reversed += s.reversed
    return [table[k] for k in sorted(table)]


@dataclass
class LinkStats:
    shop: str
    lid: str
    channel: str | None
    campaign: str | None
    clicks: int = 0
    orders: int = 0
    revenue: Decimal = ZERO
    order_ids: set[str] = field(default_factory=set)

    def row(self) -> dict[str, Any]:
        conversion = f"{self.orders / self.clicks:.1%}" if self.clicks else "—"
        return {
            "shop": self.shop,
            "lid": self.lid,
            "channel": self.channel or "",
            "campaign": self.campaign or "",
            "clicks": self.clicks,
            "orders": self.orders,
            "conversion": conversion,
            "revenue": as_text(self.revenue),
        }


def links(storage: Store, *, shop: str | None) -> list[LinkStats]:
    table: dict[tuple[str, str], LinkStats] = {}
    for shop_id, lid, channel, campaign, count in storage.clicks_by_lid(shop):
        table[(shop_id, lid)] = LinkStats(shop_id, lid, channel, campaign, clicks=count)
    for order, _entries, events in storage.report_rows(shop):
        attribution = order.get("attribution") or {}
        code = attribution.get("lid")
        if not isinstance(code, str) or any(k == "order.cancelled" for k, _ in events):
            continue
        stats = table.setdefault((order["shop"], code), LinkStats(order["shop"], code, attribution.get("channel"), attribution.get("campaign")))
        stats.orders += 1
        stats.revenue += Decimal(order["total"])
    return [table[k] for k in sorted(table)]
