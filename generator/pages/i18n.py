"""The theme's words in the shop's language: gettext in templates, from the theme's own catalog.

A template writes its words in English, the message ids (``{{ _("Add to cart") }}``,
``{% trans n=p.stock %}Only {{ n }} left{% endtrans %}``); the translations are in each theme's
``locale/<lang>/LC_MESSAGES/theme.po`` (generator/catalogs.py), read along the theme chain, the
most specific theme first, so a theme overrides single words and inherits the rest. One set
of compiled templates serves every locale: ``fold`` compiles the gettext functions as those of
``WORDS``, which each render is given in its language (a ``Speech``), and which a macro imported
without the page's context finds through ``speaking``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape

from ..catalogs import LANGUAGES, Words, language_of, read, theme_domain, words_of
from ..errors import TemplateError

ENGLISH = Words({})


class Speech(dict[str, str]):
    """One language's words as templates print them, given to each render as ``WORDS``.

    A translation is text, not markup: the template escapes it where it escapes (a
    translator's ``&`` or ``'`` prints as the English did), placeholders filled in first;
    a placeholder's value that is markup stays markup, and makes the whole markup, the
    translation escaped. As in Jinja's newstyle gettext, a translation is always a format
    string, so a literal ``%`` is written ``%%``. As a mapping it holds each word without
    placeholders, made the first time a page asks (``fold`` compiles ``_("Add to cart")`` as
    ``WORDS["Add to cart"]``: a lookup, where Jinja's call of a function costs several; and
    plain text, which the template escapes faster than markup it must check)."""

    __slots__ = ("_escaped", "words")

    def __init__(self, words: Words) -> None:
        super().__init__()
        self.words = words
        self._escaped: dict[str, Markup] = {}

    def __missing__(self, message: str) -> str:
        found = self[message] = self.words.gettext(message) % {}
        return found

    def escaped(self, text: str) -> Markup:
        found = self._escaped.get(text)
        if found is None:
            found = self._escaped[text] = escape(text)
        return found

    def shown(self, context: jinja2.runtime.Context, text: str, variables: dict[str, Any]) -> str:
        if context.eval_ctx.autoescape and any(hasattr(value, "__html__") for value in variables.values()):
            return self.escaped(text) % variables  # markup stays markup, the rest escaped
        return text % variables  # text, escaped as the template prints it

    @jinja2.pass_context
    def gettext(self, context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
        return self.shown(context, self.words.gettext(message), variables)

    @jinja2.pass_context
    def ngettext(self, context: jinja2.runtime.Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        return self.shown(context, self.words.ngettext(singular, plural, num), variables)

    @jinja2.pass_context
    def pgettext(self, context: jinja2.runtime.Context, where: str, message: str, /, **variables: Any) -> str:
        return self.shown(context, self.words.pgettext(where, message), variables)

    @jinja2.pass_context
    def npgettext(self, context: jinja2.runtime.Context, where: str, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        return self.shown(context, self.words.npgettext(where, singular, plural, num), variables)


IDS = Speech(ENGLISH)  # outside a render: the ids themselves
# The words of the render under way; set by render.py around each render.
speaking: contextvars.ContextVar[Speech] = contextvars.ContextVar("speaking", default=IDS)


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


class Printer:
    """``WORDS`` where a render did not give its own: in a macro imported without the page's
    context, say. The words of the render under way (``speaking``)."""

    def __getitem__(self, message: str) -> str:
        return speaking.get()[message]

    @jinja2.pass_context
    def gettext(self, context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
        return speaking.get().gettext(context, message, **variables)

    @jinja2.pass_context
    def ngettext(self, context: jinja2.runtime.Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        return speaking.get().ngettext(context, singular, plural, num, **variables)

    @jinja2.pass_context
    def pgettext(self, context: jinja2.runtime.Context, where: str, message: str, /, **variables: Any) -> str:
        return speaking.get().pgettext(context, where, message, **variables)

    @jinja2.pass_context
    def npgettext(self, context: jinja2.runtime.Context, where: str, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        return speaking.get().npgettext(context, where, singular, plural, num, **variables)


WORDS = "shopforest_words"  # each render's Speech, a global Printer else; compiled templates kept between builds name it
FOLD_TAG = "words3"  # in the names of kept compiled templates: a change to ``fold`` changes it
FUNCTIONS = {"_": "gettext", "gettext": "gettext", "ngettext": "ngettext", "pgettext": "pgettext", "npgettext": "npgettext"}


class _Fold(NodeTransformer):
    def __init__(self, own: set[str]) -> None:
        self.own = own  # the names the template assigns itself

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        call = self.generic_visit(node)
        if (
            isinstance(call, nodes.Call)
            and isinstance(call.node, nodes.Getattr)
            and call.node.attr == "gettext"
            and isinstance(call.node.node, nodes.Name)
            and call.node.node.name == WORDS
            and len(call.args) == 1
            and isinstance(call.args[0], nodes.Const)
            and isinstance(call.args[0].value, str)
            and not (call.kwargs or call.dyn_args or call.dyn_kwargs)
        ):
            return nodes.Getitem(nodes.Name(WORDS, "load"), call.args[0], "load", lineno=call.lineno)
        return call

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.ctx == "load" and node.name in FUNCTIONS and node.name not in self.own:
            return nodes.Getattr(nodes.Name(WORDS, "load", lineno=node.lineno), FUNCTIONS[node.name], "load", lineno=node.lineno)
        return node


def fold(tree: nodes.Template) -> nodes.Template:
    """A template's ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext`` (its own
    and those of its ``{% trans %}`` blocks) compiled as the methods of ``WORDS``, the one
    name they need (a render's every new context copies the environment's globals: five more
    of them cost every page more than its words); and ``_("Add to cart")``, without
    placeholders, as ``WORDS["Add to cart"]``. A name the template assigns itself stays its own."""
    folded = _Fold({n.name for n in tree.find_all(nodes.Name) if n.ctx != "load"}).visit(tree)
    assert isinstance(folded, nodes.Template)
    return folded


def install(env: jinja2.Environment) -> None:
    """Give ``env``'s templates Jinja's newstyle gettext (placeholders as keywords, ``{% trans %}``
    blocks too), through ``fold``: the environment's ``_parse`` calls it."""
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.pop("_", None)  # the extension's own; fold names WORDS instead
    env.globals[WORDS] = Printer()


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
