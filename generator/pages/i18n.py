"""The theme's words in the shop's language: gettext in templates, from the theme's own catalog.

A template writes its words in English, the message ids (``{{ _("Add to cart") }}``,
``{% trans n=p.stock %}Only {{ n }} left{% endtrans %}``); the translations are in each theme's
``locale/<lang>/LC_MESSAGES/theme.po`` (generator/catalogs.py), read along the theme chain, the
most specific theme first, so a theme overrides single words and inherits the rest. The
functions are installed once per Jinja environment; each render says which language it speaks
(``speaking``), so one set of compiled templates serves every locale.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import escape

from ..catalogs import LANGUAGES, Words, language_of, read, theme_domain, words_of
from ..errors import TemplateError

ENGLISH = Words({})

# The words of the render under way; set by render.py around each render.
speaking: contextvars.ContextVar[Words] = contextvars.ContextVar("speaking", default=ENGLISH)


def catalog_file(theme_dir: Path, language: str) -> Path:
    """Where the theme in ``theme_dir`` keeps its words in ``language``."""
    return theme_domain(theme_dir).catalog_path(language)


def theme_words(dirs: Sequence[Path], locale: str, root: Path | None = None) -> Words:
    """The words of a theme chain (most specific first) in ``locale``'s language; English, the
    ids themselves, has no catalog, and nor need a theme: it then shows its ids. A catalog
    that cannot be read is a template error naming it (relative to ``root``)."""
    language = language_of(locale)
    if language not in LANGUAGES:
        return ENGLISH
    catalogs = []
    for d in dirs:
        try:
            catalogs.append(read(theme_domain(d), language))
        except (ValueError, LookupError) as exc:  # not UTF-8, an unknown charset, a malformed entry
            path = catalog_file(d, language)
            shown = path.relative_to(root).as_posix() if root is not None and path.is_relative_to(root) else str(path)
            raise TemplateError(f"{shown}: the theme's catalog cannot be read ({exc}); save it as UTF-8 gettext .po") from None
    return words_of(catalogs)


def _shown(context: jinja2.runtime.Context, text: str, variables: dict[str, Any]) -> str:
    """A translation is text, not markup: escaped like any other text where the template
    escapes (a translator's ``&`` or ``'`` prints as the English did), then its placeholders
    filled in (``Markup %`` escapes them too). As Jinja's newstyle gettext, a translation is
    always a format string, so a literal ``%`` is written ``%%``."""
    if context.eval_ctx.autoescape:
        return escape(text) % variables
    return text % variables


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
    return _shown(context, speaking.get().gettext(message), variables)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _shown(context, speaking.get().ngettext(singular, plural, num), variables)


@jinja2.pass_context
def _pgettext(context: jinja2.runtime.Context, where: str, message: str, /, **variables: Any) -> str:
    return _shown(context, speaking.get().pgettext(where, message), variables)


@jinja2.pass_context
def _npgettext(context: jinja2.runtime.Context, where: str, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _shown(context, speaking.get().npgettext(where, singular, plural, num), variables)


def install(env: jinja2.Environment) -> None:
    """Give ``env``'s templates ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``
    (Jinja's newstyle gettext: placeholders as keywords, ``{% trans %}`` blocks too)."""
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext)


def contact_labels(words: Words) -> dict[str, str]:
    """The names of the contact kinds a footer shows (``wechat`` → 微信 / WeChat); any other
    kind is shown as she wrote it."""
    pgettext = words.pgettext
    return {
        "wechat": pgettext("contact", "WeChat"),
        "phone": pgettext("contact", "Phone"),
        "email": pgettext("contact", "Email"),
        "weibo": pgettext("contact", "Weibo"),
        "xiaohongshu": pgettext("contact", "Xiaohongshu"),
        "xhs": pgettext("contact", "Xiaohongshu"),
        "douyin": pgettext("contact", "Douyin"),
        "qq": pgettext("contact", "QQ"),
        "whatsapp": pgettext("contact", "WhatsApp"),
        "instagram": pgettext("contact", "Instagram"),
        "line": pgettext("contact", "LINE"),
        "telegram": pgettext("contact", "Telegram"),
    }


def html_lang(locale: str) -> str:
    """``zh_CN`` → ``zh-CN`` for the ``lang`` attribute."""
    return locale.replace("_", "-")
