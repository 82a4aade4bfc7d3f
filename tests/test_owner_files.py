"""An owner's folder is untrusted: only her own real picture files leave it, and none can run script.

Each case plants what a hostile or careless owner could put in content/amy/ — links to the
build machine's secrets, pages and scripts dressed as pictures, devices, odd path spellings —
and expects a located error from ``check`` and ``build`` alike, with nothing written.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from generator.build.pipeline import build
from generator.cli import main

from .test_invalid_content import in_english, make_case, snapshot


def _encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 90)).save(out, fmt)
    return out.getvalue()


JPEG = _encoded("JPEG")
PNG = _encoded("PNG")
EVIL_SVG = (
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'viewBox="0 0 10 10" onload="alert(1)">'
    "<script>alert(document.domain)</script>"
    '<rect width="10" height="10" fill="#c2495a" onclick="alert(2)" style="fill:url(https://evil.example/x)"/>'
    '<a xlink:href="javascript:alert(3)"><circle r="3" fill="url(#g)"/></a>'
    '<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(4)"/></foreignObject>'
    '<use href="https://evil.example/sprite.svg#x"/><image href="https://evil.example/pixel.png"/>'
    '<animate attributeName="href" to="javascript:alert(5)"/><set attributeName="onmouseover" to="alert(6)"/>'
    "<style>@import url(https://evil.example/x.css);</style>"
    "</svg>"
)


def project(tmp_path: Path) -> tuple[Path, Path]:
    root = in_english(make_case("_base", tmp_path / "p"))
    return root, root / "content" / "amy"


def set_avatar(shop: Path, ref: str) -> None:
    data = yaml.safe_load((shop / "shop.yaml").read_text(encoding="utf-8"))
    data["avatar"] = ref
    (shop / "shop.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def avatar_line(shop: Path) -> str:
    lines = (shop / "shop.yaml").read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("avatar:"))
    return f"content/amy/shop.yaml:{number}:9: "


def write_post(shop: Path, body: str) -> None:
    (shop / "posts" / "hello.md").write_text(f"---\ntitle: Hello\ndate: 2026-10-01\n---\n{body}\n", encoding="utf-8")


def linked_passwd(shop: Path) -> str:
    (shop / "images" / "passwd.svg").symlink_to("/etc/passwd")
    return "images/passwd.svg"


def linked_environ(shop: Path) -> str:
    (shop / "images" / "env.svg").symlink_to("/proc/self/environ")
    return "images/env.svg"


def linked_folder(shop: Path) -> str:
    (shop / "images" / "etc").symlink_to("/etc")
    return "images/etc/hostname"


def relative_link(shop: Path) -> str:
    (shop / "images" / "cat.svg").symlink_to("../../../catalog.yaml")
    return "images/cat.svg"


def hard_link(shop: Path) -> str:
    os.link(shop.parent.parent / "images" / "bb-1001.svg", shop / "images" / "hard.svg")
    return "images/hard.svg"


def fifo(shop: Path) -> str:
    os.mkfifo(shop / "images" / "pipe.jpg")
    return "images/pipe.jpg"


def html_page(shop: Path) -> str:
    (shop / "images" / "x.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    return "images/x.html"


def html_named_jpg(shop: Path) -> str:
    (shop / "images" / "x.jpg").write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    return "images/x.jpg"


def jpeg_named_html(shop: Path) -> str:
    (shop / "images" / "photo.html").write_bytes(JPEG)
    return "images/photo.html"


def dotted_path(shop: Path) -> str:
    return "images/./avatar.svg"


def doubled_slash(shop: Path) -> str:
    return "images//avatar.svg"


def outside_images(shop: Path) -> str:
    return "shop.yaml"


def huge_photo(shop: Path) -> str:
    with open(shop / "images" / "big.jpg", "wb") as fh:
        fh.write(JPEG[:4])
        fh.truncate(64 * 1024 * 1024)  # sparse: no disk used
    return "images/big.jpg"


def not_really_svg(shop: Path) -> str:
    (shop / "images" / "page.svg").write_text('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>')
    return "images/page.svg"


def entity_bomb(shop: Path) -> str:
    lol = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    (shop / "images" / "lol.svg").write_text(lol)
    return "images/lol.svg"


CASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "link to /etc/passwd": (linked_passwd, "'images/passwd.svg' is a symbolic link; a shop publishes only real files"),
    "link to /proc/self/environ": (linked_environ, "'images/env.svg' is a symbolic link"),
    "linked folder": (linked_folder, "'images/etc' is a symbolic link"),
    "relative link out of her folder": (relative_link, "'images/cat.svg' is a symbolic link"),
    "hard link": (hard_link, "image 'images/hard.svg' is a hard link to another file"),
    "FIFO": (fifo, "image 'images/pipe.jpg' is not a regular file"),
    "HTML page": (html_page, "'images/x.html' is not a picture (JPEG, PNG, GIF, WebP or SVG)"),
    "HTML named .jpg": (html_named_jpg, "'images/x.jpg' is not a picture"),
    "JPEG named .html": (jpeg_named_html, "'images/photo.html' is a JPEG photo but its name ends in '.html'; rename it 'images/photo.jpg'"),
    "images/./": (dotted_path, "image path 'images/./avatar.svg' is not written plainly; write 'images/avatar.svg'"),
    "images//": (doubled_slash, "image path 'images//avatar.svg' is not written plainly; write 'images/avatar.svg'"),
    "outside images/": (outside_images, "image 'shop.yaml' must be in the images/ folder (images/shop.yaml)"),
    "64 MB photo": (huge_photo, "image 'images/big.jpg' is too large (67,108,864 bytes; the limit is 20,971,520)"),
    "XHTML named .svg": (not_really_svg, "'images/page.svg' is not an SVG drawing that can be published: its outermost element is not <svg>"),
    "entity expansion": (entity_bomb, "'images/lol.svg' is not an SVG drawing that can be published: it declares XML entities"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_avatar_that_is_not_her_own_picture_is_a_located_error(case: str, tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    plant, message = CASES[case]
    set_avatar(shop, plant(shop))
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1, result.output
    assert avatar_line(shop) + message in result.stderr
    assert "Traceback" not in result.output

    site = root / "site"
    result = CliRunner().invoke(main, ["build", "--project", str(root), "--out", str(site)])
    assert result.exit_code == 1, result.output
    assert avatar_line(shop) + message in result.stderr
    assert not site.exists() or not any(site.rglob("*.*"))


@pytest.mark.parametrize("case", ["link to /etc/passwd", "linked folder", "HTML page", "JPEG named .html", "images/./"])
def test_markdown_image_that_is_not_her_own_picture_is_a_located_error(case: str, tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    plant, message = CASES[case]
    write_post(shop, f"Our morning.\n\n![p]({plant(shop)})")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1, result.output
    assert f"content/amy/posts/hello.md:7:1: {message}" in result.stderr


def test_a_failed_check_keeps_the_last_site_as_it_was(tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    site = root / "site"
    build(root, site)
    before = snapshot(site)
    set_avatar(shop, linked_environ(shop))
    result = CliRunner().invoke(main, ["build", "--project", str(root), "--out", str(site)])
    assert result.exit_code == 1
    assert snapshot(site) == before
    assert all(b"SHOPFOREST" not in data for data, _ in before.values())


def test_a_kept_shop_is_checked_again_when_its_picture_becomes_a_link(tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    build(root, root / "site")  # keeps the shop and the stamp of its avatar
    avatar = shop / "images" / "avatar.svg"
    avatar.unlink()
    avatar.symlink_to("/etc/hostname")
    result = CliRunner().invoke(main, ["build", "--project", str(root), "--out", str(root / "site")])
    assert result.exit_code == 1
    assert "'images/avatar.svg' is a symbolic link" in result.stderr


def test_linked_post_and_shop_folder_are_refused(tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: secret\ndate: 2026-10-01\n---\nDATABASE_URL=postgresql://admin:hunter2@db/\n", encoding="utf-8")
    (shop / "posts" / "leak.md").symlink_to(secret)
    (root / "content" / "mia").symlink_to(shop)
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert "content/amy/posts/leak.md:1:1: 'content/amy/posts/leak.md' is a symbolic link" in result.stderr
    assert "content/mia/shop.yaml:1:1: 'content/mia' is a symbolic link" in result.stderr


def test_catalog_images_follow_the_same_rule(tmp_path: Path) -> None:
    root, _ = project(tmp_path)
    (root / "images" / "bb-1001.svg").unlink()
    (root / "images" / "bb-1001.svg").symlink_to("/etc/passwd")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert "'images/bb-1001.svg' is a symbolic link" in result.stderr


def test_svg_is_published_without_script_events_or_outside_references(tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    (shop / "images" / "avatar.svg").write_text(EVIL_SVG, encoding="utf-8")
    (root / "images" / "bb-1001.svg").write_text(EVIL_SVG, encoding="utf-8")
    write_post(shop, "Our drawing:\n\n![d](images/avatar.svg)")
    build(root, root / "site")
    published = root / "site" / "amy" / "media" / "owner" / "images" / "avatar.svg"
    assert published.read_bytes().startswith(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">')
    assert b'<circle fill="url(#g)" r="3"/>' in published.read_bytes()  # the drawing stays
    for file in (root / "site").rglob("*"):
        if file.is_file():
            data = file.read_bytes().lower()
            for needle in (b"<script>alert", b"onload=", b"onclick=", b"javascript:", b"foreignobject", b"evil.example", b"@import"):
                assert needle not in data, (file, needle)


def test_raster_pictures_are_published_as_resized_copies_never_as_uploaded(tmp_path: Path) -> None:
    root, shop = project(tmp_path)
    (shop / "images" / "IMG_0001.JPG").write_bytes(JPEG)
    (shop / "images" / "mum.png").write_bytes(PNG)
    set_avatar(shop, "images/IMG_0001.JPG")
    write_post(shop, "![m](images/mum.png)")
    build(root, root / "site")
    media = root / "site" / "amy" / "media" / "owner" / "images"
    names = sorted(p.name for p in media.iterdir())
    assert "IMG_0001.JPG" not in names and "mum.png" not in names
    # never enlarged: each is copied at its own width only, in AVIF, WebP and JPEG
    assert {n.rsplit(".", 1)[1] for n in names} == {"avif", "webp", "jpg"}
    assert all(n.split(".")[2] == "40" for n in names)
