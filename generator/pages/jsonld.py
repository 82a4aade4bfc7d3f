"""Structured data made once per product and locale and shared by the shops that show it.

A product page's schema.org data is the catalog's facts but for the shop's address: the
offer's URL and the pictures' absolute URLs start with the shop's base URL. So the data is
made and encoded once per product with a marker where a base URL goes, and each shop's copy is
that text with her base URL (JSON-escaped) put where the marker is: the bytes ``json.dumps``
gives her own data. Templates print it as any view, ``{{ jsonld | tojson }}``: the theme's
``tojson`` takes the text made for it (``dumps``), and anything else is encoded as before.
The view is a dict like any other for a template that reads it (``jsonld.offers.price``); like
every view it is read, never changed.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

# what ``tojson`` is given to encode with (the theme's policy): keys sorted, words as they are
KWARGS: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False}
# where a shop's base URL goes: nothing JSON escapes, nothing a catalog holds
BASE = f"shopforest-base-{secrets.token_hex(8)}/"


class Encoded(dict[str, Any]):
    """Data with its JSON text (``KWARGS``) already made."""

    __slots__ = ("text",)

    def __init__(self, data: dict[str, Any], text: str) -> None:
        super().__init__(data)
        self.text = text


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` for the theme's ``tojson``: the text already made for ``Encoded`` data."""
    if type(obj) is Encoded and kwargs == KWARGS:
        return obj.text
    return json.dumps(obj, **kwargs)


@dataclass(frozen=True)
class Shared:
    """Data made with ``BASE`` for a shop's base URL, its text, and the keys whose values hold
    the marker (only those are copied for a shop; the rest are the very same objects)."""

    data: dict[str, Any]
    text: str
    based: tuple[str, ...]


def share(data: dict[str, Any]) -> Shared:
    return Shared(data, json.dumps(data, **KWARGS), tuple(k for k, v in data.items() if BASE in json.dumps(v, **KWARGS)))


def for_shop(shared: Shared, base_url: str) -> Encoded:
    """Her copy of ``shared``, and its text: every string of it that starts with the marker
    starts with her URL instead."""
    data = {**shared.data}
    for key in shared.based:
        data[key] = _rebased(data[key], base_url)
    return Encoded(data, shared.text.replace(BASE, encode_basestring(base_url)[1:-1]))


def _rebased(value: Any, base_url: str) -> Any:
    if type(value) is str:
        return base_url + value[len(BASE) :] if value.startswith(BASE) else value
    if type(value) is dict:
        return {k: _rebased(v, base_url) for k, v in value.items()}
    if type(value) is list:
        return [_rebased(v, base_url) for v in value]
    return value
