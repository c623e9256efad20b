"""A signed-in user's own account: changing one's password.

The current password is asked again (a borrowed, unlocked screen is not enough), and its
failures count with the login's (``store.users.login_locked``), so this form is no
side door for guessing. A new password ends every other login of the user at once
(``store.users.set_password``); this one stays, with a new CSRF secret.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import passwords
from ..db import get_db
from ..sqlite import transaction
from ..store import users
from .audit import log
from .auth import renew_csrf_secret
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
