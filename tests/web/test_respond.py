"""Answering through a personal link: drafts, submissions, bad input, closed rounds."""

import re

import pytest
from conftest import csrf_token

from assessment.db import get_db
from assessment.sqlite import connect, transaction
from assessment.store import respondents, responses, rounds


@pytest.fixture
def setup(app, make_round, questionnaires):
    created, people = make_round(respondents=2)
    q = questionnaires["six-signs"]
    likert = [i for i in q.items() if i.type == "likert" and i.applies("quarterly")]
    number = next(i for i in q.items() if i.type == "number" and i.applies("quarterly"))
    return created, people, q, likert, number


def _post(client, token, data, *, action="save", confirmed=True):
    """POST the form by its ``action`` button; a submission as "Submit anyway" on the
    review of unanswered items unless ``confirmed`` is false (the first "Submit answers")."""
    value = "anyway" if action == "submit_answers" and confirmed else "y"
    data = {**data, "csrf_token": csrf_token(client, f"/r/{token}"), action: value}
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
    """Submit refuses a bad value beside its field; the draft keeps the rest, and the bad
    value as typed (issue 25: saving never waits for every answer to be valid)."""
    _created, people, _q, likert, number = setup
    target = likert[1] if field == "likert" else number
    other = likert[0]
    data = {f"q_{other.id}": "3", f"q_{target.id}": value}
    response = _post(client, people[0].token, data, action="submit_answers")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="q_{target.id}-error"' in page or f'id="q_{target.id}"' in page
    assert "invalid-feedback" in page
    assert re.search(rf'name="q_{other.id}"[^>]*value="3"\s*checked', page), "typed answer kept"
    stored = _stored(app, people[0].id)
    assert stored.status == "draft", "not submitted, but nothing typed lost"
    assert stored.answers == {other.id: 3}
    assert stored.invalid == {f"q_{target.id}": value}


def test_text_over_5000_characters_is_refused(app, client, setup):
    _created, people, q, likert, _number = setup
    data = {f"q_{likert[0].id}": "3", f"c_{q.signs[0].id}": "x" * 5001}
    response = _post(client, people[0].token, data, action="submit_answers")
    assert response.status_code == 400
    stored = _stored(app, people[0].id)
    assert stored.status == "draft" and not stored.comments, "not submitted"
    assert stored.invalid == {f"c_{q.signs[0].id}": "x" * 5001}, "kept as typed"


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
        respondents.reissue_token(get_db(), people[0].id)
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


# --- switching language keeps what is typed -----------------------------------------------


def _switch(client, token, data, language="zh-CN", csrf=None):
    form = {**data, "language": language}
    form["csrf_token"] = csrf if csrf is not None else csrf_token(client, f"/r/{token}")
    return client.post(f"/r/{token}", data=form)


def test_switching_language_with_an_answer_to_fix_saves_the_rest_and_keeps_it_as_typed(
    app, client, setup
):
    """Saving never waits for every answer to be valid (issue 25): a switch with an answer
    still to fix saves the valid ones, keeps that one as typed with its message, and comes
    back by a redirect, in the new language, with everything typed."""
    _created, people, q, likert, number = setup
    token = people[0].token
    text_item = next(i for i in q.items() if i.type == "text" and i.applies("quarterly"))
    typed = {
        f"q_{likert[0].id}": "4",
        f"q_{likert[1].id}": "na",
        f"q_{number.id}": "12abc",  # not valid yet: kept as typed
        f"q_{text_item.id}": "第一行\r\n<b>second</b>",
        f"c_{q.signs[0].id}": "A comment",
    }
    response = _switch(client, token, typed)
    assert response.status_code == 302 and response.headers["Location"] == f"/r/{token}"
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page, "the choice stays for the session"
    assert likert[0].text.get("zh-CN") in page
    assert re.search(rf'name="q_{likert[0].id}"[^>]*value="4"\s*checked', page)
    assert re.search(rf'name="q_{likert[1].id}"[^>]*value="na"\s*checked', page)
    assert re.search(rf'name="q_{number.id}"[^>]*value="12abc"', page)
    assert "第一行\n&lt;b&gt;second&lt;/b&gt;</textarea>" in page
    assert ">A comment</textarea>" in page
    assert "invalid-feedback" in page, "the answer to fix says why beside it"
    assert "按您输入的原样保留" in page  # told what was kept, and why
    stored = _stored(app, people[0].id)
    assert stored.status == "draft" and stored.answers[likert[0].id] == 4
    assert stored.comments == {q.signs[0].id: "A comment"}
    assert number.id not in stored.answers, "the invalid answer is kept as typed, not scored"

    back = _switch(client, token, typed, language="en")
    assert back.status_code == 302
    back = client.get(f"/r/{token}").get_data(as_text=True)
    assert '<html lang="en">' in back and likert[0].text.get("en") in back
    assert re.search(rf'name="q_{likert[0].id}"[^>]*value="4"\s*checked', back)


def test_switching_language_saves_a_valid_draft_and_redirects(app, client, setup):
    """The respondent on their own link: a switch with answers that can be saved saves
    them and comes back by a redirect (Back and reload ask nothing), saying they are
    saved; the page then says nothing else about saving (no "not yet saved")."""
    _created, people, q, likert, _number = setup
    token = people[0].token
    typed = {f"q_{likert[0].id}": "4", f"c_{q.signs[0].id}": "A comment"}
    response = _switch(client, token, typed)
    assert response.status_code == 302 and response.headers["Location"] == f"/r/{token}"
    stored = _stored(app, people[0].id)
    assert stored.status == "draft" and stored.answers == {likert[0].id: 4}
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "语言已切换。您的答案已保存。" in page
    assert "但尚未保存" not in page and "data-dirty" not in page
    assert re.search(rf'name="q_{likert[0].id}"[^>]*value="4"\s*checked', page)

    unchanged = _switch(client, token, typed, language="en")  # nothing new: nothing saved
    assert unchanged.status_code == 302
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Language changed." in page and "saved" not in page.split("Language changed.")[1][:20]
    assert _stored(app, people[0].id) == stored


def test_switching_language_with_nothing_typed_saves_nothing(app, client, setup):
    _created, people, _q, _likert, _number = setup
    response = _switch(client, people[0].token, {})
    assert response.status_code == 302
    assert _stored(app, people[0].id).status == "invited", "no empty draft: nobody started"


def test_switching_language_after_a_submission_changes_nothing_stored(app, client, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    _post(client, token, {f"q_{likert[0].id}": "2"}, action="submit_answers")
    page = _switch(client, token, {f"q_{likert[0].id}": "5"}).get_data(as_text=True)
    assert re.search(rf'name="q_{likert[0].id}"[^>]*value="5"\s*checked', page)
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 2}


@pytest.mark.parametrize(
    ("language", "csrf", "extra"),
    [("fr", None, {}), ("zh-CN", "forged", {}), ("zh-CN", None, {"q_injected": "1"})],
)
def test_a_bad_language_switch_is_refused(app, client, setup, language, csrf, extra):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    data = {f"q_{likert[0].id}": "4", **extra}
    assert _switch(client, token, data, language=language, csrf=csrf).status_code == 400
    assert '<html lang="en">' in client.get(f"/r/{token}").get_data(as_text=True)


def test_switching_language_on_a_closed_round_shows_it_closed(app, client, setup):
    created, people, _q, likert, _number = setup
    token = people[0].token
    csrf = csrf_token(client, f"/r/{token}")
    with app.app_context():
        rounds.set_status(get_db(), created.id, "closed")
    response = _switch(client, token, {f"q_{likert[0].id}": "4"}, csrf=csrf)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)


# --- a number and "not applicable" together -----------------------------------------------


def test_a_number_with_not_applicable_ticked_is_refused_with_a_message(app, client, setup):
    _created, people, _q, likert, number = setup
    token = people[0].token
    sent = {f"q_{likert[0].id}": "3", f"q_{number.id}": "12", f"na_{number.id}": "y"}
    response = _post(client, token, sent)  # Save draft: saved, the item kept as typed
    assert response.status_code == 302
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Enter a number or tick “Not applicable / don&#39;t know”, not both." in page
    assert re.search(rf'name="q_{number.id}"[^>]*value="12"', page), "the number is kept"
    assert re.search(rf'name="na_{number.id}"[^>]*checked', page), "and the tick"
    stored = _stored(app, people[0].id)
    assert stored.answers == {likert[0].id: 3}
    assert stored.invalid == {f"q_{number.id}": "12", f"na_{number.id}": "y"}
    submitting = _post(client, token, sent, action="submit_answers")
    assert submitting.status_code == 400
    assert _stored(app, people[0].id).status == "draft"
    alone = _post(client, token, {**sent, f"q_{number.id}": " "})  # N/A alone is fine
    assert alone.status_code == 302
    assert _stored(app, people[0].id).answers[number.id] is responses.NA


# --- a submission stays a submission --------------------------------------------------------


def test_save_draft_after_a_submission_never_empties_it(app, client, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    _post(client, token, {f"q_{likert[0].id}": "2"}, action="submit_answers")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert 'name="save"' not in page.split('id="answer-form"')[1], "no draft button any more"
    assert "Save changes" in page

    emptied = _post(client, token, {})  # a "Save draft" from a page left open before
    assert emptied.status_code == 400
    assert "Please answer at least one question" in emptied.get_data(as_text=True)
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 2}

    changed = _post(client, token, {f"q_{likert[0].id}": "5"})
    assert changed.status_code == 302
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 5}
    assert "Your changes are saved" in client.get(f"/r/{token}").get_data(as_text=True)


def test_the_store_never_empties_a_submission(app, setup):
    _created, people, q, likert, _number = setup
    with app.app_context():
        db = get_db()
        responses.save_response(db, people[0].id, {likert[0].id: 2}, {}, submit=True)
        with pytest.raises(responses.InvalidAnswers):
            responses.save_response(db, people[0].id, {}, {q.signs[0].id: "x"}, submit=False)
        stored = responses.load_draft(db, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 2}


# --- a text item's max_length ---------------------------------------------------------------


@pytest.fixture
def long_text_round(app, questionnaires):
    """A round whose text item allows 8000 characters (more than a comment's 5000)."""
    import json

    from assessment.questionnaire import questionnaire_from_snapshot
    from assessment.store import clients

    snapshot = json.loads(json.dumps(questionnaires["six-signs"].snapshot()))
    for sign in snapshot["signs"]:
        for item in sign["items"]:
            if item["type"] == "text":
                item["max_length"] = 8000
                text_id = item["id"]
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name="Long Texts Ltd")
        created = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=questionnaire_from_snapshot(snapshot),
        )
        person = respondents.add_respondent(db, created.id, name="Writer")
    return person, text_id


def test_a_text_item_takes_as_many_characters_as_its_file_allows(app, client, long_text_round):
    person, text_id = long_text_round
    page = client.get(f"/r/{person.token}").get_data(as_text=True)
    assert re.search(rf'name="q_{text_id}"[^>]*maxlength="8000"', page, re.S)
    assert _post(client, person.token, {f"q_{text_id}": "x" * 8000}).status_code == 302
    assert _stored(app, person.id).answers == {text_id: "x" * 8000}
    too_long = _post(client, person.token, {f"q_{text_id}": "x" * 8001}, action="submit_answers")
    assert too_long.status_code == 400
    assert "At most 8000 characters, please (this has 8001)." in too_long.get_data(as_text=True)


def test_line_breaks_count_once_against_max_length(app, client, setup, questionnaires):
    _created, people, q, _likert, _number = setup
    item = next(i for i in q.items() if i.type == "text" and i.applies("quarterly"))
    limit = item.max_length
    typed = "x" * (limit - 10) + "\r\n" * 10  # what a browser sends for a full textarea
    response = _post(client, people[0].token, {f"q_{item.id}": typed})
    assert response.status_code == 302
    assert _stored(app, people[0].id).answers == {item.id: "x" * (limit - 10) + "\n" * 10}


def test_a_text_too_long_is_refused_in_the_users_language(app, client, setup):
    _created, people, q, _likert, _number = setup
    item = next(i for i in q.items() if i.type == "text" and i.applies("quarterly"))
    token = people[0].token
    client.get(f"/r/{token}", headers={"Accept-Language": "zh-CN"})
    _switch(client, token, {})
    typed = "字" * (item.max_length + 1)
    response = _post(client, token, {f"q_{item.id}": typed}, action="submit_answers")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"最多 {item.max_length} 个字符" in page
    stored = _stored(app, people[0].id)
    assert stored.status == "draft" and stored.invalid == {f"q_{item.id}": typed}


# --- personal links in anonymous rounds (docs/anonymity.md, "Personal links") ---------------


def _checked(page: str, item, value: str) -> bool:
    return bool(re.search(rf'name="q_{item.id}"[^>]*value="{value}"\s*checked', page))


def _audit(app) -> list[tuple]:
    from assessment.store import audit

    with app.app_context():
        return [(e.actor, e.action, e.details) for e in audit.entries(get_db())]


def test_saved_answers_show_only_in_the_browser_that_saved_them(app, client, setup):
    _created, people, q, likert, _number = setup
    token = people[0].token
    secret_comment = "only for my eyes"
    sent = {f"q_{likert[0].id}": "5", f"c_{q.signs[0].id}": secret_comment}
    assert _post(client, token, sent).status_code == 302
    own = client.get(f"/r/{token}").get_data(as_text=True)
    assert _checked(own, likert[0], "5") and secret_comment in own

    other = app.test_client()  # another browser holding the same link
    page = other.get(f"/r/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert not _checked(text, likert[0], "5") and secret_comment not in text
    assert "from another browser" in text and " disabled>" in text
    refused = _post(other, token, {f"q_{likert[0].id}": "1"}, action="submit_answers")
    assert refused.status_code == 403
    stored = _stored(app, people[0].id)
    assert stored.answers == {likert[0].id: 5} and stored.status == "draft", "nothing changed"


def test_a_new_link_lets_another_browser_replace_the_answers_unseen(app, client, setup):
    _created, people, q, likert, _number = setup
    _post(client, people[0].token, {f"q_{likert[0].id}": "5", f"c_{q.signs[0].id}": "old words"})
    with app.app_context():
        token = respondents.reissue_token(get_db(), people[0].id).token
    other = app.test_client()
    page = other.get(f"/r/{token}").get_data(as_text=True)
    assert "old words" not in page and not _checked(page, likert[0], "5")
    assert "answering again replaces them" in page
    assert _post(other, token, {f"q_{likert[0].id}": "2"}).status_code == 302
    assert _stored(app, people[0].id).answers == {likert[0].id: 2}
    assert _checked(other.get(f"/r/{token}").get_data(as_text=True), likert[0], "2")
    # The first browser lost its claim with the old link.
    assert _post(client, token, {f"q_{likert[0].id}": "4"}).status_code == 403
    assert ("personal link", "personal_link.replaced") in [(a, b) for a, b, _d in _audit(app)]


def test_answers_saved_before_keys_existed_are_locked(app, client, setup):
    _created, people, _q, likert, _number = setup
    with app.app_context():
        db = get_db()
        responses.save_response(db, people[0].id, {likert[0].id: 5}, {}, submit=True)
        with db.conn:
            db.execute("UPDATE respondents SET answer_key = '!' WHERE id = ?", [people[0].id])
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    assert not _checked(page, likert[0], "5")
    assert _post(client, people[0].token, {f"q_{likert[0].id}": "1"}).status_code == 403
    assert _stored(app, people[0].id).answers == {likert[0].id: 5}


@pytest.mark.parametrize("anonymous", [True, False])
@pytest.mark.parametrize("role", ["lead", "admin"])
def test_a_logged_in_lead_sees_nothing_saved_and_cannot_answer(
    app, client, auth, make_round, questionnaires, anonymous, role
):
    _created, people = make_round(respondents=1, anonymous=anonymous)
    likert = next(i for i in questionnaires["six-signs"].items() if i.type == "likert")
    respondent = app.test_client()
    assert _post(respondent, people[0].token, {f"q_{likert.id}": "5"}).status_code == 302
    auth.login(role)
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    assert "this is the personal link of Person 0" in page
    assert not _checked(page, likert, "5") and " disabled>" in page
    refused = _post(client, people[0].token, {f"q_{likert.id}": "1"}, action="submit_answers")
    assert refused.status_code == 403
    assert _stored(app, people[0].id).answers == {likert.id: 5}
    [(actor, _action, details)] = [e for e in _audit(app) if e[1] == "personal_link.refused"]
    assert actor == f"{role}@example.com" and details["respondent"] == people[0].id


def test_the_respondent_logged_in_with_their_account_sees_and_changes_their_answers(
    app, client, auth, make_round, questionnaires
):
    created, _people = make_round(respondents=0)
    likert = next(i for i in questionnaires["six-signs"].items() if i.type == "likert")
    with app.app_context():
        mine = respondents.add_respondent(get_db(), created.id, name="Me", email="lead@example.com")
        responses.save_response(get_db(), mine.id, {likert.id: 5}, {}, submit=False)
    auth.login("lead")
    page = client.get(f"/r/{mine.token}").get_data(as_text=True)
    assert _checked(page, likert, "5") and "personal link of" not in page
    assert _post(client, mine.token, {f"q_{likert.id}": "3"}).status_code == 302
    assert _stored(app, mine.id).answers == {likert.id: 3}


def test_the_answer_key_is_bound_with_the_answers_or_not_at_all(app, setup):
    _created, people, _q, likert, _number = setup
    first, second = (respondents.answer_key_hash(respondents.new_answer_key()) for _ in range(2))
    with app.app_context():
        db = get_db()
        with pytest.raises(responses.InvalidAnswers):
            responses.save_response(
                db, people[0].id, {"nope": 1}, {}, submit=False, answer_key=first
            )
        assert respondents.get_respondent(db, people[0].id).answer_key is None, "rolled back"
        responses.save_response(
            db, people[0].id, {likert[0].id: 2}, {}, submit=False, answer_key=first
        )
        assert respondents.get_respondent(db, people[0].id).answer_key == first
        with pytest.raises(responses.AnswerKeyTaken):
            responses.save_response(
                db, people[0].id, {likert[0].id: 5}, {}, submit=True, answer_key=second
            )
    assert _stored(app, people[0].id).answers == {likert[0].id: 2}


def test_the_key_comes_with_the_first_visit_so_a_lost_answer_can_be_sent_again(app, client, setup):
    """The browser holds its key from the moment it opens the form: if the answer to its
    save is lost (a dropped connection), sending again from the same browser still works."""
    _created, people, _q, likert, _number = setup
    token = people[0].token
    assert client.get(f"/r/{token}").status_code == 200
    assert client.get_cookie(f"pc_answer_{people[0].id}", path="/r/") is not None
    assert _post(client, token, {f"q_{likert[0].id}": "2"}).status_code == 302
    assert _post(client, token, {f"q_{likert[0].id}": "3"}).status_code == 302
    assert _stored(app, people[0].id).answers == {likert[0].id: 3}


# --- the language switch on a link whose answers this browser may not see ------------------


def test_switching_language_in_another_browser_shows_nothing_saved(app, client, setup):
    """The language switch posts the form back; on a link whose answers were saved from
    another browser it keeps the notice, the empty form and the disabled buttons."""
    _created, people, q, likert, _number = setup
    token = people[0].token
    _post(client, token, {f"q_{likert[0].id}": "5", f"c_{q.signs[0].id}": "only for my eyes"})
    other = app.test_client()
    other.get(f"/r/{token}")
    response = _switch(other, token, {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="zh-CN"' in page
    assert "only for my eyes" not in page and not _checked(page, likert[0], "5")
    assert "已有人在另一个浏览器中通过此链接保存过答卷" in page and " disabled>" in page
    stored = _stored(app, people[0].id)
    assert stored.answers == {likert[0].id: 5} and stored.comments == {
        q.signs[0].id: "only for my eyes"
    }


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_lead_switching_language_on_someone_elses_link_sees_nothing_and_saves_nothing(
    app, client, auth, make_round, questionnaires, anonymous
):
    _created, people = make_round(respondents=1, anonymous=anonymous)
    likert = next(i for i in questionnaires["six-signs"].items() if i.type == "likert")
    respondent = app.test_client()
    assert _post(respondent, people[0].token, {f"q_{likert.id}": "5"}).status_code == 302
    auth.login("lead")
    page = _switch(client, people[0].token, {}).get_data(as_text=True)
    assert "而这是 Person 0 的专属链接" in page and " disabled>" in page
    assert "语言已切换" not in page, "nothing here can be saved: no 'not yet saved' notice"
    assert not _checked(page, likert, "5")
    assert _stored(app, people[0].id).answers == {likert.id: 5}
    # No answer key for the lead: they may not save through the link at all.
    assert client.get_cookie(f"pc_answer_{people[0].id}", path="/r/") is None


def _every_answer(q, kind="quarterly") -> dict[str, str]:
    """A form answering every item asked in a round of ``kind``."""
    sent = {}
    for item in q.items():
        if not item.applies(kind):
            continue
        if item.type == "likert":
            sent[f"q_{item.id}"] = "3"
        elif item.type == "number":
            sent[f"q_{item.id}"] = f"{item.min:g}"
        elif item.type == "choice":
            sent[f"q_{item.id}"] = item.options[0].id
        else:
            sent[f"q_{item.id}"] = "words"
    return sent


def test_a_submission_with_skipped_items_shows_the_review_first(app, client, setup):
    _created, people, q, likert, _number = setup
    token = people[0].token
    sent = {f"q_{likert[0].id}": "2"}
    posted = _post(client, token, sent, action="submit_answers", confirmed=False)
    assert posted.status_code == 302, "redirect after post: Back and reload ask nothing"
    assert posted.headers["Location"] == f"/r/{token}?review=1"
    review = client.get(posted.headers["Location"])
    page = review.get_data(as_text=True)
    asked = [i for i in q.items() if i.applies("quarterly") and not i.optional]
    assert review.status_code == 200 and 'data-testid="review"' in page
    assert f"{len(asked) - 1} questions are not answered yet." in page
    assert f'href="#q_{likert[1].id}"' in page and f'href="#q_{likert[0].id}"' not in page
    assert _checked(page, likert[0], "2"), "what was sent stays on the page"
    assert 'value="anyway"' in page
    stored = _stored(app, people[0].id)
    assert stored.status == "draft", "nothing submitted; what was sent is kept as a draft"
    assert stored.answers == {likert[0].id: 2}

    assert _post(client, token, sent, action="submit_answers").status_code == 302  # anyway
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 2}


def test_a_complete_submission_needs_no_review(app, client, setup):
    _created, people, q, _likert, _number = setup
    done = _post(
        client, people[0].token, _every_answer(q), action="submit_answers", confirmed=False
    )
    assert done.status_code == 302
    assert _stored(app, people[0].id).status == "submitted"


def test_the_review_speaks_chinese_with_plurals(app, client, setup):
    _created, people, q, likert, _number = setup
    one_left = _every_answer(q)
    del one_left[f"q_{likert[0].id}"]
    client.get("/", headers={"Accept-Language": "en"})
    page = _post(client, people[0].token, one_left, action="submit_answers", confirmed=False)
    page = client.get(page.headers["Location"])
    assert "1 question is not answered yet." in page.get_data(as_text=True)
    zh = app.test_client()
    zh_page = zh.get(f"/r/{people[1].token}", headers={"Accept-Language": "zh-CN"})
    assert zh_page.status_code == 200
    data = {
        **one_left,
        "csrf_token": csrf_token(zh, f"/r/{people[1].token}"),
        "submit_answers": "y",
    }
    text = zh.post(
        f"/r/{people[1].token}",
        data=data,
        headers={"Accept-Language": "zh-CN"},
        follow_redirects=True,
    )
    assert "还有 1 个问题未回答。" in text.get_data(as_text=True)


def _autosave(client, token, data, *, csrf=True):
    if csrf:
        data = {**data, "csrf_token": csrf_token(client, f"/r/{token}")}
    return client.post(f"/r/{token}/autosave", data=data)


def test_autosave_keeps_a_draft_and_answers_in_json(app, client, setup):
    _created, people, q, likert, _number = setup
    token = people[0].token
    saved = _autosave(client, token, {f"q_{likert[0].id}": "4", f"c_{q.signs[0].id}": "so far"})
    assert saved.status_code == 200
    assert saved.get_json() == {"saved": True, "status": "draft", "answered": 1, "invalid": []}
    stored = _stored(app, people[0].id)
    assert stored.status == "draft" and stored.answers == {likert[0].id: 4}
    assert stored.comments == {q.signs[0].id: "so far"}
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert _checked(page, likert[0], "4"), "the same browser finds it again"


def test_autosave_keeps_what_save_draft_keeps(app, client, setup):
    """An invalid answer does not stop autosave: the rest is saved, the invalid one kept as
    typed and its message sent back for the page to show beside it (issue 25)."""
    _created, people, _q, likert, number = setup
    token = people[0].token
    expired = _autosave(client, token, {f"q_{likert[0].id}": "4"}, csrf=False)
    assert expired.status_code == 400 and expired.get_json()["reason"] == "expired"
    assert expired.get_json()["csrf_token"], "a fresh token to send again with"
    assert _autosave(client, token, {"q_nonsense": "1"}).status_code == 400
    assert _stored(app, people[0].id).status == "invited", "nothing stored"
    bad = _autosave(client, token, {f"q_{likert[0].id}": "4", f"q_{number.id}": "100000"})
    assert bad.status_code == 200
    answer = bad.get_json()
    assert answer["saved"] is True
    assert [entry["field"] for entry in answer["invalid"]] == [f"q_{number.id}"]
    assert "between" in answer["invalid"][0]["message"]
    stored = _stored(app, people[0].id)
    assert stored.status == "draft" and stored.answers == {likert[0].id: 4}
    assert stored.invalid == {f"q_{number.id}": "100000"}


def test_autosave_never_touches_a_submission_or_a_closed_round(app, client, setup):
    created, people, _q, likert, _number = setup
    token = people[0].token
    _post(client, token, {f"q_{likert[0].id}": "2"}, action="submit_answers")
    kept = _autosave(client, token, {f"q_{likert[0].id}": "5"})
    assert kept.status_code == 409 and kept.get_json()["reason"] == "submitted"
    assert _stored(app, people[0].id).answers == {likert[0].id: 2}
    with app.app_context():
        rounds.set_status(get_db(), created.id, "closed")
    closed = _autosave(app.test_client(), people[1].token, {f"q_{likert[0].id}": "5"})
    assert closed.status_code == 409 and _stored(app, people[1].id).status == "invited"


def test_autosave_from_another_browser_or_a_lead_is_refused(app, client, auth, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    assert _autosave(client, token, {f"q_{likert[0].id}": "5"}).status_code == 200
    other = app.test_client()
    refused = _autosave(other, token, {f"q_{likert[0].id}": "1"})
    assert refused.status_code == 403
    lead = app.test_client()
    lead.post("/login", data={"email": "lead@example.com", "password": "x"})
    auth.login("lead")
    assert _autosave(client, people[1].token, {f"q_{likert[0].id}": "1"}).status_code == 403
    assert _stored(app, people[0].id).answers == {likert[0].id: 5}
    assert _stored(app, people[1].id).status == "invited"
    assert any(e[1] == "personal_link.refused" for e in _audit(app))


def test_the_form_shows_progress_per_section_and_overall(app, client, setup):
    _created, people, q, _likert, _number = setup
    token = people[0].token
    first = q.signs[0]
    in_first = [i for i in first.items if i.applies("quarterly") and not i.optional]
    asked = [i for i in q.items() if i.applies("quarterly") and not i.optional]
    _post(client, token, {f"q_{in_first[0].id}": "4", f"q_{in_first[1].id}": "na"})
    page = client.get(f"/r/{token}").get_data(as_text=True)
    nav = page[
        page.index('<nav class="section-nav"') : page.index("</nav>", page.index("section-nav"))
    ]
    assert nav.count("<li") == len(
        [s for s in q.signs if any(i.applies("quarterly") for i in s.items)]
    )
    assert f'<span class="answered-count">2</span> of {len(in_first)} answered' in nav
    assert f'<span class="answered-count">2</span> of {len(asked)} answered' in page
    assert f'<progress class="d-block" max="{len(asked)}" value="2"' in page
    assert "data-autosave" in page


def test_an_optional_open_question_is_no_gap(app, client, setup):
    """A respondent who answers everything but the open question marked optional sees
    every item answered and submits without the review of blanks; with it answered the
    count does not pass the number asked."""
    _created, people, q, _likert, _number = setup
    optional = [i for i in q.items() if i.applies("quarterly") and i.optional]
    assert optional and all(i.type == "text" for i in optional)
    asked = [i for i in q.items() if i.applies("quarterly") and not i.optional]
    sent = _every_answer(q)
    for item in optional:
        del sent[f"q_{item.id}"]
    token = people[0].token
    _post(client, token, sent)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert f'<span class="answered-count">{len(asked)}</span> of {len(asked)} answered' in page
    assert page.count("data-optional") == len(optional)
    done = _post(client, token, sent, action="submit_answers", confirmed=False)
    assert done.status_code == 302, "no review: nothing required or counted is blank"
    assert _stored(app, people[0].id).status == "submitted"

    other = people[1].token
    with_note = {**sent, f"q_{optional[0].id}": "a note"}
    saved = _autosave(client, other, with_note)
    assert saved.get_json()["answered"] == len(asked)
    page = client.get(f"/r/{other}").get_data(as_text=True)
    assert f'<span class="answered-count">{len(asked)}</span> of {len(asked)} answered' in page


def test_the_page_follows_every_change_another_worker_commits(app, client, setup):
    """The link's rows are reused while the database is unchanged (fastpath.unchanged):
    a change committed by another process's connection shows on the next request."""
    created, people, _q, likert, _number = setup
    token = people[0].token
    _post(client, token, {f"q_{likert[0].id}": "2"})
    assert _checked(client.get(f"/r/{token}").get_data(as_text=True), likert[0], "2")
    elsewhere = connect(app.config["DATABASE"])  # another gunicorn worker, say
    try:
        with transaction(elsewhere, write=True):
            elsewhere.execute(
                "UPDATE answers SET value_number = 5 WHERE item_id = ?", [likert[0].id]
            )
        assert _checked(client.get(f"/r/{token}").get_data(as_text=True), likert[0], "5")
        rounds.set_status(elsewhere, created.id, "closed")
        closed = client.get(f"/r/{token}").get_data(as_text=True)
        assert 'name="submit_answers"' not in closed and "closed" in closed
        new = respondents.reissue_token(elsewhere, people[0].id)
        assert client.get(f"/r/{token}").status_code == 404
        assert client.get(f"/r/{new.token}").status_code == 200
    finally:
        elsewhere.close()
