"""Delivering alerts (jobs/alerts.py, jobs/outbound.py) to real HTTP receivers on 127.0.0.1:
each chat's format and signature as the chat checks it, a chat that fails and recovers
(nothing lost, nothing sent twice), one that hangs, and addresses that may not be reached."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from http_receivers import Receiver

from assessment import alerts
from assessment.db import get_db
from assessment.jobs import alerts as delivery
from assessment.jobs.outbound import Refused, check_url
from assessment.store import alerts as store


def _soon() -> datetime:
    """A minute from now: deliveries are queued at the real time, so "due now" in a test
    is read just after it (not at import time: a long suite would make that the past)."""
    return datetime.now(UTC) + timedelta(minutes=1)


BOT_OK = {
    "wecom": b'{"errcode":0,"errmsg":"ok"}',
    "dingtalk": b'{"errcode":0,"errmsg":"ok"}',
    "feishu": b'{"code":0,"msg":"success"}',
}
SECRETS = {"dingtalk": "ding-secret", "feishu": "feishu-secret", "webhook": "hook-secret"}


@pytest.fixture
def receivers():
    started = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def allowed(app):
    app.config.update(ALERT_ALLOWED_HOSTS=["127.0.0.1"], ALERT_TIMEOUT=1)
    return app


def _channel(app, kind, url, *, language="en"):
    with app.app_context():
        return store.add_channel(
            get_db(),
            name=f"{kind} channel",
            kind=kind,
            url=url,
            secret=SECRETS.get(kind),
            language=language,
            events=alerts.EVENTS,
        )


def _test_alert(app, channel):
    with app.app_context():
        assert alerts.test_alert(app, get_db(), channel)


def _deliver(app, now=None):
    now = now or _soon()
    with app.app_context():
        return delivery.deliver_due(app, get_db(), now=now)


def _log(app):
    with app.app_context():
        return {d.channel_name: d for d in store.recent(get_db())}


@pytest.mark.parametrize("kind", ["slack", "teams", "wecom", "dingtalk", "feishu", "webhook"])
def test_each_chat_receives_its_own_format_signed_as_it_checks(allowed, receivers, kind):
    app = allowed
    receiver = receivers(answer=BOT_OK.get(kind, b"ok"))
    channel = _channel(app, kind, receiver.url, language="zh-CN")
    _test_alert(app, channel)
    assert _deliver(app).sent == 1
    [got] = receiver.received
    body = json.loads(got.body)
    text = json.dumps(body, ensure_ascii=False)
    assert "测试" in text  # written in the channel's language
    if kind == "dingtalk":
        timestamp = got.query["timestamp"][0]
        mac = hmac.new(b"ding-secret", f"{timestamp}\nding-secret".encode(), hashlib.sha256)
        assert got.query["sign"] == [base64.b64encode(mac.digest()).decode()]
    elif kind == "feishu":
        key = f"{body['timestamp']}\nfeishu-secret".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        assert body["sign"] == expected
    elif kind == "webhook":
        timestamp = got.headers["X-Partnership-Check-Timestamp"]
        mac = hmac.new(b"hook-secret", timestamp.encode() + b"." + got.body, hashlib.sha256)
        assert got.headers["X-Partnership-Check-Signature"] == "sha256=" + mac.hexdigest()
        assert body["schema"] == "partnership-check.alert" and body["event"] == "test"
    assert _log(app)[channel.name].status == "sent"


def test_a_chat_that_fails_then_recovers_gets_each_alert_once(allowed, receivers):
    app = allowed
    receiver = receivers(fail=2)
    channel = _channel(app, "slack", receiver.url)
    _test_alert(app, channel)
    assert _deliver(app).retrying == 1
    assert _deliver(app).sent == 0, "not due again yet"
    start = _soon()
    assert _deliver(app, start + timedelta(minutes=2)).retrying == 1  # the second try fails
    entry = _log(app)[channel.name]
    assert entry.status == "queued" and entry.attempts == 2 and "HTTP 500" in entry.last_error
    assert _deliver(app, start + timedelta(minutes=10)).sent == 1
    assert _deliver(app, start + timedelta(days=1)).sent == 0
    assert receiver.attempts == 3 and len(receiver.received) == 1
    with app.app_context():  # the same alert queued again (a task run twice) is not resent
        assert not store.queue(get_db(), channel.id, _log(app)[channel.name].key, "test", {})


def test_a_chat_that_hangs_is_given_up_on_and_tried_later(allowed, receivers):
    app = allowed
    receiver = receivers(hang=3)
    channel = _channel(app, "slack", receiver.url)
    _test_alert(app, channel)
    assert _deliver(app).retrying == 1
    assert "no answer" in _log(app)[channel.name].last_error


def test_a_bot_that_answers_200_with_an_error_code_is_tried_again(allowed, receivers):
    app = allowed
    receiver = receivers(answer=b'{"errcode":310000,"errmsg":"sign not match"}')
    channel = _channel(app, "dingtalk", receiver.url)
    _test_alert(app, channel)
    assert _deliver(app).retrying == 1
    assert "310000" in _log(app)[channel.name].last_error


def test_after_two_days_of_failures_the_delivery_is_failed_with_the_reason(allowed, receivers):
    app = allowed
    receiver = receivers(fail=1000)
    channel = _channel(app, "slack", receiver.url)
    _test_alert(app, channel)
    moment = _soon()
    for _ in range(12):
        _deliver(app, moment)
        moment += timedelta(days=1)
    entry = _log(app)[channel.name]
    assert entry.status == "failed" and "HTTP 500" in entry.last_error


def test_a_private_or_loopback_address_is_refused_unless_allowed(app, receivers):
    receiver = receivers()
    address = receiver.url.replace("http://", "https://")  # 127.0.0.1, not allowed here
    channel = _channel(app, "slack", address)
    _test_alert(app, channel)
    assert _deliver(app).failed == 1
    assert "private or local address" in _log(app)[channel.name].last_error
    assert receiver.attempts == 0, "nothing was sent"


def test_a_redirect_is_not_followed(allowed, receivers):
    app = allowed
    inside = receivers()
    outside = receivers(redirect_to=inside.url)
    channel = _channel(app, "slack", outside.url)
    _test_alert(app, channel)
    assert _deliver(app).retrying == 1
    assert inside.attempts == 0 and "302" in _log(app)[channel.name].last_error


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "https://"),
        ("ftp://hooks.example.com/x", "https://"),
        ("https://127.0.0.1/x", "private or local"),
        ("https://localhost/x", "private or local"),
        ("https://[::1]/x", "private or local"),
        ("https://10.1.2.3/x", "private or local"),
        ("https://169.254.169.254/latest/meta-data", "private or local"),
        ("https://192.168.0.10/x", "private or local"),
        ("https://user:pw@hooks.example.com/x", "user name"),
    ],
)
def test_check_url_refuses_what_could_reach_inside(url, why):
    with pytest.raises(Refused, match=why):
        check_url(url, [])


def test_check_url_takes_an_allowed_host_as_the_admin_set_it():
    check_url("http://127.0.0.1:8080/hook", ["127.0.0.1"])
    check_url("https://Chat.Internal/hook", ["chat.internal"])
