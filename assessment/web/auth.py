"""Logging in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from ..db import get_db
from ..store import users
from .access import public
from .i18n import _safe_next

bp = Blueprint("auth", __name__)


class LoginUser(UserMixin):
    """The stored user as Flask-Login sees it."""

    def __init__(self, user: users.User):
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name: str):
        return getattr(self.user, name)


def load_user(user_id: str) -> LoginUser | None:
    try:
        user = users.get_user(get_db(), int(user_id))
    except ValueError:
        return None
    return LoginUser(user) if user else None


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
    if form.validate_on_submit():
        db = get_db()
        ip = request.remote_addr or ""
        if users.login_locked(db, form.email.data, ip):
            flash(_("Too many failed attempts. Please wait 15 minutes and try again."), "danger")
            return render_template("auth/login.html", form=form), 429
        user = users.authenticate(db, form.email.data, form.password.data)
        if user is not None:
            users.clear_login_failures(db, form.email.data)
            login_user(LoginUser(user), remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        users.record_login_failure(db, form.email.data, ip)
        flash(_("The email or password is not right."), "danger")
    status = 200
    if form.is_submitted():
        status = 400 if form.errors else 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
