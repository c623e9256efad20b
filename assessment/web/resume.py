"""A lead's work survives an expired login: a form posted after the login or its CSRF
token expired is kept (``store/form_stashes.py``), the person is asked to log in (or,
still logged in, is given a fresh token), and the same form comes back filled in as they
typed it, to send with one click. Nothing is carried out without that click and a fresh
token: a kept form is never sent on its own.

Kept: the text of the fields, never passwords (``PasswordField`` or a name with
"password") nor files (the page asks for the file again), nor the CSRF token. A form is
kept only when posted from this site (an ``Origin`` naming another site is refused as
before, so another site cannot fill a lead's session with forms), to a page that needs a
login, and not for logging in or out or changing one's own password. The one-time key is
in the session; the form comes back only to the user who posted it when one was logged
in, and is deleted as it is shown.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, SelectField, SubmitField, TextAreaField

from ..db import get_db
from ..store import form_stashes
from .access import is_public
from .lookups import PostForm

bp = Blueprint("resume", __name__)

SESSION_KEY = "resume"
#: Endpoints whose forms are never kept: logging in or out, one's own password.
NOT_KEPT = frozenset({"auth.login", "auth.logout", "account.password", "i18n.switch_language"})
#: Why Flask-WTF refused a token that was sent (expired or from another session); a
#: missing token is a tampered or foreign form, refused as before.
STALE_TOKEN = ("expired", "session token is missing", "tokens do not match", "invalid")


def _form_class(endpoint: str):
    """The form class a view reads, to show the kept fields with their labels."""
    from . import clients, packs, results, round_mail, rounds, users

    return {
        "rounds.add_respondent": rounds.RespondentForm,
        "rounds.add_client_contact": rounds.ClientContactForm,
        "rounds.import_respondents": rounds.ImportForm,
        "rounds.create": rounds.RoundForm,
        "clients.create": clients.ClientForm,
        "clients.edit": clients.ClientForm,
        "results.add_action": results.ActionForm,
        "results.create_share_link": results.ShareForm,
        "round_mail.schedule": round_mail.ScheduleForm,
        "packs.create": packs.PackForm,
        "users.index": users.NewUserForm,
        "users.edit": users.EditUserForm,
    }.get(endpoint)


def _same_site() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    here = urlsplit(request.host_url)
    there = urlsplit(origin)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


def _keepable() -> bool:
    endpoint = request.endpoint
    return (
        request.method == "POST"
        and endpoint is not None
        and endpoint not in NOT_KEPT
        and not is_public(request.url_rule.endpoint if request.url_rule else None)
        and _same_site()
    )


def _fields() -> list[tuple[str, str]]:
    form_class = _form_class(request.endpoint)
    secret = set()
    if form_class is not None:
        secret = {
            name
            for name, field in vars(form_class).items()
            if getattr(field, "field_class", None) is PasswordField
        }
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        and name not in secret
        and "password" not in name.lower()
    ]


def _keep() -> bool:
    user_id = current_user.id if current_user.is_authenticated else None
    path = request.full_path if request.query_string else request.path
    key = form_stashes.put(
        get_db(), user_id=user_id, endpoint=request.endpoint, path=path, fields=_fields()
    )
    if key is None:
        return False
    session[SESSION_KEY] = key
    return True


def after_stale_token(reason: str):
    """For a CSRF refusal: keep the form and send the person on, or None (refuse)."""
    if not any(word in reason.lower() for word in STALE_TOKEN):
        return None
    if "missing" in reason.lower() and "session" not in reason.lower():
        return None
    if request.method == "POST" and request.endpoint in ("auth.login", "auth.logout"):
        # Nothing worth keeping (a password is never kept): the page again, fresh.
        flash(_("The page had been open too long. Please try again."), "warning")
        target = url_for("auth.login", next=request.args.get("next") or None)
        if request.endpoint == "auth.logout" and current_user.is_authenticated:
            target = url_for("main.index")
        return redirect(target, 303)
    if not _keepable():
        return None
    if not _keep():
        return None
    if current_user.is_authenticated:
        flash(
            _(
                "This page had been open too long to send it safely. Here is what you"
                " typed: check it and send it again."
            ),
            "warning",
        )
        return redirect(url_for("resume.show"), 303)
    return _to_login()


def before_login():
    """For a post that needs a login, from someone whose login ended: keep the form and
    ask them to log in, or None (the usual way to the login page)."""
    if not _keepable() or not _keep():
        return None
    return _to_login()


def _to_login():
    flash(
        _(
            "Your session has expired, so nothing was sent yet. Log in, and what you typed"
            " comes back to be sent."
        ),
        "warning",
    )
    return redirect(url_for("auth.login", next=url_for("resume.show")))


@bp.get("/resume")
def show():
    """The kept form, filled in, posting where it was posted, with a fresh token."""
    stash = form_stashes.take(get_db(), session.pop(SESSION_KEY, None))
    if stash is None or (stash.user_id is not None and stash.user_id != current_user.id):
        flash(_("There is no form to resume: it was sent or shown already, or expired."), "info")
        return redirect(url_for("main.index"))
    form_class = _form_class(stash.endpoint)
    fields = []
    shown: set[str] = set()
    declared = dict(vars(form_class).items()) if form_class else {}
    values: dict[str, list[str]] = {}
    for name, value in stash.fields:
        values.setdefault(name, []).append(value)
    submit_label = _("Send")
    for name, unbound in declared.items():
        kind = getattr(unbound, "field_class", None)
        if kind is None:
            continue
        label = str(unbound.args[0]) if unbound.args else name
        if kind is SubmitField:
            submit_label = label
            continue
        if kind is PasswordField or kind is FileField:
            fields.append(
                {
                    "name": name,
                    "label": label,
                    "kind": "password" if kind is PasswordField else "file",
                    "value": "",
                }
            )
            shown.add(name)
            continue
        if name not in values:
            if kind is BooleanField:
                fields.append({"name": name, "label": label, "kind": "checkbox", "value": ""})
            continue
        shown.add(name)
        value = values[name][0]
        if kind is SelectField:
            choices = unbound.kwargs.get("choices")
            if isinstance(choices, list) and choices:
                options = [(c.value, c.label) if hasattr(c, "value") else c for c in choices]
                fields.append(
                    {
                        "name": name,
                        "label": label,
                        "kind": "select",
                        "value": value,
                        "options": [(str(v), str(text)) for v, text in options],
                    }
                )
                continue
        if kind is BooleanField:
            fields.append({"name": name, "label": label, "kind": "checkbox", "value": value})
        elif kind is TextAreaField or "\n" in value:
            fields.append({"name": name, "label": label, "kind": "textarea", "value": value})
        else:
            fields.append({"name": name, "label": label, "kind": "text", "value": value})
    hidden = [(n, v) for n, v in stash.fields if n not in shown]
    return render_template(
        "resume.html",
        action=stash.path,
        fields=fields,
        hidden=hidden,
        submit_label=submit_label,
        form=PostForm(),
    )
