"""Single sign-on with OpenID Connect (issue 29), against a real OpenID provider.

The provider is the npm package oidc-provider (tests/oidc/provider.js), run with Node.js on
127.0.0.1 for this module; ``make test`` installs it (``npm ci --prefix tests/oidc``). The
app talks to it for real: discovery, the authorisation code with PKCE, the token endpoint,
its signing keys, userinfo and logout. The tests play the browser: they follow the app's
redirect to the provider, which logs in the account named by ``login_hint`` without a form,
and bring its answer back to the app.

Who may use the routes: ``/login/sso/`` and its callback are public (anybody may start a
sign-in; only the provider's valid answer logs anyone in); without a provider configured
they are 404 for every visitor (tests/web/test_access_matrix.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from conftest import PASSWORD, REPO_ROOT, csrf_token
from smtp_helpers import free_port

from assessment import create_app
from assessment.db import get_db
from assessment.store import user_sessions, users

OIDC_DIR = Path(__file__).parent.parent / "oidc"
APP = "http://localhost"
CALLBACK = f"{APP}/login/sso/callback"
CLIENT_ID = "partnership-check"
SECRET = "test-client-secret"


class Provider:
    def __init__(self, issuer: str):
        self.issuer = issuer

    def sign_in(self, authorize_url: str, account: str, **changes) -> str:
        """Open the app's authorisation URL at the provider (``changes`` alter its query, as
        an attacker could) as ``account``; returns the URL the provider sends back to."""
        parts = urlsplit(authorize_url)
        assert f"{parts.scheme}://{parts.netloc}" == self.issuer
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query.update(login_hint=account, **changes)
        url = urlunsplit(parts._replace(query=urlencode(query)))
        browser = requests.Session()
        for _hop in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            assert response.status_code in (302, 303), (response.status_code, response.text)
            url = requests.compat.urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                return url
        raise AssertionError("the provider never sent the browser back")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    if shutil.which("node") is None:
        pytest.fail("Node.js is missing: run scripts/install-system-deps.sh test")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the test provider is not installed: run npm ci --prefix tests/oidc")
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            ["node", "provider.js", str(port), CALLBACK, f"{APP}/login"],
            cwd=OIDC_DIR,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        line = process.stdout.readline()
        assert line.startswith("listening"), log.read_text()
        yield Provider(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(10)


def _config(provider: Provider, database: Path, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "DATABASE": str(database),
        "QUESTIONS_DIR": str(REPO_ROOT / "questions"),
        "PUBLIC_URL": APP,
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": SECRET,
        "OIDC_SCOPES": "openid email profile groups",
        "OIDC_PROVIDER_NAME": "Keycloak",
        "OIDC_DOMAIN_ROLES": {"firm.example": "member", "example.com": "member"},
        "OIDC_GROUP_ROLES": {"pc-leads": "lead"},
        **overrides,
    }


@pytest.fixture
def make_app(provider, tmp_path, template_database):
    def make(**overrides):
        database = tmp_path / "sso.sqlite3"
        if not database.exists():
            shutil.copyfile(template_database, database)
        return create_app(
            _config(provider, database, **overrides), instance_path=str(tmp_path / "instance")
        )

    return make


@pytest.fixture
def app(make_app):
    return make_app()


def _start(client) -> str:
    response = client.get("/login/sso/")
    assert response.status_code == 302
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    # The authorisation code flow with PKCE (S256), a state and a nonce.
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]
    assert query["redirect_uri"] == [CALLBACK]
    return location


def _sign_in(client, provider, account, **changes):
    callback = provider.sign_in(_start(client), account, **changes)
    return client.get(callback), callback


def _audit(app, action):
    with app.app_context():
        rows = get_db().execute(
            "SELECT actor, details FROM audit_log WHERE action = ? ORDER BY id", [action]
        )
        return [(actor, json.loads(details)) for actor, details in rows.fetchall()]


def _user(app, email):
    with app.app_context():
        return users.find_by_email(get_db(), email)


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


pytestmark = pytest.mark.server


def test_the_login_page_offers_the_provider_in_both_languages(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Keycloak" in page and 'type="password"' in page
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "使用 Keycloak 登录" in page


def test_first_login_creates_an_account_with_the_domain_role(app, provider):
    client = app.test_client()
    response, _ = _sign_in(client, provider, "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _logged_in(client)
    alice = _user(app, "alice@firm.example")
    assert alice.role == "member" and alice.name == "Alice Liddell"
    [(actor, details)] = _audit(app, "sso.account_created")
    assert actor == "alice@firm.example" and details["role"] == "member"
    # The second time, the same account through its link, and an ordinary sign-in.
    client = app.test_client()
    assert _sign_in(client, provider, "alice")[0].status_code == 302
    assert [d["subject"] for _a, d in _audit(app, "sso.login")] == ["sub-alice"]
    with app.app_context():
        assert len(users.list_users(get_db())) == 4


def test_the_groups_claim_gives_its_role(app, provider):
    client = app.test_client()
    assert _sign_in(client, provider, "carol")[0].status_code == 302
    # partner.example is not among the domains: the group pc-leads let her in, as a lead.
    assert _user(app, "carol@partner.example").role == "lead"
    assert client.get("/clients/").status_code == 200


def test_first_login_links_to_the_account_with_the_verified_email(app, provider):
    client = app.test_client()
    response, _ = _sign_in(client, provider, "lead")
    assert response.status_code == 302
    [(actor, details)] = _audit(app, "sso.account_linked")
    assert actor == "lead@example.com" and details["role"] == "lead"  # kept, not "member"
    assert client.get("/clients/").status_code == 200
    # Password login still works for them (OIDC_PASSWORD_LOGIN is true by default).
    other = app.test_client()
    data = {"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(other)}
    assert other.post("/login", data=data).status_code == 302


def test_an_unverified_email_is_refused_and_links_nothing(app, provider):
    client = app.test_client()
    response, _ = _sign_in(client, provider, "unverified_lead")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "did not confirm that your email address is verified" in page
    assert not _logged_in(client)
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM user_identities").fetchone()[0] == 0
    [(_actor, details)] = _audit(app, "sso.refused")
    assert details["reason"] == "unverified" and details["email"] == "lead@example.com"

    client = app.test_client()
    response = _sign_in(client, provider, "mallory")[0]
    assert response.status_code == 403 and _user(app, "mallory@firm.example") is None


def test_the_refusal_page_reads_in_chinese(app, provider):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = _sign_in(client, provider, "mallory")[0]
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "登录被拒绝" in page and "Keycloak 未确认您的电子邮箱地址已通过验证" in page


def test_an_unknown_domain_is_refused(app, provider):
    client = app.test_client()
    response = _sign_in(client, provider, "eve")[0]
    assert response.status_code == 403
    assert "not among those allowed" in response.get_data(as_text=True)
    assert _user(app, "eve@elsewhere.example") is None
    assert _audit(app, "sso.refused")[0][1]["reason"] == "not_allowed"


def test_a_deactivated_account_is_refused_through_sso_too(app, provider):
    member = _user(app, "member@example.com")
    with app.app_context():
        users.update_user(get_db(), member.id, role="member", active=False, name="Member")
    client = app.test_client()
    response = _sign_in(client, provider, "member")[0]
    assert response.status_code == 403
    assert "This account may not log in" in response.get_data(as_text=True)
    with app.app_context():
        assert user_sessions.count(get_db(), member.id) == 0
    assert _audit(app, "sso.refused")[0][1]["reason"] == "deactivated"


def test_a_tampered_state_is_refused(app, provider):
    client = app.test_client()
    callback = provider.sign_in(_start(client), "alice")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged" + query["state"]
    response = client.get(urlunsplit(parts._replace(query=urlencode(query))))
    assert response.status_code == 400
    assert "was not valid, had been used already or had expired" in response.get_data(as_text=True)
    assert not _logged_in(client) and _user(app, "alice@firm.example") is None


def test_a_replayed_callback_is_refused(app, provider):
    client = app.test_client()
    response, callback = _sign_in(client, provider, "alice")
    assert response.status_code == 302
    # The same answer again: in the same browser, and in an attacker's.
    assert client.get(callback).status_code == 400
    attacker = app.test_client()
    assert attacker.get(callback).status_code == 400
    assert not _logged_in(attacker)


def test_an_id_token_with_another_nonce_is_refused(app, provider):
    client = app.test_client()
    # The authorisation request's nonce replaced on the way: the provider signs an ID token
    # for the other nonce, valid in every other respect.
    response, _ = _sign_in(client, provider, "alice", nonce="a-nonce-the-app-never-made")
    assert response.status_code == 400
    assert not _logged_in(client) and _user(app, "alice@firm.example") is None
    [(_actor, details)] = _audit(app, "sso.refused")
    assert "nonce" in details["problem"]


def test_a_code_used_already_is_refused(app, provider):
    client = app.test_client()
    authorize = _start(client)
    callback = provider.sign_in(authorize, "alice")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    with client.session_transaction() as session:
        verifier = session[f"_state_oidc_{state}"]["data"]["code_verifier"]
    # Somebody redeems the code first (with the right verifier and secret, even).
    metadata = requests.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    first = requests.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, SECRET),
        timeout=10,
    )
    assert first.status_code == 200
    response = client.get(callback)
    assert response.status_code == 400
    assert not _logged_in(client)
    assert _audit(app, "sso.refused")[0][1]["problem"] == "invalid_grant"


def test_an_expired_code_is_refused(app, provider):
    client = app.test_client()
    callback = provider.sign_in(_start(client), "slow")  # its codes last one second
    time.sleep(2.5)
    response = client.get(callback)
    assert response.status_code == 400
    assert not _logged_in(client) and _user(app, "slow@firm.example") is None
    assert _audit(app, "sso.refused")[0][1]["problem"] == "invalid_grant"


def test_a_provider_error_is_refused_clearly(app, provider):
    client = app.test_client()
    state = parse_qs(urlsplit(_start(client)).query)["state"][0]
    response = client.get(f"/login/sso/callback?error=access_denied&state={state}")
    assert response.status_code == 400 and not _logged_in(client)


def test_password_login_off_but_for_the_break_glass_admin(make_app, provider):
    app = make_app(OIDC_PASSWORD_LOGIN=False, OIDC_BREAK_GLASS=["admin@example.com"])
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Emergency administrator login" in page and "Sign in with Keycloak" in page
    data = {"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login", data=data)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Password login is off. Sign in with Keycloak." in page
    assert '<details class="mt-4" open>' in page  # the emergency form shown again, open
    assert not _logged_in(client)
    data["email"] = "Admin@Example.com"
    assert client.post("/login", data=data).status_code == 302
    assert _logged_in(client)
    # Single sign-on still lets the lead in.
    lead = app.test_client()
    assert _sign_in(lead, provider, "lead")[0].status_code == 302 and _logged_in(lead)


def test_logout_ends_the_login_and_the_providers_session(app, provider):
    client = app.test_client()
    assert _sign_in(client, provider, "alice")[0].status_code == 302
    alice = _user(app, "alice@firm.example")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{provider.issuer}/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query == {"client_id": [CLIENT_ID], "post_logout_redirect_uri": [f"{APP}/login"]}
    with app.app_context():
        assert user_sessions.count(get_db(), alice.id) == 0
    assert not _logged_in(client)
    # The provider accepts the request (its confirmation page), not an error.
    page = requests.get(location, timeout=10)
    assert page.status_code == 200 and "logout" in page.text.lower()
    # A password login's logout stays in the app.
    other = app.test_client()
    data = {"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(other)}
    other.post("/login", data=data)
    response = other.post("/logout", data={"csrf_token": csrf_token(other, "/")})
    assert response.headers["Location"] == "/login"


def test_a_provider_that_cannot_be_reached_gets_a_clear_page(make_app):
    app = make_app(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", OIDC_TIMEOUT=2)
    client = app.test_client()
    response = client.get("/login/sso/")
    assert response.status_code == 503
    assert "Keycloak cannot be reached just now" in response.get_data(as_text=True)
    assert _audit(app, "sso.refused")[0][1]["reason"] == "unavailable"


def test_someone_logged_in_already_is_sent_home(app, provider):
    client = app.test_client()
    data = {"email": "member@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=data).status_code == 302
    response = client.get("/login/sso/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
