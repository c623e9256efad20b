"""The results page: verdict, charts, next steps, actions, comments and share links."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token

from assessment import results
from assessment.db import get_db
from assessment.store import actions, clients, rounds, share_links


def _round(app, client_name, period):
    with app.app_context():
        db = get_db()
        client = clients.find_by_name(db, client_name)
        return next(r for r in rounds.list_rounds(db, client.id) if r.period == period)


def test_results_page_shows_verdict_signs_steps_and_comments(app, client, auth, demo):
    current = _round(app, "Apex Retail Group", "2026-Q4")
    auth.login("lead")
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    q = current.questionnaire
    with app.app_context():
        outcome = results.outcome(results.load(get_db(), current))
    assert q.band(outcome.result.band_id).verdict.get("en") in page
    for sign in q.signs:
        assert sign.title.get("en") in page
    assert page.count("Escalation") >= 1
    assert "Two invoices are now more than 60 days overdue." in page
    assert "has not yet moved the score" in page
    assert "Move to milestone billing" in page, "earlier rounds' actions show on the next round"
    assert f"/rounds/{current.id}/charts/radar.svg" in page


def test_results_in_chinese(app, client, auth, demo):
    current = _round(app, "Apex Retail Group", "2026-Q4")
    auth.login("lead")
    page = client.get(
        f"/rounds/{current.id}/results", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert current.questionnaire.signs[0].title.get("zh-CN") in page
    assert "建议的下一步" in page


def test_comments_are_attributed_only_when_not_anonymous(app, client, auth, make_round):
    from assessment.store import responses

    named, named_people = make_round(anonymous=False, period="2026-Q3")
    # An anonymous round shows comments once closed with its text floor (5) of answers.
    anon, anon_people = make_round(anonymous=True, period="2026-Q4", respondents=5)
    q = named.questionnaire
    with app.app_context():
        db = get_db()
        for people in (named_people, anon_people):
            responses.save_response(
                db, people[0].id, {}, {q.signs[0].id: "Said <b>this</b>"}, submit=True
            )
        for person in anon_people[1:]:
            responses.save_response(db, person.id, {}, {}, submit=True)
        results.close_round(db, rounds.get_round(db, anon.id))
    auth.login("lead")
    named_page = client.get(f"/rounds/{named.id}/results").get_data(as_text=True)
    anon_page = client.get(f"/rounds/{anon.id}/results").get_data(as_text=True)
    assert "Said &lt;b&gt;this&lt;/b&gt;" in named_page and "— Person 0" in named_page
    assert "Said &lt;b&gt;this&lt;/b&gt;" in anon_page and "Person 0" not in anon_page


@pytest.mark.parametrize("chart", ["radar", "trend"])
def test_charts_are_svg_in_the_asked_language(app, client, auth, demo, chart):
    current = _round(app, "Harbor & Pine Foods", "2026-Q4")
    auth.login("lead")
    response = client.get(f"/rounds/{current.id}/charts/{chart}.svg?lang=zh-CN")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg")
    assert current.questionnaire.signs[0].title.get("zh-CN") in svg
    assert "<script" not in svg


def test_lead_adds_an_action_and_marks_it_done(app, client, auth, make_round):
    created, _ = make_round(anonymous=False)  # a named round shows its results while open
    sign = created.questionnaire.signs[2].id
    auth.login("lead")
    url = f"/rounds/{created.id}/results"
    data = {
        "sign_id": sign,
        "title": "Ask for a 30% deposit <now>",
        "owner": "Lin",
        "due_date": "2026-12-01",
        "csrf_token": csrf_token(client, url),
    }
    assert client.post(f"/rounds/{created.id}/actions", data=data).status_code == 302
    with app.app_context():
        [action] = actions.client_actions(get_db(), created.client_id)
    assert (action.sign_id, action.owner_name, action.due_date) == (sign, "Lin", "2026-12-01")
    assert not action.done
    assert "Ask for a 30% deposit &lt;now&gt;" in client.get(url).get_data(as_text=True)

    token = csrf_token(client, url)
    client.post(f"/actions/{action.id}/toggle", data={"csrf_token": token})
    with app.app_context():
        assert actions.get_action(get_db(), action.id).done


def test_an_action_made_from_a_step_reads_in_each_language(app, client, auth, make_round):
    """A lead turns a next step into an action, its words unchanged: the action keeps the
    step and shows it in the reader's language; edited words, or a step of another sign
    sent with it, keep none (the title as typed)."""
    created, _ = make_round(anonymous=False)
    q = created.questionnaire
    sign = q.signs[2]
    band, advice = next(iter(sign.recommendations.items()))
    key = f"band:{sign.id}:{band}"
    auth.login("lead")
    url = f"/rounds/{created.id}/results"
    for title, step in (
        (advice.text.get("en"), key),
        ("Our own words", key),
        (advice.text.get("en"), f"band:{q.signs[0].id}:{band}"),
    ):
        data = {"sign_id": sign.id, "step": step, "title": title, "owner": "Lin"}
        data["csrf_token"] = csrf_token(client, url)
        assert client.post(f"/rounds/{created.id}/actions", data=data).status_code == 302
    with app.app_context():
        kept, own, other = sorted(
            actions.client_actions(get_db(), created.client_id), key=lambda a: a.id
        )
    assert (kept.step, own.step, other.step) == (key, None, None)
    client.post("/language", data={"language": "zh-CN", "csrf_token": csrf_token(client, url)})
    page = client.get(url).get_data(as_text=True)
    actions_part = page[page.index('id="actions"') :]
    assert advice.text.get("zh-CN") in actions_part and "Our own words" in actions_part
    client_page = client.get(f"/clients/{created.client_id}").get_data(as_text=True)
    assert advice.text.get("zh-CN") in client_page and "Our own words" in client_page


def test_action_for_an_unknown_sign_is_refused(app, client, auth, make_round):
    created, _ = make_round()
    auth.login("lead")
    url = f"/rounds/{created.id}/results"
    data = {"sign_id": "no-such-sign", "title": "x", "owner": "y"}
    data["csrf_token"] = csrf_token(client, url)
    assert client.post(f"/rounds/{created.id}/actions", data=data).status_code == 400
    with app.app_context():
        assert actions.client_actions(get_db(), created.client_id) == []


def test_share_links_expire_and_can_be_revoked(app, make_round):
    created, _ = make_round()
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with app.app_context():
        db = get_db()
        link = share_links.create_link(db, created.id, language="zh-CN", now=now)
        assert link.expires_at.startswith("2026-12-06")
        assert share_links.find(db, link.token).usable(now)
        later = now + timedelta(days=14, seconds=1)
        assert not share_links.find(db, link.token).usable(later)
        share_links.revoke(db, link.id)
        assert not share_links.find(db, link.token).usable(now)
        assert share_links.find(db, "guess") is None


def test_lead_creates_and_revokes_a_share_link(app, client, auth, make_round):
    created, _ = make_round(anonymous=False)  # a named round shows its results while open
    auth.login("lead")
    url = f"/rounds/{created.id}/results"
    data = {"language": "en", "days": "3", "csrf_token": csrf_token(client, url)}
    assert client.post(f"/rounds/{created.id}/share", data=data).status_code == 302
    with app.app_context():
        [link] = share_links.round_links(get_db(), created.id)
    assert link.usable() and link.language == "en"
    assert f"/s/{link.token}" in client.get(url).get_data(as_text=True)
    client.post(f"/share/{link.id}/revoke", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        assert not share_links.get_link(get_db(), link.id).usable()
    gone = client.get(f"/s/{link.token}")
    assert gone.status_code == 410
    assert "This share link was revoked" in gone.get_data(as_text=True)
    assert gone.mimetype == "text/html"


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "This share link has expired"), ("zh-CN", "此分享链接已过期")],
)
def test_an_expired_share_link_says_so(app, make_round, lang, said):
    created, _ = make_round(anonymous=False)
    with app.app_context():
        db = get_db()
        link = share_links.create_link(db, created.id, language="en")
        with db.conn:
            db.execute(
                "UPDATE share_links SET expires_at = '2026-01-02T00:00:00+00:00' WHERE id = ?",
                [link.id],
            )
    page = app.test_client().get(f"/s/{link.token}", headers={"Accept-Language": lang})
    text = page.get_data(as_text=True)
    assert page.status_code == 410 and said in text
    assert "2026" in text and "%PDF" not in text
    assert app.test_client().get("/s/no-such-link").status_code == 404


def test_share_link_days_are_bounded(client, auth, make_round):
    created, _ = make_round()
    auth.login("lead")
    url = f"/rounds/{created.id}/results"
    data = {"language": "en", "days": "365", "csrf_token": csrf_token(client, url)}
    assert client.post(f"/rounds/{created.id}/share", data=data).status_code == 400


@pytest.mark.parametrize(
    "path", ["/rounds/{id}/results", "/rounds/{id}/charts/radar.svg", "/rounds/{id}/report.pdf"]
)
def test_members_cannot_see_results(client, auth, make_round, path):
    created, _ = make_round()
    auth.login("member")
    assert client.get(path.format(id=created.id)).status_code == 403


def test_pages_with_several_forms_repeat_no_id(app, client, auth, demo):
    """Each POST form carries its own CSRF field; none may bring an id="csrf_token"."""
    import re
    from collections import Counter

    auth.login("lead")
    with app.app_context():
        db = get_db()
        paths = []
        for found in clients.list_clients(db):
            paths.append(f"/clients/{found.id}")
            for each in rounds.list_rounds(db, found.id):
                paths.append(f"/rounds/{each.id}")
                if each.status == "closed":
                    paths.append(f"/rounds/{each.id}/results")
    forms = 0
    for path in paths:
        page = client.get(path).get_data(as_text=True)
        forms += page.count('name="csrf_token"')
        repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', page)).items() if n > 1]
        assert not repeated, f"{path}: {repeated}"
    assert forms > 2 * len(paths)  # the pages checked do carry several forms each


# --- a kickoff round: signs it does not ask about ------------------------------------------


def _kickoff(app, client_name):
    with app.app_context():
        db = get_db()
        found = clients.find_by_name(db, client_name)
        return next(r for r in rounds.list_rounds(db, found.id) if r.kind == "kickoff")


@pytest.mark.parametrize(
    ("lang", "label", "title"),
    [("en", "Not asked in a kickoff", "Paying on time"), ("zh-CN", "启动评估中未询问", "按时付款")],
)
def test_kickoff_pages_show_not_asked_signs_as_such(app, client, auth, demo, lang, label, title):
    current = _kickoff(app, "Apex Retail Group")
    auth.login("lead")
    headers = {"Accept-Language": lang}
    for url in (f"/rounds/{current.id}/results", f"/rounds/{current.id}"):
        page = client.get(url, headers=headers).get_data(as_text=True)
        row = re.search(r'<tr class="not-asked" data-sign="payment">(.*?)</tr>', page, re.S)
        assert row, url
        assert title in row.group(1) and label in row.group(1)
        assert "%" not in row.group(1)  # no coverage figure
        assert "Insufficient data" not in page and "数据不足" not in page
        note = re.search(r'class="small text-body-secondary not-asked-note">(.*?)</p>', page, re.S)
        assert note and title in note.group(1) and label in note.group(1)
    with app.app_context():
        steps = results.outcome(results.load(get_db(), current)).next_steps
    assert "payment" not in {step.sign_id for step in steps}


def test_client_history_and_portfolio_show_not_asked(app, client, auth, make_round):
    from assessment.store import responses

    current, people = make_round(kind="kickoff", respondents=3, client="Kick Off Ltd")
    q = current.questionnaire
    with app.app_context():
        db = get_db()
        for person in people:
            answers = {i.id: 4 for i in q.items() if i.type == "likert" and i.applies("kickoff")}
            responses.save_response(db, person.id, answers, {}, submit=True)
        results.close_round(db, rounds.get_round(db, current.id))
    auth.login("lead")
    history = client.get(f"/clients/{current.client_id}").get_data(as_text=True)
    assert "Not asked in a kickoff: Paying on time" in history
    portfolio = client.get("/portfolio/").get_data(as_text=True)
    heat = re.search(r'<table class="table table-sm heatmap">(.*?)</table>', portfolio, re.S)
    cell = re.search(r'<td class="[^"]*not-asked" title="([^"]+)">([^<]+)<', heat.group(1))
    assert cell and cell.groups() == ("Not asked in a kickoff", "not asked")


def test_band_badges_carry_a_readable_text_colour(app, client, auth, demo):
    from assessment.colours import MIN_CONTRAST, contrast_ratio

    auth.login("lead")
    current = _round(app, "Apex Retail Group", "2026-Q4")
    pages = [
        client.get(url).get_data(as_text=True)
        for url in ("/portfolio/", f"/rounds/{current.id}/results", f"/clients/{current.client_id}")
    ]
    badges = re.findall(
        r'class="badge band-badge[^"]*" style="--band: (#\w{6}); --band-text: (#\w{6})"',
        " ".join(pages),
    )
    assert len(badges) >= 15  # portfolio rows and legend, the signs table, the history
    for colour, text in badges:
        assert contrast_ratio(colour, text) >= MIN_CONTRAST, (colour, text)
    # No badge falls back to the stylesheet's default colour.
    assert not re.search(r'band-badge[^"]*" style="--band: #\w{6}"', " ".join(pages))


MOOD = "mood-example"  # six-signs' open (text) question of the sign "negativity"


def _submit_free_text(app, people, q, answer, comment, *, others=0, close=False):
    """People[0] writes; the next `others` people submit likert answers only; `close`
    closes the round (an anonymous round shows results only when closed)."""
    from assessment.store import responses

    likert = {i.id: 4 for i in q.items() if i.type == "likert" and i.applies("quarterly")}
    with app.app_context():
        db = get_db()
        mine = {MOOD: answer, **(likert if others else {})}
        responses.save_response(
            db, people[0].id, mine, {q.items_by_id[MOOD][0].id: comment}, submit=True
        )
        for person in people[1 : 1 + others]:
            responses.save_response(db, person.id, likert, {}, submit=True)
        if close:
            results.close_round(db, rounds.get_round(db, people[0].round_id))


@pytest.mark.parametrize("anonymous", [False, True])
def test_text_answers_show_under_their_sign_with_the_question(
    app, client, auth, make_round, anonymous
):
    # An anonymous round shows free text once closed with its text floor (5) of answers.
    created, people = make_round(anonymous=anonymous, respondents=5)
    q = created.questionnaire
    _submit_free_text(
        app,
        people,
        q,
        "Call <b>one</b>\r\nthen call two 😤",
        "Line 1\nLine 2",
        others=4 if anonymous else 0,
        close=anonymous,
    )
    auth.login("lead")
    page = client.get(f"/rounds/{created.id}/results").get_data(as_text=True)
    said = page[page.index('id="comments-title"') :]
    sign, question = q.items_by_id[MOOD][0].title.get("en"), q.item(MOOD).text.get("en")
    assert said.index(sign) < said.index(question) < said.index("Call &lt;b&gt;one")
    assert '<span class="comment-body">Call &lt;b&gt;one&lt;/b&gt;\nthen call two 😤</span>' in said
    assert '<span class="comment-body">Line 1\nLine 2</span>' in said
    assert ("Person 0" in said) is not anonymous
    if anonymous:
        assert "comments and answers to open questions are shown without names" in said

    zh = client.get(f"/rounds/{created.id}/results", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert q.item(MOOD).text.get("zh-CN") in zh


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_text_answers_below_the_text_floor_are_withheld_like_comments(
    app, client, auth, make_round, lang
):
    """One gate for comments and text answers (report.data.free_text): four submitted, the
    text floor is five, so the results are shown but neither kind of free text is."""
    created, people = make_round(anonymous=True, respondents=4)
    q = created.questionnaire
    _submit_free_text(
        app, people, q, "an answer only I would give", "my words", others=3, close=True
    )
    auth.login("lead")
    page = client.get(f"/rounds/{created.id}/results", headers={"Accept-Language": lang}).get_data(
        as_text=True
    )
    assert 'data-testid="comments-withheld"' in page and 'data-testid="index"' in page
    assert "an answer only I would give" not in page and "my words" not in page
    assert q.item(MOOD).text.get(lang) not in page
    expected = {
        "en": "Comments and answers to open questions are withheld to protect anonymity",
        "zh-CN": "为保护匿名，意见和开放题的回答不予显示",
    }[lang]
    assert expected in page


def test_results_say_when_nobody_wrote_anything(client, auth, make_round):
    # A named round: an open anonymous round has no results page to say it on.
    created, _ = make_round(anonymous=False)
    auth.login("lead")
    page = client.get(f"/rounds/{created.id}/results").get_data(as_text=True)
    assert "No comments or answers to open questions in this round." in page


def test_a_stored_anonymous_result_without_its_floor_is_not_shown_as_stored(app, make_round):
    """A closed anonymous round's stored result must have been scored with the floor; one
    that was not (written around close_round) is scored again, never shown with extremes."""
    import json

    from assessment.scoring import score_round
    from assessment.store import responses

    created, people = make_round(respondents=3)
    with app.app_context():
        db = get_db()
        items = [i.id for i in created.questionnaire.items() if i.type == "likert"]
        for n, person in enumerate(people):
            answers = {item: 1 + (n + k) % 5 for k, item in enumerate(items)}
            responses.save_response(db, person.id, answers, {}, submit=True)
        results.close_round(db, rounds.get_round(db, created.id))
        unfloored = score_round(
            created.questionnaire,
            responses.submitted_responses(db, created.id),
            kind=created.kind,
        )
        assert any(s.lowest is not None for s in unfloored.signs)
        with db.conn:
            db.execute(
                "UPDATE rounds SET results = ? WHERE id = ?",
                [json.dumps(unfloored.to_dict()), created.id],
            )
        shown = results.score(results.load(db, rounds.get_round(db, created.id)))
    assert all(s.lowest is None and s.highest is None for s in shown.signs)


def _submit_all(app, people, value=4):
    from assessment.store import responses

    with app.app_context():
        db = get_db()
        for person in people:
            current = rounds.get_round(db, respondents_round(db, person))
            q = current.questionnaire
            answers = {
                i.id: value for i in q.items() if i.type == "likert" and i.applies(current.kind)
            }
            responses.save_response(db, person.id, answers, {}, submit=True)


def respondents_round(db, person) -> int:
    from assessment.store import respondents

    return respondents.find_by_token(db, person.token).round_id


def test_a_first_round_speaks_of_no_previous_one(app, client, auth, make_round):
    created, people = make_round(anonymous=False)
    _submit_all(app, people)
    auth.login("lead")
    page = client.get(f"/rounds/{created.id}/results").get_data(as_text=True)
    assert "radar.svg" in page
    assert "dashed" not in page and "against the previous one" not in page
    assert "the next round will be drawn against it" in page


def test_without_a_score_no_next_step_claims_all_is_well(app, client, auth, make_round):
    created, people = make_round(anonymous=False)
    _submit_all(app, people[:1])
    auth.login("lead")
    page = client.get(f"/rounds/{created.id}/results").get_data(as_text=True)
    assert "Not enough answers yet for a score" in page
    assert "keep doing what works" not in page
    assert "Next steps follow once there are enough answers" in page


def test_the_record_answers_what_the_store_queries_answered(demo_app):
    """``results.load``'s record: the previous closed round, the speak-up days and each
    round's policy are what the store's own queries give, for every round of the demo."""
    from assessment.store import evidence, respondents, rounds

    with demo_app.app_context():
        db = get_db()
        for client in clients.list_clients(db):
            for current in rounds.list_rounds(db, client.id):
                record = results.load(db, current)
                assert results.previous_closed_round(
                    record, current
                ) == rounds.previous_closed_round(db, current)
                assert results.speak_up_days(record) == evidence.speak_up_days(db, client.id)
                assert results.policy(record).submitted == rounds.submitted_count(db, current.id)
                rules = results.client_policy(record)
                contacts = respondents.list_respondents(db, current.id, side="client")
                assert (rules is None) == (current.mirror_digest is None or not contacts)
                if rules is not None:
                    assert rules.submitted == rounds.submitted_count(db, current.id, "client")


def test_a_record_is_immutable_and_refuses_answers_it_did_not_read(app, make_round):
    """An anonymous round still open: its record reads no answers (nothing may be shown),
    and scoring it from that record is refused rather than done from nothing; closing
    reads them (``scoring=True``)."""
    created, people = make_round(respondents=3)
    with app.app_context():
        db = get_db()
        from assessment.store import responses

        q = created.questionnaire
        for n, person in enumerate(people):
            answers = {item.id: 1 + n for item in q.items() if item.type == "likert"}
            responses.save_response(db, person.id, answers, {}, submit=True)
        record = results.load(db, created)
        assert len(record.people) == 3 and not any(p.name for p in record.people)  # anonymous
        with pytest.raises(results.NotRead):
            results.score(record)
        with pytest.raises(AttributeError):
            record.round = created  # frozen
        with pytest.raises(TypeError):
            record.counts[created.id] = None  # a read-only mapping
        scored = results.score(results.load(db, created, scoring=True))
        assert scored.respondents == 3
