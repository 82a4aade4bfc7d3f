"""The ``shopforest`` command. The only module that imports click."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .builder import build as run_build
from .builder import check as run_check
from .builder import default_jobs, parse_shard
from .errors import ContentError, TemplateError, UsageError
from .reporter import BuildStats, Reporter
from .scaffold import new_shop


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
        except TemplateError as exc:
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


@click.group()
@click.version_option(__version__, prog_name="shopforest")
def main() -> None:
    """Build a forest of static shops from one catalog and many owners' content."""


@main.command()
@project_option
@click.option("--shop", "shop", metavar="ID", help="Build only this shop.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: PROJECT/site].")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: all cores].")
@click.option("--shard", metavar="K/N", help="Build only the K-th of N stable parts of the shops (for several machines).")
@click.option("--force", is_flag=True, help="Ignore the build state in .shopforest/ and render everything.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors.")
@fail_on_user_errors
def build(project: Path, shop: str | None, out: Path | None, jobs: int | None, shard: str | None, force: bool, quiet: bool) -> None:
    """Build every shop (or one) into site/<shop>/, rendering only what changed and writing only bytes that differ."""
    run_build(
        project,
        out or project / "site",
        only=shop,
        reporter=CliReporter(quiet),
        jobs=jobs or default_jobs(),
        shard=parse_shard(shard),
        force=force,
    )


@main.command()
@project_option
@click.option("--shop", "shop", metavar="ID", help="Check only this shop (and the catalog).")
@fail_on_user_errors
def check(project: Path, shop: str | None) -> None:
    """Check the catalog, every shop and every template; write nothing."""
    result = run_check(project, only=shop, reporter=CliReporter(quiet=True))
    shops = len(result.project.shops)
    click.echo(f"ok: {shops} shops, {len(result.project.products)} products, {result.files} files would be built")


@main.command()
@project_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes per rebuild.")
@fail_on_user_errors
def serve(project: Path, host: str, port: int, jobs: int) -> None:
    """Build, serve every shop at http://HOST:PORT/<shop>/, rebuild on change and live-reload open pages."""
    from .devserver import run

    run(project, host, port, jobs=jobs, log=lambda line: click.echo(line, err=True))


@main.command()
@project_option
@click.argument("shop_id")
@fail_on_user_errors
def new(project: Path, shop_id: str) -> None:
    """Scaffold content/SHOP_ID/ with a shop.yaml and a first post that build at once."""
    folder = new_shop(project, shop_id, today=dt.date.today())
    shown = folder.relative_to(project) if folder.is_relative_to(project) else folder
    click.echo(f"created {shown}/ — edit shop.yaml, then run: shopforest build --shop {shop_id}")


if __name__ == "__main__":
    main()
