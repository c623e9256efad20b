"""Answering through a personal link: drafts, submissions, bad input, closed rounds."""

import re

import pytest
from conftest import csrf_token

from assessment.db import get_db
from assessment.store import responses, rounds


@pytest.fixture
def setup(app, make_round, questionnaires):
    created, people = make_round(respondents=2)
    q = questionnaires["six-signs"]
    likert = [i for i in q.items() if i.type == "likert" and i.applies("quarterly")]
    number = next(i for i in q.items() if i.type == "number" and i.applies("quarterly"))
    return created, people, q, likert, number


def _post(client, token, data, *, action="save"):
    data = {**data, "csrf_token": csrf_token(client, f"/r/{token}"), action: "y"}
    return client.post(f"/r/{token}", data=data)


def _stored(app, respondent_id):
    with app.app_context():
        return responses.load_draft(get_db(), respondent_id)


def test_form_shows_every_applicable_item_once(client, setup):
    _created, people, q, _likert, _number = setup
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    applicable = [i for i in q.items() if i.applies("quarterly")]
    for item in applicable:
        assert f'name="q_{item.id}"' in page
    not_here = [i for i in q.items() if not i.applies("quarterly")]
    for item in not_here:
        assert f'name="q_{item.id}"' not in page
    for sign in q.signs:
        assert f'name="c_{sign.id}"' in page
    assert "<title>" in page and "Acme" in page


def test_form_in_chinese(client, setup):
    _created, people, q, likert, _number = setup
    page = client.get(f"/r/{people[0].token}", headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert q.signs[0].title.get("zh-CN") in text
    assert likert[0].text.get("zh-CN") in text
    assert q.scale.likert[0].get("zh-CN") in text


def test_save_draft_and_come_back(app, client, setup):
    _created, people, _q, likert, number = setup
    token = people[0].token
    response = _post(client, token, {f"q_{likert[0].id}": "4", f"q_{number.id}": "12"})
    assert response.status_code == 302
    stored = _stored(app, people[0].id)
    assert stored.status == "draft"
    assert stored.answers == {likert[0].id: 4, number.id: 12}
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Draft saved" in page
    checked = re.search(rf'name="q_{likert[0].id}"[^>]*value="4"\s*checked', page)
    assert checked, "the saved answer is checked again"
    assert 'value="12"' in page


def test_submit_and_change_until_closed(app, client, setup):
    created, people, _q, likert, _number = setup
    token = people[0].token
    assert (
        _post(client, token, {f"q_{likert[0].id}": "2"}, action="submit_answers").status_code == 302
    )
    assert _stored(app, people[0].id).status == "submitted"
    assert _post(client, token, {f"q_{likert[0].id}": "5"}).status_code == 302
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 5}

    with app.app_context():
        rounds.set_status(get_db(), created.id, "closed")
    page = client.get(f"/r/{token}")
    assert page.status_code == 200 and "This round is closed" in page.get_data(as_text=True)
    data = {f"q_{likert[0].id}": "1", "csrf_token": csrf_token(client, "/login"), "save": "y"}
    assert client.post(f"/r/{token}", data=data).status_code == 403
    assert _stored(app, people[0].id).answers == {likert[0].id: 5}


def test_not_applicable_is_stored_as_such(app, client, setup):
    _created, people, _q, likert, number = setup
    _post(client, people[0].token, {f"q_{likert[0].id}": "na", f"na_{number.id}": "y"})
    assert _stored(app, people[0].id).answers == {
        likert[0].id: responses.NA,
        number.id: responses.NA,
    }


def test_empty_submission_is_refused(app, client, setup):
    _created, people, _q, _likert, _number = setup
    response = _post(client, people[0].token, {}, action="submit_answers")
    assert response.status_code == 400
    assert "Please answer at least one question" in response.get_data(as_text=True)
    assert _stored(app, people[0].id).status == "invited"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("likert", "9"),
        ("likert", "<b>"),
        ("number", "-5"),
        ("number", "abc"),
        ("number", "1e9"),
        ("number", "1e400"),
        ("number", "nan"),
    ],
)
def test_bad_values_are_refused_beside_the_field_keeping_the_rest(app, client, setup, field, value):
    _created, people, _q, likert, number = setup
    target = likert[1] if field == "likert" else number
    other = likert[0]
    response = _post(client, people[0].token, {f"q_{other.id}": "3", f"q_{target.id}": value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="q_{target.id}-error"' in page or f'id="q_{target.id}"' in page
    assert "invalid-feedback" in page
    assert re.search(rf'name="q_{other.id}"[^>]*value="3"\s*checked', page), "typed answer kept"
    assert _stored(app, people[0].id).status == "invited", "nothing stored"


def test_text_over_5000_characters_is_refused(app, client, setup):
    _created, people, q, likert, _number = setup
    response = _post(
        client, people[0].token, {f"q_{likert[0].id}": "3", f"c_{q.signs[0].id}": "x" * 5001}
    )
    assert response.status_code == 400
    assert _stored(app, people[0].id).status == "invited"


def test_unknown_field_is_refused_and_nothing_stored(app, client, setup):
    _created, people, _q, likert, _number = setup
    response = _post(client, people[0].token, {f"q_{likert[0].id}": "3", "q_injected": "1"})
    assert response.status_code == 400
    assert _stored(app, people[0].id).status == "invited"


def test_missing_csrf_token_is_refused(app, client, setup):
    _created, people, _q, likert, _number = setup
    response = client.post(f"/r/{people[0].token}", data={f"q_{likert[0].id}": "3", "save": "y"})
    assert response.status_code == 400
    assert _stored(app, people[0].id).status == "invited"


def test_wrong_and_revoked_tokens_are_404(app, client, setup):
    _created, people, _q, _likert, _number = setup
    assert client.get("/r/not-a-token").status_code == 404
    with app.app_context():
        rounds.reissue_token(get_db(), people[0].id)
    assert client.get(f"/r/{people[0].token}").status_code == 404


def test_a_link_reaches_only_its_own_answers(app, client, setup):
    _created, people, _q, likert, _number = setup
    _post(client, people[0].token, {f"q_{likert[0].id}": "5"})
    page = client.get(f"/r/{people[1].token}").get_data(as_text=True)
    assert not re.search(rf'name="q_{likert[0].id}"[^>]*value="5"\s*checked', page)
    assert "Person 1" in page and "Person 0" not in page


def test_user_text_is_inert(app, client, setup):
    _created, people, q, likert, _number = setup
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _post(client, people[0].token, {f"q_{likert[0].id}": "3", f"c_{q.signs[0].id}": payload})
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    assert payload not in page
    assert "&lt;script&gt;alert(" in page


def test_a_blank_answer_is_no_answer(app, client, setup):
    _created, people, _q, likert, number = setup
    sent = {f"q_{likert[0].id}": " ", f"q_{likert[1].id}": "2", f"q_{number.id}": "  "}
    response = _post(client, people[0].token, sent)
    assert response.status_code == 302
    assert _stored(app, people[0].id).answers == {likert[1].id: 2}


@pytest.mark.parametrize(
    ("kind", "en", "zh"), [("kickoff", "Kickoff", "启动评估"), ("adhoc", "Ad hoc", "临时评估")]
)
def test_the_form_says_which_kind_of_round_it_is(client, make_round, kind, en, zh):
    _created, people = make_round(kind=kind, respondents=1, period=f"2027-{kind}")
    for lang, name in (("en", en), ("zh-CN", zh)):
        page = client.get(f"/r/{people[0].token}", headers={"Accept-Language": lang}).get_data(
            as_text=True
        )
        found = re.search(r'data-testid="round-kind">([^<]+)<', page)
        assert found and found.group(1) == name
