"""The format reference is generated from the schema and must match it."""

from __future__ import annotations

from generator.content import schemadoc

from .conftest import REPO


def test_formats_reference_is_current() -> None:
    current = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    assert current == schemadoc.render(), "regenerate with: python -m generator.content.schemadoc > docs/formats.md"


def test_hook_openapi_document_is_current() -> None:
    import json

    from generator.hook.openapi import openapi

    current = json.loads((REPO / "docs" / "hook-openapi.json").read_text(encoding="utf-8"))
    assert current == openapi(), "regenerate with: python -m generator.hook.openapi > docs/hook-openapi.json"


def test_hosting_guide_shows_the_headers_the_build_writes() -> None:
    from generator.pages import headers

    guide = (REPO / "docs" / "hosting.md").read_text(encoding="utf-8")
    page = headers.page_header_policy("https://pay.shops.example")
    assert guide.count(page) == 3, "the policy in docs/hosting.md (text, nginx, Caddy) differs from generator/pages/headers.py"
    assert guide.count(headers.MEDIA_POLICY) >= 4
    for name, value in headers.EVERY_FILE:
        assert f"{name}: {value}" in guide and f"add_header {name} {value} always;" in guide and f"header {name} {value}" in guide


def test_the_error_guide_shows_a_real_report() -> None:
    """docs/errors.md's example is tests/invalid/fullwidth-colon/, input and output, byte for byte."""
    guide = (REPO / "docs" / "errors.md").read_text(encoding="utf-8")
    case = REPO / "tests" / "invalid" / "fullwidth-colon"
    assert "```yaml\n" + (case / "content" / "amy" / "shop.yaml").read_text(encoding="utf-8") + "```" in guide
    assert "```\n" + (case / "expected.txt").read_text(encoding="utf-8") + "```" in guide
    did_you_mean = (REPO / "tests" / "invalid" / "did-you-mean" / "expected.txt").read_text(encoding="utf-8").splitlines()
    shown = [line for line in did_you_mean if "您是不是想写" in line and not line.startswith(" ")]
    assert "```\n" + "\n".join(shown) + "\n```" in guide
