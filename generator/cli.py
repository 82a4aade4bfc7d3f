"""The ``shopforest`` command. The only module that imports click."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .build.pipeline import build as run_build
from .build.pipeline import check as run_check
from .build.pipeline import check_shop_arg, default_jobs, parse_shard
from .build.reporter import BuildStats, Reporter
from .build.verify import VerifyError
from .cache.folder import FORCE, NONE, USE
from .content.scaffold import new_shop
from .errors import ContentError, TemplateError, UsageError

if TYPE_CHECKING:
    from .hook.forwarder import Forwarder
    from .hook.store import Store


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
@click.option("--force", is_flag=True, help="Reuse nothing earlier builds kept in .shopforest/: work everything out again (and keep it).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .shopforest/'s kept results (a build from nothing, leaving nothing behind).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors.")
@fail_on_user_errors
def build(project: Path, shop: str | None, out: Path | None, jobs: int | None, shard: str | None, force: bool, no_cache: bool, quiet: bool) -> None:
    """Build every shop (or one) into site/<shop>/, rendering only what changed and writing only bytes that differ."""
    run_build(
        project,
        out or project / "site",
        only=shop,
        reporter=CliReporter(quiet),
        jobs=jobs or default_jobs(),
        shard=parse_shard(shard),
        cache=NONE if no_cache else FORCE if force else USE,
    )
    gc.freeze()  # about to exit: the interpreter's last collection would walk the whole loaded project for nothing


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


@main.command()
@project_option
@click.argument("shop_id")
@click.option("--channel", "channels", multiple=True, metavar="C", help="Only this channel (repeatable) [default: the shop's channels].")
@click.option("--campaign", "campaigns", multiple=True, metavar="K", help="Only this campaign (repeatable) [default: the shop's campaigns].")
@click.option("--sku", "skus", multiple=True, metavar="SKU", help="Only this pick (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--qr", "qr_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write a print-ready QR code per short link here.")
@click.option("--qr-format", type=click.Choice(["svg", "png"]), default="svg", show_default=True)
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
    """List every published pick's long and short share link (and write QR codes)."""
    from .content.project import load_project
    from .pages.links import shop_links

    check_shop_arg(shop_id)
    loaded = load_project(project, only=shop_id)
    shop = loaded.shop(shop_id)
    if shop is None:
        raise UsageError(f"no shop '{shop_id}' in content/")
    for channel in channels:
        if channel not in shop.channels:
            raise UsageError(f"unknown channel '{channel}' for {shop_id} (declared: {', '.join(shop.channels)})")
    for campaign in campaigns:
        if campaign not in shop.campaigns:
            raise UsageError(f"unknown campaign '{campaign}' for {shop_id} (declared: {', '.join(shop.campaigns) or 'none'})")
    for sku in skus:
        if shop.pick(sku) is None:
            raise UsageError(f"'{sku}' is not a published pick of {shop_id}")
    rows = shop_links(shop, channels=channels or None, campaigns=campaigns or None)
    rows = [r for r in rows if not skus or r.sku in skus]
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["sku", "title", "channel", "campaign", "code", "short", "long"])
        for r in rows:
            writer.writerow([r.sku, r.title, r.channel, r.campaign or "", r.code, r.short, r.long])
        click.echo(out.getvalue(), nl=False)
    else:
        for r in rows:
            click.echo(f"{r.sku:<10} {r.channel:<8} {(r.campaign or '-'):<10} {r.short}  {r.long}")
    if qr_dir is not None:
        import segno

        qr_dir.mkdir(parents=True, exist_ok=True)
        for r in rows:
            name = "-".join(part for part in (r.sku, r.channel, r.campaign) if part)
            segno.make(r.short, error="m").save(str(qr_dir / f"{name}.{qr_format}"), scale=10, border=4)
        click.echo(f"wrote {len(rows)} QR codes to {qr_dir}", err=True)


# The checkout hook (SPEC "Checkout hook"; docs/checkout.md) ------------------------------------


def _db_url(project: Path, db: str | None) -> str:
    from .hook.database import is_postgresql

    url = db or os.environ.get("SHOPFOREST_DB") or "var/orders.db"
    if is_postgresql(url) or Path(url).is_absolute():
        return url
    return str(project / url)


def _storage(project: Path, db: str | None) -> Store:
    """Open the order storage for this command; it is closed when the command ends."""
    from .hook.database import open_storage

    url = _db_url(project, db)
    try:
        storage = open_storage(url)
    except Exception as exc:  # sqlite3, psycopg and OS errors alike: the database cannot be opened
        shown = url.split("@", 1)[-1] if "://" in url else url  # never print a password
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot open the order database {shown}: {reason}") from None
    click.get_current_context().call_on_close(storage.close)
    return storage


def _forwarder(storage: Store, url: str | None, secret: str | None) -> Forwarder | None:
    from .hook.forwarder import Forwarder, RetryPolicy

    url = url or os.environ.get("SHOPFOREST_FULFILMENT_URL")
    secret = secret or os.environ.get("SHOPFOREST_WEBHOOK_SECRET")
    if not url:
        return None
    if not secret:
        raise UsageError("SHOPFOREST_WEBHOOK_SECRET (whsec_…) is required to sign webhooks to fulfilment")
    base = float(os.environ.get("SHOPFOREST_RETRY_BASE", "5"))
    try:
        return Forwarder(storage, url, secret, RetryPolicy(base=base))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@main.group()
def hook() -> None:
    """The checkout hook: take orders, store them, forward them signed to fulfilment."""


@hook.command("serve")
@project_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8787, show_default=True)
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--fulfilment-url", help="Where orders go [env SHOPFOREST_FULFILMENT_URL]; none: store only.")
@click.option("--rate", type=click.FloatRange(min=0.01), default=2.0, show_default=True, help="Requests per second per client address, sustained.")
@click.option(
    "--burst",
    type=click.IntRange(1),
    default=60,
    show_default=True,
    help="Requests per client address at once (raise both behind a proxy).",
)
@fail_on_user_errors
def hook_serve(project: Path, host: str, port: int, db: str | None, fulfilment_url: str | None, rate: float, burst: int) -> None:
    """Serve POST /orders, POST /clicks and GET /health, and forward stored orders."""
    import uvicorn

    from .hook.app import create_app

    storage = _storage(project, db)
    forwarder = _forwarder(storage, fulfilment_url, None)
    app = create_app(project, storage, rate=rate, burst=burst)
    if forwarder is not None:
        forwarder.start()
    click.echo(f"checkout hook on http://{host}:{port}/ (orders in {storage.path})", err=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if forwarder is not None:
            forwarder.stop()


@hook.command("forward")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--fulfilment-url", help="Where orders go [env SHOPFOREST_FULFILMENT_URL].")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
@fail_on_user_errors
def hook_forward(project: Path, db: str | None, fulfilment_url: str | None, once: bool) -> None:
    """Deliver stored orders to fulfilment (also runs inside `hook serve`)."""

    storage = _storage(project, db)
    forwarder = _forwarder(storage, fulfilment_url, None)
    if forwarder is None:
        raise UsageError("set --fulfilment-url or SHOPFOREST_FULFILMENT_URL")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if once:
        click.echo(f"{forwarder.run_once()} events handled")
        return
    with contextlib.suppress(KeyboardInterrupt):
        forwarder.run()


@main.group()
def orders() -> None:
    """Inspect stored orders and redeliver them."""


@orders.command("list")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@fail_on_user_errors
def orders_list(project: Path, db: str | None, limit: int) -> None:
    """Newest orders first, with their delivery state (pending, delivered, dead)."""

    storage = _storage(project, db)
    for o in storage.orders(limit):
        click.echo(
            f"{o['order_id']}  {o['created_at']}  {o['shop']:<16} {o['total']:>10} {o['currency']}  {o['delivery']} ({o['attempts']} attempts)"
        )


@orders.command("show")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.argument("order_id")
@fail_on_user_errors
def orders_show(project: Path, db: str | None, order_id: str) -> None:
    """One order as JSON, with its events."""

    storage = _storage(project, db)
    order = storage.order(order_id)
    if order is None:
        raise UsageError(f"no order {order_id}")
    events = [{"id": e.id, "type": e.type, "status": e.status, "attempts": e.attempts, "last_error": e.last_error} for e in storage.events(order_id)]
    click.echo(json.dumps({"order": order, "events": events}, ensure_ascii=False, indent=2))


@orders.command("retry")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.argument("order_id")
@fail_on_user_errors
def orders_retry(project: Path, db: str | None, order_id: str) -> None:
    """Queue an order's events for delivery again (after a dead letter, or to resend)."""

    storage = _storage(project, db)
    if storage.order(order_id) is None:
        raise UsageError(f"no order {order_id}")
    click.echo(f"{storage.requeue(order_id, time.time())} events queued")


def _print_rows(rows: list[dict[str, Any]], fmt: str) -> None:
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


@main.group()
def report() -> None:
    """Owners' reports: earnings and share-link performance (no customer data)."""


@report.command("earnings")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--shop", "shop", metavar="ID")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Orders placed on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Orders placed on or before this day.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@fail_on_user_errors
def report_earnings(project: Path, db: str | None, shop: str | None, since: Any, until: Any, fmt: str) -> None:
    """Per shop: orders, revenue, commission pending / locked / reversed / payable."""
    from .content.project import load_project
    from .hook.reports import earnings

    refund_days = load_project(project, only="\0none").platform.refund_days
    storage = _storage(project, db)
    rows = earnings(
        storage,
        shop=shop,
        since=since.date() if since else None,
        until=until.date() if until else None,
        refund_days=refund_days,
        now=dt.datetime.now(tz=dt.UTC),
    )
    _print_rows([r.row() for r in rows], fmt)


@report.command("links")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--shop", "shop", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@fail_on_user_errors
def report_links(project: Path, db: str | None, shop: str | None, fmt: str) -> None:
    """Clicks, orders, conversion and revenue per link code, channel and campaign."""
    from .hook.reports import links as link_report

    storage = _storage(project, db)
    _print_rows([r.row() for r in link_report(storage, shop=shop)], fmt)


@main.command("fulfilment-dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8788, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("var/fulfilment.jsonl"), show_default=True)
@fail_on_user_errors
def fulfilment_dev(host: str, port: int, out: Path) -> None:
    """A local fulfilment endpoint: verifies signatures, de-duplicates, appends to JSON Lines."""
    import uvicorn

    from .hook.devreceiver import create_receiver

    secret = os.environ.get("SHOPFOREST_WEBHOOK_SECRET")
    if not secret:
        raise UsageError("SHOPFOREST_WEBHOOK_SECRET (whsec_…) is required to verify webhooks")
    try:
        app = create_receiver(secret, out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"fulfilment-dev on http://{host}:{port}/ appending to {out}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
