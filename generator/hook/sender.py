"""The forwarder's HTTP client: a POST over a keep-alive HTTP/1.1 connection, one connection per
delivering thread, on the standard library's ``http.client``.

Not httpx: the forwarder runs beside the hook's workers on the same cores, and an httpx POST
costs about five times the CPU of an ``http.client`` one (docs/checkout.md, "Forwarding"). The
forwarder needs nothing httpx adds: one known URL, no redirects, no cookies, the status code and
``Retry-After``.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

SendError = (OSError, http.client.HTTPException)  # no connection, a timeout, a broken response


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None


class Sender:
    """POSTs to one URL; safe to share between threads (each has its own connection)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the fulfilment URL must be an http:// or https:// address, not {url!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self._context = ssl.create_default_context() if self.https else None
        self._local = threading.local()  # this thread's connection, once it has one

    def _open(self) -> http.client.HTTPConnection:
        if self.https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self._context)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """The receiver's answer; raises one of ``SendError`` when there is none. A kept-alive
        connection the receiver closed while it was idle is opened again once (the request never
        reached it; had it, the event keeps its webhook-id and the receiver de-duplicates)."""
        for attempt in range(2):
            conn = getattr(self._local, "conn", None)
            reused = conn is not None  # it carried a request before (a failed one is dropped)
            if conn is None:
                conn = self._open()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()  # the whole answer, so the connection can carry the next request
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._drop()
                if reused and attempt == 0:
                    continue
                raise
            except SendError:
                self._drop()
                raise
            if response.will_close:
                self._drop()
            return Answer(response.status, response.getheader("retry-after"))
        raise AssertionError("unreachable")  # the second attempt returns or raises

    def close(self) -> None:
        """Close the calling thread's connection."""
        self._drop()
