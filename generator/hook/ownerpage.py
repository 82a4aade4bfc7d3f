"""The owner's own earnings page, ``GET /owner/<shop>/``, behind a secret link only she has.

How the secret travels (docs/earnings.md, "Her own page"):

1. ``shopforest owner-link SHOP`` makes a 32-byte random token and prints
   ``<hook>/owner/<shop>/?t=<token>`` for the operator to send her. Only its SHA-256 is stored;
   issuing a new link revokes the old one and ends its sessions, and so does ``--revoke``.
2. Opening it exchanges the token for a session: a second random token in a cookie that is
   HttpOnly, Secure, SameSite=Strict, scoped to her page's path and valid for SESSION_SECONDS
   (its hash stored beside the link's). The answer is a page that sends the browser on to
   the clean address at once (a meta refresh: no script). So the token is in one request
   only: not in the address bar, the history or a bookmark afterwards, and never in a Referer
   (every answer says ``Referrer-Policy: no-referrer``). A client-side redirect rather than a
   303 because a SameSite=Strict cookie set while following a link from another site is not
   sent on a redirect in that same navigation, and is on the page's own next request.
3. The clean address shows her page while the session is live. Each secret is compared with
   ``hmac.compare_digest`` against the stored hashes; a wrong, old or revoked token, an ended
   session and an unknown shop all get the same 403 page, which does not say which.

The hook never logs a token or a cookie, and the server's own access log is off (server.py);
a reverse proxy in front must not log query strings of ``/owner/`` (docs/earnings.md). Every
answer is ``Cache-Control: no-store`` with a CSP that allows no script at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..content.model import Project, Shop
from . import ownerview
from .limits import RateLimiter
from .store import Store

log = logging.getLogger("shopforest.hook")

COOKIE = "shopforest_owner"
SESSION_SECONDS = 4 * 3600  # a sitting, not a login: after it she opens her link again
TOKEN_BYTES = 32

Handler = Callable[[Request], Awaitable[Response]]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def matches(secret: str, hashes: list[str]) -> str | None:
    """The stored hash ``secret`` hashes to, compared in constant time with every one of them."""
    digest = token_hash(secret)
    found = None
    for stored in hashes:
        if hmac.compare_digest(digest, stored):
            found = stored
    return found


def headers() -> dict[str, str]:
    csp = f"default-src 'none'; style-src '{ownerview.STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def owner_link(base_url: str, shop: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/owner/{shop}/?t={token}"


def owner_routes(current: Callable[[], Project], storage: Store, limiter: RateLimiter) -> list[Route]:
    """The owner's page, for the hook's app to mount (app.py). ``current`` gives the loaded
    project; ``limiter`` is the page's own token bucket per client address."""

    def page(template: str, locale: str, status: int = 200, **view: Any) -> HTMLResponse:
        return HTMLResponse(ownerview.render(template, locale, **view), status_code=status, headers=headers())

    def refused(project: Project, shop: Shop | None) -> HTMLResponse:
        return page("refused.html", shop.locale if shop else project.platform.locale, 403)

    async def owner(request: Request) -> Response:
        project = current()
        shop = project.shop(str(request.path_params["shop"]))
        now = time.time()
        token = request.query_params.get("t")
        if token is not None:
            return await exchange(request, project, shop, token, now)
        cookie = request.cookies.get(COOKIE)
        if shop is None or not cookie:
            return refused(project, shop)
        sessions = await anyio.to_thread.run_sync(storage.owner_sessions, shop.id, now)
        if matches(cookie, sessions) is None:
            return refused(project, shop)
        return await dashboard(project, shop, now)

    async def exchange(request: Request, project: Project, shop: Shop | None, token: str, now: float) -> Response:
        live = await anyio.to_thread.run_sync(storage.owner_link, shop.id) if shop else None
        link = matches(token, [live]) if live else None
        if shop is None or link is None:
            log.info("owner page: a link was refused")  # never the token, nor the shop it named
            return refused(project, shop)
        session = new_token()
        opened = await anyio.to_thread.run_sync(storage.start_owner_session, shop.id, link, token_hash(session), now + SESSION_SECONDS, now)
        if not opened:  # revoked between the check and the session
            return refused(project, shop)
        log.info("owner page: %s opened her link", shop.id)
        path = request.url.path
        response = page("opening.html", shop.locale, target=path)
        response.set_cookie(COOKIE, session, max_age=SESSION_SECONDS, path=path, secure=True, httponly=True, samesite="strict")
        return response

    async def dashboard(project: Project, shop: Shop, now: float) -> Response:
        rows, clicks, paid = await anyio.to_thread.run_sync(partial(gather, storage, shop.id))
        moment = dt.datetime.fromtimestamp(now, tz=dt.UTC)
        tz = ownerview.owner_zone(shop.locale)
        figures = ownerview.figures(shop, project, rows, clicks, paid, now=moment, tz=tz)
        return page("page.html", shop.locale, **ownerview.view(shop, figures, currency=project.platform.currency, now=moment, tz=tz))

    def guarded(handler: Handler) -> Handler:
        async def guard(request: Request) -> Response:
            wait = limiter.take(request.client.host if request.client else "unknown", time.monotonic())
            if not wait:
                return await handler(request)
            seconds = max(1, math.ceil(wait))
            shop = current().shop(str(request.path_params.get("shop", "")))
            response = page("busy.html", shop.locale if shop else current().platform.locale, 429, seconds=seconds)
            response.headers["Retry-After"] = str(seconds)
            return response

        return guard

    return [Route("/owner/{shop}/", guarded(owner), methods=["GET"])]


def gather(storage: Store, shop: str) -> tuple[Any, Any, Any]:
    return storage.report_rows(shop), storage.clicks_by_lid(shop), storage.paid_out(shop)
