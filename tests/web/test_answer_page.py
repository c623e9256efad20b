"""The answer page compiled per round is the page the templates render, filled per person."""

import re
import threading

import pytest
from flask import flash
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import escape

from assessment.db import get_db
from assessment.store import clients, respondents, responses, rounds
from assessment.store.responses import NA
from assessment.web.answer_form import build_form, form_data_from_draft, number_text
from assessment.web.fastpath import answer_page
from assessment.web.fastpath.answer_page import render_compiled, render_live
from assessment.web.fastpath.standin import NotASlot

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
            respondent = respondents.find_by_token(db, person.token)
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
    secret = respondents.new_answer_key()
    with app.app_context():
        db = get_db()
        with db.conn:
            db.execute(
                "UPDATE respondents SET answer_key = ? WHERE id = ?",
                [respondents.answer_key_hash(secret), people[0].id],
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
        (1 / 3, "0.3333333333333333"),  # every digit that reads back as the same number
        (1.1367993242810981e-104, "0." + "0" * 103 + "11367993242810981"),
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


def _two_respondents(app, created, q, items, statuses):
    """Two respondents of one round who differ in every field but their round: name,
    email, role, language, token, user account, status, answer key, and every answer and
    comment of their drafts (language and submission time too)."""
    likert = [i for i in items if i.type == "likert"]
    choices = [i for i in items if i.type == "choice"]
    numbers = [i for i in items if i.type == "number"]
    texts = [i for i in items if i.type == "text"]
    first = {i.id: 1 + n % 5 for n, i in enumerate(likert)}
    second = {i.id: 1 + (n + 2) % 5 for n, i in enumerate(likert)}
    first.update({i.id: i.options[0].id for i in choices})
    second.update({i.id: NA if i.allow_na else i.options[-1].id for i in choices})
    first.update({i.id: 3 for i in numbers})
    second.update({i.id: 14 for i in numbers})
    first.update({i.id: "plain words" for i in texts})
    second.update({i.id: HOSTILE for i in texts})
    people = [
        ("Ann <a&b>", None, "delivery", None, first, {q.signs[0].id: "Ann's note"}, "en"),
        (
            "王小明",
            "member@example.com",  # a user account with this email: linked
            "finance",
            "zh-CN",
            second,
            {sign.id: f"{HOSTILE} {sign.id}" for sign in q.signs},
            "zh-CN",
        ),
    ]
    made = []
    with app.app_context():
        db = get_db()
        for (name, email, role, language, answers, comments, saved_in), status in zip(
            people, statuses, strict=True
        ):
            person = respondents.add_respondent(
                db, created.id, name=name, email=email, role=role, language=language
            )
            if status != "invited":
                responses.save_response(
                    db,
                    person.id,
                    answers,
                    comments,
                    submit=status == "submitted",
                    language=saved_in,
                    answer_key=respondents.answer_key_hash(respondents.new_answer_key())
                    if language
                    else None,
                )
            if not made:  # saved a while before the other
                with db.conn:
                    db.execute(
                        "UPDATE responses SET updated_at = '2026-01-02T03:04:05+00:00',"
                        " submitted_at = CASE WHEN submitted_at IS NULL THEN NULL"
                        " ELSE '2026-01-02T03:04:05+00:00' END WHERE respondent_id = ?",
                        [person.id],
                    )
            made.append(respondents.find_by_token(db, person.token))
    # Both are of the team: the page learns a client contact's side from the round it is
    # given (``Round.for_client``), never from the respondent.
    fields = [
        f for f in made[0].__dataclass_fields__ if f not in ("round_id", "side", "client_role")
    ]
    if statuses[0] == statuses[1]:
        fields.remove("status")
        if statuses[0] == "invited":
            fields = [f for f in fields if f not in ("updated_at", "answer_key")]
    assert [f for f in fields if getattr(made[0], f) == getattr(made[1], f)] == []
    return made


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize(
    "statuses",
    [
        ("draft", "draft"),
        ("submitted", "submitted"),
        ("invited", "invited"),
        ("draft", "submitted"),
    ],
)
def test_two_respondents_who_differ_in_everything_each_get_their_live_page(
    app, make_round, questionnaires, lang, statuses
):
    """The page compiled on the first visit serves the second respondent (same status)
    byte for byte as the live rendering of the second respondent's own page."""
    created, _people = make_round(respondents=0)
    q = questionnaires["six-signs"]
    items = [i for i in q.items() if i.applies("quarterly")]
    people = _two_respondents(app, created, q, items, statuses)
    pages, drafts = [], []
    for person in people:
        with app.test_request_context(f"/r/{person.token}", headers={"Accept-Language": lang}):
            db = get_db()
            draft = responses.load_draft(db, person.id)
            drafts.append(draft)
            current = rounds.get_round(db, created.id)
            form_class = build_form(current.questionnaire, current.kind, lang)
            flash(f"Saved for {person.name}", "success")
            live = render_live(
                form_class(data=form_data_from_draft(q, current.kind, draft)),
                person,
                current,
                draft,
            )
            compiled = render_compiled(form_class, person, current, draft, lang).decode()
        assert compiled == live, person.name
        pages.append(compiled)
    shared = statuses[0] == statuses[1]
    assert len(app.extensions["assessment.answer_pages"]) == (1 if shared else 2)
    for page, other in zip(pages, reversed(people), strict=True):
        assert str(escape(other.name)) not in page and other.token not in page
    assert "member@example.com" not in pages[1]
    if "invited" not in statuses:  # the drafts differ in every answer, comment and field
        first, second = drafts
        assert set(first.answers) == set(second.answers)
        assert all(first.answers[i] != second.answers[i] for i in first.answers)
        assert first.comments != second.comments and first.language != second.language
        assert first.submitted_at != second.submitted_at or statuses == ("draft", "draft")


@pytest.mark.parametrize(
    "shown",
    [
        "respondent.email",
        "respondent.role",
        "respondent.token",
        "respondent.language",
        "respondent.name",  # outside its slot
        "respondent.user_id",
        "respondent.answer_key",
        "draft.answers",
        "draft.submitted_at",
    ],
)
def test_a_form_template_showing_more_of_the_respondent_is_refused_when_compiled(app, setup, shown):
    """Compiled from the first visitor, such a template would show their field to the
    whole round: compiling it from stand-ins fails instead; the live page still works."""
    created, people, _q, _items = setup
    source = app.jinja_env.loader.get_source(app.jinja_env, answer_page.TEMPLATE)[0]
    header = '<header class="mb-4">'
    assert header in source
    changed = source.replace(header, f"{header}<p>{{{{ {shown} }}}}</p>", 1)
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({answer_page.TEMPLATE: changed}), app.jinja_env.loader]
    )
    app.jinja_env.cache.clear()
    with app.test_request_context(f"/r/{people[0].token}"):
        db = get_db()
        respondent = respondents.find_by_token(db, people[0].token)
        current = rounds.get_round(db, created.id)
        draft = responses.load_draft(db, respondent.id)
        form_class = build_form(current.questionnaire, current.kind, "en")
        render_live(form_class(formdata=None), respondent, current, draft)  # renders
        with pytest.raises(NotASlot, match=shown.replace(".", r"\.")):
            render_compiled(form_class, respondent, current, draft, "en")
