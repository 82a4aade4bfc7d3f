"""Raster pictures as a customer's phone gets them: resized copies in AVIF, WebP and JPEG,
upright, with nothing of the camera's metadata; made once, kept, and never read again while
the picture is unchanged; every unusable picture a located error, never a traceback."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from generator.build import images
from generator.build.pipeline import build
from generator.build.reporter import BuildStats
from generator.build.writer import fill_spare
from generator.cli import main
from generator.content import raster

from .photos import phone_jpeg
from .test_invalid_content import in_english, make_case


def project(tmp_path: Path, photo: bytes | None = None) -> Path:
    root = in_english(make_case("_base", tmp_path / "p"))
    (root / "images" / "bb-1001.jpg").write_bytes(photo if photo is not None else phone_jpeg(900, 1200, seed=1))
    set_images(root, "BB-1001", ["images/bb-1001.jpg"])
    return root


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def set_images(root: Path, sku: str, refs: list[str]) -> None:
    def change(data: Any) -> None:
        for p in data["products"]:
            if p["sku"] == sku:
                p["images"] = refs

    edit_yaml(root / "catalog.yaml", change)


def set_price(root: Path, sku: str, price: str) -> None:
    def change(data: Any) -> None:
        for p in data["products"]:
            if p["sku"] == sku:
                p["price"] = price

    edit_yaml(root / "catalog.yaml", change)


def copies(folder: Path, stem: str) -> list[Path]:
    return sorted(folder.glob(f"{stem}.*.*.*"))


def check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    return result.exit_code, result.output


def test_a_phone_photo_becomes_upright_copies_without_metadata(tmp_path: Path) -> None:
    photo = phone_jpeg(3000, 4000, seed=3)  # stored sideways, orientation 6, GPS
    assert b"GPS" in photo or Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    root = project(tmp_path, photo)
    stats = build(root, root / "site")
    assert stats.images == 1
    media = root / "site" / "amy" / "media" / "catalog" / "images"
    made = copies(media, "bb-1001")
    assert not (media / "bb-1001.jpg").exists()  # the upload itself is never published
    widths = sorted({int(p.name.split(".")[2]) for p in made})
    assert widths == [320, 480, 640, 960, 1280]
    assert {p.suffix for p in made} == {".avif", ".webp", ".jpg"}
    for path in made:
        data = path.read_bytes()
        with Image.open(path) as im:
            w = int(path.name.split(".")[2])
            assert im.size == (w, round(w * 4 / 3)), path.name  # upright: taller than wide
            assert not im.getexif(), path.name
            assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(im.info), (path.name, im.info.keys())
        assert b"Exif\x00" not in data and b"taken at home" not in data and b"Shopforest Phone" not in data


def test_pages_show_a_picture_with_srcset_sizes_and_dimensions(tmp_path: Path) -> None:
    root = project(tmp_path)
    build(root, root / "site")
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text()
    picture = re.search(r"<picture>.*?</picture>", page[page.index('class="product-media"') :], re.S)
    assert picture is not None
    html = picture.group(0)
    assert '<source type="image/avif" srcset="../../media/catalog/images/bb-1001.' in html
    assert '<source type="image/webp"' in html
    img = re.search(r"<img [^>]*>", html)
    assert img is not None
    tag = img.group(0)
    assert ' srcset="' in tag and ' sizes="' in tag and 'decoding="async"' in tag
    assert re.search(r'width="\d+" height="\d+"', tag)
    assert 'loading="lazy"' not in tag  # the product photo is the first thing in view
    for src in re.findall(r"(\.\./\.\./media/[^ \"]+)", html):
        assert (root / "site" / "amy" / "p" / "BB-1001" / src).resolve().is_file(), src
    home = (root / "site" / "amy" / "index.html").read_text()
    assert "bb-1001." in home and 'sizes="(min-width: 56rem) 14rem' in home


def test_pictures_in_markdown_and_a_photo_avatar_are_copies_too(tmp_path: Path) -> None:
    root = project(tmp_path)
    shop = root / "content" / "amy"
    (shop / "images" / "me.jpg").write_bytes(phone_jpeg(400, 500, seed=4))
    (shop / "images" / "bowl.jpg").write_bytes(phone_jpeg(800, 600, seed=5))
    edit_yaml(shop / "shop.yaml", lambda d: d.update(avatar="images/me.jpg", bio="Mother of two.\n\n![our bowl](images/bowl.jpg)"))
    build(root, root / "site")
    home = (root / "site" / "amy" / "index.html").read_text()
    assert '<img src="media/owner/images/bowl.' in home and 'alt="our bowl"' in home
    assert 'rel="icon" href="media/owner/images/me.' in home
    owner = root / "site" / "amy" / "media" / "owner" / "images"
    assert not (owner / "me.jpg").exists() and not (owner / "bowl.jpg").exists()
    assert sorted({int(p.name.split(".")[2]) for p in copies(owner, "me")}) == [64, 128, 192]


def test_no_image_work_when_nothing_or_only_a_price_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")
    root = project(tmp_path)
    assert build(root, root / "site").images == 1
    photo = str(root / "images" / "bb-1001.jpg")
    reads: list[str] = []
    real_open = open

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(images, "open", counting_open, raising=False)
    decodes = images.DECODES
    monkeypatch.delenv("SHOPFOREST_VERIFY")  # (verify mode hashes every picture again, on purpose)
    stats: BuildStats = build(root, root / "site")
    assert (stats.images, stats.written) == (0, 0)
    set_price(root, "BB-1001", "79.00")
    edit_yaml(root / "content" / "amy" / "shop.yaml", lambda d: d["picks"][0].update(note="Still love it."))
    stats = build(root, root / "site")
    assert stats.images == 0 and stats.written > 0
    assert photo not in reads, "an unchanged picture's bytes were read again"
    assert decodes == images.DECODES
    os.utime(photo, ns=(1, 1))  # touched, same bytes: hashed again, but no copies made
    stats = build(root, root / "site")
    assert stats.images == 0 and photo in reads


def test_a_photo_many_shops_show_is_made_once_and_linked(tmp_path: Path) -> None:
    root = project(tmp_path)
    for name in ("bea", "cai"):
        (root / "content" / name).mkdir()
        (root / "content" / name / "shop.yaml").write_text(f"title: {name}\nowner: {name}\npicks: [BB-1001]\n")
    stats = build(root, root / "site")
    assert stats.images == 1
    name = copies(root / "site" / "amy" / "media" / "catalog" / "images", "bb-1001")[0].name
    inodes = {os.stat(root / "site" / s / "media" / "catalog" / "images" / name).st_ino for s in ("amy", "bea", "cai")}
    assert len(inodes) == 1
    assert os.stat(root / "site" / "amy" / "media" / "catalog" / "images" / name).st_nlink >= 3


def test_copies_of_a_photo_no_shop_shows_any_more_are_not_kept(tmp_path: Path) -> None:
    root = project(tmp_path)
    build(root, root / "site")
    kept = root / ".shopforest" / "images"
    first = {f.name for f in kept.rglob("*.*.*")}
    assert first
    (root / "images" / "bb-1001-new.jpg").write_bytes(phone_jpeg(900, 1200, seed=2))
    set_images(root, "BB-1001", ["images/bb-1001-new.jpg"])  # the platform replaces the photo
    build(root, root / "site")
    now = {f.name for f in kept.rglob("*.*.*")}
    assert now and not now & first, "only the new photo's copies are kept"
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text(encoding="utf-8")
    assert all((root / "site" / "amy" / "p" / "BB-1001" / src).resolve().is_file() for src in re.findall(r'src="([^"]+\.(?:jpg|png))"', page))


def test_a_file_with_another_link_is_never_written_in_place(tmp_path: Path) -> None:
    kept, linked = tmp_path / "kept", tmp_path / "spare"
    kept.write_bytes(b"picture")
    os.link(kept, linked)
    assert not fill_spare(str(linked), b"page")
    assert kept.read_bytes() == b"picture"


def gif(path: Path, frames: int) -> None:
    pictures = [Image.new("P", (700, 700), i) for i in range(frames)]
    pictures[0].save(path, save_all=True, append_images=pictures[1:])


def truncated(path: Path) -> None:
    path.write_bytes(phone_jpeg(800, 1000, seed=9)[:20_000])


def bomb(path: Path) -> None:
    Image.new("1", (9000, 9000)).save(path)  # a few kilobytes that unpack to 81 megapixels


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("anim.gif", lambda p: gif(p, 3), "'images/anim.gif' is animated (3 frames); a shop shows still pictures"),
        ("cut.jpg", truncated, "'images/cut.jpg' is damaged or cut short"),
        ("bomb.png", bomb, "'images/bomb.png' is 9000×9000 pixels; the limit is 50 megapixels"),
    ],
)
def test_unusable_pictures_are_located_errors(tmp_path: Path, name: str, make: Callable[[Path], None], message: str) -> None:
    root = project(tmp_path)
    make(root / "images" / name)
    set_images(root, "BB-1001", [f"images/{name}"])
    code, output = check(root)
    assert code == 1
    assert re.search(rf"^catalog\.yaml:\d+:\d+: {re.escape(message)}", output, re.M), output
    assert "Traceback" not in output


def test_cmyk_and_16_bit_pictures_are_converted_to_srgb(tmp_path: Path) -> None:
    root = project(tmp_path)
    Image.new("CMYK", (700, 700), (0, 200, 200, 0)).save(root / "images" / "cmyk.jpg")
    Image.new("I;16", (700, 700), 40000).save(root / "images" / "deep.png")
    set_images(root, "BB-1001", ["images/cmyk.jpg", "images/deep.png"])
    build(root, root / "site")
    media = root / "site" / "amy" / "media" / "catalog" / "images"
    with Image.open(copies(media, "cmyk")[-1]) as im:
        assert im.mode == "RGB"
        r, g, b = im.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
        assert r > 200 and g < 120 and b < 120  # magenta and yellow inks: red
    with Image.open(next(p for p in copies(media, "deep") if p.suffix == ".jpg")) as im:
        assert im.mode in ("L", "RGB") and im.convert("L").getpixel((5, 5)) == pytest.approx(156, abs=3)


def test_a_picture_too_small_for_its_place_is_a_warning(tmp_path: Path) -> None:
    root = project(tmp_path, phone_jpeg(300, 400, seed=2))
    code, output = check(root)
    assert code == 0
    assert re.search(r"catalog\.yaml:\d+:\d+: warning: 'images/bb-1001\.jpg' is 300×400 pixels; a product photo is shown up to 600", output), output
    assert raster.PHOTO_SHOWN == 600


def test_the_catalog_s_pictures_can_come_from_one_shared_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPFOREST_VERIFY", "1")
    root = project(tmp_path)
    edit_yaml(root / "catalog.yaml", lambda d: d["platform"].update(media_url="https://media.example.com/shop-pictures/"))
    build(root, root / "site")
    assert copies(root / "site" / "amy" / "media" / "catalog" / "images", "bb-1001") == []
    shared = copies(root / "site" / "_media" / "images", "bb-1001")
    assert len(shared) == 4 * 3  # 320, 480, 640 and its own 900 pixels, in AVIF, WebP and JPEG
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text()
    assert f'srcset="https://media.example.com/shop-pictures/images/{shared[0].name.split(".")[0]}.' in page
    assert "img-src 'self' https://media.example.com data: blob:" in page
    assert "img-src 'self' https://media.example.com data: blob:" in (root / "site" / "amy" / "_headers").read_text()
    for url in re.findall(r"https://media\.example\.com/shop-pictures/([^ \"]+)", page):
        assert (root / "site" / "_media" / url).is_file(), url
    stats = build(root, root / "site")
    assert (stats.written, stats.images) == (0, 0)


def test_a_variant_s_picture_is_a_thumbnail_beside_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "images" / "bb-1001-blue.jpg").write_bytes(phone_jpeg(600, 800, seed=6))

    def change(data: Any) -> None:
        data["products"][0]["variants"] = [{"id": "blue", "title": "Blue", "image": "images/bb-1001-blue.jpg"}, {"id": "plain", "title": "Plain"}]

    edit_yaml(root / "catalog.yaml", change)
    build(root, root / "site")
    media = root / "site" / "amy" / "media" / "catalog" / "images"
    assert sorted({int(p.name.split(".")[2]) for p in copies(media, "bb-1001-blue")}) == [64, 128, 192]
    page = (root / "site" / "amy" / "p" / "BB-1001" / "index.html").read_text()
    variants = page[page.index('<ul class="variant-pictures"') :]
    assert 'class="variant-picture" src="../../media/catalog/images/bb-1001-blue.' in variants
    assert 'sizes="48px"' in variants
