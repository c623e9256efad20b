"""Reminders: who gets one, and when.

The automatic reminder goes out once per due date, ``reminder_days`` days before it (the
round's own number, else the ``REMINDER_DAYS`` setting; 0 turns them off), from
``REMINDER_HOUR`` in the instance's time zone, to everyone with an email who has not
submitted. Someone who had a reminder since that day (a lead's *Remind now*) or an
invitation today gets none; a worker that was down catches up later the same window. A
due date moved so that the reminder's day has passed brings the reminder forward to
today (``next_reminder_day``, what the round page shows), never to a day gone by. On the
due date itself, the last day before the round closes, everyone with a draft not
submitted is reminded once more, even if reminded since.
A lead's *Remind now* reminds everyone who has not submitted at once. Nobody ever gets
two reminders on one day: the outbox slot is the person and the day (``mail.kinds``).
An address the mail server refused gets no more reminders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from .. import clock
from ..mail import kinds
from ..sqlite import transaction
from ..store import audit, deadlines, outbox, respondents, rounds

WORKER = "worker (reminders)"


def days_before(current: rounds.Round, config: Mapping) -> int:
    return config["REMINDER_DAYS"] if current.reminder_days is None else current.reminder_days


def reminder_day(current: rounds.Round, config: Mapping) -> date | None:
    """The day the automatic reminder is due, or None (no due date, or turned off)."""
    due = clock.parse_day(current.due_date)
    days = days_before(current, config)
    if due is None or days <= 0:
        return None
    return due - timedelta(days=days)


def next_reminder_day(
    current: rounds.Round, config: Mapping, now: datetime | None = None
) -> date | None:
    """The day the automatic reminder goes out as the round page tells it: its day, or
    today when that day has passed but the due date has not (the worker catches up the
    same day); None when there is none to come."""
    start = reminder_day(current, config)
    if start is None or not current.is_open:
        return None
    today = clock.local_today(config, now)
    if today > clock.parse_day(current.due_date):
        return None
    return max(start, today)


@dataclass(frozen=True)
class Reminded:
    """What a reminding did: who was reminded, and who was not and why."""

    queued: list[int]  # outbox ids
    already_today: int = 0
    no_email: int = 0
    refused: int = 0


def _pending(db: Database, current: rounds.Round):
    """The round's people who have not submitted, split by whether they can be mailed."""
    refused = outbox.refused_addresses(db, current.id)
    people, no_email, refused_count = [], 0, 0
    for person in respondents.list_respondents(db, current.id):
        if person.status == "submitted":
            continue
        if not person.email:
            no_email += 1
        elif person.id in refused:
            refused_count += 1
        else:
            people.append(person)
    return people, no_email, refused_count


def remind_now(
    db: Database, current: rounds.Round, *, by: str, config: Mapping, now: datetime | None = None
) -> Reminded:
    """A lead's *Remind now*: a reminder to everyone who has not submitted and was not
    reminded today. Call inside the transaction that records who asked."""
    today = clock.local_today(config, now)
    people, no_email, refused = _pending(db, current)
    with transaction(db, write=True):
        queued = kinds.queue_reminders(db, current, people, by=by, day=today)
    return Reminded(queued, len(people) - len(queued), no_email, refused)


def send_due_reminders(db: Database, config: Mapping, now: datetime | None = None) -> int:
    """Queue every automatic reminder due now; returns how many (the worker's task)."""
    local = clock.local_now(config, now)
    if local.hour < config["REMINDER_HOUR"]:
        return 0
    today = local.date()
    total = 0
    for round_id in deadlines.open_with_due_date(db):
        current = rounds.get_round(db, round_id)
        start = reminder_day(current, config)
        if start is None or not start <= today <= clock.parse_day(current.due_date):
            continue
        with transaction(db, write=True):  # the reminders and their audit entry, or neither
            people = _due_people(db, current, start, today, config)
            queued = kinds.queue_reminders(db, current, people, by=WORKER, day=today)
            if queued:
                audit.record(
                    db,
                    user_id=None,
                    actor=WORKER,
                    action="mail.reminders_queued",
                    object_type="round",
                    object_id=current.id,
                    details={
                        "client": current.client_name,
                        "period": current.period,
                        "count": len(queued),
                        "automatic": True,
                    },
                )
        total += len(queued)
    return total


def _due_people(db, current, start: date, today: date, config) -> list[respondents.Respondent]:
    """Those still due the automatic reminder: not reminded since ``start``, not invited
    today; on the due date also everyone with a draft (not reminded today: the outbox
    slot is the person and the day)."""
    people, _no_email, _refused = _pending(db, current)
    last_day = today == clock.parse_day(current.due_date)
    done = set()
    for message in outbox.for_round(db, current.id):
        if message.respondent_id is None or message.status == "cancelled":
            continue
        if message.kind == "reminder":
            day = date.fromisoformat(message.key.rpartition(":")[2])  # its slot's day
            if day >= start:
                done.add(message.respondent_id)
        elif (
            message.kind == "invitation" and clock.local_day_of(config, message.created_at) == today
        ):
            done.add(message.respondent_id)
    return [
        person
        for person in people
        if person.id not in done or (last_day and person.status == "draft")
    ]
