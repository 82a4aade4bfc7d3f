"""The catalog's products as the shops of one build show them, made once and shared.

Each product has a key (a digest of everything the catalog says about it, and of its image
files' bytes when the build has read them), its facts in each locale (``views.product_facts``),
its pieces of ``products.json`` and the outputs of its images. The build fills the table in the
parent, before workers fork and inherit it; planning and views read it, and work out on first
use whatever the build did not (``shopforest check`` and verify mode start from an empty one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..content import marktext
from ..content.media import Source, is_raster
from ..content.model import Product
from .pictures import PHOTO_WIDTHS, THUMB_WIDTHS, Picture

View = dict[str, Any]


def product_key(product: Product, image_keys: Sequence[str] = ()) -> str:
    """The one formula of a product's key: the product as loaded, and its images' bytes."""
    return hashlib.sha256(repr((product, list(image_keys))).encode()).hexdigest()


@dataclass
class Products:
    keys: dict[str, str] = field(default_factory=dict)  # sku -> product_key
    facts: dict[tuple[str, str], View] = field(default_factory=dict)  # (sku, locale) -> views.product_facts
    items: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # sku -> views.item_pieces
    # (sku, locale, currency) -> the facts, and the structured data made of them with a marker for
    # a shop's base URL, with its JSON (views.product_jsonld, pages/jsonld.py)
    jsonld: dict[tuple[str, str, str], tuple[View, Any]] = field(default_factory=dict)
    media: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # sku -> its image outputs (plan.Output)
    # shop id -> the owner's raster pictures her pages show, at their widths (views.owner_uses):
    # found once before the workers fork, not once more by each shop's worker
    owner_uses: dict[str, list[tuple[str, tuple[int, ...]]]] = field(default_factory=dict)
    root: str = ""  # the project's folder, where the catalog's pictures are
    # the copies of a raster picture for places that want these widths (build/images.py)
    make_picture: Callable[[Source, tuple[int, ...]], Picture] | None = None
    # a fact kept between builds, by SKU and locale (or views.ITEMS), read from the store on a
    # miss: a build renders from the facts of the products its shops show, never reads all
    kept: Callable[[str, str], Any] | None = None

    def from_kept(self, sku: str, kind: str) -> Any:
        return None if self.kept is None else self.kept(sku, kind)

    def picture(self, source: Source, widths: tuple[int, ...] = PHOTO_WIDTHS) -> Picture | None:
        """The copies of ``source`` pages show, or None for a drawing (published as it is)."""
        if not is_raster(source.ref):
            return None
        if self.make_picture is None:
            raise RuntimeError("no maker of pictures' copies: the builder sets one")
        return self.make_picture(source, widths)

    def catalog_pictures(self, product: Product) -> dict[str, Picture]:
        """The copies of each raster picture of the project that ``product`` shows, by its path
        (a variant's picture, at a thumbnail's widths, by ``thumb:`` and its path)."""
        found: dict[str, Picture] = {}
        for ref, widths in catalog_uses(product):
            picture = self.picture(Source(self.root, ref, owner=False), widths)
            if picture is not None:
                found[ref if widths == PHOTO_WIDTHS else "thumb:" + ref] = picture
        return found

    def key(self, product: Product) -> str:
        """The product's key, short (it is hashed into page inputs, not compared with the store)."""
        key = self.keys.get(product.sku)
        if key is None:
            key = self.keys[product.sku] = product_key(product)
        return key[:24]


def catalog_files(product: Product) -> tuple[str, ...]:
    """The project's image files a product shows: its images, those its description embeds
    (the renderer keeps only images/ paths; the loader checked that each exists), its variants'."""
    refs = [ref for ref in product.images if not ref.startswith("https://")]
    refs += [ref for ref in marktext.local_image_refs(product.description) if ref.startswith("images/")]
    refs += [v.image for v in product.variants if v.image]
    return tuple(dict.fromkeys(refs))


def catalog_uses(product: Product) -> list[tuple[str, tuple[int, ...]]]:
    """Each raster picture a product shows with the widths of its copies: a photo's, and a
    thumbnail's for a variant's picture."""
    photos = [ref for ref in product.images if not ref.startswith("https://")]
    photos += [ref for ref in marktext.local_image_refs(product.description) if ref.startswith("images/")]
    uses: list[tuple[str, tuple[int, ...]]] = [(ref, PHOTO_WIDTHS) for ref in dict.fromkeys(photos) if is_raster(ref)]
    uses += [(ref, THUMB_WIDTHS) for ref in dict.fromkeys(v.image for v in product.variants if v.image) if is_raster(ref)]
    return uses
