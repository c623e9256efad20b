"""Charts: the signs radar and the trend across a client's rounds, as SVG.

Drawn by hand rather than with pygal, for print and for speed. A pygal chart costs WeasyPrint
about 0.15 s to lay out (hundreds of elements and a stylesheet); these are a few dozen
shapes. Both charts must read in black and white: series differ by line style and marker
shape as well as colour, the current round and the fairness index are solid and thick,
guides are thin and light, and every label is horizontal. The band zones behind the data use
the questionnaire's band colours, always named in the legend or beside the zone, so colour
is never the only cue.

Each chart is built once as a `Chart` and then written out in one of two ways:

- `Chart.svg()`: one self-contained SVG document (the web page's charts; `radar_svg` and
  `trend_svg` return this);
- `Chart.html(width_mm)`: for the PDF, the same drawing with the long labels and the legend
  as HTML text around and over the SVG. WeasyPrint lays out SVG text one letter at a time
  (about 0.2 ms a letter), HTML text a whole line at once, so this halves a chart's cost; it
  also gives the PDF properly shaped, searchable text. The positioning rules it relies on
  (`.chart-*` classes) are in ``assessment/static/report.css``.

Every text is escaped here, so the output can be embedded in HTML as it is. Pure: no Flask.

Some 700 lines in one module, on purpose: the radar and the trend are written with one
small drawing vocabulary (``Chart``, its shapes and text boxes, the legend, the black-and-
white line styles, label placement), and every part of it is shared by both charts and
both outputs. Split by chart, each file would hold half a chart and import the other
half's helpers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from ..figures import as_written, score_text
from ..questionnaire import Questionnaire
from ..scoring import RoundResult
from ..vocab import KIND_LABELS, N_, language_of, round_name

__all__ = [
    "FONT_STACKS",
    "SERIES",
    "Chart",
    "Label",
    "LegendItem",
    "Series",
    "font_stack",
    "label_box",
    "radar_chart",
    "radar_svg",
    "trend_chart",
    "trend_svg",
]

#: The report's fonts: English in Liberation Sans (Arial's metrics) with Noto Sans CJK SC for
#: any Chinese name or comment; Chinese wholly in Noto Sans CJK SC. The later names are for
#: browsers showing the same SVG on machines without these fonts.
FONT_STACKS = {
    "en": "'Liberation Sans', Arial, Helvetica, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
    "zh-CN": "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei',"
    " sans-serif",
}
INK = "#1d2733"
CURRENT = "#1d3557"
PREVIOUS = "#5f6b78"
GUIDE = "#c9ced6"
MUTED = "#55606b"
ZONE_OPACITY = "0.14"
LINE_HEIGHT = 1.2

#: The charts' own words, in the catalogs; translated when a chart is drawn.
_LABELS = {
    "now": N_("This round"),
    "before": N_("Previous round"),
    "index": N_("Fairness index"),
    "radar": N_("Sign scores from 0 (lord) to 100 (partner)"),
    "trend": N_("Fairness index and sign scores per review round, 0 to 100"),
    "not_asked": N_("not asked"),
    "withheld": N_("withheld"),
}


@dataclass(frozen=True)
class Series:
    """How one line is drawn: colour, dash pattern (SVG dasharray, "" = solid), marker."""

    colour: str
    dash: str
    marker: str
    width: float = 1.8


#: One style per sign, in questionnaire order (Okabe–Ito colours, which stay apart for
#: colour-blind readers; dash and marker tell them apart in black and white).
SERIES = (
    Series("#0072b2", "7 3", "square"),
    Series("#d55e00", "2 2.5", "triangle"),
    Series("#009e73", "10 3 2 3", "diamond"),
    Series("#cc79a7", "14 4", "triangle-down"),
    Series("#c98a00", "4 2 1 2", "circle-open"),
    Series("#2f8fcf", "1 3", "cross"),
    Series("#7f6a00", "6 2 6 6", "square-open"),
)
NOW = Series(CURRENT, "", "circle", 3.2)
BEFORE = Series(PREVIOUS, "6 4", "square-open", 2.0)
INDEX = Series(CURRENT, "", "circle", 3.4)


@dataclass(frozen=True)
class Label:
    """A block of text placed on the chart. (x, top) is its anchor point and top edge in
    chart units; the last line is bold when `strong_last`."""

    x: float
    top: float
    lines: tuple[str, ...]
    size: float = 12.0
    anchor: str = "start"  # start | middle | end
    strong_last: bool = False


@dataclass(frozen=True)
class LegendItem:
    """A legend entry: a line sample with its marker, or a band swatch when `swatch`."""

    text: str
    series: Series | None = None
    swatch: str | None = None


@dataclass(frozen=True)
class Chart:
    """A chart drawn once, written as standalone SVG or as SVG plus HTML text."""

    width: int
    height: int
    title: str
    lang: str
    shapes: tuple[str, ...]
    labels: tuple[Label, ...] = ()
    legend: tuple[LegendItem, ...] = ()
    legend_columns: int = 3
    kind: str = "chart"
    #: The chart's text alternative, stating its numbers (a tagged PDF's figure "Alt").
    description: str = ""

    # --- standalone SVG ------------------------------------------------------------------

    def svg(self) -> str:
        """One SVG document: labels as SVG text, the legend drawn under the plot."""
        body = list(self.shapes)
        for label in self.labels:
            for n, line in enumerate(label.lines):
                baseline = label.top + label.size * (0.85 + LINE_HEIGHT * n)
                strong = label.strong_last and n == len(label.lines) - 1
                body.append(
                    _text(
                        label.x, baseline, line, size=label.size, anchor=label.anchor, bold=strong
                    )
                )
        height = self.height
        if self.legend:
            column = (self.width - 24) / self.legend_columns
            for n, item in enumerate(self.legend):
                row, col = divmod(n, self.legend_columns)
                x, y = 24 + col * column, self.height + 14 + 22 * row
                body.append(_legend_svg(x, y, item))
            rows = math.ceil(len(self.legend) / self.legend_columns)
            height = self.height + 22 * rows + 6
        return _svg_document(self.width, height, self.title, body, self.lang)

    # --- for the PDF ---------------------------------------------------------------------

    def html(self, width_mm: float) -> Markup:
        """The drawing as inline SVG with the labels and legend as HTML, `width_mm` wide."""
        mm_per_unit = width_mm / self.width
        height_mm = self.height * mm_per_unit

        def pt(size: float) -> str:
            return f"{size * mm_per_unit * 72 / 25.4:.2f}pt"

        spans = []
        for label in self.labels:
            left = label.x / self.width * 100
            if label.anchor == "end":
                where = f"right:{100 - left:.2f}%"
            elif label.anchor == "middle":
                where = f"left:{left - 30:.2f}%;width:60%;text-align:center"
            else:
                where = f"left:{left:.2f}%"
            lines = [escape(line) for line in label.lines]
            if label.strong_last:
                lines[-1] = f"<strong>{lines[-1]}</strong>"
            top = label.top / self.height * 100
            spans.append(
                f'<span class="chart-label" style="{where};top:{top:.2f}%;'
                f'font-size:{pt(label.size)}">{"<br>".join(lines)}</span>'
            )
        # WeasyPrint takes a tagged figure's alternative text from the SVG's <title>.
        alt = self.description or self.title
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}"'
            f' font-family={quoteattr(font_stack(self.lang))} role="img"'
            f" aria-label={quoteattr(alt)}><title>{escape(alt)}</title>"
            f"{''.join(self.shapes)}</svg>"
        )
        legend = ""
        if self.legend:
            items = " ".join(
                f'<span class="chart-key">{_legend_sample(item)}{escape(item.text)}</span>'
                for item in self.legend
            )
            legend = f'<p class="chart-legend">{items}</p>'
        return Markup(
            f'<figure class="chart chart-{self.kind}" style="width:{width_mm:.1f}mm"'
            f" aria-label={quoteattr(alt)}>"
            f'<div class="chart-plot" style="height:{height_mm:.1f}mm">{svg}{"".join(spans)}</div>'
            f"{legend}</figure>"
        )


# --- drawing helpers ---------------------------------------------------------------------


def _lang(lang: str | None) -> str:
    return language_of(lang)


def _labels(lang: str) -> dict[str, str]:
    return {key: label.get(lang) for key, label in _LABELS.items()}


def font_stack(lang: str) -> str:
    """The CSS font-family list for text in `lang`."""
    return FONT_STACKS[_lang(lang)]


def _n(value: float) -> str:
    """A coordinate, short."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


#: Bold figures are set in a Latin face in every language: the bold Chinese face would add
#: a second large font to each PDF (see .figure in report.css).
FIGURES = "'Liberation Sans', Arial, Helvetica, sans-serif"


def _text(x, y, content, *, size=11.0, anchor="start", bold=False, fill=INK) -> str:
    weight = f' font-weight="700" font-family="{FIGURES}"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"'
        f' fill="{fill}"{weight}>{escape(str(content))}</text>'
    )


def _marker_path(kind: str, x: float, y: float, size: float) -> str:
    """Path data of a marker shape centred on (x, y)."""
    s = size
    if kind in ("circle", "circle-open"):
        return (
            f"M{_n(x - s)} {_n(y)}a{_n(s)} {_n(s)} 0 1 0 {_n(2 * s)} 0"
            f"a{_n(s)} {_n(s)} 0 1 0 {_n(-2 * s)} 0Z"
        )
    if kind in ("square", "square-open"):
        d = s * 0.9
        return f"M{_n(x - d)} {_n(y - d)}h{_n(2 * d)}v{_n(2 * d)}h{_n(-2 * d)}Z"
    if kind == "cross":
        d = s * 0.95
        return (
            f"M{_n(x - d)} {_n(y - d)}L{_n(x + d)} {_n(y + d)}"
            f"M{_n(x - d)} {_n(y + d)}L{_n(x + d)} {_n(y - d)}"
        )
    if kind in ("diamond", "diamond-open"):
        points = [(x, y - s * 1.3), (x + s * 1.1, y), (x, y + s * 1.3), (x - s * 1.1, y)]
    elif kind == "triangle-down":
        points = [(x - s * 1.15, y - s * 0.8), (x + s * 1.15, y - s * 0.8), (x, y + s * 1.2)]
    else:  # triangle
        points = [(x - s * 1.15, y + s * 0.8), (x + s * 1.15, y + s * 0.8), (x, y - s * 1.2)]
    return "M" + "L".join(f"{_n(px)} {_n(py)}" for px, py in points) + "Z"


def _markers(kind: str, points, colour: str, size: float = 4.0) -> str:
    """All the markers of one series as a single path (one SVG element, however many
    points): open shapes are filled white, the cross is stroked only."""
    data = "".join(_marker_path(kind, x, y, size) for x, y in points)
    if not data:
        return ""
    if kind == "cross":
        return f'<path d="{data}" fill="none" stroke="{colour}" stroke-width="2.2"/>'
    fill = "#fff" if kind.endswith("open") else colour
    return f'<path d="{data}" fill="{fill}" stroke="{colour}" stroke-width="1.6"/>'


def _marker(kind: str, x: float, y: float, colour: str, size: float = 4.0) -> str:
    return _markers(kind, [(x, y)], colour, size)


def _path(
    points: Sequence[tuple[float, float] | None],
    style: Series,
    *,
    close=False,
    breaks: Collection[int] = (),
) -> str:
    """A line through the points, broken where a value is missing, and before each point
    whose index is in ``breaks`` (a score not comparable with the one before)."""
    parts, pen_down = [], False
    for i, point in enumerate(points):
        if point is None:
            pen_down = False
            continue
        if i in breaks:
            pen_down = False
        parts.append(f"{'L' if pen_down else 'M'}{_n(point[0])} {_n(point[1])}")
        pen_down = True
    if not parts:
        return ""
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return (
        f'<path d="{"".join(parts)}{"Z" if close else ""}" fill="none" stroke="{style.colour}"'
        f' stroke-width="{_n(style.width)}" stroke-linejoin="round"{dash}/>'
    )


def _sample_shapes(x: float, y: float, item: LegendItem) -> str:
    if item.swatch:
        return (
            f'<rect x="{_n(x + 7)}" y="{_n(y - 6)}" width="16" height="12" fill="{item.swatch}"'
            f' fill-opacity="0.45" stroke="{item.swatch}"/>'
        )
    style = item.series or NOW
    return _path([(x, y), (x + 30, y)], style) + _marker(style.marker, x + 15, y, style.colour)


def _legend_svg(x: float, y: float, item: LegendItem) -> str:
    return _sample_shapes(x, y, item) + _text(x + 37, y + 4, item.text)


def _legend_sample(item: LegendItem) -> str:
    """A small inline SVG of the line or swatch, for an HTML legend."""
    if item.swatch:
        return (
            '<svg class="chart-swatch" xmlns="http://www.w3.org/2000/svg" viewBox="7 0 16 14"'
            f' aria-hidden="true"><title>{escape(item.text)}</title>'
            f"{_sample_shapes(0, 7, item)}</svg>"
        )
    return (
        '<svg class="chart-sample" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 30 14"'
        f' aria-hidden="true"><title>{escape(item.text)}</title>{_sample_shapes(0, 7, item)}</svg>'
    )


def _svg_document(width: int, height: int, title: str, body: list[str], lang: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label={quoteattr(title)}'
        f" font-family={quoteattr(font_stack(lang))}>"
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


# --- measuring text ----------------------------------------------------------------------

#: Advance widths (thousandths of an em) of ASCII 32–126 in Liberation Sans, which has
#: Arial's metrics: the report's Latin face, and the first face of the web page's stack.
#: Noto Sans CJK SC sets Latin narrower, so these are upper bounds there.
_ASCII_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584,
)  # fmt: skip
_ASCII_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
    722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
    611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
    500, 389, 280, 389, 584,
)  # fmt: skip
#: Room kept around each label and at the chart's edges, in chart units.
EDGE = 6.0


def _char_width(char: str, bold: bool) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return (_ASCII_BOLD if bold else _ASCII_REGULAR)[code - 32]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000  # Chinese characters and full-width punctuation: one em
    return 700  # anything else: a generous Latin width


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of one line of text at `size`, in the same units (an upper estimate)."""
    return sum(_char_width(c, bold) for c in text) * size / 1000


_BREAKABLE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, space before it) pairs: words, and every Chinese character on its own, since
    a line may break between any two of them."""
    found: list[tuple[str, bool]] = []
    for n, word in enumerate(text.split()):
        start = len(found)
        piece = ""
        for char in word:
            if _BREAKABLE.match(char):
                if piece:
                    found.append((piece, False))
                    piece = ""
                found.append((char, False))
            elif piece and _BREAKABLE.match(piece[-1]):
                found.append((piece, False))
                piece = char
            else:
                piece += char
        if piece:
            found.append((piece, False))
        if n and len(found) > start:
            found[start] = (found[start][0], True)
    # Full-width punctuation stays with the character before it (no line starts with "，").
    merged: list[tuple[str, bool]] = []
    for token, space in found:
        if merged and not space and unicodedata.category(token[0]).startswith("P"):
            merged[-1] = (merged[-1][0] + token, merged[-1][1])
        else:
            merged.append((token, space))
    return merged


def wrap_to_width(text: str, max_width: float, size: float) -> tuple[str, ...]:
    """Lines of `text` no wider than `max_width` (`text_width`), broken at spaces or between
    Chinese characters; a single word wider than that gets a line of its own."""
    lines: list[str] = []
    for token, space in _tokens(text):
        candidate = lines[-1] + (" " if space else "") + token if lines else token
        if lines and text_width(candidate, size) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(token)
    return tuple(lines) or (text,)


def label_box(label: Label) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a label's text, in chart units (an upper estimate)."""
    widths = [
        text_width(line, label.size, bold=label.strong_last and n == len(label.lines) - 1)
        for n, line in enumerate(label.lines)
    ]
    width = max(widths, default=0.0)
    if label.anchor == "end":
        left = label.x - width
    elif label.anchor == "middle":
        left = label.x - width / 2
    else:
        left = label.x
    return left, label.top, left + width, label.top + label.size * LINE_HEIGHT * len(label.lines)


def _score(result: RoundResult | None, sign_id: str) -> float | None:
    found = result.get(sign_id) if result is not None else None
    return found.score if found is not None else None


def _band_legend(q: Questionnaire, lang: str) -> list[LegendItem]:
    items, upper = [], 100.0
    for band in q.bands:
        items.append(
            LegendItem(
                f"{band.label.get(lang)} {as_written(band.min)}–{as_written(upper)}",
                swatch=band.colour,
            )
        )
        upper = band.min
    return items


# --- text alternatives -------------------------------------------------------------------


def _value_text(q: Questionnaire, found, labels: dict[str, str], *, index: bool = False) -> str:
    """A sign's score (or a round's index) as the chart writes it, in words when it has
    none: "not asked", "withheld", or a dash."""
    if found is None:
        return "–"
    if index:
        return score_text(q, found.exact_index) if found.index is not None else "–"
    if found.not_asked:
        return labels["not_asked"]
    if found.status == "withheld":
        return labels["withheld"]
    return score_text(q, found.exact_score) if found.exact_score is not None else "–"


def _bracket(lang: str, text: str) -> str:
    """ " (2026-Q4)" in English, "（2026-Q4）" in Chinese."""
    return f"（{text}）" if _lang(lang) == "zh-CN" else f" ({text})"


def _join(lang: str, parts: Sequence[str]) -> str:
    return ("，" if lang == "zh-CN" else ", ").join(parts)


def _sentence(lang: str, title: str, lead: str | None, parts: Sequence[str]) -> str:
    """The chart's text alternative: its title, then every number it shows, e.g.
    "Sign scores from 0 (lord) to 100 (partner). This round (2026-Q4): Respect 72; …"."""
    zh = _lang(lang) == "zh-CN"
    stop, colon, sep = ("。", "：", "；") if zh else (". ", ": ", "; ")
    body = sep.join(parts)
    text = f"{title}{stop}{lead}{colon}{body}" if lead else f"{title}{stop}{body}"
    return text + ("。" if zh else ".")


# --- the charts --------------------------------------------------------------------------


def radar_chart(
    questionnaire: Questionnaire,
    result: RoundResult,
    previous: RoundResult | None,
    lang: str,
    *,
    current_period: str | None = None,
    previous_period: str | None = None,
) -> Chart:
    """The signs on a 0–100 radar: this round solid and thick, the previous round dashed.

    The rings are tinted with the band colours (named in the legend); each axis is labelled
    horizontally with the sign's title and this round's score ("not asked" for a sign this
    kind of round does not ask about). Titles are wrapped to a measured width and the
    drawing is made as large as its labels need, so no label is ever cut off, whatever the
    number of signs (3 to 8 and more) or the length of their names.
    """
    q, labels = questionnaire, _labels(lang)
    radius, count, size = 126.0, len(q.signs), 12.5

    def direction(i: int) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / count
        return math.cos(angle), math.sin(angle)

    # Labels first, around a centre at (0, 0); the canvas is then fitted around them.
    placed: list[Label] = []
    for i, sign in enumerate(q.signs):
        cos, sin = direction(i)
        x, y = (radius + 10) * cos, (radius + 10) * sin
        middle = abs(cos) < 0.25
        anchor = "middle" if middle else ("start" if cos > 0 else "end")
        found = result.get(sign.id)
        if found is not None and found.not_asked:
            value = labels["not_asked"]
        elif found is not None and found.status == "withheld":  # for anonymity
            value = labels["withheld"]
        elif found is not None and found.exact_score is not None:
            value = score_text(q, found.exact_score)
        else:
            value = "–"
        lines = (*wrap_to_width(sign.title.get(lang), 190 if middle else 130, size), value)
        block = size * LINE_HEIGHT * len(lines)
        if sin < -0.5:  # above the chart: the block ends just above the tip
            top = y - block
        elif sin > 0.5:  # below: it starts just under the tip
            top = y + 2
        else:
            top = y - block / 2
        placed.append(Label(x, top, lines, size=size, anchor=anchor, strong_last=True))

    boxes = [label_box(label) for label in placed]
    boxes.append((-radius - 40, -radius - 14, radius + 12, radius + 12))  # rings, ring values
    left = min(b[0] for b in boxes) - EDGE
    right = max(b[2] for b in boxes) + EDGE
    top_edge = min(b[1] for b in boxes) - EDGE
    bottom = max(b[3] for b in boxes) + EDGE
    width = max(440, math.ceil(right - left))
    height = math.ceil(bottom - top_edge)
    cx = -left + (width - (right - left)) / 2
    cy = -top_edge
    placed = [
        Label(lb.x + cx, lb.top + cy, lb.lines, lb.size, lb.anchor, lb.strong_last) for lb in placed
    ]

    def at(i: int, value: float) -> tuple[float, float]:
        cos, sin = direction(i)
        r = radius * value / 100
        return cx + r * cos, cy + r * sin

    def ring(value: float) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in (at(i, value) for i in range(count)))

    shapes: list[str] = []
    upper = 100.0  # each band's zone reaches up to the next better band's threshold
    for band in q.bands:
        shapes.append(
            f'<polygon points="{ring(upper)}" fill="{band.colour}"'
            f' fill-opacity="{ZONE_OPACITY}" stroke="none"/>'
        )
        upper = band.min
    guides = "".join(f"M{ring(value).replace(' ', 'L')}Z" for value in (25, 50, 75, 100))
    guides += "".join(
        f"M{_n(cx)} {_n(cy)}L{_n(x)} {_n(y)}" for x, y in (at(i, 100) for i in range(count))
    )
    shapes.append(f'<path d="{guides}" fill="none" stroke="{GUIDE}" stroke-width="0.8"/>')
    for value in (25, 50, 75, 100):
        x, y = at(0, value)
        shapes.append(_text(x - 3, y - 2, value, size=9, anchor="end", fill=MUTED))

    def outline(res: RoundResult, style: Series, marker_size: float) -> None:
        points = [
            at(i, score)
            for i, sign in enumerate(q.signs)
            if (score := _score(res, sign.id)) is not None
        ]
        if points:
            shapes.append(_path(points, style, close=True))
            shapes.append(_markers(style.marker, points, style.colour, marker_size))

    if previous is not None:
        outline(previous, BEFORE, 3.4)
    outline(result, NOW, 4.2)

    now_text = labels["now"] + (_bracket(lang, current_period) if current_period else "")
    legend = [LegendItem(now_text, NOW)]
    if previous is not None:
        before_text = labels["before"] + (
            _bracket(lang, previous_period) if previous_period else ""
        )
        legend.append(LegendItem(before_text, BEFORE))
    legend.extend(_band_legend(q, lang))
    values = []
    for sign in q.signs:
        value = _value_text(q, result.get(sign.id), labels)
        if previous is not None:
            before = _value_text(q, previous.get(sign.id), labels)
            value += (
                f" ({labels['before']} {before})"
                if lang == "en"
                else f"（{labels['before']} {before}）"
            )
        values.append(f"{sign.title.get(lang)} {value}")
    return Chart(
        width,
        height,
        labels["radar"],
        _lang(lang),
        tuple(shapes),
        tuple(placed),
        tuple(legend),
        legend_columns=2,
        kind="radar",
        description=_sentence(lang, labels["radar"], now_text, values),
    )


def radar_svg(
    questionnaire: Questionnaire,
    result: RoundResult,
    previous: RoundResult | None,
    lang: str,
    *,
    current_period: str | None = None,
    previous_period: str | None = None,
) -> str:
    """The radar as one SVG document (see `radar_chart`)."""
    return radar_chart(
        questionnaire,
        result,
        previous,
        lang,
        current_period=current_period,
        previous_period=previous_period,
    ).svg()


def axis_labels(history: Sequence[tuple[str, RoundResult]], lang: str) -> list[str]:
    """The x-axis labels of rounds: their periods, with the kind where one period has two
    rounds (a kickoff and a quarterly review of 2026-Q1 are told apart)."""
    periods = [period for period, _ in history]
    return [
        round_name(period, result.kind).get(lang)
        if periods.count(period) > 1 and result.kind in KIND_LABELS
        else period
        for period, result in history
    ]


def trend_chart(
    questionnaire: Questionnaire,
    history: Sequence[tuple[str, RoundResult]],
    lang: str,
    *,
    signs: bool = True,
) -> Chart:
    """The fairness index (thick, solid, values written) and each sign (thin, its own dash
    and marker) per round, over the band zones, which are named at the right-hand edge."""
    q, labels = questionnaire, _labels(lang)
    width = 700
    left, right, top, plot_h = 34.0, 78.0, 14.0, 210.0
    plot_w = width - left - right
    height = int(top + plot_h + 26)
    periods = axis_labels(history, lang)
    count, pad = len(periods), 36.0

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / 100)

    def x_of(i: int) -> float:
        if count <= 1:
            return left + plot_w / 2
        return left + pad + (plot_w - 2 * pad) * i / (count - 1)

    shapes: list[str] = []
    upper = 100.0
    for band in q.bands:
        y1, y2 = y_of(upper), y_of(band.min)
        shapes.append(
            f'<rect x="{_n(left)}" y="{_n(y1)}" width="{_n(plot_w)}" height="{_n(y2 - y1)}"'
            f' fill="{band.colour}" fill-opacity="{ZONE_OPACITY}"/>'
            f'<rect x="{_n(left + plot_w + 3)}" y="{_n(y1 + 1)}" width="3"'
            f' height="{_n(y2 - y1 - 2)}" fill="{band.colour}"/>'
        )
        shapes.append(_text(left + plot_w + 10, (y1 + y2) / 2 + 4, band.label.get(lang), size=11))
        upper = band.min
    grid = "".join(f"M{_n(left)} {_n(y_of(v))}H{_n(left + plot_w)}" for v in (0, 25, 50, 75, 100))
    shapes.append(f'<path d="{grid}" stroke="{GUIDE}" stroke-width="0.8"/>')
    for value in (0, 25, 50, 75, 100):
        shapes.append(_text(left - 6, y_of(value) + 4, value, size=10, anchor="end", fill=MUTED))
    for i, period in enumerate(periods):
        shapes.append(_text(x_of(i), top + plot_h + 18, period, size=11, anchor="middle"))

    def points(values: Sequence[float | None]) -> list[tuple[float, float] | None]:
        return [None if v is None else (x_of(i), y_of(v)) for i, v in enumerate(values)]

    legend = [LegendItem(labels["index"], INDEX)]
    if signs:
        for n, sign in enumerate(q.signs):
            style = SERIES[n % len(SERIES)]
            pts = points([_score(res, sign.id) for _, res in history])
            changed = {i for i, (_, res) in enumerate(history) if sign.id in res.incomparable}
            shapes.append(_path(pts, style, breaks=changed))
            shapes.append(_markers(style.marker, [p for p in pts if p], style.colour, 3.4))
            legend.append(LegendItem(sign.title.get(lang), style))

    pts = points([res.index for _, res in history])
    # No line through a change of questionnaire that makes the scores not comparable.
    shapes.append(
        _path(pts, INDEX, breaks={i for i, (_, r) in enumerate(history) if r.incomparable})
    )
    shapes.append(_markers("circle", [p for p in pts if p], CURRENT, 4.6))
    for point, (_, res) in zip(pts, history, strict=True):
        if point is None or res.index is None:
            continue
        x, y = point
        value = score_text(q, res.exact_index)
        # A white plate keeps the value readable where sign lines cross it.
        shapes.append(
            f'<rect x="{_n(x - 4 - 3.6 * len(value))}" y="{_n(y - 24)}"'
            f' width="{_n(8 + 7.2 * len(value))}" height="15" rx="2" fill="#fff"'
            f' fill-opacity="0.85"/>'
        )
        shapes.append(_text(x, y - 12, value, size=12, anchor="middle", bold=True))
    lines = [
        f"{labels['index']} "
        + _join(lang, [f"{p} {_value_text(q, r, labels, index=True)}" for p, r in history])
    ]
    if signs:
        for sign in q.signs:
            per_round = [f"{p} {_value_text(q, r.get(sign.id), labels)}" for p, r in history]
            lines.append(f"{sign.title.get(lang)} " + _join(lang, per_round))
    return Chart(
        width,
        height,
        labels["trend"],
        _lang(lang),
        tuple(shapes),
        (),
        tuple(legend),
        legend_columns=3,
        kind="trend",
        description=_sentence(lang, labels["trend"], None, lines),
    )


def trend_svg(
    questionnaire: Questionnaire,
    history: Sequence[tuple[str, RoundResult]],
    lang: str,
    *,
    signs: bool = True,
) -> str:
    """The trend chart as one SVG document (see `trend_chart`)."""
    return trend_chart(questionnaire, history, lang, signs=signs).svg()
