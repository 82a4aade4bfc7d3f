"""What a request's body may be, read before any other work: under a size cap as it streams in,
within a time limit, JSON without floats or NaN, and not nested deeper than an order is."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from .errors import error

MAX_DEPTH = 8
BODY_TIMEOUT = 10.0  # seconds for a whole body: an order is a few KB


def depth(value: Any, limit: int) -> int:
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            return level
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read as it streams in, refused once past ``limit`` bytes (before reading it all)
    or when it takes longer than BODY_TIMEOUT to arrive (a client trickling bytes holds a worker)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise error("payload_too_large", f"the body is {declared} bytes; the limit is {limit}")
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_TIMEOUT):  # asyncio's own: half the cost of anyio's cancel scope, on every order
            async for chunk in request.stream():
                body.extend(chunk)
                if len(body) > limit:
                    raise error("payload_too_large", f"the body is larger than {limit} bytes")
    except TimeoutError:
        raise error("request_timeout", f"the body did not arrive within {BODY_TIMEOUT:g} s") from None
    return bytes(body)


async def read_json(request: Request, limit: int, *, allow_text: bool = False) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not (allow_text and kind == "text/plain"):
        raise error("unsupported_media_type", f"send Content-Type: application/json, not {kind or 'nothing'}")
    body = await read_body(request, limit)
    try:
        value = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constants)
    except RecursionError:
        raise error("too_deeply_nested") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise error("malformed_json", f"the body is not valid JSON: {exc}") from None
    if depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise error("too_deeply_nested", f"the JSON is nested more than {MAX_DEPTH} levels deep")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
