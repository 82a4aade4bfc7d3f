"""Plan every output of a shop: where it goes and what makes it; no rendering, no disk writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import markup
from .model import Project, Shop
from .theme import Theme
from .views import CATALOG_MEDIA, OWNER_MEDIA, ShopViews, View, collection_path, post_path, product_path


@dataclass(frozen=True)
class Output:
    """One file of a shop's site. Exactly one of template, data or source says how to make it."""

    path: str  # relative to the shop's folder, posix, e.g. "p/BB-1001/index.html"
    template: str | None = None
    view: View | None = None
    data: bytes | None = None
    source: Path | None = None


def plan_shop(project: Project, shop: Shop, theme: Theme, product_cache: dict[Any, View], now: dt.datetime) -> list[Output]:
    views = ShopViews(shop, project.platform, product_cache)
    assets = theme.assets
    t = views.t
    out: list[Output] = []

    def page(path: str, template: str, kind: str, title: str, description: str, **extra: Any) -> None:
        dest = path + "index.html" if path.endswith("/") or not path else path
        out.append(Output(dest, template, views.page(path, kind, title, description, assets, **extra)))

    offers = [views.offer(p) for p in shop.picks]
    posts = [views.post_summary(p) for p in shop.posts]
    page(
        "",
        "home.html",
        "home",
        shop.title,
        views.site("", assets)["bio_text"] or shop.title,
        featured=[o for o in offers if o["featured"]],
        offers=offers,
        collections=[views.collection(c) for c in shop.collections],
        posts=posts[:3],
    )
    for offer in offers:
        page(
            product_path(offer["sku"]),
            "product.html",
            "product",
            offer["title"],
            offer["note_text"] or offer["description_text"],
            p=offer,
            jsonld=views.product_jsonld(offer),
        )
    for c in shop.collections:
        cv = views.collection(c)
        description = markup.plain(c.description, media_prefix="../../" + OWNER_MEDIA) or c.title
        page(collection_path(c.id), "collection.html", "collection", c.title, description, collection=cv)
    page("posts/", "posts.html", "posts", t["posts"], t["posts"], posts=posts)
    for post, summary in zip(shop.posts, posts, strict=True):
        body = markup.render(post.body, "../../" + OWNER_MEDIA)
        cards = {sku: views.offer(pick) for sku in markup.card_skus(body) if (pick := shop.pick(sku)) is not None}
        page(post_path(post.slug), "post.html", "post", post.title, summary["summary"], post={**summary, "body_html": body, "cards": cards})
    page("404.html", "404.html", "404", t["not_found_title"], t["not_found_text"])

    updated = max((p.date for p in shop.posts), default=now.date())
    feed_view = views.page("feed.xml", "feed", shop.title, shop.title, assets, posts=posts, updated=f"{updated.isoformat()}T00:00:00Z")
    out.append(Output("feed.xml", "feed.xml", feed_view))
    urls = [shop.base_url] + [o["url"] for o in offers] + [views.shop.base_url + collection_path(c.id) for c in shop.collections]
    urls += [shop.base_url + "posts/"] + [p["url"] for p in posts]
    out.append(Output("sitemap.xml", "sitemap.xml", {"urls": urls}))
    out.append(Output("robots.txt", "robots.txt", {"sitemap": shop.base_url + "sitemap.xml"}))
    out.append(Output("products.json", data=views.products_json()))

    for path, data in theme.asset_bytes.items():
        out.append(Output(path, data=data))
    for pick in shop.picks:
        for ref in pick.product.images:
            if not ref.startswith("https://"):
                out.append(Output(CATALOG_MEDIA + ref, source=project.root / ref))
    for ref in owner_media(shop):
        out.append(Output(OWNER_MEDIA + ref, source=shop.source_dir / ref))
    return dedupe_media(out)


def owner_media(shop: Shop) -> list[str]:
    refs = [shop.avatar] if shop.avatar else []
    texts = [shop.bio] + [p.note for p in shop.picks] + [c.description for c in shop.collections] + [p.body for p in shop.posts]
    for text in texts:
        refs.extend(r for r in markup.local_image_refs(text) if r.startswith("images/"))
    return sorted(set(refs))


def dedupe_media(outputs: list[Output]) -> list[Output]:
    """The same image used by two picks is one file; any other clash is a bug and refused by the writer."""
    seen: set[tuple[str, Path]] = set()
    kept: list[Output] = []
    for o in outputs:
        if o.source is not None:
            key = (o.path, o.source)
            if key in seen:
                continue
            seen.add(key)
        kept.append(o)
    return kept
