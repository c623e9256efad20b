"""Which alerts a round or the calendar raises (alerts.py): aggregates only, never anything
of a round withheld for anonymity, once per channel and event, in the channel's language."""

from __future__ import annotations

import pytest

from assessment import alerts, results
from assessment.db import get_db
from assessment.store import actions, clients, responses, rounds
from assessment.store import alerts as store

TEAM_PAYMENT = {
    "days-paid-late": 60,
    "invoice-handling": "paid-after-chasing",
    "invoicing-process-clear": 2,
    "work-while-overdue": 5,
}
CLIENT_PAYMENT = {"c-paid-within-terms": 5, "c-invoice-handling": "paid-on-receipt"}


def _channel(app, *, events=alerts.EVENTS, language="en", client_id=None, name="Firm"):
    with app.app_context():
        return store.add_channel(
            get_db(),
            name=name,
            kind="slack",
            url="https://hooks.example.com/x",
            secret=None,
            language=language,
            events=events,
            client_id=client_id,
        )


def _answer(app, people, answers):
    with app.app_context():
        for person in people:
            responses.save_response(get_db(), person.id, answers, {}, submit=True)


def _close(app, current):
    with app.app_context():
        db = get_db()
        results.close_round(db, rounds.get_round(db, current.id))
        return alerts.round_closed(app, db, current.id)


def _queued(app):
    with app.app_context():
        return sorted(store.recent(get_db()), key=lambda d: d.id)


@pytest.fixture
def gap_round(app, make_round):
    """A named round: the team sees payment at 15 for the second quarter running (an
    escalation), the client at 100."""
    before, people = make_round(period="2026-Q3", respondents=3, anonymous=False)
    _answer(app, people, TEAM_PAYMENT)
    _close(app, before)
    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    _answer(app, people[:3], TEAM_PAYMENT)
    _answer(app, people[3:], CLIENT_PAYMENT)
    return current


def test_a_closed_round_tells_its_index_escalations_and_gaps(app, gap_round):
    _channel(app)
    chinese = _channel(app, language="zh-CN", name="中文")
    assert _close(app, gap_round) == 6  # three alerts for each of two channels
    found = {(d.channel_name, d.event): d.alert for d in _queued(app)}
    closed = found[("Firm", "round_closed")]
    assert closed["title"] == "Round closed: Acme · 2026-Q4"
    assert closed["lines"][0] == "3 team members submitted."
    assert closed["url"].endswith(f"/rounds/{gap_round.id}/results")
    escalation = found[("Firm", "escalation")]
    assert any(line.startswith("Paying on time: 15.") for line in escalation["lines"])
    gap = found[("Firm", "perception_gap")]
    assert gap["lines"] == ["Paying on time: team 15, client 100 (gap +85)."]
    assert found[("中文", "perception_gap")]["lines"] == [
        "按时付款：团队 15，客户 100（差距 +85）。"
    ]
    assert found[("中文", "round_closed")]["title"].startswith("评估已结束：")
    assert chinese.language == "zh-CN"


def test_an_alert_is_queued_once_whatever_runs_twice(app, gap_round):
    _channel(app)
    assert _close(app, gap_round) == 3
    with app.app_context():
        assert alerts.round_closed(app, get_db(), gap_round.id) == 0
    assert len(_queued(app)) == 3


def test_a_channel_takes_only_its_events_and_its_client(app, gap_round, make_round):
    with app.app_context():
        other = clients.create_client(get_db(), name="Other")
    _channel(app, events=["escalation"], name="Escalations")
    _channel(app, client_id=other.id, name="Other's channel")
    _close(app, gap_round)
    assert [(d.channel_name, d.event) for d in _queued(app)] == [("Escalations", "escalation")]


def test_a_round_withheld_for_anonymity_tells_only_that_it_closed(app, make_round):
    current, people = make_round(respondents=3, anonymous=True)
    _answer(app, people[:2], TEAM_PAYMENT)  # two of three: under the floor of 3
    _channel(app)
    assert _close(app, current) == 1
    [closed] = _queued(app)
    assert closed.event == "round_closed"
    assert closed.alert["lines"] == [
        "2 team members submitted.",
        "Fewer than 3 people submitted: its results are withheld to protect anonymity.",
    ]
    assert closed.alert["data"] == {
        "round_id": current.id,
        "client": "Acme",
        "period": "2026-Q4",
        "withheld": True,
    }


def test_an_open_round_raises_nothing(app, gap_round):
    _channel(app)
    with app.app_context():
        assert alerts.round_closed(app, get_db(), gap_round.id) == 0


def test_overdue_actions_and_reviews_are_told_once(app, gap_round):
    from datetime import date

    _channel(app, events=["action_overdue", "review_overdue"])
    _close(app, gap_round)
    with app.app_context():
        db = get_db()
        sign = gap_round.questionnaire.signs[0].id
        actions.create_action(
            db,
            gap_round.id,
            sign_id=sign,
            title="Call the CFO",
            owner_name="Ann",
            due_date="2026-12-20",
        )
        assert alerts.overdue(app, db, date(2026, 12, 20)) == 0  # due today: not late yet
        # 2027-01-02: the action is late, and so is the 2027-Q1 review (no round open).
        assert alerts.overdue(app, db, date(2027, 1, 2)) == 2
        assert alerts.overdue(app, db, date(2027, 1, 3)) == 0  # told once
    found = {d.event: d.alert for d in _queued(app)}
    assert found["action_overdue"]["lines"] == ["Call the CFO (owner: Ann) was due on 2026-12-20."]
    assert found["review_overdue"]["title"] == "Review overdue: Acme"
