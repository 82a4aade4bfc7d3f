"""The ``shopforest`` command: one click program, the only code that imports click."""

from __future__ import annotations

import click

from .. import __version__
from . import operations, owner, site


@click.group()
@click.version_option(__version__, prog_name="shopforest")
def main() -> None:
    """Build a forest of static shops from one catalog and many owners' content."""


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
    operations.fulfilment_dev,
):
    main.add_command(command)
