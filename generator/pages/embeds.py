"""Products embedded in posts, rendered once and shared by every post that embeds them.

A post's ``{{< product SKU >}}`` becomes the theme's ``partials/product-embed.html``, rendered
with the shop's offer as ``p`` and the page's ``root``. Most shops' posts cite popular products,
and what the default embed shows (title, picture, price) is the catalog's, the same in every
shop at one page depth: so the template is rendered once per distinct input in a build process,
keyed as cards are (pages/cards.py): on what it reads of ``p`` (read from its source, following
``p`` into the macros it imports), on ``root`` and on the words. An embed that reads something of
the shop's (``p.url``) is shared only where that is the same; one that reads the owner's note
plainly has it put in by a marker, escaped as the template would have.
"""

from __future__ import annotations

import contextvars
from typing import Any

import jinja2
from markupsafe import Markup

from . import markup
from .cards import Sharing, resolver, template_reads

TEMPLATE = "partials/product-embed.html"
OFFER = "p"  # the name the embed's offer has in its render


class SharedEmbeds(Sharing):
    """The theme's product embed, rendered once per distinct (offer's values it reads, root)."""

    def __init__(self, env: jinja2.Environment, loaded: contextvars.ContextVar[set[str] | None]) -> None:
        super().__init__(loaded)
        self.env = env
        self._template: jinja2.Template | None = None

    def template(self) -> jinja2.Template:
        """The embed's template (recorded as the page's, as every lookup of it is)."""
        template = self.env.get_template(TEMPLATE)
        if self._template is not template:  # the first lookup: what it reads of its offer
            assert self.env.loader is not None
            source, filename, _ = self.env.loader.get_source(self.env, TEMPLATE)
            self._use(template_reads(self.env.parse(source, TEMPLATE, filename), OFFER, resolver(self.env)))
            self._template = template
        return template

    def embed(self, offer: Any, root: Any) -> Markup:
        template = self.template()
        given = (root, type(root)) if type(root) is str else (id(root),)
        return self._shared(offer, given, () if type(root) is str else (root,), lambda shown: template.render({OFFER: shown, "root": root}))

    @jinja2.pass_context
    def embed_products(self, context: jinja2.runtime.Context, html: str, cards: dict[str, Any]) -> Markup:
        """The filter: a post's product shortcodes replaced by the embed of each offer in ``cards``."""
        root = context["root"]
        self.template()  # looked up once per post, as before, even with no offer to show

        def one(sku: str) -> str:
            offer = cards.get(sku)
            return "" if offer is None else self.embed(offer, root)

        return Markup(markup.embed_cards(html, one))


def install(env: jinja2.Environment, loaded: contextvars.ContextVar[set[str] | None]) -> SharedEmbeds:
    """Give the theme's templates the ``embed_products`` filter; ``loaded`` is where a render
    records the templates it loads."""
    embeds = SharedEmbeds(env, loaded)
    env.filters["embed_products"] = embeds.embed_products
    return embeds
