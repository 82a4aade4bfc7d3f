"""JSON Schema files of shop.yaml, post front matter and catalog.yaml, made from the models.

Editors that read JSON Schema (VS Code with the YAML extension, JetBrains, Neovim with
yaml-language-server) complete keys, show what each means and flag mistakes as she types. The
scaffold of ``shopforest new`` names the shop schema on its first line
(``# yaml-language-server: $schema=../../schemas/shop.schema.json``). The schema is the models'
shape; what needs the rest of the project (a SKU in the catalog, a currency's decimal places)
stays ``shopforest check``'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .schema import SKU_RE, CatalogIn, PostMetaIn, ShopIn
from .schemadoc import NOTES

FOLDER = "schemas"  # under the project root
DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "shop.schema.json": (ShopIn, "content/<shop>/shop.yaml: one owner's shop"),
    "post.schema.json": (PostMetaIn, "the YAML front matter of content/<shop>/posts/<slug>.md"),
    "catalog.schema.json": (CatalogIn, "catalog.yaml: the platform's settings, categories and products"),
}


def _describe(schema: dict[str, Any], model: str) -> None:
    """Property titles pydantic derives from names say nothing; the reference's notes do."""
    schema.pop("title", None)
    for name, prop in schema.get("properties", {}).items():
        prop.pop("title", None)
        note = NOTES.get(f"{model}.{name}")
        if note:
            prop["description"] = note.replace("`", "")


def json_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    for name, definition in schema.get("$defs", {}).items():
        _describe(definition, name)
    _describe(schema, model.__name__)
    if model is ShopIn:  # a pick is a SKU or a mapping: the model reads the short form itself
        schema["properties"]["picks"]["items"] = {"anyOf": [{"type": "string", "pattern": SKU_RE.pattern}, {"$ref": "#/$defs/PickIn"}]}
    return {"$schema": DIALECT, "title": title, **schema}


def schema_files() -> dict[str, bytes]:
    """Each schema file's name and bytes (sorted keys, so the files are the same every time)."""
    files = {}
    for name, (model, title) in SCHEMAS.items():
        files[name] = (json.dumps(json_schema(model, title), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    return files


def write_schemas(folder: Path) -> list[Path]:
    """Write the schema files into ``folder``, leaving alone those already current."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in schema_files().items():
        path = folder / name
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written
