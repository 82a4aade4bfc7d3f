"""The platform operator's commands: the checkout hook, its orders, owners' reports and a local fulfilment receiver."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..cache.folder import CacheFolder
from ..errors import UsageError
from ..hook import CLICKS_PER_DAY, MAX_CONNECTIONS
from ..messages import cli_locale, msg, msgs, tr

if TYPE_CHECKING:
    from ..content.model import Platform, Project
    from ..hook.forwarder import Forwarder
    from ..hook.store import Store

from .options import db_option, fail_on_user_errors, format_option, print_rows, project_option
from .options import say as tell


def _db_url(project: Path, db: str | None) -> str:
    from ..hook.database import is_postgresql

    url = db or os.environ.get("SHOPFOREST_DB") or "var/orders.db"
    if is_postgresql(url) or Path(url).is_absolute():
        return url
    return str(project / url)


def _storage(project: Path, db: str | None, *, create: bool = False, say: bool = False) -> Store:
    """Open the order storage for this command; it is closed when the command ends.

    Only the hook, which takes orders, creates a SQLite database. Every other command says which
    one it reads, and refuses one that does not exist: an empty database made by a typo or the
    wrong folder would look like a day without orders. ``say`` names it on stderr."""
    from ..hook.database import is_postgresql, open_storage

    url = _db_url(project, db)
    shown = url.split("@", 1)[-1] if "://" in url else url  # never print a password
    if not create and not is_postgresql(url) and not Path(url.removeprefix("sqlite:///")).is_file():
        hint = ""
        dev = CacheFolder(project).serve_orders
        if dev.is_file() and dev.resolve() != Path(url).resolve():
            hint = msg("; the orders `shopforest serve` took are in {path} (--db {path})", path=dev)
        raise UsageError(
            msg(
                "no order database at {shown} (set --db or SHOPFOREST_DB; `shopforest hook serve` creates it with its first order){hint}",
                shown=shown,
                hint=hint,
            )
        )
    if say:
        tell(msg("orders from {database}", database=shown), err=True)
    try:
        storage = open_storage(url)
    except Exception as exc:  # sqlite3, psycopg and OS errors alike: the database cannot be opened
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(msg("cannot open the order database {shown}: {reason}", shown=shown, reason=reason)) from None
    click.get_current_context().call_on_close(storage.close)
    return storage


def _forwarder(storage: Store, url: str | None, secret: str | None) -> Forwarder | None:
    from ..hook.forwarder import Forwarder, RetryPolicy

    url = url or os.environ.get("SHOPFOREST_FULFILMENT_URL")
    secret = secret or os.environ.get("SHOPFOREST_WEBHOOK_SECRET")
    if not url:
        return None
    if not secret:
        raise UsageError(msg("SHOPFOREST_WEBHOOK_SECRET (whsec_…) is required to sign webhooks to fulfilment"))
    base = float(os.environ.get("SHOPFOREST_RETRY_BASE", "5"))
    try:
        return Forwarder(storage, url, secret, RetryPolicy(base=base))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@click.group(help=msg("The checkout service. It takes orders, stores them and forwards them signed to fulfilment."))
def hook() -> None:
    pass


@hook.command(
    "serve",
    help=msg(
        "Run the checkout service. Serves POST /orders, GET /orders/ID, POST /clicks, GET /health"
        " and owners' pages (GET /owner/SHOP/), and forwards stored orders."
    ),
)
@project_option
@click.option("--host", metavar=msg("ADDRESS"), default="127.0.0.1", show_default=True, help=msg("Interface to listen on."))
@click.option("--port", type=click.IntRange(1, 65535), default=8787, show_default=True, help=msg("Port to listen on."))
@db_option
@click.option("--fulfilment-url", metavar=msg("URL"), help=msg("Where orders go [env SHOPFOREST_FULFILMENT_URL]; none: store only."))
@click.option(
    "--rate", type=click.FloatRange(min=0.01), default=2.0, show_default=True, help=msg("Requests per second per client address, sustained.")
)
@click.option(
    "--burst",
    type=click.IntRange(1),
    default=60,
    show_default=True,
    help=msg("Requests per client address at once (raise both behind a proxy)."),
)
@click.option(
    "--clicks-per-day",
    type=click.IntRange(1),
    default=CLICKS_PER_DAY,
    show_default=True,
    help=msg("Share-link clicks stored per client address per UTC day (raise behind a proxy)."),
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar=msg("ADDRESS"),
    help=msg("A reverse proxy whose X-Forwarded-For is believed (repeat for several; an IP or a network such as 10.0.0.0/8). None by default."),
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    default=MAX_CONNECTIONS,
    show_default=True,
    help=msg("Open connections and requests; past it, 503."),
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=msg("Write the log here, rotated at 10 MB with 5 old files kept; default: standard error (for journald or a supervisor)."),
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help=msg("Processes taking orders [default: the number of cores]. Each has its own rate-limit buckets."),
)
@fail_on_user_errors
def hook_serve(
    project: Path,
    host: str,
    port: int,
    db: str | None,
    fulfilment_url: str | None,
    rate: float,
    burst: int,
    clicks_per_day: int,
    trusted_proxies: tuple[str, ...],
    max_connections: int,
    log_file: Path | None,
    workers: int | None,
) -> None:
    from ..content.project import load_project
    from ..hook.app import create_app
    from ..hook.server import serve

    storage = _storage(project, db, create=True)
    forwarder = _forwarder(storage, fulfilment_url, None)
    app = create_app(project, storage, rate=rate, burst=burst, clicks_per_day=clicks_per_day)
    if not os.environ.get("SHOPFOREST_PAYMENT_SECRET") and load_project(project, only="\0none").platform.payment.method == "link":
        tell(
            msg(
                "warning: platform.payment.method is link but SHOPFOREST_PAYMENT_SECRET is not set: customers are told the platform will contact them"
            ),
            err=True,
        )
    if forwarder is not None:
        forwarder.start()
    tell(msg("checkout hook on http://{host}:{port}/ (orders in {database})", host=host, port=port, database=storage.path), err=True)
    from ..hook.logs import start_logging

    start_logging(log_file)
    workers = workers or len(os.sched_getaffinity(0))
    target: Any = app
    if workers > 1:  # each worker process makes its own app (hook/worker.py); the forwarder stays here
        from ..hook import worker

        os.environ[worker.SETTINGS] = worker.settings(project.resolve(), str(storage.path), rate, burst, clicks_per_day, log_file)
        target = "generator.hook.worker:create"
    try:
        serve(target, host, port, trusted_proxies=trusted_proxies, max_connections=max_connections, workers=workers)
    finally:
        if forwarder is not None:
            forwarder.stop()


@hook.command("forward", help=msg("Send stored orders to fulfilment. This also runs inside `hook serve`."))
@project_option
@db_option
@click.option("--fulfilment-url", metavar=msg("URL"), help=msg("Where orders go [env SHOPFOREST_FULFILMENT_URL]."))
@click.option("--once", is_flag=True, help=msg("Deliver what is due now, then stop."))
@fail_on_user_errors
def hook_forward(project: Path, db: str | None, fulfilment_url: str | None, once: bool) -> None:
    storage = _storage(project, db)
    forwarder = _forwarder(storage, fulfilment_url, None)
    if forwarder is None:
        raise UsageError(msg("set --fulfilment-url or SHOPFOREST_FULFILMENT_URL"))
    from ..hook.logs import start_logging

    start_logging(None)
    if once:
        tell(msg("{n} events handled", n=forwarder.run_once()))
        return
    with contextlib.suppress(KeyboardInterrupt):
        forwarder.run()


@click.group(help=msg("Inspect stored orders and redeliver them."))
def orders() -> None:
    pass


@orders.command("list", help=msg("List orders, newest first. Each with its delivery state (pending, delivered, dead)."))
@project_option
@db_option
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help=msg("How many orders to show."))
@fail_on_user_errors
def orders_list(project: Path, db: str | None, limit: int) -> None:
    storage = _storage(project, db, say=True)
    for o in storage.orders(limit):
        tries = tr(msgs("{n} attempt", "{n} attempts", int(o["attempts"])), cli_locale())
        click.echo(f"{o['order_id']}  {o['created_at']}  {o['shop']:<16} {o['total']:>10} {o['currency']}  {o['delivery']} ({tries})")


@orders.command("show", help=msg("One order as JSON, with its events."))
@project_option
@db_option
@click.argument("order_id")
@fail_on_user_errors
def orders_show(project: Path, db: str | None, order_id: str) -> None:
    storage = _storage(project, db, say=True)
    order = storage.order(order_id)
    if order is None:
        raise UsageError(msg("no order {order_id}", order_id=order_id))
    events = [{"id": e.id, "type": e.type, "status": e.status, "attempts": e.attempts, "last_error": e.last_error} for e in storage.events(order_id)]
    click.echo(json.dumps({"order": order, "events": events}, ensure_ascii=False, indent=2))


@orders.command("retry", help=msg("Send an order again. Queues its events for delivery again (after a dead letter, or to resend)."))
@project_option
@db_option
@click.argument("order_id")
@fail_on_user_errors
def orders_retry(project: Path, db: str | None, order_id: str) -> None:
    storage = _storage(project, db, say=True)
    if storage.order(order_id) is None:
        raise UsageError(msg("no order {order_id}", order_id=order_id))
    tell(msg("{n} events queued", n=storage.requeue(order_id, time.time())))


@click.group(help=msg("Owners' reports. Earnings and share-link performance, with no customer data."))
def report() -> None:
    pass


@report.command("earnings", help=msg("Each shop's earnings. Orders, revenue, commission pending / locked / reversed / payable, and paid."))
@project_option
@db_option
@click.option("--shop", "shop", metavar=msg("ID"), help=msg("Only this shop [default: every shop]."))
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help=msg("Orders placed on or after this day."))
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help=msg("Orders placed on or before this day."))
@format_option
@fail_on_user_errors
def report_earnings(project: Path, db: str | None, shop: str | None, since: Any, until: Any, fmt: str) -> None:
    from ..content.project import load_project
    from ..hook.reports import earnings
    from ..pages.money import as_text

    platform = load_project(project, only="\0none").platform
    storage = _storage(project, db)
    rows = earnings(
        storage,
        shop=shop,
        since=since.date() if since else None,
        until=until.date() if until else None,
        refund_days=platform.refund_days,
        now=dt.datetime.now(tz=dt.UTC),
    )
    shown = [r.row() | {"paid": as_text(storage.paid_out(r.shop))} for r in rows]
    print_rows(_money(shown, ("revenue", "pending", "locked", "reversed", "payable", "paid"), platform, fmt), fmt)


@report.command(
    "links", help=msg("How each share link did. Clicks, orders, conversion and revenue per link code, with its product, channel and campaign.")
)
@project_option
@db_option
@click.option("--shop", "shop", metavar=msg("ID"), help=msg("Only this shop [default: every shop]."))
@format_option
@fail_on_user_errors
def report_links(project: Path, db: str | None, shop: str | None, fmt: str) -> None:
    from ..hook.reports import links as link_report

    loaded = _shops(project, shop)
    storage = _storage(project, db)
    codes = _codes(loaded)

    def title(shop_id: str, lid: str) -> str | None:
        sku = codes.get((shop_id, lid))
        product = loaded.products.get(sku) if sku else None
        return product.title if product else None

    rows = [r.row() for r in link_report(storage, shop=shop, titles=title)]
    print_rows(_money(rows, ("revenue",), loaded.platform, fmt), fmt)


@report.command("products", help=msg("How each product did. Per shop and product (by title): visits through its share links, orders and commission."))
@project_option
@db_option
@click.option("--shop", "shop", metavar=msg("ID"), help=msg("Only this shop [default: every shop]."))
@format_option
@fail_on_user_errors
def report_products(project: Path, db: str | None, shop: str | None, fmt: str) -> None:
    from ..hook.reports import product_stats

    loaded = _shops(project, shop)
    storage = _storage(project, db)
    codes = _codes(loaded)
    rows = product_stats(
        storage.report_rows(shop),
        storage.clicks_by_lid(shop),
        sku_of=lambda shop_id, lid: codes.get((shop_id, lid)),
        title_of=lambda _shop, sku: p.title if (p := loaded.products.get(sku)) else None,
        picks=[(s.id, pick.product.sku) for s in loaded.shops for pick in s.picks],
    )
    print_rows(_money([r.row() for r in rows], ("commission",), loaded.platform, fmt), fmt)


def _shops(project: Path, shop: str | None) -> Project:
    """The catalog and the shops a report covers, for product titles and link codes."""
    from ..content.project import load_project

    return load_project(project, only=shop, partial=True)


def _codes(loaded: Project) -> dict[tuple[str, str], str]:
    """(shop, link code) → the SKU it opens, for every link the shops have now."""
    from ..pages.links import shop_codes

    return {(s.id, code): parts[0] for s in loaded.shops for code, parts in shop_codes(s).items()}


def _money(rows: list[dict[str, Any]], keys: tuple[str, ...], platform: Platform, fmt: str) -> list[dict[str, Any]]:
    """A table shows money as the platform's locale writes it (``¥57.24``); CSV and JSON keep the
    decimal text for other programs and name the currency in a column of its own."""
    from ..pages.money import format_money

    if fmt != "table":
        return [row | {"currency": platform.currency} for row in rows]
    return [row | {k: format_money(Decimal(row[k]), platform.currency, platform.locale) for k in keys} for row in rows]


@click.command("fulfilment-dev", help=msg("A fulfilment endpoint for testing. It verifies signatures, de-duplicates and appends to JSON Lines."))
@click.option("--host", metavar=msg("ADDRESS"), default="127.0.0.1", show_default=True, help=msg("Interface to listen on."))
@click.option("--port", type=click.IntRange(1, 65535), default=8788, show_default=True, help=msg("Port to listen on."))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("var/fulfilment.jsonl"),
    show_default=True,
    help=msg("The JSON Lines file each delivered event is appended to."),
)
@fail_on_user_errors
def fulfilment_dev(host: str, port: int, out: Path) -> None:
    import uvicorn

    from ..hook.devreceiver import create_receiver

    secret = os.environ.get("SHOPFOREST_WEBHOOK_SECRET")
    if not secret:
        raise UsageError(msg("SHOPFOREST_WEBHOOK_SECRET (whsec_…) is required to verify webhooks"))
    try:
        app = create_receiver(secret, out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    tell(msg("fulfilment-dev on http://{host}:{port}/ appending to {path}", host=host, port=port, path=out), err=True)
    # No access log and no forwarded-for rewriting: a development receiver on this machine has
    # no proxy in front and nobody reading a line per event, and both cost CPU on every event a
    # backlog's round trips wait for (bench/hook.py runs it on the same cores as the hook).
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False)
