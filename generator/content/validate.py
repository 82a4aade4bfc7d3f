"""Turn pydantic's validation errors into ``path:line:col: message`` diagnostics."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from ..errors import Diagnostics
from ..messages import Message, msg
from .loading import kind_of
from .sources import Document, Loc
from .suggest import did_you_mean

M = TypeVar("M", bound=BaseModel)

_TYPE_WORDS = {
    "string_type": msg("text"),
    "int_type": msg("a whole number"),
    "int_parsing": msg("a whole number"),
    "bool_type": msg("true or false"),
    "list_type": msg("a list"),
    "dict_type": msg("a group of 'key: value' lines"),
    "model_type": msg("a group of 'key: value' lines"),
    "model_attributes_type": msg("a group of 'key: value' lines"),
}


def _field(loc: Loc) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else msg("document")


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
    field = _field(loc)
    if kind == "extra_forbidden":
        known = keys_at(model, loc[:-1]) if model is not None else []
        suggestion = did_you_mean(str(loc[-1]), known)
        if suggestion or not known:
            return msg("unknown key '{key}'{suggestion}", key=loc[-1], suggestion=suggestion), True
        return msg("unknown key '{key}': remove it, or use one of {known}", key=loc[-1], known=", ".join(known)), True
    if kind == "missing":
        return msg("missing required key '{key}': add it, like {key}: …", key=loc[-1]), False
    if kind in _TYPE_WORDS:
        return msg("{field}: expected {expected}, got {got}", field=field, expected=_TYPE_WORDS[kind], got=kind_of(error.get("input"))), False
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        suggestion = did_you_mean(str(error.get("input")), choices)
        return (
            msg(
                "{field}: expected one of {expected}, got '{got}'{suggestion}",
                field=field,
                expected=", ".join(choices) or expected,  # pydantic's "'a', 'b' or 'c'" says "or" in English
                got=error.get("input"),
                suggestion=suggestion,
            ),
            False,
        )
    limit = next(iter(error.get("ctx", {}).values()), "")
    if kind == "greater_than_equal":
        return msg("{field}: must be at least {limit}", field=field, limit=limit), False
    if kind == "less_than_equal":
        return msg("{field}: must be at most {limit}", field=field, limit=limit), False
    if kind == "greater_than":
        return msg("{field}: must be more than {limit}", field=field, limit=limit), False
    if kind == "less_than":
        return msg("{field}: must be less than {limit}", field=field, limit=limit), False
    if kind == "id_pattern" and isinstance(error.get("input"), str):
        typed = error["input"]
        plain = unicodedata.normalize("NFKC", typed).strip()
        if plain != typed:
            return (
                msg(
                    "{field}: '{typed}' has full-width or invisible characters: write it as '{plain}', with an English keyboard",
                    field=field,
                    typed=typed,
                    plain=plain,
                ),
                False,
            )
    if kind == "string_too_short":
        return msg("{field}: must not be empty", field=field), False
    words = error.get("ctx", {}).get("words")  # a custom error of the schema carries its own message
    if isinstance(words, Message):
        return msg("{field}: {problem}", field=field, problem=words), False
    return msg("{field}: {problem}", field=field, problem=error["msg"]), False


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
