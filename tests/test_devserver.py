"""``shopforest serve`` as a newcomer uses it: edit a file, the open page reloads; break YAML,
the error shows up with its position and the last good site stays; fix it, all is well."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .test_invalid_content import make_case


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator.cli", "serve", "--project", str(root), "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/__shopforest/status", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            self.proc.kill()
            pytest.fail("serve did not start: " + (self.proc.stdout.read() if self.proc.stdout else ""))
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        try:
            with httpx.stream("GET", self.url + "/__shopforest/events", timeout=None) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        self.events.put(json.loads(line[6:]))
        except httpx.TransportError:
            pass

    def next_event(self, timeout: float = 15) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(make_case("_base", tmp_path / "p"))
    yield s
    if s.proc.poll() is None:
        s.proc.kill()
    s.proc.wait(timeout=10)
    if s.proc.stdout is not None:
        s.proc.stdout.close()


def test_edit_rebuild_reload_error_overlay_and_recovery(server: Server) -> None:
    first = server.next_event()
    assert first["errors"] == []
    page = httpx.get(server.url + "/amy/p/BB-1001/")
    assert page.status_code == 200 and "We love it." in page.text
    assert '<script src="/__shopforest/livereload.js" defer></script></body>' in page.text

    shop_yaml = server.root / "content" / "amy" / "shop.yaml"
    shop_yaml.write_text(shop_yaml.read_text(encoding="utf-8").replace("We love it.", "Our baby asks for more."), encoding="utf-8")
    reload = server.next_event()
    assert reload["generation"] == first["generation"] + 1 and reload["errors"] == []
    assert "Our baby asks for more." in httpx.get(server.url + "/amy/p/BB-1001/").text

    good = shop_yaml.read_text(encoding="utf-8")
    shop_yaml.write_text(good.replace("owner: Amy", "owner: [Amy"), encoding="utf-8")
    broken = server.next_event()
    # on the line of the '[' never closed, with that line and a caret under it, in the overlay's <pre>
    assert broken["errors"] and broken["errors"][0].startswith("content/amy/shop.yaml:2:8: 这个列表没有关上")  # her (zh_CN) words
    assert "\n    2 | owner: [Amy\n      |        ^\n    提示：" in broken["errors"][0]
    still = httpx.get(server.url + "/amy/p/BB-1001/")
    assert still.status_code == 200 and "Our baby asks for more." in still.text  # the last good site

    shop_yaml.write_text(good, encoding="utf-8")
    fixed = server.next_event()
    assert fixed["errors"] == [] and fixed["generation"] > reload["generation"]
    assert httpx.get(server.url + "/__shopforest/status").json()["errors"] == []
    assert server.stop() == 0


def test_serves_each_shop_under_its_path_with_404s_and_no_escape(server: Server) -> None:
    assert httpx.get(server.url + "/amy/").status_code == 200
    assert httpx.get(server.url + "/amy/nope/").status_code == 404
    assert httpx.get(server.url + "/amy/%2e%2e/%2e%2e/catalog.yaml").status_code in (400, 404)
    redirect = httpx.get(server.url + "/amy/posts")
    assert redirect.status_code == 301 and redirect.headers["location"] == "/amy/posts/"
    assert not (server.root / "site").exists()  # serve builds into .shopforest/serve/, never site/


def test_sends_the_response_headers_a_deployed_shop_sends(server: Server) -> None:
    page = httpx.get(server.url + "/amy/")
    meta = page.text.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    assert f"connect-src 'self' {server.url};" in meta  # checkout goes through this server's /hook
    assert page.headers["content-security-policy"] == meta + "; frame-ancestors 'none'"
    avatar = httpx.get(server.url + "/amy/media/owner/images/avatar.svg")
    assert avatar.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert avatar.headers["content-disposition"] == "attachment"
    missing = httpx.get(server.url + "/amy/nope/")
    assert missing.status_code == 404 and missing.headers["content-security-policy"] == page.headers["content-security-policy"]
    for response in (page, avatar, missing):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert httpx.get(server.url + "/amy/_headers").status_code == 404  # hosts read it; nobody downloads it
    assert server.stop() == 0
