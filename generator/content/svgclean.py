"""SVG drawings rebuilt from an allow-list, so none published can run script or load anything.

An SVG opened on its own is a document of the origin that serves it: a ``<script>``, an
``onload=`` or a ``javascript:`` link in it runs with every shop's storage. So an SVG is
parsed as XML (defusedxml: no entity expansion, no external references) and written anew
with only drawing elements and presentation attributes, the allow-lists of DOMPurify's SVG
profile less animation, fonts, ``foreignObject`` and links. References may only point inside
the drawing (``#id``), images only be embedded raster data; CSS that could load or bind
anything is dropped. Comments, processing instructions, metadata and editors' private
namespaces are left out. The output is deterministic: the same input, the same bytes.
"""

from __future__ import annotations

import re
from html import escape
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..messages import msg

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_DEPTH = 64
MAX_ELEMENTS = 50_000


def _words(text: str) -> list[str]:
    return text.split()


ELEMENTS = frozenset(
    _words(
        """svg g defs symbol use title desc switch view
    circle ellipse line path polygon polyline rect
    text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker image style filter
    feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR
    feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting
    feSpotLight feTile feTurbulence"""
    )
)
UNWRAPPED = frozenset({"a"})  # kept for their drawing, without the link

ATTRIBUTES = frozenset(
    a.lower()
    for a in _words(
        """accent-height alignment-baseline aria-describedby aria-hidden aria-label aria-labelledby
    azimuth baseFrequency baseline-shift bias class clip clip-path clip-rule clipPathUnits color
    color-interpolation color-interpolation-filters color-rendering cx cy d diffuseConstant direction
    display divisor dominant-baseline dx dy edgeMode elevation fill fill-opacity fill-rule filter
    filterUnits flood-color flood-opacity focusable font-family font-size font-size-adjust font-stretch
    font-style font-variant font-weight fr fx fy gradientTransform gradientUnits height href id
    image-rendering in in2 isolation k k1 k2 k3 k4 kernelMatrix kernelUnitLength lang lengthAdjust
    letter-spacing lighting-color limitingConeAngle marker-end marker-mid marker-start markerHeight
    markerUnits markerWidth mask maskContentUnits maskUnits media mix-blend-mode mode numOctaves offset
    opacity operator order orient overflow paint-order pathLength patternContentUnits patternTransform
    patternUnits points pointsAtX pointsAtY pointsAtZ preserveAlpha preserveAspectRatio primitiveUnits r
    radius refX refY result role rotate rx ry scale seed shape-rendering specularConstant
    specularExponent spreadMethod startOffset stdDeviation stitchTiles stop-color stop-opacity stroke
    stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit stroke-opacity
    stroke-width style surfaceScale systemLanguage tableValues targetX targetY text-anchor
    text-decoration text-rendering textLength transform transform-origin type unicode-bidi values
    vector-effect version viewBox visibility width word-spacing writing-mode x x1 x2 xChannelSelector
    y y1 y2 yChannelSelector z"""
    )
)
_TEXT = frozenset({"text", "tspan", "textPath", "title", "desc", "style"})
_RASTER_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_SQUEEZE = re.compile(r"[\s\x00-\x1f]+")


class SvgError(Exception):
    """An SVG that cannot be published; the message says why."""


def looks_like_svg(head: bytes) -> bool:
    """Whether a file's first bytes are XML text that may be an SVG drawing."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith((b"<svg", b"<?xml", b"<!--", b"<!DOCTYPE svg", b"<!doctype svg"))


def _safe_value(value: str) -> bool:
    squeezed = _SQUEEZE.sub("", value).lower()
    if any(word in squeezed for word in ("javascript:", "vbscript:", "data:", "expression(", "@import", "\\", "</")):
        return False
    return all(target.startswith("#") for target in _URL.findall(squeezed))


def _href(tag: str, value: str) -> str | None:
    value = value.strip()
    if value.startswith("#") and _safe_value(value):
        return value
    if tag == "image" and _RASTER_DATA.fullmatch(value):
        return "".join(value.split())
    return None


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def clean(data: bytes) -> bytes:
    """The drawing in ``data`` rebuilt from the allow-list; SvgError when it is not an SVG."""
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SvgError(msg("it declares XML entities or external references, which are not allowed")) from None
    except ParseError as exc:
        raise SvgError(msg("it is not well-formed XML ({exc})", exc=exc)) from None
    ns, local = _local(root.tag)
    if local != "svg" or ns not in ("", SVG_NS):
        raise SvgError(msg("its outermost element is not <svg>"))
    out: list[str] = []
    count = 0

    def walk(el: Element, depth: int) -> None:
        nonlocal count
        count += 1
        if depth > MAX_DEPTH or count > MAX_ELEMENTS:
            raise SvgError(
                msg(
                    "it is nested too deeply or has too many elements (limits: depth {MAX_DEPTH}, {MAX_ELEMENTS:,} elements)",
                    MAX_DEPTH=MAX_DEPTH,
                    MAX_ELEMENTS=MAX_ELEMENTS,
                )
            )
        ns, tag = _local(el.tag)
        if ns not in ("", SVG_NS) or (tag not in ELEMENTS and tag not in UNWRAPPED):
            return  # with everything inside it: script, foreignObject, animation, editors' data
        keep = tag in ELEMENTS
        if tag == "style" and not _safe_value(el.text or ""):
            return
        if keep:
            attrs = [] if depth else [("xmlns", SVG_NS)]
            for name, value in sorted(el.attrib.items()):
                ans, attr = _local(name)
                if ans == XML_NS and attr in ("space", "lang"):
                    attrs.append((f"xml:{attr}", value))
                elif ans in ("", XLINK_NS) and attr == "href":
                    href = _href(tag, value)
                    if href is not None:
                        attrs.append(("href", href))
                elif ans == "" and attr.lower() in ATTRIBUTES and attr != "href" and _safe_value(value):
                    attrs.append((attr, value))
            out.append(f"<{tag}" + "".join(f' {k}="{escape(v)}"' for k, v in attrs))
            children = list(el)
            if not children and not (el.text and tag in _TEXT):
                out.append("/>")
                return
            out.append(">")
        if el.text and (tag in _TEXT or not el.text.isspace()):
            out.append(escape(el.text, quote=False))
        for child in el:
            walk(child, depth + 1)
            if child.tail:
                out.append(escape(child.tail, quote=False))
        if keep:
            out.append(f"</{tag}>")

    walk(root, 0)
    return "".join(out).encode("utf-8")
