"""Commands that help an owner write her files: find a product's SKU, and the JSON Schema editors read."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ..messages import cli_locale, msg, tr
from .options import fail_on_user_errors, format_option, print_rows, project_option, say


@click.group(help=msg("Look things up in the platform's catalog."))
def catalog() -> None:
    pass


@catalog.command("search", help=msg("Find products. Those whose SKU, title or tags hold every one of WORDS (any case; Chinese by substring)."))
@project_option
@click.argument("words", nargs=-1, required=True)
@format_option
@fail_on_user_errors
def catalog_search(project: Path, words: tuple[str, ...], fmt: str) -> None:
    from babel.numbers import format_percent

    from ..content.loading import STATUS_WORDS
    from ..content.project import load_project
    from ..content.search import search
    from ..pages.money import as_text, format_money

    if not any(word.strip() for word in words):
        raise UsageError(msg("give at least one word to look for"))
    loaded = load_project(project, only="\0none")  # the catalog alone
    platform = loaded.platform
    money = partial(format_money, currency=platform.currency, locale=platform.locale)
    rows: list[dict[str, Any]] = []
    for product in search(loaded.products.values(), words):
        earned = (product.price * product.commission).quantize(Decimal("0.01"), ROUND_HALF_UP)  # as the ledger accrues it
        if fmt == "table":
            rate = format_percent(product.commission, "#,##0.##%", locale=platform.locale)
            rows.append({"sku": product.sku, "title": product.title, "price": money(product.price), "commission": f"{rate} = {money(earned)}"})
        else:
            rows.append({"sku": product.sku, "title": product.title, "price": as_text(product.price), "commission": as_text(earned)})
        rows[-1]["status"] = tr(STATUS_WORDS[product.status], cli_locale()) if fmt == "table" and product.status in STATUS_WORDS else product.status
        if fmt != "table":
            tags = list(product.tags) if fmt == "json" else " ".join(product.tags)
            rows[-1] |= {"commission_rate": str(product.commission), "currency": platform.currency, "tags": tags}
    if not rows:
        say(msg("no product matches {words}", words=repr(" ".join(words))), err=True)
        return
    print_rows(rows, fmt)


@click.command("schema", help=msg("Write JSON Schema files. For shop.yaml, post front matter and catalog.yaml, so editors complete and check keys."))
@project_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=msg("Folder to write them to [default: PROJECT/schemas]."))
@fail_on_user_errors
def schema(project: Path, out: Path | None) -> None:
    from ..content.schemajson import FOLDER, write_schemas

    for path in write_schemas(out or project / FOLDER):
        click.echo(str(path))
