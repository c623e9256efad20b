"""User management by admins."""

from conftest import csrf_token

from assessment.db import get_db
from assessment.store import users


def test_admin_creates_and_edits_users(app, client, auth):
    auth.login("admin")
    data = {"email": "new@example.com", "name": "New", "role": "lead", "password": "long enough"}
    data["csrf_token"] = csrf_token(client, "/users/")
    assert client.post("/users/", data=data).status_code == 302
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


def test_duplicate_and_short_password_are_refused(client, auth):
    auth.login("admin")
    data = {"email": "lead@example.com", "role": "lead", "password": "long enough"}
    data["csrf_token"] = csrf_token(client, "/users/")
    response = client.post("/users/", data=data)
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    data.update(email="x@example.com", password="short", csrf_token=csrf_token(client, "/users/"))
    assert client.post("/users/", data=data).status_code == 400


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
