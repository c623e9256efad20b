"""Carrying a draft to another device, starting again, a lost session, and drafts that
keep an invalid answer as typed (issue 25; assessment/web/draft_transfer.py).

Who may see what, tested here:
- the respondent's own browser (the holder of the answer key): asks for a code or a
  mailed link, and only it ever sees the code;
- another browser of the respondent: uses the code or the link, or starts again (a draft
  only, never a submission);
- a logged-in lead or admin on someone else's link: refused on every route (403 page);
- a lead or admin on their own pages (round, audit, outbox, exports): never sees a code
  or a link's secret;
- nobody (a wrong token): 404.
"""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, csrf_token
from smtp_helpers import mail_app

from assessment.db import get_db
from assessment.store import audit, draft_transfers, outbox, respondents, responses

CODE = re.compile(r'data-testid="transfer-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<')


@pytest.fixture
def setup(app, make_round, questionnaires):
    created, people = make_round(respondents=2)
    q = questionnaires["six-signs"]
    likert = [i for i in q.items() if i.type == "likert" and i.applies("quarterly")]
    number = next(i for i in q.items() if i.type == "number" and i.applies("quarterly"))
    return created, people, q, likert, number


def _save(client, token, data, action="save"):
    value = "anyway" if action == "submit_answers" else "y"
    payload = {**data, "csrf_token": csrf_token(client, f"/r/{token}"), action: value}
    return client.post(f"/r/{token}", data=payload)


def _stored(app, respondent_id):
    with app.app_context():
        return responses.load_draft(get_db(), respondent_id)


def _code(client, token) -> str:
    page = client.post(
        f"/r/{token}/device",
        data={"csrf_token": csrf_token(client, f"/r/{token}/device"), "how": "code"},
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    return CODE.search(page.get_data(as_text=True)).group(1)


def _use_code(client, token, code):
    return client.post(
        f"/r/{token}/code", data={"csrf_token": csrf_token(client, f"/r/{token}"), "code": code}
    )


def _logged_in(app, role: str):
    visitor = app.test_client()
    visitor.post(
        "/login",
        data={
            "email": f"{role}@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(visitor),
        },
    )
    return visitor


def _checked(page: str, item, value: str) -> bool:
    return bool(re.search(rf'name="q_{item.id}" value="{value}"\s*checked', page))


def test_a_code_carries_the_draft_to_another_device_once(app, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    phone, laptop = app.test_client(), app.test_client()
    assert _save(phone, token, {f"q_{likert[0].id}": "5"}).status_code == 302
    before = laptop.get(f"/r/{token}").get_data(as_text=True)
    assert not _checked(before, likert[0], "5")
    assert 'data-testid="way-forward"' in before  # how to go on, not a dead end

    code = _code(phone, token)
    for role in ("lead", "admin"):  # the curious lead: the code is on no page of theirs
        visitor = _logged_in(app, role)
        for url in ("/", f"/rounds/{people[0].round_id}", "/outbox/", "/audit/"):
            assert code not in visitor.get(url).get_data(as_text=True), (role, url)
        assert visitor.get(f"/r/{token}/device").status_code == 403
    typed = f"  {code.lower().replace('-', ' ')} "  # as a person may type it
    used = _use_code(laptop, token, typed)
    assert used.status_code == 302 and used.headers["Location"].endswith(f"/r/{token}")
    after = laptop.get(f"/r/{token}").get_data(as_text=True)
    assert _checked(after, likert[0], "5"), "the laptop now shows the draft"
    assert "Your saved answers are here." in after
    assert _save(laptop, token, {f"q_{likert[0].id}": "4"}).status_code == 302
    assert _checked(phone.get(f"/r/{token}").get_data(as_text=True), likert[0], "4"), "both"

    again = _use_code(app.test_client(), token, code)
    assert again.status_code == 410, "a code works once"
    assert "This code no longer works" in again.get_data(as_text=True)


def test_wrong_codes_are_counted_and_end_the_code(app, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    phone, laptop = app.test_client(), app.test_client()
    _save(phone, token, {f"q_{likert[0].id}": "5"})
    code = _code(phone, token)
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    for left in range(draft_transfers.MAX_TRIES - 1, 0, -1):
        response = _use_code(laptop, token, wrong)
        assert response.status_code == 422
        assert f"({left} more tries)" in response.get_data(as_text=True)
    last = _use_code(laptop, token, wrong)
    assert "stopped working after too many tries" in last.get_data(as_text=True)
    assert _use_code(laptop, token, code).status_code == 410, "the right code, too late"
    assert _use_code(laptop, token, "").status_code == 422


def test_only_the_holder_gets_a_code_and_never_a_lead(app, client, auth, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    phone = app.test_client()
    assert phone.get(f"/r/{token}/device").status_code == 200  # nothing saved yet: says so
    assert "Nothing saved yet" in phone.get(f"/r/{token}/device").get_data(as_text=True)
    _save(phone, token, {f"q_{likert[0].id}": "5"})
    stranger = app.test_client()
    assert stranger.get(f"/r/{token}/device").status_code == 403
    refused = stranger.post(
        f"/r/{token}/device",
        data={"csrf_token": csrf_token(stranger, f"/r/{token}"), "how": "code"},
    )
    assert refused.status_code == 403 and not CODE.search(refused.get_data(as_text=True))
    auth.login("lead")
    assert client.get(f"/r/{token}/device").status_code == 403
    lead_token = csrf_token(client, "/")
    for url in (f"/r/{token}/device", f"/r/{token}/code", f"/r/{token}/start-again"):
        response = client.post(url, data={"csrf_token": lead_token, "code": "ABCD-EFGH"})
        assert response.status_code == 403, url
        assert "someone else" in response.get_data(as_text=True)
    assert client.get("/r/not-a-token/device").status_code == 404
    assert _stored(app, people[0].id).answers == {likert[0].id: 5}


def test_start_again_discards_a_lost_draft_after_asking_and_keeps_what_is_typed(app, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    lost, here = app.test_client(), app.test_client()
    _save(lost, token, {f"q_{likert[0].id}": "1"})
    here.get(f"/r/{token}")
    typed = {f"q_{likert[1].id}": "4", "csrf_token": csrf_token(here, f"/r/{token}")}
    asked = here.post(f"/r/{token}/start-again", data=typed)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Start again here?" in page
    assert "discarded for good" in page
    assert f'name="q_{likert[1].id}" value="4"' in page, "what was typed goes along"
    assert _stored(app, people[0].id).answers == {likert[0].id: 1}, "nothing yet"

    back = here.post(f"/r/{token}/start-again", data={**typed, "start_again": "no"})
    assert back.status_code == 409 and _checked(back.get_data(as_text=True), likert[1], "4")

    done = here.post(f"/r/{token}/start-again", data={**typed, "start_again": "yes"})
    assert done.status_code == 302
    assert _stored(app, people[0].id).answers == {likert[1].id: 4}
    assert _checked(here.get(f"/r/{token}").get_data(as_text=True), likert[1], "4")
    assert lost.get(f"/r/{token}").status_code == 200
    assert not _checked(lost.get(f"/r/{token}").get_data(as_text=True), likert[0], "1")
    with app.app_context():
        actions = [e.action for e in audit.entries(get_db())]
    assert "personal_link.draft_discarded" in actions


def test_a_submission_is_never_replaced_without_its_key(app, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    lost, here = app.test_client(), app.test_client()
    _save(lost, token, {f"q_{likert[0].id}": "2"}, action="submit_answers")
    page = here.get(f"/r/{token}").get_data(as_text=True)
    assert "Your answers are submitted" in page and 'data-testid="start-again"' not in page
    data = {f"q_{likert[0].id}": "5", "csrf_token": csrf_token(here, f"/r/{token}")}
    for choice in ("", "yes"):
        response = here.post(f"/r/{token}/start-again", data={**data, "start_again": choice})
        assert response.status_code == 409
        assert "never replaced without the key" in response.get_data(as_text=True)
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.answers == {likert[0].id: 2}


def test_cookies_cleared_mid_form_lose_nothing_typed(app, setup):
    """The browser loses every cookie (the session and the answer key) with the form open:
    Save shows the form again with everything typed and says what happened; sent again,
    it shows the ways forward, still with everything typed; nothing stored changes."""
    _created, people, _q, likert, _number = setup
    token = people[0].token
    browser = app.test_client()
    _save(browser, token, {f"q_{likert[0].id}": "3"})
    form_token = csrf_token(browser, f"/r/{token}")
    browser._cookies.clear()
    typed = {f"q_{likert[0].id}": "3", f"q_{likert[1].id}": "5", "csrf_token": form_token}
    first = browser.post(f"/r/{token}", data={**typed, "save": "y"})
    page = first.get_data(as_text=True)
    assert first.status_code == 400 and "session had ended" in page
    assert _checked(page, likert[1], "5"), "everything typed is on the page"
    again = browser.post(
        f"/r/{token}",
        data={
            **typed,
            "csrf_token": re.search(r'name="csrf_token" [^>]*value="([^"]+)"', page).group(1),
            "submit_answers": "y",
        },
    )
    page = again.get_data(as_text=True)
    assert again.status_code == 403
    assert _checked(page, likert[1], "5") and _checked(page, likert[0], "3")
    assert 'data-testid="way-forward"' in page and 'data-testid="start-again"' in page
    assert _stored(app, people[0].id).answers == {likert[0].id: 3}


def test_autosave_after_cookies_cleared_says_what_happened(app, setup):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    browser = app.test_client()
    _save(browser, token, {f"q_{likert[0].id}": "3"})
    browser._cookies.clear()
    data = {f"q_{likert[0].id}": "4", "csrf_token": "stale"}
    expired = browser.post(f"/r/{token}/autosave", data=data)
    assert expired.status_code == 400 and expired.get_json()["reason"] == "expired"
    fresh = expired.get_json()["csrf_token"]
    refused = browser.post(f"/r/{token}/autosave", data={**data, "csrf_token": fresh})
    assert refused.status_code == 403 and refused.get_json()["reason"] == "refused"
    assert _stored(app, people[0].id).answers == {likert[0].id: 3}


def test_an_invalid_answer_is_kept_as_typed_and_shown_again(app, setup):
    """Save draft with −5 in a count: every valid answer and the comment are saved, the
    −5 kept as typed and shown again with its message; Submit refuses until it is fixed."""
    _created, people, q, likert, number = setup
    token = people[0].token
    browser = app.test_client()
    data = {f"q_{item.id}": "4" for item in likert}
    data[f"q_{number.id}"] = "-5"
    data[f"c_{q.signs[0].id}"] = "A comment <b>kept</b>"
    assert _save(browser, token, data).status_code == 302
    stored = _stored(app, people[0].id)
    assert len(stored.answers) == len(likert) and stored.comments
    assert stored.invalid == {f"q_{number.id}": "-5"}
    page = browser.get(f"/r/{token}").get_data(as_text=True)
    assert re.search(rf'name="q_{number.id}"[^>]*value="-5"', page)
    assert f'id="q_{number.id}-error"' in page and "Your draft is saved" in page
    assert "A comment &lt;b&gt;kept&lt;/b&gt;" in page
    assert all(_checked(page, item, "4") for item in likert)
    refused = _save(browser, token, data, action="submit_answers")
    assert refused.status_code == 400 and _stored(app, people[0].id).status == "draft"
    fixed = _save(browser, token, {**data, f"q_{number.id}": "5"}, action="submit_answers")
    assert fixed.status_code == 302
    stored = _stored(app, people[0].id)
    assert stored.status == "submitted" and stored.invalid == {}


def test_the_store_refuses_invalid_text_in_a_submission(app, setup):
    _created, people, _q, likert, number = setup
    with app.app_context(), pytest.raises(responses.InvalidAnswers):
        responses.save_response(
            get_db(),
            people[0].id,
            {likert[0].id: 3},
            {},
            submit=True,
            invalid={f"q_{number.id}": "-5"},
        )


# --- the mailed link -------------------------------------------------------------------------


@pytest.fixture
def mail_world(tmp_path, template_database, smtp):
    from assessment.questionnaire import load_directory
    from assessment.store import clients, rounds

    app = mail_app(tmp_path, template_database, **smtp.config())
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name="Acme")
        catalog = load_directory(app.config["QUESTIONS_DIR"])
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=catalog["six-signs"],
            anonymous=True,
        )
        person = respondents.add_respondent(
            db, current.id, name="Emma", email="emma@example.com", role="delivery"
        )
        item = next(i for i in catalog["six-signs"].items() if i.type == "likert")
    return app, person, item


def test_a_mailed_link_carries_the_draft_and_nobody_else_sees_it(mail_world, smtp):
    app, person, item = mail_world
    token = person.token
    phone, laptop = app.test_client(), app.test_client()
    _save(phone, token, {f"q_{item.id}": "5"})
    offer = phone.get(f"/r/{token}/device").get_data(as_text=True)
    assert "e•••@example.com" in offer
    sent = phone.post(
        f"/r/{token}/device",
        data={"csrf_token": csrf_token(phone, f"/r/{token}/device"), "how": "mail"},
    )
    assert sent.status_code == 200 and "A link is on its way" in sent.get_data(as_text=True)
    received = [r for r in smtp.wait_for(1) if "another device" in r.subject]
    assert received, [r.subject for r in smtp.received]
    text = received[-1].text()
    link = re.search(r"https://check\.example\.com(/r/\S+/continue/\d+/\S+)", text).group(1)
    secret = link.rsplit("/", 1)[1]

    # Opening the link uses nothing (a mail scanner may fetch it); pressing the button does.
    confirm = laptop.get(link)
    assert confirm.status_code == 200 and "Continue here" in confirm.get_data(as_text=True)
    used = laptop.post(link, data={"csrf_token": csrf_token(laptop, link)})
    assert used.status_code == 302
    assert _checked(laptop.get(f"/r/{token}").get_data(as_text=True), item, "5")
    again = app.test_client()
    assert again.post(link, data={"csrf_token": csrf_token(again, link)}).status_code == 410

    # The curious lead and admin: the link's secret is in no page, copy or export of theirs.
    with app.app_context():
        db = get_db()
        kept = [m for m in outbox.listing(db)[0] if m.kind == "draft_transfer"]
        assert kept
        full = [outbox.get(db, m.id) for m in kept]
        assert all(secret not in (m.body_text or "") + (m.body_html or "") for m in full)
        assert all("one-time link" in (m.body_text or "") for m in full)
        rows = db.execute("SELECT * FROM draft_transfers").fetchall()
        assert all(secret not in str(row) for row in rows)
    for role in ("lead", "admin"):
        visitor = _logged_in(app, role)
        pages = ["/", f"/rounds/{person.round_id}", "/outbox/", "/audit/"]
        pages += [f"/outbox/{m.id}" for m in kept] + [f"/outbox/{m.id}/html" for m in kept]
        for url in pages:
            body = visitor.get(url).get_data(as_text=True)
            assert secret not in body, (role, url)
        assert visitor.get(link).status_code == 403, "a lead may not use it either"


# --- every kind of visitor --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visitor", "expected"),
    [
        ("holder", 200),  # the browser that saved: may ask for a code
        ("nobody", 403),  # another browser with the link: only the holder passes it on
        ("client link", 403),  # a client contact's browser (its own key, not this one)
        ("share link", 403),  # someone who opened a share link of the round
        ("member", 403),  # logged in, not this respondent
        ("lead", 403),
        ("admin", 403),
    ],
)
def test_who_may_ask_for_a_code(app, make_round, visitor, expected):
    from assessment.store import share_links

    created, people = make_round(respondents=1, contacts=1)
    team, contact = people
    holder = app.test_client()
    _save(holder, team.token, {"q_after-hours-contact": "4"})
    if visitor == "holder":
        browser = holder
    elif visitor in ("member", "lead", "admin"):
        browser = _logged_in(app, visitor)
    else:
        browser = app.test_client()
        if visitor == "client link":
            browser.get(f"/r/{contact.token}")
        if visitor == "share link":
            with app.app_context():
                share = share_links.create_link(get_db(), created.id, language="en")
            browser.get(f"/s/{share.token}")
    page = browser.get(f"/r/{team.token}/device")
    assert page.status_code == expected
    posted = browser.post(
        f"/r/{team.token}/device",
        data={"csrf_token": csrf_token(browser, f"/r/{contact.token}"), "how": "code"},
    )
    assert posted.status_code == expected
    assert bool(CODE.search(posted.get_data(as_text=True))) is (visitor == "holder")
    assert browser.get("/r/no-such-link/device").status_code == 404


def test_offers_end_with_their_key_and_in_time(app, setup, monkeypatch):
    _created, people, _q, likert, _number = setup
    token = people[0].token
    phone = app.test_client()
    _save(phone, token, {f"q_{likert[0].id}": "5"})
    code = _code(phone, token)
    with app.app_context():
        respondents.reissue_token(get_db(), people[0].id)  # a new link releases the key
        with pytest.raises(draft_transfers.Unusable):
            draft_transfers.redeem_code(get_db(), people[0].id, code)
    _created, others = setup[0], setup[1]
    with app.app_context():
        db = get_db()
        secret = respondents.new_answer_key()
        db.execute(
            "UPDATE respondents SET answer_key = ? WHERE id = ?",
            [respondents.answer_key_hash(secret), others[1].id],
        )
        late = draft_transfers.offer_code(db, others[1].id, secret)
        db.execute("UPDATE draft_transfers SET expires_at = '2000-01-01T00:00:00+00:00'")
        with pytest.raises(draft_transfers.Unusable):
            draft_transfers.redeem_code(db, others[1].id, late)
        fresh = draft_transfers.offer_code(db, others[1].id, secret)
        wide = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in fresh)
        assert draft_transfers.redeem_code(db, others[1].id, wide) == secret  # full-width
        assert draft_transfers.live_offers(db, others[1].id) == 0
