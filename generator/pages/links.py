"""Share links: a stable code per (shop, sku, channel,
campaign), its long and short URLs, and the per-shop table the /s/ page resolves codes with.

The code is the first 66 bits of SHA-256 over a versioned, unambiguous encoding of the four
parts, written as 11 base64url characters: the same inputs give the same code on any machine
and in any build. Within one shop of n links, the chance that any two share a code is about
n²/2⁶⁷: for a million links in one shop, 7·10⁻⁹ (docs/share-links.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from ..content.model import Shop
from .views import product_path

CODE_LENGTH = 11  # base64url characters: 66 bits


def link_code(shop: str, sku: str, channel: str, campaign: str | None) -> str:
    material = "\x1f".join(("shopforest-lid-v1", shop, sku, channel, campaign or "")).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(material).digest()).decode()[:CODE_LENGTH]


@dataclass(frozen=True)
class Link:
    sku: str
    title: str
    channel: str
    campaign: str | None
    code: str
    long: str
    short: str


def long_url(shop: Shop, sku: str, code: str, channel: str, campaign: str | None) -> str:
    query = {"lid": code, "utm_source": channel, "utm_medium": "share"}
    if campaign:
        query["utm_campaign"] = campaign
    return f"{shop.base_url}{product_path(sku)}?{urlencode(query)}"


def short_url(shop: Shop, code: str) -> str:
    return f"{shop.base_url}s/?c={code}"


def shop_links(shop: Shop, *, channels: tuple[str, ...] | None = None, campaigns: tuple[str | None, ...] | None = None) -> list[Link]:
    """Every published pick's link for each channel and campaign of the shop (or the ones asked for)."""
    chosen_channels = channels if channels is not None else shop.channels
    chosen_campaigns: tuple[str | None, ...] = campaigns if campaigns is not None else (shop.campaigns or (None,))
    out: list[Link] = []
    for pick in shop.picks:
        sku = pick.product.sku
        for channel in chosen_channels:
            for campaign in chosen_campaigns:
                code = link_code(shop.id, sku, channel, campaign)
                out.append(
                    Link(sku, pick.product.title, channel, campaign, code, long_url(shop, sku, code, channel, campaign), short_url(shop, code))
                )
    return out


def page_link(shop: Shop, sku: str) -> Link:
    """The link a product page offers its visitors: the shop's last channel (``link`` by default)."""
    channel = shop.channels[-1] if shop.channels else "link"
    code = link_code(shop.id, sku, channel, None)
    pick = shop.pick(sku)
    title = pick.product.title if pick else sku
    return Link(sku, title, channel, None, code, long_url(shop, sku, code, channel, None), short_url(shop, code))


def shop_codes(shop: Shop) -> dict[str, tuple[str, str, str | None]]:
    """code → (sku, channel, campaign) for every link of the shop: each pick on each of her
    channels and campaigns, and the one its product page offers. What /s/ resolves and what
    the hook takes clicks for."""
    campaigns: tuple[str | None, ...] = shop.campaigns or (None,)
    page_channel = shop.channels[-1] if shop.channels else "link"
    table: dict[str, tuple[str, str, str | None]] = {}
    for pick in shop.picks:
        sku = pick.product.sku
        for channel in shop.channels:
            for campaign in campaigns:
                table[link_code(shop.id, sku, channel, campaign)] = (sku, channel, campaign)
        table.setdefault(link_code(shop.id, sku, page_channel, None), (sku, page_channel, None))
    return table


def codes_json(shop: Shop) -> bytes:
    """``s/codes.json``: code → [sku, channel, campaign] for every link of the shop, one file per shop.

    Only codes: the URLs ``shop_links`` also makes are not needed here, and a build writes one
    table per shop."""
    return (json.dumps(shop_codes(shop), sort_keys=True, separators=(",", ":")) + "\n").encode()
