"""Forwarding as fulfilment sees it on a sale day: a dead endpoint is not hammered, a backlog
goes out in the order it came once the endpoint is back, one slow delivery holds up no other
shop, and a crashed forwarder's events are taken over within seconds."""

from __future__ import annotations

import http.server
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from generator.hook import forwarder as forwarder_module
from generator.hook.database import open_storage
from generator.hook.forwarder import Forwarder, RetryPolicy
from generator.hook.store import Outcome, Store

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver(http.server.BaseHTTPRequestHandler):
    """Fulfilment: answers with ``Receiver.answer(order)``; records what it accepted, in order."""

    accepted: ClassVar[list[dict[str, Any]]] = []
    attempts: ClassVar[int] = 0
    answer: ClassVar[Callable[[dict[str, Any]], int]] = staticmethod(lambda order: 204)
    lock = threading.Lock()

    def do_POST(self) -> None:
        event = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with Receiver.lock:
            Receiver.attempts += 1
        status = Receiver.answer(event["data"])
        if status < 300:
            with Receiver.lock:
                Receiver.accepted.append(event["data"])
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.accepted, Receiver.attempts, Receiver.answer = [], 0, staticmethod(lambda order: 204)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def storage(db_url: str) -> Iterator[Store]:
    s = open_storage(db_url)
    yield s
    s.close()


def add_orders(storage: Store, shops: list[str]) -> list[str]:
    """One order per entry of ``shops``, created in that order; their ids."""
    ids = []
    start = time.time() - 1  # all due by the time a forwarder starts, each a millisecond after the last
    for i, shop in enumerate(shops):
        order_id = f"SF{i:05d}{uuid.uuid4().hex[:6]}"
        created = f"2026-12-02T10:00:{i % 60:02d}Z"
        order = {"order_id": order_id, "shop": shop, "created_at": created, "total": "10.00", "currency": "CNY", "lines": []}
        event = {"type": "order.created", "timestamp": created, "data": order}
        storage.create_order(str(uuid.uuid4()), "h", order, f"evt_{uuid.uuid4().hex}", event, start + i * 1e-3)
        ids.append(order_id)
    return ids


def run_for(forwarder: Forwarder, seconds: float, until: Callable[[], bool] = lambda: False) -> float:
    thread = forwarder.start()
    start = time.monotonic()
    while time.monotonic() - start < seconds and not until():
        time.sleep(0.05)
    forwarder.stop()
    thread.join(timeout=30)
    return time.monotonic() - start


def seconds_until_accepted(count: int, limit: float) -> float:
    """How long the receiver took to accept ``count`` orders, from now (at most ``limit``)."""
    start = time.monotonic()
    while len(Receiver.accepted) < count and time.monotonic() - start < limit:
        time.sleep(0.01)
    return time.monotonic() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_dead_endpoint_opens_the_circuit_and_is_probed_not_hammered(storage: Store, caplog: pytest.LogCaptureFixture) -> None:
    add_orders(storage, ["amy"] * 30 + ["bea"] * 30)
    forwarder = Forwarder(storage, f"http://127.0.0.1:{free_port()}/", SECRET, RetryPolicy(base=0.05), timeout=1.0)
    with caplog.at_level(logging.INFO, logger="shopforest.forwarder"):
        run_for(forwarder, 4.0)
    attempts = sum(e.attempts for order in storage.orders(100) for e in storage.events(order["order_id"]))
    assert attempts <= forwarder_module.BREAK_AFTER + forwarder_module.CONCURRENCY + 6, "a few failures, then one probe a cool-down"
    changes = [r.getMessage() for r in caplog.records if "circuit" in r.getMessage()]
    assert changes and len(changes) <= 12 and "circuit open" in changes[0], "a line per change of state, not per attempt"


def test_a_refused_connection_opens_the_circuit_at_once(storage: Store) -> None:
    """One shop's events wait behind its failed one, so five failures in a row would take five
    retries; nothing listening is no event's own trouble, and the circuit opens on the first."""
    add_orders(storage, ["amy"] * 30)
    forwarder = Forwarder(storage, f"http://127.0.0.1:{free_port()}/", SECRET, RetryPolicy(base=5.0), timeout=1.0)
    forwarder.run_once()
    assert forwarder.breaker.state == "open"
    assert sum(e.attempts for order in storage.orders(100) for e in storage.events(order["order_id"])) == 1


def test_a_receiver_back_where_nothing_listened_gets_its_probe_at_once(
    storage: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused connection opened the circuit; the forwarder knocks (a bare connection, no
    event, no log line) and probes as soon as one is accepted, not when the cool-down is over."""
    monkeypatch.setattr(forwarder_module, "COOL_DOWN", (30.0, 30.0))  # the cool-down alone: no probe within the test
    Receiver.accepted, Receiver.attempts, Receiver.answer = [], 0, staticmethod(lambda order: 204)
    port = free_port()
    ids = add_orders(storage, ["amy"] * 20)
    forwarder = Forwarder(storage, f"http://127.0.0.1:{port}/", SECRET, RetryPolicy(base=30.0), timeout=1.0)
    with caplog.at_level(logging.INFO, logger="shopforest.forwarder"):
        thread = forwarder.start()
        opened = time.monotonic()
        while forwarder.breaker.state != "open" and time.monotonic() - opened < 5:
            time.sleep(0.01)
        time.sleep(1.0)  # knocks at a port where nothing listens
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        took = seconds_until_accepted(len(ids), 10)
        forwarder.stop()
        thread.join(timeout=30)
    server.shutdown()
    server.server_close()
    assert [o["order_id"] for o in Receiver.accepted] == ids
    assert took < 5.0, f"probed {took:.1f} s after the receiver was back (the cool-down alone: 30 s)"
    changes = [r.getMessage().split(": circuit ")[1].split(" ")[0] for r in caplog.records if ": circuit " in r.getMessage()]
    assert changes == ["open", "half-open", "closed"], "one line per change of state; a knock is none"


def test_after_an_outage_the_backlog_goes_out_at_once_and_in_order(storage: Store, receiver: str) -> None:
    down = True
    Receiver.answer = staticmethod(lambda order: 503 if down else 204)
    shops = ["amy", "bea", "cho", "dee", "eve", "fay"]  # more shops than BREAK_AFTER: their first tries open the circuit
    ids = add_orders(storage, shops * 10)
    forwarder = Forwarder(storage, receiver, SECRET, RetryPolicy(base=5.0))  # retries alone would wait seconds
    thread = forwarder.start()
    time.sleep(2.0)
    assert Receiver.accepted == []
    down = False
    took = seconds_until_accepted(len(ids), 15)
    forwarder.stop()
    thread.join(timeout=30)
    assert sorted(o["order_id"] for o in Receiver.accepted) == sorted(ids)
    assert took < forwarder_module.COOL_DOWN[1], "the backlog goes at the next probe, not at each event's own backoff"
    for shop in shops:
        mine = [o["order_id"] for o in Receiver.accepted if o["shop"] == shop]
        assert mine == [i for i, s in zip(ids, shops * 10, strict=True) if s == shop], f"{shop}'s orders in order"


def test_a_shops_later_order_never_overtakes_one_that_failed(storage: Store, receiver: str) -> None:
    ids = add_orders(storage, ["amy", "amy", "amy", "bea"])
    refused = {ids[0]}
    Receiver.answer = staticmethod(lambda order: 400 if order["order_id"] in refused else 204)
    forwarder = Forwarder(storage, receiver, SECRET, RetryPolicy(base=0.2))
    assert forwarder.run_once() == 4
    assert [o["order_id"] for o in Receiver.accepted] == [ids[3]], "bea's goes; amy's wait behind her first"
    refused.clear()
    run_for(forwarder, 10.0, until=lambda: len(Receiver.accepted) == 4)
    assert [o["order_id"] for o in Receiver.accepted if o["shop"] == "amy"] == ids[:3]


def test_one_slow_delivery_holds_up_no_other_shop(storage: Store, receiver: str) -> None:
    ids = add_orders(storage, ["slow"] + [f"shop-{i}" for i in range(20)])

    def answer(order: dict[str, Any]) -> int:
        if order["shop"] == "slow":
            time.sleep(3.0)
        return 204

    Receiver.answer = staticmethod(answer)
    forwarder = Forwarder(storage, receiver, SECRET, timeout=10.0)
    thread = forwarder.start()
    time.sleep(1.5)
    assert {o["order_id"] for o in Receiver.accepted} == set(ids[1:]), "the others are delivered while one hangs"
    forwarder.stop()
    thread.join(timeout=30)
    assert len(Receiver.accepted) == 21


def test_a_crashed_forwarders_events_are_taken_over_within_seconds(storage: Store, receiver: str, tmp_path: Path) -> None:
    add_orders(storage, ["amy"] * 5)
    now = time.time() + 0.1  # every order's event due
    claimed = storage.claim_due(now, lease=forwarder_module.LEASE, limit=100)  # then the process dies
    assert len(claimed) == 5 and storage.claim_due(now + 1, lease=forwarder_module.LEASE) == []
    assert forwarder_module.LEASE <= 5.0
    taken = storage.claim_due(now + forwarder_module.LEASE + 0.01, lease=forwarder_module.LEASE, limit=100)
    assert {e.id for e in taken} == {e.id for e in claimed}


def test_a_long_delivery_keeps_its_lease(storage: Store, receiver: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forwarder_module, "LEASE", 0.6)
    add_orders(storage, ["amy"])

    def slow(order: dict[str, Any]) -> int:
        time.sleep(2.0)
        return 204

    Receiver.answer = staticmethod(slow)
    forwarder = Forwarder(storage, receiver, SECRET)
    thief: list[int] = []
    worker = threading.Thread(target=forwarder.run_once)
    worker.start()
    for _ in range(6):
        time.sleep(0.3)
        thief.append(len(storage.claim_due(time.time(), lease=0.6)))  # another forwarder looking
    worker.join()
    assert thief == [0] * 6 and len(Receiver.accepted) == 1


def test_a_lease_is_renewed_once_part_of_it_has_gone_not_every_round(storage: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A drain's events are settled within a second of their claim: renewing every event in hand
    each round wrote each row again for nothing. One claimed just before a round keeps its lease
    until the next; one held longer is renewed, and both stay leased."""
    monkeypatch.setattr(forwarder_module, "LEASE", 6.0)  # rounds every 2 s; renewed once 1 s has gone
    renewed: list[set[str]] = []
    monkeypatch.setattr(storage, "renew", lambda ids, until: renewed.append(set(ids)))
    forwarder = Forwarder(storage, f"http://127.0.0.1:{free_port()}/", SECRET)
    forwarder._hold(["early"], time.time() + 6.0)  # starts the renewer: its first round 2 s from now
    time.sleep(1.5)
    forwarder._hold(["late"], time.time() + 6.0)
    time.sleep(2.0)  # the first round (at 2 s) and not the second (at 4 s)
    assert renewed[:1] == [{"early"}], "only the lease of which a sixth had gone"
    time.sleep(1.5)  # the second round (at 4 s), not the third (at 6 s)
    forwarder.close()
    assert renewed[1:2] == [{"early", "late"}], "the next round renews both: neither is ever left with less than half"


class InFlight:
    """Counts a shop's deliveries under way at once in the receiver: one shop's are sent one at a time."""

    def __init__(self) -> None:
        self.now: dict[str, int] = {}
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, shop: str, delta: int) -> None:
        with self.lock:
            self.now[shop] = self.now.get(shop, 0) + delta
            self.most = max(self.most, self.now[shop])


def test_a_shops_events_arrive_in_order_across_failures_with_batches_queued_behind_them(
    storage: Store, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forwarder_module, "BATCH", 4)  # many batches claimed while earlier ones are sent
    shops = ["amy"] * 40 + ["bea"] * 10
    ids = add_orders(storage, shops)
    refusals = {ids[5]: 2, ids[22]: 1}  # amy's 6th twice, her 23rd once
    in_flight = InFlight()

    def answer(order: dict[str, Any]) -> int:
        in_flight(order["shop"], 1)
        try:
            time.sleep(0.002)
            with Receiver.lock:
                if refusals.get(order["order_id"], 0) > 0:
                    refusals[order["order_id"]] -= 1
                    return 400
            return 204
        finally:
            in_flight(order["shop"], -1)

    Receiver.answer = staticmethod(answer)
    forwarder = Forwarder(storage, receiver, SECRET, RetryPolicy(base=0.1))
    run_for(forwarder, 20.0, until=lambda: len(Receiver.accepted) == len(ids))
    for shop in ("amy", "bea"):
        mine = [o["order_id"] for o in Receiver.accepted if o["shop"] == shop]
        assert mine == [i for i, s in zip(ids, shops, strict=True) if s == shop], f"{shop}'s orders in order, each once"
    assert in_flight.most == 1, "one shop's deliveries one at a time"


def test_a_batch_claimed_while_the_one_before_was_sent_waits_behind_its_failure(
    storage: Store, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claimer takes amy's second batch while her first is still being sent (its first event
    hangs 0.5 s, then fails): that batch was claimed before anything had failed, and must still
    wait in its lane behind the failed event rather than go out before its retry."""
    monkeypatch.setattr(forwarder_module, "BATCH", 2)
    ids = add_orders(storage, ["amy"] * 4)
    first = {"tries": 0}
    claimed: list[int] = []
    claim = storage.claim_due

    def counting_claim(now: float, lease: float, limit: int = 20, *, oldest: bool = False) -> list[Any]:
        events = claim(now, lease, limit, oldest=oldest)
        claimed.append(len(events))
        return events

    def answer(order: dict[str, Any]) -> int:
        if order["order_id"] == ids[0]:
            first["tries"] += 1
            if first["tries"] == 1:
                time.sleep(0.5)
                return 400
        return 204

    monkeypatch.setattr(storage, "claim_due", counting_claim)
    Receiver.answer = staticmethod(answer)
    forwarder = Forwarder(storage, receiver, SECRET, RetryPolicy(base=0.2))
    run_for(forwarder, 10.0, until=lambda: len(Receiver.accepted) == 4)
    assert claimed[:2] == [2, 2], "the second batch was claimed while the first was being sent"
    assert [o["order_id"] for o in Receiver.accepted] == ids


def test_a_probe_held_back_behind_an_older_event_does_not_stop_the_forwarder(storage: Store, receiver: str) -> None:
    """The probe claims the oldest free event; when an older one of its shop, given back, is
    still leased, the probe's must wait behind it, unsent. The breaker then probes again the next
    round rather than waiting for that probe's answer for ever (as it once did, after an outage)."""
    ids = add_orders(storage, ["amy"] * 2)
    forwarder = Forwarder(storage, receiver, SECRET)
    older = storage.claim_due(time.time(), lease=forwarder_module.LEASE, limit=1)  # leased elsewhere, as by a stray renewal
    forwarder._unsent["amy"] = {older[0].id: forwarder_module._Unsent(older[0].created_at, time.time())}
    forwarder._unsent_shop[older[0].id] = "amy"
    forwarder.breaker.state = "half-open"
    forwarder.run_once()
    assert Receiver.accepted == [], "amy's second order waits behind her first"
    assert forwarder.breaker.allows(time.time()), "the next round probes again"
    storage.settle([Outcome(older[0].id, "release", time.time())])  # its lease is over
    run_for(forwarder, 10.0, until=lambda: len(Receiver.accepted) == 2)
    assert [o["order_id"] for o in Receiver.accepted] == ids
