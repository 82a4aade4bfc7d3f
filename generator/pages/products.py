"""The catalog's products as the shops of one build show them, made once and shared.

Each product has a key (a digest of everything the catalog says about it, and of its image
files' bytes when the build has read them), its facts in each locale (``views.product_facts``),
its pieces of ``products.json`` and the outputs of its images. The build fills the table in the
parent, before workers fork and inherit it; planning and views read it, and work out on first
use whatever the build did not (``shopforest check`` and verify mode start from an empty one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..content.model import Product

if TYPE_CHECKING:
    from .plan import Output

View = dict[str, Any]


def product_key(product: Product, image_keys: Sequence[str] = ()) -> str:
    """The one formula of a product's key: the product as loaded, and its images' bytes."""
    return hashlib.sha256(repr((product, list(image_keys))).encode()).hexdigest()


@dataclass
class Products:
    keys: dict[str, str] = field(default_factory=dict)  # sku -> product_key
    facts: dict[tuple[str, str], View] = field(default_factory=dict)  # (sku, locale) -> views.product_facts
    items: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # sku -> views.item_pieces
    media: dict[str, tuple[Output, ...]] = field(default_factory=dict)  # sku -> its image outputs

    def key(self, product: Product) -> str:
        """The product's key, short (it is hashed into page inputs, not compared with the store)."""
        key = self.keys.get(product.sku)
        if key is None:
            key = self.keys[product.sku] = product_key(product)
        return key[:24]
