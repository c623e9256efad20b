"""A signed-in user changing their own password."""

from conftest import PASSWORD, csrf_token

from assessment.db import get_db
from assessment.store import users

NEW = "purple elephant tea"


def _login(client, email: str, password: str) -> int:
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data).status_code


def _change(client, current: str, new: str = NEW, confirm: str | None = None):
    data = {
        "current": current,
        "new": new,
        "confirm": new if confirm is None else confirm,
        "csrf_token": csrf_token(client, "/account/password"),
    }
    return client.post("/account/password", data=data)


def _audit(app, action: str) -> list[tuple]:
    with app.app_context():
        return (
            get_db()
            .execute("SELECT object_id, details FROM audit_log WHERE action = ?", [action])
            .fetchall()
        )


def test_a_member_changes_their_password_and_their_other_logins_end(app, client, auth):
    elsewhere = app.test_client()
    assert _login(elsewhere, "member@example.com", PASSWORD) == 302
    auth.login("member")
    page = client.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page

    response = _change(client, PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this login stays
    assert elsewhere.get("/").status_code == 302  # every other one ended
    assert _login(app.test_client(), "member@example.com", PASSWORD) == 401
    assert _login(app.test_client(), "member@example.com", NEW) == 302
    [(user_id, details)] = _audit(app, "user.password_changed")
    with app.app_context():
        assert user_id == users.find_by_email(get_db(), "member@example.com").id
    assert "purple" not in (details or "") and PASSWORD not in (details or "")


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(app, client, auth):
    auth.login("lead")
    response = _change(client, "not my password")
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    with app.app_context():
        failures = (
            get_db()
            .execute("SELECT COUNT(*) FROM login_failures WHERE email = 'lead@example.com'")
            .fetchone()[0]
        )
    assert failures == 1
    assert _audit(app, "user.password_changed") == []
    assert _login(app.test_client(), "lead@example.com", PASSWORD) == 302


def test_guessing_the_current_password_is_locked_like_logging_in(app, client, auth):
    auth.login("lead")
    for _ in range(users.MAX_FAILURES):
        assert _change(client, "guess").status_code == 400
    response = _change(client, PASSWORD)  # right, but too late
    assert response.status_code == 429
    assert _login(app.test_client(), "lead@example.com", PASSWORD) == 429  # one counter
    with app.app_context():
        lead = users.find_by_email(get_db(), "lead@example.com")
        assert users.password_matches(get_db(), lead.id, PASSWORD)
        assert not users.password_matches(get_db(), lead.id, NEW)


def test_a_weak_or_mistyped_new_password_is_refused(app, client, auth):
    auth.login("lead")
    response = _change(client, PASSWORD, new="qwertyuiop")
    assert response.status_code == 400
    assert "most common passwords" in response.get_data(as_text=True)
    response = _change(client, PASSWORD, confirm="purple elephant tee")
    assert response.status_code == 400
    assert "The two new passwords differ." in response.get_data(as_text=True)
    assert _login(app.test_client(), "lead@example.com", PASSWORD) == 302


def test_a_change_without_the_csrf_token_is_refused(app, client, auth):
    auth.login("lead")
    response = client.post(
        "/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW}
    )
    assert response.status_code == 400
    assert _login(app.test_client(), "lead@example.com", PASSWORD) == 302


def test_the_page_and_its_refusals_read_in_chinese(client, auth):
    auth.login("lead")
    data = {"language": "zh-CN", "next": "/", "csrf_token": csrf_token(client, "/")}
    client.post("/language", data=data)
    page = client.get("/account/password").get_data(as_text=True)
    assert "修改密码" in page and "当前密码" in page
    response = _change(client, "not my password", confirm="something else")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "两次输入的新密码不一致。" in text
