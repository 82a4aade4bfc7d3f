"""Plan every output of a shop: where it goes and what makes it; no rendering, no disk writes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..content import media
from ..content.model import Collection, Pick, Post, Product, Project, Shop
from . import headers, links, markup, sharecard
from .pictures import Copy, Picture
from .products import Products, catalog_files
from .splice import Kinds
from .tags import Tag, shop_tags, tag_file, tag_path
from .theme import Theme
from .views import (
    CATALOG_MEDIA,
    COLLECTION_OFFERS,
    HOME_OFFERS,
    OWNER_MEDIA,
    TAG_OFFERS,
    ShopViews,
    View,
    card_ref,
    collection_path,
    origin,
    post_path,
    product_path,
)


@dataclass(frozen=True)
class Output:
    """One file of a shop's site. Exactly one of template, data, source, copy or card says how to
    make it (``copy``: a kept copy of a raster picture, build/images.py; ``card``: the share card
    of that picture, pages/sharecard.py).

    ``view`` and ``data`` may be functions, called only if the output must be made. ``inputs``
    is a short key of everything the view is made from (its inputs, not the view itself), so an
    incremental build can decide to skip an output without building its view at all; without
    it, the builder hashes the view.
    """

    path: str  # relative to the shop's folder, posix, e.g. "p/BB-1001/index.html"
    template: str | None = None
    view: View | Callable[[], View] | None = None
    data: bytes | Callable[[], bytes] | None = None
    source: media.Source | None = None
    copy: Copy | None = None  # a kept copy of a raster picture (build/images.py)
    inputs: str | None = None
    card: media.Source | None = None
    grid: Grid | None = None  # a page whose grids of cards may be made again alone (pages/splice.py)


@dataclass(frozen=True)
class Grid:
    """What a page's view holds offers in (``kinds``), and the shop's offer of a SKU (None: it
    picks no such product), for making one of its cards again."""

    kinds: Kinds
    offer: Callable[[str], View | None]


def digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def plan_shop(
    project: Project, shop: Shop, theme: Theme, products: Products, now: dt.datetime, *, only: frozenset[str] | None = None
) -> list[Output]:
    """Every output of ``shop``; with ``only``, just the outputs that show one of those products
    (an incremental build in which nothing but the catalog's facts about them changed)."""
    views = ShopViews(shop, project.platform, products, theme.words(shop.locale))
    assets = theme.assets
    out: list[Output] = []

    def lazy_page(path: str, template: str, inputs: str, make: Callable[[], View], kinds: Kinds | None = None) -> None:
        out.append(page_output(path, template, inputs, make, Grid(kinds, offer) if kinds is not None else None))

    def offer(sku: str) -> View | None:
        pick = shop.pick(sku)
        return views.offer(pick) if pick is not None else None

    # What the chrome of every page shows: the shop, its collections list, the theme's assets.
    chrome = digest(
        project.platform,
        shop.chrome(),
        [(c.id, c.title) for c in shop.collections],
        bool(shop.posts),
        sorted(assets.items()),
        views.owner_pictures(),
    )

    def shows(skus: Iterable[str]) -> bool:
        return only is None or not only.isdisjoint(skus)

    keys: dict[int, tuple[str, str, str, bool]] = {}  # by the pick's id: a pick is in the home page's, its tags' and collections' inputs

    def pick_key(pick: Pick) -> tuple[str, str, str, bool]:
        key = keys.get(id(pick))
        if key is None:
            key = keys[id(pick)] = (pick.product.sku, products.key(pick.product), pick.note, pick.featured)
        return key

    picks_digest = digest([pick_key(p) for p in shop.picks])  # what the home page and products.json show of the picks

    def home() -> View:
        offers = [views.offer(p) for p in shop.picks]
        return views.page(
            "",
            "home",
            shop.title,
            views.site("", assets)["bio_text"] or shop.title,
            assets,
            featured=[o for o in offers if o["featured"]],
            offers=offers,
            collections=[views.collection(c) for c in shop.collections],
            posts=views.post_summaries()[:3],
            jsonld=views.shop_jsonld(),
        )

    if shows(p.product.sku for p in shop.picks):
        lazy_page(
            "",
            "home.html",
            digest(
                chrome,
                picks_digest,
                [(c.id, c.description, [p.product.sku for p in c.picks]) for c in shop.collections],
                shop.posts[:3],
            ),
            home,
            HOME_OFFERS,
        )

    def product_page(pick: Pick) -> View:
        offer = views.offer(pick)
        path = product_path(offer["sku"])
        description = offer["note_text"] or offer["description_text"]
        link = links.page_link(shop, pick.product.sku)
        share = {"short": link.short, "long": link.long, "code": link.code}
        return views.page(path, "product", offer["title"], description, assets, p=offer, jsonld=views.product_jsonld(offer), share=share)

    for pick in shop.picks:
        if only is not None and pick.product.sku not in only:
            continue
        lazy_page(product_path(pick.product.sku), "product.html", digest(chrome, pick_key(pick)), partial(product_page, pick))

    def collection_page(c: Collection) -> View:
        description = markup.plain(c.description, media_prefix="../../" + OWNER_MEDIA) or c.title
        return views.page(collection_path(c.id), "collection", c.title, description, assets, collection=views.collection(c))

    for c in shop.collections:
        if not shows(p.product.sku for p in c.picks):
            continue
        inputs = digest(chrome, c.id, c.title, c.description, [pick_key(p) for p in c.picks])
        lazy_page(collection_path(c.id), "collection.html", inputs, partial(collection_page, c), COLLECTION_OFFERS)

    def post_page(post: Post) -> View:
        summary = views.post_summary(post)
        body = views.owner_html(markup.render(post.body, "../../" + OWNER_MEDIA), "../../")
        cards = {sku: views.offer(pick) for sku in markup.card_skus(body) if (pick := shop.pick(sku)) is not None}
        path = post_path(post.slug)
        post_view = {**summary, "body_html": body, "cards": cards}
        return views.page(path, "post", post.title, summary["summary"], assets, post=post_view, jsonld=views.post_jsonld(summary))

    def tag_page(tag: Tag) -> View:
        view = views.tag(tag)
        title = views.words.gettext("Tagged “%(tag)s”") % {"tag": tag.title}
        return views.page(view["path"], "tag", title, title, assets, tag=view)

    for tag in shop_tags(shop):
        if shows(p.product.sku for p in tag.picks):
            inputs = digest(chrome, tag.slug, tag.title, [pick_key(p) for p in tag.picks])
            lazy_page(tag_file(tag.slug), "tag.html", inputs, partial(tag_page, tag), TAG_OFFERS)

    for post in shop.posts:
        cards = [pick for pick in shop.picks if "{{<" in post.body and pick.product.sku in post.body]
        if shows(pick.product.sku for pick in cards):
            lazy_page(post_path(post.slug), "post.html", digest(chrome, post, [pick_key(p) for p in cards]), partial(post_page, post))
    out.append(Output("products.json", data=views.products_json, inputs=digest(chrome, picks_digest)))
    for pick in shop.picks:
        if only is None or pick.product.sku in only:
            out.extend(catalog_media(project, pick.product, products))
    if only is None:
        out.extend(shop_wide(shop, theme, views, chrome, now))
        out = dedupe_media(out)
        out.append(headers_output(project, out))
        return out
    return dedupe_media(out)


def headers_output(project: Project, outputs: list[Output]) -> Output:
    """The shop's ``_headers`` file: the response headers for all its other outputs."""
    media = project.platform.media_url
    rules = headers.shop_rules((o.path for o in outputs), origin(project.platform.checkout_url), origin(media) if media else "")
    return Output(headers.FILE, data=headers.render(rules))


def page_output(path: str, template: str, inputs: str, make: Callable[[], View], grid: Grid | None = None) -> Output:
    """A page whose view is built only if ``inputs`` changed since the last build."""
    dest = path + "index.html" if path.endswith("/") or not path else path
    return Output(dest, template, make, inputs=inputs, grid=grid)


def shop_wide(shop: Shop, theme: Theme, views: ShopViews, chrome: str, now: dt.datetime) -> list[Output]:
    """The outputs that show no catalog facts: lists of posts, the share, cart and thanks
    pages, feeds and maps, the theme's files and the owner's images."""
    assets = theme.assets
    _ = views.words.gettext  # the page titles are the theme's words (its catalog holds them)
    out: list[Output] = []

    def lazy_page(path: str, template: str, inputs: str, make: Callable[[], View]) -> None:
        out.append(page_output(path, template, inputs, make))

    lazy_page(
        "posts/",
        "posts.html",
        digest(chrome, shop.posts),
        lambda: views.page("posts/", "posts", _("Notes"), _("Notes"), assets, posts=views.post_summaries()),
    )
    tags = shop_tags(shop)
    listed = [(tag.slug, tag.title, len(tag.picks)) for tag in tags]

    def tags_page() -> View:
        entries = [{"title": title, "count": n, "path": tag_path(slug)} for slug, title, n in listed]
        return views.page("tags/", "tags", _("Tags"), _("Tags"), assets, tags=entries)

    if tags:
        lazy_page("tags/", "tags.html", digest(chrome, listed), tags_page)
    # A crawler reads this one page for every code (it runs no script): it shows the owner's card.
    lazy_page("s/", "s.html", chrome, lambda: views.page("s/", "s", shop.title, views.site("../", assets)["bio_text"] or shop.title, assets))
    out.append(Output("s/codes.json", data=partial(links.codes_json, shop), inputs=digest(chrome, [p.product.sku for p in shop.picks])))
    lazy_page("cart/", "cart.html", chrome, lambda: views.page("cart/", "cart", _("Cart"), _("Cart"), assets))
    thanks = _("Thank you for your order!")
    lazy_page("thanks/", "thanks.html", chrome, lambda: views.page("thanks/", "thanks", thanks, thanks, assets))
    gone = _("This link may have expired. Have a look around the shop instead.")
    lazy_page("404.html", "404.html", chrome, lambda: views.page("404.html", "404", _("Page not found"), gone, assets))

    updated = max((p.date for p in shop.posts), default=now.date())
    feed = partial(views.page, "feed.xml", "feed", shop.title, shop.title, assets, updated=f"{updated.isoformat()}T00:00:00Z")
    out.append(Output("feed.xml", "feed.xml", lambda: feed(posts=views.post_summaries()), inputs=digest(chrome, shop.posts, updated)))

    def sitemap() -> View:
        urls = [shop.base_url] + [shop.base_url + product_path(p.product.sku) for p in shop.picks]
        urls += [shop.base_url + collection_path(c.id) for c in shop.collections]
        urls += [shop.base_url + "posts/"] + [shop.base_url + post_path(p.slug) for p in shop.posts]
        urls += ([shop.base_url + "tags/"] if tags else []) + [shop.base_url + tag_path(tag.slug) for tag in tags]
        return {"urls": urls}

    site_inputs = digest(
        shop.base_url, [p.product.sku for p in shop.picks], [c.id for c in shop.collections], [p.slug for p in shop.posts], [tag.slug for tag in tags]
    )
    out.append(Output("sitemap.xml", "sitemap.xml", sitemap, inputs=site_inputs))
    out.append(Output("robots.txt", "robots.txt", {"sitemap": shop.base_url + "sitemap.xml"}))
    for path, data in theme.asset_bytes.items():
        out.append(Output(path, data=data))
    for ref in shop.media:
        if not media.is_raster(ref):
            out.append(Output(OWNER_MEDIA + ref, source=media.Source(str(shop.source_dir), ref, owner=True)))
    for picture in views.owner_pictures():
        out.extend(copy_outputs(OWNER_MEDIA, picture))
    if shop.avatar:
        out.append(card_output(media.Source(str(shop.source_dir), shop.avatar, owner=True)))
    return out


def card_output(source: media.Source) -> Output:
    return Output(sharecard.card_path(source.ref, owner=source.owner), card=source)


def copy_outputs(folder: str, picture: Picture) -> list[Output]:
    """The files of a raster picture's copies, under the media ``folder``."""
    return [Output(folder + name, copy=copy) for name, copy in picture.copies()]


def catalog_media(project: Project, product: Product, products: Products) -> tuple[Output, ...]:
    """The image files of one product, made once and shared by every shop that picks it."""
    outputs = products.media.get(product.sku)
    if outputs is None:
        made: list[Output] = []
        for ref in catalog_files(product):
            if not media.is_raster(ref):
                made.append(Output(CATALOG_MEDIA + ref, source=media.Source(str(project.root), ref, owner=False)))
        if not project.platform.media_url:  # else served from there, for every shop (ShopBuilder.publish_shared)
            for picture in products.catalog_pictures(product).values():
                made.extend(copy_outputs(CATALOG_MEDIA, picture))
        card = card_ref(product)
        if card is not None:
            made.append(card_output(media.Source(str(project.root), card, owner=False)))
        outputs = products.media[product.sku] = tuple(made)
    return outputs


def dedupe_media(outputs: list[Output]) -> list[Output]:
    """The same image used by two picks is one file; any other clash is a bug and refused by the writer."""
    seen: set[tuple[str, media.Source | Copy]] = set()
    kept: list[Output] = []
    for o in outputs:
        made_of = o.source or o.copy or o.card
        if made_of is not None:
            key = (o.path, made_of)
            if key in seen:
                continue
            seen.add(key)
        kept.append(o)
    return kept
