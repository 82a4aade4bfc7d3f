"""What the owner's own page shows (ownerpage.py serves it): her commission pending, confirmed
and paid, the last 30 days as a bar chart drawn here as SVG, each product and each share link;
and the words and templates it is written with, in her shop's language.

Only figures, titles, link channels and campaigns reach the view: never a customer's name,
phone, address or email, which the stored orders hold and this page has no use for.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.core import get_global
from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal

from ..catalogs import Words, translations
from ..content.model import Project, Shop
from ..pages.links import shop_codes
from ..pages.money import format_money
from . import reports
from .store import LinkClicks, ReportRow

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates" / "owner"
DAYS = 30
ZERO = Decimal("0.00")
# A country with several zones whose people mostly keep one clock; elsewhere the territory's
# only zone, else UTC (SHOPFOREST_TIMEZONE overrides: docs/earnings.md).
MAIN_ZONE = {"CN": "Asia/Shanghai", "RU": "Europe/Moscow", "BR": "America/Sao_Paulo", "AU": "Australia/Sydney"}


@dataclass(frozen=True)
class Figures:
    """The owner's numbers at one moment, before any formatting."""

    pending: Decimal  # within the refund window: may still be reversed
    confirmed: Decimal  # locked and not yet paid to her
    paid: Decimal  # paid to her by the platform
    orders: int
    days: list[tuple[dt.date, int, Decimal]]
    products: list[reports.ProductStats]
    links: list[reports.LinkStats]


def figures(
    shop: Shop,
    project: Project,
    rows: list[ReportRow],
    clicks: list[LinkClicks],
    paid: Decimal,
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> Figures:
    codes = shop_codes(shop)
    titles = {sku: p.title for sku, p in project.products.items()}

    def sku_of(_shop: str, lid: str) -> str | None:
        parts = codes.get(lid)
        return parts[0] if parts else None

    def link_title(_shop: str, lid: str) -> str | None:
        sku = sku_of(_shop, lid)
        return titles.get(sku) if sku else None

    totals = reports.earnings_of(rows, since=None, until=None, refund_days=project.platform.refund_days, now=now)
    pending = sum((e.pending for e in totals), ZERO)
    locked = sum((e.locked for e in totals), ZERO)
    today = now.astimezone(tz).date()
    products = reports.product_stats(
        rows, clicks, sku_of=sku_of, title_of=lambda _s, sku: titles.get(sku), picks=[(shop.id, p.product.sku) for p in shop.picks]
    )
    links = [s for s in reports.link_stats(rows, clicks, link_title) if s.clicks or s.orders]
    links.sort(key=lambda s: (-s.clicks, -s.orders, s.channel or "", s.campaign or "", s.lid))
    return Figures(
        pending=pending,
        confirmed=max(locked - paid, ZERO),
        paid=paid,
        orders=sum(e.orders for e in totals),
        days=reports.daily(rows, first=today - dt.timedelta(days=DAYS - 1), days=DAYS, tz=tz),
        products=products,
        links=links,
    )


def owner_zone(locale: str) -> dt.tzinfo:
    """The clock her days are counted in: SHOPFOREST_TIMEZONE, else her locale's country's."""
    name = os.environ.get("SHOPFOREST_TIMEZONE")
    if not name:
        territory = Locale.parse(locale).territory or ""
        zones = get_global("territory_zones").get(territory, [])
        name = MAIN_ZONE.get(territory) or (zones[0] if len(zones) == 1 else "UTC")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


# -- words ---------------------------------------------------------------------------


def words(locale: str) -> Words:
    return translations("owner", locale)


@lru_cache(maxsize=8)
def environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(words(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


STYLE = (TEMPLATES / "owner.css").read_text(encoding="utf-8")
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def render(template: str, locale: str, **view: Any) -> str:
    lang = Locale.parse(locale)
    return environment(locale).get_template(template).render(style=STYLE, lang=f"{lang.language}-{lang.territory or ''}".rstrip("-"), **view)


# -- the view ------------------------------------------------------------------------

CHART_W, CHART_H, TOP, BOTTOM = 330, 150, 18, 22  # viewBox units; text is 11 of them


def chart(days: list[tuple[dt.date, int, Decimal]], currency: str, locale: str) -> dict[str, Any]:
    """Bars of each day's commission, scaled to the best day, with three day labels under them."""
    _ = words(locale).gettext
    best = max((amount for *_day, amount in days), default=ZERO)
    slot = CHART_W / max(len(days), 1)
    plot = CHART_H - TOP - BOTTOM
    bars = []
    for index, (day, orders, amount) in enumerate(days):
        height = 0.0 if best <= 0 or amount <= 0 else max(1.5, float(amount / best) * plot)
        bars.append(
            {
                "x": round(index * slot + slot * 0.15, 2),
                "y": round(TOP + plot - height, 2),
                "width": round(slot * 0.7, 2),
                "height": round(height, 2),
                "label": _("%(day)s: %(amount)s from %(orders)s orders")
                % {"day": format_skeleton("MMMd", day, locale=locale), "amount": format_money(amount, currency, locale), "orders": orders},
            }
        )
    marks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    last = len(days) - 1
    labels = [  # the first day flush left, the last flush right, the middle one under its bar
        {
            "x": 0 if i == 0 else CHART_W if i == last else round(i * slot + slot / 2, 2),
            "text": format_skeleton("MMMd", days[i][0], locale=locale),
            "anchor": "start" if i == 0 else "end" if i == last else "middle",
        }
        for i in marks
    ]
    return {
        "width": CHART_W,
        "height": CHART_H,
        "baseline": TOP + plot,
        "bars": bars,
        "labels": labels,
        "label_y": CHART_H - 6,
        "top": format_money(best, currency, locale),
        "top_y": TOP - 6,
    }


def view(shop: Shop, f: Figures, *, currency: str, now: dt.datetime, tz: dt.tzinfo) -> dict[str, Any]:
    locale = shop.locale
    _ = words(locale).gettext

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, locale)

    def count(n: int) -> str:
        return format_decimal(n, locale=locale)

    channels = {"wechat": _("WeChat chats"), "moments": _("WeChat Moments"), "link": _("Plain link")}
    month_total = sum((amount for _day, _orders, amount in f.days), ZERO)
    month_orders = sum(n for _day, n, _amount in f.days)
    best = max(f.days, key=lambda d: (d[2], d[0])) if f.days else None
    return {
        "shop": {"id": shop.id, "title": shop.title, "owner": shop.owner},
        "updated": format_datetime(now.astimezone(tz), "medium", tzinfo=tz, locale=locale),
        "pending": money(f.pending),
        "confirmed": money(f.confirmed),
        "paid": money(f.paid),
        "orders": count(f.orders),
        "month_total": money(month_total),
        "month_orders": count(month_orders),
        "best_day": format_skeleton("MMMd", best[0], locale=locale) if best and best[2] > 0 else None,
        "best_amount": money(best[2]) if best else money(ZERO),
        "chart": chart(f.days, currency, locale),
        "days": [
            {"date": format_skeleton("yMMMd", day, locale=locale), "orders": count(n), "commission": money(amount)}
            for day, n, amount in reversed(f.days)
        ],
        "products": [{"title": p.title, "visits": count(p.visits), "orders": count(p.orders), "commission": money(p.commission)} for p in f.products],
        "links": [
            {
                "channel": channels.get(s.channel or "", s.channel or _("Unknown")),
                "campaign": s.campaign or "",
                "product": s.product or _("A link no longer in your shop"),
                "visits": count(s.clicks),
                "orders": count(s.orders),
            }
            for s in f.links
        ],
    }
