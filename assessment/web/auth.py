"""Logging in and out.

Every login is a row of its own (``store.user_sessions``) named by a random token, and
that token, not the user's id, is what Flask-Login keeps in the session and the
remember-me cookie (Flask-Login's "alternative token"). The user is looked up by it on
every request, so logging out, a new password or deactivation (which delete the rows)
refuse the cookies of that login for good, however well signed, and however long a
worker has kept them verified (``sessions``). A refused cookie is dropped from the
session and the remember-me cookie is deleted, so the browser stops sending it.

The CSRF secret is renewed at login and at logout: a token planted before the login, or
read from a page of an earlier login, does not work after it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_login.config import COOKIE_DURATION, COOKIE_NAME
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from .. import sso_settings
from ..db import get_db
from ..store import user_sessions, users
from .access import public
from .i18n import _safe_next
from .sso_links import ending_login, login_context

bp = Blueprint("auth", __name__)


class LoginUser(UserMixin):
    """The stored user as Flask-Login sees it, with the token of this login."""

    def __init__(self, user: users.User, login_token: str):
        self.user = user
        self.login_token = login_token

    def get_id(self) -> str:
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name: str):
        return getattr(self.user, name)


def load_user(login_token: str) -> LoginUser | None:
    """Flask-Login's user loader, for the session's and the remember-me cookie's token."""
    user = user_sessions.user_of(get_db(), login_token)
    if user is None:
        _forget_login()
        return None
    return LoginUser(user, login_token)


def _forget_login() -> None:
    """Drop a refused login from the session, and have Flask-Login delete the remember-me
    cookie; the visitor is anonymous from this request on."""
    for key in ("_user_id", "_fresh", "_id"):
        session.pop(key, None)
    if current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies:
        session["_remember"] = "clear"


def _login_lifetime(remember: bool) -> timedelta:
    """How long a login may last: a year with "keep me logged in" (the remember-me
    cookie's life), else the session's lifetime (31 days unless configured)."""
    if not remember:
        return current_app.permanent_session_lifetime
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", COOKIE_DURATION)
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def renew_csrf_secret() -> None:
    """Forget the session's CSRF secret: Flask-WTF makes a new one for the next form."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in"))
    submit = SubmitField(_l("Log in"))


class LogoutForm(FlaskForm):
    """Empty form: logging out is a POST with a CSRF token."""

    submit = SubmitField(_l("Log out"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    sso = login_context()
    if form.validate_on_submit():
        db = get_db()
        ip = request.remote_addr or ""
        if not sso_settings.password_login_allowed(current_app.config, form.email.data):
            # Single sign-on only (OIDC_PASSWORD_LOGIN = false), but for the break-glass
            # admins: the password is not even checked.
            flash(
                _(
                    "Password login is off. Sign in with %(provider)s.",
                    provider=sso["sso_provider"],
                ),
                "danger",
            )
            return render_template("auth/login.html", form=form, **sso), 403
        if users.login_locked(db, form.email.data, ip):
            flash(_("Too many failed attempts. Please wait 15 minutes and try again."), "danger")
            return render_template("auth/login.html", form=form, **sso), 429
        user = users.authenticate(db, form.email.data, form.password.data)
        if user is not None:
            users.clear_login_failures(db, form.email.data)
            remember = bool(form.remember.data)
            token = user_sessions.start(
                db, user.id, remember=remember, lifetime=_login_lifetime(remember)
            )
            login_user(LoginUser(user, token), remember=remember)
            renew_csrf_secret()
            return redirect(_safe_next(request.args.get("next")))
        users.record_login_failure(db, form.email.data, ip)
        flash(_("The email or password is not right."), "danger")
    status = 200
    if form.is_submitted():
        status = 400 if form.errors else 401
    return render_template("auth/login.html", form=form, **sso), status


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            user_sessions.end(get_db(), current_user.login_token)
        provider_logout = ending_login()  # a login through single sign-on: the provider's
        logout_user()
        renew_csrf_secret()
        flash(_("You have logged out."), "info")
        if provider_logout:
            return redirect(provider_logout)
    return redirect(url_for("auth.login"))
