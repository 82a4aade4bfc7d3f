"""Owners' content is untrusted: whatever an owner writes, no script runs on any shop page."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.build.pipeline import build
from generator.cli import main
from generator.content.schema import url_problem

from .sitecheck import URL_ATTRS, html_files, parse
from .test_invalid_content import make_case

PAYLOADS = """\
<script>alert('x')</script>
<SCRIPT SRC=https://evil.example/x.js></SCRIPT>
<img src=images/avatar.svg onerror="alert(1)">
<img src="images/avatar.svg" onload=alert(1)>
<a href="javascript:alert(1)">click</a>
<a href="JaVaScRiPt:alert(1)">click</a>
<a href="  javascript:alert(1)">spaces</a>
<a href="&#106;avascript:alert(1)">entity</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>
<a href="vbscript:msgbox(1)">vb</a>
<iframe src="https://evil.example/"></iframe>
<svg onload=alert(1)><script>alert(2)</script></svg>
<math><mtext><table><mglyph><style><img src=images/avatar.svg onerror=alert(3)>
<div style="background:url(javascript:alert(1))" onclick="alert(1)">styled</div>
<object data="evil.swf"></object><embed src="evil.swf">
<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>
<p onmouseover="alert(1)">unclosed <b>bold <i>italic
<base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<link rel="stylesheet" href="https://evil.example/x.css">
[md link](javascript:alert(1))
![md image](https://tracker.example/pixel.gif)
<noscript><p title="</noscript><img src=images/avatar.svg onerror=alert(1)>"></noscript>
"></textarea><script>alert(4)</script>
{{ 7*7 }} {% raw %}
"""


def hostile_project(tmp_path: Path) -> Path:
    root = make_case("_base", tmp_path / "p")
    shop = root / "content" / "amy"
    shop_yaml = {
        "title": "<script>alert('title')</script>",
        "owner": "<img src=images/avatar.svg onerror=alert(1)>",
        "bio": PAYLOADS,
        "avatar": "images/avatar.svg",
        "contact": {"wechat": "<script>alert(1)</script>"},
        "picks": [{"sku": "BB-1001", "note": PAYLOADS, "featured": True}, "FD-2001"],
        "collections": [{"id": "all", "title": "</title><script>alert(1)</script>", "description": PAYLOADS, "skus": ["BB-1001"]}],
    }
    (shop / "shop.yaml").write_text(yaml.safe_dump(shop_yaml, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (shop / "posts" / "hello.md").write_text(
        f'---\ntitle: "<script>alert(1)</script>"\ndate: 2026-10-01\nsummary: "<b onclick=x>hi</b>"\n---\n{PAYLOADS}\n{{{{< product BB-1001 >}}}}\n',
        encoding="utf-8",
    )
    return root


def test_no_script_event_handler_or_javascript_url_reaches_any_page(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    build(root, root / "site")
    pages = html_files(root / "site" / "amy")
    assert len(pages) >= 7
    for file in pages:
        page = parse(file)
        for el in page.elements:
            where = f"{file.name}: <{el.tag} {el.attrs}>"
            if el.tag == "script":
                # only the theme's own JSON-LD data block and fingerprinted same-origin files
                src = el.attrs.get("src", "")
                same_origin_asset = "://" not in src and not src.startswith("//") and "/assets/" in "/" + src
                assert el.attrs.get("type") == "application/ld+json" or same_origin_asset, where
            assert el.tag not in ("iframe", "object", "embed", "svg", "math", "base", "style", "noscript"), where
            assert el.tag != "form" or el.attrs.get("id") in ("buy", "checkout"), where  # only the theme's own forms
            assert not any(name.startswith("on") for name in el.attrs), where
            assert "style" not in el.attrs, where
            for name in URL_ATTRS & el.attrs.keys():
                value = el.attrs[name].strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), where
                if el.tag == "img":
                    assert not value.startswith(("http:", "https:", "//")), where  # no third-party loads
            if el.tag == "meta":
                assert el.attrs.get("http-equiv", "").lower() in ("", "content-security-policy"), where
            if el.tag == "link" and el.attrs.get("rel") == "stylesheet":
                assert "evil" not in el.attrs["href"], where
        for text in page.script_text:
            # JSON-LD: her words are data in it (a post's headline, her name), never markup that
            # could end the script element; a product's data holds her words nowhere
            assert "<" not in text and json.loads(text), file
            if file.relative_to(root / "site" / "amy").parts[0] == "p":
                assert "alert(" not in text.replace("\\u003c", "<").split('"description"')[0], file


def test_owner_text_is_escaped_where_it_is_plain_text(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    build(root, root / "site")
    home = (root / "site" / "amy" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in home
    assert "<script>alert" not in home
    assert "49" not in home.split("<main", 1)[1].split("</main>", 1)[0].replace("¥", "")  # no template injection


def test_only_plain_absolute_http_urls_are_places_to_publish() -> None:
    for good in ("https://shops.example.com/amy/", "http://127.0.0.1:8000/amy/", "https://amy.example", "https://amy.example:8443/a/b/"):
        assert url_problem(good) is None, good
    bad = {
        "https://amy.example/\nDisallow: /": "control character",  # lines added to robots.txt
        "https://amy.example/\u202e/": "control character",  # a bidi override, invisible in an editor
        "https://amy.example/a b/": "space",
        "https://x//evil.example/": "'//'",  # the 404 page's assets would load from evil.example
        "https://x/a/../": "'//', '/./' or '/../'",
        "https://x/\\evil.example/": "backslash",
        "https://amy:hunter2@amy.example/": "user name or password",
        "https://amy.example/?x=1": "query",
        "https://amy.example/#top": "fragment",
        "//amy.example/": "http:// or https://",
        "javascript:alert(1)//": "http:// or https://",
        "https:///amy/": "host",
        "https://amy.example:99999/": "port",
    }
    for url, words in bad.items():
        problem = url_problem(url)
        assert problem is not None and words in problem, (url, problem)


def test_platform_urls_are_checked_like_base_urls(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    catalog = root / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("platform:\n", 'platform:\n  checkout_url: "https://pay.example/\\r\\nX: y"\n', 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert "catalog.yaml:2:17: checkout_url 含有控制字符或空格（第 21 个字符，U+000D）" in result.stderr  # the zh_CN platform's words


def test_an_owner_cannot_type_a_product_card(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    # she copies what she once saw in the page source, and guesses at the rendered form
    post = root / "content" / "amy" / "posts" / "hello.md"
    post.write_text(
        "---\ntitle: Cards\ndate: 2026-10-01\n---\nOur favourite:\n\n{{< product FD-2001 >}}\n\n"
        "SFPRODUCTCARD:BB-1001:END\n\n"
        '<sf-card data-sku="BB-1001"></sf-card>\n\n'
        "&#83;FPRODUCTCARD:BB-1001:END\n",
        encoding="utf-8",
    )
    build(root, root / "site")
    page = (root / "site" / "amy" / "posts" / "hello" / "index.html").read_text(encoding="utf-8")
    assert page.count('<aside class="embed">') == 1  # the shortcode's card, and no other
    assert "p/FD-2001/" in page.split('<aside class="embed">')[1]
    assert "SFPRODUCTCARD:BB-1001:END" in page  # shown as the words she typed
    assert "sf-card" not in page
    # and a price change reaches the one card there is, in an incremental build
    catalog = root / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('price: "19.90"', 'price: "21.50"', 1), encoding="utf-8")
    build(root, root / "site")
    card = (root / "site" / "amy" / "posts" / "hello" / "index.html").read_text(encoding="utf-8").split('<aside class="embed">')[1]
    assert "21.50" in card and "19.90" not in card


def test_what_she_typed_is_quoted_in_errors_without_driving_the_terminal(tmp_path: Path) -> None:
    """A key or SKU with terminal escapes or text-direction overrides is reported, shown as '�'."""
    root = make_case("_base", tmp_path / "p")
    shop_yaml = root / "content" / "amy" / "shop.yaml"
    text = shop_yaml.read_text(encoding="utf-8")
    shop_yaml.write_text(text + '"\\e[2J\\e]0;owned\\a": 1\n"BB-1001\\u202e": 2\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert "content/amy/shop.yaml:" in result.output and "\ufffd[2J" in result.output
    assert not any(c in result.output for c in "\x1b\x07\u202e")
