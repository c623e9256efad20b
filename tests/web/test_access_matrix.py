"""Every route × every kind of visitor, with the status each must get.

Visitors: anonymous; a respondent (no account, holding the link of a round other than the
one asked for); a client contact (no account, holding their own link to the very round asked
for, with the answers they submitted through it: it reaches their own form and nothing
else); member; lead; admin. A route added without an entry here fails the
completeness test, so nobody can forget to decide who may use it.
"""

from pathlib import Path

import pytest
from conftest import AuthActions, csrf_token

from assessment import library, pack_jobs
from assessment.db import get_db
from assessment.jobs.mail import deliver_due
from assessment.mail.kinds import invitation_key
from assessment.store import actions, api_tokens, outbox, packs, rounds, share_links
from assessment.store import alerts as alert_store

ROLES = ("anonymous", "respondent", "client", "member", "lead", "admin")
OUTSIDERS = ("anonymous", "respondent", "client")
_OUT = dict.fromkeys(OUTSIDERS, 302)
LEADS_ONLY = {**_OUT, "member": 403, "lead": 200, "admin": 200}
ADMINS_ONLY = {**_OUT, "member": 403, "lead": 403, "admin": 200}
LOGGED_IN = {**_OUT, "member": 200, "lead": 200, "admin": 200}
PUBLIC = dict.fromkeys(ROLES, 200)
API = dict.fromkeys(ROLES, 401)

# (method, url template, expected status per visitor). POSTs by allowed roles redirect.
MATRIX = [
    ("GET", "/", LOGGED_IN),
    ("GET", "/login", {**PUBLIC, "member": 302, "lead": 302, "admin": 302}),
    # Single sign-on (issue 29): not configured here, so nobody finds it; with a provider
    # configured, tests/web/test_sso.py covers who gets what.
    ("GET", "/login/sso/", dict.fromkeys(ROLES, 404)),
    ("GET", "/login/sso/callback", dict.fromkeys(ROLES, 404)),
    # The firm's logo, public (a client contact has no login): none is set here.
    ("GET", "/brand/logo", dict.fromkeys(ROLES, 404)),
    ("GET", "/portfolio/", LEADS_ONLY),
    ("GET", "/portfolio/results.csv", LEADS_ONLY),
    ("GET", "/portfolio/packs/{pack}.json", LEADS_ONLY),
    ("GET", "/portfolio/packs/{pack}.pdf", LEADS_ONLY),
    ("POST", "/portfolio/packs/", {**LEADS_ONLY, "lead": 303, "admin": 303}),
    ("GET", "/clients/", LEADS_ONLY),
    ("GET", "/clients/new", LEADS_ONLY),
    ("GET", "/clients/{client}", LEADS_ONLY),
    ("GET", "/clients/{client}/edit", LEADS_ONLY),
    ("GET", "/clients/{client}/charts/trend.svg", LEADS_ONLY),
    ("GET", "/clients/{client}/rounds/new", LEADS_ONLY),
    ("GET", "/rounds/{round}", LEADS_ONLY),
    ("GET", "/rounds/{round}/results", LEADS_ONLY),
    ("GET", "/rounds/{round}/charts/radar.svg", LEADS_ONLY),
    ("GET", "/rounds/{round}/charts/trend.svg", LEADS_ONLY),
    ("GET", "/rounds/{round}/charts/sides.svg", {**LEADS_ONLY, "lead": 403, "admin": 403}),
    ("GET", "/rounds/{round}/answers.csv", LEADS_ONLY),
    ("GET", "/rounds/{round}/report.pdf", LEADS_ONLY),
    ("GET", "/rounds/{round}/client-summary.pdf", {**LEADS_ONLY, "lead": 404, "admin": 404}),
    ("GET", "/users/", ADMINS_ONLY),
    ("GET", "/users/{user}", ADMINS_ONLY),
    ("GET", "/audit/", ADMINS_ONLY),
    ("GET", "/outbox/", ADMINS_ONLY),
    ("GET", "/outbox/{message}", ADMINS_ONLY),
    ("GET", "/outbox/{message}/html", ADMINS_ONLY),
    ("GET", "/alerts/", ADMINS_ONLY),
    ("GET", "/questionnaires/", LEADS_ONLY),
    ("GET", "/questionnaires/six-signs/{digest}", LEADS_ONLY),
    ("GET", "/questionnaires/six-signs/{digest}/preview", LEADS_ONLY),
    ("GET", "/questionnaires/six-signs/{digest}.toml", LEADS_ONLY),
    ("GET", "/questionnaires/six-signs/{digest}.xlsx", LEADS_ONLY),
    ("POST", "/questionnaires/upload", {**ADMINS_ONLY, "admin": 303}),  # no file: told so
    ("POST", "/questionnaires/uploads/{upload}/publish", {**ADMINS_ONLY, "admin": 302}),
    ("GET", "/account/password", LOGGED_IN),
    ("GET", "/account/tokens", LOGGED_IN),
    # Nothing filled in: the page again, with what is missing (tests/web/test_api.py).
    ("POST", "/account/tokens", {**LOGGED_IN, "member": 400, "lead": 400, "admin": 400}),
    # The lead's token: its owner revokes it; anybody else is told there is no such token.
    (
        "POST",
        "/account/tokens/{api_token}/revoke",
        {**_OUT, "member": 404, "admin": 404, "lead": 302},
    ),
    # The API answers a token in the Authorization header only: no login cookie, link or
    # answer key opens it (401, as JSON); its description is public (tests/web/test_api.py).
    ("GET", "/api/v1/openapi.json", PUBLIC),
    ("GET", "/api/v1/clients", API),
    ("GET", "/api/v1/clients/{client}", API),
    ("GET", "/api/v1/clients/{client}/rounds", API),
    ("GET", "/api/v1/clients/{client}/actions", API),
    ("GET", "/api/v1/rounds", API),
    ("GET", "/api/v1/rounds/{round}", API),
    ("GET", "/api/v1/rounds/{round}/results", API),
    ("GET", "/api/v1/portfolio", API),
    ("GET", "/r/{token}", PUBLIC),
    ("GET", "/s/{share}", PUBLIC),
    ("POST", "/clients/{client}/archive", {**LEADS_ONLY, "lead": 302, "admin": 302}),
    ("POST", "/rounds/{round}/close", {**LEADS_ONLY, "lead": 302, "admin": 302}),
    ("POST", "/rounds/{round}/reopen", {**LEADS_ONLY, "lead": 302, "admin": 302}),
    ("POST", "/rounds/{round}/invitations/confirm", {**LEADS_ONLY, "lead": 302, "admin": 302}),
    # An empty form: the round page again, with what is missing beside each field.
    ("POST", "/rounds/{round}/respondents", {**LEADS_ONLY, "lead": 400, "admin": 400}),
    ("POST", "/rounds/{round}/client-contacts", {**LEADS_ONLY, "lead": 400, "admin": 400}),
    ("POST", "/rounds/{round}/respondents/import", {**LEADS_ONLY, "lead": 303, "admin": 303}),
    (
        "POST",
        "/rounds/{round}/respondents/{respondent}/new-link",
        {**LEADS_ONLY, "lead": 302, "admin": 302},
    ),
    (
        "POST",
        "/rounds/{round}/respondents/{respondent}/invite",  # they have no email
        {**LEADS_ONLY, "lead": 400, "admin": 400},
    ),
    (
        "POST",
        "/rounds/{round}/respondents/{respondent}/remove",
        {**LEADS_ONLY, "lead": 302, "admin": 302},
    ),
    ("POST", "/rounds/{round}/actions", {**LEADS_ONLY, "lead": 400, "admin": 400}),
    ("POST", "/actions/{action}/toggle", {**LEADS_ONLY, "lead": 302, "admin": 302}),
    ("POST", "/rounds/{round}/share", {**LEADS_ONLY, "lead": 400, "admin": 400}),
    ("POST", "/rounds/{round}/client-summary", {**LEADS_ONLY, "lead": 400, "admin": 400}),
    ("POST", "/share/{share_id}/revoke", {**LEADS_ONLY, "lead": 302, "admin": 302}),
    ("POST", "/rounds/{round}/invitations", {**LEADS_ONLY, "lead": 303, "admin": 303}),
    ("POST", "/rounds/{round}/remind", {**LEADS_ONLY, "lead": 303, "admin": 303}),
    ("POST", "/rounds/{round}/schedule", {**LEADS_ONLY, "lead": 303, "admin": 303}),
    ("POST", "/rounds/{round}/mail/{message}/retry", {**LEADS_ONLY, "lead": 303, "admin": 303}),
    ("POST", "/outbox/{message}/retry", {**ADMINS_ONLY, "admin": 303}),
    # Evidence between rounds (issue 28; more visitors in test_evidence_web): the member
    # here is on no client's team, so may open the form but has nothing to log.
    ("GET", "/incidents/new", LOGGED_IN),
    ("POST", "/incidents/new", {**LOGGED_IN, "lead": 400, "admin": 400}),
    ("GET", "/incidents/0/edit", {**LOGGED_IN, "member": 404, "lead": 404, "admin": 404}),
    ("GET", "/r/{token}/incident", PUBLIC),  # a team member's link
    ("POST", "/r/{token}/incident", dict.fromkeys(ROLES, 400)),  # an empty form
    ("GET", "/r/{client_token}/incident", dict.fromkeys(ROLES, 404)),  # never the client's
    ("GET", "/clients/{client}/evidence", LEADS_ONLY),
    ("GET", "/clients/{client}/incidents.csv", LEADS_ONLY),
    ("POST", "/clients/{client}/invoices", {**LEADS_ONLY, "lead": 400, "admin": 400}),
    (
        "POST",
        "/rounds/{round}/client-summary/invoices",
        {**LEADS_ONLY, "lead": 400, "admin": 400},
    ),
    ("POST", "/users/", {**ADMINS_ONLY, "admin": 400}),
    ("POST", "/alerts/", {**ADMINS_ONLY, "admin": 200}),  # nothing filled in: the form again
    ("POST", "/alerts/{channel}/test", {**ADMINS_ONLY, "admin": 303}),
    ("POST", "/alerts/{channel}/enabled", {**ADMINS_ONLY, "admin": 303}),
    ("POST", "/alerts/{channel}/delete", {**ADMINS_ONLY, "admin": 303}),
    ("POST", "/users/{user}", {**ADMINS_ONLY, "admin": 302}),
    ("GET", "/users/{user}/reset-link", ADMINS_ONLY),
    # A form kept across an expired login: nothing kept here, so logged-in people go home.
    ("GET", "/resume", dict.fromkeys(ROLES, 302)),
    # No mail server here: the admin is shown the link (after the member's anonymous
    # answers were put out of the account's reach, tests/web/test_password_resets.py).
    ("POST", "/users/{user}/reset-link", {**ADMINS_ONLY, "admin": 200}),
    # Public: whoever holds a reset link; an unknown one is no page at all.
    ("GET", "/password-reset/1.unknown", dict.fromkeys(ROLES, 404)),
    ("POST", "/password-reset/1.unknown", dict.fromkeys(ROLES, 404)),
    (
        "POST",
        "/logout",
        {
            **LOGGED_IN,
            "anonymous": 302,
            "respondent": 302,
            "member": 302,
            "lead": 302,
            "admin": 302,
        },
    ),
]


@pytest.fixture
def world(app, make_round):
    """A round with a respondent, an action and a share link; another round's respondent.
    The round is named, so that its results may be shown while it is open: what anonymous
    rounds withhold, and from whom, is tested in test_anonymity."""
    current, people = make_round(period="2026-Q3", respondents=2, anonymous=False, contacts=1)
    _other, strangers = make_round(period="2026-Q4", client="Other Co", respondents=1)
    with app.app_context():
        db = get_db()
        action = actions.create_action(
            db, current.id, sign_id=current.questionnaire.signs[0].id, title="t", owner_name="o"
        )
        link = share_links.create_link(db, current.id, language="en")
        member = db.execute("SELECT id FROM users WHERE role = 'member'").fetchone()[0]
        (message,) = outbox.queue(
            db,
            [
                outbox.NewMessage(
                    key=invitation_key(people[0]),
                    kind="invitation",
                    to_address="person@example.com",
                    round_id=current.id,
                    respondent_id=people[0].id,
                )
            ],
            queued_by="test",
        )
        deliver_due(app, db)  # no mail server: kept in the local outbox
        channel = alert_store.add_channel(
            db,
            name="Firm chat",
            kind="slack",
            url="https://hooks.example.com/services/T0/B0/secret-token",
            secret=None,
            language="en",
            events=["round_closed"],
        )
        pack = packs.create_job(db, period="2026-Q3", language="en")
        packs.finish(db, pack.id, pack_jobs._store_file(app, pack.id, b"%PDF-1.7 test"))
        lead = db.execute("SELECT id FROM users WHERE role = 'lead'").fetchone()[0]
        api_token, _secret = api_tokens.create(db, lead, name="script", days=30)
        pulse = (Path(app.config["QUESTIONS_DIR"]) / "pulse.toml").read_text(encoding="utf-8")
        upload = library.upload(
            db,
            data=pulse.replace("version = 1", "version = 2", 1).encode(),
            filename="pulse.toml",
            questions_dir=app.config["QUESTIONS_DIR"],
            instance_path=app.instance_path,
            user_id=None,
            max_bytes=1_000_000,
            max_rows=2_000,
        )
    return {
        "digest": current.questionnaire_digest,
        "upload": upload.id,
        "pack": pack.id,
        "client": current.client_id,
        "round": current.id,
        "respondent": people[0].id,
        "token": people[1].token,
        "action": action.id,
        "share": link.token,
        "share_id": link.id,
        "user": member,
        "stranger_token": strangers[0].token,
        "message": message,
        "client_token": people[2].token,
        "channel": channel.id,
        "api_token": api_token.id,
    }


def _visitor(app, role, world):
    client = app.test_client()
    if role in ("member", "lead", "admin"):
        AuthActions(client).login(role)
    elif role == "respondent":
        assert client.get(f"/r/{world['stranger_token']}").status_code == 200
    elif role == "client":
        _answer_as_client(client, world["client_token"])
    return client


def _answer_as_client(client, token):
    """Submit a client contact's answers through their link: their browser then holds the
    answer key cookie of a submitted response in the round under test."""
    assert client.get(f"/r/{token}").status_code == 200
    data = {"csrf_token": csrf_token(client, f"/r/{token}"), "submit_answers": "anyway"}
    data["q_c-requests-through-channels"] = "4"
    response = client.post(f"/r/{token}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_every_route_is_in_the_matrix(app):
    listed = {url.split("{")[0].rstrip("/") or "/" for _m, url, _e in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static", "i18n.switch_language"):
            continue
        prefix = rule.rule.split("<")[0].rstrip("/") or "/"
        assert any(item.startswith(prefix) or prefix.startswith(item) for item in listed), rule


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role):
    client = _visitor(app, role, world)
    token = csrf_token(client, "/login") if role in OUTSIDERS else None
    for method, template, expected in MATRIX:
        url = template.format(**world)
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client, "/" if role in ("member", "lead", "admin") else "/login")
            response = client.post(url, data={"csrf_token": token})
        if template == "/logout" and role in ("member", "lead", "admin"):
            client = _visitor(app, role, world)  # log back in for the rest
        want = expected[role]
        assert response.status_code == want, (role, method, url, response.status_code)
        if want == 302 and role in OUTSIDERS and template != "/logout":
            assert response.headers["Location"].startswith("/login"), (role, url)
    with app.app_context():
        assert rounds.get_round(get_db(), world["round"]) is not None


@pytest.mark.parametrize(
    ("method", "template"), [(m, t) for m, t, _e in MATRIX if m == "POST" and t != "/logout"]
)
def test_every_post_needs_a_csrf_token(app, world, method, template):
    client = _visitor(app, "admin", world)
    response = client.post(template.format(**world), data={})
    assert response.status_code == 400, template


def test_answer_form_post_needs_a_csrf_token(client, world):
    assert client.post(f"/r/{world['token']}", data={"save": "y"}).status_code == 400
