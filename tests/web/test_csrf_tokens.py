"""Signed CSRF tokens reused across requests, only where that is as good as a new one."""

from __future__ import annotations

import pytest
from flask import g, session
from flask_wtf.csrf import validate_csrf

from assessment.web.fastpath import csrf_tokens


@pytest.fixture
def signings(monkeypatch):
    """How often Flask-WTF is asked to sign."""
    calls = []
    real = csrf_tokens.generate_csrf
    monkeypatch.setattr(csrf_tokens, "generate_csrf", lambda: calls.append(1) or real())
    csrf_tokens._signed.cache.clear()
    return calls


def _token(app, raw: str | None) -> str:
    with app.test_request_context("/r/x"):
        if raw is not None:
            session["csrf_token"] = raw
        token = csrf_tokens.csrf_token()
        assert g.csrf_token == token  # later calls in the request give the same token
        validate_csrf(token)  # raises if Flask-WTF would refuse it
        return token


def test_a_session_token_is_signed_once(app, signings):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    first = _token(app, "a" * 40)
    assert _token(app, "a" * 40) == first
    assert len(signings) == 1
    assert _token(app, "b" * 40) != first  # another session, another signature
    assert len(signings) == 2


def test_a_new_key_signs_again(app, signings):
    first = _token(app, "a" * 40)
    app.secret_key = "another key"
    second = _token(app, "a" * 40)  # validated under the new key in _token
    assert second != first and len(signings) == 2


def test_with_a_time_limit_every_page_gets_a_fresh_signature(app, signings):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    _token(app, "a" * 40)
    _token(app, "a" * 40)
    assert len(signings) == 2


def test_a_session_without_a_token_gets_one_from_flask_wtf(app, signings):
    with app.test_request_context("/r/x"):
        token = csrf_tokens.csrf_token()
        assert session["csrf_token"] and validate_csrf(token) is None
    assert len(signings) == 1
