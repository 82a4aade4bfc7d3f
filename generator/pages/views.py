"""View dictionaries: the documented, stable shape templates receive (docs/themes.md).

Every ``path`` in a view is relative to the shop's root; templates prefix it with ``root``,
which is the relative way back to the shop root from the page being rendered ("", "../",
"../../"), so a shop works at a domain root and under any sub-path. Absolute URLs
(``url`` keys) come from the shop's base URL. Views are pure: no files, no clock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from babel.dates import format_date
from markupsafe import Markup, escape

from ..catalogs import Words
from ..content import marktext
from ..content.media import Source, is_raster
from ..content.model import Collection, Pick, Platform, Post, Product, Shop
from . import headers, jsonld, markup, pictures, sharecard
from .i18n import contact_labels, html_lang
from .money import as_text, format_money
from .pictures import AVATAR_WIDTHS, PHOTO_WIDTHS, Picture
from .products import Products
from .splice import LIST, Holder, Kinds, ListOf
from .tags import Tag, tag_links, tag_path

View = dict[str, Any]

CATALOG_MEDIA = "media/catalog/"
OWNER_MEDIA = "media/owner/"
DESCRIPTION_MEDIA = "../../" + CATALOG_MEDIA  # descriptions show on product pages, two folders down
# the facts a product's structured data shows: an offer holding these very objects is shown as shared
_JSONLD_FACTS = ("sku", "title", "description_text", "brand", "card", "images", "remote_images", "price", "sold_out")
ITEMS = "items"  # products.json's pieces of a product, in the shared product cache: (ITEMS, sku)
# Where the views of pages with grids of cards hold offers (the catalog's facts): nowhere else
# (pages/splice.py makes such a page again from its last bytes when only those facts changed).
_PICKS = Holder((("picks", LIST),))  # a collection's or a tag's view
HOME_OFFERS: Kinds = (("offers", LIST), ("featured", LIST), ("collections", ListOf(_PICKS)))
TAG_OFFERS: Kinds = (("tag", _PICKS),)
COLLECTION_OFFERS: Kinds = (("collection", _PICKS),)
# the grid pages' templates, and where their views hold offers
GRID_PAGES = (("home.html", HOME_OFFERS), ("tag.html", TAG_OFFERS), ("collection.html", COLLECTION_OFFERS))


def product_path(sku: str) -> str:
    return f"p/{sku}/"


def collection_path(cid: str) -> str:
    return f"c/{cid}/"


def post_path(slug: str) -> str:
    return f"posts/{slug}/"


def depth_root(path: str) -> str:
    """The relative way back to the shop root from a page at ``path`` (``p/X/`` → ``../../``)."""
    return "../" * path.count("/")


def card_ref(product: Product) -> str | None:
    """The picture a product's share card is made of: its first image in the project."""
    return next((ref for ref in product.images if not ref.startswith("https://")), None)


@lru_cache(maxsize=4096)
def long_date(date: dt.date, locale: str) -> str:
    """A post's date as its shop's locale writes it: Babel parses the locale and the pattern on
    every call, and a shop's posts show on its home, list, feed and post pages."""
    return format_date(date, "long", locale=locale)


def card_view(path: str, alt: str) -> View:
    """A share card as templates print it in ``og:image`` and schema.org data."""
    return {"path": path, "width": sharecard.WIDTH, "height": sharecard.HEIGHT, "type": sharecard.MIME, "alt": alt}


class ShopViews:
    """Builds the views of one shop; product facts are computed once per product and shared."""

    def __init__(self, shop: Shop, platform: Platform, products: Products, words: Words) -> None:
        self.shop = shop
        self.platform = platform
        self.locale = shop.locale
        self.currency = platform.currency
        self.words = words  # the theme's, in the shop's language: for the words a view holds (page titles, contact names)
        self._products = products
        self._site_cache: dict[str, View] = {}
        self._offers: dict[str, View] = {}
        self._owner_pictures: list[Picture] | None = None

    # the owner's pictures ------------------------------------------------------------

    def owner_picture(self, ref: str, widths: tuple[int, ...] = PHOTO_WIDTHS) -> Picture | None:
        """The copies of a picture in her folder (None: a drawing, published as it is)."""
        return self._products.picture(Source(str(self.shop.source_dir), ref, owner=True), widths)

    def owner_pictures(self) -> list[Picture]:
        """Every raster picture of hers that her pages show: her avatar at an avatar's widths,
        each picture her texts show at a photo's."""
        if self._owner_pictures is None:
            uses = self._products.owner_uses.get(self.shop.id)
            found = (self.owner_picture(ref, widths) for ref, widths in (owner_uses(self.shop) if uses is None else uses))
            self._owner_pictures = [p for p in found if p is not None]
        return self._owner_pictures

    def owner_html(self, html: str, root: str) -> str:
        """Her rendered Markdown (for a page at ``root``) with her raster pictures as their copies."""
        return pictures.expand_html(html, root + OWNER_MEDIA, self.owner_picture)

    # pieces -------------------------------------------------------------------

    def product_facts(self, product: Product) -> View:
        """The catalog's facts about one product in one locale; shared by every shop in that locale."""
        key = (product.sku, self.locale)
        cached = self._products.facts.get(key)
        if cached is None:
            cached = self._products.facts[key] = self._products.from_kept(*key) or product_facts(
                product, self.locale, self.currency, self._products.catalog_pictures(product), self.platform.media_url
            )
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
            "note_html": self.owner_html(markup.render(pick.note, "../../" + OWNER_MEDIA), "../../") if pick.note else "",
            "note_text": markup.plain(pick.note, 90, media_prefix="../../" + OWNER_MEDIA) if pick.note else "",
            "featured": pick.featured,
            "url": self.shop.base_url + product_path(pick.product.sku),
        }

    def collection(self, c: Collection) -> View:
        return {
            "id": c.id,
            "title": c.title,
            "description_html": self.owner_html(markup.render(c.description, "../../" + OWNER_MEDIA), "../../"),
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
            "date_display": long_date(post.date, self.locale),
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
        avatar = self.owner_picture(shop.avatar, AVATAR_WIDTHS) if shop.avatar else None
        avatar_view = pictures.view(avatar, OWNER_MEDIA, OWNER_MEDIA + shop.avatar, 192) if shop.avatar else None
        return {
            "id": shop.id,
            "title": shop.title,
            "owner": shop.owner,
            "bio_html": self.owner_html(markup.render(shop.bio, root + OWNER_MEDIA), root),
            "bio_text": markup.plain(shop.bio, media_prefix=OWNER_MEDIA),
            "avatar": avatar_view["src"] if avatar_view else None,
            "avatar_picture": avatar_view,
            "icon": OWNER_MEDIA + avatar.name(avatar.best(64), avatar.fallback) if avatar else avatar_view["src"] if avatar_view else None,
            "card": card_view(sharecard.card_path(shop.avatar, owner=True), f"{shop.owner} · {shop.title}") if shop.avatar else None,
            "contact": [{"kind": k, "label": self.contact_label(k), "value": v} for k, v in shop.contact],
            "locale": shop.locale,
            "lang": html_lang(shop.locale),
            "currency": self.currency,
            "base_url": shop.base_url,
            "checkout_url": self.platform.checkout_url,
            "checkout_origin": origin(self.platform.checkout_url),
            # printed in a double-quoted attribute: the policy's own quotes are apostrophes and
            # its one variable part is escaped, so it goes into the page as written
            "csp": Markup(headers.page_policy(escape(origin(self.platform.checkout_url)), escape(self.media_origin()))),
            "attribution_days": self.platform.attribution_days,
            "platform": self.platform.name,
            "collections": [{"id": c.id, "title": c.title, "path": collection_path(c.id)} for c in shop.collections],
            "has_posts": bool(shop.posts),
        }

    def contact_label(self, kind: str) -> str:
        """``wechat`` → 微信 / WeChat; a kind the theme has no name for is shown as she wrote it."""
        return contact_labels(self.words).get(kind.lower()) or kind

    def media_origin(self) -> str:
        return origin(self.platform.media_url) if self.platform.media_url else ""

    def page(self, path: str, kind: str, title: str, description: str, assets: dict[str, str], **extra: Any) -> View:
        """The full view of one page: ``site``, ``page``, ``root``, ``assets`` plus page data."""
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
            **extra,
        }

    def shop_path_root(self) -> str:
        """404.html is served at any depth, so its links start from the base URL's path."""
        rest = self.shop.base_url.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"

    # JSON-LD and data files ---------------------------------------------------------

    def product_jsonld(self, offer: View) -> View:
        """schema.org Product data; the theme prints it with ``tojson`` (HTML-safe JSON). Made
        and encoded once per product and locale, then given this shop's URLs (pages/jsonld.py)."""
        sku = offer["sku"]
        facts = self._products.facts.get((sku, self.locale))
        if facts is None or offer["url"] != self.shop.base_url + product_path(sku) or any(offer[k] is not facts[k] for k in _JSONLD_FACTS):
            return self._product_jsonld(offer, self.shop.base_url)  # not the shared facts: nothing to share
        key = (sku, self.locale, self.currency)
        made = self._products.jsonld.get(key)
        if made is None or made[0] is not facts:
            shared = self._product_jsonld({**facts, "url": jsonld.BASE + product_path(sku)}, jsonld.BASE)
            made = self._products.jsonld[key] = (facts, jsonld.share(shared))
        return jsonld.for_shop(made[1], self.shop.base_url)

    def _product_jsonld(self, offer: View, base_url: str) -> View:
        availability = "https://schema.org/SoldOut" if offer["sold_out"] else "https://schema.org/InStock"
        data = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": offer["title"],
            "sku": offer["sku"],
            "description": offer["description_text"],
            "brand": {"@type": "Brand", "name": offer["brand"]} if offer["brand"] else None,
            "image": self.images_jsonld(offer["card"], offer["images"] + offer["remote_images"], base_url),
            "offers": {
                "@type": "Offer",
                "url": offer["url"],
                "price": offer["price"],
                "priceCurrency": self.currency,
                "availability": availability,
            },
        }
        return {k: v for k, v in data.items() if v is not None}

    def images_jsonld(self, card: View | None, images: Sequence[str] = (), base_url: str | None = None) -> list[str]:
        """Absolute URLs of a page's pictures for schema.org: its share card first (a JPEG any
        reader can show), then the pictures themselves."""
        paths = ([card["path"]] if card else []) + list(images)
        base = self.shop.base_url if base_url is None else base_url
        return [pictures.absolute(p, base) for p in paths]

    def shop_jsonld(self) -> View:
        """schema.org data of the shop's home page: an online store and its owner's card."""
        site = self.site("", {})
        data = {
            "@context": "https://schema.org",
            "@type": "OnlineStore",
            "name": self.shop.title,
            "description": site["bio_text"] or self.shop.title,
            "url": self.shop.base_url,
            "image": self.images_jsonld(site["card"]) or None,
            "founder": {"@type": "Person", "name": self.shop.owner},
        }
        return {k: v for k, v in data.items() if v is not None}

    def post_jsonld(self, summary: View) -> View:
        """schema.org data of a post: an article by the owner, with her card."""
        data = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": summary["title"],
            "description": summary["summary"],
            "datePublished": summary["date"],
            "url": summary["url"],
            "author": {"@type": "Person", "name": self.shop.owner},
            "image": self.images_jsonld(self.site("", {})["card"]) or None,
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
                pieces = known[sku] = self._products.from_kept(sku, ITEMS) or item_pieces(pick.product)
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


def kept_texts(shop: Shop, only: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """The owner's texts most of her pages render, with the media prefix they are rendered
    with (the offers' notes, the collections' descriptions, her bio): read ahead from the kept
    renders. With ``only`` (the products whose facts alone changed), her bio and the notes of
    those picks: their pages are rendered, her others stand or are spliced (pages/splice.py)."""
    prefix = "../../" + OWNER_MEDIA
    # her bio: on every page, rendered for the page's depth; as plain text, for the shop root
    bio = [(shop.bio, prefix), (shop.bio, OWNER_MEDIA)] + ([(shop.bio, "../" + OWNER_MEDIA)] if only is None else [])
    if only is not None:  # (a product's page, two folders down)
        return [(p.note, prefix) for p in shop.picks if p.note and p.product.sku in only] + bio
    return [(p.note, prefix) for p in shop.picks if p.note] + [(c.description, prefix) for c in shop.collections if c.description] + bio


def owner_uses(shop: Shop) -> list[tuple[str, tuple[int, ...]]]:
    """Each raster picture of the owner's that her pages show, with the widths its copies are
    made at: her avatar at an avatar's, each picture her texts show at a photo's."""
    texts = [shop.bio, *(p.note for p in shop.picks), *(c.description for c in shop.collections), *(p.body for p in shop.posts)]
    shown = {ref for text in texts for ref in marktext.local_image_refs(text) if ref in shop.media and is_raster(ref)}
    uses: list[tuple[str, tuple[int, ...]]] = [(ref, PHOTO_WIDTHS) for ref in sorted(shown)]
    if shop.avatar and is_raster(shop.avatar):
        uses.append((shop.avatar, AVATAR_WIDTHS))
    return uses


def product_facts(product: Product, locale: str, currency: str, shown: dict[str, Picture] | None = None, media_url: str = "") -> View:
    """The catalog's facts about one product as shops in ``locale`` show them (pure: the same
    product, locale, currency and copies of its pictures ``shown`` give the same view, so it
    may be kept between builds). With ``media_url``, the copies' paths are URLs under it."""
    shown = shown or {}
    copies = media_url or CATALOG_MEDIA
    local = [ref for ref in product.images if not ref.startswith("https://")]
    photos = [pictures.view(shown.get(ref), copies, CATALOG_MEDIA + ref) for ref in local]
    # one file each, for what shows a single picture (a cart line, structured data): the widest copy
    images = [copies + p.name(p.widths[-1], p.fallback) if (p := shown.get(ref)) else CATALOG_MEDIA + ref for ref in local]
    remote = [ref for ref in product.images if ref.startswith("https://")]
    list_price = product.list_price
    card = card_ref(product)
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
        "pictures": photos,
        "remote_images": remote,
        "card": card_view(sharecard.card_path(card, owner=False), product.title) if card else None,
        "description_html": pictures.expand_html(markup.render(product.description, DESCRIPTION_MEDIA), DESCRIPTION_MEDIA, shown.get, media_url),
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
                "picture": pictures.view(shown.get("thumb:" + v.image), copies, CATALOG_MEDIA + v.image, 96) if v.image else None,
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
