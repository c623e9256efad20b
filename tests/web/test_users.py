"""User management by admins."""

import re

import pytest
from conftest import PASSWORD, csrf_token

from assessment.db import get_db
from assessment.store import user_sessions, users


def test_admin_creates_and_edits_users(app, client, auth):
    """No password is chosen by the admin: the new user chooses theirs through a one-time
    link (shown here, as no mail server is configured; mailed otherwise)."""
    auth.login("admin")
    data = {"email": "new@example.com", "name": "New", "role": "lead"}
    data["csrf_token"] = csrf_token(client, "/users/")
    created = client.post("/users/", data=data)
    assert created.status_code == 200 and "/password-reset/" in created.text
    assert 'data-testid="released"' not in created.text  # a new account has nothing to release
    with app.app_context():
        user = users.find_by_email(get_db(), "new@example.com")
    assert user.role == "lead"

    data = {
        "name": "Renamed",
        "role": "member",
        "csrf_token": csrf_token(client, f"/users/{user.id}"),
    }
    assert client.post(f"/users/{user.id}", data=data).status_code == 302
    with app.app_context():
        user = users.get_user(get_db(), user.id)
    assert (user.name, user.role, user.active) == ("Renamed", "member", False)


def test_a_duplicate_email_is_refused(client, auth):
    auth.login("admin")
    data = {"email": "lead@example.com", "role": "lead"}
    data["csrf_token"] = csrf_token(client, "/users/")
    response = client.post("/users/", data=data)
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)


def test_last_admin_cannot_demote_themselves(app, client, auth):
    auth.login("admin")
    with app.app_context():
        admin = users.find_by_email(get_db(), "admin@example.com")
    data = {"name": "A", "role": "member", "active": "y"}
    data["csrf_token"] = csrf_token(client, f"/users/{admin.id}")
    response = client.post(f"/users/{admin.id}", data=data)
    assert response.status_code == 400
    assert "last administrator" in response.get_data(as_text=True)


def test_only_admins_manage_users(client, auth):
    auth.login("lead")
    assert client.get("/users/").status_code == 403
    assert client.get("/users/1").status_code == 403


def _login(client, email: str, password: str) -> int:
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data).status_code


def _user_id(app, role: str) -> int:
    with app.app_context():
        return users.find_by_email(get_db(), f"{role}@example.com").id


@pytest.mark.parametrize(
    ("password", "english", "chinese"),
    [
        ("password1", "one of the most common passwords", "最常见的密码之一"),
        ("aaaaaaaaaaaa", "Repeated characters or words", "重复的字符或词语"),
        ("1234567890", "most common passwords", "最常见的密码之一"),
        ("new@example.com", "too close to the email address", "过于接近"),
        ("short", "Use at least 8 characters.", "请至少使用 8 个字符。"),
    ],
)
def test_weak_passwords_are_refused_when_a_new_user_chooses_one_in_both_languages(
    app, client, auth, password, english, chinese
):
    auth.login("admin")
    data = {"email": "new@example.com", "role": "lead", "csrf_token": csrf_token(client, "/users/")}
    created = client.post("/users/", data=data).text
    link = re.search(r'value="http://localhost(/password-reset/[\w.-]+)"', created).group(1)
    auth.logout()
    for language, message in (("en", english), ("zh-CN", chinese)):
        data = {"new": password, "confirm": password, "csrf_token": csrf_token(client, link)}
        response = client.post(link, data=data, headers={"Accept-Language": language})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), (language, password)
    assert client.get(link).status_code == 200  # refused, so the link still works


# Setting another user's password is gone from this page: see tests/web/test_password_resets.py.


def test_changing_a_users_name_and_role_keeps_their_login(app, client, auth):
    lead = app.test_client()
    assert _login(lead, "lead@example.com", PASSWORD) == 302
    auth.login("admin")
    lead_id = _user_id(app, "lead")
    data = {"name": "Renamed", "role": "member", "active": "y"}
    data["csrf_token"] = csrf_token(client, f"/users/{lead_id}")
    assert client.post(f"/users/{lead_id}", data=data).status_code == 302
    assert lead.get("/").status_code == 200  # a change of name and role keeps the login
    with app.app_context():
        user = users.get_user(get_db(), lead_id)
    assert (user.name, user.role) == ("Renamed", "member")


def test_deactivating_a_user_ends_their_logins(app, client, auth):
    lead = app.test_client()
    assert _login(lead, "lead@example.com", PASSWORD) == 302
    assert lead.get("/").status_code == 200
    auth.login("admin")
    lead_id = _user_id(app, "lead")
    data = {"name": "Lead", "role": "lead", "csrf_token": csrf_token(client, f"/users/{lead_id}")}
    assert client.post(f"/users/{lead_id}", data=data).status_code == 302  # "May log in" off
    assert lead.get("/").status_code == 302
    with app.app_context():
        assert user_sessions.count(get_db(), lead_id) == 0


def test_password_fields_ask_browsers_not_to_fill_in_a_saved_password(app, client, auth):
    auth.login("admin")
    assert 'name="password"' not in client.get("/users/").text  # no password chosen here
    data = {"email": "new@example.com", "role": "lead", "csrf_token": csrf_token(client, "/users/")}
    created = client.post("/users/", data=data).text
    link = re.search(r'value="http://localhost(/password-reset/[\w.-]+)"', created).group(1)
    page = client.get(link).text
    for name in ("new", "confirm"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'autocomplete="new-password"' in field, name
