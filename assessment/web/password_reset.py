"""Setting one's password through a reset link (``store/password_resets.py``).

The link works once, until it expires, and only for its user; the new password follows
the same policy as everywhere and ends every login of the account. The page says what
went wrong with a link that no longer works, and what to do.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .. import passwords
from ..db import get_db
from ..sqlite import transaction
from ..store import audit, password_resets, users
from .access import public
from .users import PASSWORD_ADVICE, check_password

bp = Blueprint("password_reset", __name__)


class ResetForm(FlaskForm):
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
    submit = SubmitField(_l("Set password"))


@bp.route("/password-reset/<secret>", methods=["GET", "POST"])
@public
def reset(secret: str):
    db = get_db()
    found = password_resets.find(db, secret)
    user = users.get_user(db, found.user_id) if found else None
    if user is None or not user.active:
        page = render_template("auth/reset.html", form=None, user=None)
        return _private(page, 404)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            check_password(form.new.data, user.email, user.name)
        except ValidationError as weak:
            form.new.errors = [str(weak)]
        else:
            try:
                with transaction(db, write=True):  # used once, with the password, or neither
                    password_resets.use(db, secret)
                    users.set_password(db, user.id, form.new.data)
                    audit.record(
                        db,
                        user_id=user.id,
                        actor=user.email,
                        action="user.password_reset",
                        object_type="user",
                        object_id=user.id,
                        details={"reset": found.id},
                    )
            except password_resets.ResetRefused:  # used a moment ago, in another tab
                page = render_template("auth/reset.html", form=None, user=None)
                return _private(page, 404)
            flash(_("Your password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return _private(render_template("auth/reset.html", form=form, user=user), status)


def _private(page: str, status: int):
    """The page, kept by no cache and telling no other site its address (the secret)."""
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
