"""The resolved project: frozen, plain data that every later stage (plan, views, hook) reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path

from ..errors import Diagnostic


@dataclass(frozen=True)
class Payment:
    """How the platform takes payment for an order (docs/checkout.md, "After the order")."""

    method: str = "contact"  # link | cod | contact
    link: str | None = None  # URL template of a payment link (link only)
    link_hours: int = 24  # how long a payment link is valid after the order


@dataclass(frozen=True)
class Platform:
    name: str
    currency: str
    locale: str
    checkout_url: str
    shop_url: str
    attribution_days: int
    refund_days: int
    payment: Payment = Payment()
    media_url: str = ""  # where every shop's pages take the catalog's pictures from; "" for each shop's own copy


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    commission: Decimal


@dataclass(frozen=True)
class Variant:
    id: str
    title: str
    price: Decimal
    stock: int | None
    image: str | None = None  # a picture of this variant, a project path under images/

    @property
    def sold_out(self) -> bool:
        return self.stock == 0


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    brand: str
    category: Category
    price: Decimal
    list_price: Decimal | None
    commission: Decimal  # the rate in force: the product's own, else its category's
    status: str
    stock: int | None
    max_per_order: int | None
    images: tuple[str, ...]
    description: str
    variants: tuple[Variant, ...]
    tags: tuple[str, ...]

    @property
    def published(self) -> bool:
        """Recalled and discontinued products never reach a shop page."""
        return self.status in ("active", "sold_out")

    @property
    def sold_out(self) -> bool:
        if self.status == "sold_out" or self.stock == 0:
            return True
        return bool(self.variants) and all(v.sold_out for v in self.variants)

    def variant(self, variant_id: str | None) -> Variant | None:
        for v in self.variants:
            if v.id == variant_id:
                return v
        return None

    def max_quantity(self, variant_stock: int | None = None) -> int:
        """The most a customer may put in one order: max_per_order, stock and variant stock,
        whichever is least (the cart offers it, the hook enforces it)."""
        bounds = [DEFAULT_MAX_QUANTITY]
        for bound in (self.max_per_order, self.stock, variant_stock):
            if bound is not None:
                bounds.append(bound)
        return min(bounds)


DEFAULT_MAX_QUANTITY = 99  # of one item in one order, when the catalog sets no bound


@dataclass(frozen=True)
class Pick:
    product: Product
    note: str
    featured: bool


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    picks: tuple[Pick, ...]


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    date: dt.date
    summary: str
    tags: tuple[str, ...]
    body: str
    source: str  # project-relative path, for diagnostics
    body_line: int


@dataclass(frozen=True)
class Shop:
    id: str
    title: str
    owner: str
    bio: str
    avatar: str | None  # path relative to content/<shop>/
    theme: str
    locale: str
    base_url: str  # absolute, ends with '/'
    contact: tuple[tuple[str, str], ...]
    picks: tuple[Pick, ...]  # published picks only, in the owner's order
    collections: tuple[Collection, ...]
    posts: tuple[Post, ...]  # newest first
    source_dir: Path
    channels: tuple[str, ...] = ("wechat", "moments", "link")  # where the owner shares links
    campaigns: tuple[str, ...] = ()  # her campaigns; none means links without one
    media: tuple[str, ...] = ()  # the images in her folder that her texts show (avatar, Markdown images)
    digest: str = ""  # a hash of the files she wrote (shop.yaml, posts); "" when not loaded from files
    # shop.yaml's private: section: how the checkout hook recognises her own orders; no page,
    # file under site/, share-link list or report shows it
    private_phones: tuple[str, ...] = ()

    # What is not shown on every page: each page's inputs name what it shows of these itself,
    # the source folder and digest say where and how the rest was read, not what it is, and
    # what is private is shown on no page at all.
    NOT_ON_EVERY_PAGE = frozenset({"picks", "collections", "posts", "source_dir", "digest", "private_phones"})

    def chrome(self) -> tuple[tuple[str, object], ...]:
        """Every field any page may show, by name: a field added to the model is in it without
        a dependency list to update (a page that shows it is made again when it changes)."""
        return tuple((f.name, getattr(self, f.name)) for f in fields(self) if f.name not in self.NOT_ON_EVERY_PAGE)

    def pick(self, sku: str) -> Pick | None:
        for p in self.picks:
            if p.product.sku == sku:
                return p
        return None


def shop_of(path: str) -> str | None:
    """The shop folder a project-relative path is in (``content/<shop>/…``), or None."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "content" else None


@dataclass(frozen=True)
class Project:
    root: Path
    platform: Platform
    categories: dict[str, Category]
    products: dict[str, Product]
    shops: tuple[Shop, ...]
    themes: tuple[str, ...]
    warnings: tuple[Diagnostic, ...] = field(default=())
    # The mistakes of shops left out because of them (a partial load): each owner's mistakes
    # stay hers, the other shops are built; the catalog's and the themes' stop everything.
    broken: tuple[Diagnostic, ...] = field(default=())
    invalid_skus: frozenset[str] = field(default=frozenset())  # the catalog's items that failed their checks

    @property
    def broken_shops(self) -> frozenset[str]:
        return frozenset(shop_of(d.path) or "" for d in self.broken)

    def shop(self, shop_id: str) -> Shop | None:
        for s in self.shops:
            if s.id == shop_id:
                return s
        return None
