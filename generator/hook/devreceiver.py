"""``shopforest fulfilment-dev``: a small fulfilment endpoint for local use. It verifies Standard
Webhooks signatures, de-duplicates on ``webhook-id`` and appends what it receives to a JSON
Lines file, so the demo shows the whole loop on one machine."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import webhooks


def create_receiver(secret: str, out: Path) -> Starlette:
    webhooks.secret_key(secret)
    out.parent.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    if out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.add(json.loads(line)["webhook_id"])
    lock = threading.Lock()

    async def receive(request: Request) -> Response:
        body = await request.body()
        msg_id = request.headers.get("webhook-id", "")
        try:
            webhooks.verify(secret, msg_id, request.headers.get("webhook-timestamp", ""), request.headers.get("webhook-signature", ""), body)
        except webhooks.SignatureError as exc:
            return JSONResponse({"error": "bad_signature", "message": str(exc)}, status_code=401)
        with lock:
            if msg_id in seen:
                return Response(status_code=204, headers={"x-duplicate": "true"})
            record = {"webhook_id": msg_id, "event": json.loads(body)}
            with out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                fh.flush()
            seen.add(msg_id)
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "received": len(seen)})

    return Starlette(routes=[Route("/health", health, methods=["GET"]), Route("/{path:path}", receive, methods=["POST"])])
