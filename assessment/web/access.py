"""Who may reach a view: the public marker and the role check."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request, session
from flask_login import current_user
from flask_login.config import COOKIE_NAME

_PUBLIC_ATTR = "_assessment_public"


def public(view):
    """Mark a view as reachable without logging in (login page, respondent links)."""
    setattr(view, _PUBLIC_ATTR, True)
    return view


def is_public(endpoint: str | None) -> bool:
    if not endpoint:
        return False
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, _PUBLIC_ATTR, False))


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


def role_required(*roles: str):
    """Refuse (403) a logged-in user whose role is not one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
