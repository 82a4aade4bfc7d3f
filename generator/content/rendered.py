"""Texts Markdown failed to render, located where they are written.

Rendering comes after loading (in the build's workers, or in ``check``), where a text's file
and line are no longer known; the files the failed texts came from are read again, only then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ContentError, Diagnostic, Diagnostics, with_excerpts
from ..messages import msg
from .model import Project
from .sources import Document, load_yaml_file

CATALOG = "catalog.yaml"


def rendered_errors(project: Project, failed: Mapping[str, str]) -> list[Diagnostic]:
    """Every text Markdown failed to render (markup.take_failures: text -> why), located where
    each is written. Rendering happens after loading, where the texts'
    positions are no longer known, so the files they came from are read again: only when a
    text failed."""
    if not failed:
        return []
    diags = Diagnostics()
    found: set[str] = set()

    def report(doc: Document, loc: tuple[Any, ...], value: Any) -> None:
        if isinstance(value, str) and value in failed:
            line, col = doc.at(loc)
            diags.add(doc.path, line, col, failed[value])
            found.add(value)

    if any(product.description in failed for product in project.products.values()):
        doc = load_yaml_file(project.root / CATALOG, CATALOG, diags, big=True)
        values = doc.data.get("products") if doc is not None and isinstance(doc.data, dict) else None
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, dict) and doc is not None:
                report(doc, ("products", i, "description"), value.get("description"))
    for shop in project.shops:
        for post in shop.posts:
            if post.body in failed:
                diags.add(post.source, post.body_line, 1, failed[post.body])
                found.add(post.body)
        texts = {shop.bio, *(pick.note for pick in shop.picks), *(c.description for c in shop.collections)}
        if texts.isdisjoint(failed):
            continue
        doc = load_yaml_file(shop.source_dir / "shop.yaml", f"content/{shop.id}/shop.yaml", diags)
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        if doc is None:
            continue
        report(doc, ("bio",), data.get("bio"))
        for key, field in (("picks", "note"), ("collections", "description")):
            items = data.get(key)
            for i, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    report(doc, (key, i, field), item.get(field))
    for text, message in failed.items():
        if text not in found:  # its file changed since it was loaded: say which text it was
            diags.add("content", 1, 1, msg("{message} (the text that begins {start})", message=message, start=repr(text[:40])), whole_file=True)
    return with_excerpts(diags.sorted(), project.root)


def check_rendered(project: Project, failed: Mapping[str, str]) -> None:
    """Raise ContentError with every text Markdown failed to render, located."""
    errors = rendered_errors(project, failed)
    if errors:
        raise ContentError(errors)
