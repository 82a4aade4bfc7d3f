"""The hook on uvicorn, with the limits a public endpoint needs that an ASGI app cannot set.

- Header timeout: a connection that has not sent a whole request head within HEADER_TIMEOUT
  seconds is closed (uvicorn has a keep-alive timeout between requests, but none for a client
  that sends a header a byte at a time and so holds a connection forever).
- Body timeout: in the app (``app.read_body``), 408 after BODY_TIMEOUT.
- Keep-alive: an idle connection is closed after KEEP_ALIVE seconds.
- Connection cap: past ``max_connections`` open connections and running requests, uvicorn
  answers 503 at once instead of queueing without bound.
- Client addresses: ``X-Forwarded-For`` and ``Forwarded`` are read only from the proxies the
  operator names (``--trusted-proxy``); from anyone else they are ignored, so a client cannot
  pick a new address, and a fresh rate-limit bucket, per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import MAX_CONNECTIONS

HEADER_TIMEOUT = 10.0
KEEP_ALIVE = 5


class HeadTimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is late."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no whole request head yet: nothing to answer

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._head_timer.cancel()  # the head is in: the body has its own timeout
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next request on this connection gets the same time

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)


def config(app: Any, host: str, port: int, *, trusted_proxies: Sequence[str] = (), max_connections: int = MAX_CONNECTIONS) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=HeadTimedH11Protocol,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies) or None,
        limit_concurrency=max_connections,
        timeout_keep_alive=KEEP_ALIVE,
        log_level="warning",
    )


def serve(app: Any, host: str, port: int, *, trusted_proxies: Sequence[str] = (), max_connections: int = MAX_CONNECTIONS) -> None:
    uvicorn.Server(config(app, host, port, trusted_proxies=trusted_proxies, max_connections=max_connections)).run()
