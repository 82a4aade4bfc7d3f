"""Share cards: what a chat app reads from a pasted link. The tags are parsed from the built
demo pages; every URL they name must be a file of the output, and every card a 1200×630 JPEG.
Cards are drawn once per picture, kept between builds, and byte for byte the same."""

from __future__ import annotations

import io
import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from PIL import Image

from generator.build.pipeline import build
from generator.cache.folder import NONE, CacheFolder
from generator.pages import sharecard

from .test_incremental import edit, two_shop_project

REPO = Path(__file__).resolve().parent.parent
CATALOG = {p["sku"]: p for p in yaml.safe_load((REPO / "catalog.yaml").read_text(encoding="utf-8"))["products"]}

BASE = "http://127.0.0.1:8000/"  # the demo's shop_url, without the shop


class Head(HTMLParser):
    """The <title>, <meta> tags and JSON-LD of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.meta: dict[str, str] = {}
        self.jsonld: list[Any] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            name = a.get("property") or a["name"]
            assert name not in self.meta, f"{name} given twice"
            self.meta[name] = a.get("content", "")
        elif tag == "title" or (tag == "script" and a.get("type") == "application/ld+json"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.jsonld.append(json.loads(data))


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def local_file(site: Path, url: str) -> Path:
    """The output file an absolute URL of the demo names (a folder URL means its index.html;
    tag pages' folders are named in UTF-8 and their URLs percent-encoded)."""
    assert url.startswith(BASE), url
    path = site / unquote(url[len(BASE) :].split("?", 1)[0])
    return path / "index.html" if url.endswith("/") else path


def assert_card(site: Path, meta: dict[str, str], alt: str) -> None:
    assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
    assert meta["og:image:type"] == "image/jpeg"
    assert meta["og:image:alt"] == alt
    assert meta["twitter:card"] == "summary_large_image"
    with Image.open(local_file(site, meta["og:image"])) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (1200, 630), "RGB")
        assert not image.info.get("exif") and not image.getexif()


def test_every_page_a_link_is_shared_to_carries_a_jpeg_card_that_exists(demo_site: Path) -> None:
    pages = 0
    for shop in ("xiaomei", "chef-lin", "glow-with-amy"):
        site_title = head(demo_site / shop / "index.html").title
        owner_card = head(demo_site / shop / "index.html").meta["og:image"]
        avatar = yaml.safe_load((REPO / "content" / shop / "shop.yaml").read_text(encoding="utf-8"))["avatar"]  # a drawing or a photo
        assert owner_card == f"{BASE}{shop}/media/cards/owner/{avatar}.jpg"
        for page in sorted((demo_site / shop).rglob("*.html")):
            h = head(page)
            pages += 1
            assert h.title.count(site_title) == 1, f"{page}: {h.title}"  # never the shop's name twice
            m = h.meta
            for key in ("og:title", "og:description", "og:url", "twitter:title", "twitter:description"):
                assert m[key].strip(), f"{page}: {key}"
            assert local_file(demo_site, m["og:url"]).is_file() or page.name == "404.html"
            kind = page.relative_to(demo_site / shop).parts[0]
            if kind == "p":
                assert m["og:type"] == "product"
                data = h.jsonld[0]
                assert m["og:title"] == data["name"]
                assert (m["product:price:amount"], m["product:price:currency"]) == (data["offers"]["price"], "CNY")
                first = CATALOG[data["sku"]]["images"][0]  # a drawing or a photo
                assert m["og:image"] == f"{BASE}{shop}/media/cards/catalog/{first}.jpg"
                assert data["image"][0] == m["og:image"]  # schema.org's image: the card first
                for url in data["image"] + [data["offers"]["url"]]:
                    assert local_file(demo_site, url).is_file(), url
                assert_card(demo_site, m, data["name"])
            else:
                assert m["og:image"] == owner_card
                assert_card(demo_site, m, m["og:image:alt"])
                assert m["og:image:alt"].endswith(site_title)
            if page.parent.name == "s":  # the short link's page: the owner's card, the shop's name once
                assert m["og:title"] == site_title and h.title == site_title
            if kind == "posts" and page.parent.name != "posts":
                assert m["og:type"] == "article"
                (post,) = h.jsonld
                assert post["@type"] == "BlogPosting" and post["image"] == [owner_card]
            if page == demo_site / shop / "index.html":
                (store,) = h.jsonld
                assert store["@type"] == "OnlineStore" and store["image"] == [owner_card]
    assert pages > 50


def test_a_product_page_describes_it_with_her_note_else_the_catalogs_words(demo_site: Path) -> None:
    with_note = head(demo_site / "xiaomei" / "p" / "BB-1001" / "index.html").meta
    assert with_note["og:description"].startswith("我家老二从六个月吃到现在")
    without = [
        h.meta
        for p in sorted((demo_site / "xiaomei" / "p").glob("*/index.html"))
        if 'class="owner-note"' not in p.read_text(encoding="utf-8") and (h := head(p))
    ]
    assert without, "the demo has a pick without a note"
    assert all(not m["og:description"].startswith("我家老二") for m in without)


def test_the_short_link_page_is_one_page_that_titles_the_shop_once(demo_site: Path) -> None:
    h = head(demo_site / "xiaomei" / "s" / "index.html")
    assert h.title == "小美的宝宝好物"
    assert h.meta["robots"] == "noindex"
    assert h.meta["og:description"].startswith("两个娃的妈妈")


def test_cards_are_drawn_once_kept_between_builds_and_the_same_bytes_without_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = two_shop_project(tmp_path)
    bea = root / "content" / "bea" / "shop.yaml"
    bea.write_text("title: Bea's kitchen\nowner: Bea\navatar: images/avatar.svg\npicks: [FD-2001, BB-1001]\n", encoding="utf-8")
    for owner in ("amy", "bea"):  # one avatar, another drawing than the product's
        avatar = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5" fill="#c2495a"/></svg>\n'
        (root / "content" / owner / "images" / "avatar.svg").write_text(avatar, encoding="utf-8")
    drawn: list[int] = []
    real = sharecard.make_card

    def counting(picture: bytes) -> bytes:
        drawn.append(len(picture))
        return real(picture)

    monkeypatch.setattr(sharecard, "make_card", counting)
    monkeypatch.delenv("SHOPFOREST_VERIFY", raising=False)  # a verify render would draw and count too
    sharecard.forget()  # what this process drew before: this test counts draws and cache reads
    build(root, root / "site")
    cards = sorted(p.relative_to(root / "site").as_posix() for p in (root / "site").rglob("*.jpg"))
    assert cards == [  # FD-2001 has no picture: its page shows the owner's card
        "amy/media/cards/catalog/images/bb-1001.svg.jpg",
        "amy/media/cards/owner/images/avatar.svg.jpg",
        "bea/media/cards/catalog/images/bb-1001.svg.jpg",
        "bea/media/cards/owner/images/avatar.svg.jpg",
    ]
    # BB-1001 and the one avatar both owners use: each drawn once, kept, read by the other shop
    assert len(drawn) == 2
    assert len(list(CacheFolder(root).cards.iterdir())) == 2
    bea_page = head(root / "site" / "bea" / "p" / "FD-2001" / "index.html").meta
    assert bea_page["og:image"].endswith("/bea/media/cards/owner/images/avatar.svg.jpg")

    drawn.clear()
    sharecard.forget()
    build(root, root / "site")  # nothing changed: no card is even looked up
    assert sharecard._DRAWN == {}
    build(root, tmp_path / "other-site")  # a new output folder: every card from the cache
    assert drawn == []
    edit(root / "catalog.yaml", 'price: "89.00"', 'price: "79.00"')
    build(root, root / "site")  # a price is not on a card
    assert drawn == []

    fresh = tmp_path / "fresh"
    sharecard.forget()
    build(root, fresh, cache=NONE)  # drawn again from nothing: the same bytes
    assert len(drawn) == 2  # nothing kept in the cache folder: each picture drawn once, in this process
    for card in cards:
        assert (fresh / card).read_bytes() == (root / "site" / card).read_bytes()


def photo(width: int, height: int, orientation: int) -> bytes:
    """A photo-like JPEG, grey with noise, whose stored left edge is a dark band, with EXIF
    orientation and GPS tags."""
    image = Image.merge("RGB", [Image.effect_noise((width, height), 8).point(lambda v: v + 100)] * 3)
    image.paste((20, 20, 20), (0, 0, width // 8, height))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS: never in a card
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_is_turned_upright_fitted_and_stripped() -> None:
    # stored 800x600 and marked "rotate 90° clockwise": shown 600x800, the stored left band on top
    data = photo(800, 600, 6)
    card = Image.open(io.BytesIO(sharecard.make_card(data)))
    assert (card.format, card.size) == ("JPEG", (1200, 630))
    assert not card.info.get("exif") and not card.getexif()
    shown_width = round(600 * 630 / 800)  # portrait once upright: narrower than the card
    left = (1200 - shown_width) // 2
    top, middle, beside = card.getpixel((600, 20)), card.getpixel((600, 400)), card.getpixel((left - 20, 400))
    assert isinstance(top, tuple) and isinstance(middle, tuple) and isinstance(beside, tuple)
    assert sum(top) < 150 < sum(middle)  # upright: the band EXIF says is the top is at the top
    assert sum(beside) < 150  # beside it, a plain background of the photo's corner colour
    assert sharecard.make_card(data) == sharecard.make_card(data)


def test_a_transparent_picture_sits_on_a_neutral_background_and_a_broken_one_gives_a_plain_card() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(out, "PNG")
    card = Image.open(io.BytesIO(sharecard.make_card(out.getvalue())))
    assert all(abs(a - b) <= 2 for a, b in zip(card.getpixel((600, 315)), sharecard.NEUTRAL, strict=True))  # type: ignore[arg-type]
    plain = Image.open(io.BytesIO(sharecard.make_card(b"\xff\xd8\xff not really a JPEG")))
    assert plain.size == (1200, 630)


def test_a_jpeg_product_photo_gets_its_card_in_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")  # and the same bytes as a build from nothing
    root = two_shop_project(tmp_path)
    (root / "images" / "bb-1001.jpg").write_bytes(photo(1200, 1600, 1))
    edit(root / "catalog.yaml", "images: [images/bb-1001.svg]", "images: [images/bb-1001.jpg]")
    build(root, root / "site")
    meta = head(root / "site" / "amy" / "p" / "BB-1001" / "index.html").meta
    assert meta["og:image"].endswith("/amy/media/cards/catalog/images/bb-1001.jpg.jpg")
    with Image.open(root / "site" / "amy" / "media" / "cards" / "catalog" / "images" / "bb-1001.jpg.jpg") as card:
        assert (card.format, card.size) == ("JPEG", (1200, 630))


def test_kept_cards_are_pruned_to_twice_the_pictures_shown_oldest_first(tmp_path: Path) -> None:
    root = two_shop_project(tmp_path)
    cards = CacheFolder(root).cards
    cards.mkdir(parents=True)
    for i in range(10):  # cards of pictures long replaced
        old = cards / f"old{i}.jpg"
        old.write_bytes(b"x")
        os.utime(old, ns=(i, i))
    sharecard.forget()
    build(root, root / "site")  # BB-1001's picture and one avatar: room for four cards
    kept = sorted(p.name for p in cards.iterdir())
    assert len(kept) == 4 and {"old8.jpg", "old9.jpg"} <= set(kept)
    assert (root / "site" / "amy" / "media" / "cards" / "owner" / "images" / "avatar.svg.jpg").is_file()
