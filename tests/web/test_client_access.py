"""What a client contact's personal link reaches, and what it may send (web/client_access).

Who may see what, here: a client contact (no account, holding their own personal link and
the answer key their browser got from it) reaches their own answer page and its autosave,
and nothing else of the app: no team summary, results, other round or anything a lead
sees, in every state of a round (open, closed, team view shared, client summary shared).
Every route comes from ``app.url_map``: a route added later fails the sweep until someone
decides, with a reason, that client links may reach it. Team members' links keep their
team summary (tests/web/test_team.py).
"""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from conftest import csrf_token
from pypdf import PdfReader

from assessment import results
from assessment.db import get_db
from assessment.store import responses, rounds, share_links, team_views
from assessment.web.access import client_link_reason

#: Endpoints a client contact's link may reach, and why. Nothing else may answer them but
#: a redirect to the login page, 403 or 404. Kept here by hand, not read from the code's
#: markers, so that marking a route in the code alone does not open it (the two must agree).
CLIENT_ALLOWED = {
    "respond.answer": "their own answer page (the mirror's items only)",
    "respond.autosave": "their own page's drafts (the mirror's items only)",
    "draft_transfer.offer": "carrying their own draft to another device (no answers shown)",
    "draft_transfer.enter_code": "the code that carries their own draft's key here",
    "draft_transfer.mailed": "the mailed link that carries their own draft's key here",
    "draft_transfer.start_again": "starting their own draft again (the mirror's items only)",
}
#: Public pages that take no personal link: open to anyone, and showing nothing of a round.
OPEN_TO_ANYONE = {
    "auth.login": "the login page: asks for an account, shows nothing of any round",
    "i18n.switch_language": "the language switch: changes the session's language only",
    "results.shared_pdf": "a share link is a credential of its own; a personal link is none",
    "api.openapi": "the API's description: the shape of its answers, no data",
}
#: The API answers a token in the Authorization header only (a client contact has no
#: account, so no token): 401 to a client link's browser, whatever it holds.
API_ONLY_BY_TOKEN = 401
SKIPPED = {"static", "bootstrap.static"}  # the app's own CSS, scripts and fonts

TEAM_COMMENT = "Team-only remark 7f3a"
TEAM_TEXT = "Team-only text answer 9c1e"
STATES = ("open", "closed", "team view shared", "client summary shared")


def _team_answers(questionnaire, kind):
    """Answers of the worst kind: the round's verdict is its worst, with next steps."""
    found = {}
    for item in questionnaire.items():
        if not item.applies(kind):
            continue
        if item.type == "likert":
            found[item.id] = 1 if item.direction == "healthy" else 5
        elif item.type == "number":
            worst = min(item.breakpoints, key=lambda point: point.score)
            found[item.id] = worst.value
        elif item.type == "choice":
            found[item.id] = min(item.options, key=lambda option: option.score).id
        else:
            found[item.id] = TEAM_TEXT
    return found


def _client_answers(mirror, kind):
    """Every item of the mirror answered (so the client's view is shown once closed)."""
    found = {}
    for item in mirror.items():
        if not item.applies(kind):
            continue
        if item.type == "likert":
            found[item.id] = 4
        elif item.type == "number":
            found[item.id] = item.breakpoints[0].value
        elif item.type == "choice":
            found[item.id] = item.options[0].id
    return found


def _internal_texts(questionnaire) -> set[str]:
    """The team's verdict words and next-step texts, in both languages."""
    texts = set()
    for band in questionnaire.bands:
        texts.update(band.verdict.get(lang) for lang in ("en", "zh-CN"))
    for sign in questionnaire.signs:
        advice = [*sign.recommendations.values(), sign.persisting, sign.gap]
        for step in advice:
            if step is not None:
                texts.update(step.text.get(lang) for lang in ("en", "zh-CN"))
    return texts


def _submit(browser, token, answers):
    data = {**answers, "csrf_token": csrf_token(browser, f"/r/{token}")}
    return browser.post(f"/r/{token}", data={**data, "submit_answers": "anyway"})


@pytest.fixture
def world(app, make_round):
    """A named round with three team members and three client contacts, and another
    client's round; the first contact answered through their own browser."""
    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    _other, strangers = make_round(client="Other Co", respondents=3, contacts=1)
    team, contacts = people[:3], people[3:]
    browser = app.test_client()
    theirs = _client_answers(current.mirror, current.kind)
    mine = {f"q_{item}": str(value) for item, value in theirs.items()}
    assert _submit(browser, contacts[0].token, mine).status_code == 302
    with app.app_context():
        db = get_db()
        answers = _team_answers(current.questionnaire, current.kind)
        for person in team:
            first = current.questionnaire.signs[0].id
            responses.save_response(db, person.id, answers, {first: TEAM_COMMENT}, submit=True)
        for person in contacts[1:]:
            responses.save_response(db, person.id, theirs, {}, submit=True)
    return {
        "round": current,
        "team": team,
        "contacts": contacts,
        "browser": browser,
        "strangers": strangers,
    }


def _reach_state(app, world, state: str) -> dict:
    """The round in ``state`` (each state includes the ones before it)."""
    current = world["round"]
    made = {}
    if state == "open":
        return made
    with app.app_context():
        db = get_db()
        results.close_round(db, rounds.get_round(db, current.id))
        closed = rounds.get_round(db, current.id)
        if state in ("team view shared", "client summary shared"):
            steps = [step.sign_id for step in results.outcome(results.load(db, closed)).next_steps]
            assert steps, "the round must have next steps to leak"
            team_views.save(db, current.id, shared=True, steps=steps, user_id=None)
        if state == "client summary shared":
            rounds.set_client_summary_shared(db, current.id, True)
            link = share_links.create_link(db, current.id, language="en", document="client_summary")
            made["share"] = link.token
    return made


def _url(rule, values: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:\w+:)?{name}>", str(values.get(name, "1")), url)
    return url


def test_the_allowed_list_and_the_code_agree(app):
    """The routes marked for client links in the code are exactly those listed here."""
    with app.test_request_context():
        marked = {e for e in app.view_functions if client_link_reason(e)}
    assert marked == set(CLIENT_ALLOWED)


@pytest.mark.parametrize("state", STATES)
def test_a_client_link_reaches_its_own_form_and_nothing_else(app, world, questionnaires, state):
    made = _reach_state(app, world, state)
    browser, contact, current = world["browser"], world["contacts"][0], world["round"]
    forbidden = _internal_texts(questionnaires["six-signs"])
    forbidden |= {TEAM_COMMENT, TEAM_TEXT, "Person 0", "Other Co", "lead@example.com"}
    forbidden |= {"See the team summary", "查看团队总结"}
    values = {
        "client_id": current.client_id,
        "round_id": current.id,
        "respondent_id": contact.id,
        "token": contact.token,  # their own link, on every route that takes one
        "fmt": "csv",
    }
    checked = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        url = _url(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for lang in ("en", "zh-CN"):
                token = csrf_token(browser, f"/r/{contact.token}")
                response = browser.open(
                    url,
                    method=method,
                    data={"csrf_token": token},
                    headers={"Accept-Language": lang},
                )
                body = response.get_data(as_text=True)
                leaked = [text for text in forbidden if text in body]
                assert not leaked, (state, method, url, leaked)
                checked.add(rule.endpoint)
                if rule.endpoint in CLIENT_ALLOWED or rule.endpoint in OPEN_TO_ANYONE:
                    continue
                status = response.status_code
                if rule.endpoint.startswith("api."):
                    assert status == API_ONLY_BY_TOKEN, (state, method, url, status)
                    continue
                assert status in (302, 403, 404), (state, method, url, status)
                if status == 302:
                    assert response.headers["Location"].startswith("/login"), (method, url)
    assert checked == {rule.endpoint for rule in app.url_map.iter_rules()} - SKIPPED
    # The team summary through their own link, by name: not found, whatever is shared.
    assert browser.get(f"/r/{contact.token}/team").status_code == 404
    # Their own page: theirs, and in a closed round no way to the team's summary.
    own = browser.get(f"/r/{contact.token}").get_data(as_text=True)
    assert "/team" not in own
    if state == "open":
        assert 'value="4" checked' in own
    # The client summary, once shared, reaches the client through its share link (the
    # lead hands it over): it too holds none of the team's verdicts and next steps.
    if "share" in made:
        response = browser.get(f"/s/{made['share']}")
        assert response.status_code == 200
        text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
        text = " ".join(text.split())
        assert not [t for t in forbidden if " ".join(t.split()) in text]


def test_a_team_members_link_keeps_the_team_summary(app, world):
    _reach_state(app, world, "team view shared")
    member = world["team"][0]
    page = app.test_client().get(f"/r/{member.token}").get_data(as_text=True)
    assert f"/r/{member.token}/team" in page
    assert app.test_client().get(f"/r/{member.token}/team").status_code == 200


def _draft(app, respondent_id):
    with app.app_context():
        draft = responses.load_draft(get_db(), respondent_id)
    return draft.status, dict(draft.answers), dict(draft.comments)


@pytest.mark.parametrize(
    "extra",
    [
        {"c_payment": "A comment the client's page never offers"},
        {"c_payment": ""},  # even empty: the page has no such field
        {"q_days-paid-late": "3"},  # a team item
        {"q_no-such-item": "1"},
    ],
)
def test_a_client_form_with_fields_it_does_not_offer_is_refused_whole(app, world, extra):
    browser, contact = world["browser"], world["contacts"][0]
    before = _draft(app, contact.id)
    token = csrf_token(browser, f"/r/{contact.token}")
    data = {"csrf_token": token, "q_c-paid-within-terms": "1", **extra}
    response = browser.post(f"/r/{contact.token}", data={**data, "submit_answers": "y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved: what was sent holds fields this page does not offer" in page
    assert 'value="4" checked' in page  # their answers as saved, not what was sent
    assert _draft(app, contact.id) == before
    # And with the language buttons, which send the form.
    switch = {**data, "language": "zh-CN"}
    assert browser.post(f"/r/{contact.token}", data=switch).status_code == 400
    assert _draft(app, contact.id) == before


def test_autosave_refuses_fields_the_client_page_does_not_offer(app, make_round):
    _current, people = make_round(respondents=1, contacts=1)
    contact = people[1]
    browser = app.test_client()
    token = csrf_token(browser, f"/r/{contact.token}")
    data = {"csrf_token": token, "q_c-paid-within-terms": "3"}
    response = browser.post(f"/r/{contact.token}/autosave", data={**data, "c_payment": "x"})
    assert response.status_code == 400
    assert json.loads(response.data) == {"saved": False, "reason": "refused_fields"}
    assert _draft(app, contact.id) == ("invited", {}, {})
    # The same draft without the extra field is saved: the refusal was the field's.
    response = browser.post(f"/r/{contact.token}/autosave", data=data)
    assert response.status_code == 200
    assert _draft(app, contact.id) == ("draft", {"c-paid-within-terms": 3}, {})


def test_a_team_members_comments_are_still_taken(app, make_round):
    """The team's page offers a comment per sign: those are saved as before."""
    _current, people = make_round(respondents=1, contacts=1)
    browser = app.test_client()
    token = csrf_token(browser, f"/r/{people[0].token}")
    data = {"csrf_token": token, "q_days-paid-late": "3", "c_payment": "Slow again"}
    response = browser.post(f"/r/{people[0].token}/autosave", data=data)
    assert response.status_code == 200
    assert _draft(app, people[0].id)[2] == {"payment": "Slow again"}
