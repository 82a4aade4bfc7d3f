"""The commands that make and check shops: build, check, serve, new, links."""

from __future__ import annotations

import datetime as dt
import gc
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..build.pipeline import build as run_build
from ..build.pipeline import check as run_check
from ..build.pipeline import check_shop_arg, default_jobs, parse_shard
from ..cache.folder import FORCE, NONE, USE
from ..errors import ContentError, TemplateError, UsageError
from ..messages import Readers, cli_locale, msg, tr

if TYPE_CHECKING:
    pass

from .options import CliReporter, csv_text, fail_on_user_errors, format_option, project_option, say


@click.command(
    help=msg("Build the shops. Every shop (or one) goes into site/<shop>/, rendering only what changed and writing only bytes that differ.")
)
@project_option
@click.option("--shop", "shop", metavar=msg("ID"), help=msg("Build only this shop."))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help=msg("Output folder [default: PROJECT/site]."))
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help=msg("Worker processes [default: all cores]."))
@click.option("--shard", metavar="K/N", help=msg("Build only the K-th of N stable parts of the shops (for several machines)."))
@click.option("--force", is_flag=True, help=msg("Reuse nothing earlier builds kept in .shopforest/: work everything out again (and keep it)."))
@click.option(
    "--no-cache", is_flag=True, help=msg("Neither read nor write .shopforest/'s kept results (a build from nothing, leaving nothing behind).")
)
@click.option("--strict", is_flag=True, help=msg("Build nothing if any shop has a mistake (for CI); by default the others are built."))
@click.option("-q", "--quiet", is_flag=True, help=msg("Print nothing but warnings and errors."))
@click.option(
    "--watch",
    is_flag=True,
    help=msg("Keep running: build again whenever the project's files change (an edit in one owner's folder builds her shop alone)."),
)
@fail_on_user_errors
def build(
    project: Path,
    shop: str | None,
    out: Path | None,
    jobs: int | None,
    shard: str | None,
    force: bool,
    no_cache: bool,
    strict: bool,
    quiet: bool,
    watch: bool,
) -> None:
    if watch:
        for name, given in (("--shop", shop), ("--shard", shard), ("--force", force), ("--no-cache", no_cache), ("--strict", strict)):
            if given:
                raise UsageError(msg("--watch builds every shop with the kept results: it cannot be used with {option}", option=name))
        keep_building(project, out or project / "site", jobs or default_jobs(), quiet)
        return
    run_build(
        project,
        out or project / "site",
        only=shop,
        reporter=CliReporter(quiet, project),
        jobs=jobs or default_jobs(),
        shard=parse_shard(shard),
        cache=NONE if no_cache else FORCE if force else USE,
        strict=strict,
    )
    gc.freeze()  # about to exit: the interpreter's last collection would walk the whole loaded project for nothing


def keep_building(project: Path, out: Path, jobs: int, quiet: bool) -> None:
    """Build, then build again after each burst of changes until Ctrl-C. A mistake is printed
    (in the language of whoever fixes it) and the watching goes on: the next save may fix it."""
    from ..build.resident import ResidentBuild
    from ..build.watch import Changes

    resident = ResidentBuild(project, out, jobs=jobs)
    changes = Changes(project)
    observer = changes.observe()  # before the first build: an edit made during it is built next
    stop = threading.Event()
    changed: set[str] | None = None
    try:
        while True:
            try:
                resident.build(changed, reporter=CliReporter(quiet, project))
            except ContentError as exc:
                click.echo(exc.render(Readers(project)), err=True)
            except (TemplateError, UsageError) as exc:
                click.echo(tr(exc.args[0], cli_locale()), err=True)
            if changed is None:
                say(msg("watching {project} for changes (Ctrl-C to stop)", project=str(project)), err=True)
            if not changes.wait(stop):
                return
            changed = changes.take()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how one stops watching: not an error
    finally:
        observer.stop()
        observer.join(timeout=5)


@click.command(help=msg("Check for mistakes. Reads the catalog, every shop and every template, and writes nothing."))
@project_option
@click.option("--shop", "shop", metavar=msg("ID"), help=msg("Check only this shop (and the catalog)."))
@fail_on_user_errors
def check(project: Path, shop: str | None) -> None:
    result = run_check(project, only=shop, reporter=CliReporter(quiet=True, root=project))
    shops, products = len(result.project.shops), len(result.project.products)
    say(msg("ok: {shops} shops, {products} products, {files} files would be built", shops=shops, products=products, files=result.files))


@click.command(
    help=msg("Preview on this computer. Builds and serves every shop at http://HOST:PORT/<shop>/, rebuilds on change and live-reloads open pages.")
)
@project_option
@click.option("--host", metavar=msg("ADDRESS"), default="127.0.0.1", show_default=True, help=msg("Interface to listen on."))
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help=msg("Port to listen on."))
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help=msg("Worker processes per rebuild."))
@fail_on_user_errors
def serve(project: Path, host: str, port: int, jobs: int) -> None:
    from ..devserver import run

    run(project, host, port, jobs=jobs, log=lambda line: click.echo(line, err=True))


@click.command(help=msg("Start a new shop. Scaffolds content/SHOP_ID/ with a shop.yaml and a first post that build at once."))
@project_option
@click.argument("shop_id")
@click.option(
    "--locale", metavar=msg("LOCALE"), help=msg("The shop's locale (en_US or zh_CN) [default: the platform's]; the scaffold is written in it.")
)
@fail_on_user_errors
def new(project: Path, shop_id: str, locale: str | None) -> None:
    from ..content.scaffold import new_shop  # (it writes the JSON Schema files: pydantic, which a build does not import)

    folder = new_shop(project, shop_id, today=dt.date.today(), locale=locale)
    shown = folder.relative_to(project) if folder.is_relative_to(project) else folder
    say(msg("created {folder}/ — edit shop.yaml, then run: shopforest build --shop {shop}", folder=shown, shop=shop_id))


@click.command(help=msg("List share links. Every published pick's long and short link (and QR codes, written on request)."))
@project_option
@click.argument("shop_id")
@click.option(
    "--channel", "channels", multiple=True, metavar=msg("CHANNEL"), help=msg("Only this channel (repeatable) [default: the shop's channels].")
)
@click.option(
    "--campaign", "campaigns", multiple=True, metavar=msg("CAMPAIGN"), help=msg("Only this campaign (repeatable) [default: the shop's campaigns].")
)
@click.option("--sku", "skus", multiple=True, metavar=msg("SKU"), help=msg("Only this pick (repeatable)."))
@format_option
@click.option("--qr", "qr_dir", type=click.Path(file_okay=False, path_type=Path), help=msg("Also write a print-ready QR code per short link here."))
@click.option(
    "--qr-format",
    type=click.Choice(["svg", "png"]),
    default="svg",
    show_default=True,
    help=msg("SVG (sharp at any size, for print) or PNG (for a phone's photos)."),
)
@fail_on_user_errors
def links(
    project: Path,
    shop_id: str,
    channels: tuple[str, ...],
    campaigns: tuple[str, ...],
    skus: tuple[str, ...],
    fmt: str,
    qr_dir: Path | None,
    qr_format: str,
) -> None:
    from ..content.project import load_project
    from ..content.suggest import did_you_mean
    from ..pages.links import shop_links

    check_shop_arg(shop_id)
    loaded = load_project(project, only=shop_id)
    shop = loaded.shop(shop_id)
    if shop is None:
        raise UsageError(msg("no shop '{shop}' in content/", shop=shop_id))
    for channel in channels:
        if channel not in shop.channels:
            suggestion = did_you_mean(channel, shop.channels)
            declared = ", ".join(shop.channels)
            raise UsageError(
                msg(
                    "unknown channel '{channel}' for {shop} (declared: {declared}){suggestion}",
                    channel=channel,
                    shop=shop_id,
                    declared=declared,
                    suggestion=suggestion,
                )
            )
    for campaign in campaigns:
        if campaign not in shop.campaigns:
            declared = ", ".join(shop.campaigns) or msg("none")
            suggestion = did_you_mean(campaign, shop.campaigns)
            raise UsageError(
                msg(
                    "unknown campaign '{campaign}' for {shop} (declared: {declared}){suggestion}",
                    campaign=campaign,
                    shop=shop_id,
                    declared=declared,
                    suggestion=suggestion,
                )
            )
    for sku in skus:
        if shop.pick(sku) is None:
            suggestion = did_you_mean(sku, [p.product.sku for p in shop.picks])
            raise UsageError(msg("'{sku}' is not a published pick of {shop}{suggestion}", sku=sku, shop=shop_id, suggestion=suggestion))
    rows = shop_links(shop, channels=channels or None, campaigns=campaigns or None)
    rows = [r for r in rows if not skus or r.sku in skus]
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        header = ["sku", "title", "channel", "campaign", "code", "short", "long"]
        click.echo(csv_text(header, ([r.sku, r.title, r.channel, r.campaign or "", r.code, r.short, r.long] for r in rows)), nl=False)
    else:
        for r in rows:
            click.echo(f"{r.sku:<10} {r.channel:<8} {(r.campaign or '-'):<10} {r.short}  {r.long}")
    if qr_dir is not None:
        import segno

        qr_dir.mkdir(parents=True, exist_ok=True)
        for r in rows:
            name = "-".join(part for part in (r.sku, r.channel, r.campaign) if part)
            segno.make(r.short, error="m").save(str(qr_dir / f"{name}.{qr_format}"), scale=10, border=4)
        say(msg("wrote {n} QR codes to {folder}", n=len(rows), folder=qr_dir), err=True)
