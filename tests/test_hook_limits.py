"""The hook as a hostile client meets it on a sale day: slow heads and bodies, huge bodies,
forged forwarded-for headers and a flood of new addresses all cost it bounded time and memory."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from generator.hook import bodies as bodies_module
from generator.hook import server as server_module
from generator.hook.app import create_app
from generator.hook.database import open_storage
from generator.hook.limits import ClickBudget, RateLimiter
from generator.hook.store import Store


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Store]:
    s = open_storage(str(tmp_path / "orders.db"))
    yield s
    s.close()


class Served:
    """The hook on uvicorn with the production configuration (hook/server.py), in a thread."""

    def __init__(self, app: Any, **options: Any) -> None:
        config = server_module.config(app, "127.0.0.1", 0, **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> float | None:
    """Seconds until the server closes ``sock`` while we send ``trickle`` a byte a 0.2 s."""
    sock.settimeout(0.2)
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(1024) == b"":
                return time.monotonic() - start
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - start
        if sent < len(trickle):
            try:
                sock.send(trickle[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - start
            sent += 1
    return None


def test_a_flood_of_new_addresses_leaves_the_limiters_bounded() -> None:
    limiter, budget = RateLimiter(2.0, 3, max_clients=1000), ClickBudget(5, max_clients=1000)
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    for i in range(20_000):
        limiter.take(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", 100.0)
        budget.take(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", now)
    assert len(limiter) == 1000 and len(budget) == 1000
    for _ in range(3):
        assert limiter.take("192.0.2.7", 200.0) == 0.0
    for i in range(999):
        limiter.take(f"198.51.{i // 256}.{i % 256}", 200.0)
    assert limiter.take("192.0.2.7", 200.0) > 0, "a client seen recently is still remembered and limited"


def test_every_endpoint_counts_against_its_sender(project: Path, storage: Store) -> None:
    with TestClient(create_app(project, storage, rate=1.0, burst=2)) as c:
        answers = [c.get("/health").status_code for _ in range(40)]
        assert 429 in answers and answers[0] == 200
        assert c.get("/openapi.json").status_code == 429, "/health and /openapi.json share one bucket"
        events: list[int] = []
        while len(events) < 3000 and 429 not in events:  # a burst of 500, then 50 a second
            events.append(c.post("/fulfilment/events", content=b"{}").status_code)
        assert events[0] == 401 and events[-1] == 429 and len(events) > 500, "unsigned events cost a signature check: limited too"
        assert c.options("/orders", headers={"origin": "http://127.0.0.1:8000"}).status_code == 204, "a preflight is never limited"


def test_a_huge_fulfilment_event_is_refused_before_it_is_read(project: Path, storage: Store) -> None:
    served = Served(create_app(project, storage, fulfilment_secret="whsec_" + "A" * 32))
    try:

        def chunks() -> Iterator[bytes]:
            for _ in range(100):  # 100 MB, no Content-Length: refused after the first 64 KB
                yield b"x" * 1_000_000

        r = httpx.post(served.url + "/fulfilment/events", content=chunks(), timeout=30)
        assert (r.status_code, r.json()["error"]) == (413, "payload_too_large")
        r = httpx.post(served.url + "/fulfilment/events", content=b"x" * 100_000, timeout=30)
        assert (r.status_code, r.json()["error"]) == (413, "payload_too_large")
    finally:
        served.stop()


@pytest.mark.parametrize("http", sorted(server_module.PROTOCOLS))
def test_slow_heads_and_slow_bodies_are_cut_off(project: Path, storage: Store, monkeypatch: pytest.MonkeyPatch, http: str) -> None:
    monkeypatch.setattr(server_module, "HEADER_TIMEOUT", 1.0)
    monkeypatch.setattr(bodies_module, "BODY_TIMEOUT", 1.0)
    served = Served(create_app(project, storage, rate=1e6, burst=10**6), http=http)
    try:
        # a head sent a byte at a time: closed, however steadily the bytes come
        head = socket.create_connection(("127.0.0.1", served.port))
        waited = closed_within(head, 5.0, trickle=b"POST /orders HTTP/1.1\r\nHost: shop\r\nX-Slow: " + b"a" * 100)
        assert waited is not None and waited < 3.0
        # a whole head, then a body that never comes: 408 with the hook's error code
        body = socket.create_connection(("127.0.0.1", served.port))
        body.sendall(b"POST /clicks HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
        body.settimeout(5.0)
        answer = b""
        while b"}" not in answer.partition(b"\r\n\r\n")[2]:
            answer += body.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in answer
        # an idle keep-alive connection is closed too
        idle = socket.create_connection(("127.0.0.1", served.port))
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: shop\r\n\r\n")
        idle.settimeout(2.0)
        assert idle.recv(4096).startswith(b"HTTP/1.1 200")
        assert closed_within(idle, server_module.KEEP_ALIVE + 3.0) is not None
        for s in (head, body, idle):
            s.close()
    finally:
        served.stop()


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_for_is_believed_only_from_a_named_proxy(project: Path, storage: Store, trusted: bool) -> None:
    served = Served(create_app(project, storage, rate=0.01, burst=2), trusted_proxies=["127.0.0.1"] if trusted else [])
    try:
        codes = [httpx.post(served.url + "/clicks", json={}, headers={"x-forwarded-for": f"203.0.113.{i}"}).status_code for i in range(10)]
    finally:
        served.stop()
    if trusted:
        assert codes == [422] * 10, "behind the operator's proxy, each customer has her own bucket"
    else:
        assert codes == [422] * 2 + [429] * 8, "a new header value buys no fresh burst"


def test_too_many_connections_get_503_at_once(project: Path, storage: Store) -> None:
    served = Served(create_app(project, storage, rate=1e6, burst=10**6), max_connections=3)
    held = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(3)]  # open, saying nothing
    try:
        time.sleep(0.3)
        r = httpx.get(served.url + "/health", timeout=5)
        assert r.status_code == 503
        for s in held:
            s.close()
        time.sleep(0.3)
        assert httpx.get(served.url + "/health", timeout=5).status_code == 200
    finally:
        for s in held:
            s.close()
        served.stop()
