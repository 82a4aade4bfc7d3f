"""Every kind of edit an owner, the platform or a theme author makes to a project, one small
function each, for the differential test (tests/test_differential.py).

Each edit takes the project's root and a seeded ``random.Random``, changes files the way a
person would, and returns one line saying what it did, or None when it does not apply to the
project as it is now (no second shop to delete, no post to edit): the caller then draws
another. Every edit leaves a project that builds: a pick added is in the catalog and active,
a collection holds only picks, a post's product card names a pick, every shop keeps a pick,
prices are decimal text with two places and a list price is never below the price.

YAML is read with ``yaml.safe_load`` and written back as an editor would: block style, lists
indented under their key (the shape in which catalog.yaml is cached product by product), text
of several lines as a ``|`` block.
"""

from __future__ import annotations

import datetime
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Edit = Callable[[Path, random.Random], str | None]

STATUSES = ("active", "sold_out", "discontinued", "recalled")
LOCALES = ("zh_CN", "en_US")
CHANNELS = ("wechat", "moments", "link", "weibo", "xhs", "douyin")
CAMPAIGNS = ("double11", "winter", "spring-sale", "cny2027", "618")
CONTACTS = ("wechat", "weibo", "email", "phone", "xhs")
WORDS = ("soft", "warm", "quick", "organic", "gentle", "crisp", "daily", "family", "trusted", "fresh", "light", "handy", "好用", "安心")


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # lists indented two spaces under their key, as the demo's files and most editors write them
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def save(path: Path, data: Any) -> None:
    path.write_text(dump(data), encoding="utf-8")


def words(rng: random.Random, n: int = 4) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def money(rng: random.Random, low: int = 100, high: int = 50_000) -> str:
    return f"{rng.randint(low, high) / 100:.2f}"


def token(rng: random.Random) -> str:
    """A fresh name for a file, shop, post or SKU (seeded, so a run is repeatable)."""
    return f"{rng.randrange(16**6):06x}"


# -- reading the project as it is now ---------------------------------------------------------


def catalog(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = load(root / "catalog.yaml")
    return data


def shops(root: Path) -> list[Path]:
    return sorted(p for p in (root / "content").iterdir() if (p / "shop.yaml").is_file())


def sku_of(pick: Any) -> str:
    return str(pick["sku"] if isinstance(pick, dict) else pick)


def long_form(pick: Any) -> dict[str, Any]:
    return dict(pick) if isinstance(pick, dict) else {"sku": pick}


def posts(shop: Path) -> list[Path]:
    return sorted((shop / "posts").glob("*.md"))


def read_post(path: Path) -> tuple[dict[str, Any], str]:
    _, meta, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(meta), body


def write_post(path: Path, meta: dict[str, Any], body: str) -> None:
    path.write_text(f"---\n{dump(meta)}---\n{body}", encoding="utf-8")


def images(root: Path) -> list[Path]:
    return sorted((root / "images").glob("*.svg"))


def drawing(rng: random.Random) -> str:
    """A small SVG picture, different each time."""
    w, h, hue = rng.randint(10, 400), rng.randint(10, 400), rng.randrange(360)
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}"><rect width="{w}" height="{h}" fill="hsl({hue},60%,70%)"/></svg>\n'


def _a_shop(root: Path, rng: random.Random) -> tuple[Path, dict[str, Any]]:
    shop = rng.choice(shops(root))
    return shop, load(shop / "shop.yaml")


def _a_product(root: Path, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    data = catalog(root)
    return data, rng.choice(data["products"])


# -- the platform: catalog.yaml and images/ ---------------------------------------------------


def price(root: Path, rng: random.Random) -> str:
    data, product = _a_product(root, rng)
    product["price"] = money(rng)
    if rng.random() < 0.3:
        product.pop("list_price", None)
    elif "list_price" in product or rng.random() < 0.3:
        product["list_price"] = f"{float(product['price']) + rng.randint(0, 5000) / 100:.2f}"
    for variant in product.get("variants", []):
        if "price" in variant and rng.random() < 0.5:
            variant["price"] = money(rng)
    save(root / "catalog.yaml", data)
    return f"price of {product['sku']} is {product['price']}, list price {product.get('list_price')}"


def product_title(root: Path, rng: random.Random) -> str:
    data, product = _a_product(root, rng)
    product["title"] = words(rng, 3)
    save(root / "catalog.yaml", data)
    return f"title of {product['sku']} is {product['title']!r}"


def status(root: Path, rng: random.Random) -> str:
    data, product = _a_product(root, rng)
    # any status, picked or not: a recall of a picked product is a warning, not a mistake
    product["status"] = rng.choice([s for s in STATUSES if s != product.get("status", "active")])
    save(root / "catalog.yaml", data)
    return f"status of {product['sku']} is {product['status']}"


def stock(root: Path, rng: random.Random) -> str:
    data, product = _a_product(root, rng)
    if "stock" in product and rng.random() < 0.3:
        del product["stock"]
    else:
        product["stock"] = rng.choice([0, 1, rng.randint(2, 500)])
    save(root / "catalog.yaml", data)
    return f"stock of {product['sku']} is {product.get('stock')}"


def description(root: Path, rng: random.Random) -> str:
    data, product = _a_product(root, rng)
    paragraphs = [words(rng, 8), f"**{words(rng, 2)}** {words(rng, 5)}", f"- {words(rng, 3)}\n- {words(rng, 3)}"]
    if rng.random() < 0.3:
        paragraphs.append(f"![{words(rng, 1)}](images/{rng.choice(images(root)).name})")  # a catalog picture inside the text
    if rng.random() < 0.2:
        product.pop("description", None)
    else:
        product["description"] = "\n\n".join(rng.sample(paragraphs, rng.randint(1, len(paragraphs)))) + "\n"
    save(root / "catalog.yaml", data)
    return f"description of {product['sku']} rewritten"


def catalog_image_bytes(root: Path, rng: random.Random) -> str:
    target = rng.choice(images(root))
    if rng.random() < 0.5:
        source = rng.choice(images(root))
        shutil.copyfile(source, target)
        return f"{target.name} replaced by a copy of {source.name}"
    target.write_text(drawing(rng), encoding="utf-8")
    return f"{target.name} redrawn"


def product_images(root: Path, rng: random.Random) -> str:
    data, product = _a_product(root, rng)
    pictures = [f"images/{p.name}" for p in images(root)]
    choice = rng.random()
    if choice < 0.4:
        name = f"images/new-{token(rng)}.svg"
        shutil.copyfile(root / rng.choice(pictures), root / name)
        product["images"] = [name, *product.get("images", [])]
    elif choice < 0.8:
        product["images"] = rng.sample(pictures, rng.randint(1, 2))
    else:
        product.pop("images", None)
    save(root / "catalog.yaml", data)
    return f"images of {product['sku']} are {product.get('images')}"


def product_added(root: Path, rng: random.Random) -> str:
    data = catalog(root)
    sku = f"NW-{token(rng)}"
    product: dict[str, Any] = {"sku": sku, "title": words(rng, 3), "category": rng.choice(data["categories"])["id"], "price": money(rng)}
    if rng.random() < 0.5:
        product["images"] = [f"images/{rng.choice(images(root)).name}"]
    if rng.random() < 0.5:
        product["description"] = words(rng, 10) + "\n"
    data["products"].insert(rng.randint(0, len(data["products"])), product)
    save(root / "catalog.yaml", data)
    return f"new product {sku} in the catalog"


def platform_name(root: Path, rng: random.Random) -> str:
    data = catalog(root)
    data["platform"]["name"] = f"Shopforest {words(rng, 1)}"
    save(root / "catalog.yaml", data)
    return f"platform name is {data['platform']['name']!r}"


# -- an owner: content/<shop>/shop.yaml -------------------------------------------------------


def note(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    i = rng.randrange(len(doc["picks"]))
    pick = long_form(doc["picks"][i])
    if "note" in pick and rng.random() < 0.3:
        del pick["note"]
    else:
        pick["note"] = words(rng, 6) + ("\n" if rng.random() < 0.5 else "")
    doc["picks"][i] = pick
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: note on {pick['sku']} {'removed' if 'note' not in pick else 'rewritten'}"


def pick_added(root: Path, rng: random.Random) -> str | None:
    shop, doc = _a_shop(root, rng)
    picked = {sku_of(p) for p in doc["picks"]}
    candidates = [p["sku"] for p in catalog(root)["products"] if p.get("status", "active") == "active" and p["sku"] not in picked]
    if not candidates:
        return None
    sku = rng.choice(candidates)
    pick: Any = sku if rng.random() < 0.4 else {"sku": sku, "note": words(rng, 5), "featured": rng.random() < 0.3}
    doc["picks"].insert(rng.randint(0, len(doc["picks"])), pick)
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: picks {sku}"


def pick_removed(root: Path, rng: random.Random) -> str | None:
    """She drops a pick, and with it its place in her collections and its cards in her posts."""
    shop, doc = _a_shop(root, rng)
    if len(doc["picks"]) < 2:
        return None
    sku = sku_of(doc["picks"].pop(rng.randrange(len(doc["picks"]))))
    for collection in doc.get("collections", []):
        collection["skus"] = [s for s in collection.get("skus", []) if s != sku]
    save(shop / "shop.yaml", doc)
    for post in posts(shop):
        text = post.read_text(encoding="utf-8")
        kept = [line for line in text.splitlines(keepends=True) if line.split() != ["{{<", "product", sku, ">}}"]]
        post.write_text("".join(kept), encoding="utf-8")
    return f"{shop.name}: drops {sku}"


def picks_reordered(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    if rng.random() < 0.5:
        rng.shuffle(doc["picks"])
    else:
        i, j = rng.randrange(len(doc["picks"])), rng.randrange(len(doc["picks"]))
        doc["picks"][i], doc["picks"][j] = doc["picks"][j], doc["picks"][i]
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: picks reordered"


def featured(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    i = rng.randrange(len(doc["picks"]))
    pick = long_form(doc["picks"][i])
    pick["featured"] = not pick.get("featured", False)
    doc["picks"][i] = pick
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: {pick['sku']} featured {pick['featured']}"


def collection_added(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    picked = [sku_of(p) for p in doc["picks"]]
    cid = f"c-{token(rng)}"
    collection: dict[str, Any] = {"id": cid, "title": words(rng, 2), "skus": rng.sample(picked, rng.randint(1, min(4, len(picked))))}
    if rng.random() < 0.5:
        collection["description"] = words(rng, 6)
    doc.setdefault("collections", []).insert(rng.randint(0, len(doc["collections"])), collection)
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: new collection {cid} of {collection['skus']}"


def collection_removed(root: Path, rng: random.Random) -> str | None:
    shop, doc = _a_shop(root, rng)
    if not doc.get("collections"):
        return None
    gone = doc["collections"].pop(rng.randrange(len(doc["collections"])))
    if not doc["collections"] and rng.random() < 0.5:
        del doc["collections"]
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: collection {gone['id']} removed"


def collection_edited(root: Path, rng: random.Random) -> str | None:
    shop, doc = _a_shop(root, rng)
    if not doc.get("collections"):
        return None
    collection = rng.choice(doc["collections"])
    picked = [sku_of(p) for p in doc["picks"]]
    skus: list[str] = collection.setdefault("skus", [])
    choice = rng.random()
    if choice < 0.25:
        collection["title"] = words(rng, 2)
        what = "retitled"
    elif choice < 0.4:
        collection["description"] = words(rng, 5)
        what = "described again"
    elif choice < 0.6 and set(picked) - set(skus):
        skus.insert(rng.randint(0, len(skus)), rng.choice(sorted(set(picked) - set(skus))))
        what = "one pick more"
    elif choice < 0.8 and len(skus) > 1:
        skus.pop(rng.randrange(len(skus)))
        what = "one pick fewer"
    else:
        rng.shuffle(skus)
        what = "reordered"
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: collection {collection['id']} {what}"


def contact(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    handles: dict[str, str] = doc.get("contact") or {}
    name = rng.choice(CONTACTS)
    if name in handles and rng.random() < 0.4:
        del handles[name]
    else:
        handles[name] = f"{shop.name}_{token(rng)}"
    if handles:
        doc["contact"] = handles
    else:
        doc.pop("contact", None)
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: contact is {handles}"


def channels(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    if rng.random() < 0.2:
        doc.pop("channels", None)
    else:
        doc["channels"] = rng.sample(CHANNELS, rng.randint(1, 4))
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: channels {doc.get('channels', 'by default')}"


def campaigns(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    if rng.random() < 0.3:
        doc.pop("campaigns", None)
    else:
        doc["campaigns"] = rng.sample(CAMPAIGNS, rng.randint(1, 3))
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: campaigns {doc.get('campaigns', 'none')}"


def locale(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    choices = [*LOCALES, None]
    chosen = rng.choice([c for c in choices if c != doc.get("locale")])
    if chosen is None:
        doc.pop("locale", None)
    else:
        doc["locale"] = chosen
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: locale {chosen or 'of the platform'}"


def shop_words(root: Path, rng: random.Random) -> str:
    """Her shop's title or bio."""
    shop, doc = _a_shop(root, rng)
    if rng.random() < 0.5:
        doc["title"] = words(rng, 3)
        what = "title"
    else:
        doc["bio"] = f"{words(rng, 6)}\n**{words(rng, 2)}**\n"
        what = "bio"
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: {what} rewritten"


def avatar(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    choice = rng.random()
    if choice < 0.4 and doc.get("avatar"):
        (shop / doc["avatar"]).write_text(drawing(rng), encoding="utf-8")
        return f"{shop.name}: avatar redrawn"
    if choice < 0.8:
        name = f"images/avatar-{token(rng)}.svg"
        (shop / "images").mkdir(exist_ok=True)
        shutil.copyfile(rng.choice(images(root)), shop / name)  # a copy: an owner's picture may have no second link
        doc["avatar"] = name
    else:
        doc.pop("avatar", None)
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: avatar {doc.get('avatar', 'removed')}"


def owner_image(root: Path, rng: random.Random) -> str:
    """She adds a picture of her own to a note or a post."""
    shop, doc = _a_shop(root, rng)
    name = f"images/own-{token(rng)}.svg"
    (shop / "images").mkdir(exist_ok=True)
    (shop / name).write_text(drawing(rng), encoding="utf-8")
    figure = f"![{words(rng, 1)}]({name})"
    written = posts(shop)
    if written and rng.random() < 0.5:
        post = rng.choice(written)
        meta, body = read_post(post)
        write_post(post, meta, f"{body}\n{figure}\n")
        return f"{shop.name}: {name} shown in {post.name}"
    i = rng.randrange(len(doc["picks"]))
    pick = long_form(doc["picks"][i])
    pick["note"] = f"{words(rng, 3)}\n\n{figure}\n"
    doc["picks"][i] = pick
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: {name} shown in the note on {pick['sku']}"


# -- an owner: content/<shop>/posts/ ----------------------------------------------------------


def _body(rng: random.Random, picks: list[str]) -> str:
    parts = [words(rng, 10), f"## {words(rng, 2)}", words(rng, 7)]
    for sku in rng.sample(picks, min(len(picks), rng.randint(0, 2))):
        parts.insert(rng.randint(1, len(parts)), f"{{{{< product {sku} >}}}}")
    return "\n\n".join(parts) + "\n"


def post_added(root: Path, rng: random.Random) -> str:
    shop, doc = _a_shop(root, rng)
    slug = f"post-{token(rng)}"
    meta: dict[str, Any] = {"title": words(rng, 3), "date": datetime.date(2026, rng.randint(1, 12), rng.randint(1, 28))}
    if rng.random() < 0.5:
        meta["summary"] = words(rng, 5)
    if rng.random() < 0.5:
        meta["tags"] = rng.sample(["tips", "review", "新品", "日常"], 2)
    if rng.random() < 0.15:
        meta["draft"] = True
    (shop / "posts").mkdir(exist_ok=True)
    write_post(shop / "posts" / f"{slug}.md", meta, _body(rng, [sku_of(p) for p in doc["picks"]]))
    return f"{shop.name}: new {'draft' if meta.get('draft') else 'post'} {slug}"


def post_edited(root: Path, rng: random.Random) -> str | None:
    shop, doc = _a_shop(root, rng)
    written = posts(shop)
    if not written:
        return None
    post = rng.choice(written)
    meta, body = read_post(post)
    choice = rng.random()
    if choice < 0.2:
        meta["title"] = words(rng, 3)
        what = "title"
    elif choice < 0.35:
        meta["date"] = datetime.date(2026, rng.randint(1, 12), rng.randint(1, 28))
        what = "date"
    elif choice < 0.5:
        meta["summary"] = words(rng, 4)
        what = "summary"
    elif choice < 0.6:
        meta["tags"] = rng.sample(["tips", "review", "新品", "日常", "辅食"], rng.randint(0, 3))
        what = "tags"
    else:
        body = _body(rng, [sku_of(p) for p in doc["picks"]])
        what = "body"
    write_post(post, meta, body)
    return f"{shop.name}: {post.name} {what} rewritten"


def post_deleted(root: Path, rng: random.Random) -> str | None:
    shop = rng.choice(shops(root))
    written = posts(shop)
    if not written:
        return None
    post = rng.choice(written)
    post.unlink()
    return f"{shop.name}: {post.name} deleted"


def draft(root: Path, rng: random.Random) -> str | None:
    shop = rng.choice(shops(root))
    written = posts(shop)
    if not written:
        return None
    post = rng.choice(written)
    meta, body = read_post(post)
    if meta.get("draft"):
        del meta["draft"]
    else:
        meta["draft"] = True
    write_post(post, meta, body)
    return f"{shop.name}: {post.name} {'is a draft' if meta.get('draft') else 'published'}"


# -- shops come and go ------------------------------------------------------------------------


def shop_added(root: Path, rng: random.Random) -> str:
    """A new owner: a copy of another's folder under her own id, or a small shop of her own."""
    new = root / "content" / f"shop-{token(rng)}"
    if rng.random() < 0.5:
        source = rng.choice(shops(root))
        shutil.copytree(source, new)
        doc = load(new / "shop.yaml")
        doc["title"], doc["owner"] = words(rng, 3), words(rng, 1)
        save(new / "shop.yaml", doc)
        return f"new shop {new.name}, a copy of {source.name}"
    active = [p["sku"] for p in catalog(root)["products"] if p.get("status", "active") == "active"]
    new.mkdir()
    save(new / "shop.yaml", {"title": words(rng, 3), "owner": words(rng, 1), "picks": rng.sample(active, rng.randint(1, 5))})
    return f"new shop {new.name} of her own"


def shop_deleted(root: Path, rng: random.Random) -> str | None:
    if len(shops(root)) < 2:
        return None
    gone = rng.choice(shops(root))
    shutil.rmtree(gone)
    return f"shop {gone.name} deleted"


# -- a theme author: themes/default/ ----------------------------------------------------------

TEMPLATES = "themes/default/templates"
STATIC = "themes/default/static"


def template(root: Path, rng: random.Random) -> str:
    """A comment or a harmless element, inside the main block of a page or at the end of a
    child template (outside every block: the file changes, its output does not)."""
    path = rng.choice(sorted((root / TEMPLATES).glob("*.html")))
    text = path.read_text(encoding="utf-8")
    mark = rng.choice([f"<!-- edit {token(rng)} -->", f'<span hidden data-edit="{token(rng)}"></span>'])
    if "{% block main %}" in text and rng.random() < 0.7:
        text = text.replace("{% block main %}", "{% block main %}" + mark, 1)
    elif "</body>" in text:
        text = text.replace("</body>", mark + "\n</body>", 1)
    else:
        text += mark + "\n"
    path.write_text(text, encoding="utf-8")
    return f"{path.name}: {mark}"


def partial(root: Path, rng: random.Random) -> str:
    path = rng.choice(sorted((root / TEMPLATES / "partials").glob("*.html")))
    mark = "{# edit " + token(rng) + " #}" if path.name == "price.html" else f"<!-- edit {token(rng)} -->"
    path.write_text(mark + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return f"partials/{path.name}: {mark}"


def text_template(root: Path, rng: random.Random) -> str:
    """The feed, the sitemap and robots.txt: an XML comment or a comment line."""
    name = rng.choice(["feed.xml", "sitemap.xml", "robots.txt"])
    path = root / TEMPLATES / name
    text = path.read_text(encoding="utf-8")
    if name == "robots.txt":
        text += f"# edit {token(rng)}\n"
    else:
        first, rest = text.split("\n", 1)
        text = f"{first}\n<!-- edit {token(rng)} -->\n{rest}"
    path.write_text(text, encoding="utf-8")
    return f"{name} edited"


def css(root: Path, rng: random.Random) -> str:
    rule = f".edit-{token(rng)} {{ margin: {rng.randint(0, 9)}px; }}\n"
    with (root / STATIC / "style.css").open("a", encoding="utf-8") as fh:
        fh.write(rule)
    return f"style.css: {rule.strip()}"


def js(root: Path, rng: random.Random) -> str:
    path = rng.choice([p for p in sorted((root / STATIC).rglob("*.js"))])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"// edit {token(rng)}\n")
    return f"{path.relative_to(root / STATIC).as_posix()}: a comment appended"


def _themes(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "themes").iterdir() if (p / "templates").is_dir())


def theme_added(root: Path, rng: random.Random) -> str:
    """A theme of a few files of its own on top of another: everything else is its parent's."""
    name = f"t-{token(rng)}"
    parent = rng.choice(_themes(root))  # before its folder is made: a theme on top of itself has no default under it
    folder = root / "themes" / name
    (folder / "templates").mkdir(parents=True)
    if parent != "default" or rng.random() < 0.5:
        (folder / "theme.yaml").write_text(f"extends: {parent}\n", encoding="utf-8")  # else it extends default all the same
    return f"new theme {name} on top of {parent}; {_override(root, rng, name)}"


def theme_override(root: Path, rng: random.Random) -> str | None:
    others = [t for t in _themes(root) if t != "default"]
    return _override(root, rng, rng.choice(others)) if others else None


def _override(root: Path, rng: random.Random, name: str) -> str:
    """In a theme other than default: a template, partial or style sheet of its own, in place
    of its parent's, or one of its own removed so that the parent's shows through again."""
    folder = root / "themes" / name
    own = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "theme.yaml")
    if own and rng.random() < 0.3:
        gone = rng.choice(own)
        gone.unlink()
        return f"{name}: its own {gone.relative_to(folder).as_posix()} removed"
    if rng.random() < 0.25:
        target = folder / "static" / "style.css"
        target.parent.mkdir(exist_ok=True)
        target.write_text((root / STATIC / "style.css").read_text(encoding="utf-8") + f".{name} {{ color: #{token(rng)}; }}\n", encoding="utf-8")
        return f"{name}: a style sheet of its own"
    source = rng.choice(sorted((root / TEMPLATES).rglob("*.html")))
    relative = source.relative_to(root / TEMPLATES)
    target = folder / "templates" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    comment = "{# " + name + " " + token(rng) + " #}" if source.name == "price.html" else f"<!-- {name} {token(rng)} -->"
    target.write_text(comment + "\n" + source.read_text(encoding="utf-8"), encoding="utf-8")
    return f"{name}: its own {relative.as_posix()}"


def theme_chosen(root: Path, rng: random.Random) -> str | None:
    shop, doc = _a_shop(root, rng)
    others = [t for t in _themes(root) if t != doc.get("theme", "default")]
    if not others:
        return None
    chosen = rng.choice(others)
    if chosen == "default" and rng.random() < 0.5:
        doc.pop("theme", None)
    else:
        doc["theme"] = chosen
    save(shop / "shop.yaml", doc)
    return f"{shop.name}: theme {chosen}"


EDITS: dict[str, Edit] = {
    edit.__name__: edit
    for edit in (
        price,
        product_title,
        status,
        stock,
        description,
        catalog_image_bytes,
        product_images,
        product_added,
        platform_name,
        note,
        pick_added,
        pick_removed,
        picks_reordered,
        featured,
        collection_added,
        collection_removed,
        collection_edited,
        contact,
        channels,
        campaigns,
        locale,
        shop_words,
        avatar,
        owner_image,
        post_added,
        post_edited,
        post_deleted,
        draft,
        shop_added,
        shop_deleted,
        template,
        partial,
        text_template,
        css,
        js,
        theme_added,
        theme_override,
        theme_chosen,
    )
}
