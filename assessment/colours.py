"""Band colours and the text written on them: WCAG 2 contrast, computed from the colour.

A band's colour comes from the questionnaire file, so the text on a band badge cannot be
chosen by hand: it is black or white, whichever contrasts more with the colour. One of the
two always reaches at least 4.58:1 (the WCAG AA minimum for normal text is 4.5:1), whatever
the colour. Pure: the web pages, the PDF and the charts all use these functions.
"""

from __future__ import annotations

import re

__all__ = ["BLACK", "MIN_CONTRAST", "WHITE", "contrast_ratio", "relative_luminance", "text_on"]

BLACK = "#000000"
WHITE = "#ffffff"
#: WCAG 2.x level AA for normal text.
MIN_CONTRAST = 4.5

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour, 0 (black) to 1 (white)."""
    if not _HEX.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")

    def channel(start: int) -> float:
        c = int(colour[start : start + 2], 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(colour: str) -> str:
    """Black or white text for a #rrggbb background: whichever contrasts more."""
    if contrast_ratio(BLACK, colour) >= contrast_ratio(WHITE, colour):
        return BLACK
    return WHITE
