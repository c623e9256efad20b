"""The review calendar's dates (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from assessment.review_calendar import CADENCES, Quarter, next_review, quarter_of_round


def test_quarters():
    assert Quarter.of(date(2026, 11, 28)) == Quarter(2026, 4)
    assert Quarter.of(date(2026, 1, 1)) == Quarter(2026, 1)
    assert Quarter(2026, 4).plus(1) == Quarter(2027, 1)
    assert Quarter(2026, 3).plus(6) == Quarter(2028, 1)
    assert Quarter(2026, 4).starts == date(2026, 10, 1)
    assert Quarter(2027, 2).label == "2027-Q2"
    assert Quarter.parse("2026-q3") == Quarter.parse(" 2026 - Q3 ") == Quarter(2026, 3)
    assert Quarter.parse("2026-Q5") is None and Quarter.parse("2026-第四季度") is None


def test_a_round_without_a_quarter_label_counts_by_its_creation():
    assert quarter_of_round("2026-Q2", "2026-11-01T10:00:00+00:00") == Quarter(2026, 2)
    assert quarter_of_round("2026-第四季度", "2026-11-01T10:00:00+00:00") == Quarter(2026, 4)


@pytest.mark.parametrize(
    ("cadence", "last", "today", "period", "due"),
    [
        ("quarterly", "2026-Q4", date(2026, 11, 28), "2027-Q1", date(2027, 1, 1)),
        ("half-yearly", "2026-Q2", date(2026, 8, 1), "2026-Q4", date(2026, 10, 1)),
        ("yearly", "2026-Q4", date(2026, 12, 1), "2027-Q4", date(2027, 10, 1)),
        # Overdue by several steps: due once, in today's quarter (a past day: overdue).
        ("quarterly", "2025-Q3", date(2026, 11, 28), "2026-Q4", date(2026, 10, 1)),
        ("half-yearly", "2026-Q1", date(2026, 9, 30), "2026-Q3", date(2026, 7, 1)),
    ],
)
def test_next_review(cadence, last, today, period, due):
    review = next_review(cadence, archived=False, last_review=Quarter.parse(last), today=today)
    assert (review.period, review.due) == (period, due)
    assert review.is_due(due) and not review.is_due(date.fromordinal(due.toordinal() - 1))


def test_no_review_when_off_archived_or_never_reviewed():
    today, last = date(2026, 11, 28), Quarter(2026, 3)
    assert next_review("off", archived=False, last_review=last, today=today) is None
    for cadence in CADENCES:
        assert next_review(cadence, archived=True, last_review=last, today=today) is None
        assert next_review(cadence, archived=False, last_review=None, today=today) is None
    with pytest.raises(ValueError, match="monthly"):
        next_review("monthly", archived=False, last_review=last, today=today)
