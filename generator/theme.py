"""Themes: template and static lookup along a chain of themes, and fingerprinted assets.

Lookup order for a shop whose theme is ``T``: ``themes/T/`` first, then the theme named by
``extends:`` in ``themes/T/theme.yaml`` (and so on), then ``themes/default/``. A template
can also name a theme explicitly, e.g. ``{% extends "default:product.html" %}``, to wrap
the template it overrides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml

ASSET_DIR = "assets/"


@dataclass
class Theme:
    """One theme chain, with its Jinja2 environment and its static files."""

    name: str
    dirs: tuple[Path, ...]  # most specific first, default last
    env: jinja2.Environment
    statics: dict[str, Path] = field(default_factory=dict)  # name under static/ -> file
    assets: dict[str, str] = field(default_factory=dict)  # logical name -> fingerprinted path
    asset_bytes: dict[str, bytes] = field(default_factory=dict)  # fingerprinted path -> bytes


def chain(root: Path, name: str) -> tuple[Path, ...]:
    dirs: list[Path] = []
    current: str | None = name
    while current and root.joinpath("themes", current) not in dirs:
        path = root / "themes" / current
        dirs.append(path)
        meta = path / "theme.yaml"
        parent = None
        if meta.is_file():
            data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
            parent = data.get("extends") if isinstance(data, dict) else None
        current = parent if isinstance(parent, str) else ("default" if current != "default" else None)
    return tuple(dirs)


def fingerprint(name: str, data: bytes) -> str:
    """``style.css`` → ``assets/style.3f2a9c1b.css``: the name changes whenever the bytes do."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"{ASSET_DIR}{stem}.{digest}.{ext}" if dot else f"{ASSET_DIR}{name}.{digest}"


def load_theme(root: Path, name: str) -> Theme:
    dirs = chain(root, name)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
            jinja2.PrefixLoader({d.name: jinja2.FileSystemLoader(str(d / "templates")) for d in dirs}, delimiter=":"),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    theme = Theme(name, dirs, env)
    for d in reversed(dirs):  # more specific themes override
        static = d / "static"
        if static.is_dir():
            for f in sorted(static.rglob("*")):
                if f.is_file():
                    theme.statics[f.relative_to(static).as_posix()] = f
    for logical, f in sorted(theme.statics.items()):
        data = f.read_bytes()
        path = fingerprint(logical, data)
        theme.assets[logical] = path
        theme.asset_bytes[path] = data
    return theme
