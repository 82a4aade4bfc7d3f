"""The plain-sentence fast path of Markdown rendering gives byte for byte what Markdown and the
sanitiser give, for every text it accepts; anything else goes the full way."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from generator.pages import markup

REPO = Path(__file__).resolve().parent.parent

TRICKY = [
    "We love it.", "“Best” — really!", 'She said "yes"', "it's fine", "a: b", "50% off", "1. first", "2) second", "- item",
    "+ item", "* item", "# head", "> quote", "tab\there", "x  y", "a\nb", "a_b", "**b**", "a & b", "a < b", "emoji 😀 ok",
    "wow!!", "![x](images/a.png)", "http://example.com", "<http://example.com>", "a.b.c", "   lead", "trail   ", "=", "a=b",
    "---", "===", "café ~", "¥89 only", "C++ rocks", "a -- b", "'", "\u00a0nbsp", "a\u00a0b", "zero\u200bwidth", "a\rb",
    "a\u2028b", "a\x0bb", "a\x85b", "\u3000全角", "末尾\u3000", "x" * 500, "<script>alert(1)</script>", "a\\b", "`code`",
    "[link](javascript:alert(1))", "&amp;", "&#60;", "a|b", "{{< product BB-1001 >}}", "",
]  # fmt: skip


def full_render(text: str) -> str:
    """The render with the fast path turned off."""
    original = markup._plain_paragraph
    markup._plain_paragraph = lambda text: None
    try:
        return markup._render(text, "")
    finally:
        markup._plain_paragraph = original


def owners_notes() -> list[str]:
    notes = []
    for shop_yaml in sorted((REPO / "content").glob("*/shop.yaml")):
        for pick in yaml.safe_load(shop_yaml.read_text(encoding="utf-8")).get("picks", []):
            if isinstance(pick, dict) and pick.get("note"):
                notes.append(pick["note"])
    return notes


def fuzz(seed: int, count: int) -> list[str]:
    alphabet = [*"ab .!'\":-1=+%$/?,;@^\n\t*_[]()<>&#|~`\\", "你好", "😀", "\u00a0", "\u3000", "  "]
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def test_fast_path_is_exactly_the_full_render() -> None:
    texts = TRICKY + owners_notes() + fuzz(7, 3000)
    taken = [(text, quick) for text in texts if (quick := markup._plain_paragraph(text)) is not None]
    assert len(taken) > 100  # the fast path is exercised, not only refused
    assert [(text, quick) for text, quick in taken if quick != full_render(text)] == []


def test_most_owners_sentences_take_the_fast_path() -> None:
    assert markup._plain_paragraph("宝宝很喜欢，出门必备。\n") == "<p>宝宝很喜欢，出门必备。</p>"
    assert markup._plain_paragraph("We love it. Really: 5 stars!") == "<p>We love it. Really: 5 stars!</p>"
    for text in ("**bold**", "a < b", "- item", "two\nlines", "<img src=x onerror=alert(1)>"):
        assert markup._plain_paragraph(text) is None


def test_only_a_shortcode_makes_a_card_marker() -> None:
    typed = [
        "SFPRODUCTCARD:BB-1001:END",
        '<sf-card data-sku="BB-1001"></sf-card>',
        '&lt;sf-card data-sku="BB-1001"&gt;&lt;/sf-card&gt;',
        "&#83;FPRODUCTCARD:BB-1001:END",
        "SFCARD0123456789abcdef0123456789abcdef:BB-1001:END",
    ]
    html = markup.render("\n\n".join([*typed, "{{< product FD-2001 >}}"]))
    assert markup.card_skus(html) == ["FD-2001"]
    assert markup.embed_cards(html, lambda sku: f"[{sku}]").count("[") == 1
    # rendering is deterministic (verify mode compares bytes), though each render draws its own nonce
    assert markup._render("{{< product FD-2001 >}}\n", "") == markup._render("{{< product FD-2001 >}}\n", "")
