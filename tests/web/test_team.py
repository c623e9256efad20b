"""The team view: a read-only summary of a closed round for the people who answered it,
shared by the lead, under the anonymity floor, never anyone's answers."""

from __future__ import annotations

import pytest
from conftest import csrf_token

from assessment import results
from assessment.db import get_db
from assessment.store import audit, respondents, responses, rounds, team_views

SECRET = "only I wrote this"


def _round(app, make_round, *, submitted=3, invited=3, anonymous=True, period="2026-Q4"):
    """A closed round: ``submitted`` of ``invited`` people answered, the first one the
    member with an account (member@example.com), each with a comment."""
    created, people = make_round(respondents=invited - 1, anonymous=anonymous, period=period)
    with app.app_context():
        db = get_db()
        member = respondents.add_respondent(
            db, created.id, name="Mia Member", role="delivery", email="member@example.com"
        )
        people = [member, *people]
        q = created.questionnaire
        for n, person in enumerate(people[:submitted]):
            answers = {
                i.id: 1 + (n + k) % 5
                for k, i in enumerate(q.items())
                if i.type == "likert" and i.applies(created.kind)
            }
            responses.save_response(
                db, person.id, answers, {q.signs[0].id: f"{SECRET} {n}"}, submit=True
            )
        results.close_round(db, rounds.get_round(db, created.id))
    return created, people


def _share(client, round_id, steps=(), shared=True):
    data = {"csrf_token": csrf_token(client, f"/rounds/{round_id}"), "steps": list(steps)}
    if shared:
        data["shared"] = "y"
    return client.post(f"/rounds/{round_id}/team-view", data=data)


def _steps(app, round_id):
    with app.app_context():
        db = get_db()
        return results.outcome(results.load(db, rounds.get_round(db, round_id))).next_steps


def test_a_shared_summary_through_the_personal_link(app, client, auth, make_round):
    created, people = _round(app, make_round)
    steps = _steps(app, created.id)
    assert steps, "the test round has next steps"
    anyone = app.test_client()
    before = anyone.get(f"/r/{people[1].token}/team")
    assert before.status_code == 404 and "No team summary yet" in before.get_data(as_text=True)
    closed_page = anyone.get(f"/r/{people[1].token}").get_data(as_text=True)
    assert "/team" not in closed_page

    auth.login("lead")
    assert _share(client, created.id, [steps[0].sign_id]).status_code == 302
    assert "Shared with the team." in client.get(f"/rounds/{created.id}").get_data(as_text=True)

    closed_page = anyone.get(f"/r/{people[1].token}").get_data(as_text=True)
    assert f"/r/{people[1].token}/team" in closed_page
    page = anyone.get(f"/r/{people[1].token}/team")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Team summary" in text
    q = created.questionnaire
    for sign in q.signs:
        assert sign.title.get("en") in text
    assert 'data-testid="index"' in text
    assert steps[0].text.get("en") in text
    for step in steps[1:]:
        assert step.text.get("en") not in text, "only the steps the lead chose"
    assert SECRET not in text, "never anyone's comments"
    for person in people:
        assert person.name not in text
    with app.app_context():
        [entry] = [e for e in audit.entries(get_db()) if e.action == "team_view.shared"]
    assert entry.details["steps"] == [steps[0].sign_id]


def test_below_the_floor_the_summary_says_withheld(app, client, auth, make_round):
    created, people = _round(app, make_round, submitted=2, invited=3)
    auth.login("lead")
    _share(client, created.id)
    text = app.test_client().get(f"/r/{people[0].token}/team").get_data(as_text=True)
    assert 'data-testid="team-withheld"' in text
    assert 'data-testid="index"' not in text and SECRET not in text


def test_the_lead_can_stop_sharing_and_an_open_round_cannot_share(app, client, auth, make_round):
    created, people = _round(app, make_round)
    auth.login("lead")
    _share(client, created.id)
    _share(client, created.id, shared=False)
    assert app.test_client().get(f"/r/{people[0].token}/team").status_code == 404
    still_open, _people = make_round(period="2027-Q1")
    assert _share(client, still_open.id).status_code == 409
    with app.app_context():
        assert not team_views.get(get_db(), still_open.id).shared


def test_a_member_finds_open_and_closed_rounds_in_words_that_match(app, client, auth, make_round):
    created, _people = _round(app, make_round)
    open_round, _ = make_round(period="2027-Q1")
    with app.app_context():
        respondents.add_respondent(
            get_db(), open_round.id, name="Mia", role="delivery", email="member@example.com"
        )
    auth.login("lead")
    _share(client, created.id)
    auth.logout()
    auth.login("member")
    home = client.get("/").get_data(as_text=True)
    to_answer = home[home.index("Questionnaires to answer") : home.index("Closed rounds")]
    closed = home[home.index("Closed rounds") :]
    assert "2027-Q1" in to_answer and "2026-Q4" not in to_answer
    assert "2026-Q4" in closed and "You answered this round." in closed
    assert f"/team/{created.id}" in closed
    page = client.get(f"/team/{created.id}")
    assert page.status_code == 200 and SECRET not in page.get_data(as_text=True)
    zh = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已结束的评估" in zh and "团队总结" in zh


def test_a_member_not_invited_gets_nothing(app, client, auth, make_round):
    created, _people = make_round(respondents=3)
    with app.app_context():
        db = get_db()
        results.close_round(db, rounds.get_round(db, created.id))
        team_views.save(db, created.id, shared=True, steps=(), user_id=None)
    auth.login("member")
    assert client.get(f"/team/{created.id}").status_code == 404


@pytest.mark.parametrize("path", ["/r/no-such-token/team"])
def test_unknown_links_are_404(client, path):
    assert client.get(path).status_code == 404
