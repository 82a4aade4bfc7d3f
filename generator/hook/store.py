"""What the hook, the forwarder, the reports and the CLI need from order storage: the ``Store``
protocol, the outbox's ``Event`` and the refusals a store raises.

Two stores implement it: SQLite (storage.py) and PostgreSQL (pgstorage.py), both on the shared
SQL of sqlstore.py; ``database.open_storage`` picks one from ``SHOPFOREST_DB``. This module
imports neither, so everything that only uses a store depends on this interface alone.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

from .ledger import Entry


@dataclass(frozen=True)
class Event:
    """One outgoing event in the outbox; its ``id`` is the ``webhook-id`` on every attempt."""

    id: str
    order_id: str
    type: str
    payload: str
    created_at: float
    attempts: int
    status: str
    last_error: str | None


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to, written with the rest of its batch (``Store.settle``):
    ``delivered``; ``retry`` at ``at``; ``dead``; or ``release`` — not attempted, due at ``at``."""

    event_id: str
    kind: Literal["delivered", "retry", "dead", "release"]
    at: float
    reason: str | None = None


class KeyReused(Exception):
    """The idempotency key belongs to a different request."""


class DuplicateEvent(Exception):
    """This fulfilment event (webhook-id) was already applied."""


class UnknownOrder(Exception):
    """A fulfilment event names an order this hook never took."""


Compute: TypeAlias = Callable[[dict[str, Any], list[Entry]], list[Entry]]
"""Given an order and its ledger so far, the entries a fulfilment event adds."""

ReportRow: TypeAlias = tuple[dict[str, Any], list[Entry], list[tuple[str, str]]]
"""An order, its ledger entries and its fulfilment events as (type, timestamp)."""

LinkClicks: TypeAlias = tuple[str, str, str | None, str | None, int]
"""(shop, lid, channel, campaign, clicks) for one share link."""


class Store(Protocol):
    """Orders, their idempotency keys, the outbox, the commission ledger, fulfilment events and
    clicks. Every write that returns has been committed; a store is safe to share between the
    threads of one process."""

    @property
    def path(self) -> Path | str:
        """Where the data lives, as shown in messages and accepted by ``--db``."""
        ...

    def close(self) -> None: ...

    # orders

    def replay(self, key: str, request_hash: str, now: float | None = None) -> dict[str, Any] | None:
        """The stored answer for ``key`` if this exact request was accepted; ``KeyReused`` if
        the key was used for another request."""
        ...

    def create_order(
        self,
        key: str,
        request_hash: str,
        order: dict[str, Any],
        event_id: str,
        event: dict[str, Any],
        now: float,
        entries: list[Entry] | None = None,
        response: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Store the order, its key, its ``order.created`` event and its accruals in one
        transaction. Returns (response, created): a concurrent or repeated request with the same
        key gets the first order's response and ``created`` False, never a second order.
        ``response`` is the answer kept for the key (by default the order's id, total and
        currency)."""
        ...

    def submit_order(
        self,
        key: str,
        request_hash: str,
        order: dict[str, Any],
        event_id: str,
        event: dict[str, Any],
        now: float,
        entries: list[Entry] | None = None,
        response: dict[str, Any] | None = None,
    ) -> Future[tuple[dict[str, Any], bool]]:
        """``create_order`` without waiting: the future is done once the order is committed. An
        event loop awaits it (``asyncio.wrap_future``) without tying up a thread."""
        ...

    def order(self, order_id: str) -> dict[str, Any] | None: ...

    def orders(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest orders with the delivery state of their ``order.created`` event."""
        ...

    def count_orders(self) -> int: ...

    def order_events(self, order_id: str) -> list[tuple[str, str]]:
        """The fulfilment events applied to an order, as (type, timestamp), oldest first."""
        ...

    # the outbox

    def claim_due(self, now: float, lease: float, limit: int = 20, *, oldest: bool = False) -> list[Event]:
        """Events due for delivery, oldest first, leased to the caller for ``lease`` seconds: no
        other forwarder claims them meanwhile. ``oldest``: the oldest pending, due or not."""
        ...

    def renew(self, event_ids: list[str], until: float) -> None:
        """Extend the lease of events still being delivered."""
        ...

    def settle(self, outcomes: list[Outcome]) -> None:
        """Record a batch of delivery outcomes in one transaction."""
        ...

    def release_backlog(self, now: float) -> int:
        """Make every pending event waiting for a retry due now (the endpoint is back)."""
        ...

    def delivered(self, event_id: str, now: float) -> None: ...

    def retry_later(self, event_id: str, at: float, reason: str) -> None: ...

    def dead(self, event_id: str, reason: str) -> None: ...

    def requeue(self, order_id: str, now: float) -> int:
        """Make an order's events due again now; returns how many."""
        ...

    def events(self, order_id: str) -> list[Event]: ...

    # the commission ledger and fulfilment events

    def entries(self, order_id: str) -> list[Entry]: ...

    def apply_event(self, webhook_id: str, event: dict[str, Any], compute: Compute, now: float) -> list[Entry]:
        """Record a fulfilment event and the ledger entries ``compute`` derives from it, in one
        transaction; ``DuplicateEvent`` or ``UnknownOrder`` otherwise. Returns the new entries."""
        ...

    def report_rows(self, shop: str | None) -> list[ReportRow]:
        """Every order (of one shop, or all) oldest first, for the reports."""
        ...

    def clicks_by_lid(self, shop: str | None) -> list[LinkClicks]: ...

    # clicks

    def add_click(self, shop: str, lid: str, channel: str | None, campaign: str | None, path: str | None, landed_at: str | None) -> None: ...

    def count_clicks(self) -> int: ...

    # the owner's page (ownerpage.py): secrets are kept as their SHA-256 only

    def issue_owner_link(self, shop: str, token_hash: str, now: float) -> None:
        """Make ``token_hash`` the shop's one live link; the one before it is revoked and its sessions end."""
        ...

    def revoke_owner_link(self, shop: str, now: float) -> int:
        """Revoke the shop's live link and end its sessions; returns how many links were live (0 or 1)."""
        ...

    def owner_link(self, shop: str) -> str | None:
        """The hash of the shop's live link, if it has one."""
        ...

    def start_owner_session(self, shop: str, link_hash: str, session_hash: str, expires_at: float, now: float) -> bool:
        """Record a session opened by the live link ``link_hash``; False when that link is no longer live."""
        ...

    def owner_sessions(self, shop: str, now: float) -> list[str]:
        """Hashes of the shop's unexpired sessions whose link is still live."""
        ...

    def add_payout(self, shop: str, amount: Decimal, note: str, now: float) -> None:
        """Record commission the platform paid the owner."""
        ...

    def paid_out(self, shop: str) -> Decimal:
        """Everything paid to the shop's owner so far."""
        ...
