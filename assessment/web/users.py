"""User management (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .. import passwords
from ..db import get_db
from ..sqlite import transaction
from ..store import users
from .access import role_required
from .audit import log
from .labels import select_choices
from .main import ROLE_NAMES

bp = Blueprint("users", __name__, url_prefix="/users")


# Why a password is refused (passwords.REASONS), in the user's language.
WEAKNESS_MESSAGES = {
    "short": _l("Use at least %(n)s characters.", n=passwords.MIN_LENGTH),
    "personal": _l(
        "This password is too close to the email address or the name, or to the name of this app."
    ),
    "common": _l("This is one of the most common passwords."),
    "repeated": _l("Repeated characters or words (like aaaa or abcabc) are easy to guess."),
    "sequence": _l(
        "Sequences (like abcd or 1234) and keyboard rows (like qwerty) are easy to guess."
    ),
    "guessable": _l("This password is too easy to guess (a single word, a name or a date)."),
}
PASSWORD_ADVICE = _l(
    "At least %(n)s characters, not a common password. A few unrelated words are easy to"
    " remember and hard to guess.",
    n=passwords.MIN_LENGTH,
)


def check_password(password: str, email: str | None, name: str | None) -> None:
    """The password policy as a form error (ValidationError) in the user's language."""
    reason = passwords.weakness(password, passwords.context_words(email, name))
    if reason is not None:
        raise ValidationError(str(WEAKNESS_MESSAGES[reason]))


class NewUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_NAMES.items()), default="member")
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)],
        description=PASSWORD_ADVICE,
        render_kw={"autocomplete": "new-password"},  # not the admin's own, filled in
    )
    submit = SubmitField(_l("Create user"))

    def validate_password(self, field: PasswordField) -> None:
        check_password(field.data, self.email.data, self.name.data)


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_NAMES.items()))
    active = BooleanField(_l("May log in"))
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(max=passwords.MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},  # a browser must not fill the admin's in
        description=_l(
            "Leave empty to keep the current password. A new password, or taking away"
            " “May log in”, logs the user out everywhere."
        ),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field: PasswordField) -> None:
        if field.data:
            check_password(field.data, self._email, self.name.data)


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    db = get_db()
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            # Not inside a write transaction: create_user hashes the password (slow by
            # design) before it takes the lock, which an outer transaction would hold.
            user = users.create_user(
                db,
                email=form.email.data,
                password=form.password.data,
                role=form.role.data,
                name=form.name.data or "",
            )
            with transaction(db, write=True):
                log("user.created", "user", user.id, email=user.email, role=user.role)
        except users.UserError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("users.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("users/index.html", users=users.list_users(db), form=form), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit(user_id: int):
    db = get_db()
    user = users.get_user(db, user_id)
    if user is None:
        abort(404)
    form = EditUserForm(obj=user, email=user.email)
    if form.validate_on_submit():
        demoting = (
            user.role == "admin"
            and user.active
            and (form.role.data != "admin" or not form.active.data)
        )
        new_password = bool(form.password.data)
        # Counted under the write lock: two admins demoting themselves (or each other) at
        # the same moment cannot leave no administrator.
        with transaction(db, write=True):
            last_admin = demoting and users.count_active_admins(db) <= 1
            if not last_admin:
                users.update_user(
                    db,
                    user_id,
                    role=form.role.data,
                    active=form.active.data,
                    name=form.name.data or "",
                )
                if new_password:  # the admin's own login goes on if it is their own
                    users.set_password(
                        db, user_id, form.password.data, keep=current_user.login_token
                    )
                log(
                    "user.changed",
                    "user",
                    user_id,
                    email=user.email,
                    role=form.role.data,
                    active=form.active.data,
                    **({"password_changed": True} if new_password else {}),
                )
        if last_admin:
            form.role.errors.append(_("You are the last administrator; keep at least one."))
        else:
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("users.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("users/edit.html", user=user, form=form), status
