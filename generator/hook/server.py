"""The hook on uvicorn, with the limits a public endpoint needs that an ASGI app cannot set.

- Header timeout: a connection that has not sent a whole request head within HEADER_TIMEOUT
  seconds is closed (uvicorn has a keep-alive timeout between requests, but none for a client
  that sends a header a byte at a time and so holds a connection forever).
- Body timeout: in the app (``bodies.read_body``), 408 after BODY_TIMEOUT.
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
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from . import MAX_CONNECTIONS

HEADER_TIMEOUT = 10.0
KEEP_ALIVE = 5


class _HeadTimer:
    """Closes a connection whose request head is not in within HEADER_TIMEOUT seconds; armed when
    the connection opens and after each response, disarmed when a head is complete."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _head_timer: asyncio.TimerHandle | None = None

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._head_late)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if not self._head_complete() and not self.transport.is_closing():
            self.transport.close()  # no whole request head yet: nothing to answer

    def _head_complete(self) -> bool:
        return False


class HeadTimedH11Protocol(_HeadTimer, H11Protocol):
    """uvicorn's pure-Python protocol (h11), with the head timeout."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def _head_complete(self) -> bool:
        return self.conn.their_state is not h11.IDLE

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_complete():
            self._disarm_head_timer()  # the head is in: the body has its own timeout

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next request on this connection gets the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)


class HeadTimedHttpToolsProtocol(_HeadTimer, HttpToolsProtocol):
    """uvicorn's protocol on httptools (llhttp, in C: several times the requests per core), with
    the head timeout."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)


PROTOCOLS: dict[str, type[asyncio.Protocol]] = {"h11": HeadTimedH11Protocol, "httptools": HeadTimedHttpToolsProtocol}


def config(
    app: Any,
    host: str,
    port: int,
    *,
    trusted_proxies: Sequence[str] = (),
    max_connections: int = MAX_CONNECTIONS,
    http: str = "httptools",
    workers: int = 1,
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=PROTOCOLS[http],
        loop="auto",  # uvloop where installed
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies) or None,
        limit_concurrency=max_connections,
        timeout_keep_alive=KEEP_ALIVE,
        log_level="warning",
        workers=workers,
        factory=isinstance(app, str),
    )


def serve(app: Any, host: str, port: int, **options: Any) -> None:
    """Run until stopped. With ``workers`` > 1, ``app`` is the import string of a factory that
    each worker process calls (``worker.py``), and uvicorn's supervisor restarts dead workers."""
    cfg = config(app, host, port, **options)
    if cfg.workers > 1:
        sock = cfg.bind_socket()
        Multiprocess(cfg, sockets=[sock]).run()
    else:
        uvicorn.Server(cfg).run()
