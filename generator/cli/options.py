"""What every command shares: the project option, the reporter, turning mistakes into exit codes, and printing rows."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..build.reporter import BuildStats, Reporter
from ..build.verify import VerifyError
from ..errors import ContentError, Diagnostic, TemplateError, UsageError
from ..messages import Readers, cli_locale, msg, tr
from .wrap import width

if TYPE_CHECKING:
    pass


def say(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print the command line's own words in its language (LANG)."""
    click.echo(tr(text, cli_locale()), err=err, nl=nl)


class CliReporter(Reporter):
    """Warnings on stderr (each in the language of whoever fixes its file), a progress bar on
    long builds in a terminal, one summary line (in the command line's language)."""

    def __init__(self, quiet: bool = False, root: Path | None = None) -> None:
        self.quiet = quiet
        self.readers = Readers(root)
        self.bar: Any = None
        self.pages = 0
        self.started = 0.0

    def start(self, shops: int) -> None:
        if shops >= 20 and sys.stderr.isatty() and not self.quiet:
            self.started = time.perf_counter()
            # shops done of all, pages/s and time left, as Hugo's build shows them
            self.bar = click.progressbar(
                length=shops, label=tr(msg("building shops"), self.readers.cli), file=sys.stderr, show_pos=True, item_show_func=self._rate
            )
            self.bar.__enter__()

    def _rate(self, _: object) -> str:
        seconds = time.perf_counter() - self.started
        return tr(msg("{rate:,.0f} pages/s", rate=self.pages / seconds), self.readers.cli) if seconds > 0 and self.pages else ""

    def shop_done(self, shop_id: str, pages: int = 0) -> None:
        self.pages += pages
        if self.bar is not None:
            self.bar.update(1, shop_id)

    def warning(self, warning: Diagnostic) -> None:
        click.echo(warning.render(self.readers.of(warning.path)), err=True)

    def finish(self, stats: BuildStats) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        if not self.quiet:
            click.echo(stats.summary(self.readers.cli))


def fail_on_user_errors(fn: Any) -> Any:
    """Turn content and usage mistakes into clean messages and exit codes (1 content, 2 usage)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ContentError as exc:
            root = kwargs.get("project")
            click.echo(exc.render(Readers(root if isinstance(root, Path) else None)), err=True)
            sys.exit(1)
        except (TemplateError, VerifyError) as exc:
            click.echo(tr(exc.args[0], cli_locale()), err=True)
            sys.exit(1)
        except UsageError as exc:
            raise click.UsageError(tr(exc.args[0], cli_locale())) from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


project_option = click.option(
    "--project",
    "project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help=msg("The shop project folder (holds catalog.yaml and content/)."),
)

db_option = click.option("--db", metavar=msg("DATABASE"), help=msg("SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db]."))

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help=msg("A table to read, or CSV or JSON for other programs."),
)


# A spreadsheet (Excel, WPS, LibreOffice) reads a cell starting with one of these as a formula:
# `=HYPERLINK(…)` or `=cmd|…` in a campaign name would run when the owner opens her report.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading ``'``.

    Every cell, numbers too: the money in these reports is never negative (a reversal is a
    positive amount in its own column), so no figure an owner sums is touched, and a value
    that starts like a formula is never trusted to be a plain number."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """The one CSV writer of the command line: every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


# A table's column names in the reader's words; CSV and JSON keep the keys, which programs read.
COLUMNS = {
    "shop": msg("shop"),
    "orders": msg("orders"),
    "revenue": msg("revenue"),
    "pending": msg("pending"),
    "locked": msg("locked"),
    "reversed": msg("reversed"),
    "payable": msg("payable"),
    "paid": msg("paid"),
    "lid": msg("link code"),
    "product": msg("product"),
    "channel": msg("channel"),
    "campaign": msg("campaign"),
    "clicks": msg("clicks"),
    "conversion": msg("conversion"),
    "sku": msg("SKU"),
    "title": msg("title"),
    "visits": msg("visits"),
    "commission": msg("commission"),
    "price": msg("price"),
    "status": msg("status"),
}


def column(key: str) -> str:
    return tr(COLUMNS[key], cli_locale()) if key in COLUMNS else key


def print_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        if rows:
            click.echo(csv_text(list(rows[0]), (row.values() for row in rows)), nl=False)
    else:
        if not rows:
            say(msg("no data"))
            return
        names = {k: column(k) for k in rows[0]}
        widths = {k: max(width(names[k]), *(width(str(r[k])) for r in rows)) for k in rows[0]}
        click.echo("  ".join(pad(names[k], w) for k, w in widths.items()))
        for r in rows:
            click.echo("  ".join(pad(str(r[k]), w) for k, w in widths.items()))


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))
