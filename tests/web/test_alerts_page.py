"""The alerts page (web/alerts.py). Who may see it: admins only; leads and members get 403,
nobody (and a team or client link, which has no login) is sent to the login page; the
whole route × visitor matrix is in test_access_matrix."""

from __future__ import annotations

import pytest
from conftest import csrf_token

from assessment.db import get_db
from assessment.store import alerts as store
from assessment.store import audit

SLACK = "https://hooks.example.com/services/T000/B000/very-secret-token"


@pytest.fixture
def admin(client, auth, app):
    app.config["ALERT_ALLOWED_HOSTS"] = ["hooks.example.com"]  # no DNS in tests
    auth.login("admin")
    return client


def _add(client, **fields):
    data = {
        "name": "Firm chat",
        "kind": "slack",
        "url": SLACK,
        "language": "zh-CN",
        "client_id": "0",
        "events": ["round_closed", "escalation"],
        "csrf_token": csrf_token(client, "/alerts/"),
        **fields,
    }
    return client.post("/alerts/", data=data)


def _channels(app):
    with app.app_context():
        return store.list_channels(get_db())


def test_an_admin_adds_a_channel_whose_address_is_never_shown_again(app, admin):
    response = _add(admin)
    assert response.status_code == 303
    [channel] = _channels(app)
    assert (channel.kind, channel.language, channel.events) == (
        "slack",
        "zh-CN",
        ("escalation", "round_closed"),
    )
    page = admin.get("/alerts/").get_data(as_text=True)
    assert "Firm chat" in page and "hooks.example.com" in page
    assert "very-secret-token" not in page and "/services/" not in page
    with app.app_context():
        [entry] = [e for e in audit.entries(get_db(), limit=5) if e.action.startswith("alerts.")]
    assert entry.action == "alerts.channel_added"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "dingtalk"}, "This kind of channel needs its secret."),
        ({"events": []}, "Choose at least one event."),
        ({"url": "https://10.0.0.5/hook"}, "private or local address"),
        ({"url": "http://hooks.example.org/x"}, "must start with https://"),
        ({"kind": "irc"}, "Not a valid choice"),
    ],
)
def test_a_channel_that_cannot_work_is_refused_with_a_reason_and_nothing_stored(
    app, admin, fields, message
):
    response = _add(admin, **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _channels(app) == []


def test_test_button_pause_and_delete(app, admin):
    _add(admin)
    [channel] = _channels(app)
    token = csrf_token(admin, "/alerts/")
    assert admin.post(f"/alerts/{channel.id}/test", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        [delivery] = store.recent(get_db())
    assert delivery.event == "test" and delivery.alert["title"] == "Partnership Check：测试提醒"
    page = admin.get("/alerts/").get_data(as_text=True)
    assert "Partnership Check：测试提醒" in page and "Waiting" in page
    admin.post(f"/alerts/{channel.id}/enabled", data={"csrf_token": token})
    assert not _channels(app)[0].enabled
    assert "paused" in admin.get("/alerts/").get_data(as_text=True)
    admin.post(f"/alerts/{channel.id}/enabled", data={"csrf_token": token})
    assert _channels(app)[0].enabled
    admin.post(f"/alerts/{channel.id}/delete", data={"csrf_token": token})
    assert _channels(app) == []
    assert admin.post("/alerts/99/test", data={"csrf_token": token}).status_code == 404


def test_the_page_reads_natively_in_chinese(admin):
    page = admin.get("/alerts/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "聊天工具中的提醒" in page and "钉钉群机器人" in page and "发送记录" in page


@pytest.mark.parametrize(("role", "status"), [("lead", 403), ("member", 403)])
def test_only_admins_reach_it(client, auth, role, status):
    auth.login(role)
    assert client.get("/alerts/").status_code == status


def test_nobody_is_sent_to_the_login(client):
    response = client.get("/alerts/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
