"""The platform's catalog.yaml: its settings, categories and products, checked.

A catalog that loaded without a mistake is kept product by product (resolved.py): the next
load works out again only the products whose text changed.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import Diagnostic, Diagnostics
from ..messages import msg
from . import raster
from .loading import CATALOG, Loader, currency_ok, locale_problem
from .model import Category, Payment, Platform, Product, Variant
from .resolved import KeptHead, KeptProduct, files_unchanged, text_key
from .sources import MAX_CATALOG_BYTES, Document, load_yaml_text, read_text
from .suggest import did_you_mean

if TYPE_CHECKING:
    from .schema import PlatformIn, ProductIn
from .yamlsplit import Item, ListSplit, NotSimple, item_keys

# More products new than this and reading the whole catalog at C speed is quicker than composing
# each alone: the first build after the code changed, or a catalog rewritten by a tool.
MAX_FRESH_PRODUCTS = 200


class CatalogLoader(Loader):
    def catalog(self) -> tuple[Platform, dict[str, Category], dict[str, Product]] | None:
        path = self.root / CATALOG
        if not path.is_file():
            self.diags.add(CATALOG, 1, 1, msg("catalog.yaml not found (is this a shop project folder?)"), whole_file=True)
            return None
        text = read_text(path, CATALOG, self.diags, MAX_CATALOG_BYTES)
        if text is None:
            return None
        if self.kept is not None:
            whole = text_key("catalog", text)
            known = self.indexed_catalog(whole) or self.kept_catalog(text, whole)
            if known is not None:
                return known
        errors = len(self.diags)
        doc = load_yaml_text(text, CATALOG, self.diags, self.cache, big=True)
        if doc is None:
            return None
        catalog = self.catalog_doc(doc)
        if self.kept is not None and len(self.diags) == errors:
            self.keep_catalog(text, doc, catalog)
        return catalog

    def catalog_doc(self, doc: Document) -> tuple[Platform, dict[str, Category], dict[str, Product]]:
        from .schema import CategoryIn, PlatformIn, ProductIn  # (pydantic: only when something is checked)
        from .validate import validate

        data = doc.data if isinstance(doc.data, dict) else {}
        if not isinstance(doc.data, dict):
            self.add(doc, (), msg("catalog.yaml must be a mapping with platform, categories and products"))
        for key in data:
            if key not in ("platform", "categories", "products"):
                self.add(
                    doc,
                    (key,),
                    msg("unknown key '{key}'{suggestion}", key=key, suggestion=did_you_mean(key, ("platform", "categories", "products"))),
                    key=True,
                )
        if "platform" not in data:
            self.add(doc, (), msg("missing required key 'platform'"))
        # Parts are validated one by one, so one bad product does not hide the rest of the project.
        p = validate(PlatformIn, doc, self.diags, prefix=("platform",), value=data.get("platform"))
        if p is None:
            p = PlatformIn(name="?")  # keep checking the shops against the defaults
        else:
            self.platform_checks(doc, p)
        media_url = (p.media_url if p.media_url.endswith("/") else p.media_url + "/") if p.media_url else ""
        platform = Platform(p.name, p.currency, p.locale, p.checkout_url.rstrip("/"), p.shop_url, p.attribution_days, p.refund_days)
        platform = dataclasses.replace(platform, payment=Payment(p.payment.method, p.payment.link, p.payment.link_hours), media_url=media_url)
        categories: dict[str, Category] = {}
        for i, value in enumerate(self.items(doc, data, "categories")):
            c = validate(CategoryIn, doc, self.diags, prefix=("categories", i), value=value)
            if c is None:
                continue
            if c.id in categories:
                self.add(doc, ("categories", i, "id"), msg("duplicate category '{id}'", id=c.id))
            categories[c.id] = Category(c.id, c.title, c.commission)
        products: dict[str, Product] = {}
        first_line: dict[str, int] = {}
        for i, value in enumerate(self.items(doc, data, "products")):
            loc = ("products", i)
            sku = value.get("sku") if isinstance(value, dict) else None
            if isinstance(sku, str) and sku in first_line:
                self.add(doc, (*loc, "sku"), msg("duplicate SKU '{sku}' (first defined at line {line})", sku=sku, line=first_line[sku]))
                continue
            if isinstance(sku, str):
                first_line[sku] = doc.at((*loc, "sku"))[0]
            prod = validate(ProductIn, doc, self.diags, prefix=loc, value=value, context={"currency": platform.currency})
            mark, warned = len(self.checked), len(self.warnings)
            product = self.product(doc, loc, prod, categories) if prod is not None else None
            if product is not None:
                self.product_files[product.sku] = tuple(self.checked[mark:])
                self.product_warnings[product.sku] = tuple(self.warnings[warned:])
                products[product.sku] = product
            elif isinstance(sku, str):
                self.invalid_skus.add(sku)  # reported already; shops naming it are not blamed again
        return platform, categories, products

    def indexed_catalog(self, whole: str) -> tuple[Platform, dict[str, Category], dict[str, Product]] | None:
        """The catalog as an earlier load found it, when its text is the very same (``whole``,
        the hash of the text): the keys of its head and items were kept with it, so not even
        YAML's events are read again. None when anything it was made from changed."""
        assert self.kept is not None
        index: tuple[str, tuple[str, ...]] | None = self.kept.get(whole)
        if index is None:
            return None
        head_key, keys = index
        head: KeptHead | None = self.kept.get(text_key("head", head_key))
        if head is None:
            return None
        return self.kept_products(head, [(key, self.kept.get(text_key("product", key))) for key in keys])

    def kept_products(
        self, head: KeptHead, found: list[tuple[str, KeptProduct | None]]
    ) -> tuple[Platform, dict[str, Category], dict[str, Product]] | None:
        """The products of kept entries, each still valid as kept; None at the first that is not."""
        products: dict[str, Product] = {}
        warnings: list[Diagnostic] = []
        for _, entry in found:
            if entry is None or not files_unchanged(entry.files):
                return None
            if head.categories.get(entry.product.category.id) != entry.product.category or entry.currency != head.platform.currency:
                return None  # a category's rate or the currency changed: every product in it is checked again
            if entry.product.sku in products:
                return None  # a duplicate SKU: reported by the full load
            warnings.extend(entry.warnings)
            products[entry.product.sku] = entry.product
        self.warnings.extend(warnings)
        return head.platform, head.categories, products

    def kept_catalog(self, text: str, whole: str) -> tuple[Platform, dict[str, Category], dict[str, Product]] | None:
        """The catalog from what earlier builds kept, working out only products whose text is
        new; None when anything is not as simple (the full load then checks and reports)."""
        assert self.kept is not None
        split = ListSplit(text, "products")
        found: list[tuple[str, KeptProduct | Item]] = []
        fresh = 0
        try:
            for item in split.items():
                kept: KeptProduct | None = self.kept.get(text_key("product", item.key))
                if kept is None or not files_unchanged(kept.files):
                    fresh += 1
                    if fresh > MAX_FRESH_PRODUCTS:
                        return None
                    found.append((item.key, item))
                else:
                    found.append((item.key, kept))
        except NotSimple:
            return None
        head: KeptHead | None = self.kept.get(text_key("head", split.head))
        if head is None:
            return None
        checked: list[tuple[str, KeptProduct | None]] = []
        for key, entry in found:
            if isinstance(entry, Item):
                made = self.fresh_product(entry, head.categories, head.platform.currency)
                if made is None:
                    return None
                self.kept.put(text_key("product", key), made)
                entry = made
            checked.append((key, entry))
        catalog = self.kept_products(head, checked)
        if catalog is not None:  # the next load of this very text needs no events
            self.kept.put(whole, (split.head, tuple(key for key, _ in checked)))
        return catalog

    def fresh_product(self, item: Item, categories: dict[str, Category], currency: str) -> KeptProduct | None:
        """One product of the catalog loaded on its own; None at the first mistake."""
        from .schema import ProductIn
        from .validate import validate

        diags, self.diags = self.diags, Diagnostics()
        mark, warned = len(self.checked), len(self.warnings)
        try:
            doc = item.document(CATALOG, self.diags)
            if doc is None or self.diags:
                return None
            prod = validate(ProductIn, doc, self.diags, context={"currency": currency})
            product = self.product(doc, (), prod, categories) if prod is not None else None
            if product is None or self.diags:
                return None
            kept = KeptProduct(product, tuple(self.checked[mark:]), currency, tuple(self.warnings[warned:]))
            del self.warnings[warned:]  # given again by kept_catalog, with every kept product's
            return kept
        finally:
            self.diags = diags

    def keep_catalog(self, text: str, doc: Document, catalog: tuple[Platform, dict[str, Category], dict[str, Product]]) -> None:
        """Keep a catalog that loaded without a mistake, product by product."""
        assert self.kept is not None
        platform, categories, products = catalog
        try:
            head, keys = item_keys(text, "products")
        except NotSimple:
            return
        values = doc.data.get("products") or []
        if len(values) != len(keys) or len(products) != len(values):
            return
        self.kept.put(text_key("head", head), KeptHead(platform, categories))
        self.kept.put(text_key("catalog", text), (head, tuple(keys)))
        for key, value in zip(keys, values, strict=True):
            product = products[value["sku"]]
            self.kept.put(
                text_key("product", key), KeptProduct(product, self.product_files[product.sku], platform.currency, self.product_warnings[product.sku])
            )

    def platform_checks(self, doc: Document, p: PlatformIn) -> None:
        from .schema import url_problem

        problem = locale_problem(p.locale)
        if problem:
            self.add(doc, ("platform", "locale"), problem)
        if not currency_ok(p.currency):
            self.add(doc, ("platform", "currency"), msg("unknown currency '{currency}'", currency=p.currency))
        if "{shop}" not in p.shop_url:
            self.add(doc, ("platform", "shop_url"), msg("shop_url must contain {{shop}}"))
        examples = {
            "shop_url": "https://shops.example.com/{shop}/",
            "checkout_url": "https://pay.shops.example.com",
            "media_url": "https://media.shops.example.com/",
        }
        for key, example in examples.items():
            if getattr(p, key) is None:
                continue
            problem = url_problem(getattr(p, key).replace("{shop}", "shop"))
            if problem:
                self.add(
                    doc, ("platform", key), msg("{key} {problem}: write an absolute URL like {example}", key=key, problem=problem, example=example)
                )
        if p.payment.method == "link" and not p.payment.link:
            self.add(doc, ("platform", "payment", "method"), msg("method link needs payment.link, the URL template of the payment page"))
        if p.payment.link:
            problem = payment_link_problem(p.payment.link)
            if problem:
                self.add(doc, ("platform", "payment", "link"), msg("link {problem}", problem=problem))

    def product(self, doc: Document, loc: tuple[Any, ...], prod: ProductIn, categories: dict[str, Category]) -> Product | None:
        category = categories.get(prod.category)
        if category is None:
            known = ", ".join(sorted(categories)) or msg("none")
            suggestion = did_you_mean(prod.category, categories)
            self.add(
                doc,
                (*loc, "category"),
                msg("unknown category '{category}' (known: {known}){suggestion}", category=prod.category, known=known, suggestion=suggestion),
            )
            return None
        if prod.list_price is not None and prod.list_price < prod.price:
            self.add(doc, (*loc, "list_price"), msg("list_price {list_price} is below price {price}", list_price=prod.list_price, price=prod.price))
        for j, image in enumerate(prod.images):
            if image.startswith("https://"):
                continue
            problem = self.local_path_problem(self.root, image)
            if problem:
                self.add(doc, (*loc, "images", j), problem)
            else:
                self.small_picture(doc, (*loc, "images", j), self.root, image, raster.PHOTO_SHOWN, msg("a product photo"))
        seen: set[str] = set()
        for j, v in enumerate(prod.variants):
            if v.id in seen:
                self.add(doc, (*loc, "variants", j, "id"), msg("duplicate variant '{id}' in {sku}", id=v.id, sku=prod.sku))
            seen.add(v.id)
            if v.image is not None:
                problem = self.local_path_problem(self.root, v.image)
                if problem:
                    self.add(doc, (*loc, "variants", j, "image"), problem)
        self.markdown_limits(doc, (*loc, "description"), prod.description, msg("this description"))
        self.markdown_images(doc, (*loc, "description"), prod.description, self.root)
        variants = tuple(Variant(v.id, v.title, v.price if v.price is not None else prod.price, v.stock, v.image) for v in prod.variants)
        return Product(
            sku=prod.sku,
            title=prod.title,
            brand=prod.brand,
            category=category,
            price=prod.price,
            list_price=prod.list_price,
            commission=prod.commission if prod.commission is not None else category.commission,
            status=prod.status,
            stock=prod.stock,
            max_per_order=prod.max_per_order,
            images=tuple(prod.images),
            description=prod.description,
            variants=variants,
            tags=tuple(prod.tags),
        )


def payment_link_problem(template: str) -> str | None:
    """What makes a payment link template unusable, or None. The hook fills its ``{…}`` fields,
    each URL-encoded; the payment page checks ``{signature}`` (docs/checkout.md)."""
    from .schema import PAYMENT_FIELDS

    names = re.findall(r"\{([^{}]*)\}", template)
    unknown = sorted({n for n in names if n not in PAYMENT_FIELDS})
    if unknown:
        shown = ", ".join("{" + n + "}" for n in unknown)
        return msg("has unknown fields {unknown}; known: {known}", unknown=shown, known=", ".join("{" + n + "}" for n in PAYMENT_FIELDS))
    for needed in ("order_id", "signature"):
        if needed not in names:
            return msg("must contain {{{needed}}}", needed=needed)
    filled = re.sub(r"\{[^{}]*\}", "x", template)
    if re.search(r"[{}\s\\]", filled) or any(unicodedata.category(c).startswith("C") for c in filled):
        return msg("must not contain spaces, control characters, backslashes or unpaired braces")
    parts = urlsplit(filled)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")):
        return msg("must be an https:// URL (http:// only for 127.0.0.1 or localhost)")
    if not parts.hostname or "@" in parts.netloc:
        return msg("must name a host, without a user name or password")
    return None
