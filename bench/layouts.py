"""One catalog written the three ways platforms write theirs.

- ``safe_dump``: ``yaml.safe_dump`` with its defaults, as a script exporting a database does (list
  items at column 0, long strings folded and quoted where PyYAML chooses);
- ``indented``: list items indented by two spaces, block Markdown, as a careful generator does;
- ``hand``: as a person keeps it: comments between products, anchors and aliases for the tags
  products share, flow-style lists, CRLF line ends.

The same data in every layout: a build of any of them makes the same pages.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

LAYOUTS = ("safe_dump", "indented", "hand")


class _IndentedDumper(yaml.SafeDumper):
    """Block lists indented under their key, strings with line breaks as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_IndentedDumper.add_representer(str, _literal)


def write(catalog: dict[str, Any], layout: str) -> str:
    if layout == "safe_dump":
        return str(yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False))
    if layout == "indented":
        return str(yaml.dump(catalog, Dumper=_IndentedDumper, allow_unicode=True, sort_keys=False, width=100))
    if layout == "hand":
        return _hand(catalog)
    raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")


def _q(value: Any) -> str:
    """A scalar as a person would quote it: JSON's double quotes are YAML's too."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "\n".join(pad + line if line else "" for line in text.splitlines())


def _hand(catalog: dict[str, Any]) -> str:
    platform = catalog["platform"]
    lines = ["# The platform's catalog: prices are text, two decimals.", "platform:"]
    lines += [f"  {key}: {_q(value)}" for key, value in platform.items()]
    lines += ["", "categories:"]
    for category in catalog["categories"]:
        lines.append("  - {" + ", ".join(f"{k}: {_q(v)}" for k, v in category.items()) + "}")
    lines += ["", "# --- products ----------------------------------------------------", "products:"]
    anchors: dict[tuple[str, ...], str] = {}
    for product in catalog["products"]:
        lines.append(f"  # {product['sku']}")
        first = True
        for key, value in product.items():
            lead = "  - " if first else "    "
            first = False
            if key == "tags":
                shared = tuple(value)
                if shared in anchors:
                    lines.append(f"{lead}{key}: *{anchors[shared]}")
                else:
                    name = anchors[shared] = f"tags{len(anchors)}"
                    lines.append(f"{lead}{key}: &{name} [{', '.join(_q(v) for v in value)}]")
            elif key == "variants":
                lines.append(f"{lead}{key}:")
                for variant in value:
                    lines.append("      - {" + ", ".join(f"{k}: {_q(v)}" for k, v in variant.items()) + "}")
            elif isinstance(value, list):
                lines.append(f"{lead}{key}: [{', '.join(_q(v) for v in value)}]")
            elif isinstance(value, str) and "\n" in value:
                lines.append(f"{lead}{key}: {_block(value, 6)}")
            else:
                lines.append(f"{lead}{key}: {_q(value)}")
    return "\r\n".join(lines) + "\r\n"
