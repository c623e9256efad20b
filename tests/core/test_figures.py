"""Numbers for people: the file's numbers as written, results never rounded into a lie."""

from __future__ import annotations

from fractions import Fraction

import pytest
from factories import likert
from factories import questionnaire as make_questionnaire
from factories import sign as make_sign
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.figures import (
    as_written,
    change_text,
    coverage_text,
    percent_as_written,
    rounded,
    rwg_text,
    score_text,
)

BANDS = (("high", 75.0, "#2e7d32"), ("mid", 62.5, "#f9a825"), ("low", 0.0, "#c62828"))
Q = make_questionnaire(
    [make_sign("s", [likert("i")], bands=BANDS)],
    bands=BANDS,
    settings={"min_coverage": 0.605, "agreement_threshold": 0.725, "trend_threshold": 7.5},
)
ROUND_LIMITS = make_questionnaire(
    [make_sign("s", [likert("i")])], settings={"min_coverage": 0.6, "agreement_threshold": 0.7}
)


@pytest.mark.parametrize(
    ("value", "text"),
    [(62.5, "62.5"), (7.5, "7.5"), (5.0, "5"), (0.725, "0.725"), (100, "100"), (1e-7, "0.0000001")],
)
def test_as_written(value, text):
    assert as_written(value) == text


@pytest.mark.parametrize(
    ("share", "text"), [(0.605, "60.5"), (0.5, "50"), (0.575, "57.5"), (1.0, "100"), (0.07, "7")]
)
def test_percent_as_written_is_exact(share, text):
    # 0.575 × 100 is 57.49999999999999 in floats; "%.0f" made it 57.
    assert percent_as_written(share) == text


def test_scores_are_whole_unless_that_changes_the_band():
    assert score_text(Q, 80.4) == "80"
    assert score_text(Q, 62.4) == "62"
    assert score_text(Q, 62.6) == "63"
    assert score_text(Q, 62.5) == "62.5"  # exactly the minimum: "62" would say low
    assert score_text(Q, 74.6) == "74.6"  # "75" beside "mid", which ends below 75
    assert score_text(Q, 74.96) == "74.96"  # "75.0" would still say high
    assert score_text(Q, Fraction(74999999, 1000000)) == "74.999999"
    assert score_text(Q, 75) == "75"


def test_coverage_never_rounds_across_the_minimum():
    # min_coverage 0.605: 60 of 100 answers is below it, 121 of 200 exactly at it.
    assert coverage_text(Q, 60, 100) == "60"
    assert coverage_text(Q, 121, 200) == "60.5"  # "60" would read as too little
    assert coverage_text(Q, 0, 0) == "0"
    # min_coverage 0.6: 119 of 200 is 59.5 %, too little; "60" would read as enough.
    assert coverage_text(ROUND_LIMITS, 119, 200) == "59.5"
    assert coverage_text(ROUND_LIMITS, 3, 5) == "60"


def test_agreement_never_rounds_across_the_threshold():
    assert rwg_text(Q, 0.725, False) == "0.725"  # "0.72" would be below the threshold
    assert rwg_text(Q, 0.7249, True) == "0.72"
    assert rwg_text(ROUND_LIMITS, 0.6951, True) == "0.695"  # not "0.70" beside "disagree"
    assert rwg_text(Q, 0.91, False) == "0.91"
    assert rwg_text(Q, 0.1, None) == "0.10"


@pytest.mark.parametrize(
    ("change", "direction", "text"),
    [
        (7.46, "steady", "+7.46"),  # "+7.5" would contradict "steady" at a threshold of 7.5
        (7.5, "up", "+7.5"),
        (-7.5, "down", "−7.5"),
        (-7.46, "steady", "−7.46"),
        (2.04, "steady", "+2.0"),
        (-0.04, "steady", "0.0"),
    ],
)
def test_changes_agree_with_their_direction(change, direction, text):
    assert change_text(change, 7.5, direction) == text


@settings(max_examples=200, deadline=None)
@given(st.fractions(0, 100), st.integers(0, 2))
def test_rounded_always_agrees_when_it_can(value, decimals):
    minimum = Fraction(125, 2)
    shown = rounded(value, decimals, lambda v: (v >= minimum) == (value >= minimum))
    assert (Fraction(shown) >= minimum) == (value >= minimum)
    assert abs(Fraction(shown) - value) <= Fraction(1, 2 * 10**decimals)
