"""Read a built site like a browser would: every element, attribute and internal link."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)
    script_text: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append(Element(tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.page.script_text.append(data)


def parse(path: Path) -> Page:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def page_url(shop_dir: Path, file: Path, mount: str) -> str:
    """The URL path a file is served at when the shop folder is mounted at ``mount`` ("/" or "/a/b/")."""
    rel = file.relative_to(shop_dir).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return mount + rel


def url_to_file(shop_dir: Path, url_path: str, mount: str) -> Path | None:
    if not url_path.startswith(mount):
        return None
    rel = unquote(url_path[len(mount) :])
    rel = posixpath.normpath(rel) if rel else ""
    if rel.startswith(".."):
        return None
    target = shop_dir / rel if rel not in ("", ".") else shop_dir
    if target.is_dir():
        target = target / "index.html"
    return target


def broken_links(shop_dir: Path, mount: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every internal href/src of every page that does not resolve to a file, served at ``mount``."""
    broken: list[str] = []
    for file in html_files(shop_dir):
        rel = file.relative_to(shop_dir).as_posix()
        if rel in skip:
            continue
        base = "http://shop.test" + page_url(shop_dir, file, mount)
        for el in parse(file).elements:
            for attr in ("href", "src"):
                value = el.attrs.get(attr)
                if value is None or el.tag == "meta":
                    continue
                parts = urlsplit(urljoin(base, value))
                if parts.netloc != "shop.test" or parts.scheme not in ("http", "https"):
                    continue
                if el.tag == "a" and not parts.path:
                    continue
                target = url_to_file(shop_dir, parts.path, mount)
                if target is None or not target.is_file():
                    broken.append(f"{rel}: <{el.tag} {attr}={value!r}> -> {parts.path}")
    return broken
