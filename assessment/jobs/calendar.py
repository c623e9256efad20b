"""The review calendar in the worker: opening the reviews that are due, with their mail.

Runs every hour (``tasks.open_scheduled_reviews``): a period starts at midnight in the
instance's time zone (``TIMEZONE``), so a review opens within the hour its period starts,
and a worker that was down catches up when it starts again. What is opened, and why,
is ``review_rounds``; this adds the app's settings (questionnaires, floors, today) and the
invitations of clients that send them at once.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlite_utils import Database

from .. import clock
from ..library import available
from ..mail import kinds
from ..review_rounds import ACTOR, open_due_reviews
from ..store import respondents, rounds


def open_due(app: Flask, db: Database, *, now: datetime | None = None) -> list[rounds.Round]:
    """Open every review due by today (in ``TIMEZONE``); the rounds opened."""
    config = app.config

    def invite(current: rounds.Round, people: list[respondents.Respondent]) -> None:
        kinds.queue_invitations(db, current, people, by=ACTOR)

    return open_due_reviews(
        db,
        available(db, config["QUESTIONS_DIR"], app.instance_path).questionnaires,
        today=clock.local_today(config, now),
        floor=config["ANONYMITY_FLOOR"],
        text_floor=config["ANONYMITY_TEXT_FLOOR"],
        invite=invite,
    )
