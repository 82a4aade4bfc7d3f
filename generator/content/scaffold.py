"""``shopforest new ID``: a new shop folder that builds at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import UsageError
from .project import load_project
from .schema import SHOP_ID_RE
from .schemajson import FOLDER, write_schemas

SHOP_YAML = """\
# yaml-language-server: $schema=../../{schemas}/shop.schema.json
# {shop_id}: your shop. Everything here is yours to change; prices, stock and
# commission come from the platform's catalog.yaml. Reference: docs/formats.md
# Find a product's SKU with: shopforest catalog search WORDS
title: {title}
owner: {owner}
bio: |
  Say who you are and why your friends can trust your picks.
theme: default
# contact: what customers see in every page's footer, e.g. {{wechat: your_wechat_id}}
contact: {{}}
# private: never shown anywhere; orders from this number are your own and earn no commission
# private: {{phone: "138 0000 0000"}}
picks:
{picks}
collections: []
"""

POST_MD = """\
---
title: Welcome to my shop
date: {date}
summary: Why I opened this shop.
---
These are the things I use myself. Ask me anything in our group!

{{{{< product {sku} >}}}}
"""


def new_shop(root: Path, shop_id: str, *, today: dt.date) -> Path:
    if not SHOP_ID_RE.fullmatch(shop_id):
        raise UsageError(f"invalid shop id {shop_id!r}: use 2-39 lowercase letters, digits and '-', starting with a letter or digit")
    folder = root / "content" / shop_id
    if folder.exists():
        raise UsageError(f"content/{shop_id} already exists")
    project = load_project(root, only="\0none")  # checks the catalog; loads no shop
    skus = [p.sku for p in project.products.values() if p.status == "active"][:3]
    picks = "\n".join(f"  - {sku}" for sku in skus) or "  []"
    if not skus:
        picks = "  []"
    (folder / "posts").mkdir(parents=True)
    (folder / "images").mkdir()
    write_schemas(root / FOLDER)  # what the first line of shop.yaml names, for her editor
    text = SHOP_YAML.format(schemas=FOLDER, shop_id=shop_id, title=f"{shop_id}'s shop", owner=shop_id, picks=picks)
    (folder / "shop.yaml").write_text(text, encoding="utf-8")
    if skus:
        (folder / "posts" / "welcome.md").write_text(POST_MD.format(date=today.isoformat(), sku=skus[0]), encoding="utf-8")
    return folder
