"""Whether the visitor is logged in, asked without Flask-Login when nobody can be."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user
from flask_login.config import COOKIE_NAME


def logged_in() -> bool:
    """``current_user.is_authenticated``, without asking Flask-Login when it cannot find
    anyone. Flask-Login finds a user only through the session's ``_user_id`` or a
    remember-me cookie, as this app registers no request or header loader (a test keeps
    it so); without either, the visitor is anonymous. Loading the anonymous user (session
    protection hashes the address and browser, two signals) was a tenth of a
    respondent's page, which asks on every request. A cookie of a login that has ended
    is refused by ``auth.load_user``, which also drops it from the session, so such a
    visitor is back on this fast path from the next request on."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if "_user_id" not in session and remember not in request.cookies:
        return False
    return current_user.is_authenticated
