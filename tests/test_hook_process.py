"""The whole loop with real processes: `shopforest hook serve` and `shopforest fulfilment-dev` on
loopback, orders streaming in, the hook killed with SIGKILL mid-stream and restarted, the
receiver down for a while: every order that got a 201 arrives exactly once. Signatures are
checked with the `standardwebhooks` package, not only our own code."""

from __future__ import annotations

import base64
import http.server
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from standardwebhooks import Webhook

from generator.hook.database import open_storage
from generator.hook.forwarder import Forwarder, RetryPolicy

REPO = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"shopforest-test-secret-0123").decode()
LINE = {"sku": "BB-1003", "qty": 1, "unit_price": "39.90"}
CUSTOMER = {"name": "Li", "phone": "13800000000", "address": "Beijing, Chaoyang 1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], health: str, log: Path) -> None:
        self.args, self.cwd, self.env, self.health, self.log = args, cwd, env, health, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "generator.cli", *self.args], cwd=self.cwd, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.health, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"{self.args[0]} did not start: {self.log.read_text(errors='replace')}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=15)


def env_for(db_url: str, fulfilment: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SHOPFOREST_DB": db_url,
        "SHOPFOREST_FULFILMENT_URL": fulfilment,
        "SHOPFOREST_WEBHOOK_SECRET": SECRET,
        "SHOPFOREST_RETRY_BASE": "0.2",
    }


def received(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_sigkill_mid_stream_and_receiver_outage_lose_and_duplicate_nothing(project: Path, tmp_path: Path, db_url: str) -> None:
    hook_port, recv_port = free_port(), free_port()
    jsonl = tmp_path / "fulfilment.jsonl"
    env = env_for(db_url, f"http://127.0.0.1:{recv_port}/orders")
    hook = Proc(
        ["hook", "serve", "--project", str(project), "--port", str(hook_port)],
        project,
        env,
        f"http://127.0.0.1:{hook_port}/health",
        tmp_path / "hook.log",
    )
    receiver = Proc(
        ["fulfilment-dev", "--port", str(recv_port), "--out", str(jsonl)], project, env, f"http://127.0.0.1:{recv_port}/health", tmp_path / "recv.log"
    )
    receiver.start()
    hook.start()
    acknowledged: list[str] = []
    pending_keys: list[str] = []  # a request cut off by the kill: the customer retries with its key

    def send(n: int) -> None:
        for _ in range(n):
            k = str(uuid.uuid4())
            body = {"shop": "xiaomei", "items": [LINE], "customer": CUSTOMER}
            try:
                r = httpx.post(f"http://127.0.0.1:{hook_port}/orders", json=body, headers={"idempotency-key": k}, timeout=10)
            except httpx.TransportError:
                pending_keys.append(k)
                continue
            if r.status_code == 201:
                acknowledged.append(r.json()["order_id"])

    try:
        stream = threading.Thread(target=send, args=(150,))
        stream.start()
        wait_for(lambda: len(acknowledged) >= 40, timeout=60)
        hook.kill(signal.SIGKILL)  # mid-stream, no chance to clean up
        stream.join()
        hook.start()
        send(20)
        receiver.kill(signal.SIGTERM)  # fulfilment is down for a while
        send(20)
        time.sleep(1.0)
        receiver.start()
        wait_for(lambda: {r["event"]["data"]["order_id"] for r in received(jsonl)} >= set(acknowledged), timeout=90)
        time.sleep(1.0)  # anything delivered twice would show up now
    finally:
        hook.kill(signal.SIGTERM)
        receiver.kill(signal.SIGTERM)
    rows = received(jsonl)
    ids = [r["webhook_id"] for r in rows]
    orders = [r["event"]["data"]["order_id"] for r in rows]
    assert len(ids) == len(set(ids))  # each event at most once
    assert len(orders) == len(set(orders))  # each order exactly once
    assert set(acknowledged) <= set(orders)  # every acknowledged order arrived
    assert len(acknowledged) >= 80
    storage = open_storage(db_url)
    try:
        assert {o["order_id"] for o in storage.orders(1000)} == set(orders)  # nothing stored but undelivered
    finally:
        storage.close()


class Recorder(http.server.BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    answers: ClassVar[list[tuple[int, dict[str, str]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        Recorder.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status, headers = Recorder.answers.pop(0) if Recorder.answers else (204, {})
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_webhooks_verify_with_the_standardwebhooks_package_and_retries_follow_the_rules(project: Path, db_url: str) -> None:
    from starlette.testclient import TestClient

    from generator.hook.app import create_app

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.calls, Recorder.answers = [], [(503, {"Retry-After": "1"}), (500, {})]
    storage = open_storage(db_url)
    try:
        with TestClient(create_app(project, storage)) as client:
            r = client.post(
                "/orders", json={"shop": "xiaomei", "items": [LINE], "customer": CUSTOMER}, headers={"idempotency-key": str(uuid.uuid4())}
            )
            assert r.status_code == 201
        forwarder = Forwarder(storage, f"http://127.0.0.1:{server.server_address[1]}/", SECRET, RetryPolicy(base=0.1))
        assert forwarder.run_once() == 1  # 503 with Retry-After: 1
        [event] = storage.events(r.json()["order_id"])
        assert (event.status, event.attempts) == ("pending", 1)
        assert forwarder.run_once() == 0  # honours Retry-After: nothing due yet
        time.sleep(1.1)
        assert forwarder.run_once() == 1  # 500: back off again
        wait_for(lambda: forwarder.run_once() == 1 or storage.events(r.json()["order_id"])[0].status == "delivered", timeout=10)
        [event] = storage.events(r.json()["order_id"])
        assert event.status == "delivered" and event.attempts == 3
        assert len({h["webhook-id"] for h, _ in Recorder.calls}) == 1  # one id across retries
        for headers, body in Recorder.calls:
            payload = Webhook(SECRET).verify(body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})
            assert payload["type"] == "order.created" and payload["data"]["order_id"] == r.json()["order_id"]
        # 410 Gone disables: the event is dead-lettered and visible
        Recorder.answers = [(410, {})]
        assert storage.requeue(r.json()["order_id"], time.time()) == 1
        forwarder.run_once()
        assert storage.events(r.json()["order_id"])[0].status == "dead"
    finally:
        storage.close()
        server.shutdown()
        server.server_close()


def test_two_hooks_and_two_forwarders_on_postgresql_deliver_each_order_once(project: Path, tmp_path: Path, pg_server: Any) -> None:
    url = pg_server.create_database(f"multi{uuid.uuid4().hex[:8]}")
    ports = [free_port(), free_port()]
    recv_port = free_port()
    jsonl = tmp_path / "fulfilment.jsonl"
    env = env_for(url, f"http://127.0.0.1:{recv_port}/orders")
    receiver = Proc(
        ["fulfilment-dev", "--port", str(recv_port), "--out", str(jsonl)], project, env, f"http://127.0.0.1:{recv_port}/health", tmp_path / "recv.log"
    )
    hooks = [
        Proc(
            ["hook", "serve", "--project", str(project), "--port", str(p), "--burst", "500"],  # one client sends all 120 orders
            project,
            env,
            f"http://127.0.0.1:{p}/health",
            tmp_path / f"hook{i}.log",
        )
        for i, p in enumerate(ports)
    ]
    receiver.start()
    for h in hooks:
        h.start()
    acknowledged: list[str] = []
    alive = [True, True]
    try:
        for n in range(120):
            target = n % 2 if alive[n % 2] else 1 - n % 2
            body = {"shop": "xiaomei", "items": [LINE], "customer": CUSTOMER}
            try:
                r = httpx.post(f"http://127.0.0.1:{ports[target]}/orders", json=body, headers={"idempotency-key": str(uuid.uuid4())}, timeout=10)
            except httpx.TransportError:
                continue
            if r.status_code == 201:
                acknowledged.append(r.json()["order_id"])
            if n == 60:
                hooks[0].kill(signal.SIGKILL)  # one process (and its forwarder) dies mid-stream
                alive[0] = False
        wait_for(lambda: {r["event"]["data"]["order_id"] for r in received(jsonl)} >= set(acknowledged), timeout=90)
        time.sleep(1.0)
    finally:
        for h in hooks:
            h.kill(signal.SIGTERM)
        receiver.kill(signal.SIGTERM)
    rows = received(jsonl)
    orders = [r["event"]["data"]["order_id"] for r in rows]
    assert len(orders) == len(set(orders))  # never twice, though two forwarders shared the outbox
    assert set(acknowledged) <= set(orders)
    assert len(acknowledged) >= 100


def test_an_order_taken_and_delivered_is_one_info_line(project: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from starlette.testclient import TestClient

    from generator.hook.app import create_app

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.calls, Recorder.answers = [], []
    storage = open_storage(str(tmp_path / "orders.db"))
    try:
        with caplog.at_level(logging.INFO, logger="shopforest"), TestClient(create_app(project, storage)) as client:
            for _ in range(3):
                r = client.post(
                    "/orders", json={"shop": "xiaomei", "items": [LINE], "customer": CUSTOMER}, headers={"idempotency-key": str(uuid.uuid4())}
                )
                assert r.status_code == 201
            assert Forwarder(storage, f"http://127.0.0.1:{server.server_address[1]}/", SECRET, RetryPolicy(base=0.1)).run_once() == 3
        lines = [r for r in caplog.records if r.name.startswith("shopforest") and r.levelno >= logging.INFO]
        assert len(lines) == 3 and len(Recorder.calls) == 3
    finally:
        storage.close()
        server.shutdown()
        server.server_close()
