"""The platform operator's commands: the checkout hook, its orders, owners' reports and a local fulfilment receiver."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import logging.handlers
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..cache.folder import CacheFolder
from ..errors import UsageError
from ..hook import CLICKS_PER_DAY, MAX_CONNECTIONS

if TYPE_CHECKING:
    from ..hook.forwarder import Forwarder
    from ..hook.store import Store

from .options import fail_on_user_errors, print_rows, project_option


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
            hint = f"; the orders `shopforest serve` took are in {dev} (--db {dev})"
        raise UsageError(f"no order database at {shown} (set --db or SHOPFOREST_DB; `shopforest hook serve` creates it with its first order){hint}")
    if say:
        click.echo(f"orders from {shown}", err=True)
    try:
        storage = open_storage(url)
    except Exception as exc:  # sqlite3, psycopg and OS errors alike: the database cannot be opened
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot open the order database {shown}: {reason}") from None
    click.get_current_context().call_on_close(storage.close)
    return storage


def _forwarder(storage: Store, url: str | None, secret: str | None) -> Forwarder | None:
    from ..hook.forwarder import Forwarder, RetryPolicy

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


@click.group()
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
@click.option(
    "--clicks-per-day",
    type=click.IntRange(1),
    default=CLICKS_PER_DAY,
    show_default=True,
    help="Share-link clicks stored per client address per UTC day (raise behind a proxy).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-For is believed (repeat for several; an IP or a network such as 10.0.0.0/8). None by default.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    default=MAX_CONNECTIONS,
    show_default=True,
    help="Open connections and requests; past it, 503.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the log here, rotated at 10 MB with 5 old files kept; default: standard error (for journald or a supervisor).",
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
) -> None:
    """Serve POST /orders, GET /orders/{id}, POST /clicks and GET /health, and forward stored orders."""
    from ..content.project import load_project
    from ..hook.app import create_app
    from ..hook.server import serve

    storage = _storage(project, db, create=True)
    forwarder = _forwarder(storage, fulfilment_url, None)
    app = create_app(project, storage, rate=rate, burst=burst, clicks_per_day=clicks_per_day)
    if not os.environ.get("SHOPFOREST_PAYMENT_SECRET") and load_project(project, only="\0none").platform.payment.method == "link":
        unsigned = "customers are told the platform will contact them"
        click.echo(f"warning: platform.payment.method is link but SHOPFOREST_PAYMENT_SECRET is not set: {unsigned}", err=True)
    if forwarder is not None:
        forwarder.start()
    click.echo(f"checkout hook on http://{host}:{port}/ (orders in {storage.path})", err=True)
    start_logging(log_file)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        serve(app, host, port, trusted_proxies=trusted_proxies, max_connections=max_connections)
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
    start_logging(None)
    if once:
        click.echo(f"{forwarder.run_once()} events handled")
        return
    with contextlib.suppress(KeyboardInterrupt):
        forwarder.run()


@click.group()
def orders() -> None:
    """Inspect stored orders and redeliver them."""


@orders.command("list")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@fail_on_user_errors
def orders_list(project: Path, db: str | None, limit: int) -> None:
    """Newest orders first, with their delivery state (pending, delivered, dead)."""

    storage = _storage(project, db, say=True)
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

    storage = _storage(project, db, say=True)
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

    storage = _storage(project, db, say=True)
    if storage.order(order_id) is None:
        raise UsageError(f"no order {order_id}")
    click.echo(f"{storage.requeue(order_id, time.time())} events queued")


@click.group()
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
    from ..content.project import load_project
    from ..hook.reports import earnings

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
    print_rows([r.row() for r in rows], fmt)


@report.command("links")
@project_option
@click.option("--db", help="SQLite path or postgresql:// URL [env SHOPFOREST_DB; default var/orders.db].")
@click.option("--shop", "shop", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@fail_on_user_errors
def report_links(project: Path, db: str | None, shop: str | None, fmt: str) -> None:
    """Clicks, orders, conversion and revenue per link code, channel and campaign."""
    from ..hook.reports import links as link_report

    storage = _storage(project, db)
    print_rows([r.row() for r in link_report(storage, shop=shop)], fmt)


def start_logging(log_file: Path | None) -> None:
    """One line per order at INFO; to a file rotated at 10 MB (5 kept), or to standard error."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers = [logging.handlers.RotatingFileHandler(log_file, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8")]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", handlers=handlers)


@click.command("fulfilment-dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8788, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("var/fulfilment.jsonl"), show_default=True)
@fail_on_user_errors
def fulfilment_dev(host: str, port: int, out: Path) -> None:
    """A local fulfilment endpoint: verifies signatures, de-duplicates, appends to JSON Lines."""
    import uvicorn

    from ..hook.devreceiver import create_receiver

    secret = os.environ.get("SHOPFOREST_WEBHOOK_SECRET")
    if not secret:
        raise UsageError("SHOPFOREST_WEBHOOK_SECRET (whsec_…) is required to verify webhooks")
    try:
        app = create_receiver(secret, out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"fulfilment-dev on http://{host}:{port}/ appending to {out}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
