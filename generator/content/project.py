"""Load and check a whole shop project: catalog.yaml, every content/<shop>/ and its posts.

Everything is gathered and checked before anything is written, so ``shopforest check``
finds every error a build would hit.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name

from ..cache.folder import NONE, CacheFolder, CachePolicy, code_tag
from ..cache.keptfile import KeptFile
from ..errors import ContentError, Diagnostic, Diagnostics
from . import marktext, media
from .model import Category, Collection, Pick, Platform, Post, Product, Project, Shop, Variant, shop_of
from .resolved import KeptHead, KeptProduct, KeptShop, catalog_context, files_unchanged, open_kept, relink, shop_texts, text_key
from .schema import SHOP_ID_RE, SLUG_RE, CategoryIn, PlatformIn, PostMetaIn, ProductIn, ShopIn, url_problem
from .sources import (
    MAX_CATALOG_BYTES,
    MAX_FILE_BYTES,
    Document,
    ParseCache,
    SplitText,
    load_yaml_file,
    load_yaml_text,
    parse_yaml,
    read_text,
    split_front_matter,
    split_text,
)
from .validate import validate

CATALOG = "catalog.yaml"


def _locale_ok(name: str) -> bool:
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _currency_ok(code: str) -> bool:
    return get_currency_name(code, locale="en") != code


def available_themes(root: Path) -> tuple[str, ...]:
    themes = root / "themes"
    if not themes.is_dir():
        return ()
    return tuple(sorted(p.name for p in themes.iterdir() if (p / "templates").is_dir()))


class _Loader:
    def __init__(self, root: Path, cache: ParseCache | None = None, kept: KeptFile | None = None) -> None:
        self.root = root
        self.cache = cache
        self.kept = kept  # products and shops an earlier build loaded without a mistake (resolved.py)
        self.diags = Diagnostics()
        self.warnings: list[str] = []
        self.invalid_skus: set[str] = set()
        self.product_files: dict[str, tuple[media.Stamp, ...]] = {}
        self.inspected: dict[tuple[str, str], media.Stamp | str] = {}  # many products show one picture
        self.checked: list[media.Stamp] = []  # files the checks passed: a kept unit needs them unchanged
        self.context = ""

    def local_path_problem(self, base: Path, ref: str) -> str | None:
        """Why the image ``ref`` under ``base`` may not be published (the one rule of check and
        build, media.py), or None; a good file is stamped for kept units (resolved.py)."""
        key = (str(base), ref)
        seen = self.inspected.get(key)
        if seen is None:
            try:
                seen = self.inspected[key] = media.inspect(key[0], ref, owner=base != self.root)
            except media.MediaError as exc:
                seen = self.inspected[key] = str(exc)
        if isinstance(seen, str):
            return seen
        self.checked.append(seen)
        return None

    def add(self, doc: Document, loc: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        line, col = doc.at(loc, key=key)
        self.diags.add(doc.path, line, col, message)

    # catalog.yaml ---------------------------------------------------------------

    def catalog(self) -> tuple[Platform, dict[str, Category], dict[str, Product]] | None:
        path = self.root / CATALOG
        if not path.is_file():
            self.diags.add(CATALOG, 1, 1, "catalog.yaml not found (is this a shop project folder?)")
            return None
        text = read_text(path, CATALOG, self.diags, MAX_CATALOG_BYTES)
        if text is None:
            return None
        split = split_text(text, "products") if self.kept is not None else None
        if split is not None:
            known = self.kept_catalog(split)
            if known is not None:
                return known
        errors = len(self.diags)
        doc = load_yaml_text(text, CATALOG, self.diags, self.cache, split="products")
        if doc is None:
            return None
        catalog = self.catalog_doc(doc)
        if split is not None and len(self.diags) == errors:
            self.keep_catalog(split, doc, catalog)
        return catalog

    def catalog_doc(self, doc: Document) -> tuple[Platform, dict[str, Category], dict[str, Product]]:
        data = doc.data if isinstance(doc.data, dict) else {}
        if not isinstance(doc.data, dict):
            self.add(doc, (), "catalog.yaml must be a mapping with platform, categories and products")
        for key in data:
            if key not in ("platform", "categories", "products"):
                self.add(doc, (key,), f"unknown key '{key}'", key=True)
        if "platform" not in data:
            self.add(doc, (), "missing required key 'platform'")
        # Parts are validated one by one, so one bad product does not hide the rest of the project.
        p = validate(PlatformIn, doc, self.diags, prefix=("platform",), value=data.get("platform"))
        if p is None:
            p = PlatformIn(name="?")  # keep checking the shops against the defaults
        else:
            self.platform_checks(doc, p)
        platform = Platform(p.name, p.currency, p.locale, p.checkout_url.rstrip("/"), p.shop_url, p.attribution_days, p.refund_days)
        categories: dict[str, Category] = {}
        for i, value in enumerate(self.items(doc, data, "categories")):
            c = validate(CategoryIn, doc, self.diags, prefix=("categories", i), value=value)
            if c is None:
                continue
            if c.id in categories:
                self.add(doc, ("categories", i, "id"), f"duplicate category '{c.id}'")
            categories[c.id] = Category(c.id, c.title, c.commission)
        products: dict[str, Product] = {}
        first_line: dict[str, int] = {}
        for i, value in enumerate(self.items(doc, data, "products")):
            loc = ("products", i)
            sku = value.get("sku") if isinstance(value, dict) else None
            if isinstance(sku, str) and sku in first_line:
                self.add(doc, (*loc, "sku"), f"duplicate SKU '{sku}' (first defined at line {first_line[sku]})")
                continue
            if isinstance(sku, str):
                first_line[sku] = doc.at((*loc, "sku"))[0]
            prod = validate(ProductIn, doc, self.diags, prefix=loc, value=value)
            mark = len(self.checked)
            product = self.product(doc, loc, prod, categories) if prod is not None else None
            if product is not None:
                self.product_files[product.sku] = tuple(self.checked[mark:])
                products[product.sku] = product
            elif isinstance(sku, str):
                self.invalid_skus.add(sku)  # reported already; shops naming it are not blamed again
        return platform, categories, products

    def kept_catalog(self, split: SplitText) -> tuple[Platform, dict[str, Category], dict[str, Product]] | None:
        """The catalog from what earlier builds kept, working out only products whose text is
        new; None when anything is not as simple (the full load then checks and reports)."""
        assert self.kept is not None
        head: KeptHead | None = self.kept.get(text_key("head", split.rest))
        if head is None:
            return None
        products: dict[str, Product] = {}
        for start, text in split.items:
            key = text_key("product", text)
            kept: KeptProduct | None = self.kept.get(key)
            if kept is None or head.categories.get(kept.product.category.id) != kept.product.category or not files_unchanged(kept.files):
                kept = self.fresh_product(text, start, head.categories)
                if kept is None:
                    return None
                self.kept.put(key, kept)
            if kept.product.sku in products:
                return None  # a duplicate SKU: reported by the full load
            products[kept.product.sku] = kept.product
        return head.platform, head.categories, products

    def fresh_product(self, text: str, start: int, categories: dict[str, Category]) -> KeptProduct | None:
        """One product of the catalog loaded on its own; None at the first mistake."""
        diags, self.diags = self.diags, Diagnostics()
        mark = len(self.checked)
        try:
            doc = parse_yaml(text, CATALOG, self.diags, line_offset=start)
            if doc is None or self.diags or not isinstance(doc.data, list) or len(doc.data) != 1:
                return None
            prod = validate(ProductIn, doc, self.diags, prefix=(0,), value=doc.data[0])
            product = self.product(doc, (0,), prod, categories) if prod is not None else None
            if product is None or self.diags:
                return None
            return KeptProduct(product, tuple(self.checked[mark:]))
        finally:
            self.diags = diags

    def keep_catalog(self, split: SplitText, doc: Document, catalog: tuple[Platform, dict[str, Category], dict[str, Product]]) -> None:
        """Keep a catalog that loaded without a mistake, product by product."""
        assert self.kept is not None
        platform, categories, products = catalog
        values = doc.data.get("products") or []
        if len(values) != len(split.items) or len(products) != len(values):
            return
        self.kept.put(text_key("head", split.rest), KeptHead(platform, categories))
        for (_, text), value in zip(split.items, values, strict=True):
            product = products[value["sku"]]
            self.kept.put(text_key("product", text), KeptProduct(product, self.product_files[product.sku]))

    def items(self, doc: Document, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(doc, (key,), f"{key}: expected a list, got {type(value).__name__}")
            return []
        return value

    def platform_checks(self, doc: Document, p: PlatformIn) -> None:
        if not _locale_ok(p.locale):
            self.add(doc, ("platform", "locale"), f"unknown locale '{p.locale}'")
        if not _currency_ok(p.currency):
            self.add(doc, ("platform", "currency"), f"unknown currency '{p.currency}'")
        if "{shop}" not in p.shop_url:
            self.add(doc, ("platform", "shop_url"), "shop_url must contain {shop}")
        examples = {"shop_url": "https://shops.example.com/{shop}/", "checkout_url": "https://pay.shops.example.com"}
        for key, example in examples.items():
            problem = url_problem(getattr(p, key).replace("{shop}", "shop"))
            if problem:
                self.add(doc, ("platform", key), f"{key} {problem}: write an absolute URL like {example}")

    def product(self, doc: Document, loc: tuple[Any, ...], prod: ProductIn, categories: dict[str, Category]) -> Product | None:
        category = categories.get(prod.category)
        if category is None:
            known = ", ".join(sorted(categories)) or "none"
            self.add(doc, (*loc, "category"), f"unknown category '{prod.category}' (known: {known})")
            return None
        if prod.list_price is not None and prod.list_price < prod.price:
            self.add(doc, (*loc, "list_price"), f"list_price {prod.list_price} is below price {prod.price}")
        for j, image in enumerate(prod.images):
            if image.startswith("https://"):
                continue
            problem = self.local_path_problem(self.root, image)
            if problem:
                self.add(doc, (*loc, "images", j), problem)
        seen: set[str] = set()
        for j, v in enumerate(prod.variants):
            if v.id in seen:
                self.add(doc, (*loc, "variants", j, "id"), f"duplicate variant '{v.id}' in {prod.sku}")
            seen.add(v.id)
        self.markdown_limits(doc, (*loc, "description"), prod.description, "this description")
        self.markdown_images(doc, (*loc, "description"), prod.description, self.root)
        variants = tuple(Variant(v.id, v.title, v.price if v.price is not None else prod.price, v.stock) for v in prod.variants)
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

    def markdown_limits(self, doc: Document, loc: tuple[Any, ...], text: str, what: str) -> None:
        """The size and nesting limits of a Markdown text in YAML, reported where the text starts."""
        for _, message in marktext.limit_problems(text, what):
            self.add(doc, loc, message)

    def markdown_images(self, doc: Document, loc: tuple[Any, ...], text: str, base: Path) -> None:
        for ref in marktext.local_image_refs(text):
            problem = self.local_path_problem(base, ref)
            if problem:
                self.add(doc, loc, problem)

    # content/<shop>/ ---------------------------------------------------------------

    def shop(self, folder: Path, platform: Platform, products: dict[str, Product], themes: tuple[str, ...]) -> Shop | None:
        """One shop: as an earlier build kept it when nothing it was made from changed, else
        loaded and checked (and kept, when it has no mistake)."""
        texts = shop_texts(folder, MAX_FILE_BYTES)
        if texts is None:  # a file that cannot be read: the full load says why
            return self.load_shop(folder, platform, products, themes)
        digest = text_key("shop", folder.name, *texts)
        key = text_key("kept-shop", str(folder), digest)
        kept: KeptShop | None = self.kept.get(key) if self.kept is not None else None
        if kept is not None and kept.context == self.context and files_unchanged(kept.files):
            self.warnings.extend(kept.warnings)
            return relink(kept.shop, products)
        errors, warnings, checked = len(self.diags), len(self.warnings), len(self.checked)
        shop = self.load_shop(folder, platform, products, themes)
        if shop is None:
            return None
        shop = replace(shop, digest=digest)
        if self.kept is not None and len(self.diags) == errors:
            self.kept.put(key, KeptShop(self.context, shop, tuple(self.warnings[warnings:]), tuple(self.checked[checked:])))
        return shop

    def load_shop(self, folder: Path, platform: Platform, products: dict[str, Product], themes: tuple[str, ...]) -> Shop | None:
        shop_id = folder.name
        rel = f"content/{shop_id}/shop.yaml"
        if not SHOP_ID_RE.fullmatch(shop_id):
            self.diags.add(rel, 1, 1, f"invalid shop id '{shop_id}': use 2-39 lowercase letters, digits and '-', starting with a letter or digit")
            return None
        doc = load_yaml_file(folder / "shop.yaml", rel, self.diags, self.cache)
        if doc is None:
            return None
        data = validate(ShopIn, doc, self.diags)
        if data is None:
            return None
        if data.theme not in themes:
            self.add(doc, ("theme",), f"unknown theme '{data.theme}' (available: {', '.join(themes) or 'none'})")
        locale = data.locale or platform.locale
        if data.locale and not _locale_ok(data.locale):
            self.add(doc, ("locale",), f"unknown locale '{data.locale}'")
        base_url = data.base_url or platform.shop_url.replace("{shop}", shop_id)
        # (one made from the platform's shop_url is checked, and named, with the platform)
        problem = url_problem(base_url) if data.base_url else None
        if problem:
            self.add(
                doc, ("base_url",), f"base_url {problem}: write the absolute URL the shop is published at, like https://shops.example.com/{shop_id}/"
            )
        if not base_url.endswith("/"):
            base_url += "/"
        if data.avatar is not None:
            problem = self.local_path_problem(folder, data.avatar)
            if problem:
                self.add(doc, ("avatar",), problem)
        self.markdown_limits(doc, ("bio",), data.bio, "this bio")
        self.markdown_images(doc, ("bio",), data.bio, folder)

        picks: dict[str, Pick] = {}
        named: set[str] = set()
        for i, p in enumerate(data.picks):
            self.markdown_limits(doc, ("picks", i, "note"), p.note, "this note")
            product = products.get(p.sku)
            if product is None:
                if p.sku not in self.invalid_skus:
                    self.add(doc, ("picks", i, "sku"), f"unknown SKU '{p.sku}' (not in catalog.yaml)")
                continue
            if p.sku in named:
                self.add(doc, ("picks", i, "sku"), f"'{p.sku}' is picked twice")
                continue
            named.add(p.sku)
            self.markdown_images(doc, ("picks", i, "note"), p.note, folder)
            if not product.published:
                line, col = doc.at(("picks", i, "sku"))
                self.warnings.append(f"{rel}:{line}:{col}: warning: {shop_id}: {p.sku} is {product.status}; not published")
                continue
            picks[p.sku] = Pick(product, p.note, p.featured)

        collections: list[Collection] = []
        picked_skus = {q.sku for q in data.picks}
        seen_ids: set[str] = set()
        for i, c in enumerate(data.collections):
            if c.id in seen_ids:
                self.add(doc, ("collections", i, "id"), f"duplicate collection '{c.id}'")
            seen_ids.add(c.id)
            members: list[Pick] = []
            for j, sku in enumerate(c.skus):
                if sku not in products:
                    if sku not in self.invalid_skus:
                        self.add(doc, ("collections", i, "skus", j), f"unknown SKU '{sku}' (not in catalog.yaml)")
                elif sku not in picked_skus:
                    self.add(doc, ("collections", i, "skus", j), f"'{sku}' is in collection '{c.id}' but not among the picks")
                elif sku in picks:
                    members.append(picks[sku])
            self.markdown_limits(doc, ("collections", i, "description"), c.description, "this description")
            self.markdown_images(doc, ("collections", i, "description"), c.description, folder)
            collections.append(Collection(c.id, c.title, c.description, tuple(members)))

        posts = self.posts(folder, shop_id, products, data, picks)
        texts = [data.bio] + [p.note for p in picks.values()] + [c.description for c in collections] + [p.body for p in posts]
        media = {ref for text in texts for ref in marktext.local_image_refs(text) if ref.startswith("images/")}
        if data.avatar:
            media.add(data.avatar)
        return Shop(
            id=shop_id,
            title=data.title,
            owner=data.owner,
            bio=data.bio,
            avatar=data.avatar,
            theme=data.theme,
            locale=locale,
            base_url=base_url,
            contact=tuple(sorted(data.contact.items())),
            picks=tuple(picks.values()),
            collections=tuple(collections),
            posts=posts,
            source_dir=folder,
            channels=tuple(dict.fromkeys(data.channels)),
            campaigns=tuple(dict.fromkeys(data.campaigns)),
            media=tuple(sorted(media)),
        )

    def posts(self, folder: Path, shop_id: str, products: dict[str, Product], data: ShopIn, picks: dict[str, Pick]) -> tuple[Post, ...]:
        posts_dir = folder / "posts"
        if not posts_dir.is_dir():
            return ()
        picked = {p.sku for p in data.picks}
        out: list[Post] = []
        for path in sorted(posts_dir.glob("*.md")):
            rel = f"content/{shop_id}/posts/{path.name}"
            link = media.link_in(str(folder), f"posts/{path.name}")
            if link is not None:
                self.diags.add(rel, 1, 1, f"'content/{shop_id}/{link}' {media.LINK_HINT}")
                continue
            slug = path.stem
            if not SLUG_RE.fullmatch(slug):
                self.diags.add(rel, 1, 1, f"invalid post file name '{path.name}': use lowercase letters, digits and '-'")
                continue
            text = read_text(path, rel, self.diags)
            if text is None:
                continue
            fm = split_front_matter(text, rel, self.diags, self.cache)
            if fm.meta is None:
                continue
            meta = validate(PostMetaIn, fm.meta, self.diags)
            for offset, message in marktext.limit_problems(fm.body, "this post", post=True):
                self.diags.add(rel, fm.body_line + offset, 1, message)
            for offset, sku in marktext.shortcodes(fm.body, self.diags, rel, fm.body_line):
                line = fm.body_line + offset
                if sku in self.invalid_skus:
                    pass
                elif sku not in products:
                    self.diags.add(rel, line, 1, f"unknown SKU '{sku}' in product shortcode")
                elif sku not in picked:
                    self.diags.add(rel, line, 1, f"'{sku}' in product shortcode is not one of this shop's picks")
                elif sku not in picks:
                    self.warnings.append(f"{rel}:{line}:1: warning: {shop_id}: {sku} is not published; its card is left out")
            for offset, ref in marktext.local_image_refs_with_lines(fm.body):
                problem = self.local_path_problem(folder, ref)
                if problem:
                    self.diags.add(rel, fm.body_line + offset, 1, problem)
            if meta is None or meta.draft:
                continue
            out.append(Post(slug, meta.title, meta.date, meta.summary, tuple(meta.tags), fm.body, rel, fm.body_line))
        out.sort(key=lambda p: (p.date, p.slug), reverse=True)
        return tuple(out)


def load_project(root: Path, *, only: str | None = None, policy: CachePolicy = NONE, kept: KeptFile | None = None, partial: bool = False) -> Project:
    """Load, validate and resolve the project at ``root``; raise ContentError with every mistake.

    ``only`` restricts shop loading to one shop id (``--shop``); the catalog is always checked.
    ``policy`` says whether parsed YAML and the products and shops kept in the cache folder by
    earlier builds (resolved.py) are used, and whether what this load works out is kept; with
    ``kept`` (open_kept), the caller saves those once it is done (a build: after its workers,
    when pickling them no longer adds to its peak memory). With ``partial``, mistakes that are
    all inside shops' folders leave those shops out (``Project.broken``) instead of failing.
    """
    gc.disable()  # loading makes a million objects and no garbage cycles: the collector would only slow it (a fifth)
    try:
        if policy == NONE:
            return _load(root, only, None, None, partial)
        folder = CacheFolder(root)
        own = kept is None
        store = open_kept(folder, policy) if kept is None else kept
        project = _load(root, only, ParseCache(folder.parsed, code_tag(), read=policy.read), store, partial)
        if own and only is None:
            store.save()
        return project
    finally:
        gc.enable()


def _load(root: Path, only: str | None, parse_cache: ParseCache | None, kept: KeptFile | None, partial: bool) -> Project:
    loader = _Loader(root, parse_cache, kept)
    themes = available_themes(root)
    if "default" not in themes:
        loader.diags.add("themes/default", 1, 1, "the default theme is missing (themes/default/templates/)")
    catalog = loader.catalog()
    shops: list[Shop] = []
    content = root / "content"
    if catalog is not None and content.is_dir():
        platform, _, products = catalog
        loader.context = catalog_context(platform, themes, products, loader.invalid_skus)
        for folder in sorted(p for p in content.iterdir() if p.is_dir()):
            if only is not None and folder.name != only:
                continue
            link = media.link_in(str(content), f"{folder.name}/shop.yaml")
            if link is not None:
                loader.diags.add(f"content/{folder.name}/shop.yaml", 1, 1, f"'content/{link}' {media.LINK_HINT}")
                continue
            if not (folder / "shop.yaml").is_file():
                loader.diags.add(f"content/{folder.name}/shop.yaml", 1, 1, "shop.yaml not found")
                continue
            shop = loader.shop(folder, platform, products, themes)
            if shop is not None:
                shops.append(shop)
    broken: list[Diagnostic] = []
    if loader.diags or catalog is None:
        broken = loader.diags.sorted()
        if not partial or catalog is None or any(shop_of(d.path) is None for d in broken):
            raise ContentError(broken)
        left_out = {shop_of(d.path) for d in broken}
        shops = [s for s in shops if s.id not in left_out]
    if parse_cache is not None and only is None:
        parse_cache.save()
    platform, categories, products = catalog
    return Project(root, platform, categories, products, tuple(shops), themes, tuple(sorted(loader.warnings)), tuple(broken))
