"""Generate docs/formats.md's field tables from the schema, so the reference cannot drift.

Run ``python -m generator.content.schemadoc > docs/formats.md``; a test checks the file is current.
"""

from __future__ import annotations

import sys
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from . import marktext, media, raster, schema

_LOCALES = " or ".join(f"`{name}`" for name in schema.LOCALES)

NOTES: dict[str, str] = {
    "PlatformIn.name": "shown in every shop's footer",
    "PlatformIn.currency": "ISO 4217 code; every price is in it",
    "PlatformIn.locale": f"the locale of shops that set none: {_LOCALES}; the scaffold of `shopforest new` is written in it",
    "PlatformIn.checkout_url": "base URL of the checkout hook",
    "PlatformIn.shop_url": "where shops live unless shop.yaml sets `base_url`; `{shop}` becomes the shop id",
    "PlatformIn.attribution_days": "how long a share link's attribution lasts in a browser",
    "PlatformIn.refund_days": "commission is locked once this many days pass without a refund",
    "PlatformIn.media_url": (
        "optional: the one URL every shop takes the catalog's pictures from (a CDN or the platform's host);"
        " the build writes them once into `<out>/_media/` to upload there, not into each shop (docs/building.md)"
    ),
    "PlatformIn.payment": "how customers pay for orders (below)",
    "PaymentIn.method": "`link`: a signed payment link the hook makes; `cod`: cash on delivery; `contact`: the platform contacts the customer",
    "PaymentIn.link": "URL template of the payment page (https); fields `{order_id}` and `{signature}` required, `{amount}`, "
    "`{amount_minor}`, `{currency}`, `{expires}` optional (docs/checkout.md)",
    "PaymentIn.link_hours": "how long a payment link is valid after the order (1–720)",
    "CategoryIn.id": "lowercase id, `^[a-z0-9][a-z0-9-]{0,38}$`",
    "CategoryIn.commission": 'owner\'s share of a line total, 0–1, e.g. `"0.10"`',
    "ProductIn.sku": "`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, unique; the product page is `/p/<sku>/`",
    "ProductIn.category": "a category `id`",
    "ProductIn.price": "money: decimal text or a number, at most 2 places, not negative",
    "ProductIn.list_price": "money, at least `price`; shown struck through when higher",
    "ProductIn.commission": "overrides the category's rate",
    "ProductIn.status": "`recalled` and `discontinued` are never published; `sold_out` is shown but cannot be bought",
    "ProductIn.stock": "0 means sold out",
    "ProductIn.max_per_order": "most units in one order",
    "ProductIn.images": "`images/…` paths in the project, or `https://` URLs",
    "ProductIn.description": f"Markdown, at most {marktext.MAX_TEXT_CHARS:,} characters (see Markdown limits)",
    "VariantIn.id": "`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`; cart ids are `sku:variant`",
    "VariantIn.price": "overrides the product price",
    "VariantIn.stock": "0 means this variant is sold out",
    "VariantIn.image": "optional: a picture of this variant (`images/…`), shown beside it on the product page",
    "ShopIn.bio": f"Markdown, at most {marktext.MAX_TEXT_CHARS:,} characters (see Markdown limits)",
    "ShopIn.avatar": "path inside the shop folder, e.g. `images/avatar.svg`",
    "ShopIn.theme": "a folder under `themes/`",
    "ShopIn.locale": f"{_LOCALES}: every word of the theme, dates and prices in it; else the platform's",
    "ShopIn.base_url": "absolute http(s) URL the shop is published at (no space or control character, user name, "
    "`//` in the path, query or fragment); else `platform.shop_url`",
    "ShopIn.contact": "what she chooses to publish, name → handle (`wechat`, `phone`, `email`, `weibo`, `xiaohongshu`, `douyin`, …),"
    " shown in every page's footer under its name in the shop's language (微信：… / WeChat: …)",
    "ShopIn.private": "never shown, never published: what the checkout uses to recognise her (below)",
    "ShopIn.picks": "`- SKU` or a mapping (below), in display order",
    "ShopIn.channels": "where she shares links (docs/share-links.md); each gets its own link code",
    "ShopIn.campaigns": "her campaigns; none means links without one",
    "PrivateIn.phone": "her phone number, or a list of them (text or digits); her own orders from it earn no commission",
    "PickIn.note": f"the owner's own words, Markdown, at most {marktext.MAX_TEXT_CHARS:,} characters (see Markdown limits)",
    "PickIn.featured": "shown first on the home page",
    "CollectionIn.id": "`^[a-z0-9][a-z0-9-]{0,38}$`; the page is `/c/<id>/`",
    "CollectionIn.description": f"Markdown, at most {marktext.MAX_TEXT_CHARS:,} characters (see Markdown limits)",
    "CollectionIn.skus": "each must be one of the shop's picks",
    "PostMetaIn.date": "`YYYY-MM-DD`",
    "PostMetaIn.summary": "one line for lists and the feed; else the start of the body",
    "PostMetaIn.draft": "drafts are checked but not published",
}

SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("catalog.yaml → `platform`", schema.PlatformIn, ""),
    ("catalog.yaml → `platform.payment`", schema.PaymentIn, "The secret that signs payment links is `SHOPFOREST_PAYMENT_SECRET`, never in the file."),
    ("catalog.yaml → `categories[]`", schema.CategoryIn, ""),
    ("catalog.yaml → `products[]`", schema.ProductIn, ""),
    ("catalog.yaml → `products[].variants[]`", schema.VariantIn, ""),
    ("content/&lt;shop&gt;/shop.yaml", schema.ShopIn, "The folder name is the shop id: `^[a-z0-9][a-z0-9-]{1,38}$`."),
    (
        "shop.yaml → `private`",
        schema.PrivateIn,
        "What the platform needs to know about the owner and nobody else may see: no page, no file under `site/`, "
        "no `shopforest links` output and no report shows it.",
    ),
    ("shop.yaml → `picks[]` (long form)", schema.PickIn, ""),
    ("shop.yaml → `collections[]`", schema.CollectionIn, ""),
    (
        "content/&lt;shop&gt;/posts/&lt;slug&gt;.md front matter",
        schema.PostMetaIn,
        "The file name (without `.md`) is the slug: `^[a-z0-9][a-z0-9-]{0,38}$`.",
    ),
]


def describe(annotation: Any) -> str:
    """A reader's name for a schema type: money, rate, date, text, list of …."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        for meta in annotation.__metadata__:
            func = getattr(meta, "func", None)
            if func is schema.money_in_context:
                return "money"
            if func is schema.parse_rate:
                return "rate"
            if func is schema.parse_date:
                return "date"
            if func is schema.one_or_many:
                item = describe(get_args(args[0])[0])
                return f"{item} or list of {item}"
        return describe(args[0])
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (Union, UnionType):
        return " or ".join(describe(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {describe(args[0])}"
    if origin is dict:
        return "mapping of text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return {str: "text", int: "whole number", bool: "true/false"}.get(annotation, str(annotation))


def type_name(info: FieldInfo) -> str:
    if info.metadata and any(getattr(m, "func", None) for m in info.metadata):
        return describe(Annotated[(info.annotation, *info.metadata)])
    return describe(info.annotation)


def default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value: Any = info.default
    if value is None or isinstance(value, BaseModel) or value == [] or value == {} or value == "":
        return "—"
    return f"`{value}`"


def markdown_limits() -> list[str]:
    """The limits of marktext.py, and why each is what it is."""
    seconds = f"{marktext.RENDER_SECONDS:g}"
    return [
        "## Markdown limits",
        "",
        "Every Markdown text (a product's `description` in catalog.yaml, a shop's `bio`, a pick's",
        "`note`, a collection's `description`, a post's body) is held to these limits, so that one",
        "text can neither stall the build of every shop nor crash it. Python-Markdown takes",
        "quadratic time or worse on some inputs and recurses once per level of nesting. A text past",
        "a limit is an error located at the text (a post's at its line in the file; a YAML text's",
        "where it starts, the message naming the line within it), saying what to change.",
        "",
        "| limit | value | why this value |",
        "|---|---|---|",
        f"| size of a `bio`, `note` or `description` | {marktext.MAX_TEXT_CHARS:,} characters |"
        " hundreds of times the longest in the demo content (175 characters), room for a long specification table |",
        f"| size of a post's body | {marktext.MAX_POST_CHARS:,} characters |"
        " a long Chinese article is about 20,000 characters (56 KB of UTF-8): room for a dozen of them in one post |",
        f"| lists and quotes nested in one another | {marktext.MAX_NESTING} levels |"
        " real texts use three or four; Python-Markdown runs out of Python's stack at a few times this |",
        f"| `[` (or `(`) open at once in one paragraph | {marktext.MAX_OPEN} |"
        " Markdown looks for each one's partner up to the end of its paragraph: thousands left open take minutes |",
        f"| time to render one text | {seconds} seconds of processor time |"
        " the largest ordinary texts the sizes above allow take a small fraction of it |",
        "",
        "Sizes count characters, not bytes, so a Chinese text has the same room as an English one.",
        "A list level is four columns of indentation or a list marker (`-`, `*`, `+`, `1.`); a quote",
        "level is a `>`. A bracket meant as text is written `\\[` (or `\\(`) and is not counted; a blank",
        "line ends a paragraph.",
        "",
        "The size and nesting limits are checked when the project is loaded, for every text,",
        "before anything is rendered. The time limit is enforced where each text is rendered (in",
        "`check` and a one-process build, the command itself; otherwise the build's worker",
        "processes) by a timer on the processor time the renderer uses, so a busy machine does",
        "not make a text fail, and a text that takes too long fails alone while the rest are",
        "rendered. A text the renderer fails on in any other way (for example by running out of",
        "stack) is an error at the text, too, never a traceback. These render errors are reported",
        "like any other content error: all at once, exit code 1, nothing written to `site/`.",
        "They are found once the project loads without a mistake; a catalog description that",
        "fails stops a build before the shops are built (their own failures come on the next run).",
        "",
        "The dev server (`shopforest serve`) rebuilds in a background thread, where no timer can",
        "interrupt the renderer: there, texts rendered in that thread are held to the size and",
        "nesting limits alone.",
        "",
    ]


def render() -> str:
    out = [
        "# File formats reference",
        "",
        "<!-- generated by `python -m generator.content.schemadoc > docs/formats.md`; do not edit by hand -->",
        "",
        "Every file is YAML read safely: no tags, no merge keys, duplicate keys are errors, and",
        "unknown keys are errors. Money is read as a decimal from its text (never a float): write",
        '`price: "89.00"` or `price: 89.00`: plain digits with at most the currency\'s decimal places',
        "(two for CNY, none for JPY, as Babel knows them), never negative. Other spellings YAML reads",
        "as numbers (`1e2`, `1_000`, `.5`, `0x10`, `+5`) are refused, not guessed. Every mistake is",
        "reported as `path:line:col: message`, all at once.",
        "",
        "`shopforest schema` writes the same shapes as JSON Schema (`schemas/shop.schema.json`,",
        "`post.schema.json`, `catalog.schema.json`) for editors that complete keys and flag mistakes",
        "as you type (VS Code's YAML extension, JetBrains, yaml-language-server). A shop.yaml made by",
        "`shopforest new` names its schema on its first line:",
        "`# yaml-language-server: $schema=../../schemas/shop.schema.json`.",
        "",
    ]
    for title, model, intro in SECTIONS:
        out += [f"## {title}", ""]
        if intro:
            out += [intro, ""]
        out += ["| key | type | default | notes |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            note = NOTES.get(f"{model.__name__}.{name}", "")
            out.append(f"| `{name}` | {type_name(info)} | {default(info)} | {note} |")
        out.append("")
    out += [
        "## Posts: the product shortcode",
        "",
        "A line holding only `{{< product SKU >}}` embeds a product card (picture, title, price,",
        "link). The SKU must be one of the shop's picks; an unknown SKU is an error with its line.",
        "A card for a pick that is recalled or discontinued is left out, with a warning.",
        "",
        *markdown_limits(),
        "## Images",
        "",
        "Catalog images live under `images/` at the project root and are published as",
        "`media/catalog/images/…` in each shop that shows them. An owner's images live under",
        "`content/<shop>/images/` and are published as `media/owner/images/…`. Markdown may show",
        "them as `![alt](images/x.jpg)`; images from other sites are removed from owners' Markdown,",
        "since a shop page loads nothing from third parties.",
        "",
        "Every shop is served from the same origin as the others, so a file is published only",
        "when it is a picture of the owner's own (or the platform's), checked the same way by",
        "`check` and `build`:",
        "",
        "- its path is written plainly under `images/` (`images/a.jpg`, not `images/./a.jpg`,",
        "  `images//a.jpg`, `../x` or `/x`);",
        "- no step of the path is a symbolic link, the file is a regular file (no device or",
        "  FIFO), and an owner's file has no second hard link;",
        f"- it is at most {media.MAX_IMAGE_BYTES // 2**20} MB ({media.MAX_SVG_BYTES // 2**20} MB for SVG);",
        "- its content is a JPEG, PNG, GIF, WebP or SVG picture, and its name ends the way its",
        "  content says (`.jpg`/`.jpeg`, `.png`, `.gif`, `.webp`, `.svg`, in any case), so a",
        "  static host serves it as a picture and never as a page.",
        "",
        "An SVG is never published as written: it is rebuilt from an allow-list of drawing",
        "elements and attributes. Scripts, event attributes (`onload=`), `foreignObject`,",
        "animation, links, references outside the drawing (anything but `#id`), CSS that imports",
        "or loads anything, XML entities, comments and editors' metadata are left out. The same",
        "applies to a shop's `shop.yaml` and posts: a symbolic link in their place is an error.",
        "",
        "A raster picture (JPEG, PNG, GIF, WebP) is never published as uploaded either: pages show",
        'resized copies of it (docs/building.md, "Pictures"), turned upright by its EXIF orientation,',
        "converted to sRGB and stripped of all metadata (EXIF with the camera's GPS position, XMP,",
        "ICC profile, comments). When it is checked:",
        "",
        "- an animated GIF, WebP or PNG is an error: save one frame as a JPEG or PNG;",
        f"- a picture of more than {raster.MAX_PIXELS // 1_000_000} megapixels or {raster.MAX_SIDE:,} pixels a side is an error",
        "  (a decompression bomb unpacks a small file to gigabytes);",
        "- a truncated or damaged file is an error naming what the decoder found;",
        "- a CMYK JPEG is converted to sRGB (by its ICC profile when it has one) and a 16-bit PNG",
        "  to 8 bits: not errors;",
        f"- a product photo narrower than {raster.PHOTO_SHOWN} pixels, or an avatar narrower than {raster.AVATAR_SHOWN},",
        "  is a warning: pages show it that wide, so it would look blurred.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
