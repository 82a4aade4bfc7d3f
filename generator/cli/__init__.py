"""The ``shopforest`` command: one click program, the only code that imports click."""

from __future__ import annotations

import gettext

import click

from .. import __version__
from ..catalogs import LOCALE_DIR
from ..messages import msg
from . import operations, owner, ownerlink, site
from .helptext import Shopforest

# Click's own words (usage, its errors, --help) are looked up by the standard library's gettext
# in the default domain, with LANGUAGE / LC_ALL / LC_MESSAGES / LANG: point that domain at the
# compiled catalog of them (generator/catalogs.py, domain "click"), as the CLI's other words are.
gettext.bindtextdomain("click", str(LOCALE_DIR))
gettext.textdomain("click")


@click.group(cls=Shopforest, help=msg("Build a forest of static shops from one catalog and many owners' content."))
@click.version_option(__version__, prog_name="shopforest", help=msg("Show the version and exit."))
def main() -> None:
    pass


for command in (
    site.build,
    site.check,
    site.serve,
    site.new,
    site.links,
    owner.catalog,
    owner.schema,
    operations.hook,
    operations.orders,
    operations.report,
    ownerlink.owner_link,
    ownerlink.payout,
    operations.fulfilment_dev,
):
    main.add_command(command)
