"""Render one output to bytes; template mistakes name the template file and line."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

from ..errors import TemplateError
from ..messages import msg
from .i18n import WORDS, speaking
from .theme import Theme, loaded_templates, relative


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """The innermost traceback frame that belongs to a template (Jinja rewrites them so)."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _shown(filename: str, root: Path) -> str:
    return relative(filename, root)


def recording_render(theme: Theme, template: str, view: dict[str, Any], root: Path, locale: str) -> tuple[str, set[str]]:
    """Render in ``locale``, and return the project-relative paths of every template the render
    loaded and of the catalogs its words came from."""
    seen: set[str] = set()
    token = loaded_templates.set(seen)
    try:
        text = render_template(theme, template, view, root, locale)
    finally:
        loaded_templates.reset(token)
    return text, {relative(f, root) for f in seen}.union(theme.speech(locale)[1])


def render_template(theme: Theme, template: str, view: dict[str, Any], root: Path, locale: str) -> str:
    speech = theme.speech(locale)[0]
    token = speaking.set(speech)
    try:
        return theme.env.get_template(template).render(view, **{WORDS: speech})
    except jinja2.TemplateSyntaxError as exc:
        where = _shown(exc.filename or template, root)
        raise TemplateError(msg("{where}:{line}: template error: {problem}", where=where, line=exc.lineno, problem=exc.message)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            msg(
                "themes/{theme}: template '{name}' not found (theme chain: {chain})",
                theme=theme.name,
                name=exc.name,
                chain=", ".join(d.name for d in theme.dirs),
            )
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        frame = _template_frame(sys.exc_info()[2])
        where = f"{_shown(frame[0], root)}:{frame[1]}" if frame else f"themes/{theme.name}/templates/{template}"
        raise TemplateError(msg("{where}: template error: {problem}", where=where, problem=str(exc))) from None
    finally:
        speaking.reset(token)
