"""What closing a round costs (assessment.closing) and the close dialog that shows it.

Who may see the dialog: leads and admins (tests/web/test_access_matrix.py); members, links and
visitors without an account may not. Floors here are the defaults: results from 3 answers,
comments and text answers from 5, the client's view from 3 client answers.
"""

from __future__ import annotations

import re

import pytest
from conftest import csrf_token

from assessment import closing
from assessment.anonymity import Policy
from assessment.db import get_db
from assessment.store import responses, rounds


def _policy(submitted, *, anonymous=True, floor=3, text_floor=5):
    return Policy(anonymous, True, submitted, floor, text_floor)


def test_the_cost_follows_the_gates_the_pages_use():
    # Under the floor: nothing of the team shown, and the round can be reopened.
    cost = closing.cost(_policy(2), None, team_people=(4, 1))
    assert (cost.team.results_shown, cost.team.free_text_shown, cost.can_reopen) == (
        False,
        False,
        True,
    )
    assert (cost.team.invited, cost.team.submitted, cost.team.drafts) == (4, 2, 1)
    # At the floor, under the text floor: comments withheld, and for good.
    cost = closing.cost(_policy(3), None, team_people=(4, 0))
    assert (cost.team.results_shown, cost.team.free_text_shown, cost.can_reopen) == (
        True,
        False,
        False,
    )
    assert cost.withholds
    # At the text floor: everything shown.
    cost = closing.cost(_policy(5), None, team_people=(5, 0))
    assert cost.team.free_text_shown and not cost.withholds
    # A named round: shown from one answer, and reopened at will.
    cost = closing.cost(_policy(1, anonymous=False), None, team_people=(2, 0))
    assert cost.team.floor is None and cost.team.free_text_shown and cost.can_reopen


def test_the_client_view_needs_its_floor_and_the_teams_results():
    two = closing.cost(_policy(5), _policy(2), team_people=(5, 0), client_people=(2, 0))
    assert not two.client.results_shown and not two.can_reopen  # for good
    three = closing.cost(_policy(5), _policy(3), team_people=(5, 0), client_people=(3, 0))
    assert three.client.results_shown and three.client.floor == 3
    # The team under its floor: the client's view waits for it, and the client's answers
    # at their floor still lock the round (results.can_reopen): both withheld for good.
    locked = closing.cost(_policy(2), _policy(3), team_people=(4, 0), client_people=(3, 0))
    assert not locked.team.results_shown and not locked.client.results_shown
    assert not locked.can_reopen
    # A named team and a client under its floor: reopened later, all may yet be shown.
    named = closing.cost(
        _policy(1, anonymous=False), _policy(1), team_people=(2, 0), client_people=(2, 1)
    )
    assert named.can_reopen and named.client.drafts == 1 and not named.client.results_shown


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return _text(page[start : page.index("</section>", start)])


@pytest.fixture
def dialog(app, make_round, auth, client):
    """The close dialog of a round with ``team`` of ``invited`` team members and
    ``contacts`` of ``contact_count`` client contacts submitted (plus ``drafts`` team
    drafts), in ``lang``."""
    auth.login("lead")

    def open_dialog(
        team,
        invited,
        *,
        contacts=0,
        contact_count=0,
        drafts=0,
        anonymous=True,
        lang="en",
        client_floor=2,
    ):
        current, people = make_round(
            respondents=invited,
            anonymous=anonymous,
            contacts=contact_count,
            client_floor=client_floor,
        )
        with app.app_context():
            db = get_db()
            q, mirror = current.questionnaire, current.mirror
            mine = {i.id: 2 for i in q.items() if i.type == "likert"}
            for person in people[:team]:
                responses.save_response(db, person.id, mine, {}, submit=True)
            for person in people[team : team + drafts]:
                responses.save_response(db, person.id, mine, {}, submit=False)
            theirs = {i.id: 4 for i in mirror.items() if i.type == "likert"}
            for person in people[invited : invited + contacts]:
                responses.save_response(db, person.id, theirs, {}, submit=True)
        response = client.get(
            f"/rounds/{current.id}/confirm-close", headers={"Accept-Language": lang}
        )
        assert response.status_code == 200
        with app.app_context():
            assert rounds.get_round(get_db(), current.id).is_open, "asking closes nothing"
        return response.get_data(as_text=True)

    return open_dialog


def test_under_the_floor_everything_waits_and_the_round_can_be_reopened(dialog):
    page = dialog(2, 4, drafts=1)
    team = _section(page, "close-team")
    assert "2 of 4 team members have submitted. 1 draft was not submitted" in team
    assert "Withheld for now The team's results: they are shown from 3 answers, and 2 were" in team
    assert "comments and text answers: they are shown only with the team's results" in team
    assert 'data-testid="close-client"' not in page  # no client contacts: no client side
    assert "Withheld for good" not in page
    assert "can be reopened later to collect more answers" in page


def test_at_the_floor_the_comments_are_withheld_for_good(dialog):
    team = _section(page := dialog(3, 4), "close-team")
    assert "Shown The team's results (index, signs, next steps), from 3 answers." in team
    assert (
        "Withheld for good The team's comments and text answers: they are shown from 5"
        " answers, and 3 were submitted." in team
    )
    assert "this round can no longer be reopened" in page


def test_two_client_contacts_under_a_floor_of_three_are_withheld_for_good(dialog):
    page = dialog(5, 5, contacts=2, contact_count=2, client_floor=3)
    assert "Shown The team's comments and text answers." in _section(page, "close-team")
    client = _section(page, "close-client")
    assert "2 of 2 client contacts have submitted." in client
    assert (
        "Withheld for good The client's view: it is shown from 3 client answers, and 2 were"
        " submitted." in client
    )


def test_three_client_contacts_show_the_clients_view(dialog):
    client = _section(dialog(5, 6, contacts=3, contact_count=4), "close-client")
    assert "3 of 4 client contacts have submitted." in client
    assert "Shown The client's view beside the team's, from 3 answers." in client
    assert "Withheld" not in client


def test_the_team_under_its_floor_with_the_clients_view_at_its_own_locks_both(dialog):
    page = dialog(2, 3, contacts=3, contact_count=3)
    assert "Withheld for good The team's results" in _section(page, "close-team")
    client = _section(page, "close-client")
    assert "Withheld for good The client's view: it is shown only with the team's results" in (
        client
    )
    assert "this round can no longer be reopened" in page


def test_a_named_round_counts_one_in_the_singular(dialog):
    page = dialog(1, 2, contacts=1, contact_count=1, anonymous=False)
    team = _section(page, "close-team")
    assert "1 of 2 team members have submitted." in team
    assert "from 1 answer." in team and "Shown The team's comments and text answers." in team
    client = _section(page, "close-client")
    assert "1 of 1 client contact has submitted." in client
    assert "Withheld for now The client's view: it is shown from 2 client answers, and 1 was" in (
        client
    )


def test_the_dialog_in_chinese(dialog):
    page = dialog(3, 4, contacts=2, contact_count=3, lang="zh-CN", client_floor=3)
    team = _section(page, "close-team")
    assert "团队成员 4 人中已有 3 人提交。" in team
    assert "将显示 团队的结果（指数、各项信号、后续步骤），依据 3 份答卷。" in team
    assert "永久不显示 团队的意见和文字回答：至少 5 份答卷才显示，目前已提交 3 份。" in team
    client = _section(page, "close-client")
    assert "客户方联系人 3 人中已有 2 人提交。" in client
    assert "永久不显示 客户方的看法：客户方至少有 3 份回答才显示，目前已提交 2 份。" in client
    assert "本轮一旦关闭便无法重新开启" in page


@pytest.mark.parametrize(("contacts", "reopenable"), [(0, True), (2, False)])
def test_the_message_after_closing_says_whether_the_round_can_be_reopened(
    app, make_round, auth, client, contacts, reopenable
):
    """Leads close rounds (members, links and nobody cannot: test_access_matrix). Two of
    three team answers in an anonymous round: withheld. With the client's view shown (two
    contacts at a client floor of 2) the round cannot be reopened: the message says so
    instead of inviting the lead to reopen it."""
    current, people = make_round(respondents=3, anonymous=True, contacts=contacts, client_floor=2)
    with app.app_context():
        db = get_db()
        mine = {i.id: 2 for i in current.questionnaire.items() if i.type == "likert"}
        for person in people[:2]:
            responses.save_response(db, person.id, mine, {}, submit=True)
        if contacts:
            theirs = {i.id: 4 for i in current.mirror.items() if i.type == "likert"}
            for person in people[3:]:
                responses.save_response(db, person.id, theirs, {}, submit=True)
    auth.login("lead")
    url = f"/rounds/{current.id}"
    response = client.post(
        f"{url}/close", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True
    )
    page = _text(response.get_data(as_text=True))
    assert "Fewer than 3 people submitted" in page
    assert ("Reopen it to collect more answers." in page) is reopenable
    assert ("this round cannot be reopened" in page) is not reopenable
