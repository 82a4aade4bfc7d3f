"""The shop's _headers file: one policy for every file, the pages' own for pages, the strict
one for pictures; and what ``shopforest serve`` and the hosts read from it."""

from __future__ import annotations

from pathlib import Path

from generator.pages import headers

CHECKOUT = "http://127.0.0.1:8787"  # the demo catalog's checkout_url


def test_every_file_of_every_demo_shop_gets_exactly_one_policy(demo_site: Path) -> None:
    shops = [folder for folder in demo_site.iterdir() if (folder / headers.FILE).is_file()]
    assert len(shops) == 3
    for shop in shops:
        for file in shop.rglob("*"):
            if not file.is_file() or file.name == headers.FILE:
                continue
            path = "/" + file.relative_to(shop).as_posix()
            sent = dict(headers.served(shop, path))
            expected = headers.MEDIA_POLICY if path.startswith("/media/") else headers.page_header_policy(CHECKOUT)
            assert sent["Content-Security-Policy"] == expected, path  # two matching rules would be joined by a comma
            assert sent["X-Content-Type-Options"] == "nosniff", path
            assert ("Content-Disposition" in sent) == path.startswith("/media/"), path


def test_a_folder_and_the_shop_root_are_matched_as_the_hosts_match_them() -> None:
    assert headers.matches("/p/*", "/p/BB-1001/") and headers.matches("/p/*", "/p/") and headers.matches("/p/*", "/p")
    assert not headers.matches("/p/*", "/posts/")
    assert headers.matches("/", "/") and not headers.matches("/", "/index.html")


def test_the_file_reads_back_as_written() -> None:
    rules = headers.shop_rules(["index.html", "p/X/index.html", "media/owner/images/a.svg", "feed.xml"], "https://pay.example")
    assert headers.parse(headers.render(rules)) == rules
    assert [rule.pattern for rule in rules] == ["/*", "/", "/feed.xml", "/index.html", "/p/*", "/media/*"]
