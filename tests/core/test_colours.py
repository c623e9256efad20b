"""Band badges: the text colour is computed from the band's colour, and always readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.colours import (
    BLACK,
    MIN_CONTRAST,
    WHITE,
    contrast_ratio,
    relative_luminance,
    text_on,
)
from assessment.questionnaire import load_directory

QUESTIONS = Path(__file__).resolve().parent.parent.parent / "questions"
SHIPPED = [
    (q.id, band.id, band.colour) for q in load_directory(QUESTIONS).values() for band in q.bands
]


def test_wcag_figures():
    assert relative_luminance(BLACK) == 0 and relative_luminance(WHITE) == 1
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21)
    assert contrast_ratio("#777777", WHITE) == pytest.approx(4.48, abs=0.01)
    with pytest.raises(ValueError):
        relative_luminance("red")


@pytest.mark.parametrize(("questionnaire", "band", "colour"), SHIPPED)
def test_every_shipped_band_badge_is_readable(questionnaire, band, colour):
    assert contrast_ratio(text_on(colour), colour) >= MIN_CONTRAST


def test_the_shipped_watch_and_at_risk_colours_need_black_text():
    # White on them, as the portfolio showed them, fails WCAG AA.
    for _, band, colour in SHIPPED:
        if band in ("watch", "at-risk"):
            assert contrast_ratio(WHITE, colour) < MIN_CONTRAST
            assert text_on(colour) == BLACK


@given(st.integers(0, 0xFFFFFF))
def test_any_colour_gets_readable_text(value):
    colour = f"#{value:06x}"
    assert contrast_ratio(text_on(colour), colour) >= MIN_CONTRAST
