"""The operator's commands for an owner's own earnings page: her private link, and the payouts it shows."""

from __future__ import annotations

import difflib
import time
from decimal import Decimal
from pathlib import Path

import click

from ..errors import UsageError
from ..messages import msg
from .operations import _storage
from .options import db_option, fail_on_user_errors, project_option, say


def _shop(project: Path, shop: str) -> tuple[str, str, str]:
    """(shop id, the hook's URL from catalog.yaml, currency), once the shop is known."""
    from ..content.project import load_project

    loaded = load_project(project, only=shop, partial=True)
    if loaded.shop(shop) is None and shop not in loaded.broken_shops:
        folders = sorted(p.parent.name for p in (project / "content").glob("*/shop.yaml"))
        close = difflib.get_close_matches(shop, folders, n=1)
        hint = msg(": did you mean '{match}'?", match=close[0]) if close else ""
        known = ", ".join(folders) or msg("none")
        raise UsageError(msg("there is no shop '{shop}' (shops: {known}){suggestion}", shop=shop, known=known, suggestion=hint))
    return shop, loaded.platform.checkout_url, loaded.platform.currency


@click.command(
    "owner-link",
    help=msg(
        "Make an owner's earnings link. Prints a new private link to SHOP's earnings page, to send to her; her old link stops working.\n\n"
        "The link holds a random secret that is stored only as its SHA-256 and shown only this once."
    ),
)
@project_option
@db_option
@click.option("--hook-url", metavar=msg("URL"), help=msg("The hook's public address [default: platform.checkout_url]."))
@click.option("--revoke", is_flag=True, help=msg("Revoke her link (and end its sessions) without making a new one."))
@click.argument("shop")
@fail_on_user_errors
def owner_link(project: Path, db: str | None, hook_url: str | None, revoke: bool, shop: str) -> None:
    from ..hook.ownerpage import new_token, owner_link, token_hash

    shop_id, checkout_url, _currency = _shop(project, shop)
    storage = _storage(project, db)
    if revoke:
        revoked = storage.revoke_owner_link(shop_id, time.time())
        say(msg("{shop}: link revoked", shop=shop_id) if revoked else msg("{shop}: had no live link", shop=shop_id), err=True)
        return
    token = new_token()
    storage.issue_owner_link(shop_id, token_hash(token), time.time())
    say(msg("{shop}: her earnings page; send it to her alone (any earlier link no longer works):", shop=shop_id), err=True)
    click.echo(owner_link(hook_url or checkout_url, shop_id, token))


@click.command("payout", help=msg("Record a payout. The platform paid SHOP's owner AMOUNT of her confirmed commission."))
@project_option
@db_option
@click.option("--note", metavar=msg("NOTE"), default="", help=msg("A reference for the payment (bank transfer id, month)."))
@click.argument("shop")
@click.argument("amount")
@fail_on_user_errors
def payout(project: Path, db: str | None, note: str, shop: str, amount: str) -> None:
    import datetime as dt

    from ..content.project import load_project
    from ..content.schema import parse_money
    from ..hook.reports import earnings

    shop_id, _url, currency = _shop(project, shop)
    try:
        value = parse_money(amount, currency)
    except ValueError as exc:
        raise UsageError(msg("AMOUNT {amount}: {problem}", amount=repr(amount), problem=exc.args[0] if exc.args else str(exc))) from None
    if value <= 0:
        raise UsageError(msg("AMOUNT must be more than 0"))
    storage = _storage(project, db)
    refund_days = load_project(project, only="\0none").platform.refund_days
    rows = earnings(storage, shop=shop_id, since=None, until=None, refund_days=refund_days, now=dt.datetime.now(tz=dt.UTC))
    due = sum((r.locked for r in rows), Decimal("0.00")) - storage.paid_out(shop_id)
    if value > due:
        raise UsageError(
            msg(
                "{shop} has {due} {currency} confirmed and not yet paid; {value} is more than that",
                shop=shop_id,
                due=due,
                currency=currency,
                value=value,
            )
        )
    storage.add_payout(shop_id, value, note, time.time())
    say(
        msg(
            "{shop}: paid {value} {currency}; {due} {currency} confirmed and not yet paid",
            shop=shop_id,
            value=value,
            currency=currency,
            due=due - value,
        )
    )
