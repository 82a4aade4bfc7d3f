"""How much one client address may ask of the hook: a token bucket for requests (/orders and
/clicks), and a daily budget of stored clicks."""

from __future__ import annotations

import datetime as dt
import math
import threading


class RateLimiter:
    """A token bucket per client address: ``burst`` requests at once, ``rate`` per second after."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float) -> float:
        """0 when allowed, else the seconds to wait."""
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate


class ClickBudget:
    """At most ``per_day`` stored clicks per client address per UTC day: however fast or long
    one client sends beacons, it adds a bounded number of rows. The counts are of this process
    and of today only (yesterday's are dropped when the day changes), so they take memory for
    one day's addresses at most."""

    def __init__(self, per_day: int) -> None:
        self.per_day = per_day
        self._day: dt.date | None = None
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: dt.datetime) -> bool:
        with self._lock:
            if now.date() != self._day:
                self._day, self._counts = now.date(), {}
            used = self._counts.get(client, 0)
            if used >= self.per_day:
                return False
            self._counts[client] = used + 1
            return True


def until_tomorrow(now: dt.datetime) -> int:
    """Whole seconds from ``now`` (UTC) to the next UTC midnight, at least 1."""
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return max(1, math.ceil((tomorrow - now).total_seconds()))
