"""The signed CSRF token of a session, signed once per worker instead of once per page.

Flask-WTF keeps a random token in the session and puts a signed copy of it on each page:
the token, a timestamp and an HMAC, made afresh for every page. The timestamp only counts
when tokens expire (``WTF_CSRF_TIME_LIMIT``); this app sets no limit (a respondent may
take an afternoon over a form, see ``settings.py``), so every signature of the same token
under the same key is accepted alike and one made earlier is as good as a new one.
``csrf_token`` therefore keeps the signed token per key and session token and hands it out
again, falling back to Flask-WTF whenever a limit is set or the session has no token yet.
Validation is untouched: Flask-WTF checks every POST as before.
"""

from __future__ import annotations

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

from ...lru import cached

SIGNED_TOKENS = 4096  # per worker: one per session seen


def csrf_token() -> str:
    """What ``flask_wtf.csrf.generate_csrf()`` returns, reused across requests."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None or field in g or not raw:
        return generate_csrf()
    key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    signed = _signed(key, field, raw)
    setattr(g, field, signed)  # as generate_csrf does: one token for the whole request
    return signed


@cached(SIGNED_TOKENS)
def _signed(key: str | bytes, field: str, raw: str) -> str:
    """Flask-WTF's signature of the session's token ``raw`` under ``key`` (both only key
    the cache: generate_csrf reads them from the request's app and session)."""
    return generate_csrf()
