"""What the login page and logging out need of single sign-on (``web/sso.py``), apart
from the flow so that ``web/auth`` can use it without importing the flow (which logs
people in through ``web/auth``)."""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from flask import current_app, session

from .. import sso_settings

CLIENT = "oidc"
_EXTENSION = "assessment.sso"
_SESSION_FLAG = "sso_login"


def ending_login() -> str | None:
    """Called at logout: forget that this login came through the provider, and return the
    provider's logout address to send the browser to (RP-initiated logout), if it has one."""
    if not session.pop(_SESSION_FLAG, False):
        return None
    oauth = current_app.extensions.get(_EXTENSION)
    if oauth is None:
        return None
    try:
        endpoint = oauth.create_client(CLIENT).load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError):
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": current_app.config["OIDC_CLIENT_ID"],
            "post_logout_redirect_uri": current_app.config["PUBLIC_URL"].rstrip("/") + "/login",
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def login_context() -> dict:
    """What the login page needs to offer single sign-on."""
    config = current_app.config
    return {
        "sso_enabled": sso_settings.enabled(config),
        "sso_provider": config["OIDC_PROVIDER_NAME"],
        "password_login": not sso_settings.enabled(config) or config["OIDC_PASSWORD_LOGIN"],
    }
