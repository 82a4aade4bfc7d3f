"""Every way an order request can be refused: an HTTP status, a machine-readable code, words."""

from __future__ import annotations

from typing import Any


class OrderError(Exception):
    """A client mistake: answered with ``status`` and ``{"error": code, "message": ..., **extra}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


# The codes, in one place for the OpenAPI document and the docs.
CODES: dict[str, tuple[int, str]] = {
    "malformed_json": (400, "the body is not valid JSON"),
    "too_deeply_nested": (400, "the JSON is nested more deeply than an order can be"),
    "missing_idempotency_key": (400, "the Idempotency-Key header is required"),
    "invalid_idempotency_key": (400, "the Idempotency-Key header must be a UUID version 4"),
    "unknown_shop": (404, "no such shop"),
    "request_timeout": (408, "the body did not arrive in time"),
    "payload_too_large": (413, "the body is larger than 64 KiB"),
    "unsupported_media_type": (415, "send Content-Type: application/json"),
    "invalid_request": (422, "the body does not have the shape of an order"),
    "too_many_lines": (422, "an order has at most 50 lines"),
    "unknown_product": (422, "a SKU is not in the catalog"),
    "product_not_in_shop": (422, "the shop does not sell this product"),
    "unknown_variant": (422, "the product has no such variant"),
    "variant_required": (422, "the product has variants: choose one"),
    "product_unavailable": (422, "the product is recalled or discontinued"),
    "sold_out": (422, "the product or variant is sold out"),
    "quantity_out_of_range": (422, "a quantity is below 1 or above what one order may hold"),
    "duplicate_line": (422, "the same product and variant appear on two lines"),
    "idempotency_key_reused": (422, "this Idempotency-Key was used for a different order"),
    "price_changed": (409, "a price changed since the customer saw it; confirm the current prices"),
    "rate_limited": (429, "too many requests; retry after the given seconds"),
    "invalid_click": (422, "the click beacon does not have the expected shape"),
    "unknown_link": (422, "the click names a link code that is not one of the shop's share links"),
    "too_many_clicks": (429, "this client address sent as many clicks as one address may in a day; retry after the given seconds"),
    "bad_signature": (401, "the fulfilment event is not signed with the shared secret"),
    "stale_timestamp": (401, "the fulfilment event's timestamp is more than five minutes off"),
    "duplicate_event": (409, "this webhook-id was already applied"),
    "unknown_order": (404, "no such order: a fulfilment event names one this hook never took, or an order was asked for with a wrong secret"),
    "unknown_event_type": (422, "the event type is not one the hook knows"),
}


def error(code: str, message: str | None = None, **extra: Any) -> OrderError:
    status, default = CODES[code]
    return OrderError(status, code, message or default, **extra)
