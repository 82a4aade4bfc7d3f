"""The forwarder's HTTP client (hook/sender.py): kept-alive connections, and one closed by the
receiver while idle is opened again rather than counted as a failed delivery."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from generator.hook.sender import Sender, SendError


class Closing(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 without saying so: answers, then closes the connection (as a receiver's idle
    timeout does between two deliveries)."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        Closing.seen.append(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(204 if len(Closing.seen) % 3 else 503)
        self.send_header("content-length", "0")
        if len(Closing.seen) % 3 == 0:
            self.send_header("retry-after", "7")
        self.end_headers()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def closing() -> Iterator[str]:
    Closing.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Closing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook?x=1"
    server.shutdown()
    server.server_close()


def count_opens(sender: Sender) -> list[int]:
    """Count the connections ``sender`` opens from now on (in the list's one item)."""
    opened = [0]
    real_open = sender._open

    def counting_open() -> Any:
        opened[0] += 1
        return real_open()

    sender._open = counting_open  # type: ignore[method-assign]
    return opened


def test_a_connection_closed_while_idle_is_opened_again(closing: str) -> None:
    sender = Sender(closing, timeout=5)
    opened = count_opens(sender)
    answers = [sender.post(f"event {i}".encode(), {"content-type": "application/json"}) for i in range(3)]
    assert [(a.status, a.retry_after) for a in answers] == [(204, None), (204, None), (503, "7")]
    assert Closing.seen == [b"event 0", b"event 1", b"event 2"], "each event reached the receiver once"
    assert opened[0] == 3, "the kept connection was found closed before each later event, and opened again"
    sender.close()


def test_no_receiver_is_a_send_error_and_a_bad_url_is_refused() -> None:
    with pytest.raises(SendError):
        Sender("http://127.0.0.1:9/", timeout=2).post(b"{}", {})
    with pytest.raises(ValueError, match="http:// or https://"):
        Sender("ftp://example.com/", timeout=2)


class Talkative(http.server.BaseHTTPRequestHandler):
    """Answers with a body each way HTTP/1.1 allows on a kept connection: by length, in chunks
    (with a trailer), and none (204), after an interim 100 Continue."""

    protocol_version = "HTTP/1.1"
    count = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        Talkative.count += 1
        kind = Talkative.count % 3
        self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if kind == 1:
            self.send_response(202)
            self.send_header("content-length", "11")
            self.end_headers()
            self.wfile.write(b"hello there")
        elif kind == 2:
            self.send_response(500)
            self.send_header("transfer-encoding", "chunked")
            self.send_header("retry-after", "3")
            self.end_headers()
            self.wfile.write(b"5;x=y\r\nhello\r\n6\r\n there\r\n0\r\nx-trailer: 1\r\n\r\n")
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_answers_with_bodies_by_length_or_chunks_keep_the_connection() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Talkative)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sender = Sender(f"http://127.0.0.1:{server.server_address[1]}/", timeout=5)
        opened = count_opens(sender)
        answers = [sender.post(b"{}", {"content-type": "application/json"}) for _ in range(6)]
        assert [(a.status, a.retry_after) for a in answers] == [(202, None), (500, "3"), (204, None)] * 2
        assert opened[0] == 1, "every answer read whole, so one connection carried them all"
        with pytest.raises(ValueError, match="line break"):
            sender.post(b"{}", {"x-evil": "a\r\nb: c"})
        sender.close()
    finally:
        server.shutdown()
        server.server_close()
