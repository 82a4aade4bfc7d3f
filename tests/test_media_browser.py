"""Every file an owner can get published, opened in Chromium: none runs script.

Amy's folder holds the hostile drawing of test_owner_files.py and real photos with a page
glued to their end (published as copies Pillow made, which leave the page behind). She builds
her shop; a visitor then opens each file under its media/
folder on its own, and the pages that show them, on a host that sends the shop's _headers
and on one that sends no headers at all. A dialog, a page error or a console line from a
payload would mean script ran; there must be none.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from generator.build.pipeline import build
from generator.pages import headers

from .conftest import EPOCH
from .test_invalid_content import make_case
from .test_owner_files import EVIL_SVG

PAYLOAD = b'<html><body><script>alert("photo ran")</script><img src=x onerror=alert("photo ran")></body></html>'
PICTURES = {"photo.jpg": "JPEG", "photo.png": "PNG", "photo.gif": "GIF", "photo.webp": "WEBP"}
PAGES = ("/amy/", "/amy/p/BB-1001/", "/amy/posts/hello/")  # the post, last, shows all her pictures
POST = "---\ntitle: Hello\ndate: 2026-10-01\n---\nOur week.\n\n" + "".join(f"![{name}](images/{name})\n\n" for name in ("evil.svg", *PICTURES))


def picture(kind: str) -> bytes:
    """A real picture of ``kind`` with an HTML page after its last byte (a polyglot)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (194, 73, 90)).save(out, kind)
    return out.getvalue() + PAYLOAD


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Amy's shop built from a folder holding a hostile drawing and booby-trapped photos."""
    root = make_case("_base", tmp_path_factory.mktemp("media") / "p")
    amy = root / "content" / "amy"
    (amy / "images" / "evil.svg").write_text(EVIL_SVG, encoding="utf-8")
    for name, kind in PICTURES.items():
        (amy / "images" / name).write_bytes(picture(kind))
    (amy / "posts" / "hello.md").write_text(POST, encoding="utf-8")
    out = root / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(root, out)
    return out


class Host(http.server.SimpleHTTPRequestHandler):
    """A static host; with ``send_headers`` it sends each shop's _headers as Netlify does."""

    send_headers = True
    site: Path

    def end_headers(self) -> None:
        shop, _, rest = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/").partition("/")
        if self.send_headers and shop:
            for name, value in headers.served(self.site / shop, "/" + rest):
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def host(site: Path, *, send_headers: bool) -> Iterator[str]:
    handler = type("ThisHost", (Host,), {"site": site, "send_headers": send_headers})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Visitor:
    """One browser tab that notes every sign of script having run."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(accept_downloads=True)
        self.page = self.context.new_page()
        self.ran: list[str] = []
        self.page.on("pageerror", lambda error: self.ran.append(f"page error: {error}"))
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda message: self.ran.append(f"console: {message.text}") if "ran" in message.text else None)

    def _dialog(self, dialog: Any) -> None:
        self.ran.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str) -> None:
        """Open ``url`` and click every shape it draws: event handlers and javascript: links
        run only when clicked."""
        self.page.goto(url)
        for shape in self.page.locator("svg :is(rect, circle, path, a, image, use)").all():
            box = shape.bounding_box()
            if box is not None and box["width"] and box["height"]:
                self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                if self.page.url != url:  # a followed link: back to the drawing for the next shape
                    self.page.goto(url)

    def download(self, url: str) -> str:
        """Open ``url`` expecting the browser to save it rather than show it; its file name."""
        from playwright.sync_api import Error

        # goto reports a navigation that became a download as an error: the download is the answer
        with self.page.expect_download() as saved, contextlib.suppress(Error):
            self.page.goto(url)
        name: str = saved.value.suggested_filename
        return name

    def pictures(self) -> dict[str, bool]:
        """Each picture of the open page (its file name) and whether it shows."""
        shown: list[list[Any]] = self.page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.src, i.complete && i.naturalWidth > 0])")
        return {src.rsplit("/", 1)[1]: ok for src, ok in shown}

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser: Any) -> Iterator[Visitor]:
    v = Visitor(browser)
    yield v
    v.close()


def media_files(site: Path) -> list[str]:
    """Every file under Amy's media/ folder, as URL paths from the site's root."""
    folder = site / "amy" / "media"
    return sorted("/amy/" + p.relative_to(site / "amy").as_posix() for p in folder.rglob("*") if p.is_file())


def test_amy_gets_her_drawing_and_photos_published(site: Path) -> None:
    names = {path.rsplit("/", 1)[1] for path in media_files(site)}
    assert {"evil.svg", "avatar.svg"} <= names
    assert not set(PICTURES) & names  # photos are published as copies, never as uploaded
    copies = {name.split(".")[1] for name in names if name.startswith("photo.")}
    assert len(copies) == len(PICTURES)  # one digest each, in every format
    for path in media_files(site):
        assert b"photo ran" not in (site / path.lstrip("/")).read_bytes(), path
    assert any("/media/catalog/" in path for path in media_files(site))
    drawing = (site / "amy" / "media" / "owner" / "images" / "evil.svg").read_text(encoding="utf-8")
    assert "script" not in drawing and "javascript" not in drawing and "onload" not in drawing


def test_every_media_file_is_saved_not_shown_and_runs_nothing(site: Path, visitor: Visitor) -> None:
    with host(site, send_headers=True) as url:
        for path in media_files(site):
            response = httpx.get(url + path)
            assert response.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'", path
            assert response.headers["content-disposition"] == "attachment", path
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["content-type"].startswith("image/"), path
            assert visitor.download(url + path) == path.rsplit("/", 1)[1]
        for page in PAGES:
            visitor.open(url + page)
            assert all(visitor.pictures().values()), page  # <img> ignores Content-Disposition
        shown = visitor.pictures()
        assert all(shown.values()) and {"avatar.svg", "evil.svg"} <= set(shown)
        assert len({name.split(".")[1] for name in shown if name.startswith("photo.")}) == len(PICTURES)
    assert visitor.ran == []


def test_every_media_file_runs_nothing_on_a_host_that_sends_no_headers(site: Path, visitor: Visitor) -> None:
    """GitHub Pages and plain buckets send no custom headers: the files alone must be inert."""
    with host(site, send_headers=False) as url:
        for path in media_files(site):
            assert "content-disposition" not in httpx.get(url + path).headers
            visitor.open(url + path)
        for page in PAGES:
            visitor.open(url + page)
            assert all(visitor.pictures().values()), page
    assert visitor.ran == []


def test_the_media_policy_alone_stops_a_drawing_nobody_cleaned(site: Path, tmp_path: Path, browser: Any) -> None:
    """Were the SVG cleaner to miss something, the media headers still hold: the hostile drawing
    as written runs script when served bare, and none once served with the media policy."""
    raw = tmp_path / "amy" / "media" / "raw.svg"
    raw.parent.mkdir(parents=True)
    raw.write_text(EVIL_SVG, encoding="utf-8")
    (tmp_path / "amy" / headers.FILE).write_bytes(headers.render([headers.Rule("/media/*", (headers.MEDIA_HEADERS[0],))]))

    def script_seen(send_headers: bool) -> list[str]:
        visitor = Visitor(browser)
        try:
            with host(tmp_path, send_headers=send_headers) as url:
                visitor.open(url + "/amy/media/raw.svg")
            return visitor.ran
        finally:
            visitor.close()

    assert script_seen(send_headers=False), "the hostile drawing should run script when nothing stops it"
    assert script_seen(send_headers=True) == []


def test_pages_send_the_policy_of_their_meta_tag_and_forbid_framing(site: Path) -> None:
    with host(site, send_headers=True) as url:
        response = httpx.get(url + "/amy/posts/hello/")
    meta = response.text.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    assert response.headers["content-security-policy"] == meta + "; frame-ancestors 'none'"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
