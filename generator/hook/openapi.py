"""The hook's OpenAPI document, built from the same models and error codes the hook uses.

``python -m generator.hook.openapi > docs/hook-openapi.json`` writes the committed copy; a test
keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import CODES
from .pricing import CustomerIn, LineIn, OrderIn

# The codes /orders never answers (the clicks beacon's and fulfilment events').
FULFILMENT_ONLY = {
    *("invalid_click", "unknown_link", "too_many_clicks"),
    *("bad_signature", "stale_timestamp", "duplicate_event", "unknown_order", "unknown_event_type"),
}


def _error_response(codes: list[str]) -> dict[str, Any]:
    return {
        "description": "; ".join(f"`{c}`: {CODES[c][1]}" for c in codes),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi() -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for code, (status, _) in CODES.items():
        if code not in FULFILMENT_ONLY:
            by_status.setdefault(status, []).append(code)
    order_responses: dict[str, Any] = {
        "201": {
            "description": "Order accepted and stored durably. Replays of the same key and body answer the same with `Idempotent-Replayed: true`.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderCreated"}}},
        }
    }
    for status, codes in sorted(by_status.items()):
        order_responses[str(status)] = _error_response(codes)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shopforest checkout hook", "version": "1"},
        "paths": {
            "/orders": {
                "post": {
                    "summary": "Place an order",
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string", "format": "uuid"}}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
                    "responses": order_responses,
                }
            },
            "/orders/{order_id}": {
                "get": {
                    "summary": "One order as its customer sees it: number, lines, total, status and the next step (a payment link while it is "
                    "unpaid and the link valid). Asked with the order_secret the 201 gave: `Authorization: Bearer os_…`.",
                    "parameters": [
                        {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string", "example": "Bearer os_…"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "The order",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderStatus"}}},
                        },
                        "404": _error_response(["unknown_order"]),
                        "429": _error_response(["rate_limited"]),
                    },
                }
            },
            "/clicks": {
                "post": {
                    "summary": "A share-link landing (navigator.sendBeacon; text/plain or application/json). "
                    "lid must be one of the shop's link codes; the stored channel and campaign are the code's own.",
                    "requestBody": {
                        "required": True,
                        "content": {ct: {"schema": {"$ref": "#/components/schemas/Click"}} for ct in ("application/json", "text/plain")},
                    },
                    "responses": {
                        "204": {"description": "Recorded"},
                        **{
                            str(s): _error_response(c)
                            for s, c in (
                                (404, ["unknown_shop"]),
                                (413, ["payload_too_large"]),
                                (415, ["unsupported_media_type"]),
                                (422, ["invalid_click", "unknown_link"]),
                                (429, ["rate_limited", "too_many_clicks"]),
                            )
                        },
                    },
                }
            },
            "/fulfilment/events": {
                "post": {
                    "summary": "A signed status event from fulfilment: order.paid, order.shipped, order.refunded, order.cancelled",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["type", "data"]}}}},
                    "responses": {
                        "200": {"description": "Applied, with the number of ledger entries it added"},
                        **{
                            str(s): _error_response(c)
                            for s, c in (
                                (400, ["malformed_json"]),
                                (401, ["bad_signature", "stale_timestamp"]),
                                (404, ["unknown_order"]),
                                (409, ["duplicate_event"]),
                                (413, ["payload_too_large"]),
                                (422, ["invalid_request", "unknown_event_type"]),
                            )
                        },
                    },
                }
            },
            "/health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "ok, with counts"}}}},
        },
        "components": {
            "schemas": {
                "Order": OrderIn.model_json_schema(ref_template="#/components/schemas/{model}")
                | {
                    "properties": {
                        **OrderIn.model_json_schema()["properties"],
                        "items": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/Line"}},
                    }
                },
                "Line": LineIn.model_json_schema(),
                "Customer": CustomerIn.model_json_schema(),
                "OrderCreated": {
                    "type": "object",
                    "required": ["order_id", "total", "currency", "order_secret", "payment"],
                    "properties": {
                        "order_id": {"type": "string"},
                        "total": {"type": "string", "example": "89.00"},
                        "currency": {"type": "string"},
                        "order_secret": {"type": "string", "description": "the customer's key to GET /orders/{order_id}"},
                        "payment": {"$ref": "#/components/schemas/Payment"},
                    },
                },
                "Payment": {
                    "type": "object",
                    "required": ["method"],
                    "properties": {
                        "method": {"type": "string", "enum": ["link", "cod", "contact"]},
                        "url": {"type": "string", "description": "the signed payment link (method link, while it may be paid)"},
                        "expires_at": {"type": "string", "format": "date-time"},
                        "expired": {"type": "boolean"},
                    },
                },
                "OrderStatus": {
                    "type": "object",
                    "required": ["order_id", "shop", "created_at", "currency", "total", "lines", "status", "payment"],
                    "properties": {
                        **{k: {"type": "string"} for k in ("order_id", "shop", "created_at", "currency", "total")},
                        "lines": {"type": "array", "items": {"type": "object"}},
                        "status": {"type": "string", "enum": ["placed", "paid", "shipped", "refunded", "cancelled"]},
                        "payment": {"$ref": "#/components/schemas/Payment"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "enum": sorted(CODES)},
                        "message": {"type": "string", "description": "in the shop's language"},
                        "fields": {
                            "type": "array",
                            "description": "invalid_request: each field's problem",
                            "items": {
                                "type": "object",
                                "required": ["field", "code", "message"],
                                "properties": {
                                    "field": {"type": "string", "example": "customer.phone"},
                                    "code": {
                                        "type": "string",
                                        "enum": [
                                            "required",
                                            "too_short",
                                            "too_long",
                                            "invalid_format",
                                            "phone_format",
                                            "email_format",
                                            "forbidden_character",
                                            "invalid",
                                            "unknown_field",
                                        ],
                                    },
                                    "message": {"type": "string", "description": "in the shop's language"},
                                    "params": {"type": "object"},
                                },
                            },
                        },
                    },
                },
                "Click": {
                    "type": "object",
                    "required": ["shop", "lid"],
                    "properties": {k: {"type": "string"} for k in ("shop", "lid", "channel", "campaign", "path", "landed_at")},
                },
            }
        },
    }


if __name__ == "__main__":
    print(json.dumps(openapi(), indent=2, sort_keys=True))
