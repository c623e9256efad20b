"""The calendar opening each client's next review round, and the next review it shows."""

from __future__ import annotations

from datetime import date

import pytest

from assessment.db import get_db
from assessment.review_rounds import ACTOR, ANSWER_DAYS, next_reviews, open_due_reviews
from assessment.store import audit, clients, respondents, rounds

NEW_YEAR = date(2027, 1, 1)


@pytest.fixture
def db(app):
    with app.app_context():
        yield get_db()


@pytest.fixture
def reviewed(db, make_round):
    """Acme's 2026-Q4 review with three respondents (two with an email)."""
    current, _ = make_round(period="2026-Q4", respondents=0, anonymous=True)
    for n, (name, email) in enumerate([("李娜", "li@example.com"), ("Bo", None), ("Cy", "c@x.io")]):
        respondents.add_respondent(
            db, current.id, name=name, email=email, role=("finance", "delivery")[n % 2]
        )
    return current


def _open(db, questionnaires, today=NEW_YEAR, **options):
    return open_due_reviews(db, questionnaires, today=today, **options)


def test_opens_the_next_quarter_with_the_previous_respondents_held(db, questionnaires, reviewed):
    assert _open(db, questionnaires, today=date(2026, 12, 31)) == []
    [opened] = _open(db, questionnaires)
    assert (opened.client_id, opened.kind, opened.period) == (
        reviewed.client_id,
        "quarterly",
        "2027-Q1",
    )
    assert opened.is_open and opened.anonymous and opened.invitations_held
    assert opened.due_date == date(2027, 1, 1 + ANSWER_DAYS).isoformat()
    assert opened.questionnaire_id == reviewed.questionnaire_id
    people = respondents.list_respondents(db, opened.id)
    assert [(p.name, p.email, p.role) for p in people] == [
        ("李娜", "li@example.com", "finance"),
        ("Bo", None, "delivery"),
        ("Cy", "c@x.io", "finance"),
    ]
    before = {p.token for p in respondents.list_respondents(db, reviewed.id)}
    assert not before & {p.token for p in people}  # new personal links
    entries = [e for e in audit.entries(db, limit=50) if e.object_id == opened.id]
    assert {(e.actor, e.action) for e in entries} == {
        (ACTOR, "round.created"),
        (ACTOR, "personal_link.issued"),
    }
    assert len(entries) == 4
    # Run again (the worker runs daily, or twice at once): nothing more.
    assert _open(db, questionnaires) == []
    assert _open(db, questionnaires, today=date(2027, 2, 15)) == []
    # The next quarter follows from the round just opened.
    [april] = _open(db, questionnaires, today=date(2027, 4, 1))
    assert april.period == "2027-Q2"


def test_automatic_sending_releases_the_invitations(db, questionnaires, reviewed):
    clients.set_review_calendar(db, reviewed.client_id, cadence="quarterly", auto_send=True)
    invited = []
    [opened] = _open(db, questionnaires, invite=lambda r, people: invited.append((r, people)))
    assert not opened.invitations_held
    assert invited == [(opened, respondents.list_respondents(db, opened.id))]


def test_held_invitations_are_released_once(db, questionnaires, reviewed):
    invited = []
    [opened] = _open(db, questionnaires, invite=lambda r, people: invited.append(r))
    assert invited == []  # held: the lead confirms the respondents first
    assert rounds.release_invitations(db, opened.id) is True
    assert rounds.release_invitations(db, opened.id) is False
    assert not rounds.get_round(db, opened.id).invitations_held


def test_cadence_off_archived_and_unreviewed_clients_get_nothing(db, questionnaires, reviewed):
    clients.create_client(db, name="Newcomer")  # no kickoff yet: nobody to invite
    clients.set_review_calendar(db, reviewed.client_id, cadence="off", auto_send=False)
    assert _open(db, questionnaires) == []
    clients.set_review_calendar(db, reviewed.client_id, cadence="quarterly", auto_send=False)
    clients.set_archived(db, reviewed.client_id, True)
    assert _open(db, questionnaires) == []
    clients.set_archived(db, reviewed.client_id, False)
    assert [r.period for r in _open(db, questionnaires)] == ["2027-Q1"]


def test_half_yearly_and_rounds_the_lead_made(db, questionnaires, reviewed, make_round):
    clients.set_review_calendar(db, reviewed.client_id, cadence="half-yearly", auto_send=False)
    assert _open(db, questionnaires) == []
    # An ad hoc round does not move the calendar; a review the lead made early does.
    make_round(kind="adhoc", period="2027-Q1", respondents=1)
    assert next_reviews(db, NEW_YEAR)[reviewed.client_id].period == "2027-Q2"
    made, _ = make_round(kind="quarterly", period="2027-Q2", respondents=1)
    assert _open(db, questionnaires, today=date(2027, 4, 2)) == []
    assert next_reviews(db, NEW_YEAR)[reviewed.client_id].period == "2027-Q4"
    [opened] = _open(db, questionnaires, today=date(2027, 10, 1))
    assert opened.period == "2027-Q4"
    # Invited again: the latest round's team (the lead's one respondent).
    assert [p.name for p in respondents.list_respondents(db, opened.id)] == ["Person 0"]
    assert made.id != opened.id


def test_a_questionnaire_gone_from_the_folder_keeps_the_previous_version(
    db, questionnaires, reviewed
):
    [opened] = _open(db, {})
    assert opened.questionnaire_digest == reviewed.questionnaire_digest


def test_the_cadence_must_be_known(db, reviewed):
    with pytest.raises(ValueError):
        clients.set_review_calendar(db, reviewed.client_id, cadence="monthly", auto_send=False)
    with pytest.raises(clients.NotFound):
        clients.set_review_calendar(db, 9999, cadence="yearly", auto_send=False)


def test_the_lead_confirms_the_respondents_on_the_round_page(
    app, client, auth, questionnaires, reviewed
):
    from conftest import csrf_token

    with app.app_context():
        [opened] = _open(get_db(), questionnaires)
    auth.login("lead")
    url = f"/rounds/{opened.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="invitations-held"' in page and "Opened by the review calendar." in page
    response = client.post(
        f"{url}/invitations/confirm", data={"csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Respondents confirmed." in page and 'data-testid="invitations-held"' not in page
    with app.app_context():
        db = get_db()
        assert not rounds.get_round(db, opened.id).invitations_held
        actions = [e.action for e in audit.entries(db, limit=5) if e.object_id == opened.id]
        assert actions[0] == "round.invitations_confirmed"
    again = client.post(f"{url}/invitations/confirm", data={"csrf_token": csrf_token(client, url)})
    assert again.status_code == 302
    assert "Respondents confirmed." not in client.get(url).get_data(as_text=True)


def test_the_clients_contacts_come_along_with_the_client_questionnaire(
    db, questionnaires, make_round
):
    """The next review pins the mirror again and keeps the client contacts on the
    client's side (never turned into team members answering the team's questionnaire)."""
    previous, _ = make_round(client="Apex", period="2026-Q4", respondents=1, contacts=2)
    [opened] = _open(db, questionnaires)
    assert opened.mirror_digest == previous.mirror_digest is not None
    people = respondents.list_respondents(db, opened.id)
    assert [(p.side, p.client_role) for p in people] == [
        ("team", None),
        ("client", "owner"),
        ("client", "owner"),
    ]
    # A client questionnaire gone from the folder: the version the last round pinned.
    make_round(client="Solo", period="2026-Q4", respondents=1, contacts=1)
    solo = clients.find_by_name(db, "Solo")
    team_only = {"six-signs": questionnaires["six-signs"]}
    [again] = [r for r in _open(db, team_only) if r.client_id == solo.id]
    assert again.mirror_digest == previous.mirror_digest
    sides = [p.side for p in respondents.list_respondents(db, again.id)]
    assert sides == ["team", "client"]
