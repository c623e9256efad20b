"""The firm's name and logo on what clients see (issue 24): ``FIRM_NAME``, ``FIRM_NAME_ZH``
and ``FIRM_LOGO``.

``load`` reads them once, when the app starts, into a ``Branding`` kept in the settings
(``config["BRANDING"]``): the web app, the mail worker and the report's worker processes
all read the same value and never the file again. Without the settings, ``Branding()`` is
empty and everything reads as before, with the product's name.

The logo is a PNG or an SVG file in the instance folder, checked before anything uses it:

- at most ``LOGO_MAX_BYTES`` bytes and ``LOGO_MAX_PIXELS`` pixels a side (a PNG's own size,
  an SVG's ``width``/``height`` or ``viewBox``), at least ``LOGO_MIN_PIXELS``;
- a PNG must really be one (Pillow reads and verifies it; a decompression bomb is refused
  by its size before any pixel is decoded);
- an SVG is parsed with defusedxml (no DOCTYPE, no entities, no external references) and
  rebuilt from a strict whitelist of drawing elements and presentation attributes. What
  could run or reach out is refused: ``script``, ``foreignObject``, event handlers
  (``on…``), links other than to an ``#id`` of the file itself, ``url(…)`` other than
  ``url(#id)``, CSS ``@import`` and escapes. Anything else outside the whitelist is refused
  too, naming it, except what drawing programs add for themselves and nothing renders
  (``metadata``, comments, attributes and elements of other namespaces such as
  ``inkscape:…``), which is dropped.

A logo that fails a check stops the app at start with a message naming the file and the
problem (``BrandingError``, turned into a ``ConfigError`` by ``settings``): a firm that
asked for its logo on every page must not find it silently missing.

Nothing here reaches the network or any file but the one named, and this module imports
nothing of the app (the mail and report layers may use it).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

__all__ = [
    "LOGO_MAX_BYTES",
    "LOGO_MAX_PIXELS",
    "Branding",
    "BrandingError",
    "Logo",
    "check_names",
    "load",
    "of",
]

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_PIXELS = 2048
LOGO_MIN_PIXELS = 16
NAME_MAX_LENGTH = 80
#: More elements than any logo needs: a drawing this large is refused, not laid out.
SVG_MAX_ELEMENTS = 5000

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: What may be drawn: shapes, text, groups, gradients, clipping and masks, internal reuse.
SVG_ELEMENTS = frozenset(
    [
        "svg",
        "g",
        "defs",
        "title",
        "desc",
        "symbol",
        "use",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "mask",
        "pattern",
        "style",
    ]
)
#: What they may say about themselves (presentation attributes; no event handler).
SVG_ATTRIBUTES = frozenset(
    [
        "id",
        "class",
        "version",
        "baseProfile",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "fr",
        "d",
        "points",
        "pathLength",
        "viewBox",
        "preserveAspectRatio",
        "transform",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-dasharray",
        "stroke-dashoffset",
        "opacity",
        "color",
        "display",
        "visibility",
        "overflow",
        "clip-path",
        "clip-rule",
        "clipPathUnits",
        "mask",
        "maskUnits",
        "maskContentUnits",
        "patternUnits",
        "patternContentUnits",
        "patternTransform",
        "offset",
        "stop-color",
        "stop-opacity",
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "font-variant",
        "font-stretch",
        "text-anchor",
        "dominant-baseline",
        "alignment-baseline",
        "baseline-shift",
        "letter-spacing",
        "word-spacing",
        "text-decoration",
        "dx",
        "dy",
        "rotate",
        "textLength",
        "lengthAdjust",
        "writing-mode",
        "direction",
        "unicode-bidi",
        "style",
        "href",
        "enable-background",
        "isolation",
        "mix-blend-mode",
        "shape-rendering",
        "text-rendering",
        "image-rendering",
        "color-interpolation",
        "color-interpolation-filters",
        "vector-effect",
        "paint-order",
        "type",
        "media",
    ]
)
#: Elements that may run code, embed other documents or fetch something: always refused.
SVG_DANGEROUS = frozenset(
    [
        "script",
        "foreignObject",
        "iframe",
        "embed",
        "object",
        "image",
        "video",
        "audio",
        "animate",
        "set",
        "animateMotion",
        "animateTransform",
        "handler",
        "listener",
        "feImage",
        "a",
        "link",
    ]
)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_INTERNAL = re.compile(r"#[A-Za-z_][\w.\-]*")
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(px)?\s*", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?", re.IGNORECASE)


class BrandingError(ValueError):
    """A firm name or logo setting cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Logo:
    """A checked logo: the bytes to show (an SVG as rebuilt), its type and shape."""

    filename: str
    data: bytes = field(repr=False)
    mimetype: str  # "image/png" or "image/svg+xml"
    width: float
    height: float

    @property
    def extension(self) -> str:
        return "svg" if self.mimetype == "image/svg+xml" else "png"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def fit(self, max_width: float, max_height: float) -> tuple[float, float]:
        """The size to show it at within ``max_width`` × ``max_height`` (any unit),
        keeping its proportions: as tall as allowed unless that makes it too wide."""
        width = max_height * self.width / self.height
        if width <= max_width:
            return round(width, 2), max_height
        return max_width, round(max_width * self.height / self.width, 2)

    def data_uri(self) -> str:
        return f"data:{self.mimetype};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Branding:
    """The firm's name in each language and its logo; empty when not configured."""

    name_en: str = ""
    name_zh: str = ""
    logo: Logo | None = None

    def __bool__(self) -> bool:
        return bool(self.name_en)

    def name(self, lang: str | None) -> str:
        """The firm's name in ``lang`` ("" when not configured): the Chinese name in
        Chinese, when there is one, else the one name given."""
        if lang and lang.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en

    @property
    def digest(self) -> str:
        """What the branding puts into a document (for cache keys)."""
        parts = [self.name_en, self.name_zh, self.logo.digest if self.logo else ""]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def of(config: Mapping) -> Branding:
    """The app's branding from its settings (empty when there is none)."""
    found = config.get("BRANDING")
    return found if isinstance(found, Branding) else Branding()


def check_names(config: Mapping) -> list[str]:
    """What is wrong with ``FIRM_NAME`` and ``FIRM_NAME_ZH`` (nothing: an empty list)."""
    problems = []
    for key in ("FIRM_NAME", "FIRM_NAME_ZH"):
        value = config.get(key, "")
        if not isinstance(value, str):
            problems.append(f'{key} must be a text, such as "Acme Consulting"')
        elif any(ord(c) < 32 or ord(c) == 127 for c in value):
            problems.append(f"{key} must be one line, without control characters")
        elif len(value.strip()) > NAME_MAX_LENGTH:
            problems.append(f"{key} must be at most {NAME_MAX_LENGTH} characters long")
    if problems:
        return problems
    if str(config.get("FIRM_NAME_ZH", "")).strip() and not str(config.get("FIRM_NAME", "")).strip():
        problems.append("FIRM_NAME_ZH needs FIRM_NAME (the name in English) too")
    logo = config.get("FIRM_LOGO", "")
    if not isinstance(logo, str):
        problems.append('FIRM_LOGO must be a file name in the instance folder, such as "logo.svg"')
    elif logo.strip() and not str(config.get("FIRM_NAME", "")).strip():
        problems.append("FIRM_LOGO needs FIRM_NAME too (it is the logo's text alternative)")
    return problems


def load(config: Mapping, instance_path: str) -> Branding:
    """The branding the settings ask for, checked (``BrandingError`` says what is wrong)."""
    problems = check_names(config)
    if problems:
        raise BrandingError("; ".join(problems))
    name_en = config.get("FIRM_NAME", "").strip()
    name_zh = config.get("FIRM_NAME_ZH", "").strip()
    filename = config.get("FIRM_LOGO", "").strip()
    logo = load_logo(Path(instance_path), filename) if filename else None
    return Branding(name_en=name_en, name_zh=name_zh, logo=logo)


# --- the logo -----------------------------------------------------------------------------


def load_logo(instance: Path, filename: str) -> Logo:
    """The checked logo ``filename`` (relative to the instance folder ``instance``)."""
    where = f"FIRM_LOGO {filename!r}"
    relative = Path(filename)
    if relative.is_absolute() or ".." in relative.parts:
        raise BrandingError(f"{where}: must be a file name inside the instance folder {instance}")
    root = instance.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise BrandingError(f"{where}: leads outside the instance folder {instance}")
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise BrandingError(f"{where}: must be a PNG or an SVG file (.png or .svg)")
    try:
        size = path.stat().st_size
        if size > LOGO_MAX_BYTES:
            raise BrandingError(
                f"{where}: {size} bytes is too large (at most {LOGO_MAX_BYTES // 1024} KB)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise BrandingError(f"{where}: no such file in {instance}") from None
    except IsADirectoryError:
        raise BrandingError(f"{where}: is a folder, not a file") from None
    except OSError as exc:
        raise BrandingError(f"{where}: cannot be read: {exc.strerror}") from exc
    if len(data) > LOGO_MAX_BYTES:  # grew since stat
        raise BrandingError(f"{where}: too large (at most {LOGO_MAX_BYTES // 1024} KB)")
    try:
        if suffix == ".png":
            return _png(filename, data)
        return _svg(filename, data)
    except BrandingError as exc:
        raise BrandingError(f"{where}: {exc}") from None


def _check_size(width: float, height: float) -> None:
    if max(width, height) > LOGO_MAX_PIXELS:
        raise BrandingError(
            f"{width:g}×{height:g} pixels is too large (at most {LOGO_MAX_PIXELS} a side)"
        )
    if min(width, height) < LOGO_MIN_PIXELS:
        raise BrandingError(
            f"{width:g}×{height:g} pixels is too small (at least {LOGO_MIN_PIXELS} a side)"
        )


def _png(filename: str, data: bytes) -> Logo:
    from PIL import Image, UnidentifiedImageError

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise BrandingError("not a PNG image (the file does not start as one)")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size  # from the header: nothing decoded yet
            _check_size(width, height)
            image.verify()
    except BrandingError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BrandingError(f"not a readable PNG image ({exc})") from exc
    return Logo(filename, data, "image/png", float(width), float(height))


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _check_css(text: str, what: str) -> None:
    """Refuse CSS that could load something or hide it: ``@import`` and other at-rules,
    escapes, ``url()`` other than ``url(#id)``, old script hooks."""
    lowered = text.lower()
    if "@" in text:
        raise BrandingError(f"{what}: CSS at-rules (such as @import) are not allowed")
    if "\\" in text:
        raise BrandingError(f"{what}: CSS escapes are not allowed")
    if "expression(" in lowered or "javascript:" in lowered or "<" in text:
        raise BrandingError(f"{what}: refused CSS ({text.strip()[:60]!r})")
    for match in _URL.finditer(text):
        if not _INTERNAL.fullmatch(match.group(2).strip()):
            raise BrandingError(
                f"{what}: refers to {match.group(2).strip()[:60]!r}; only url(#id) is allowed"
            )
    if "url(" in lowered.replace(" ", "") and not _URL.search(text):
        raise BrandingError(f"{what}: a url( that is not closed")


def _length(value: str | None) -> float | None:
    """A plain or ``px`` length, else None (percentages and other units do not count)."""
    if value is None:
        return None
    found = _LENGTH.fullmatch(value)
    return float(found.group(1)) if found else None


def _svg(filename: str, data: bytes) -> Logo:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BrandingError("an SVG must be written in UTF-8") from exc
    if "<!DOCTYPE" in text.upper():
        raise BrandingError("an SVG with a DOCTYPE (or entities) is not allowed")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BrandingError(f"refused XML: {exc}") from exc
    except ElementTree.ParseError as exc:
        raise BrandingError(f"not well-formed XML ({exc})") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise BrandingError(f"not an SVG image (its root is <{_local(root.tag)[1]}>)")
    count = sum(1 for _ in root.iter())
    if count > SVG_MAX_ELEMENTS:
        raise BrandingError(f"{count} elements is too many for a logo (at most {SVG_MAX_ELEMENTS})")
    _clean(root)
    width, height = _svg_size(root)
    _check_size(width, height)
    # Give the drawing its size when only a viewBox says it: browsers and WeasyPrint then
    # agree on its proportions.
    root.set("width", f"{width:g}")
    root.set("height", f"{height:g}")
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    cleaned = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return Logo(filename, cleaned, "image/svg+xml", width, height)


def _svg_size(root: ElementTree.Element) -> tuple[float, float]:
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = root.get("viewBox")
    if box is not None:
        numbers = _NUMBER.findall(box)
        if len(numbers) != 4 or float(numbers[2]) <= 0 or float(numbers[3]) <= 0:
            raise BrandingError(f"its viewBox {box!r} is not four numbers with a positive size")
        box_width, box_height = float(numbers[2]), float(numbers[3])
        if width and height:
            return width, height
        if width:
            return width, width * box_height / box_width
        if height:
            return height * box_width / box_height, height
        return box_width, box_height
    if width and height:
        return width, height
    raise BrandingError("an SVG logo needs a viewBox, or a width and a height in pixels")


def _clean(root: ElementTree.Element) -> None:
    """Check every element and attribute against the whitelists, dropping what drawing
    programs keep for themselves; refuse anything that could run or fetch."""
    for element in root.iter():  # in document order: the outermost offender is named
        if isinstance(element.tag, str):
            namespace, local = _local(element.tag)
            if local in SVG_DANGEROUS or namespace == "http://www.w3.org/1999/xhtml":
                raise BrandingError(f"<{local}> is not allowed in a logo")
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str):  # a comment or a processing instruction
                parent.remove(child)
                continue
            namespace, local = _local(child.tag)
            if namespace == SVG_NS and local == "metadata":
                parent.remove(child)
            elif namespace not in (SVG_NS, ""):
                parent.remove(child)  # an editor's own data (inkscape:, sodipodi:, ...)
    for element in root.iter():
        namespace, local = _local(element.tag)
        if local in SVG_DANGEROUS:
            raise BrandingError(f"<{local}> is not allowed in a logo")
        if namespace != SVG_NS or local not in SVG_ELEMENTS:
            raise BrandingError(f"<{local}> is not one of the elements a logo may use")
        if local == "style":
            if len(element):
                raise BrandingError("<style> may hold CSS only")
            if element.get("type") not in (None, "text/css"):
                raise BrandingError("<style> must be CSS")
            _check_css(element.text or "", "<style>")
        for name in list(element.attrib):
            _clean_attribute(element, local, name)


def _clean_attribute(element: ElementTree.Element, tag: str, name: str) -> None:
    namespace, local = _local(name)
    value = element.get(name) or ""
    if local.lower().startswith("on"):
        raise BrandingError(f"<{tag} {local}>: event handlers are not allowed")
    if local == "href" and namespace in (XLINK_NS, ""):
        if tag not in ("use", "linearGradient", "radialGradient", "pattern"):
            raise BrandingError(f"<{tag} href>: links are not allowed here")
        if not _INTERNAL.fullmatch(value.strip()):
            raise BrandingError(
                f"<{tag} href={value.strip()[:60]!r}>: only links to an #id of the logo itself"
                " are allowed"
            )
        return
    if namespace == XML_NS and local in ("space", "lang"):
        return
    if namespace == XLINK_NS:
        if local in ("title", "type", "role", "arcrole", "show", "actuate"):
            element.attrib.pop(name)  # says nothing a picture needs
            return
        raise BrandingError(f"<{tag} xlink:{local}> is not allowed in a logo")
    if namespace:
        element.attrib.pop(name)  # an editor's own attribute (inkscape:label, ...)
        return
    if local not in SVG_ATTRIBUTES:
        raise BrandingError(f"<{tag} {local}> is not one of the attributes a logo may use")
    if local == "style" or "url(" in value.lower() or ("(" in value and local not in _PLAIN):
        _check_css(value, f"<{tag} {local}>")


#: Attributes whose values hold parentheses as plain syntax (transforms), not CSS.
_PLAIN = frozenset({"transform", "gradientTransform", "patternTransform", "d", "points"})
