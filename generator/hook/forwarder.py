"""Deliver stored events to fulfilment as signed webhooks, until delivered or dead-lettered.

Retries back off exponentially with full jitter (delay up to base·2^attempt, capped), honour a
Retry-After from the receiver, treat 410 Gone as "this endpoint is disabled", and give up after
``max_age`` (about three days) by dead-lettering the event, where ``shopforest orders`` shows it.
An event keeps its ``webhook-id`` across retries, so a receiver that de-duplicates on it sees
each order exactly once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass

import httpx

from . import webhooks
from .store import Event, Store

log = logging.getLogger("shopforest.forwarder")


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 5.0  # seconds before the first retry, at most
    cap: float = 6 * 3600.0  # no single wait longer than this
    max_age: float = 3 * 24 * 3600.0  # dead-letter after about three days

    def delay(self, attempts: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempts)) + 0.05


class Forwarder:
    def __init__(self, storage: Store, url: str, secret: str, policy: RetryPolicy | None = None, *, timeout: float = 10.0) -> None:
        webhooks.secret_key(secret)  # fail early on a bad secret
        self.storage = storage
        self.url = url
        self.secret = secret
        self.policy = policy or RetryPolicy()
        self.client = httpx.Client(timeout=timeout)
        self.rng = random.Random()
        self._stop = threading.Event()

    def deliver(self, event: Event, now: float) -> str:
        body = event.payload.encode()
        headers = {"content-type": "application/json", **webhooks.headers(self.secret, event.id, body)}
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return self._later(event, now, f"{type(exc).__name__}: {exc}", None)
        if 200 <= response.status_code < 300:
            self.storage.delivered(event.id, time.time())
            log.debug("delivered %s (order %s)", event.id, event.order_id)  # INFO has one line per order: its intake
            return "delivered"
        if response.status_code == 410:
            self.storage.dead(event.id, "410 Gone: the endpoint is disabled")
            log.error("fulfilment endpoint answered 410 Gone; %s dead-lettered", event.id)
            return "dead"
        retry_after = response.headers.get("retry-after")
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        return self._later(event, now, f"HTTP {response.status_code}", wait)

    def _later(self, event: Event, now: float, reason: str, wait: float | None) -> str:
        if now - event.created_at > self.policy.max_age:
            self.storage.dead(event.id, f"gave up after {event.attempts + 1} attempts: {reason}")
            log.error("%s dead-lettered: %s", event.id, reason)
            return "dead"
        delay = max(wait or 0.0, self.policy.delay(event.attempts, self.rng))
        self.storage.retry_later(event.id, now + delay, reason)
        log.warning("%s not delivered (%s); retry in %.1f s", event.id, reason, delay)
        return "retry"

    def run_once(self) -> int:
        now = time.time()
        events = self.storage.claim_due(now, lease=60.0)
        for event in events:
            self.deliver(event, now)
        return len(events)

    def run(self, idle: float = 0.5) -> None:
        while not self._stop.is_set():
            if self.run_once() == 0:
                self._stop.wait(idle)

    def stop(self) -> None:
        self._stop.set()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="shopforest-forwarder", daemon=True)
        thread.start()
        return thread
