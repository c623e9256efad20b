"""Signed CSRF tokens reused across requests, only where that is as good as a new one.

The contract tests (the last three) run Flask-WTF's own ``generate_csrf`` and
``validate_csrf`` beside ``csrf_tokens.csrf_token`` on the same sessions: a token of ours,
one reused from the cache and one Flask-WTF makes afresh must be accepted and refused
alike (the same session, another session, tampered, a week later, another key), with the
time limit this app sets (none) and with Flask-WTF's default. An upgrade of Flask-WTF that
changes what a token holds or how it is checked fails here.
"""

from __future__ import annotations

import time

import pytest
from flask import g, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

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


def _made(app, raw: str, make) -> str:
    with app.test_request_context("/r/x"):
        session["csrf_token"] = raw
        return make()


def _accepted(app, raw: str, token: str) -> bool:
    """Whether Flask-WTF accepts ``token`` on a POST of the session holding ``raw``."""
    with app.test_request_context("/r/x", method="POST"):
        session["csrf_token"] = raw
        try:
            validate_csrf(token)
        except ValidationError:
            return False
        return True


@pytest.mark.parametrize("limit", [None, 3600], ids=["this app: no limit", "Flask-WTF's default"])
def test_contract_ours_and_flask_wtfs_tokens_are_accepted_and_refused_alike(
    app, monkeypatch, limit
):
    """Tokens made in pairs (ours, Flask-WTF's) at the same moment: the first pair two
    hours before the second, so that a token reused from the cache when it should not be
    (with a limit) is refused where Flask-WTF's fresh one is accepted."""
    app.config["WTF_CSRF_TIME_LIMIT"] = limit
    csrf_tokens._signed.cache.clear()
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    raw, other = "a" * 40, "b" * 40
    earlier = (_made(app, raw, csrf_tokens.csrf_token), _made(app, raw, generate_csrf))
    clock[0] += 2 * 3600
    now = (_made(app, raw, csrf_tokens.csrf_token), _made(app, raw, generate_csrf))

    def verdicts(token: str) -> dict[str, bool]:
        tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        return {
            "same session": _accepted(app, raw, token),
            "another session": _accepted(app, other, token),
            "tampered": _accepted(app, raw, tampered),
        }

    for ours, theirs in (earlier, now):
        assert verdicts(ours) == verdicts(theirs)
    assert verdicts(now[1])["same session"] is True
    assert verdicts(earlier[1])["same session"] is (limit is None)  # expired after 2 h
    assert not any(verdicts(now[1])[refused] for refused in ("another session", "tampered"))

    clock[0] += 7 * 24 * 3600  # a week later
    for ours, theirs in (earlier, now):
        assert _accepted(app, raw, ours) == _accepted(app, raw, theirs) == (limit is None)

    app.secret_key = "another key"
    for ours, theirs in (earlier, now):
        assert _accepted(app, raw, ours) == _accepted(app, raw, theirs) is False


def test_contract_a_new_session_gets_its_token_as_from_flask_wtf(app):
    """No token in the session yet: ours leaves the session and the request as Flask-WTF
    does (a new random token kept in the session, the signed one in ``g``)."""
    made = {}
    for name, make in (("ours", csrf_tokens.csrf_token), ("Flask-WTF's", generate_csrf)):
        with app.test_request_context("/r/x"):
            token = make()
            made[name] = (sorted(session), len(session["csrf_token"]), g.csrf_token == token)
            raw = session["csrf_token"]
        assert _accepted(app, raw, token)
    assert made["ours"] == made["Flask-WTF's"] == (["csrf_token"], 40, True)


def test_contract_one_token_a_request_as_flask_wtf_gives(app):
    """Within a request every call gives the same token, whichever is asked first."""
    for first, second in (
        (csrf_tokens.csrf_token, generate_csrf),
        (generate_csrf, csrf_tokens.csrf_token),
    ):
        with app.test_request_context("/r/x"):
            session["csrf_token"] = "c" * 40
            assert first() == second() == g.csrf_token
