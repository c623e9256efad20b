"""User management (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..db import get_db, write_transaction
from ..store import users
from .access import role_required
from .audit import log
from .labels import select_choices
from .main import ROLE_NAMES

bp = Blueprint("users", __name__, url_prefix="/users")


class NewUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_NAMES.items()), default="member")
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=users.MIN_PASSWORD_LENGTH, max=1024)],
    )
    submit = SubmitField(_l("Create user"))


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_NAMES.items()))
    active = BooleanField(_l("May log in"))
    submit = SubmitField(_l("Save"))


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
            with write_transaction(db):
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
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        demoting = (
            user.role == "admin"
            and user.active
            and (form.role.data != "admin" or not form.active.data)
        )
        # Counted under the write lock: two admins demoting themselves (or each other) at
        # the same moment cannot leave no administrator.
        with write_transaction(db):
            last_admin = demoting and users.count_active_admins(db) <= 1
            if not last_admin:
                users.update_user(
                    db,
                    user_id,
                    role=form.role.data,
                    active=form.active.data,
                    name=form.name.data or "",
                )
                log(
                    "user.changed",
                    "user",
                    user_id,
                    email=user.email,
                    role=form.role.data,
                    active=form.active.data,
                )
        if last_admin:
            form.role.errors.append(_("You are the last administrator; keep at least one."))
        else:
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("users.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("users/edit.html", user=user, form=form), status
