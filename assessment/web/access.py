"""Who may reach a view: the public marker and the role check."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user

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


_CLIENT_LINK_ATTR = "_assessment_client_link"


def client_link(reason: str):
    """Mark a public view as one a client contact's personal link may reach, and say why.

    Public views taking a personal link's ``token`` are refused to client contacts unless
    marked (``client_access.refuse_client_links``): a client contact reaches their own
    form and nothing the team or a lead sees."""

    def decorator(view):
        setattr(view, _CLIENT_LINK_ATTR, reason)
        return view

    return decorator


def client_link_reason(endpoint: str | None) -> str | None:
    """Why a client contact's link may reach this endpoint, or None (it may not)."""
    if not endpoint:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, _CLIENT_LINK_ATTR, None)
