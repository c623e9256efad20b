"""Numbers for people to read: the file's numbers as written, results rounded honestly.

Pure: standard library and the questionnaire model only; the web pages, the PDF and the
charts all format numbers through these functions.

Two rules (docs/scoring.md, "Numbers on screen and paper"):

- A number from the questionnaire file (a band's `min`, `trend_threshold`, `min_coverage`,
  `agreement_threshold`) is shown as the file wrote it: 62.5, 7.5, 60.5 %, 0.725. It is never
  rounded, so a sentence such as "a change of 7.5 points or more" is the rule itself.
- A result (a score, a coverage, an agreement, a change) is rounded for display, but never
  into a wrong statement: if the rounded figure would contradict what the engine decided
  (74.6 shown as "75" beside the band that ends below 75, a change of 4.96 shown as "+5.0"
  and called steady), more decimals are shown until the figure agrees ("74.6", "+4.96").
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from .colours import text_on
from .questionnaire import Questionnaire, exact

__all__ = [
    "MINUS",
    "as_written",
    "change_text",
    "coverage_text",
    "percent_as_written",
    "rounded",
    "rwg_text",
    "score_text",
    "template_helpers",
    "trend_text",
]

#: The minus sign used for changes ("−3.5"), as typeset text has it.
MINUS = "\u2212"
#: How many decimals more than asked `rounded` may show to keep a figure truthful.
EXTRA_DECIMALS = 12

_CONTEXT = Context(prec=60)


def _decimal(value: Fraction) -> Decimal:
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _plain(number: Decimal) -> str:
    """A decimal without exponent and without trailing zeros: 62.5, 100, 0.7."""
    text = format(number.normalize(_CONTEXT), "f")
    return "0" if text in ("-0", "0") else text


def as_written(value: float | int | Fraction) -> str:
    """A number from the questionnaire file as the file wrote it: `as_written(62.5)` is
    "62.5", `as_written(5.0)` "5", `as_written(0.725)` "0.725" (never "0.72" or "1")."""
    return _plain(_decimal(exact(value)))


def percent_as_written(share: float | int | Fraction) -> str:
    """A share from the file (0-1) as an exact percentage without the "%" sign (the templates
    add it as each language writes it): 0.605 gives "60.5", 0.5 gives "50"."""
    return _plain(_decimal(exact(share) * 100))


def _round(value: Fraction, decimals: int) -> Decimal:
    return _decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def rounded(
    value: float | Fraction,
    decimals: int = 0,
    agrees: Callable[[Fraction], bool] | None = None,
) -> str:
    """`value` rounded to `decimals` places (half to even, like "%.0f"), or with as many more
    places as needed (up to `EXTRA_DECIMALS`) for `agrees(shown)` to hold: the figure must
    not contradict the statement printed beside it."""
    x = exact(value)
    for places in range(decimals, decimals + EXTRA_DECIMALS + 1):
        shown = _round(x, places)
        if agrees is None or agrees(Fraction(shown)):
            break
    text = format(shown, "f").lstrip("-")
    return MINUS + text if shown < 0 else text


def score_text(q: Questionnaire, value: float | Fraction) -> str:
    """A 0-100 score, whole, unless that would put the figure in another band than the score:
    74.6 in the band below 75 is "74.6", not "75"; exactly 62.5 where a band starts at 62.5
    is "62.5", not "62"."""
    band = q.band_for(value).id
    return rounded(value, 0, lambda shown: q.band_for(shown).id == band)


def coverage_text(q: Questionnaire, answered: int, possible: int) -> str:
    """Coverage as a whole percentage (no "%" sign), unless rounding would move it across
    the file's `min_coverage`: 59.6 % where 60 % are needed is "59.6"."""
    if not possible:
        return "0"
    share = Fraction(answered, possible)
    enough = share >= q.settings.exact_min_coverage
    limit = q.settings.exact_min_coverage * 100
    return rounded(share * 100, 0, lambda shown: (shown >= limit) == enough)


def rwg_text(q: Questionnaire, rwg: float, raters_disagree: bool | None) -> str:
    """Agreement with two decimals, unless that would contradict "raters disagree" (below the
    file's `agreement_threshold`) or "agree"."""
    threshold = q.settings.exact_agreement_threshold
    if raters_disagree is None:
        return rounded(rwg, 2)
    return rounded(rwg, 2, lambda shown: (shown < threshold) == raters_disagree)


def change_text(
    change: float | Fraction, threshold: float | Fraction | None = None, direction: str = ""
) -> str:
    """A change in points, one decimal, always signed ("+2.5", "−3.0", "0.0"), and never
    contradicting its `direction` against `threshold` (up: at least the threshold; down: at
    most minus the threshold; steady: in between; "" checks nothing)."""
    if threshold is None or not direction:
        agrees = None
    else:
        limit = exact(threshold)
        checks = {
            "up": lambda shown: shown >= limit,
            "down": lambda shown: shown <= -limit,
            "steady": lambda shown: -limit < shown < limit,
            "below": lambda shown: shown < limit,
        }
        agrees = checks[direction]
    text = rounded(change, 1, agrees)
    if text.startswith(MINUS) or not text.strip("0."):
        return text  # negative, or zero: "0.0" has no sign
    return "+" + text


def gap_text(q: Questionnaire, gap: float | Fraction, flagged: bool) -> str:
    """A perception gap in points, whole and signed ("+68", "−12", "0"), with a decimal
    more wherever rounding would contradict the flag (33.2 below a threshold of 33⅓ is
    not "+33" flagged nor is 33.4 "+33" unflagged)."""
    limit = q.settings.exact_gap_threshold
    text = rounded(gap, 0, lambda shown: (abs(shown) >= limit) == flagged)
    if text.startswith(MINUS) or not text.strip("0."):
        return text
    return "+" + text


def threshold_text(value: float | Fraction) -> str:
    """A threshold in points: whole if it is whole, else one decimal (a third of the scale
    is "33.3", so that a gap shown as "+33" is plainly below it)."""
    text = rounded(value, 1)
    return text[:-2] if text.endswith(".0") else text


def trend_text(trend, threshold: float | Fraction) -> str:
    """A trend's change (`scoring.Trend`), agreeing with its direction (`change_text`)."""
    return change_text(trend.delta, threshold, trend.direction)


def template_helpers() -> dict:
    """The functions the templates (web pages and PDF) format numbers and badges with."""
    return {
        "as_written": as_written,
        "percent_as_written": percent_as_written,
        "score_text": score_text,
        "coverage_text": coverage_text,
        "rwg_text": rwg_text,
        "change_text": change_text,
        "trend_text": trend_text,
        "gap_text": gap_text,
        "threshold_text": threshold_text,
        "band_text": text_on,
    }
