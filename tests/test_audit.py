"""The audit log records who did what; only admins read it."""

from conftest import csrf_token

from assessment.db import get_db
from assessment.store import audit


def _actions(app):
    with app.app_context():
        return [(e.actor, e.action) for e in reversed(audit.entries(get_db()))]


def test_round_lifecycle_actions_and_links_are_recorded(app, client, auth, make_round):
    created, _ = make_round(anonymous=False)  # results (and so share links) while open
    auth.login("lead")
    url = f"/rounds/{created.id}"
    client.post(f"{url}/close", data={"csrf_token": csrf_token(client, url)})
    client.post(f"{url}/reopen", data={"csrf_token": csrf_token(client, url)})
    results_url = f"{url}/results"
    sign = created.questionnaire.signs[0].id
    data = {"sign_id": sign, "title": "Do it", "owner": "Lin"}
    data["csrf_token"] = csrf_token(client, results_url)
    client.post(f"{url}/actions", data=data)
    data = {"language": "en", "days": "14", "csrf_token": csrf_token(client, results_url)}
    client.post(f"{url}/share", data=data)
    # Each page that shows the round's results (the closed round's page, the results
    # page each time it is opened for its form) is recorded too.
    assert _actions(app) == [
        ("lead@example.com", "round.closed"),
        ("lead@example.com", "results.viewed"),
        ("lead@example.com", "round.reopened"),
        ("lead@example.com", "results.viewed"),
        ("lead@example.com", "action.created"),
        ("lead@example.com", "results.viewed"),
        ("lead@example.com", "share_link.created"),
    ]


def test_user_changes_are_recorded_and_admins_read_the_log(app, client, auth):
    auth.login("admin")
    data = {"email": "n@example.com", "role": "member", "password": "long enough"}
    data["csrf_token"] = csrf_token(client, "/users/")
    client.post("/users/", data=data)
    assert _actions(app) == [("admin@example.com", "user.created")]
    page = client.get("/audit/").get_data(as_text=True)
    assert "created a user" in page and "n@example.com" in page


def test_a_refused_change_records_nothing(app, client, auth, make_round):
    created, _ = make_round()
    auth.login("lead")
    client.post(f"/rounds/{created.id}/close")  # no CSRF token
    assert _actions(app) == []


def test_only_admins_read_the_log(client, auth):
    auth.login("lead")
    assert client.get("/audit/").status_code == 403
