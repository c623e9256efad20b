"""The review calendar in the worker (jobs/calendar.py): at the start of a period, in the
instance's time zone, the next reviews open; invitations go to a real SMTP server on
127.0.0.1 at once for clients that chose it, and after the lead's confirmation for the
others. Tasks run in Huey's immediate mode; the clock is frozen by passing ``now``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import AuthActions, csrf_token
from smtp_helpers import mail_app

from assessment.db import get_db
from assessment.jobs import calendar
from assessment.jobs.mail import deliver_due
from assessment.questionnaire import load_directory
from assessment.store import clients, respondents, rounds

# Midnight of 1 January 2027 in Shanghai is 16:00 on 31 December in UTC.
BEFORE = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
AFTER = datetime(2026, 12, 31, 16, 1, tzinfo=UTC)


@pytest.fixture
def app(tmp_path, template_database, smtp):
    return mail_app(tmp_path, template_database, **smtp.config(), TIMEZONE="Asia/Shanghai")


def _reviewed(app, name: str, *, auto_send: bool) -> rounds.Round:
    """A client reviewed in 2026-Q4 by two people with an email and one without."""
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name=name)
        clients.set_review_calendar(db, client.id, cadence="quarterly", auto_send=auto_send)
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        current = rounds.create_round(
            db, client_id=client.id, kind="quarterly", period="2026-Q4", questionnaire=q
        )
        slug = name.split()[0].lower()
        for person, email in (("李娜", f"li@{slug}.example"), ("Bo", f"bo@{slug}.example")):
            respondents.add_respondent(db, current.id, name=person, email=email, role="delivery")
        respondents.add_respondent(db, current.id, name="No Mail", role="finance")
        return current


def test_the_next_review_opens_at_midnight_local_time_and_invites(app, smtp):
    _reviewed(app, "Auto Co", auto_send=True)
    held = _reviewed(app, "Held Ltd", auto_send=False)
    with app.app_context():
        db = get_db()
        assert calendar.open_due(app, db, now=BEFORE) == []
        opened = {r.client_name: r for r in calendar.open_due(app, db, now=AFTER)}
        assert sorted(opened) == ["Auto Co", "Held Ltd"]
        assert {r.period for r in opened.values()} == {"2027-Q1"}
        assert calendar.open_due(app, db, now=AFTER) == []  # the next run: nothing more
        deliver_due(app, db)
    received = smtp.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == ["bo@auto.example", "li@auto.example"]
    [li] = smtp.recorder.to("li@auto.example")
    assert "李娜" in str(li.message["To"]) and "Auto Co" in li.text()
    new_link = respondents.list_respondents
    with app.app_context():
        token = next(p.token for p in new_link(get_db(), opened["Auto Co"].id) if p.name == "李娜")
    assert f"/r/{token}" in li.text()  # the new round's link, not the old one

    # Held Ltd's lead checks the team, removes nobody, confirms: now its mail goes out.
    client = app.test_client()
    AuthActions(client).login("lead")
    url = f"/rounds/{opened['Held Ltd'].id}"
    assert "Opened by the review calendar." in client.get(url).get_data(as_text=True)
    assert len(smtp.received) == 2
    client.post(f"{url}/invitations/confirm", data={"csrf_token": csrf_token(client, url)})
    received = smtp.wait_for(4)
    assert sorted(r.rcpt_tos[0] for r in received[2:]) == ["bo@held.example", "li@held.example"]
    assert held.id != opened["Held Ltd"].id


def test_held_rounds_send_nothing_when_the_lead_adds_someone(app, smtp):
    _reviewed(app, "Held Ltd", auto_send=False)
    with app.app_context():
        [opened] = calendar.open_due(app, get_db(), now=AFTER)
    client = app.test_client()
    AuthActions(client).login("lead")
    url = f"/rounds/{opened.id}"
    added = client.post(
        f"{url}/respondents",
        data={
            "name": "Newcomer",
            "email": "new@held.example",
            "role": "delivery",
            "csrf_token": csrf_token(client, url),
        },
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    page = added.get_data(as_text=True)
    assert "Newcomer added. Their invitation goes out when you confirm the respondents." in page
    assert "Send them their personal link" not in page
    with app.app_context():
        deliver_due(app, get_db())
        names = [p.name for p in respondents.list_respondents(get_db(), opened.id)]
    assert "Newcomer" in names and smtp.received == []
    client.post(f"{url}/invitations/confirm", data={"csrf_token": csrf_token(client, url)})
    received = smtp.wait_for(3)
    assert sorted(r.rcpt_tos[0] for r in received) == [
        "bo@held.example",
        "li@held.example",
        "new@held.example",
    ]
