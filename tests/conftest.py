"""Shared fixtures: the demo project, a built copy of it, a static server and a real Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.build.pipeline import build

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
EPOCH = "1764000000"  # SOURCE_DATE_EPOCH for reproducible builds in tests


@pytest.fixture(autouse=True)
def _fixed_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    # The command line speaks the language LANG names (generator/messages.py): English in tests,
    # whatever the machine running them is set to; a test about Chinese sets LANG itself.
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")  # installed everywhere (initdb refuses a missing locale)


def first_lines(stderr: str) -> list[str]:
    """The ``path:line:col: message`` lines of a report (and its count), without the excerpts and
    hints indented under each."""
    return [line for line in stderr.splitlines() if line and not line[0].isspace()]


def copy_project(dest: Path) -> Path:
    """A private copy of the demo project (catalog, content, images, themes) to edit freely."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("catalog.yaml",):
        shutil.copy2(REPO / name, dest / name)
    for name in ("content", "images", "themes"):
        shutil.copytree(REPO / name, dest / name)
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shops built once per test session (read-only for tests)."""
    out = tmp_path_factory.mktemp("demo-site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(REPO, out)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_dir(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` on a free loopback port in a thread; returns (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def static_server(demo_site: Path) -> Iterator[str]:
    """The built demo site served over HTTP on loopback; yields the base URL (shops under /<id>/)."""
    server, url = serve_dir(demo_site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A private PostgreSQL server for the whole session (tests/pgserver.py)."""
    from .pgserver import PgServer

    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "orders.db")
    server = request.getfixturevalue("pg_server")
    return str(server.create_database(f"t{uuid.uuid4().hex[:12]}"))
