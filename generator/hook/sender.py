"""The forwarder's HTTP client: a POST over a keep-alive HTTP/1.1 connection, one connection per
delivering thread, on a plain socket.

Not httpx, and no longer ``http.client``: the forwarder runs beside the hook's workers on the
same cores, and its CPU per delivery is what a sale day's lag is made of. Side by side on
loopback against fulfilment-dev, an ``http.client`` POST cost 144 µs of CPU (much of it parsing
the answer's headers with the ``email`` package; httpx cost five times that), and this one, which
writes the request in one ``sendall`` and reads the answer through the socket's buffered file,
51 µs (docs/checkout.md, "Forwarding to fulfilment"). The forwarder needs
nothing more: one known URL, no redirects, no cookies, the status code and ``Retry-After``; the
answer's body is read (by length, chunks or to the close) only so the connection can carry the
next request.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

SendError = (OSError, http.client.HTTPException)  # no connection, a timeout, a broken answer
MAX_LINE = 65536  # a status or header line longer than this is a broken answer
MAX_HEADERS = 100


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None


class Connection:
    """One open connection and its buffered reader."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file: BinaryIO = sock.makefile("rb")
        self.used = False  # it carried a whole exchange before

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class Sender:
    """POSTs to one URL; safe to share between threads (each has its own connection)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the fulfilment URL must be an http:// or https:// address, not {url!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = (self.https and self.port == 443) or (not self.https and self.port == 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._head = f"POST {self.path} HTTP/1.1\r\nHost: {host if default else f'{host}:{self.port}'}\r\n"
        self.timeout = timeout
        self._context = ssl.create_default_context() if self.https else None
        self._local = threading.local()  # this thread's connection, once it has one

    def _open(self) -> Connection:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one small request: no Nagle wait
        if self._context is not None:
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        conn = Connection(sock)
        self._local.conn = conn
        return conn

    def listening(self, timeout: float) -> bool:
        """Whether the receiver accepts a TCP connection (closed at once, nothing sent): a
        refused or unanswered one within ``timeout`` is False."""
        try:
            with socket.create_connection((self.host, self.port), timeout=min(timeout, self.timeout)):
                return True
        except OSError:
            return False

    def _drop(self) -> None:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """The receiver's answer; raises one of ``SendError`` when there is none. A kept-alive
        connection the receiver closed while it was idle is opened again once (the request never
        reached it; had it, the event keeps its webhook-id and the receiver de-duplicates)."""
        request = self._request(body, headers)
        for attempt in range(2):
            conn: Connection | None = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._open()
            reused = conn.used
            try:
                conn.sock.sendall(request)
                answer, closing = _read_answer(conn.file)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._drop()
                if reused and attempt == 0:
                    continue
                raise
            except SendError:
                self._drop()
                raise
            conn.used = True
            if closing:
                self._drop()
            return answer
        raise AssertionError("unreachable")  # the second attempt returns or raises

    def _request(self, body: bytes, headers: dict[str, str]) -> bytes:
        lines = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
        # One line break per header, counted over the joined lines (two scans in C) rather than
        # each name and value looked at in turn: this runs once per event sent.
        if lines.count("\n") != len(headers) or lines.count("\r") != len(headers):
            raise ValueError("a header holds a line break")  # never the forwarder's own headers
        return f"{self._head}{lines}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body

    def close(self) -> None:
        """Close the calling thread's connection."""
        self._drop()


def _line(file: BinaryIO) -> bytes:
    line = file.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise http.client.LineTooLong("answer line")
    return line


def _head(file: BinaryIO) -> list[str]:
    """The status line and header lines of one answer, without their line breaks. A receiver's
    answer to one event is a few short lines that came in one segment: when the buffer already
    holds the blank line that ends them, they are taken and split at once (most answers), else
    read line by line (a head split across reads, bare line feeds, a very long head)."""
    buffered = file.peek(1)  # type: ignore[attr-defined]  # a BufferedReader's: one read when empty, nothing consumed
    end = buffered.find(b"\r\n\r\n", 0, MAX_LINE)
    if end >= 0 and buffered.count(b"\r\n", 0, end) < MAX_HEADERS:
        return file.read(end + 4)[:end].decode("latin-1").split("\r\n")
    first = _line(file)
    if not first:
        return []
    lines = [first.decode("latin-1").rstrip("\r\n")]
    for _ in range(MAX_HEADERS + 1):
        line = _line(file)
        if line in (b"\r\n", b"\n", b""):
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))
    raise http.client.HTTPException("too many headers in the answer")


def _read_answer(file: BinaryIO) -> tuple[Answer, bool]:
    """Read one whole answer; (the answer, whether the connection must be closed after it)."""
    while True:
        head = _head(file)
        if not head:
            raise http.client.RemoteDisconnected("the receiver closed the connection without an answer")
        version, _, rest = head[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise http.client.BadStatusLine(head[0])
        status = int(code)
        fields: dict[str, str] = {}
        for header in head[1:]:
            name, sep, value = header.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if 100 <= status < 200:
            continue  # an interim answer (100 Continue): the real one follows
        break
    connection = fields.get("connection", "").lower()
    closing = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
    if status in (204, 304):
        pass
    elif "chunked" in fields.get("transfer-encoding", "").lower():
        _skip_chunks(file)
    elif "content-length" in fields:
        try:
            length = int(fields["content-length"])
        except ValueError:
            raise http.client.HTTPException("a bad Content-Length in the answer") from None
        if len(file.read(length)) < length:
            raise http.client.IncompleteRead(b"")
    else:
        file.read()  # delimited by the close
        closing = True
    return Answer(status, fields.get("retry-after")), closing


def _skip_chunks(file: BinaryIO) -> None:
    while True:
        size_line = _line(file).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise http.client.HTTPException("a bad chunk in the answer") from None
        if size == 0:
            while _line(file) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return
        if len(file.read(size + 2)) < size + 2:
            raise http.client.IncompleteRead(b"")
