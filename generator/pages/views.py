"""View dictionaries: the documented, stable shape templates receive (docs/themes.md).

Every ``path`` in a view is relative to the shop's root; templates prefix it with ``root``,
which is the relative way back to the shop root from the page being rendered ("", "../",
"../../"), so a shop works at a domain root and under any sub-path. Absolute URLs
(``url`` keys) come from the shop's base URL. Views are pure: no files, no clock.
"""

from __future__ import annotations

import json
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from babel.dates import format_date
from markupsafe import Markup, escape

from ..content.model import Collection, Pick, Platform, Post, Product, Shop
from . import headers, markup
from .i18n import contact_label, html_lang, words
from .money import as_text, format_money
from .products import Products
from .tags import Tag, tag_links, tag_path

View = dict[str, Any]

CATALOG_MEDIA = "media/catalog/"
OWNER_MEDIA = "media/owner/"
DESCRIPTION_MEDIA = "../../" + CATALOG_MEDIA  # descriptions show on product pages, two folders down
ITEMS = "items"  # products.json's pieces of a product, in the shared product cache: (ITEMS, sku)


def product_path(sku: str) -> str:
    return f"p/{sku}/"


def collection_path(cid: str) -> str:
    return f"c/{cid}/"


def post_path(slug: str) -> str:
    return f"posts/{slug}/"


def depth_root(path: str) -> str:
    """The relative way back to the shop root from a page at ``path`` (``p/X/`` → ``../../``)."""
    return "../" * path.count("/")


def image_path(ref: str) -> str | None:
    if ref.startswith("https://"):
        return None
    return CATALOG_MEDIA + ref


class ShopViews:
    """Builds the views of one shop; product facts are computed once per product and shared."""

    def __init__(self, shop: Shop, platform: Platform, products: Products) -> None:
        self.shop = shop
        self.platform = platform
        self.locale = shop.locale
        self.currency = platform.currency
        self.t = words(shop.locale)
        self._products = products
        self._site_cache: dict[str, View] = {}
        self._offers: dict[str, View] = {}

    # pieces -------------------------------------------------------------------

    def product_facts(self, product: Product) -> View:
        """The catalog's facts about one product in one locale; shared by every shop in that locale."""
        key = (product.sku, self.locale)
        cached = self._products.facts.get(key)
        if cached is None:
            cached = self._products.facts[key] = product_facts(product, self.locale, self.currency)
        return cached

    def offer(self, pick: Pick) -> View:
        """A product as this shop offers it: catalog facts plus the owner's words (made once
        per shop: the home page, a collection and the product's page show the same offer)."""
        offer = self._offers.get(pick.product.sku)
        if offer is None:
            offer = self._offers[pick.product.sku] = self._offer(pick)
        return offer

    def _offer(self, pick: Pick) -> View:
        return {
            **self.product_facts(pick.product),
            "note_html": markup.render(pick.note, "../../" + OWNER_MEDIA) if pick.note else "",
            "note_text": markup.plain(pick.note, 90, media_prefix="../../" + OWNER_MEDIA) if pick.note else "",
            "featured": pick.featured,
            "url": self.shop.base_url + product_path(pick.product.sku),
        }

    def collection(self, c: Collection) -> View:
        return {
            "id": c.id,
            "title": c.title,
            "description_html": markup.render(c.description, "../../" + OWNER_MEDIA),
            "picks": [self.offer(p) for p in c.picks],
            "path": collection_path(c.id),
            "url": self.shop.base_url + collection_path(c.id),
        }

    def tag(self, tag: Tag) -> View:
        path = tag_path(tag.slug)
        return {
            "slug": tag.slug,
            "title": tag.title,
            "picks": [self.offer(p) for p in tag.picks],
            "path": path,
            "url": self.shop.base_url + path,
        }

    def post_summary(self, post: Post) -> View:
        return {
            "slug": post.slug,
            "title": post.title,
            "date": post.date.isoformat(),
            "date_display": format_date(post.date, "long", locale=self.locale),
            "summary": post.summary or markup.plain(post.body, media_prefix="../../" + OWNER_MEDIA),
            "tags": list(post.tags),
            "path": post_path(post.slug),
            "url": self.shop.base_url + post_path(post.slug),
        }

    def post_summaries(self) -> list[View]:
        return [self.post_summary(p) for p in self.shop.posts]

    def site(self, root: str, assets: dict[str, str]) -> View:
        """The shop-wide view; the same for every page at one depth, so it is built once per depth."""
        cached = self._site_cache.get(root)
        if cached is None:
            cached = self._site_cache[root] = self._site(root)
        return cached

    def _site(self, root: str) -> View:
        shop = self.shop
        return {
            "id": shop.id,
            "title": shop.title,
            "owner": shop.owner,
            "bio_html": markup.render(shop.bio, root + OWNER_MEDIA),
            "bio_text": markup.plain(shop.bio, media_prefix=OWNER_MEDIA),
            "avatar": OWNER_MEDIA + shop.avatar if shop.avatar else None,
            "contact": [{"kind": k, "label": contact_label(k, shop.locale), "value": v} for k, v in shop.contact],
            "locale": shop.locale,
            "lang": html_lang(shop.locale),
            "currency": self.currency,
            "base_url": shop.base_url,
            "checkout_url": self.platform.checkout_url,
            "checkout_origin": origin(self.platform.checkout_url),
            # printed in a double-quoted attribute: the policy's own quotes are apostrophes and
            # its one variable part is escaped, so it goes into the page as written
            "csp": Markup(headers.page_policy(escape(origin(self.platform.checkout_url)))),
            "attribution_days": self.platform.attribution_days,
            "platform": self.platform.name,
            "collections": [{"id": c.id, "title": c.title, "path": collection_path(c.id)} for c in shop.collections],
            "has_posts": bool(shop.posts),
        }

    def page(self, path: str, kind: str, title: str, description: str, assets: dict[str, str], **extra: Any) -> View:
        """The full view of one page: ``site``, ``page``, ``t``, ``root``, ``assets`` plus page data."""
        root = depth_root(path) if kind != "404" else self.shop_path_root()
        return {
            "root": root,
            "assets": {name: root + fp for name, fp in assets.items()},
            "site": self.site(root, assets),
            "page": {
                "kind": kind,
                "path": path,
                "title": title,
                "description": description,
                "canonical": self.shop.base_url + path,
            },
            "t": self.t,
            **extra,
        }

    def shop_path_root(self) -> str:
        """404.html is served at any depth, so its links start from the base URL's path."""
        rest = self.shop.base_url.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"

    # JSON-LD and data files ---------------------------------------------------------

    def product_jsonld(self, offer: View) -> View:
        """schema.org Product data; the theme prints it with ``tojson`` (HTML-safe JSON)."""
        availability = "https://schema.org/SoldOut" if offer["sold_out"] else "https://schema.org/InStock"
        data = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": offer["title"],
            "sku": offer["sku"],
            "description": offer["description_text"],
            "brand": {"@type": "Brand", "name": offer["brand"]} if offer["brand"] else None,
            "image": [self.shop.base_url + p for p in offer["images"]] + offer["remote_images"],
            "offers": {
                "@type": "Offer",
                "url": offer["url"],
                "price": offer["price"],
                "priceCurrency": self.currency,
                "availability": availability,
            },
        }
        return {k: v for k, v in data.items() if v is not None}

    def products_json(self) -> bytes:
        """``/products.json``: every purchasable item with absolute url, id and price (the shape third-party cart validators read).

        Compact JSON with sorted keys (json's C encoder only runs without indent). Each
        product's items are encoded once per process as the text before and after the shop's
        URL, so a shop's file is joined from pieces: exactly the bytes ``json.dumps`` gives."""
        items: list[str] = []
        known = self._products.items
        base = self.shop.base_url
        for pick in self.shop.picks:
            sku = pick.product.sku
            pieces = known.get(sku)  # made once, by the builder, for every product shops show
            if pieces is None:
                pieces = known[sku] = item_pieces(pick.product)
            if pieces:
                url = encode_basestring(f"{base}p/{sku}/")  # product_path; what json.dumps gives a str
                items.extend(before + url + after for before, after in pieces)
        return f'{{"currency":{_json(self.currency)},"items":[{",".join(items)}],"shop":{_json(self.shop.id)}}}\n'.encode()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def item_pieces(product: Product) -> list[tuple[str, str]]:
    """The JSON of each purchasable item of ``product`` as the text before and after its shop
    URL (the keys are sorted: ``url`` comes last but for ``variant``)."""
    if product.sold_out:
        return []
    if product.variants:
        items = [
            item(f"{product.sku}:{v.id}", product, v.id, f"{product.title} · {v.title}", v.price, "", product.max_quantity(v.stock))
            for v in product.variants
            if not v.sold_out
        ]
    else:
        items = [item(product.sku, product, None, product.title, product.price, "", product.max_quantity())]
    pieces = []
    for i in items:
        url, variant = i.pop("url"), i.pop("variant")
        assert not url and max(i) < "url"
        pieces.append((_json(i)[:-1] + ',"url":', f',"variant":{_json(variant)}}}'))
    return pieces


def product_facts(product: Product, locale: str, currency: str) -> View:
    """The catalog's facts about one product as shops in ``locale`` show them (pure: the same
    product, locale and currency give the same view, so it may be kept between builds)."""
    images = [p for p in (image_path(ref) for ref in product.images) if p]
    remote = [ref for ref in product.images if ref.startswith("https://")]
    list_price = product.list_price
    return {
        "sku": product.sku,
        "title": product.title,
        "brand": product.brand,
        "category": {"id": product.category.id, "title": product.category.title},
        "price": as_text(product.price),
        "price_display": format_money(product.price, currency, locale),
        "list_price_display": format_money(list_price, currency, locale) if list_price is not None and list_price > product.price else None,
        "status": product.status,
        "sold_out": product.sold_out,
        "stock": product.stock,
        "max_per_order": product.max_per_order,
        "max_quantity": product.max_quantity(),
        "images": images,
        "remote_images": remote,
        "description_html": markup.render(product.description, DESCRIPTION_MEDIA),
        "description_text": markup.plain(product.description, media_prefix=DESCRIPTION_MEDIA),
        "tags": list(product.tags),
        "tag_links": tag_links(product.tags),
        "variants": [
            {
                "id": v.id,
                "title": v.title,
                "price": as_text(v.price),
                "price_display": format_money(v.price, currency, locale),
                "sold_out": v.sold_out or product.sold_out,
                "max_quantity": product.max_quantity(v.stock),
            }
            for v in product.variants
        ],
        "path": product_path(product.sku),
    }


def item(item_id: str, product: Product, variant: str | None, name: str, price: Decimal, url: str, max_qty: int) -> View:
    return {
        "id": item_id,
        "sku": product.sku,
        "variant": variant,
        "name": name,
        "price": as_text(price),
        "url": url,
        "max_quantity": max_qty,
    }


def origin(url: str) -> str:
    """``http://127.0.0.1:8787/x`` → ``http://127.0.0.1:8787`` (for CSP connect-src)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
