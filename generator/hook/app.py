"""The checkout hook as an ASGI application (Starlette). ``create_app`` builds it for any ASGI
server; ``shopforest hook serve`` runs it with uvicorn.

Endpoints (docs/checkout.md, /openapi.json): ``POST /orders``, ``GET /orders/{order_id}`` (with the
order's secret), ``POST /clicks``, ``GET /health``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..content.model import Project
from ..content.project import load_project
from ..content.resolved import relink_existing
from ..errors import ContentError
from ..pages.links import shop_codes
from ..pages.money import as_text
from . import CLICKS_PER_DAY, ledger, payment, webhooks
from .bodies import read_body, read_json
from .errors import OrderError, error
from .limits import ClickBudget, RateLimiter, until_tomorrow
from .messages import localize
from .openapi import openapi
from .ownerpage import owner_routes
from .pricing import PricedOrder, price_order
from .store import DuplicateEvent, KeyReused, Store, UnknownOrder

log = logging.getLogger("shopforest.hook")

Handler = Callable[[Request], Awaitable[Response]]

MAX_BODY = 64 * 1024
MAX_CLICK_BODY = 4 * 1024
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)


class Catalog:
    """The loaded project, swapped whole when catalog.yaml or content/ change (checked at most
    once a second). The platform's catalog applies at once; a shop whose owner's files have a
    mistake is served as it last loaded without one, with the new catalog's products (a price
    change or a recall reaches her shop too). A mistake in catalog.yaml keeps the last good
    project whole."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._checked = 0.0
        self._signature = self._sign()
        self.project: Project = load_project(root, partial=True)
        if self.project.broken:
            log.error("shops left out until their mistakes are fixed:\n%s", ContentError(list(self.project.broken)).render())
        self.loaded_at = time.time()
        self.origins = allowed_origins(self.project)
        self._link_tables: tuple[Project, dict[str, dict[str, LinkParts]]] = (self.project, {})

    def _sign(self) -> tuple[tuple[str, int, int], ...]:
        files = [self.root / "catalog.yaml", *sorted((self.root / "content").glob("*/shop.yaml"))]
        out = []
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            out.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def current(self) -> Project:
        now = time.monotonic()
        if now - self._checked < 1.0:
            return self.project
        with self._lock:
            self._checked = now
            signature = self._sign()
            if signature != self._signature:
                try:
                    project = carry_over(load_project(self.root, partial=True), self.project)
                except ContentError as exc:
                    log.error("catalog reload failed, keeping the last good one:\n%s", exc.render())
                else:
                    self.project, self.origins, self.loaded_at = project, allowed_origins(project), time.time()
                    log.info("catalog reloaded: %d products, %d shops", len(project.products), len(project.shops))
                self._signature = signature
        return self.project

    def link(self, shop_id: str, code: str) -> LinkParts | None:
        """(sku, channel, campaign) of one of the shop's share-link codes, or None. Each shop's
        table is worked out on its first click after a load, from the same function as the
        /s/ page's codes.json, and kept until the catalog or a shop changes."""
        project = self.current()
        held, tables = self._link_tables
        if held is not project:
            tables = {}
            self._link_tables = (project, tables)
        table = tables.get(shop_id)
        if table is None:
            shop = project.shop(shop_id)
            if shop is None:
                return None
            table = tables[shop_id] = shop_codes(shop)
        return table.get(code)


LinkParts = tuple[str, str, str | None]  # sku, channel, campaign


def carry_over(new: Project, old: Project) -> Project:
    """``new``, with each shop it left out for her mistakes as ``old`` had it, showing the new
    catalog's products (picks of products gone from the catalog are dropped)."""
    if not new.broken:
        return new
    log.error("shops served as last loaded until their mistakes are fixed:\n%s", ContentError(list(new.broken)).render())
    kept = [relink_existing(shop, new.products) for shop in old.shops if shop.id in new.broken_shops]
    return dataclasses.replace(new, shops=tuple(sorted((*new.shops, *kept), key=lambda s: s.id)))


def origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def allowed_origins(project: Project) -> frozenset[str]:
    """CORS: only the origins the known shops are published at."""
    return frozenset(origin_of(s.base_url) for s in project.shops)


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O or U: read aloud or typed, nothing is mistaken


def new_order_id(now: dt.datetime) -> str:
    """``SF`` + the day + 12 characters of Crockford's base 32 (60 random bits).

    Ids are unique by chance. With 32 bits two orders of a sale day of 70,000 shared one on
    about four days in ten (1 − e^(−n² / 2³³)), and the second was refused with a 500; with
    60 bits, a million orders a day share one about once in six thousand years."""
    bits = secrets.randbits(60)
    return f"SF{now:%y%m%d}-" + "".join(CROCKFORD[(bits >> shift) & 31] for shift in range(55, -5, -5))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def locale_of(project: Project, body: Any) -> str:
    """The language of the shop an order request names (the platform's if it names none)."""
    shop = project.shop(body["shop"]) if isinstance(body, dict) and isinstance(body.get("shop"), str) else None
    return shop.locale if shop else project.platform.locale


def order_record(priced: PricedOrder, order_id: str, now: dt.datetime, key: str) -> dict[str, Any]:
    """The whole order, as stored and as the ``data`` of the ``order.created`` event."""
    return {
        "order_id": order_id,
        "shop": priced.shop.id,
        "shop_url": priced.shop.base_url,
        "created_at": now.isoformat(timespec="seconds"),
        "currency": priced.currency,
        "total": as_text(priced.total),
        "lines": [line.as_json() for line in priced.lines],
        "customer": priced.customer.model_dump(exclude_none=True),
        "attribution": priced.attribution.model_dump(exclude_none=True) if priced.attribution else None,
        "idempotency_key": key,
    }


EVENT_TYPES = ("order.paid", "order.shipped", "order.refunded", "order.cancelled")


def owner_phones(project: Project, shop_id: str) -> tuple[str, ...]:
    """Her numbers: those in shop.yaml's ``private:``, and one she chose to publish as a contact."""
    shop = project.shop(shop_id)
    return (*shop.private_phones, *(v for k, v in shop.contact if k.lower() == "phone")) if shop else ()


def create_app(
    root: Path,
    storage: Store,
    *,
    rate: float = 2.0,
    burst: int = 60,
    catalog: Catalog | None = None,
    fulfilment_secret: str | None = None,
    clicks_per_day: int = CLICKS_PER_DAY,
    payment_secret: str | None = None,
) -> Starlette:
    catalog = catalog or Catalog(root)
    secret = fulfilment_secret or os.environ.get("SHOPFOREST_FULFILMENT_SECRET") or os.environ.get("SHOPFOREST_WEBHOOK_SECRET")
    pay_secret = payment_secret or os.environ.get("SHOPFOREST_PAYMENT_SECRET")
    limiter = RateLimiter(rate, burst)  # what customers' browsers send: orders, clicks, order look-ups
    meta_limiter = RateLimiter(5.0, 30)  # /health and /openapi.json: monitors and developers
    events_limiter = RateLimiter(50.0, 500)  # fulfilment's signed events, in bursts after an outage
    budget = ClickBudget(clicks_per_day)

    def cors(request: Request, response: Response) -> Response:
        origin = request.headers.get("origin")
        if origin and origin in catalog.origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Idempotency-Key"
            response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
        return response

    def fail(request: Request, exc: OrderError, headers: dict[str, str] | None = None) -> Response:
        return cors(request, JSONResponse(exc.body(), status_code=exc.status, headers=headers))

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def guarded(handler: Handler, bucket: RateLimiter) -> Handler:
        """``handler`` behind the client's token bucket: every endpoint has one, so no request
        costs the hook work (a signature check, a count) without counting against its sender."""

        async def guard(request: Request) -> Response:
            if request.method == "OPTIONS":  # a preflight: answered from memory, never limited
                return await handler(request)
            wait = bucket.take(client_of(request), time.monotonic())
            if not wait:
                return await handler(request)
            seconds = max(1, math.ceil(wait))
            return fail(request, error("rate_limited", f"too many requests; try again in {seconds} s"), {"Retry-After": str(seconds)})

        return guard

    async def replayed(key: str, digest: str) -> dict[str, Any] | None:
        try:
            return await anyio.to_thread.run_sync(storage.replay, key, digest)
        except KeyReused:
            raise error("idempotency_key_reused") from None

    async def orders(request: Request) -> Response:
        if request.method == "OPTIONS":
            return cors(request, Response(status_code=204))
        locale = catalog.current().platform.locale
        try:
            key = request.headers.get("idempotency-key")
            if not key:
                raise error("missing_idempotency_key")
            if not UUID4.fullmatch(key.strip()):
                raise error("invalid_idempotency_key")
            key = key.strip().lower()
            body = await read_json(request, MAX_BODY)
            locale = locale_of(catalog.current(), body)
            digest = request_hash(body)
            now = dt.datetime.now(tz=dt.UTC)
            project = catalog.current()
            # A key seen before is found when the order is stored (its claim, in the group), so
            # the usual order costs no look-up of its own. Only an order that no longer prices
            # (a price changed since, a product gone) looks first for an answer kept for its key.
            try:
                priced = price_order(project, body, now)
            except OrderError:
                replay = await replayed(key, digest)
                if replay is None:
                    raise
                return cors(request, JSONResponse(replay, status_code=201, headers={"Idempotent-Replayed": "true"}))
            order_id = new_order_id(now)
            order = order_record(priced, order_id, now, key)
            # What the customer does next, fixed with the order: the link's amount and expiry
            # are signed, so they are the ones she was shown.
            order["payment"] = payment.next_step(project.platform.payment, pay_secret, order_id, priced.total, priced.currency, now)
            # The customer's key to her order (as Stripe's client_secret): only its hash is kept
            # with the order; the idempotency row keeps the 201 answer whole, so a replay gives
            # her the same secret.
            order_secret = "os_" + secrets.token_urlsafe(24)
            order["secret_hash"] = secret_hash(order_secret)
            event_id = f"evt_{uuid.uuid4().hex}"
            event = {"type": "order.created", "timestamp": order["created_at"], "data": order}
            answer = {
                "order_id": order_id,
                "total": order["total"],
                "currency": order["currency"],
                "order_secret": order_secret,
                "payment": order["payment"],
            }
            entries = ledger.accruals(order, owner_phones(project, order["shop"]), ledger.region(project.platform.locale))
            try:  # answered by the group commit's thread once the order is durable: no thread waits here
                stored = storage.submit_order(key, digest, order, event_id, event, time.time(), entries, answer)
                response, created = await asyncio.wrap_future(stored)
            except KeyReused:
                raise error("idempotency_key_reused") from None
        except OrderError as exc:
            return fail(request, localize(exc, locale))
        if created:
            phone = hashlib.sha256(priced.customer.phone.encode()).hexdigest()[:10]
            log.info(
                "order %s shop=%s total=%s %s lines=%d phone#%s",
                order_id,
                priced.shop.id,
                order["total"],
                order["currency"],
                len(priced.lines),
                phone,
            )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return cors(request, JSONResponse(response, status_code=201, headers=headers))

    async def order_status(request: Request) -> Response:
        """One order as its customer sees it: number, lines, total, status and how to pay.
        Asked with the order's secret (``Authorization: Bearer os_…``); an unknown order and a
        wrong secret get the same 404, so the answer tells nothing about other orders."""
        if request.method == "OPTIONS":
            return cors(request, Response(status_code=204))
        order_id = request.path_params["order_id"]
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        order = await anyio.to_thread.run_sync(storage.order, order_id) if re.fullmatch(r"SF[0-9A-Z-]{1,38}", order_id) else None
        expected = str((order or {}).get("secret_hash", ""))
        if order is None or scheme.lower() != "bearer" or not expected or not hmac.compare_digest(expected, secret_hash(given.strip())):
            return fail(request, error("unknown_order", "no order with this number and secret"))
        kinds = [kind for kind, _ in await anyio.to_thread.run_sync(storage.order_events, order_id)]
        state = payment.status(kinds)
        pay = dict(order.get("payment") or {"method": "contact"})
        if pay.get("method") == "link":
            expired = dt.datetime.fromisoformat(str(pay["expires_at"]).replace("Z", "+00:00")) <= dt.datetime.now(tz=dt.UTC)
            if state != "placed" or expired:
                pay.pop("url", None)  # paid, shipped or ended orders, and expired links, are not paid again
            pay["expired"] = expired
        lines = [{k: line[k] for k in ("sku", "variant", "title", "qty", "unit_price", "line_total")} for line in order["lines"]]
        body = {
            "order_id": order["order_id"],
            "shop": order["shop"],
            "created_at": order["created_at"],
            "currency": order["currency"],
            "total": order["total"],
            "lines": lines,
            "status": state,
            "payment": pay,
        }
        return cors(request, JSONResponse(body, headers={"Cache-Control": "no-store"}))

    async def clicks(request: Request) -> Response:
        if request.method == "OPTIONS":
            return cors(request, Response(status_code=204))
        try:
            body = await read_json(request, MAX_CLICK_BODY, allow_text=True)
            if not isinstance(body, dict) or not isinstance(body.get("shop"), str) or not isinstance(body.get("lid"), str):
                raise error("invalid_click", "a click needs shop and lid")
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", body["lid"]):
                raise error("invalid_click", "lid must be 1-32 letters, digits, '_' or '-'")
            if catalog.current().shop(body["shop"]) is None:
                raise error("unknown_shop", f"there is no shop {body['shop']!r}")
            link = catalog.link(body["shop"], body["lid"])
            if link is None:
                raise error("unknown_link", f"{body['lid']!r} is not a share link of {body['shop']!r}")
            now = dt.datetime.now(tz=dt.UTC)
            if not budget.take(client_of(request), now):
                wait = until_tomorrow(now)
                return fail(request, error("too_many_clicks", f"this address sent {budget.per_day} clicks today"), {"Retry-After": str(wait)})
            # The channel and campaign are the code's own: what a beacon says of them is not
            # trusted (they reach owners' reports and spreadsheets).
            _sku, channel, campaign = link
            path, landed_at = (str(body[k])[:200] if isinstance(body.get(k), str) else None for k in ("path", "landed_at"))
            await anyio.to_thread.run_sync(partial(storage.add_click, body["shop"], body["lid"], channel, campaign, path, landed_at))
        except OrderError as exc:
            return fail(request, exc)
        return cors(request, Response(status_code=204))

    async def fulfilment_events(request: Request) -> Response:
        """Signed status events from fulfilment (Standard Webhooks), applied exactly once."""
        try:
            body = await read_body(request, MAX_BODY)
            if not secret:
                raise error("bad_signature", "no fulfilment secret is configured on this hook")
            msg_id = request.headers.get("webhook-id", "")
            try:
                webhooks.verify(secret, msg_id, request.headers.get("webhook-timestamp", ""), request.headers.get("webhook-signature", ""), body)
            except webhooks.SignatureError as exc:
                if "timestamp" in str(exc):
                    raise error("stale_timestamp") from None
                raise error("bad_signature") from None
            try:
                event = json.loads(body, parse_float=Decimal)
            except ValueError:
                raise error("malformed_json") from None
            if not isinstance(event, dict) or not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("order_id"), str):
                raise error("invalid_request", "an event is {type, timestamp, data: {order_id, …}}")
            if event.get("type") not in EVENT_TYPES:
                raise error("unknown_event_type", f"unknown event type {event.get('type')!r}; known: {', '.join(EVENT_TYPES)}")

            def compute(order: dict[str, Any], entries: list[ledger.Entry]) -> list[ledger.Entry]:
                return ledger.reversals(order, entries, event, msg_id)

            try:
                added = await anyio.to_thread.run_sync(storage.apply_event, msg_id, event, compute, time.time())
            except DuplicateEvent:
                raise error("duplicate_event", f"{msg_id} was already applied") from None
            except UnknownOrder:
                raise error("unknown_order", f"there is no order {event['data']['order_id']!r}") from None
        except OrderError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        log.info("event %s %s applied (%d ledger entries)", event["type"], event["data"]["order_id"], len(added))
        return JSONResponse({"status": "applied", "entries": len(added)})

    async def health(request: Request) -> Response:
        # From memory only: a monitor polling it must not cost a query of the orders table.
        project = catalog.current()
        return JSONResponse({"status": "ok", "shops": len(project.shops), "products": len(project.products)})

    async def spec(request: Request) -> Response:
        return JSONResponse(openapi())

    return Starlette(
        routes=[
            Route("/orders", guarded(orders, limiter), methods=["POST", "OPTIONS"]),
            Route("/orders/{order_id}", guarded(order_status, limiter), methods=["GET", "OPTIONS"]),
            Route("/clicks", guarded(clicks, limiter), methods=["POST", "OPTIONS"]),
            Route("/fulfilment/events", guarded(fulfilment_events, events_limiter), methods=["POST"]),
            Route("/health", guarded(health, meta_limiter), methods=["GET"]),
            Route("/openapi.json", guarded(spec, meta_limiter), methods=["GET"]),
            *owner_routes(catalog.current, storage, RateLimiter(1.0, 20)),  # her own page: a person, a page at a time
        ]
    )
