"""A signed-in user's own account: changing one's password, and API tokens.

The current password is asked again (a borrowed, unlocked screen is not enough), and its
failures count with the login's (``store.users.login_locked``), so this form is no
side door for guessing. A new password ends every other login of the user at once
(``store.users.set_password``); this one stays, with a new CSRF secret.

API tokens (``store.api_tokens``, ``web/api.py``): any user with an account may make
read-only tokens, each shown once, right after it is made, and then only by its name and
first characters; revoking one, like making one, is in the audit log. A new password
revokes every token of the user (with their other logins).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import passwords
from ..db import get_db
from ..sqlite import transaction, utc_stamp
from ..store import api_tokens, users
from .audit import log
from .auth import renew_csrf_secret
from .labels import select_choices
from .lookups import PostForm
from .users import PASSWORD_ADVICE, check_password

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)],
        description=PASSWORD_ADVICE,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))

    def validate_new(self, field: PasswordField) -> None:
        check_password(field.data, current_user.email, current_user.name)


@bp.route("/password", methods=["GET", "POST"])
def password():
    db = get_db()
    form = PasswordChangeForm()
    status = 200
    if form.is_submitted():
        status = 400
    if form.validate_on_submit():
        email, ip = current_user.email, request.remote_addr or ""
        if users.login_locked(db, email, ip):
            flash(_("Too many failed attempts. Please wait 15 minutes and try again."), "danger")
            return render_template("account/password.html", form=form), 429
        if not users.password_matches(db, current_user.id, form.current.data):
            users.record_login_failure(db, email, ip)
            form.current.errors.append(_("This is not your current password."))
            return render_template("account/password.html", form=form), 400
        users.clear_login_failures(db, email)
        users.set_password(db, current_user.id, form.new.data, keep=current_user.login_token)
        with transaction(db, write=True):
            log("user.password_changed", "user", current_user.id)
        renew_csrf_secret()
        flash(_("Your password is changed. Your other logins have ended."), "success")
        return redirect(url_for("main.index"))
    return render_template("account/password.html", form=form), status


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=api_tokens.NAME_MAX)],
        description=_l("What the token is for, such as “CRM sync”."),
    )
    days = SelectField(
        _l("Expires after"),
        choices=select_choices([(30, _l("30 days")), (90, _l("90 days")), (365, _l("1 year"))]),
        coerce=int,
        default=90,
    )
    submit = SubmitField(_l("Create token"))


def _tokens_page(form: TokenForm, *, secret: str | None = None, status: int = 200):
    db = get_db()
    return (
        render_template(
            "account/tokens.html",
            form=form,
            tokens=api_tokens.of_user(db, current_user.id),
            secret=secret,
            now=utc_stamp(),
            post_form=PostForm(),
        ),
        status,
    )


@bp.get("/tokens")
def tokens():
    return _tokens_page(TokenForm(formdata=None))


@bp.post("/tokens")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=400)
    db = get_db()
    with transaction(db, write=True):
        token, secret = api_tokens.create(
            db, current_user.id, name=form.name.data, days=form.days.data
        )
        log("api_token.created", "api_token", token.id, name=token.name, days=form.days.data)
    # The only time the token is shown: on this answer, never stored, never in a redirect.
    return _tokens_page(TokenForm(formdata=None), secret=secret, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    with transaction(db, write=True):
        token = api_tokens.revoke(db, current_user.id, token_id)
        if token is None:
            abort(404)
        log("api_token.revoked", "api_token", token.id, name=token.name)
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("account.tokens"))
