"""Turn pydantic's validation errors into ``path:line:col: message`` diagnostics."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from ..errors import Diagnostics
from .sources import Document, Loc
from .suggest import did_you_mean

M = TypeVar("M", bound=BaseModel)

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a number"


def _field(loc: Loc) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else "document"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through ``list[…]``, ``… | None`` and ``Annotated[…]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the mapping at ``loc`` (inside a ``model``) may have; none if it is free-form."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue  # an item of a list
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    return list(current.model_fields) if current is not None else []


def message_for(error: dict[str, Any], model: type[BaseModel] | None = None) -> tuple[str, bool]:
    """The human message for one pydantic error, and whether it points at a key rather than a value."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        known = keys_at(model, loc[:-1]) if model is not None else []
        suggestion = did_you_mean(str(loc[-1]), known)
        if suggestion or not known:
            return f"unknown key '{loc[-1]}'{suggestion}", True
        return f"unknown key '{loc[-1]}': remove it, or use one of {', '.join(known)}", True
    if kind == "missing":
        return f"missing required key '{loc[-1]}': add it, like {loc[-1]}: …", False
    if kind in _TYPE_WORDS:
        return f"{_field(loc)}: expected {_TYPE_WORDS[kind]}, got {_kind(error.get('input'))}", False
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        suggestion = did_you_mean(str(error.get("input")), re.findall(r"'([^']*)'", expected))
        return f"{_field(loc)}: expected one of {expected}, got '{error.get('input')}'{suggestion}", False
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{_field(loc)}: {error['msg'].replace('Input should be', 'must be')}", False
    if kind == "id_pattern" and isinstance(error.get("input"), str):
        typed = error["input"]
        plain = unicodedata.normalize("NFKC", typed).strip()
        if plain != typed:
            return f"{_field(loc)}: '{typed}' has full-width or invisible characters: write it as '{plain}', with an English keyboard", False
    if kind == "string_too_short":
        return f"{_field(loc)}: must not be empty", False
    return f"{_field(loc)}: {error['msg']}", False


_MISSING = object()


def validate(
    model: type[M], doc: Document, diags: Diagnostics, *, prefix: Loc = (), value: Any = _MISSING, context: dict[str, Any] | None = None
) -> M | None:
    """Validate ``doc.data`` (or ``value``, found at ``prefix`` in it) against ``model``;
    every error becomes a diagnostic at its source position. ``context`` is what validators
    read beyond the value (the platform's currency, for money)."""
    try:
        return model.model_validate(doc.data if value is _MISSING else value, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            message, on_key = message_for(dict(error), model)
            loc: Loc = prefix + tuple(error["loc"])
            if error["type"] == "missing":
                line, col = doc.at(loc[:-1])
            else:
                line, col = doc.at(loc, key=on_key)
            diags.add(doc.path, line, col, message)
        return None
