"""Deliver stored events to fulfilment as signed webhooks, until delivered or dead-lettered.

Retries back off exponentially with full jitter (delay up to base·2^attempt, capped), honour a
Retry-After from the receiver, treat 410 Gone as "this endpoint is disabled", and give up after
``max_age`` (about three days) by dead-lettering the event, where ``shopforest orders`` shows it.
An event keeps its ``webhook-id`` across retries, so a receiver that de-duplicates on it sees
each order exactly once.

Throughput: batches of due events, oldest first, are claimed by the forwarder's thread (the
claimer) and queued to ``concurrency`` delivering threads, the lanes (``Lanes``). A shop's
events are sent in the order they were queued, by one thread at a time; a slow shop holds up one
thread. The claimer claims the next batch while one is being sent (AHEAD batches queued behind
it), so a one-shop backlog's lane never waits for a claim: claiming and sending in turn had left
it idle for a sixth to nearly half of each batch (docs/benchmark.md).
A shop's event that is not sent (it failed, or the breaker opened) is recorded as unsent
(``_Unsent``), due again with its later events, and any later batch of that shop claimed while
it was not due yet or not yet written (still leased, so the claim could not take it) has the
events behind it released to the same time instead of sent: a shop's later event never
overtakes an earlier one, whichever batch either came in. (That record is this process's: a
forwarder started anew does not know what the last one gave back.) The outcomes go to a writer thread
(``OutcomeWriter``), which writes whatever has queued in one transaction while the next batches
are claimed and sent: one fsync for many deliveries, and no delivery waits for one. When nothing
is due the forwarder looks again after GATHER (50 ms). Leases are short (LEASE, 5 s); every
LEASE / 3 those of which a sixth has gone are renewed, until an event's outcome is written, so
after a crash another forwarder takes the events over within LEASE seconds.

A circuit breaker guards the endpoint (closed → open → half-open, as Polly's and Resilience4j's
users know it): after ``BREAK_AFTER`` endpoint failures in a row (no connection, a timeout, 429,
5xx), or at once on a refused connection, nothing is sent until a cool-down has passed (or, when
nothing listened, until a bare connection is accepted: KNOCK); then one event probes the endpoint. When it
is delivered the breaker closes and every event waiting for a retry is made due at once, so a
backlog goes out in the order it came instead of at each event's own backoff. One log line per
change of state, not per attempt.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from . import webhooks
from .sender import Sender, SendError
from .store import Event, Outcome, Store

log = logging.getLogger("shopforest.forwarder")

LEASE = 5.0  # seconds an event is leased to one forwarder; renewed every LEASE / 3 until its outcome is written
# Events claimed at once. A one-shop backlog is sent one event at a time, and the claim of the
# next batch (one statement, one commit, the claimer's wake-ups and the parse of its rows) must
# be done before the batch ahead of it is sent: with 200 a claim took 70–100 ms under load
# against 40–50 ms to send the batch, and the lane waited for claims half the time. A claim of
# 1,000 costs little more than one of 200 in waiting, and leaves a third of a second of sending
# to overlap it.
BATCH = 1000
CONCURRENCY = 8
GATHER = 0.05  # seconds to wait for new events when none were due: the lag a quiet outbox adds
AHEAD = 1  # claimed batches queued behind the one being sent: the next claim overlaps the sending
SETTLING = 2  # batches whose outcomes may wait for the writer at once; a third waits to be queued
BREAK_AFTER = 5  # endpoint failures in a row that open the breaker
# The first and the longest wait before a probe. The longest is also how late, at worst, a
# backlog starts after the endpoint is back: a 60 s outage's backlog must be through within 30 s
# of recovery, and 10 s of them (5 on average) went before the first event had moved. One probe
# every 4 s (a connection and one event) is still nothing to a dead receiver.
COOL_DOWN = (1.0, 4.0)
# While the circuit is open because nothing listened (a refused connection), the forwarder knocks
# every KNOCK seconds: a bare TCP connection, no event, no log line. One that is accepted ends the
# cool-down at once, so a restarted receiver gets its probe within KNOCK seconds instead of up to
# COOL_DOWN[1] later (3 s of a 60 s outage's 30 s budget went that way, every run). A knock at a
# dead port is a refused SYN; a receiver that is up but failing is never knocked at (its failures
# are answers or timeouts, not refusals) and waits out the cool-down as before.
KNOCK = 0.25


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 5.0  # seconds before the first retry, at most
    cap: float = 6 * 3600.0  # no single wait longer than this
    max_age: float = 3 * 24 * 3600.0  # dead-letter after about three days

    def delay(self, attempts: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempts)) + 0.05


class Breaker:
    """The endpoint's circuit breaker; safe to share between the delivering threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.state = "closed"
        self.failures = 0
        self.cool_down = COOL_DOWN[0]
        self.open_until = 0.0
        self.refused = False  # the circuit opened because nothing listened: the forwarder knocks
        self._probing = False
        self._lock = threading.Lock()

    def allows(self, now: float) -> bool:
        """May a batch be claimed (closed), or one probe (half-open)?"""
        with self._lock:
            if self.state == "open" and now >= self.open_until:
                self._move("half-open")
            return self.state == "closed" or (self.state == "half-open" and not self._probing)

    def probe(self) -> bool:
        """True (and the probe is taken) when half-open: the caller sends one event only."""
        with self._lock:
            if self.state != "half-open":
                return False
            self._probing = True
            return True

    def release_probe(self) -> None:
        with self._lock:
            self._probing = False

    def succeeded(self) -> bool:
        """Record a delivery; True when this closed the breaker."""
        if self.state == "closed" and self.failures == 0 and not self._probing:
            return False  # nothing to record: every delivery of a drain comes here, and skips the lock
        with self._lock:
            self.failures, self._probing = 0, False
            if self.state == "closed":
                return False
            self.cool_down = COOL_DOWN[0]
            self._move("closed")
            return True

    def failed(self, now: float, reason: str, refused: bool = False) -> None:
        """Record an endpoint failure. ``refused``: nothing listens there, which opens the circuit
        at once: one shop's events wait behind its failed one, so a one-shop outage makes one
        attempt per retry, and BREAK_AFTER of them in a row took 27–46 s while every new event
        was claimed and given back again at each retry."""
        with self._lock:
            self.failures += 1
            self._probing = False
            if self.state == "half-open" or (self.state == "closed" and (refused or self.failures >= BREAK_AFTER)):
                if self.state == "half-open":
                    self.cool_down = min(COOL_DOWN[1], self.cool_down * 2)
                self.open_until = now + self.cool_down
                self.refused = refused
                self._move("open", f"{reason}; next probe in {self.cool_down:.0f} s")

    def is_open(self) -> bool:
        return self.state == "open"

    def listening(self, now: float) -> None:
        """Something accepts connections again where nothing did: the probe may go now."""
        with self._lock:
            if self.state == "open":
                self.open_until = min(self.open_until, now)

    def _move(self, state: str, why: str = "") -> None:
        self.state = state
        level = logging.WARNING if state == "open" else logging.INFO
        log.log(level, "fulfilment endpoint %s: circuit %s%s", self.url, state, f" ({why})" if why else "")


@dataclass
class _Unsent:
    """An event of a shop given back unsent (it failed, or the circuit opened, or it was behind
    one of those): its shop's later events must not go out before it does."""

    created_at: float
    at: float  # due again then
    written: float = float("inf")  # when its outcome was committed: until then it stays leased

    def blocks(self, claimed_at: float) -> bool:
        """Whether a batch claimed at ``claimed_at`` could have gone without it: it was not due yet,
        or still leased. A batch claimed later took it (it is older than the shop's later
        events, so a claim oldest first that takes those takes it), or another forwarder did."""
        return claimed_at < max(self.at, self.written)


@dataclass(frozen=True)
class _Work:
    """One shop's events of one claimed batch, for the lanes."""

    shop: str
    events: list[Event]
    claimed_at: float
    done: Future[list[Outcome]]


class Lanes:
    """The delivering threads. A shop's work goes out in the order it was queued, on one thread
    at a time: a thread takes the next shop that has work and no thread, sends one batch of its
    events and puts the shop back in line if more has come. So one shop's events never overtake
    each other, a slow shop holds up one thread and no other shop, and the next batch, claimed
    while this one is being sent, is queued behind it: the thread of a one-shop backlog is never
    idle waiting for a claim."""

    def __init__(self, threads: int, deliver: Callable[[_Work], list[Outcome]]) -> None:
        self.deliver = deliver
        self.size = threads
        self._cond = threading.Condition()
        self._queued: dict[str, deque[_Work]] = {}  # shop → its work not yet taken, oldest first
        self._ready: deque[str] = deque()  # shops with work and no thread, in turn
        self._busy: set[str] = set()  # shops a thread is sending for
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, work: _Work) -> None:
        with self._cond:
            if not self._threads:
                for i in range(self.size):
                    thread = threading.Thread(target=self._run, name=f"shopforest-deliver-{i}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
            waiting = self._queued.setdefault(work.shop, deque())
            waiting.append(work)
            if len(waiting) == 1 and work.shop not in self._busy:
                self._ready.append(work.shop)
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._ready and not self._closed:
                    self._cond.wait()
                if not self._ready:
                    return
                shop = self._ready.popleft()
                work = self._queued[shop].popleft()
                self._busy.add(shop)
            try:
                work.done.set_result(self.deliver(work))
            except BaseException as exc:  # the claimer sees it when it collects the batch
                work.done.set_exception(exc)
            with self._cond:
                self._busy.discard(shop)
                if self._queued[shop]:
                    self._ready.append(shop)  # behind the shops already waiting: each gets its turn
                    self._cond.notify()
                else:
                    del self._queued[shop]


class Forwarder:
    def __init__(
        self,
        storage: Store,
        url: str,
        secret: str,
        policy: RetryPolicy | None = None,
        *,
        timeout: float = 10.0,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.signer = webhooks.Signer(secret)  # fails early on a bad secret
        self.storage = storage
        self.url = url
        self.secret = secret
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.sender = Sender(url, timeout)
        self.breaker = Breaker(url)
        self.rng = random.Random()
        self._rng_lock = threading.Lock()
        self._stop = threading.Event()
        self._closed = threading.Event()
        self._hand_lock = threading.Lock()
        self._in_hand: dict[str, float] = {}  # claimed, outcome not yet written: when its lease ends
        self._unsent: dict[str, dict[str, _Unsent]] = {}  # shop → its events given back unsent, by id
        self._unsent_shop: dict[str, str] = {}  # event id → its shop, for those
        self._renewer: threading.Thread | None = None
        self._knock_at = 0.0  # the next knock at an endpoint that refused connections (KNOCK)
        self.writer = OutcomeWriter(storage, self._settled)
        self.lanes = Lanes(concurrency, self._deliver)
        self._sending: deque[list[Future[list[Outcome]]]] = deque()  # claimed batches in the lanes, oldest first

    def _attempt(self, event: Event, now: float) -> Outcome:
        body = event.payload.encode()
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": event.id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": self.signer.sign(event.id, stamp, body),
        }
        try:
            response = self.sender.post(body, headers)
        except SendError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self.breaker.failed(time.time(), reason, refused=isinstance(exc, ConnectionRefusedError))
            return self._later(event, now, reason, None)
        if 200 <= response.status < 300:
            self.breaker.succeeded()
            log.debug("delivered %s (order %s)", event.id, event.order_id)  # INFO has one line per order: its intake
            return Outcome(event.id, "delivered", time.time())
        if response.status == 410:
            log.error("fulfilment endpoint answered 410 Gone; %s dead-lettered", event.id)
            return Outcome(event.id, "dead", time.time(), "410 Gone: the endpoint is disabled")
        reason = f"HTTP {response.status}"
        if response.status == 429 or response.status >= 500:
            self.breaker.failed(time.time(), reason)  # the endpoint's trouble, not this event's
        retry_after = response.retry_after
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        return self._later(event, now, reason, wait)

    def _later(self, event: Event, now: float, reason: str, wait: float | None) -> Outcome:
        if now - event.created_at > self.policy.max_age:
            log.error("%s dead-lettered: %s", event.id, reason)
            return Outcome(event.id, "dead", now, f"gave up after {event.attempts + 1} attempts: {reason}")
        with self._rng_lock:
            delay = max(wait or 0.0, self.policy.delay(event.attempts, self.rng))
        log.debug("%s not delivered (%s); retry in %.1f s", event.id, reason, delay)
        return Outcome(event.id, "retry", now + delay, reason)

    def _deliver(self, work: _Work) -> list[Outcome]:
        return self._shop_in_order(work.shop, work.events, work.claimed_at)

    def _shop_in_order(self, shop: str, events: list[Event], claimed_at: float) -> list[Outcome]:
        """One shop's events, oldest first, as claimed at ``claimed_at``. Those after an event of
        the shop given back unsent that this batch lacks (``_Unsent.blocks``: an earlier batch's
        failure, or one claimed while the failure was still being written) are not sent but
        released, due with it. After a failure (or once the breaker opens) the rest wait the same
        way, due with the failed one, so a shop's event never overtakes an earlier one."""
        with self._hand_lock:
            ahead: _Unsent | None = None
            waiting = self._unsent.get(shop)
            if waiting is not None:
                for event in events:
                    if waiting.pop(event.id, None) is not None:
                        del self._unsent_shop[event.id]
                for event_id, unsent in list(waiting.items()):
                    if not unsent.blocks(claimed_at):
                        del waiting[event_id], self._unsent_shop[event_id]
                    elif ahead is None or unsent.created_at < ahead.created_at:
                        ahead = unsent
                if not waiting:
                    del self._unsent[shop]
        ready = events if ahead is None else [e for e in events if e.created_at < ahead.created_at]
        outcomes: list[Outcome] = []
        for i, event in enumerate(ready):
            if self.breaker.is_open():
                return outcomes + self._give_back(shop, events[i:], claimed_at)
            outcome = self._attempt(event, claimed_at)
            if outcome.kind == "retry":
                return outcomes + self._give_back(shop, events[i + 1 :], outcome.at, (event, outcome))
            outcomes.append(outcome)
        return outcomes + (self._give_back(shop, events[len(ready) :], ahead.at) if ahead is not None else [])

    def _give_back(self, shop: str, events: list[Event], at: float, failed: tuple[Event, Outcome] | None = None) -> list[Outcome]:
        """Release ``events`` (and the failed one's outcome) due at ``at``, recorded as unsent."""
        outcomes = ([failed[1]] if failed else []) + [Outcome(e.id, "release", at) for e in events]
        with self._hand_lock:
            waiting = self._unsent.setdefault(shop, {})
            for event in ([failed[0]] if failed else []) + events:
                waiting[event.id] = _Unsent(event.created_at, at)
                self._unsent_shop[event.id] = shop
        return outcomes

    def run_once(self) -> int:
        """Deliver one batch of due events and write its outcomes; the number attempted or released."""
        return self._batch(wait=True)

    def _batch(self, wait: bool) -> int:
        """Claim one batch and queue it to the lanes; ``wait``: until it is sent and its outcomes
        written. Otherwise up to AHEAD batches stay in the lanes, so the next claim overlaps the
        sending. The probe goes alone, once the lanes are empty, and its outcome is waited for,
        since the backlog is released after it."""
        self._collect(keep=0, block=False)  # the outcomes of batches already sent go to the writer
        now = time.time()
        if self.breaker.is_open() and self.breaker.refused and now >= self._knock_at:
            self._knock_at = now + KNOCK
            if self.sender.listening(KNOCK):
                self.breaker.listening(now)
        if not self.breaker.allows(now):
            self._collect(keep=0)
            return 0
        probe = self.breaker.probe()
        if probe:
            return self._probe(now)
        events = self.storage.claim_due(now, lease=LEASE, limit=BATCH)
        if not events:
            return 0
        self._hold([e.id for e in events], now + LEASE)
        by_shop: dict[str, list[Event]] = {}
        for event in events:
            by_shop.setdefault(_shop_of(event), []).append(event)
        batch: list[Future[list[Outcome]]] = []
        for shop, mine in by_shop.items():
            work = _Work(shop, mine, now, Future())
            self.lanes.submit(work)
            batch.append(work.done)
        self._sending.append(batch)
        if wait:
            self._collect(keep=0)
            self.writer.flush()
        else:
            self._collect(keep=AHEAD)
        return len(events)

    def _collect(self, keep: int, block: bool = True) -> None:
        """Hand the outcomes of the oldest batches in the lanes to the writer until ``keep`` are
        left (``block`` False: only those already sent)."""
        while len(self._sending) > keep:
            batch = self._sending[0]
            if not block and not all(f.done() for f in batch):
                return
            self._sending.popleft()
            self.writer.put([o for f in batch for o in f.result()])

    def _probe(self, now: float) -> int:
        self._collect(keep=0)
        self.writer.flush()
        # The probe is the head of the backlog, due or not: once it is through, the rest follows in order.
        events = self.storage.claim_due(now, lease=LEASE, limit=1, oldest=True)
        if not events:
            self.breaker.release_probe()  # nothing due to probe with: the next due event will be
            return 0
        self._hold([e.id for e in events], now + LEASE)
        try:
            self.writer.put(self._shop_in_order(_shop_of(events[0]), events, now)).result()
        finally:
            # Not sent (an older event of its shop given back is not free again yet: a lease the
            # renewer extended just as its outcome was written) or not written: the next round
            # probes again, instead of the breaker waiting for an answer that never comes.
            self.breaker.release_probe()
        if self.breaker.state == "closed":
            with self._hand_lock:
                self._unsent.clear()  # every shop's waiting events are due now, in order, and written
                self._unsent_shop.clear()
            released = self.storage.release_backlog(time.time())
            if released:
                log.info("fulfilment endpoint back: %d waiting events due now", released)
        return len(events)

    def _hold(self, ids: list[str], until: float) -> None:
        """Events this forwarder has claimed (leased until ``until``) and not yet settled: their
        leases are renewed."""
        with self._hand_lock:
            self._in_hand.update(dict.fromkeys(ids, until))
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew, name="shopforest-lease", daemon=True)
                self._renewer.start()

    def _settled(self, outcomes: list[Outcome], written: bool) -> None:
        """Outcomes committed (or not: then their events stay leased, up to LEASE seconds)."""
        at = time.time() if written else time.time() + LEASE
        with self._hand_lock:
            for o in outcomes:
                self._in_hand.pop(o.event_id, None)
                unsent = self._unsent.get(self._unsent_shop.get(o.event_id, ""), {}).get(o.event_id)
                if unsent is not None:
                    unsent.written = at

    def _renew(self) -> None:
        """Keep the leases of events in hand alive (a slow endpoint, a timeout, outcomes waiting
        for the writer), so a short lease is never lost while this forwarder lives, and a dead
        one's events are free again within LEASE seconds.

        Only leases of which a sixth has gone are renewed (each round comes LEASE / 3 after the
        last, so none is left with less than half of it): a drain's events are sent and settled
        within a second of their claim, and renewing all of them every round had the database
        write each row once more for nothing, beside the claims the drain waits for."""
        while not self._closed.wait(LEASE / 3):
            # Not while outcomes are being written: a renewal of events read as in hand just
            # before their outcomes were committed would lease them again, so a released event
            # would stay out of the next claims for LEASE seconds while its shop's later ones went.
            with self.writer.writing:
                now = time.time()
                with self._hand_lock:
                    ids = [i for i, until in self._in_hand.items() if until - now < LEASE * 5 / 6]
                if ids:
                    try:
                        self.storage.renew(ids, now + LEASE)
                    except Exception:  # a database hiccup: the next round tries again, the lease has time left
                        log.warning("could not renew %d leases", len(ids), exc_info=True)
                        continue
                    with self._hand_lock:
                        for i in ids:
                            if i in self._in_hand:
                                self._in_hand[i] = now + LEASE

    def run(self, idle: float = GATHER) -> None:
        try:
            while not self._stop.is_set():
                if self._batch(wait=False) == 0:
                    self._stop.wait(idle)
        finally:
            self._collect(keep=0)
            self.writer.flush()

    def stop(self) -> None:
        self._stop.set()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="shopforest-forwarder", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop renewing leases and the lanes (after ``run`` has returned; its outcomes are written by then)."""
        self._closed.set()
        self.lanes.close()


class OutcomeWriter:
    """Writes delivery outcomes from a thread of its own, so the next batch is claimed and sent
    while the last one's are committed. Whatever has queued when the writer is free goes in one
    transaction (``Store.settle``), so outcomes share commits the way orders do. At most
    SETTLING batches wait; past that, ``put`` waits, so a slow database slows delivery down
    instead of letting unwritten outcomes (and their leases) pile up."""

    def __init__(self, storage: Store, done: Callable[[list[Outcome], bool], None]) -> None:
        self.storage = storage
        self.done = done
        self.queue: queue.Queue[tuple[list[Outcome], Future[None]]] = queue.Queue(maxsize=SETTLING)
        self.thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.writing = threading.Lock()  # held while outcomes are committed and taken out of hand

    def put(self, outcomes: list[Outcome]) -> Future[None]:
        with self._start:
            if self.thread is None:
                self.thread = threading.Thread(target=self._write, name="shopforest-outcomes", daemon=True)
                self.thread.start()
        written: Future[None] = Future()
        self.queue.put((outcomes, written))
        return written

    def flush(self) -> None:
        """Wait until everything put so far is written."""
        if self.thread is not None:
            self.put([]).result()

    def _write(self) -> None:
        while True:
            batches = [self.queue.get()]
            while True:
                try:
                    batches.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            outcomes = [o for batch, _ in batches for o in batch]
            with self.writing:
                try:
                    if outcomes:
                        self.storage.settle(outcomes)
                except Exception as exc:  # the events stay leased until they expire, then go again
                    log.error("could not record %d delivery outcomes: %s", len(outcomes), exc)
                    self.done(outcomes, False)
                    for _, written in batches:
                        written.set_exception(exc)
                    continue
                self.done(outcomes, True)
            for _, written in batches:
                written.set_result(None)


def _shop_of(event: Event) -> str:
    try:
        data = json.loads(event.payload).get("data", {})
    except (ValueError, AttributeError):
        return ""
    return str(data.get("shop", "")) if isinstance(data, dict) else ""
