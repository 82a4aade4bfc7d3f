"""What every command shares: the project option, the reporter, turning mistakes into exit codes, and printing rows."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..build.reporter import BuildStats, Reporter
from ..build.verify import VerifyError
from ..errors import ContentError, TemplateError, UsageError

if TYPE_CHECKING:
    pass


class CliReporter(Reporter):
    """Warnings on stderr, a progress bar on long builds in a terminal, one summary line."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.bar: Any = None

    def start(self, shops: int) -> None:
        if shops >= 20 and sys.stderr.isatty() and not self.quiet:
            self.bar = click.progressbar(length=shops, label="rendering", file=sys.stderr)
            self.bar.__enter__()

    def shop_done(self, shop_id: str) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def warning(self, message: str) -> None:
        click.echo(message, err=True)

    def finish(self, stats: BuildStats) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        if not self.quiet:
            click.echo(stats.summary())


def fail_on_user_errors(fn: Any) -> Any:
    """Turn content and usage mistakes into clean messages and exit codes (1 content, 2 usage)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ContentError as exc:
            click.echo(exc.render(), err=True)
            sys.exit(1)
        except (TemplateError, VerifyError) as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


project_option = click.option(
    "--project",
    "project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The shop project folder (holds catalog.yaml and content/).",
)


def print_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
    else:
        if not rows:
            click.echo("no data")
            return
        widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in rows[0]}
        click.echo("  ".join(k.ljust(w) for k, w in widths.items()))
        for r in rows:
            click.echo("  ".join(str(r[k]).ljust(w) for k, w in widths.items()))
