"""The answer page compiled per round is the page the templates render, filled per person."""

import re
import threading

import pytest
from flask import flash

from assessment.db import get_db
from assessment.store import clients, responses, rounds
from assessment.store.responses import NA
from assessment.web.answer_form import build_form, form_data_from_draft, number_text
from assessment.web.fastpath import answer_page
from assessment.web.fastpath.answer_page import render_compiled, render_live

HOSTILE = '</textarea><script>alert("x")</script>&amp; <b>'


@pytest.fixture
def setup(app, make_round, questionnaires):
    created, people = make_round(respondents=3)
    q = questionnaires["six-signs"]
    items = [i for i in q.items() if i.applies("quarterly")]
    return created, people, q, items


def _first(items, kind, **wanted):
    return next(
        i for i in items if i.type == kind and all(getattr(i, k) == v for k, v in wanted.items())
    )


def _drafts(q, items):
    """Saved answers of every kind the page must show again (not all of them valid for
    this questionnaire's number items: the page must show whatever a draft holds)."""
    likert = [i for i in items if i.type == "likert"]
    numbers = [i for i in items if i.type == "number"]
    text = [i for i in items if i.type == "text"]
    choices = [i for i in items if i.type == "choice"]
    full = {i.id: 1 + n % 5 for n, i in enumerate(likert)}
    full.update({i.id: i.options[-1].id for i in choices})
    partial = {likert[0].id: 4, likert[1].id: NA, numbers[0].id: 1234567}
    partial.update({i.id: NA for i in choices[:1] if i.allow_na})
    partial["no-such-item"] = 3  # from a questionnaire the round no longer has
    fractional = {numbers[0].id: 12.5, likert[2].id: 2.5, likert[3].id: 9}  # odd, but shown
    fractional.update({i.id: NA for i in numbers[1:] if i.allow_na})
    if text:
        partial[text[0].id] = HOSTILE
        full[text[0].id] = "plain words"
    comments = {q.signs[0].id: HOSTILE, q.signs[-1].id: "line one\nline two"}
    return [
        ("invited", {}, {}),
        ("draft", partial, comments),
        ("draft", fractional, {}),
        ("submitted", full, comments),
    ]


def _save(app, respondent_id, answers, comments, status):
    with app.app_context():
        db = get_db()
        with db.conn:
            db.execute("DELETE FROM responses WHERE respondent_id = ?", [respondent_id])
        if status != "invited":
            responses.save_response(
                db, respondent_id, answers, comments, submit=status == "submitted", language="en"
            )


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_compiled_page_is_byte_for_byte_the_live_page(app, setup, lang):
    created, people, q, items = setup
    person = people[0]
    with app.app_context():
        db = get_db()
        with db.conn:
            db.execute("UPDATE respondents SET name = ? WHERE id = ?", [HOSTILE, person.id])
    for status, answers, comments in _drafts(q, items):
        draft = responses.Draft(status=status, answers=answers, comments=comments)
        with app.test_request_context(f"/r/{person.token}", headers={"Accept-Language": lang}):
            db = get_db()
            respondent = rounds.find_by_token(db, person.token)
            current = rounds.get_round(db, created.id)
            form_class = build_form(current.questionnaire, current.kind, lang)
            flash("Draft saved <again>", "success")
            live = render_live(
                form_class(data=form_data_from_draft(q, current.kind, draft)),
                respondent,
                current,
                draft,
            )
            compiled = render_compiled(form_class, respondent, current, draft, lang).decode()
        assert compiled == live, f"{status} {sorted(answers)[:3]}"
        assert "<script>alert" not in compiled


def test_saved_answers_come_back_checked_through_the_client(app, client, setup):
    _created, people, q, items = setup
    likert = [i for i in items if i.type == "likert"]
    number = _first(items, "number")
    answers = {likert[0].id: 4, likert[1].id: NA, number.id: 42}
    _save(app, people[0].id, answers, {q.signs[0].id: HOSTILE}, "draft")
    # An anonymous round shows saved answers to the browser holding the answer key.
    secret = rounds.new_answer_key()
    with app.app_context():
        db = get_db()
        with db.conn:
            db.execute(
                "UPDATE respondents SET answer_key = ? WHERE id = ?",
                [rounds.answer_key_hash(secret), people[0].id],
            )
    client.set_cookie(f"pc_answer_{people[0].id}", secret, path="/r/")
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    assert re.search(rf'name="q_{likert[0].id}"[^>]*value="4"\s*checked', page)
    assert re.search(rf'name="q_{likert[1].id}"[^>]*value="na"\s*checked', page)
    assert re.search(rf'name="q_{number.id}"[^>]*value="42"', page)
    assert page.count(" checked>") == 2
    assert "<script>alert" not in page and "&lt;/textarea&gt;&lt;script&gt;" in page
    other = client.get(f"/r/{people[1].token}").get_data(as_text=True)
    assert " checked>" not in other and 'value="42"' not in other
    assert "Person 1" in other and "Person 0" not in other


def test_an_edited_round_gets_a_new_page(app, client, setup):
    created, people, _q, _items = setup
    token = people[0].token
    assert "Please answer by" not in client.get(f"/r/{token}").get_data(as_text=True)
    with app.app_context():
        db = get_db()
        with db.conn:
            db.execute("UPDATE rounds SET due_date = '2026-12-24' WHERE id = ?", [created.id])
        clients.update_client(
            db,
            created.client_id,
            name="Renamed & Co",
            industry="Retail",
            lead_id=None,
            start_date=None,
            notes="",
        )
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "2026-12-24" in page
    assert "Renamed &amp; Co" in page and "Acme" not in page


def test_a_closed_round_is_no_longer_served_from_the_page(app, client, setup):
    created, people, _q, _items = setup
    assert client.get(f"/r/{people[0].token}").status_code == 200
    with app.app_context():
        rounds.set_status(get_db(), created.id, "closed")
    page = client.get(f"/r/{people[0].token}")
    assert page.status_code == 200
    assert 'name="submit_answers"' not in page.get_data(as_text=True)


def test_a_logged_in_visitor_gets_the_live_page_with_their_navigation(client, auth, setup):
    _created, people, _q, _items = setup
    auth.login("lead")
    page = client.get(f"/r/{people[0].token}").get_data(as_text=True)
    assert 'data-testid="current-user"' in page
    assert 'name="submit_answers"' in page


def test_the_page_cache_is_bounded(app, client, make_round, monkeypatch):
    monkeypatch.setattr(answer_page, "CACHE_SIZE", 2)
    tokens = [make_round(client=f"Client {n}", respondents=1)[1][0].token for n in range(3)]
    for token in tokens:
        assert client.get(f"/r/{token}").status_code == 200
    keys = app.extensions["assessment.answer_pages"].keys()
    assert [key[0].client_name for key in keys] == ["Client 1", "Client 2"]
    assert client.get(f"/r/{tokens[1]}").status_code == 200  # used: now the newest
    keys = app.extensions["assessment.answer_pages"].keys()
    assert [key[0].client_name for key in keys] == ["Client 2", "Client 1"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (0, "0"),
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        (-3.25, "-3.25"),
        (1234567, "1234567"),
        (0.1, "0.1"),
        (1 / 3, "0.333333333333333"),
    ],
)
def test_number_text(value, text):
    assert number_text(value) == text


def test_the_page_cache_holds_up_under_threads(app, make_round, monkeypatch):
    """``flask run`` serves with threads: pages come and go while others are read."""
    monkeypatch.setattr(answer_page, "CACHE_SIZE", 1)
    tokens = [make_round(client=f"Client {n}", respondents=1)[1][0].token for n in range(3)]
    statuses: list[int] = []

    def visit(offset: int) -> None:
        client = app.test_client()
        for n in range(30):
            statuses.append(client.get(f"/r/{tokens[(n + offset) % 3]}").status_code)

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 120
