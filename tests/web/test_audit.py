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
    data = {"email": "n@example.com", "role": "member"}
    data["csrf_token"] = csrf_token(client, "/users/")
    client.post("/users/", data=data)
    assert _actions(app) == [
        ("admin@example.com", "user.created"),
        ("admin@example.com", "user.reset_link_shown"),  # no mail server: the admin hands it over
    ]
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


def _entries(app):
    with app.app_context():
        return list(reversed(audit.entries(get_db())))


def test_personal_links_exports_and_opened_results_are_recorded(app, client, auth, make_round):
    from assessment.store import respondents, share_links

    created, _people = make_round(anonymous=False, respondents=1)
    auth.login("lead")
    url = f"/rounds/{created.id}"
    client.post(f"{url}/respondents", data={"name": "Ann", "role": "finance",
                                            "csrf_token": csrf_token(client, url)})  # fmt: skip
    with app.app_context():
        ann = respondents.list_respondents(get_db(), created.id)[-1]
    client.post(
        f"{url}/respondents/{ann.id}/new-link", data={"csrf_token": csrf_token(client, url)}
    )
    client.post(f"{url}/respondents/{ann.id}/remove", data={"csrf_token": csrf_token(client, url)})
    client.get(f"{url}/answers.json")
    client.get(f"{url}/report.pdf?lang=zh-CN")
    with app.app_context():
        link = share_links.create_link(get_db(), created.id, language="en")
    client.get(f"/s/{link.token}")
    found = [
        (e.actor, e.action, e.object_id, e.details.get("name") or e.details.get("page"))
        for e in _entries(app)
        if e.action != "results.viewed" or e.details.get("page") != "round"
    ]
    assert found == [
        ("lead@example.com", "personal_link.issued", created.id, "Ann"),
        ("lead@example.com", "personal_link.reissued", created.id, "Ann"),
        ("lead@example.com", "personal_link.revoked", created.id, "Ann"),
        ("lead@example.com", "answers.exported", created.id, None),
        ("lead@example.com", "results.viewed", created.id, "pdf"),
        (f"share link {link.id}", "results.viewed", created.id, "pdf"),
    ]
    page = client.get("/audit/").get_data(as_text=True)
    assert "You do not have permission" in page  # leads do not read the log
    auth.logout()
    auth.login("admin")
    page = client.get("/audit/").get_data(as_text=True)
    assert "issued a new personal link" in page
    assert "exported a round's answers" in page


def _recorded_actions() -> set[str]:
    """Every action name the code records: ``log("x.y", ...)`` and ``record(action="x.y")``."""
    import ast
    from pathlib import Path

    found = set()
    for path in (Path(__file__).parent.parent.parent / "assessment").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "log" and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
            for keyword in node.keywords:
                if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
    return {action for action in found if isinstance(action, str) and "." in action}


def test_every_recorded_action_has_a_name_on_the_audit_page():
    from assessment.web.audit import ACTION_NAMES

    recorded = _recorded_actions()
    assert {"round.closed", "user.password_changed", "results.viewed"} <= recorded
    assert recorded - set(ACTION_NAMES) == set()


def test_the_audit_page_speaks_local_time_names_and_filters(app, client, auth, make_round):
    """Admins only (leads, members, links and nobody get 403 or the login, see
    test_only_admins_read_the_log): times in the instance's zone, names rather than ids
    and lists, filters by client, person, action and date."""
    import re

    app.config["TIMEZONE"] = "Asia/Shanghai"
    acme, _ = make_round(anonymous=False, client="Acme")
    other, _ = make_round(anonymous=False, client="Globex")
    auth.login("lead")
    for current in (acme, other):
        url = f"/rounds/{current.id}/results"
        sign = current.questionnaire.signs[0].id
        data = {"sign_id": sign, "title": f"Act on {current.id}", "owner": "Lin"}
        data["csrf_token"] = csrf_token(client, url)
        client.post(f"/rounds/{current.id}/actions", data=data)
    with app.app_context():
        db = get_db()
        audit.record(
            db,
            user_id=None,
            actor="worker",
            action="round.closed",
            object_type="round",
            object_id=acme.id,
            details={"steps": ["power", "payment"], "client": acme.client_id},
        )
        db.execute("UPDATE audit_log SET created_at = '2026-03-01T17:30:00+00:00'")
        db.conn.commit()
        lead_id = db.execute("SELECT id FROM users WHERE email = 'lead@example.com'").fetchone()[0]
        acme_client = acme.client_id
    auth.logout()
    auth.login("admin")
    page = client.get("/audit/").get_data(as_text=True)
    assert "When (Asia/Shanghai)" in page and "2026-03-02 01:30" in page  # 17:30 UTC
    assert f"Act on {acme.id}" in page and "Acme · 2026-Q4 · Quarterly review" in page
    assert "power, payment" in page and "[&#39;power&#39;" not in page
    assert not re.search(r"round: \d", page) and not re.search(r"action: \d", page)

    def listed(**args) -> str:
        response = client.get("/audit/", query_string=args)
        assert response.status_code == 200, args
        return response.get_data(as_text=True)

    only_acme = listed(client=acme_client)
    assert f"Act on {acme.id}" in only_acme and f"Act on {other.id}" not in only_acme
    by_lead = listed(person=lead_id)
    assert f"Act on {other.id}" in by_lead and "worker" not in by_lead
    closed = listed(action="round.closed")
    assert "worker" in closed and "added an action" not in closed.split("</form>")[1]
    assert "worker" in listed(**{"from": "2026-03-02", "to": "2026-03-02"})  # local day
    assert "No entry matches" in listed(**{"from": "2026-03-01", "to": "2026-03-01"})
    assert client.get("/audit/?from=not-a-date").status_code == 404
    assert client.get("/audit/?action=nonsense").status_code == 404
