"""User management (admins only).

An admin never sets another user's password: they issue a reset link
(``store/password_resets.py``), mailed to the user, or shown to the admin when no mail
server can deliver it, and then only after the account's answers in open anonymous rounds
were put out of its reach (docs/anonymity.md, "Admins"). Their own password an admin
changes under *Change password*, like everyone.
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .. import passwords
from ..db import get_db
from ..jobs.tasks import deliver_soon
from ..mail import kinds, uses_smtp
from ..sqlite import transaction
from ..store import password_resets, respondents, users
from .access import role_required
from .audit import log
from .labels import select_choices
from .lookups import PostForm
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
    """A new account; its owner chooses the password through a one-time link."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_NAMES.items()), default="member")
    submit = SubmitField(_l("Create user"))


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_NAMES.items()))
    active = BooleanField(
        _l("May log in"), description=_l("Taking it away logs the user out everywhere.")
    )
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
            # A password nobody knows: the user chooses theirs through a reset link.
            user = users.create_user(
                db,
                email=form.email.data,
                password=secrets.token_urlsafe(32),
                role=form.role.data,
                name=form.name.data or "",
            )
            with transaction(db, write=True):
                log("user.created", "user", user.id, email=user.email, role=user.role)
        except users.UserError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(_("User %(email)s created.", email=user.email), "success")
            return _issue_link(db, user, new_account=True)
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


@bp.route("/<int:user_id>/reset-link", methods=["GET", "POST"])
@role_required("admin")
def reset_link(user_id: int):
    """A password reset link for another user: mailed to them when a mail server can
    deliver it; otherwise shown here once, after what the account answered in open
    anonymous rounds is put out of its reach (the admin will hold its password)."""
    db = get_db()
    user = users.get_user(db, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:  # their own: with the current password, like everyone
        return redirect(url_for("account.password"))
    by_mail = uses_smtp(current_app.config)
    form = PostForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        page = render_template(
            "users/reset_link.html", user=user, form=form, by_mail=by_mail, link=None
        )
        return page, status
    return _issue_link(db, user, new_account=False)


def _issue_link(db, user: users.User, *, new_account: bool):
    """Mail the user a one-time link to choose their password, or, with no mail server,
    show it to the admin once, after the account's answers in open anonymous rounds are
    out of its reach (none for a new account: nothing is linked to it yet)."""
    by_mail = uses_smtp(current_app.config)
    secret_key = current_app.secret_key
    with transaction(db, write=True):  # the release, the link and its record, or none
        if by_mail:
            reset, _secret = password_resets.issue(
                db, user.id, secret_key=secret_key, delivery="mail", by=current_user.id
            )
            kinds.queue_password_reset(
                db, user, reset.id, by=current_user.email, new_account=new_account
            )
            log("user.reset_link_sent", "user", user.id, email=user.email)
        else:
            released = respondents.release_account(db, user.id)
            reset, secret = password_resets.issue(
                db, user.id, secret_key=secret_key, delivery="shown", by=current_user.id
            )
            log(
                "user.reset_link_shown",
                "user",
                user.id,
                email=user.email,
                invitations_released=released.invitations,
                drafts_discarded=released.drafts,
                answers_locked=released.locked,
            )
    if by_mail and new_account:
        deliver_soon()
        flash(
            _(
                "A link to choose their password is on its way to %(email)s. It works once,"
                " for %(hours)s hours.",
                email=user.email,
                hours=password_resets.RESET_HOURS,
            ),
            "success",
        )
        return redirect(url_for("users.index"))
    if by_mail:
        deliver_soon()
        flash(
            _(
                "A reset link is on its way to %(email)s. It works once, for %(hours)s hours;"
                " their current password works until they use it.",
                email=user.email,
                hours=password_resets.RESET_HOURS,
            ),
            "success",
        )
        return redirect(url_for("users.edit", user_id=user.id))
    link = url_for("password_reset.reset", secret=secret, _external=True)
    response = make_response(
        render_template(
            "users/reset_link.html",
            user=user,
            form=None,
            by_mail=False,
            link=link,
            new_account=new_account,
            released=released,
            hours=password_resets.RESET_HOURS,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # shown once, kept by no cache
    return response
