"""``shopforest new ID``: a new shop folder that builds at once, written in her language.

The scaffold — its comments, the example bio and the first post — is in the platform's locale
(``--locale`` chooses another, and is then written into shop.yaml), since the owner reads it
before anything else of Shopforest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .loading import locale_problem
from .project import load_project
from .schema import SHOP_ID_RE
from .schemajson import FOLDER, write_schemas


@dataclass(frozen=True)
class Scaffold:
    shop_yaml: str
    post_md: str
    title: str  # the shop's first title, from its id


SCAFFOLDS = {
    "en_US": Scaffold(
        """\
# yaml-language-server: $schema=../../{schemas}/shop.schema.json
# {shop_id}: your shop. Everything here is yours to change; prices, stock and
# commission come from the platform's catalog.yaml. Reference: docs/formats.md
# Find a product's SKU with: shopforest catalog search WORDS
title: {title}
owner: {owner}
bio: |
  Say who you are and why your friends can trust your picks.
theme: default
{locale}# contact: what customers see in every page's footer, e.g. {{wechat: your_wechat_id}}
contact: {{}}
# private: never shown anywhere; orders from this number are your own and earn no commission
# private: {{phone: "138 0000 0000"}}
picks:
{picks}
collections: []
""",
        """\
---
title: Welcome to my shop
date: {date}
summary: Why I opened this shop.
---
These are the things I use myself. Ask me anything in our group!

{{{{< product {sku} >}}}}
""",
        "{shop_id}'s shop",
    ),
    "zh_CN": Scaffold(
        """\
# yaml-language-server: $schema=../../{schemas}/shop.schema.json
# {shop_id}：你的小店。这里的内容都由你来写；价格、库存和佣金来自平台的 catalog.yaml。
# 写法说明见 docs/formats.md。冒号和逗号请用英文输入法，冒号后面空一格：
# 写 title: 小美的店，不要写 title：小美的店
# 查商品编号（SKU）：shopforest catalog search 关键词
title: {title}
owner: {owner}
bio: |
  介绍一下你自己，说说朋友们为什么可以放心买你推荐的东西。
theme: default
{locale}# contact：每个页面底部给顾客看的联系方式，例如 {{wechat: 你的微信号}}
contact: {{}}
# private：任何页面都不会显示；用这个手机号下的单算你自己买的，不计佣金
# private: {{phone: "138 0000 0000"}}
picks:
{picks}
collections: []
""",
        """\
---
title: 欢迎来到我的小店
date: {date}
summary: 我为什么开这家小店。
---
这里都是我自己在用的好东西。有问题在群里问我就好！

{{{{< product {sku} >}}}}
""",
        "{shop_id}的小店",
    ),
}


def new_shop(root: Path, shop_id: str, *, today: dt.date, locale: str | None = None) -> Path:
    if not SHOP_ID_RE.fullmatch(shop_id):
        raise UsageError(f"invalid shop id {shop_id!r}: use 2-39 lowercase letters, digits and '-', starting with a letter or digit")
    problem = locale_problem(locale) if locale is not None else None
    if problem:
        raise UsageError(problem)
    folder = root / "content" / shop_id
    if folder.exists():
        raise UsageError(f"content/{shop_id} already exists")
    project = load_project(root, only="\0none")  # checks the catalog; loads no shop
    chosen = locale or project.platform.locale
    scaffold = SCAFFOLDS[chosen]
    skus = [p.sku for p in project.products.values() if p.status == "active"][:3]
    picks = "\n".join(f"  - {sku}" for sku in skus) or "  []"
    (folder / "posts").mkdir(parents=True)
    (folder / "images").mkdir()
    write_schemas(root / FOLDER)  # what the first line of shop.yaml names, for her editor
    text = scaffold.shop_yaml.format(
        schemas=FOLDER,
        shop_id=shop_id,
        title=scaffold.title.format(shop_id=shop_id),
        owner=shop_id,
        picks=picks,
        locale=f"locale: {chosen}\n" if chosen != project.platform.locale else "",
    )
    (folder / "shop.yaml").write_text(text, encoding="utf-8")
    if skus:
        (folder / "posts" / "welcome.md").write_text(scaffold.post_md.format(date=today.isoformat(), sku=skus[0]), encoding="utf-8")
    return folder
