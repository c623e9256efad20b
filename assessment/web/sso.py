"""Single sign-on with OpenID Connect, through Authlib's Flask client (issue 29).

The authorisation code flow with PKCE (S256): ``start`` sends the browser to the provider
with a random state and nonce (kept by Authlib in the session), ``callback`` takes the code
back, checks the state, exchanges the code (with the PKCE verifier and the client secret)
and verifies the ID token (signature with the provider's published keys, issuer,
audience, expiry and nonce). Authlib does all of that; nothing here re-implements it.

Then the person is let in or refused (``_admit``): a person already linked (their issuer
and ``sub``, ``store.identities``) signs in to their account; a first sign-in needs an
email the provider says is verified, and is linked to the account with that email or
gets a new account with the role the mapping gives (``sso_settings.role_for``). Whoever
the mapping does not admit (domain or groups), an unverified email and a deactivated
account are refused with a page saying why, and every sign-in and refusal is audited.

The login is a login like any other (``store.user_sessions``); logging out ends it and,
when the provider publishes an ``end_session_endpoint``, sends the browser there to end
the provider's session too (RP-initiated logout).
"""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_login import current_user, login_user
from joserfc.errors import JoseError

from .. import sso_settings
from ..db import get_db
from ..sqlite import transaction
from ..store import audit, identities, user_sessions, users
from .access import public
from .auth import LoginUser, _login_lifetime, renew_csrf_secret
from .i18n import _safe_next, current_language
from .sso_links import _EXTENSION, _SESSION_FLAG, CLIENT

bp = Blueprint("sso", __name__, url_prefix="/login/sso")

_NEXT = "sso_next"

#: Why a sign-in is refused → the HTTP status of the page that says so.
REFUSALS = {
    "unverified": 403,
    "not_allowed": 403,
    "deactivated": 403,
    "failed": 400,
    "unavailable": 503,
}


class Refused(Exception):
    def __init__(self, reason: str, **details):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def init_client(app) -> None:
    """Register the provider's client when single sign-on is configured (the routes are
    registered with every other blueprint, ``web.BLUEPRINTS``; without a client they
    answer 404)."""
    if sso_settings.enabled(app.config):
        oauth = OAuth(app)
        issuer = app.config["OIDC_ISSUER"].rstrip("/")
        oauth.register(
            CLIENT,
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": app.config["OIDC_SCOPES"],
                "code_challenge_method": "S256",
                "default_timeout": app.config["OIDC_TIMEOUT"],
            },
        )
        app.extensions[_EXTENSION] = oauth


def _client():
    oauth = current_app.extensions.get(_EXTENSION)
    if oauth is None:
        abort(404)
    return oauth.create_client(CLIENT)


def _metadata(client) -> dict:
    """The provider's discovery document; refused unless it names the configured issuer
    (a document served for another issuer is not this provider's)."""
    metadata = client.load_server_metadata()
    configured = current_app.config["OIDC_ISSUER"].rstrip("/")
    if str(metadata.get("issuer", "")).rstrip("/") != configured:
        raise Refused("unavailable", problem="issuer does not match OIDC_ISSUER")
    return metadata


def _redirect_uri() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/login/sso/callback"


@bp.get("/")
@public
def start():
    client = _client()
    if current_user.is_authenticated:
        return redirect(_safe_next(None))
    session[_NEXT] = _safe_next(request.args.get("next"))
    try:
        _metadata(client)
        return client.authorize_redirect(_redirect_uri(), ui_locales=current_language())
    except Refused as refused:
        return _refuse(refused)
    except (requests.RequestException, ValueError) as exc:
        return _refuse(Refused("unavailable", problem=type(exc).__name__))


@bp.get("/callback")
@public
def callback():
    client = _client()
    try:
        metadata = _metadata(client)
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise Refused("failed", problem="no ID token")
        claims = _with_userinfo(client, metadata, token, claims)
    except Refused as refused:
        return _refuse(refused)
    except AuthlibBaseError as exc:  # a state, code or token the checks refuse
        problem = getattr(exc, "error", None) or type(exc).__name__
        return _refuse(Refused("failed", problem=str(problem)))
    except JoseError as exc:  # the ID token: signature, issuer, audience, expiry, nonce
        return _refuse(Refused("failed", problem=f"ID token: {exc}"))
    except (requests.RequestException, ValueError) as exc:
        return _refuse(Refused("unavailable", problem=type(exc).__name__))
    try:
        user = _admit(metadata["issuer"], claims)
    except Refused as refused:
        return _refuse(refused)
    db = get_db()
    login = user_sessions.start(db, user.id, remember=False, lifetime=_login_lifetime(False))
    login_user(LoginUser(user, login))
    renew_csrf_secret()
    session[_SESSION_FLAG] = True
    return redirect(_safe_next(session.pop(_NEXT, None)))


def _with_userinfo(client, metadata: dict, token: dict, claims: dict) -> dict:
    """The ID token's claims, completed from the userinfo endpoint when it lacks the email,
    its verification or the groups (providers that keep the ID token small); the ID token's
    own claims win, and a userinfo answer for another ``sub`` is refused."""
    config = current_app.config
    wanted = ("email", config["OIDC_EMAIL_VERIFIED_CLAIM"], config["OIDC_GROUPS_CLAIM"])
    if all(name in claims for name in wanted) or not metadata.get("userinfo_endpoint"):
        return claims
    info = dict(client.userinfo(token=token))
    if info.get("sub") != claims["sub"]:
        raise Refused("failed", problem="userinfo is for another subject")
    return {**info, **claims}


def _admit(issuer: str, claims: dict) -> users.User:
    """The account this person signs in to; ``Refused`` else. The
    sign-in (and an account made or linked for it) is recorded in one transaction."""
    config = current_app.config
    subject = str(claims["sub"])
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    verified = claims.get(config["OIDC_EMAIL_VERIFIED_CLAIM"]) in (True, "true")
    groups = claims.get(config["OIDC_GROUPS_CLAIM"])
    # The domain counts only when the provider vouches for the email; groups always count.
    role = sso_settings.role_for(config, email if verified else "", groups)
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    details = {"email": email, "subject": subject}
    db = get_db()
    refused = None
    with transaction(db, write=True):
        user = identities.user_for(db, issuer, subject)
        action = "sso.login"
        if user is None:
            if not email or not verified:
                refused = Refused("unverified", **details)
            elif role is None:
                refused = Refused("not_allowed", **details)
            else:
                user = users.find_by_email(db, email)
                if user is None:
                    user = identities.create_user(db, email=email, name=name, role=role)
                    action = "sso.account_created"
                else:
                    action = "sso.account_linked"
                identities.link(db, user.id, issuer=issuer, subject=subject, email=email)
        elif role is None:
            refused = Refused("not_allowed", **details)
        if refused is None and not user.active:
            refused = Refused("deactivated", **details)
        if refused is None:
            identities.signed_in(db, user.id, issuer=issuer, subject=subject, email=email)
            audit.record(
                db,
                user_id=user.id,
                actor=user.email,
                action=action,
                object_type="user",
                object_id=user.id,
                details={**details, "role": user.role},
            )
    if refused is not None:
        raise refused
    return user


def _refuse(refused: Refused):
    """The page saying why, with its status; the refusal is audited."""
    details = {"reason": refused.reason, **refused.details}
    db = get_db()
    with transaction(db, write=True):
        audit.record(
            db,
            user_id=None,
            actor=str(refused.details.get("email") or "single sign-on"),
            action="sso.refused",
            object_type="user",
            details=details,
        )
    current_app.logger.info("single sign-on refused: %s", details)
    page = render_template(
        "auth/sso_refused.html",
        reason=refused.reason,
        provider=current_app.config["OIDC_PROVIDER_NAME"],
    )
    return page, REFUSALS[refused.reason]
