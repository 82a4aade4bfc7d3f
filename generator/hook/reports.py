"""Owners' reports: earnings per shop and performance per share link. Never a customer's name,
phone, address or email: these reports are for owners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..pages.money import as_text
from . import ledger
from .store import LinkClicks, ReportRow, Store

Titles = Callable[[str, str], str | None]
"""(shop, link code) → the title of the product the code opens, if the shop still has it."""

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
    return earnings_of(storage.report_rows(shop), since=since, until=until, refund_days=refund_days, now=now)


def earnings_of(rows: list[ReportRow], *, since: dt.date | None, until: dt.date | None, refund_days: int, now: dt.datetime) -> list[Earnings]:
    table: dict[str, Earnings] = {}
    for order, entries, events in rows:
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
    product: str = ""  # the title of the product the link opens, when the shop still has that link

    def row(self) -> dict[str, Any]:
        conversion = f"{self.orders / self.clicks:.1%}" if self.clicks else "—"
        return {
            "shop": self.shop,
            "lid": self.lid,
            "product": self.product,
            "channel": self.channel or "",
            "campaign": self.campaign or "",
            "clicks": self.clicks,
            "orders": self.orders,
            "conversion": conversion,
            "revenue": as_text(self.revenue),
        }


def links(storage: Store, *, shop: str | None, titles: Titles | None = None) -> list[LinkStats]:
    return link_stats(storage.report_rows(shop), storage.clicks_by_lid(shop), titles)


def link_stats(rows: list[ReportRow], clicks: list[LinkClicks], titles: Titles | None = None) -> list[LinkStats]:
    """Per link code: its clicks, and the orders (not cancelled) that came through it.
    ``titles(shop, lid)`` names the product a code opens."""
    table: dict[tuple[str, str], LinkStats] = {}
    for shop_id, lid, channel, campaign, count in clicks:
        table[(shop_id, lid)] = LinkStats(shop_id, lid, channel, campaign, clicks=count)
    for order, _entries, events in rows:
        attribution = order.get("attribution") or {}
        code = attribution.get("lid")
        if not isinstance(code, str) or any(k == "order.cancelled" for k, _ in events):
            continue
        stats = table.setdefault((order["shop"], code), LinkStats(order["shop"], code, attribution.get("channel"), attribution.get("campaign")))
        stats.orders += 1
        stats.revenue += Decimal(order["total"])
    if titles is not None:
        for (shop_id, lid), stats in table.items():
            stats.product = titles(shop_id, lid) or ""
    return [table[k] for k in sorted(table)]


def cancelled(events: list[tuple[str, str]]) -> bool:
    return any(k == "order.cancelled" for k, _ in events)


def net_by_line(entries: list[ledger.Entry]) -> dict[int, Decimal]:
    """Each order line's commission after its reversals."""
    out: dict[int, Decimal] = {}
    for e in entries:
        out[e.line] = out.get(e.line, ZERO) + (e.amount if e.kind == "accrual" else -e.amount)
    return out


@dataclass
class ProductStats:
    shop: str
    sku: str
    title: str
    visits: int = 0  # clicks on the share links that open this product
    orders: int = 0  # orders (not cancelled) with a line of it
    commission: Decimal = ZERO  # its lines' commission after reversals

    def row(self) -> dict[str, Any]:
        return {
            "shop": self.shop,
            "sku": self.sku,
            "title": self.title,
            "visits": self.visits,
            "orders": self.orders,
            "commission": as_text(self.commission),
        }


def product_stats(
    rows: list[ReportRow],
    clicks: list[LinkClicks],
    *,
    sku_of: Callable[[str, str], str | None],
    title_of: Callable[[str, str], str | None],
    picks: Iterable[tuple[str, str]] = (),
) -> list[ProductStats]:
    """Per (shop, product): visits through its links (``sku_of(shop, lid)``), orders and
    commission. ``picks`` are listed even without a visit; ``title_of(shop, sku)`` names each,
    else the title the order line was sold under, else the SKU."""
    table: dict[tuple[str, str], ProductStats] = {}

    def stats(shop: str, sku: str, sold_as: str | None = None) -> ProductStats:
        found = table.get((shop, sku))
        if found is None:
            found = table[(shop, sku)] = ProductStats(shop, sku, title_of(shop, sku) or sold_as or sku)
        return found

    for shop, sku in picks:
        stats(shop, sku)
    for shop, lid, _channel, _campaign, count in clicks:
        opens = sku_of(shop, lid)
        if opens is not None:
            stats(shop, opens).visits += count
    for order, entries, events in rows:
        nets = net_by_line(entries)
        seen: set[str] = set()
        for index, line in enumerate(order["lines"]):
            s = stats(order["shop"], line["sku"], line.get("title"))
            s.commission += nets.get(index, ZERO)
            if line["sku"] not in seen and not cancelled(events):
                seen.add(line["sku"])
                s.orders += 1
    return [table[k] for k in sorted(table, key=lambda k: (k[0], -table[k].commission, -table[k].orders, -table[k].visits, k[1]))]


def daily(rows: list[ReportRow], *, first: dt.date, days: int, tz: dt.tzinfo) -> list[tuple[dt.date, int, Decimal]]:
    """(day, orders, commission) for ``days`` days from ``first``, in the owner's time zone: an
    order counts on the day it was placed, its commission after any later reversal."""
    table = {first + dt.timedelta(days=i): (0, ZERO) for i in range(days)}
    for order, entries, events in rows:
        placed = _when(order["created_at"])
        if placed is None:
            continue
        day = placed.astimezone(tz).date()
        if day not in table:
            continue
        count, amount = table[day]
        table[day] = (count + (0 if cancelled(events) else 1), amount + sum(net_by_line(entries).values(), ZERO))
    return [(day, *table[day]) for day in sorted(table)]
