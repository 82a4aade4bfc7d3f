"""Finding products in the catalog by what an owner remembers of them: words of the title, a tag, the SKU.

Text is compared in Unicode NFKC form, case-folded: Latin letters match in any case, full-width
letters and digits typed on a Chinese keyboard match their ASCII forms, and every word is
looked for as a substring, which is how Chinese is searched (it is written without spaces
between words: 米粉 finds 有机婴儿米粉).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .model import Product


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def search(products: Iterable[Product], words: Iterable[str]) -> list[Product]:
    """The products whose SKU, title or tags hold every one of ``words``, in catalog order."""
    wanted = [w for w in (folded(word).strip() for word in words) if w]
    found = []
    for product in products:
        haystack = "\n".join(folded(text) for text in (product.sku, product.title, *product.tags))
        if all(word in haystack for word in wanted):
            found.append(product)
    return found
