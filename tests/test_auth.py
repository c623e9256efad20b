import pytest
from conftest import PASSWORD, csrf_token
from flask import session


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data
    assert b"<title>Log in" in response.data


def test_login_and_logout(client, auth):
    response = auth.login("lead")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client:
        page = client.get("/")
        assert page.status_code == 200
        assert b"lead@example.com" in page.data
        assert session["_user_id"]
        auth.logout()
        assert "_user_id" not in session
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("lead@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
)
def test_wrong_credentials_do_not_say_which(client, email, password):
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 401
    assert b"The email or password is not right." in response.data
    assert b"lead@example.com" not in response.data or email == "lead@example.com"


def test_login_redirects_to_next_only_on_this_site(client):
    data = {"email": "lead@example.com", "password": PASSWORD}
    data["csrf_token"] = csrf_token(client)
    response = client.post("/login?next=/login", data=data)
    assert response.headers["Location"] == "/login"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    data["csrf_token"] = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": "lead@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert b"The form has expired" in response.data
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_keeps_the_session(client, auth):
    auth.login()
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_inactive_user_cannot_log_in(app, client):
    from assessment.db import get_db

    with app.app_context():
        get_db().execute("UPDATE users SET active = 0 WHERE email = 'member@example.com'")
    response = client.post(
        "/login",
        data={
            "email": "member@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 401


def test_passwords_are_hashed(app):
    from assessment.db import get_db

    with app.app_context():
        stored = get_db().execute("SELECT password_hash FROM users").fetchall()
    assert all(PASSWORD not in row[0] and row[0].startswith("scrypt:") for row in stored)


def test_repeated_failures_lock_the_email_out(client):
    for _ in range(5):
        response = client.post(
            "/login",
            data={
                "email": "lead@example.com",
                "password": "guess",
                "csrf_token": csrf_token(client),
            },
        )
        assert response.status_code == 401
    response = client.post(
        "/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 429, "even the right password waits out the lock"
    assert b"Too many failed attempts" in response.data
    other = client.post(
        "/login",
        data={
            "email": "member@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert other.status_code == 302, "another account from the same address still works"


def test_lock_expires_after_the_window(app):
    from datetime import UTC, datetime, timedelta

    from assessment.db import get_db
    from assessment.store import users

    with app.app_context():
        db = get_db()
        for _ in range(5):
            users.record_login_failure(db, "lead@example.com", "10.0.0.1")
        assert users.login_locked(db, "LEAD@example.com", "10.0.0.2")
        later = datetime.now(UTC) + timedelta(minutes=16)
        assert not users.login_locked(db, "lead@example.com", "10.0.0.2", now=later)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.data, "no inline script anywhere"


def test_session_cookie_flags(client, auth):
    response = auth.login()
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sessions_follow_a_changed_secret_key(app, client, auth):
    """The session serializer is reused between requests, but never across keys."""
    auth.login("lead")
    assert client.get("/").status_code == 200
    old_key = app.secret_key
    app.secret_key = "a new key"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get("/").status_code == 200  # the old key still reads the cookie
    app.config["SECRET_KEY_FALLBACKS"] = []
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
