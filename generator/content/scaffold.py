"""``shopforest new ID``: a new shop folder that builds at once, written in her language.

The scaffold — its comments, the example bio and the first post — is in the platform's locale
(``--locale`` chooses another, and is then written into shop.yaml), since the owner reads it
before anything else of Shopforest. Its words are the ``scaffold`` catalog's
(generator/locale/<lang>/LC_MESSAGES/scaffold.po); a translation breaks a comment's lines where
its language reads well, and may say more than the English (the Chinese warns of the full-width
colon a Chinese keyboard types).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..catalogs import translations
from ..errors import UsageError
from .loading import locale_problem
from .project import load_project
from .schema import SHOP_ID_RE
from .schemajson import FOLDER, write_schemas


def comment(text: str) -> str:
    """Each line of ``text`` as a YAML comment."""
    return "".join(f"# {line}\n" for line in text.splitlines())


def shop_title(locale: str, shop_id: str) -> str:
    """The shop's first title, from its id: ``lily-home's shop``, ``lily-home的小店``."""
    return translations("scaffold", locale).gettext("%(shop_id)s's shop") % {"shop_id": shop_id}


def shop_yaml(locale: str, shop_id: str, skus: list[str], locale_line: str) -> str:
    """A first shop.yaml picking ``skus``, commented in ``locale``'s language."""
    _ = translations("scaffold", locale).gettext
    about = _(
        "%(shop_id)s: your shop. Everything here is yours to change; prices, stock and\n"
        "commission come from the platform's catalog.yaml. Reference: docs/formats.md"
    )
    bio = _("Say who you are and why your friends can trust your picks.")
    picks = "".join(f"  - {sku}\n" for sku in skus) or "  []\n"
    return "".join(
        [
            f"# yaml-language-server: $schema=../../{FOLDER}/shop.schema.json\n",
            comment(about % {"shop_id": shop_id}),
            comment(_("Find a product's SKU with: shopforest catalog search WORDS")),
            f"title: {shop_title(locale, shop_id)}\n",
            f"owner: {shop_id}\n",
            "bio: |\n",
            "".join(f"  {line}\n" for line in bio.splitlines()),
            "theme: default\n",
            locale_line,
            comment(_("contact: what customers see in every page's footer, e.g. {wechat: your_wechat_id}")),
            "contact: {}\n",
            comment(_("private: never shown anywhere; orders from this number are your own and earn no commission")),
            '# private: {phone: "138 0000 0000"}\n',
            "picks:\n",
            picks,
            "collections: []\n",
        ]
    )


def post_md(locale: str, today: dt.date, sku: str) -> str:
    """Her first post, showing the first product she picks."""
    _ = translations("scaffold", locale).gettext
    title, summary = _("Welcome to my shop"), _("Why I opened this shop.")
    body = _("These are the things I use myself. Ask me anything in our group!")
    return f"---\ntitle: {title}\ndate: {today.isoformat()}\nsummary: {summary}\n---\n{body}\n\n{{{{< product {sku} >}}}}\n"


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
    skus = [p.sku for p in project.products.values() if p.status == "active"][:3]
    (folder / "posts").mkdir(parents=True)
    (folder / "images").mkdir()
    write_schemas(root / FOLDER)  # what the first line of shop.yaml names, for her editor
    locale_line = f"locale: {chosen}\n" if chosen != project.platform.locale else ""
    (folder / "shop.yaml").write_text(shop_yaml(chosen, shop_id, skus, locale_line), encoding="utf-8")
    if skus:
        (folder / "posts" / "welcome.md").write_text(post_md(chosen, today, skus[0]), encoding="utf-8")
    return folder
