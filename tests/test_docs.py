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
    assert current == openapi(), "regenerate docs/hook-openapi.json from generator.hook.openapi.openapi()"
