"""Private pages are not cached, cookies are Secure when asked, and the reverse proxy's
headers are trusted only when configured (web/security.py)."""

from __future__ import annotations

import shutil

import pytest
from conftest import PASSWORD, REPO_ROOT, csrf_token
from test_access_matrix import MATRIX, _visitor, world  # noqa: F401 (world is a fixture)

from assessment import ConfigError, create_app
from assessment.db import get_db


def _app(tmp_path, template_database, **config):
    database = tmp_path / "security.sqlite3"
    shutil.copyfile(template_database, database)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "DATABASE": str(database),
            "QUESTIONS_DIR": str(REPO_ROOT / "questions"),
            **config,
        },
        instance_path=str(tmp_path / "instance"),
    )


# Cache-Control -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "respondent", "lead", "admin"])
def test_every_page_is_no_store_and_static_files_keep_their_own(app, world, role):  # noqa: F811
    client = _visitor(app, role, world)
    for method, template, _expected in MATRIX:
        if method != "GET":
            continue
        url = template.format(**world)
        response = client.get(url)
        assert response.headers.get("Cache-Control") in ("no-store", "private, no-store"), (
            role,
            url,
            response.status_code,
            response.headers.get("Cache-Control"),
        )
    for url in ("/nowhere", "/rounds/99999999999999999999"):  # error pages too
        assert client.get(url).headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers["Cache-Control"]


def test_the_respondent_pages_fast_path_is_no_store(app, client, make_round):
    """The compiled form page (web/fastpath/answer_page.py) is what strangers get; it passes
    through the same after-request headers as every page."""
    _round, people = make_round(respondents=1)
    for _ in range(2):  # compiled on the first request, served from the cache after
        response = client.get(f"/r/{people[0].token}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    posted = client.post(
        f"/r/{people[0].token}",
        data={"save": "y", "csrf_token": csrf_token(client, f"/r/{people[0].token}")},
    )
    assert posted.status_code == 302 and posted.headers["Cache-Control"] == "no-store"


# Secure cookies ------------------------------------------------------------------------


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_session_cookie_secure_makes_every_cookie_secure(tmp_path, template_database):
    app = _app(tmp_path, template_database, SESSION_COOKIE_SECURE=True)
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    client = app.test_client()
    seen: list[str] = []

    def get(url):
        response = client.get(url, base_url="https://localhost")
        seen.extend(_set_cookies(response))
        return response

    def post(url, data, page):
        token = csrf_token_https(page)
        response = client.post(
            url,
            data={**data, "csrf_token": token},
            base_url="https://localhost",
            headers={"Referer": f"https://localhost{page}"},  # Flask-WTF checks it on HTTPS
        )
        seen.extend(_set_cookies(response))
        return response

    def csrf_token_https(page):
        from live_server_helpers import CSRF_RE

        return CSRF_RE.search(get(page).get_data(as_text=True)).group(1)

    # A personal link of an anonymous round: the answer key's cookie, before any login.
    from assessment.questionnaire import load_directory
    from assessment.store import clients, respondents, rounds

    with app.app_context():
        db = get_db()
        found = clients.create_client(db, name="Secure Ltd")
        questionnaire = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        current = rounds.create_round(
            db, client_id=found.id, kind="quarterly", period="2026-Q4", questionnaire=questionnaire
        )
        person = respondents.add_respondent(db, current.id, name="Key Holder")
    get(f"/r/{person.token}")
    [key] = [c for c in seen if c.startswith(f"pc_answer_{person.id}=")]
    assert "HttpOnly" in key and "SameSite=Lax" in key and "Path=/r/" in key

    login = {"email": "lead@example.com", "password": PASSWORD, "remember": "y"}
    assert post("/login", login, "/login").status_code == 302
    assert post("/language", {"language": "zh-CN", "next": "/"}, "/").status_code == 302
    get("/")
    assert post("/logout", {}, "/").status_code == 302  # deletes the remember-me cookie
    names = {cookie.split("=")[0] for cookie in seen}
    assert {"session", "remember_token"} <= names
    assert any(c.startswith("remember_token=;") for c in seen), "the deletion is seen too"
    for cookie in seen:
        assert "; Secure" in cookie, cookie


def test_cookies_are_not_secure_unless_asked(client, auth):
    response = client.post(
        "/login",
        data={
            "email": "lead@example.com",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert _set_cookies(response) and all("Secure" not in c for c in _set_cookies(response))


# HSTS and the reverse proxy -----------------------------------------------------------


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "check.example.com",
    "Referer": "https://check.example.com/login",  # Flask-WTF checks it on HTTPS
}


def _fail_login(client, **headers):
    return client.post(
        "/login",
        data={"email": "lead@example.com", "password": "wrong", "csrf_token": csrf_token(client)},
        headers=headers,
    )


def _failure_addresses(app) -> list[str]:
    with app.app_context():
        return [row[0] for row in get_db().execute("SELECT ip FROM login_failures")]


def test_proxy_headers_are_ignored_unless_trusted(app, client):
    """Anyone can send X-Forwarded-*: without TRUSTED_PROXIES they change nothing."""
    response = _fail_login(client, **FORWARDED)
    assert response.status_code == 401
    assert _failure_addresses(app) == ["127.0.0.1"]
    assert "Strict-Transport-Security" not in client.get("/login", headers=FORWARDED).headers


def test_a_trusted_proxy_gives_the_client_address_scheme_and_host(
    tmp_path, template_database, make_round
):
    app = _app(tmp_path, template_database, TRUSTED_PROXIES=1)
    client = app.test_client()
    # the proxy appends the address it saw to what the client claimed: only that counts
    spoofed = {**FORWARDED, "X-Forwarded-For": "10.9.9.9, 203.0.113.7"}
    assert _fail_login(client, **spoofed).status_code == 401
    assert _failure_addresses(app) == ["203.0.113.7"]
    page = client.get("/login", headers=FORWARDED)
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"

    client.post(
        "/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
        headers=FORWARDED,
    )
    with app.app_context():
        from assessment.questionnaire import load_directory
        from assessment.store import clients, respondents, rounds

        found = clients.create_client(get_db(), name="Proxy Co")
        current = rounds.create_round(
            get_db(),
            client_id=found.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=load_directory(app.config["QUESTIONS_DIR"])["six-signs"],
        )
        person = respondents.add_respondent(get_db(), current.id, name="P", role="other")
    text = client.get(f"/rounds/{current.id}", headers=FORWARDED).get_data(as_text=True)
    assert f"https://check.example.com/r/{person.token}" in text  # links as people see them


@pytest.mark.parametrize("value", ["-1", "true", '"1"', "1.5", "11"])
def test_trusted_proxies_must_be_a_small_whole_number(tmp_path, value):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.toml").write_text(f"TRUSTED_PROXIES = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app(instance_path=str(instance))
