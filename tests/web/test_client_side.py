"""The client's side of a round: client contacts, their answer page and what they reach."""

import json
import re

import pytest
from conftest import csrf_token

from assessment.db import get_db
from assessment.store import audit, respondents, responses, rounds


@pytest.fixture
def mirrored(app, make_round):
    """A named round of six-signs (mirrored) with two team members and two client contacts."""
    current, people = make_round(respondents=2, anonymous=False, contacts=2)
    return current, people[:2], people[2:]


def _submit(client, token, answers, *, action="submit_answers"):
    value = "anyway" if action == "submit_answers" else "y"  # past the review of blanks
    data = {**answers, "csrf_token": csrf_token(client, f"/r/{token}"), action: value}
    return client.post(f"/r/{token}", data=data)


def test_a_round_pins_its_mirror(app, mirrored, questionnaires):
    current, _team, _contacts = mirrored
    assert current.mirror == questionnaires["six-signs-client"]
    assert current.for_client().questionnaire.id == "six-signs-client"
    assert current.for_client().anonymous is True  # even in a named round
    assert current.anonymous is False


def test_a_client_contact_is_never_linked_to_an_account(app, mirrored):
    current, _team, _contacts = mirrored
    with app.app_context():
        db = get_db()
        contact = respondents.add_respondent(
            db,
            current.id,
            name="Sam",
            email="lead@example.com",
            side="client",
            client_role="sponsor",
        )
        assert (contact.side, contact.client_role, contact.user_id) == ("client", "sponsor", None)
        with pytest.raises(ValueError, match="client role"):
            respondents.add_respondent(db, current.id, name="X", side="client", client_role="boss")
        with pytest.raises(ValueError, match="only a client contact"):
            respondents.add_respondent(db, current.id, name="X", client_role="sponsor")


def test_a_round_without_a_mirror_takes_no_client_contacts(app, make_round, auth, client):
    current, _people = make_round(questionnaire="pulse")
    with app.app_context(), pytest.raises(respondents.NoClientSide):
        respondents.add_respondent(
            get_db(), current.id, name="X", side="client", client_role="owner"
        )
    auth.login()
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    assert "client-side" not in page
    token = csrf_token(client, f"/rounds/{current.id}")
    response = client.post(
        f"/rounds/{current.id}/client-contacts",
        data={"csrf_token": token, "name": "X", "client_role": "owner"},
    )
    assert response.status_code == 403


def test_a_lead_adds_client_contacts_on_the_round_page(app, make_round, auth, client):
    current, _people = make_round(respondents=1)
    auth.login()
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    assert 'id="client-side"' in page and "Finance / procurement" in page
    token = csrf_token(client, f"/rounds/{current.id}")
    response = client.post(
        f"/rounds/{current.id}/client-contacts",
        data={
            "csrf_token": token,
            "name": "<b>Wang Fang</b>",
            "email": "wf@client.example",
            "client_role": "procurement",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    section = page[page.index('id="client-side"') :]
    assert "&lt;b&gt;Wang Fang&lt;/b&gt;" in section and "<b>Wang" not in page
    assert "Finance / procurement" in section
    # The team's progress counts the team only.
    assert "1 invited, 0 with a draft, 0 submitted." in page[: page.index('id="client-side"')]
    bad = client.post(
        f"/rounds/{current.id}/client-contacts",
        data={"csrf_token": token, "name": "Y", "client_role": "lord"},
    )
    # Refused, and shown again as typed (nothing typed is lost), the error by its field.
    assert bad.status_code == 400
    assert 'id="contact-name" name="name" required maxlength="200" value="Y"' in bad.text
    with app.app_context():
        contacts = respondents.list_respondents(get_db(), current.id, side="client")
    assert [(c.name, c.client_role) for c in contacts] == [("<b>Wang Fang</b>", "procurement")]


def test_the_client_page_has_the_mirror_and_no_navigation(app, mirrored, client, auth):
    current, _team, contacts = mirrored
    page = client.get(f"/r/{contacts[0].token}").get_data(as_text=True)
    mirror = current.mirror
    for item in mirror.items():
        if item.applies("quarterly"):
            assert f'name="q_{item.id}"' in page
    for item in current.questionnaire.items():
        assert f'name="q_{item.id}"' not in page
    assert mirror.title.en in page
    assert "never who answered what" in page
    assert 'name="c_' not in page  # no comments: the client side shows aggregates only
    assert "lord" not in page.lower()
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert all(h.startswith(("/static/", "/bootstrap/static/", "#")) for h in hrefs), hrefs
    assert 'class="navbar-brand fw-semibold">' in page and "navbar-nav" not in page
    # A logged-in lead opening it sees no navigation either (and may not answer).
    auth.login()
    page = client.get(f"/r/{contacts[0].token}").get_data(as_text=True)
    assert "navbar-nav" not in page and "/clients/" not in page


def test_the_client_page_in_chinese(app, mirrored, client):
    current, _team, contacts = mirrored
    page = client.get(f"/r/{contacts[0].token}", headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert current.mirror.title.get("zh-CN") in text
    assert current.mirror.signs[2].items[0].text.get("zh-CN") in text
    assert "老爷" not in text


def test_client_answers_are_the_client_side_only(app, mirrored, client):
    current, _team, contacts = mirrored
    response = _submit(
        client,
        contacts[0].token,
        {"q_c-paid-within-terms": "5", "q_c-invoice-handling": "paid-on-receipt"},
    )
    assert response.status_code == 302
    # Team item ids are not the client's: refused, nothing stored.
    other = _submit(client, contacts[1].token, {"q_days-paid-late": "3"})
    assert other.status_code == 400
    with app.app_context():
        db = get_db()
        assert rounds.submitted_count(db, current.id) == 0
        assert rounds.submitted_count(db, current.id, side="client") == 1
        assert responses.submitted_responses(db, current.id) == []
        (client_response,) = responses.submitted_responses(db, current.id, side="client")
        assert client_response.role == "owner"
        assert dict(client_response.answers) == {
            "c-paid-within-terms": 5,
            "c-invoice-handling": "paid-on-receipt",
        }
        assert responses.load_draft(db, contacts[1].id).status == "invited"


def test_a_client_link_is_anonymous_even_in_a_named_round(app, mirrored):
    _current, _team, contacts = mirrored
    first, second = app.test_client(), app.test_client()
    token = contacts[0].token
    assert _submit(first, token, {"q_c-paid-within-terms": "2"}, action="save").status_code == 302
    assert 'value="2" checked' in first.get(f"/r/{token}").get_data(as_text=True)
    page = second.get(f"/r/{token}").get_data(as_text=True)
    assert 'value="2" checked' not in page
    assert "only that browser can see or change them" in page


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        yield rule


def test_a_client_link_reaches_its_own_form_and_nothing_else(app, make_round, questionnaires):
    """Every route of the app, with a client contact's cookies (having answered), and the
    ids of their own round, client and respondent filled in: nothing but their own form
    (and the login page, the language switch) answers; everything else sends them to the
    login page or is not found."""
    current, people = make_round(respondents=2, anonymous=False, contacts=1)
    _team_round, strangers = make_round(period="2026-Q1", respondents=1, contacts=1)
    contact = people[2]
    browser = app.test_client()
    assert _submit(browser, contact.token, {"q_c-paid-within-terms": "4"}).status_code == 302
    values = {
        "client_id": current.client_id,
        "round_id": current.id,
        "respondent_id": people[0].id,
        "token": people[0].token,
        "user_id": 1,
        "action_id": 1,
        "share_id": 1,
        "fmt": "csv",
        "lang": "en",
    }
    # A team member's own link (its autosave, and carrying its draft to another device,
    # web/draft_transfer.py) is that person's credential, not the app.
    own = f"/r/{people[0].token}"
    allowed = {"/login", own, f"{own}/autosave", f"{own}/device", f"{own}/code"}
    allowed |= {f"{own}/start-again", f"{own}/continue/1/x"}
    allowed.add(f"{own}/incident")  # the incident log through it (issue 28)
    allowed.add("/api/v1/openapi.json")  # the API's description: public, holds no data
    checked = 0
    for rule in _routes(app):
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(values.get(name, "x")), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            token = csrf_token(browser, f"/r/{contact.token}")
            response = browser.open(url, method=method, data={"csrf_token": token})
            checked += 1
            if url in allowed or rule.endpoint == "i18n.switch_language":
                continue
            body = response.get_data(as_text=True)
            # 401: the API, which asks for a token and never takes a link or a cookie.
            refused = (302, 400, 404, 405, 401) if url.startswith("/api/") else (302, 400, 404, 405)
            assert response.status_code in refused, (method, url, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login"), (method, url)
            assert "Person 0" not in body and "c-paid-within-terms" not in body, url
    assert checked > 40
    # Their own form: theirs alone; another round's client link is another person's form.
    own = browser.get(f"/r/{contact.token}").get_data(as_text=True)
    assert 'value="4" checked' in own
    other = browser.get(f"/r/{strangers[1].token}").get_data(as_text=True)
    assert "checked" not in other.split('id="answer-form"')[1].replace('checked=""', "")


def _answer_all(app, people, answers):
    with app.app_context():
        db = get_db()
        for person in people:
            responses.save_response(db, person.id, answers, {}, submit=True)


TEAM_PAYMENT = {
    "days-paid-late": 60,
    "invoice-handling": "paid-after-chasing",
    "invoicing-process-clear": 2,
    "work-while-overdue": 5,
}
CLIENT_PAYMENT = {"c-paid-within-terms": 5, "c-invoice-handling": "paid-on-receipt"}


def test_closing_stores_the_client_side_and_compares_both(app, make_round):
    from assessment import results

    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    team, contacts = people[:3], people[3:]
    _answer_all(app, team, TEAM_PAYMENT)
    _answer_all(app, contacts, CLIENT_PAYMENT)
    with app.app_context():
        db = get_db()
        open_outcome = results.outcome(results.load(db, current))
        # While open, a named round shows the team's scores but nothing of the client's.
        assert open_outcome.result.get("payment").score == 15
        assert {s.status for s in open_outcome.client.signs} <= {"withheld", "not_asked"}
        assert open_outcome.gap_steps == ()
        results.close_round(db, current)
        closed = rounds.get_round(db, current.id)
        assert closed.client_results is not None
        outcome = results.outcome(results.load(db, closed))
        payment = outcome.perception.get("payment")
        # Team: (10 + 25 + 25 + 0) / 4 = 15 each; client: (100 + 100) / 2 = 100; gap 85.
        assert (payment.team, payment.client, payment.gap) == (15, 100, 85)
        assert payment.flagged
        assert [step.basis for step in outcome.gap_steps] == ["gap"]
        summary = json.loads(
            db.execute(
                "SELECT summary FROM round_summaries WHERE round_id = ?", [current.id]
            ).fetchone()[0]
        )
        assert (summary["gap"], summary["gap_signs"], summary["client_side"]) == (
            85,
            ["payment"],
            "compared",
        )
        # The client's view was shown: reopening would show it again one answer apart.
        assert not results.can_reopen(results.load(db, closed))
        with pytest.raises(results.ReopenRefused):
            results.reopen_round(db, closed)


def test_below_the_floor_the_client_side_is_not_enough_answers(app, make_round, auth, client):
    from assessment import results

    current, people = make_round(respondents=3, anonymous=False, contacts=3, client_floor=3)
    _answer_all(app, people[:3], TEAM_PAYMENT)
    _answer_all(app, people[3:5], CLIENT_PAYMENT)  # two of three: under the floor of 3
    with app.app_context():
        db = get_db()
        results.close_round(db, current)
        closed = rounds.get_round(db, current.id)
        outcome = results.outcome(results.load(db, closed))
        assert not outcome.perception.enough_client_answers
        assert outcome.perception.get("payment").gap is None
        assert outcome.gap_steps == ()
        assert results.can_reopen(results.load(db, closed))  # nothing of the client's was shown


def _pdf_text(data: bytes) -> str:
    import io

    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_results_page_and_pdf_show_how_each_side_sees_it(app, make_round, auth, client):
    from assessment import results

    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    _answer_all(app, people[:3], TEAM_PAYMENT)
    _answer_all(app, people[3:], CLIENT_PAYMENT)
    auth.login()
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    assert "How each side sees it" in page and 'data-testid="client-pending"' in page
    assert client.get(f"/rounds/{current.id}/charts/sides.svg").status_code == 403
    with app.app_context():
        results.close_round(get_db(), current)
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    section = page[page.index('id="both-sides"') :]
    row = section[section.index('data-sign="payment"') :]
    assert re.search(r">15<.*?>100<.*?>\+85<", row, re.S)
    assert "Wide gap" in row.split("</tr>")[0]
    assert "The team scores this sign 15, the client 100: a gap of +85 points." in section
    svg = client.get(f"/rounds/{current.id}/charts/sides.svg?lang=zh-CN")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "客户方回答不足" in svg.get_data(as_text=True)  # the signs nobody answered
    for lang, title, figure in (
        ("en", "How each side sees it", "+85"),
        ("zh-CN", "双方各自怎么看", "+85"),
    ):
        pdf = client.get(f"/rounds/{current.id}/report.pdf?lang={lang}")
        text = _pdf_text(pdf.data)
        assert title in text and figure in text, lang


def test_the_round_page_shows_the_client_side_progress_only(app, make_round, auth, client):
    current, people = make_round(respondents=1, anonymous=True, contacts=2)
    _answer_all(app, people[1:2], CLIENT_PAYMENT)
    auth.login()
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    assert re.search(
        r'data-testid="client-progress">\s*2 invited, 0 with a draft, 1 submitted', page
    )
    assert re.search(r'data-testid="progress">\s*1 invited, 0 with a draft, 0 submitted', page)


def test_exports_carry_the_side_of_each_answer(app, make_round):
    from assessment import exports, results

    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    _answer_all(app, people[:3], TEAM_PAYMENT)
    _answer_all(app, people[3:], CLIENT_PAYMENT)
    with app.app_context():
        db = get_db()
        # Open: a named round exports the team's answers, the client's not yet.
        assert {row["side"] for row in exports.answer_rows(db, current.id)} == {"team"}
        results.close_round(db, current)
        rows = exports.answer_rows(db, current.id)
        text = exports.export_answers(db, current.id, "csv")
    team = [row for row in rows if row["side"] == "team"]
    theirs = [row for row in rows if row["side"] == "client"]
    assert len(team) == 3 * len(TEAM_PAYMENT) and len(theirs) == 3 * len(CLIENT_PAYMENT)
    assert {row["respondent"] for row in team} == {"Person 0", "Person 1", "Person 2"}
    # The client's answers are always unlinked, with the mirror's questions.
    assert {(row["respondent"], row["respondent_role"], row["submitted_at"]) for row in theirs} == {
        (None, None, None)
    }
    assert {row["questionnaire_id"] for row in theirs} == {"six-signs-client"}
    assert {row["item_id"] for row in theirs} == set(CLIENT_PAYMENT)
    assert {row["sign_id"] for row in theirs} == {"payment"}
    header = text.lstrip("\ufeff").splitlines()[0].split(",")
    assert header[-1] == "side"


def test_exports_leave_out_a_client_side_under_the_floor(app, make_round):
    from assessment import exports, results

    current, people = make_round(respondents=3, anonymous=False, contacts=3, client_floor=3)
    _answer_all(app, people[:3], TEAM_PAYMENT)
    _answer_all(app, people[3:5], CLIENT_PAYMENT)
    with app.app_context():
        db = get_db()
        results.close_round(db, current)
        rows = exports.answer_rows(db, current.id)
    assert {row["side"] for row in rows} == {"team"}


INTERNAL = [
    "SECRET-COMMENT",
    "SECRET-TEXT",
    "SECRET-ACTION",
    "Other Co",
    "Person 0",
    "Client 0",
    "lord",
    "Lord",
    "老爷",
    "Critical",
    "危险",
    "At risk",
    "Partner, not lord",
    "Paying on time",  # the team questionnaire's own titles
    "按时付款",
    "Invoke the stop-work clause",
    "not the client's bank",
]


def test_the_client_summary_contains_nothing_internal(app, make_round, auth, client):
    from assessment import results
    from assessment.store import actions

    make_round(period="2026-Q1", client="Other Co", respondents=1)
    current, people = make_round(respondents=3, anonymous=False, contacts=3)
    team_answers = {**TEAM_PAYMENT, "mood-example": "SECRET-TEXT"}
    with app.app_context():
        db = get_db()
        for person in people[:3]:
            responses.save_response(
                db, person.id, team_answers, {"payment": "SECRET-COMMENT"}, submit=True
            )
    _answer_all(app, people[3:], CLIENT_PAYMENT)
    with app.app_context():
        db = get_db()
        results.close_round(db, current)
        actions.create_action(
            db, current.id, sign_id="payment", title="SECRET-ACTION", owner_name="x"
        )
    auth.login()
    url = f"/rounds/{current.id}/client-summary.pdf"
    assert client.get(url).status_code == 404  # not switched on yet
    token = csrf_token(client, f"/rounds/{current.id}/results")
    switched = client.post(
        f"/rounds/{current.id}/client-summary", data={"csrf_token": token, "shared": "on"}
    )
    assert switched.status_code == 302
    texts = {}
    for lang in ("en", "zh-CN"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        texts[lang] = _pdf_text(response.data)
    for lang, text in texts.items():
        for word in INTERNAL:
            assert word not in text, (lang, word)
    assert "Invoices and payment" in texts["en"] and "+85" in texts["en"]
    assert "we see this differently" in texts["en"]
    assert "发票与付款" in texts["zh-CN"] and "+85" in texts["zh-CN"]
    # A share link opens the summary (not the leadership report) without a login.
    token = csrf_token(client, f"/rounds/{current.id}/results")
    client.post(
        f"/rounds/{current.id}/share",
        data={"csrf_token": token, "document": "client_summary", "language": "en", "days": "7"},
    )
    with app.app_context():
        from assessment.store import share_links

        (link,) = share_links.round_links(get_db(), current.id)
    assert link.document == "client_summary"
    auth.logout()
    shared = client.get(f"/s/{link.token}")
    assert shared.status_code == 200
    text = _pdf_text(shared.data)
    assert "Invoices and payment" in text and "SECRET-COMMENT" not in text
    assert "Fairness index" not in text
    # Switched off: the link stops working (revoked: 410 Gone, as any revoked link).
    auth.login()
    token = csrf_token(client, f"/rounds/{current.id}/results")
    client.post(f"/rounds/{current.id}/client-summary", data={"csrf_token": token, "shared": "off"})
    auth.logout()
    assert client.get(f"/s/{link.token}").status_code == 410
    # Revoked, not paused: listed as revoked, and sharing again does not revive it.
    auth.login()
    with app.app_context():
        (link,) = share_links.round_links(get_db(), current.id)
        assert link.revoked_at is not None
        (withdrawn,) = [
            e for e in audit.entries(get_db()) if e.action == "client_summary.withdrawn"
        ]
        assert withdrawn.details["links_revoked"] == 1
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    assert link.token not in page
    token = csrf_token(client, f"/rounds/{current.id}/results")
    client.post(f"/rounds/{current.id}/client-summary", data={"csrf_token": token, "shared": "on"})
    auth.logout()
    assert client.get(f"/s/{link.token}").status_code == 410


def test_a_client_contact_autosaves_their_own_questionnaire(app, mirrored, client):
    """The form's script saves a client contact's draft as it goes, as it does a team
    member's: against the mirror, bound to this browser (a client link is anonymous)."""
    _current, _team, contacts = mirrored
    token = contacts[0].token
    data = {"q_c-paid-within-terms": "4", "csrf_token": csrf_token(client, f"/r/{token}")}
    saved = client.post(f"/r/{token}/autosave", data=data)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json() == {"saved": True, "status": "draft", "answered": 1, "invalid": []}
    with app.app_context():
        assert responses.load_draft(get_db(), contacts[0].id).answers == {"c-paid-within-terms": 4}
    other = app.test_client()  # another browser holding the link: the key is not theirs
    data = {"q_c-paid-within-terms": "1", "csrf_token": csrf_token(other, f"/r/{token}")}
    assert other.post(f"/r/{token}/autosave", data=data).status_code == 403
    with app.app_context():
        assert responses.load_draft(get_db(), contacts[0].id).answers == {"c-paid-within-terms": 4}
