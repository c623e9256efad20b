"""The read-only JSON API (web/api.py) and its tokens (account page, store/api_tokens.py).

Who may see what: an admin's and a lead's token every client, round, result, action and
the portfolio; a member's token only the rounds they take part in and the team summary
their lead shares (clients, actions and the portfolio: 403). Nobody without a token: no
token, a revoked or expired one, one from before a new password or deactivation, a login
cookie, a respondent's, client contact's or share link: 401. Anonymous rounds: withheld
while open and below the floor, and never anything of one person.
"""

import hashlib
import json
import re

import pytest
from conftest import PASSWORD, csrf_token
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from assessment import results
from assessment.db import get_db
from assessment.store import (
    actions,
    api_tokens,
    audit,
    responses,
    rounds,
    share_links,
    team_views,
    users,
)
from assessment.web import api_spec

PATHS = (
    "/api/v1/clients",
    "/api/v1/clients/{client}",
    "/api/v1/clients/{client}/rounds",
    "/api/v1/clients/{client}/actions",
    "/api/v1/rounds",
    "/api/v1/rounds/{round}",
    "/api/v1/rounds/{round}/results",
    "/api/v1/portfolio",
)


def _user_id(app, role):
    with app.app_context():
        return users.find_by_email(get_db(), f"{role}@example.com").id


def _token(app, role="lead", days=30):
    with app.app_context():
        _token_row, secret = api_tokens.create(
            get_db(), _user_id(app, role), name="script", days=days
        )
    return secret


def _get(client, url, secret=None, **headers):
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.get(url, headers=headers)


def _validator(name):
    spec = api_spec.spec()
    return Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    )


def _check(response, name, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    data = response.get_json()
    _validator(name).validate(data)
    return data


def _submit(app, people, value=4):
    with app.app_context():
        db = get_db()
        for person in people:
            current = rounds.get_round(db, _round_of(db, person))
            answers = {
                i.id: value
                for i in current.questionnaire.items()
                if i.type == "likert" and i.applies(current.kind)
            }
            comments = {current.questionnaire.signs[0].id: "private words"}
            responses.save_response(db, person.id, answers, comments, submit=True)


def _round_of(db, person):
    return db.execute("SELECT round_id FROM respondents WHERE id = ?", [person.id]).fetchone()[0]


def _close(app, current):
    with app.app_context():
        db = get_db()
        results.close_round(db, rounds.get_round(db, current.id))


@pytest.fixture
def world(app, make_round):
    """A named round with three answers, closed, with an action; a second client; the
    member invited to a round of the first client."""
    current, people = make_round(period="2026-Q3", anonymous=False, respondents=3)
    other, _others = make_round(period="2026-Q3", client="Other Co", respondents=1)
    _submit(app, people)
    _close(app, current)
    with app.app_context():
        db = get_db()
        action = actions.create_action(
            db, current.id, sign_id=current.questionnaire.signs[0].id, title="Call", owner_name="A"
        )
    return {
        "round": current,
        "client": current.client_id,
        "other": other,
        "people": people,
        "action": action,
    }


def _urls(world):
    values = {"client": world["client"], "round": world["round"].id}
    return [path.format(**values) for path in PATHS]


# -- The description ---------------------------------------------------------------------


def test_the_description_is_valid_openapi_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on an invalid description
    for name in api_spec.SCHEMAS:
        Draft202012Validator.check_schema(_validator(name).schema)


def test_every_api_route_is_described(app):
    described = set(api_spec.spec()["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            assert path in described, rule.rule


# -- Every endpoint for leads and admins, checked against the description ----------------


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_leads_and_admins_read_everything(app, client, world, role):
    secret = _token(app, role)
    base = "/api/v1"
    clients = _check(_get(client, f"{base}/clients", secret), "ClientPage")
    assert {c["name"] for c in clients["data"]} == {"Acme", "Other Co"}
    one = _check(_get(client, f"{base}/clients/{world['client']}", secret), "Client")
    assert one["name"] == "Acme"
    found = _check(_get(client, f"{base}/clients/{world['client']}/rounds", secret), "RoundPage")
    assert [r["id"] for r in found["data"]] == [world["round"].id]
    done = _check(_get(client, f"{base}/clients/{world['client']}/actions", secret), "ActionPage")
    assert [a["title"] for a in done["data"]] == ["Call"]
    _check(_get(client, f"{base}/rounds/{world['round'].id}", secret), "Round")
    shown = _check(
        _get(client, f"{base}/rounds/{world['round'].id}/results", secret), "RoundResults"
    )
    assert shown["state"] == "shown" and shown["reason"] == "live"
    assert shown["results"]["index"] is not None
    with app.app_context():  # the same aggregates as the pages' stored summary
        db = get_db()
        summary = results.summary(
            results.outcome(results.load(db, rounds.get_round(db, world["round"].id)))
        )
    assert shown["results"]["index"] == summary["index"]
    assert shown["results"]["band"] == summary["band"]
    assert {s["id"]: [s["band"], s["score"]] for s in shown["results"]["signs"]} == {
        k: list(v) for k, v in summary["signs"].items()
    }
    board = _check(_get(client, f"{base}/portfolio", secret), "PortfolioPage")
    assert {row["client"]["name"] for row in board["data"]} == {"Acme", "Other Co"}
    _check(_get(client, f"{base}/rounds", secret), "RoundPage")


def test_viewing_results_through_the_api_is_audited(app, client, world):
    secret = _token(app, "lead")
    _get(client, f"/api/v1/rounds/{world['round'].id}/results", secret)
    with app.app_context():
        found = audit.entries(get_db(), limit=5, offset=0)
    viewed = [e for e in found if e.action == "results.viewed"]
    assert viewed and viewed[0].details["page"] == "api"


def test_errors_are_json_and_described(app, client, world):
    secret = _token(app, "lead")
    _check(_get(client, "/api/v1/clients/999999", secret), "Error", 404)
    _check(_get(client, "/api/v1/rounds/999999/results", secret), "Error", 404)
    _check(_get(client, "/api/v1/no-such-thing", secret), "Error", 404)
    _check(_get(client, "/api/v1/clients?page=abc", secret), "Error", 400)
    _check(_get(client, "/api/v1/clients?per_page=101", secret), "Error", 400)
    _check(_get(client, "/api/v1/clients?page=9", secret), "Error", 404)
    refused = client.post("/api/v1/clients", headers={"Authorization": f"Bearer {secret}"})
    _check(refused, "Error", 405)  # read-only; and no CSRF check was loosened for it


# -- Members -----------------------------------------------------------------------------


def test_a_member_sees_only_their_rounds_and_the_shared_team_summary(app, client, make_round):
    theirs, people = make_round(period="2026-Q1", anonymous=False, respondents=2)
    not_theirs, _x = make_round(period="2026-Q2", anonymous=False, respondents=1)
    with app.app_context():
        from assessment.store.respondents import add_respondent

        member = add_respondent(get_db(), theirs.id, name="M", email="member@example.com")
    _submit(app, [*people, member])
    _close(app, theirs)
    secret = _token(app, "member")
    mine = _check(_get(client, "/api/v1/rounds", secret), "RoundPage")
    assert [r["id"] for r in mine["data"]] == [theirs.id]
    _check(_get(client, f"/api/v1/rounds/{theirs.id}", secret), "Round")
    _check(_get(client, f"/api/v1/rounds/{not_theirs.id}", secret), "Error", 404)
    _check(_get(client, f"/api/v1/rounds/{not_theirs.id}/results", secret), "Error", 404)
    unshared = _get(client, f"/api/v1/rounds/{theirs.id}/results", secret)
    assert "not shared" in _check(unshared, "Error", 404)["error"]["message"]
    for url in ("/api/v1/clients", "/api/v1/portfolio", f"/api/v1/clients/{theirs.client_id}"):
        _check(_get(client, url, secret), "Error", 403)
    _check(_get(client, f"/api/v1/clients/{theirs.client_id}/actions", secret), "Error", 403)
    with app.app_context():
        team_views.save(get_db(), theirs.id, shared=True, steps=[], user_id=None)
    shared = _check(_get(client, f"/api/v1/rounds/{theirs.id}/results", secret), "RoundResults")
    assert shared["state"] == "shown" and shared["results"]["index"] is not None


# -- Nobody else -------------------------------------------------------------------------


def test_no_token_a_login_cookie_or_a_link_is_refused(app, client, world, make_round):
    _other, people = make_round(period="2026-Q4", respondents=1, contacts=1, anonymous=False)
    # A logged-in lead's cookie is no key to the API.
    client.post(
        "/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert client.get("/").status_code == 200
    for url in _urls(world):
        response = client.get(url)
        _check(response, "Error", 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # A respondent's link, a client contact's link, a share link: none is a token.
    with app.app_context():
        share = share_links.create_link(get_db(), world["round"].id, language="en")
    for secret in (people[0].token, people[1].token, share.token, "pc_made-up"):
        for url in _urls(world):
            _check(_get(client, url, secret), "Error", 401)
    # Another scheme, or none.
    secret = _token(app)
    _check(_get(client, "/api/v1/clients", Authorization=f"Basic {secret}"), "Error", 401)
    _check(_get(client, "/api/v1/clients", Authorization=secret), "Error", 401)


def test_a_token_in_the_address_is_refused_and_never_logged(app, client, world):
    secret = _token(app)
    for query in (f"access_token={secret}", f"token={secret}", f"q={secret}"):
        response = client.get(f"/api/v1/clients?{query}", headers={})
        body = _check(response, "Error", 400)
        assert "Authorization header" in body["error"]["message"]
        assert secret not in response.get_data(as_text=True)
    # Even with a good header beside it: the address is refused.
    response = _get(client, f"/api/v1/clients?access_token={secret}", secret)
    _check(response, "Error", 400)
    with app.app_context():
        db = get_db()
        stored = db.execute("SELECT * FROM audit_log").fetchall()
        assert secret not in repr(stored)
        assert db.execute("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NOT NULL")


def test_the_server_access_log_has_no_query_strings(monkeypatch):
    from assessment import server

    seen = {}

    class Fake:
        def __init__(self, options, uri):
            seen.update(options)

        def run(self):
            pass

    monkeypatch.setattr(server, "_Gunicorn", Fake)
    server.run_gunicorn("x:y", host="127.0.0.1", port=1, workers=1)
    assert "%(U)s" in seen["access_log_format"]
    assert "%(r)s" not in seen["access_log_format"] and "%(q)s" not in seen["access_log_format"]


def test_revoked_expired_and_ended_tokens_are_refused(app, client, world):
    url = "/api/v1/clients"
    revoked = _token(app)
    assert _get(client, url, revoked).status_code == 200
    with app.app_context():
        db = get_db()
        (row,) = api_tokens.of_user(db, _user_id(app, "lead"))
        api_tokens.revoke(db, _user_id(app, "lead"), row.id)
    _check(_get(client, url, revoked), "Error", 401)

    expired = _token(app)
    with app.app_context():
        get_db().execute(
            "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00+00:00' WHERE token_hash = ?",
            [api_tokens.token_hash(expired)],
        )
    _check(_get(client, url, expired), "Error", 401)


def test_ending_every_login_revokes_every_token(app, client, world):
    """Logging out everywhere, a new password, a reset or deactivation end the tokens too."""
    url = "/api/v1/rounds"
    member = _user_id(app, "member")
    secret = _token(app, "member")
    assert _get(client, url, secret).status_code == 200
    with app.app_context():
        users.end_logins(get_db(), member)
    _check(_get(client, url, secret), "Error", 401)

    secret = _token(app, "member")
    with app.app_context():
        users.set_password(get_db(), member, "a much newer passphrase 42")
    _check(_get(client, url, secret), "Error", 401)

    secret = _token(app, "member")
    with app.app_context():
        users.update_user(get_db(), member, role="member", active=False, name="M")
    _check(_get(client, url, secret), "Error", 401)


def test_a_user_who_may_no_longer_log_in_is_refused_even_with_a_live_token(app, client, world):
    secret = _token(app, "member")
    with app.app_context():  # deactivated by hand, without ending anything
        get_db().execute("UPDATE users SET active = 0 WHERE email = 'member@example.com'")
    _check(_get(client, "/api/v1/rounds", secret), "Error", 401)


def test_a_role_change_changes_what_a_token_sees(app, client, world):
    secret = _token(app, "lead")
    assert _get(client, "/api/v1/clients", secret).status_code == 200
    with app.app_context():
        get_db().execute("UPDATE users SET role = 'member' WHERE email = 'lead@example.com'")
    _check(_get(client, "/api/v1/clients", secret), "Error", 403)


# -- Anonymity ---------------------------------------------------------------------------


def test_an_anonymous_round_is_withheld_while_open_and_below_its_floor(app, client, make_round):
    current, people = make_round(period="2026-Q2", anonymous=True, respondents=4)
    secret = _token(app, "admin")
    url = f"/api/v1/rounds/{current.id}/results"
    _submit(app, people[:2])
    body = _check(_get(client, url, secret), "RoundResults")
    assert body["state"] == "withheld" and body["reason"] == "open"
    assert body["results"] is None and body["floor"] == current.anonymity_floor
    _close(app, current)
    body = _check(_get(client, url, secret), "RoundResults")
    assert body["state"] == "withheld" and body["reason"] == "withheld"
    assert body["results"] is None and str(current.anonymity_floor) in body["message"]
    board = _check(_get(client, "/api/v1/portfolio", secret), "PortfolioPage")
    (row,) = board["data"]
    assert row["withheld"] and row["index"] is None


def test_nothing_of_one_person_anywhere(app, client, make_round):
    current, people = make_round(period="2026-Q2", anonymous=True, respondents=3)
    _submit(app, people)
    _close(app, current)
    secret = _token(app, "admin")
    seen = ""
    for path in PATHS:
        url = path.format(client=current.client_id, round=current.id)
        response = _get(client, url, secret)
        assert response.status_code == 200, url
        seen += response.get_data(as_text=True)
    body = _get(client, f"/api/v1/rounds/{current.id}/results", secret).get_json()
    assert body["state"] == "shown"
    for person in people:
        assert person.name not in seen and person.token not in seen
    assert "private words" not in seen
    for banned in ("respondent", "comment", "answers", "lowest", "highest", "min", "max"):
        assert f'"{banned}"' not in seen


# -- ETags, paging, rate limits -----------------------------------------------------------


def test_etags_answer_304_until_something_changes(app, client, world):
    secret = _token(app)
    url = f"/api/v1/clients/{world['client']}/actions"
    first = _get(client, url, secret)
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "private, no-store"
    again = _get(client, url, secret, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    with app.app_context():
        actions.set_done(get_db(), world["action"].id, True)
    changed = _get(client, url, secret, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_lists_are_paged(app, client, make_round):
    for n in range(5):
        make_round(period=f"2026-Q{n % 4 + 1}", client=f"Client {n}", respondents=0)
    secret = _token(app)
    first = _check(_get(client, "/api/v1/clients?per_page=2", secret), "ClientPage")
    assert (first["total"], first["pages"], len(first["data"])) == (5, 3, 2)
    names = [c["name"] for c in first["data"]]
    url = first["next"]
    while url:
        page = _check(_get(client, url, secret), "ClientPage")
        names += [c["name"] for c in page["data"]]
        url = page["next"]
    assert sorted(names) == [f"Client {n}" for n in range(5)]
    board = _check(_get(client, "/api/v1/portfolio?per_page=2&page=3", secret), "PortfolioPage")
    assert len(board["data"]) == 1 and board["next"] is None


def test_too_many_requests_get_a_clear_429(app, client, world):
    app.config["API_RATE_LIMIT"] = 3
    secret, other = _token(app), _token(app, "admin")
    for _n in range(3):
        response = _get(client, "/api/v1/rounds", secret)
        assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "0"
    refused = _get(client, "/api/v1/rounds", secret)
    body = _check(refused, "Error", 429)
    assert "3 requests a minute" in body["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _get(client, "/api/v1/rounds", other).status_code == 200  # per token


def test_the_rate_window_starts_again_each_minute():
    from assessment.web.api import RateWindows

    windows = RateWindows()
    assert windows.hit(1, 2, 120.0) == (1, 60)
    assert windows.hit(1, 2, 170.5) == (2, 10)
    assert windows.hit(1, 2, 180.0) == (1, 60)


# -- The account page --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "lead", "admin"])
def test_a_token_is_made_on_the_account_page_shown_once_and_kept_hashed(app, client, auth, role):
    auth.login(role)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    token = csrf_token(client, "/account/tokens")
    made = client.post(
        "/account/tokens", data={"name": "CRM <sync>", "days": "90", "csrf_token": token}
    )
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    secret = re.search(r'value="(pc_[A-Za-z0-9_-]{43})"', html).group(1)
    assert "CRM &lt;sync&gt;" in html and "CRM <sync>" not in html
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and secret[:8] in again
    with app.app_context():
        db = get_db()
        rows = db.execute(
            "SELECT token_hash, expires_at, created_at, scope FROM api_tokens"
        ).fetchall()
        entries = audit.entries(db, limit=3, offset=0)
    assert rows[0][0] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(rows) and rows[0][3] == "read"
    assert entries[0].action == "api_token.created"
    assert _get(app.test_client(), "/api/v1/rounds", secret).status_code == 200


def test_a_token_lasts_at_most_a_year_and_needs_a_name(app, client, auth):
    auth.login("lead")
    token = csrf_token(client, "/account/tokens")
    for data in ({"name": "x", "days": "1000"}, {"name": "", "days": "30"}):
        refused = client.post("/account/tokens", data={**data, "csrf_token": token})
        assert refused.status_code == 400
    forged = client.post("/account/tokens", data={"name": "x", "days": "30"})
    assert forged.status_code == 400  # no CSRF token
    with app.app_context():
        assert not api_tokens.of_user(get_db(), _user_id(app, "lead"))
        with pytest.raises(api_tokens.TokenError):
            api_tokens.create(get_db(), 1, name="x", days=400)


def test_a_token_is_revoked_on_the_account_page_by_its_owner_only(app, client, auth):
    secret = _token(app, "lead")
    with app.app_context():
        (row,) = api_tokens.of_user(get_db(), _user_id(app, "lead"))
    auth.login("admin")  # not theirs: no such token
    token = csrf_token(client, "/account/tokens")
    assert (
        client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    assert _get(app.test_client(), "/api/v1/rounds", secret).status_code == 200
    owner = app.test_client()
    owner.post(
        "/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(owner)},
    )
    token = csrf_token(owner, "/account/tokens")
    done = owner.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert done.status_code == 302
    assert "revoked" in owner.get("/account/tokens").get_data(as_text=True)
    _check(_get(app.test_client(), "/api/v1/rounds", secret), "Error", 401)
    with app.app_context():
        assert audit.entries(get_db(), limit=1, offset=0)[0].action == "api_token.revoked"


def test_changing_ones_password_ends_ones_tokens(app, client, auth):
    secret = _token(app, "lead")
    auth.login("lead")
    token = csrf_token(client, "/account/password")
    new = "another long passphrase 77"
    data = {"current": PASSWORD, "new": new, "confirm": new, "csrf_token": token}
    assert client.post("/account/password", data=data).status_code == 302
    _check(_get(app.test_client(), "/api/v1/rounds", secret), "Error", 401)


def test_a_members_shared_summary_of_a_round_below_its_floor_is_withheld(app, client, make_round):
    current, _people = make_round(period="2026-Q1", anonymous=True, respondents=3)
    with app.app_context():
        from assessment.store.respondents import add_respondent

        member = add_respondent(get_db(), current.id, name="M", email="member@example.com")
    _submit(app, [member])  # one answer: under the floor of 3
    _close(app, current)
    with app.app_context():
        team_views.save(get_db(), current.id, shared=True, steps=[], user_id=None)
    secret = _token(app, "member")
    body = _check(_get(client, f"/api/v1/rounds/{current.id}/results", secret), "RoundResults")
    assert body["state"] == "withheld" and body["results"] is None
    assert body["floor"] == current.anonymity_floor
    assert "private words" not in json.dumps(body)
