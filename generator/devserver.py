"""``shopforest serve``: build, serve every shop under its own path, watch, rebuild, live-reload.

The site is built into .shopforest/serve/ (never site/) with every shop's base URL pointed
at this server, so links, share links and the checkout hook all work on one origin. Builds
are incremental; files move into place under a lock that requests also take, so a page is
never served from half a build. A failed build keeps the last good site and shows its
diagnostics in every open page as an overlay, until the files are fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from .build.reporter import BuildStats, Reporter
from .build.resident import ResidentBuild
from .build.watch import Changes
from .build.writer import safe_join
from .cache.folder import CacheFolder
from .content.model import Project
from .errors import ContentError, Diagnostic, TemplateError, UsageError
from .messages import Readers, cli_locale, msg, tr
from .pages import headers

STATIC = Path(__file__).resolve().parent / "devserver_static"
INJECT = b'<link rel="stylesheet" href="/__shopforest/overlay.css"><script src="/__shopforest/livereload.js" defer></script>'


class DevSite:
    """The served build: its status, the lock around file moves, and who to tell about changes."""

    def __init__(self, root: Path, origin: str, *, log: Callable[[str], None] = print, jobs: int = 1) -> None:
        self.root = root
        self.origin = origin.rstrip("/")
        self.out = CacheFolder(root).serve_site
        self.log = log
        self.jobs = jobs
        self.lock = threading.RLock()
        self.generation = 0
        self.errors: list[str] = []
        self.changed = threading.Condition()
        self._stop = threading.Event()
        self.changes = Changes(root)  # what the watcher saw change since the last build
        # the project stays loaded: an edit in one owner's folder rebuilds her shop alone
        self.resident = ResidentBuild(root, self.out, jobs=jobs, adjust=self.adjust, commit_lock=self.lock)

    def adjust(self, project: Project) -> Project:
        """Every shop lives at <origin>/<shop>/ and checks out through <origin>/hook on this server."""
        platform = dataclasses.replace(project.platform, checkout_url=f"{self.origin}/hook")
        shops = tuple(dataclasses.replace(s, base_url=f"{self.origin}/{s.id}/") for s in project.shops)
        return dataclasses.replace(project, platform=platform, shops=shops)

    def rebuild(self, changed: set[str] | None = None) -> BuildStats | None:
        """Build what ``changed`` (paths) calls for; everything when None."""
        try:
            readers = Readers(self.root)
            stats = self.resident.build(changed, reporter=_LogReporter(self.log, readers))
        except ContentError as exc:
            # the overlay in her browser and the log: each mistake in the language of who fixes it
            self._publish([d.render(readers.of(d.path)) for d in exc.diagnostics])
            self.log(exc.render(readers))
            return None
        except (TemplateError, UsageError) as exc:
            self._publish([tr(exc.args[0], readers.cli)])
            self.log(tr(exc.args[0], readers.cli))
            return None
        self._publish([], changed=bool(stats.written or stats.removed))
        self.log(stats.summary(readers.cli))
        return stats

    def _publish(self, errors: list[str], *, changed: bool = False) -> None:
        with self.changed:
            if changed or (self.errors and not errors):
                self.generation += 1
            self.errors = errors
            self.changed.notify_all()

    def status(self) -> dict[str, Any]:
        return {"generation": self.generation, "errors": list(self.errors)}

    # watching -------------------------------------------------------------------

    def rebuild_loop(self, debounce: float = 0.25) -> None:
        """Coalesce bursts of file events into one build; never two builds at once."""
        while self.changes.wait(self._stop, debounce):
            self.rebuild(self.changes.take())

    def stop(self) -> None:
        self._stop.set()
        with self.changed:
            self.changed.notify_all()

    def watch(self) -> Any:
        observer = self.changes.observe()
        threading.Thread(target=self.rebuild_loop, name="shopforest-rebuild", daemon=True).start()
        return observer


class _LogReporter(Reporter):
    def __init__(self, log: Callable[[str], None], readers: Readers) -> None:
        self.log = log
        self.readers = readers

    def warning(self, warning: Diagnostic) -> None:
        self.log(warning.render(self.readers.of(warning.path)))


def create_app(site: DevSite, hook: Any | None = None, receiver: Any | None = None) -> Starlette:
    async def events(request: Request) -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            seen: tuple[int, tuple[str, ...]] | None = None
            while True:
                status = site.status()
                current = (status["generation"], tuple(status["errors"]))
                if current != seen:
                    seen = current
                    yield f"event: status\ndata: {json.dumps(status)}\n\n".encode()
                if await request.is_disconnected():
                    return
                await asyncio.to_thread(_wait_for_change, site, current, 1.0)
                if site._stop.is_set():
                    return

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(site.status())

    async def dev_static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("livereload.js", "overlay.css"):
            return Response("not found", status_code=404)
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(STATIC / name, media_type=media, headers={"Cache-Control": "no-store"})

    async def index(request: Request) -> HTMLResponse:
        shops = sorted(p.name for p in site.out.iterdir() if p.is_dir()) if site.out.is_dir() else []
        items = "".join(f'<li><a href="/{s}/">{s}</a></li>' for s in shops)
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>Shopforest dev server</title><h1>Shops</h1><ul>{items}</ul>")

    async def page(request: Request) -> Response:
        return await asyncio.to_thread(_serve_file, site, request.url.path)

    routes: list[Any] = [
        Route("/__shopforest/events", events),
        Route("/__shopforest/status", status),
        Route("/__shopforest/{name}", dev_static),
        Route("/", index),
    ]
    if hook is not None:
        routes.append(Mount("/hook", app=hook))
    if receiver is not None:
        routes.append(Mount("/__fulfilment", app=receiver))
    routes.append(Route("/{path:path}", page))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        site.stop()  # ends the event streams so Ctrl-C stops at once

    return Starlette(routes=routes, lifespan=lifespan)


def checkout_loop(root: Path, origin: str) -> tuple[Any, Any, Any]:
    """The checkout hook (mounted at /hook) with a local SQLite database, and the development
    fulfilment receiver (at /__fulfilment) fed by the forwarder, so one command shows the loop:
    place an order in a shop, see it arrive in var/fulfilment-dev.jsonl.

    Its orders are test orders (every shop rebased to this server), so they are kept apart from
    the hook's own database (``SHOPFOREST_DB``, var/orders.db) in .shopforest/serve-orders.db:
    ``shopforest orders list --db .shopforest/serve-orders.db`` reads them. Payment links are
    signed with ``SHOPFOREST_PAYMENT_SECRET``, or a key made for this run."""
    import base64
    import os
    import secrets

    from .hook.app import create_app as create_hook
    from .hook.devreceiver import create_receiver
    from .hook.forwarder import Forwarder, RetryPolicy
    from .hook.storage import SqliteStorage

    secret = os.environ.get("SHOPFOREST_WEBHOOK_SECRET") or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    pay_secret = os.environ.get("SHOPFOREST_PAYMENT_SECRET") or secrets.token_hex(32)
    storage = SqliteStorage(CacheFolder(root).serve_orders)
    receiver = create_receiver(secret, root / "var" / "fulfilment-dev.jsonl")
    forwarder = Forwarder(storage, f"{origin}/__fulfilment/orders", secret, RetryPolicy(base=1.0))
    return create_hook(root, storage, payment_secret=pay_secret), receiver, forwarder


def run(root: Path, host: str, port: int, *, jobs: int, log: Callable[[str], None] = print) -> None:
    """Build, watch and serve until Ctrl-C."""
    import uvicorn

    origin = f"http://{host}:{port}"
    site = DevSite(root, origin, log=log, jobs=jobs)
    site.rebuild()
    hook, receiver, forwarder = checkout_loop(root, origin)
    observer = site.watch()
    cli = cli_locale()
    shops = len(list(site.out.iterdir())) if site.out.is_dir() else 0
    log(tr(msg("serving {n} shops at http://{host}:{port}/ (Ctrl-C to stop)", n=shops, host=host, port=port), cli))

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            site.stop()  # end the event streams first, or shutdown waits for them
            super().handle_exit(sig, frame)

    config = uvicorn.Config(create_app(site, hook, receiver), host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
    forwarder.start()
    log(tr(msg("checkout hook at {origin}/hook/; orders arrive in var/fulfilment-dev.jsonl", origin=origin), cli))
    orders_db = CacheFolder(root).serve_orders
    shown = orders_db.relative_to(root) if orders_db.is_relative_to(root) else orders_db
    log(tr(msg("orders kept in {path}: shopforest orders list --db {path}", path=shown), cli))
    try:
        Server(config).run()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how one stops a dev server: not an error
    finally:
        forwarder.stop()
        site.stop()
        observer.stop()
        observer.join(timeout=5)


def _wait_for_change(site: DevSite, current: tuple[int, tuple[str, ...]], timeout: float) -> None:
    with site.changed:
        status = site.status()
        if (status["generation"], tuple(status["errors"])) == current:
            site.changed.wait(timeout)


def _serve_file(site: DevSite, url_path: str) -> Response:
    rel = url_path.lstrip("/")
    with site.lock:  # never between two files of one build
        try:
            target = safe_join(site.out, rel.rstrip("/")) if rel.rstrip("/") else site.out
        except UsageError:
            return Response("bad path", status_code=400)
        if target.is_dir():
            if not url_path.endswith("/"):
                return Response(status_code=301, headers={"Location": url_path + "/"})
            target = target / "index.html"
        shop, _, in_shop = rel.partition("/")
        status_code = 200
        if not target.is_file() or in_shop == headers.FILE:  # the hosts read _headers, never serve it
            target = site.out / shop / "404.html" if shop else site.out / "missing"
            in_shop, status_code = "404.html", 404
            if not target.is_file():
                return Response("not found", status_code=404)
        data = target.read_bytes()
        sent = headers.served(site.out / shop, "/" + in_shop) if shop else []
    media = _media_type(target.name)
    if media == "text/html; charset=utf-8":
        data = data.replace(b"</body>", INJECT + b"</body>", 1)
    return Response(data, status_code=status_code, media_type=media, headers={"Cache-Control": "no-store", **dict(sent)})


def _media_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "json": "application/json",
        "xml": "application/xml",
        "txt": "text/plain; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "gif": "image/gif",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "webp": "image/webp",
    }.get(ext, "application/octet-stream")
