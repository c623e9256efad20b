"""The review calendar: when each client's next periodic review is due (pure: dates only).

A client is reviewed on a **cadence**: every quarter (the default), every half year, every
year, or never (``off``: no round is opened for it and the portfolio shows no date).
Reviews fall on calendar quarters and are labelled like the rounds a lead creates by
hand (``2026-Q4``): a half-yearly client reviewed in 2026-Q2 is next due in 2026-Q4, on
1 October 2026. An archived client is never due, whatever its cadence.

The last review is the client's latest kickoff or periodic (``quarterly``) round; ad hoc
rounds do not move the calendar. Its period label gives its quarter; a label that names
none (``2026-第四季度``) counts as the quarter the round was created in. A client with
no review yet has no date: it starts with a kickoff. A review overdue for more than one
step of the cadence is due once, now: the calendar never asks for the quarters that were
missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "CADENCES",
    "DEFAULT_CADENCE",
    "Quarter",
    "Review",
    "next_review",
    "quarter_of_round",
]

#: Cadence → quarters from one review to the next (``off``: none).
STEPS: dict[str, int | None] = {"quarterly": 1, "half-yearly": 2, "yearly": 4, "off": None}
CADENCES = tuple(STEPS)
DEFAULT_CADENCE = "quarterly"
#: Kinds of round that count as a review (ad hoc rounds do not move the calendar).
REVIEW_KINDS = ("kickoff", "quarterly")
#: The kind of round the calendar opens.
REVIEW_KIND = "quarterly"

_LABEL = re.compile(r"^\s*(\d{4})\s*-\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: ``Quarter(2026, 4)`` is October to December 2026, "2026-Q4"."""

    year: int
    number: int  # 1–4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, label: str) -> Quarter | None:
        """The quarter a period label names (``2026-Q4``, ``2026-q4``), else None."""
        match = _LABEL.match(label)
        return cls(int(match[1]), int(match[2])) if match else None

    def plus(self, quarters: int) -> Quarter:
        n = self.year * 4 + self.number - 1 + quarters
        return Quarter(n // 4, n % 4 + 1)

    @property
    def starts(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"


@dataclass(frozen=True)
class Review:
    """The next review of a client: the quarter it belongs to and the day it is due (the
    quarter's first day, or today's quarter's when it is overdue)."""

    quarter: Quarter
    due: date

    @property
    def period(self) -> str:
        return self.quarter.label

    def is_due(self, today: date) -> bool:
        """Whether the round should be open by ``today``."""
        return self.due <= today


def quarter_of_round(period: str, created_at: str | date) -> Quarter:
    """The quarter a review round belongs to: its period label's, else its creation's."""
    named = Quarter.parse(period)
    if named:
        return named
    day = created_at if isinstance(created_at, date) else date.fromisoformat(created_at[:10])
    return Quarter.of(day)


def next_review(
    cadence: str, *, archived: bool, last_review: Quarter | None, today: date
) -> Review | None:
    """When the client's next review is due, or None: cadence ``off``, archived, or no
    review yet (a client starts with a kickoff, which the lead creates: it names the
    team the calendar invites again). A review more than one step overdue is due in
    today's quarter (the missed ones are not asked for)."""
    if cadence not in STEPS:
        raise ValueError(f"unknown review cadence {cadence!r}: one of {', '.join(CADENCES)}")
    step = STEPS[cadence]
    if step is None or archived or last_review is None:
        return None
    now = Quarter.of(today)
    following = last_review.plus(step)
    if following < now:
        following = now
    return Review(following, following.starts)
