"""``shopforest fulfilment-dev``: a small fulfilment endpoint for local use. It verifies Standard
Webhooks signatures, de-duplicates on ``webhook-id`` and appends what it receives to a JSON
Lines file (with the time it arrived), so the demo shows the whole loop on one machine.

A bare ASGI application rather than a Starlette one: the benchmarks run it on the same two cores
as the hook and its forwarder, and with Starlette's request and routing objects it cost about
twice the CPU per event, enough for the receiver to be what a forwarder measurement measured.
The file stays open and each line is flushed (not fsynced: this is a development receiver).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from . import webhooks

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1 << 20  # an order event is a few kB


def create_receiver(secret: str, out: Path) -> App:
    signer = webhooks.Signer(secret)  # the key made once, not once per event checked
    out.parent.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    if out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.add(json.loads(line)["webhook_id"])
    counts = {"duplicates": 0}
    lock = threading.Lock()  # the dev server may run it beside other apps, on threads
    sink = out.open("a", encoding="utf-8")

    async def answer(send: Send, status: int, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> None:
        head = [(b"content-length", str(len(body)).encode()), *(headers or [])]
        if body:
            head.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": body})

    async def read_body(receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    sink.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        path = path.removeprefix(scope.get("root_path", ""))  # mounted, as the dev server mounts it
        if path == "/health" and method == "GET":
            await answer(send, 200, json.dumps({"status": "ok", "received": len(seen), "duplicates": counts["duplicates"]}).encode())
            return
        if method != "POST":
            await answer(send, 405, headers=[(b"allow", b"POST")])
            return
        body = await read_body(receive)
        if body is None:
            await answer(send, 413)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        msg_id = headers.get("webhook-id", "")
        try:
            webhooks.verify(signer, msg_id, headers.get("webhook-timestamp", ""), headers.get("webhook-signature", ""), body)
        except webhooks.SignatureError as exc:
            await answer(send, 401, json.dumps({"error": "bad_signature", "message": str(exc)}).encode())
            return
        with lock:
            if msg_id in seen:
                counts["duplicates"] += 1
                duplicate = True
            else:
                # The signed body is the event's JSON as the hook wrote it: kept as it came, on one line.
                event = body.decode() if b"\n" not in body else json.dumps(json.loads(body), ensure_ascii=False)
                sink.write(f'{{"webhook_id": {json.dumps(msg_id)}, "received_at": {time.time():.6f}, "event": {event}}}\n')
                sink.flush()
                seen.add(msg_id)
                duplicate = False
        await answer(send, 204, headers=[(b"x-duplicate", b"true")] if duplicate else None)

    return app
