"""Automatic reminders (assessment.jobs.reminders): when, to whom, never twice a day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from smtp_helpers import mail_app

from assessment.db import get_db
from assessment.jobs import reminders
from assessment.jobs.mail import deliver_due
from assessment.mail import kinds
from assessment.questionnaire import load_directory
from assessment.store import audit, clients, deadlines, outbox, respondents, responses, rounds

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def app(tmp_path, template_database, smtp):
    return mail_app(
        tmp_path,
        template_database,
        **smtp.config(),
        TIMEZONE="Asia/Shanghai",
        REMINDER_DAYS=3,
        REMINDER_HOUR=9,
    )


def at(text: str) -> datetime:
    """A moment in Shanghai (the instance's time zone here)."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def team(app):
    """A round due 2030-03-10 with Ann (submitted), Bob (a draft), Cy (invited), Dee (no
    email) and Eve (a refused address)."""
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name="Acme")
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2030-Q1",
            questionnaire=q,
            due_date="2030-03-10",
        )
        people = {
            name: respondents.add_respondent(
                db, current.id, name=name, email=email and f"{email}@example.com", language="en"
            )
            for name, email in (
                ("Ann", "ann"),
                ("Bob", "bob"),
                ("Cy", "cy"),
                ("Dee", None),
                ("Eve", "eve"),
            )
        }
        answers = {i.id: 4 for i in current.questionnaire.items() if hasattr(i, "scale")}
        responses.save_response(db, people["Ann"].id, answers, {}, submit=True)
        responses.save_response(db, people["Bob"].id, answers, {}, submit=False)
        outbox.set_address_refused(db, people["Eve"].id, "the mail server refused the address: 550")
    return current, people


def run(app, moment: datetime) -> int:
    with app.app_context():
        return reminders.send_due_reminders(get_db(), app.config, now=moment)


def reminded(app, current) -> list[tuple[str, str]]:
    with app.app_context():
        db = get_db()
        names = {p.id: p.name for p in respondents.list_respondents(db, current.id)}
        return sorted(
            (names[m.respondent_id], m.key.rpartition(":")[2])
            for m in outbox.for_round(db, current.id)
            if m.kind == "reminder"
        )


def test_the_reminder_goes_out_days_before_the_due_date_from_the_reminder_hour(app, team):
    current, _people = team
    assert run(app, at("2030-03-06T23:00")) == 0  # four days before
    assert run(app, at("2030-03-07T08:59")) == 0  # the day, but before 9:00 in Shanghai
    assert run(app, at("2030-03-07T09:00")) == 2
    assert reminded(app, current) == [("Bob", "2030-03-07"), ("Cy", "2030-03-07")]
    # Never twice: not later that day, nor on the next days of the same window.
    assert run(app, at("2030-03-07T18:00")) == 0
    assert run(app, at("2030-03-09T10:00")) == 0
    assert run(app, at("2030-03-11T10:00")) == 0  # after the due date: nothing
    with app.app_context():
        (entry,) = [e for e in audit.entries(get_db()) if e.action == "mail.reminders_queued"]
    assert entry.actor == "worker (reminders)" and entry.details["count"] == 2


def test_the_days_are_the_instances_not_utc(app, team):
    current, _people = team
    # 2030-03-07 01:30 UTC is 09:30 in Shanghai: due.
    assert run(app, datetime(2030, 3, 7, 1, 30, tzinfo=ZoneInfo("UTC"))) == 2
    assert {day for _name, day in reminded(app, current)} == {"2030-03-07"}


def test_a_worker_that_was_down_catches_up_later_in_the_window(app, team):
    current, _people = team
    assert run(app, at("2030-03-09T15:00")) == 2
    assert {day for _name, day in reminded(app, current)} == {"2030-03-09"}


def test_someone_with_a_draft_is_reminded_again_on_the_due_date(app, team):
    """The last day before the round closes: Bob (a draft) is reminded once more, even
    though reminded in the window; Cy (nothing saved) is not reminded twice."""
    current, _people = team
    assert run(app, at("2030-03-07T09:00")) == 2
    assert run(app, at("2030-03-10T08:00")) == 0  # before the reminder hour
    assert run(app, at("2030-03-10T09:30")) == 1
    assert run(app, at("2030-03-10T20:00")) == 0  # never twice a day
    assert reminded(app, current) == [
        ("Bob", "2030-03-07"),
        ("Bob", "2030-03-10"),
        ("Cy", "2030-03-07"),
    ]


def test_a_reminder_whose_day_has_passed_is_shown_and_sent_today(app, team):
    """Due 2030-03-10, three days before: seen on the 9th, the reminder is that day,
    never the 7th; after the due date there is none to come."""
    current, _people = team
    with app.app_context():
        assert reminders.next_reminder_day(current, app.config, at("2030-03-01T10:00")) == (
            datetime(2030, 3, 7).date()
        )
        shown = reminders.next_reminder_day(current, app.config, at("2030-03-09T10:00"))
        assert shown == datetime(2030, 3, 9).date()
        assert reminders.next_reminder_day(current, app.config, at("2030-03-11T10:00")) is None
    assert run(app, at("2030-03-09T10:00")) == 2
    assert {day for _name, day in reminded(app, current)} == {"2030-03-09"}


def test_remind_now_counts_as_the_windows_reminder(app, team):
    current, _people = team
    with app.app_context():
        db = get_db()
        done = reminders.remind_now(
            db, current, by="lead@example.com", config=app.config, now=at("2030-03-08T11:00")
        )
    assert (len(done.queued), done.no_email, done.refused) == (2, 1, 1)
    assert run(app, at("2030-03-08T12:00")) == 0
    assert run(app, at("2030-03-09T12:00")) == 0


def test_an_extended_due_date_opens_a_new_window(app, team):
    current, _people = team
    assert run(app, at("2030-03-07T09:00")) == 2
    with app.app_context():
        current = deadlines.set_schedule(
            get_db(), current.id, due_date="2030-03-20", reminder_days=None
        )
    assert run(app, at("2030-03-10T10:00")) == 0  # too early for the new window
    assert run(app, at("2030-03-17T10:00")) == 2
    assert [day for name, day in reminded(app, current) if name == "Cy"] == [
        "2030-03-07",
        "2030-03-17",
    ]


def test_a_round_can_turn_its_reminder_off_or_move_it(app, team):
    current, _people = team
    with app.app_context():
        deadlines.set_schedule(get_db(), current.id, due_date="2030-03-10", reminder_days=0)
    assert run(app, at("2030-03-07T09:00")) == 0
    assert run(app, at("2030-03-10T09:00")) == 0
    with app.app_context():
        deadlines.set_schedule(get_db(), current.id, due_date="2030-03-10", reminder_days=1)
    assert run(app, at("2030-03-08T09:00")) == 0
    assert run(app, at("2030-03-09T09:00")) == 2


def test_nobody_invited_today_is_reminded_today(app, team):
    current, people = team
    with app.app_context():
        db = get_db()
        kinds.queue_invitations(db, current, [people["Cy"]], by="lead@example.com")
        from assessment import clock

        today = clock.local_today(app.config)
        deadlines.set_schedule(db, current.id, due_date=today.isoformat(), reminder_days=3)
    now = datetime.now(SHANGHAI).replace(hour=23, minute=0)
    assert run(app, now) == 1
    assert [name for name, _day in reminded(app, current)] == ["Bob"]


def test_reminders_only_reach_those_who_have_not_submitted_with_the_right_words(app, team, smtp):
    current, people = team
    # Someone submits after the reminder is queued, before it is sent: it is not sent.
    run(app, at("2030-03-07T09:00"))
    with app.app_context():
        db = get_db()
        answers = {i.id: 4 for i in current.questionnaire.items() if hasattr(i, "scale")}
        responses.save_response(db, people["Cy"].id, answers, {}, submit=True)
        done = deliver_due(app, db)
    assert (done.sent, done.cancelled) == (1, 1)
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["bob@example.com"]
    assert (
        mail.subject.strip()
        == "Acme · 2030-Q1 · Quarterly review: you have a draft, please submit it"
    )
    assert "You have a draft for the review round of Acme" in mail.text()
    assert "Answers are due by Sunday, March 10, 2030" in mail.text()
