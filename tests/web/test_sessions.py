"""The session interface: each cookie verified once per worker, and never trusted more."""

from __future__ import annotations

import time

import pytest
from flask import request

from assessment.web.fastpath import sessions


def _cookie(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def _open(app, cookie: str):
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        return app.session_interface.open_session(app, request)


def test_a_cookie_is_verified_once_and_read_from_the_cache_after(app, monkeypatch):
    cookie = _cookie(app, {"lang": "zh-CN", "csrf_token": "abc"})
    serializer = app.session_interface.get_signing_serializer(app)
    checks = []
    real_loads = serializer.loads
    monkeypatch.setattr(
        serializer, "loads", lambda *args, **kw: checks.append(1) or real_loads(*args, **kw)
    )
    assert dict(_open(app, cookie)) == {"lang": "zh-CN", "csrf_token": "abc"}
    assert dict(_open(app, cookie)) == {"lang": "zh-CN", "csrf_token": "abc"}
    assert len(checks) == 1


def test_a_changed_session_does_not_change_the_next_request_with_the_same_cookie(app):
    cookie = _cookie(app, {"lang": "en", "_flashes": [["info", "saved"]]})
    first = _open(app, cookie)
    first["lang"] = "zh-CN"
    first["_flashes"].append(["info", "again"])  # what flash() does to the list
    assert dict(_open(app, cookie)) == {"lang": "en", "_flashes": [["info", "saved"]]}

    plain = _cookie(app, {"lang": "en"})
    _open(app, plain)["lang"] = "zh-CN"
    assert dict(_open(app, plain)) == {"lang": "en"}


def test_a_tampered_cookie_is_no_session_however_often_it_comes(app):
    cookie = _cookie(app, {"_user_id": "1"})
    payload, _stamp, _signature = cookie.split(".")
    forged = _cookie(app, {"_user_id": "2"}).split(".")[0] + cookie[len(payload) :]
    for _ in range(2):
        assert dict(_open(app, forged)) == {}
        assert dict(_open(app, cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))) == {}
    assert dict(_open(app, cookie)) == {"_user_id": "1"}


@pytest.mark.parametrize("shift", ["expired", "signed in the future"])
def test_the_age_limit_holds_for_a_cookie_already_verified(app, monkeypatch, shift):
    cookie = _cookie(app, {"_user_id": "1"})
    assert dict(_open(app, cookie)) == {"_user_id": "1"}  # verified and cached
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = time.time()
    later = now + lifetime + 5 if shift == "expired" else now - 60
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}


def test_no_cookie_and_no_secret_key(app):
    with app.test_request_context():
        assert dict(app.session_interface.open_session(app, request)) == {}
    app.secret_key = None
    with app.test_request_context(headers={"Cookie": "session=x"}):
        assert app.session_interface.open_session(app, request) is None


def test_a_new_secret_key_replaces_the_serializer(app):
    old = _cookie(app, {"lang": "en"})
    first = app.session_interface.get_signing_serializer(app)
    assert app.session_interface.get_signing_serializer(app) is first  # kept
    app.secret_key = "another key"
    assert app.session_interface.get_signing_serializer(app) is not first
    assert dict(_open(app, old)) == {}  # signed with the old key: no session
    app.config["SECRET_KEY_FALLBACKS"] = ["test-only-secret"]
    assert dict(_open(app, old)) == {"lang": "en"}  # the old key as a fallback
