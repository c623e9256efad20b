"""Due dates (assessment.jobs.deadlines): a round closes itself when its day is over."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import AuthActions, csrf_token
from smtp_helpers import mail_app

from assessment import results
from assessment.db import get_db
from assessment.jobs import deadlines
from assessment.jobs.mail import deliver_due
from assessment.questionnaire import load_directory
from assessment.store import audit, clients, respondents, responses, rounds, users

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def app(tmp_path, template_database, smtp):
    return mail_app(tmp_path, template_database, **smtp.config(), TIMEZONE="Asia/Shanghai")


def make_round(
    app,
    *,
    submitted: int,
    due="2030-03-10",
    anonymous=True,
    client="Acme",
    contacts: int = 0,
    contacts_submitted: int = 0,
    client_floor: int = 2,
):
    """A round of six-signs with ``submitted`` of ``submitted + 1`` team members having
    submitted, and ``contacts_submitted`` of ``contacts`` client contacts."""
    with app.app_context():
        db = get_db()
        lead = users.find_by_email(db, "lead@example.com")
        client = clients.create_client(db, name=client, lead_id=lead.id)
        found = load_directory(app.config["QUESTIONS_DIR"])
        q, mirror = found["six-signs"], found["six-signs-client"]
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2030-Q1",
            questionnaire=q,
            due_date=due,
            anonymous=anonymous,
            mirror=mirror if contacts else None,
            client_floor=client_floor,
        )
        for n in range(submitted + 1):
            person = respondents.add_respondent(db, current.id, name=f"P{n}", role="delivery")
            if n < submitted:
                answers = {i.id: 2 + n % 3 for i in q.items() if hasattr(i, "scale")}
                responses.save_response(db, person.id, answers, {}, submit=True)
        theirs = {i.id: 4 for i in mirror.items() if i.type == "likert"}
        for n in range(contacts):
            person = respondents.add_respondent(
                db, current.id, name=f"C{n}", side="client", client_role="owner"
            )
            if n < contacts_submitted:
                responses.save_response(db, person.id, theirs, {}, submit=True)
    return current


def closed_notice(client) -> str:
    """The home page's list of rounds that closed on their due date."""
    home = client.get("/").get_data(as_text=True)
    start = home.find('data-testid="closed-on-due-date"')
    return home[start : home.index("</section>", start)] if start >= 0 else ""


def close_due(app, moment: datetime) -> list[int]:
    with app.app_context():
        return deadlines.close_past_due(get_db(), app.config, now=moment)


def test_a_round_closes_when_its_due_day_ends_in_the_instances_time_zone(app):
    current = make_round(app, submitted=3)
    assert close_due(app, datetime(2030, 3, 10, 23, 59, tzinfo=SHANGHAI)) == []
    # Midnight in Shanghai is still 2030-03-10 in UTC: the instance's zone decides.
    assert close_due(app, datetime(2030, 3, 11, 0, 0, tzinfo=SHANGHAI)) == [current.id]
    assert close_due(app, datetime(2030, 3, 11, 0, 5, tzinfo=SHANGHAI)) == []  # once
    with app.app_context():
        db = get_db()
        closed = rounds.get_round(db, current.id)
        assert not closed.is_open and closed.closed_on_due_date == closed.closed_at
        # Stored exactly as a lead's Close round stores it.
        expected = results._stored_text(
            closed, results.compute(results.load(db, closed, scoring=True))
        )
        assert json.loads(closed.results) == json.loads(expected)
        assert (
            db.execute(
                "SELECT COUNT(*) FROM round_summaries WHERE round_id = ?", [current.id]
            ).fetchone()[0]
            == 1
        )
        (entry,) = [e for e in audit.entries(get_db()) if e.action == "round.closed"]
    assert entry.actor == "worker (due date)" and entry.details["due_date"] == "2030-03-10"


def test_the_lead_is_told_by_mail_and_on_the_home_page(app, smtp):
    current = make_round(app, submitted=3)
    close_due(app, datetime(2030, 3, 11, 8, 0, tzinfo=SHANGHAI))
    with app.app_context():
        assert deliver_due(app, get_db()).sent == 1
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["lead@example.com"]
    assert (
        mail.subject.split(" / ")[0].strip()
        == "Acme · 2030-Q1 · Quarterly review closed on its due date"
    )
    text = mail.text()
    assert "closed itself at the end of that day." in text
    assert "3 of 4 team members submitted their answers." in text  # no client contacts
    assert "Its results are stored and ready on the round page." in text
    assert f"https://check.example.com/rounds/{current.id}" in text
    client = app.test_client()
    AuthActions(client).login("lead")
    assert "Acme · 2030-Q1" in closed_notice(client)
    # Reopened (a named round may be), it is no longer news.
    named = make_round(app, submitted=3, anonymous=False, client="Named Co")
    close_due(app, datetime(2030, 3, 11, 8, 0, tzinfo=SHANGHAI))
    assert "Named Co · 2030-Q1" in closed_notice(client)
    client.post(f"/rounds/{named.id}/reopen", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        assert rounds.get_round(get_db(), named.id).is_open
    notice = closed_notice(client)
    assert "Named Co · 2030-Q1" not in notice and "Acme · 2030-Q1" in notice


def test_below_the_floor_the_lead_reads_that_results_are_withheld(app, smtp):
    make_round(app, submitted=2)
    close_due(app, datetime(2030, 3, 12, tzinfo=SHANGHAI))
    with app.app_context():
        deliver_due(app, get_db())
    (mail,) = smtp.received
    assert "results are withheld to protect anonymity" in mail.text()
    assert "reopen the round to collect more" in mail.text()


def test_an_extended_or_closed_round_is_left_alone(app):
    current = make_round(app, submitted=3)
    client = app.test_client()
    AuthActions(client).login("lead")
    client.post(
        f"/rounds/{current.id}/schedule",
        data={
            "csrf_token": csrf_token(client, f"/rounds/{current.id}"),
            "due_date": "2030-04-01",
            "reminder_days": "3",
        },
    )
    assert close_due(app, datetime(2030, 3, 12, tzinfo=SHANGHAI)) == []
    assert close_due(app, datetime(2030, 4, 2, tzinfo=SHANGHAI)) == [current.id]


def test_answers_after_the_close_are_refused(app):
    current = make_round(app, submitted=3)
    with app.app_context():
        (*_done, late) = respondents.list_respondents(get_db(), current.id)
    close_due(app, datetime(2030, 3, 12, tzinfo=SHANGHAI))
    with app.app_context(), pytest.raises(rounds.RoundClosed):
        responses.save_response(get_db(), late.id, {}, {}, submit=False)


def _closing_mail(app, smtp, language, **round_options) -> tuple[str, str]:
    with app.app_context():
        db = get_db()
        lead = users.find_by_email(db, "lead@example.com")
        users.set_language(db, lead.id, language)
    make_round(app, **round_options)
    close_due(app, datetime(2030, 3, 11, 8, 0, tzinfo=SHANGHAI))
    with app.app_context():
        assert deliver_due(app, get_db()).sent == 1
    (mail,) = smtp.received
    return mail.text(), mail.html()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "3 of 4 team members and 3 of 3 client contacts submitted their answers."),
        ("zh-CN", "团队成员 4 人中的 3 人、客户方联系人 3 人中的 3 人已提交答案。"),
    ],
)
def test_the_closing_mail_counts_each_side_apart(app, smtp, language, expected):
    text, html = _closing_mail(app, smtp, language, submitted=3, contacts=3, contacts_submitted=3)
    assert expected in text and expected in html
    assert "of 7" not in text and "7 人" not in text
    assert ("Its results are stored" in text) == (language == "en")
    assert "The client's view is withheld" not in text  # 3 client answers: it is shown


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "3 of 4 team members and 2 of 2 client contacts submitted their answers.",
                "The team's comments and text answers are withheld: they are shown from 5",
                "The client's view is withheld: it is shown from 3 client answers.",
                "so what is withheld is withheld for good.",
            ],
        ),
        (
            "zh-CN",
            [
                "团队成员 4 人中的 3 人、客户方联系人 2 人中的 2 人已提交答案。",
                "团队的意见和文字回答不予显示：至少 5 份答卷才会显示。",
                "客户方的看法不予显示：客户方至少有 3 份回答才会显示。",
                "因此未显示的内容将永久不予显示。",
            ],
        ),
    ],
)
def test_the_closing_mail_says_what_is_withheld_for_good(app, smtp, language, expected):
    """Two client contacts under a floor of 3: the client's view is withheld, and with the
    team's results shown the round cannot be reopened, so for good."""
    text, _html = _closing_mail(
        app, smtp, language, submitted=3, contacts=2, contacts_submitted=2, client_floor=3
    )
    for sentence in expected:
        assert sentence in text, sentence


def test_the_closing_mail_in_one_language_per_side_for_a_lead_without_one(app, smtp):
    """No language known for the lead: both languages, each counting both sides."""
    text, _html = _closing_mail(app, smtp, None, submitted=1, contacts=1, contacts_submitted=1)
    assert "1 of 2 team members and 1 of 1 client contact submitted their answers." in text
    assert "团队成员 2 人中的 1 人、客户方联系人 1 人中的 1 人已提交答案。" in text
    assert "The answers are kept: reopen the round to collect more." in text
