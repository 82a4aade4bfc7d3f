"""Turn pydantic's validation errors into ``path:line:col: message`` diagnostics."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Diagnostics
from .sources import Document, Loc

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


def message_for(error: dict[str, Any]) -> tuple[str, bool]:
    """The human message for one pydantic error, and whether it points at a key rather than a value."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'", True
    if kind == "missing":
        return f"missing required key '{loc[-1]}'", False
    if kind in _TYPE_WORDS:
        return f"{_field(loc)}: expected {_TYPE_WORDS[kind]}, got {_kind(error.get('input'))}", False
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{_field(loc)}: expected one of {expected}, got '{error.get('input')}'", False
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{_field(loc)}: {error['msg'].replace('Input should be', 'must be')}", False
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
            message, on_key = message_for(dict(error))
            loc: Loc = prefix + tuple(error["loc"])
            if error["type"] == "missing":
                line, col = doc.at(loc[:-1])
            else:
                line, col = doc.at(loc, key=on_key)
            diags.add(doc.path, line, col, message)
        return None
