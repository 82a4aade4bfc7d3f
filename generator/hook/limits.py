"""How much one client address may ask of the hook: a token bucket for requests, and a daily
budget of stored clicks.

Both remember a bounded number of addresses, the most recently seen: a flood of new addresses
(or forged forwarded-for headers, had they been trusted) cannot grow the hook's memory. An
address forgotten to make room starts again with a full bucket, which is what it would have
had anyway once idle for ``burst / rate`` seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict

MAX_CLIENTS = 100_000  # addresses remembered: about 15 MB at most


class RateLimiter:
    """A token bucket per client address: ``burst`` requests at once, ``rate`` per second after."""

    def __init__(self, rate: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: str, now: float) -> float:
        """0 when allowed, else the seconds to wait."""
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)  # last: the most recent
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return 0.0 if allowed else (1 - tokens) / self.rate


class ClickBudget:
    """At most ``per_day`` stored clicks per client address per UTC day: however fast or long
    one client sends beacons, it adds a bounded number of rows. The counts are of this process
    and of today only (yesterday's are dropped when the day changes), so they take memory for
    one day's addresses at most."""

    def __init__(self, per_day: int, max_clients: int = MAX_CLIENTS) -> None:
        self.per_day, self.max_clients = per_day, max_clients
        self._day: dt.date | None = None
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def take(self, client: str, now: dt.datetime) -> bool:
        with self._lock:
            if now.date() != self._day:
                self._day, self._counts = now.date(), OrderedDict()
            used = self._counts.pop(client, 0)
            self._counts[client] = min(used + 1, self.per_day)
            if len(self._counts) > self.max_clients:
                self._counts.popitem(last=False)
            return used < self.per_day


def until_tomorrow(now: dt.datetime) -> int:
    """Whole seconds from ``now`` (UTC) to the next UTC midnight, at least 1."""
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return max(1, math.ceil((tomorrow - now).total_seconds()))
