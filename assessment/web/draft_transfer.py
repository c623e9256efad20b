"""Continuing on another device, and the ways forward of a browser without the answer key.

In an anonymous round only the browser holding the answer key sees and changes what was
saved through a personal link (``respond``, docs/anonymity.md). This module carries that
key to another device without weakening the rule (``store.draft_transfers``):

- ``/r/<token>/device``: the holder asks for a **code**, shown on that screen only, or a
  **one-time link** mailed to the address on file (only through a mail server: without
  one, the outbox copy admins read is all there is);
- ``/r/<token>/code``: the other device types the code (with the personal link open);
- ``/r/<token>/continue/<offer>/<secret>``: the mailed link; opening it shows a button,
  and pressing it (a POST, so that a mail scanner fetching the link uses nothing) gives
  that browser the key;
- ``/r/<token>/start-again``: a browser without the key, whose owner noted no code,
  discards the *draft* saved elsewhere (never a submission) after a confirmation, and
  what is typed on its page becomes the new draft.

A logged-in lead or admin may use none of these on someone else's link; the code and the
link are never shown to anyone but the respondent, nor kept readable (see the store).

The answer form's POSTs whose CSRF check fails (the browser lost its session cookie, for
instance with the answer key) come back as the form with everything typed kept, or, for
autosave, as JSON with a fresh token: never a bare "400 Bad request".
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from ..db import get_db
from ..jobs.tasks import deliver_soon
from ..mail import uses_smtp
from ..mail.draft_transfer import queue_transfer_mail
from ..sqlite import transaction, utc_stamp
from ..store import audit, draft_transfers, respondents, responses
from . import respond
from .access import client_link, public
from .answer_form import draft_parts
from .client_access import refused_fields
from .fastpath.answer_page import render_live
from .fastpath.csrf_tokens import csrf_token
from .fastpath.forms import form_class
from .i18n import current_language

bp = Blueprint("draft_transfer", __name__, url_prefix="/r")

#: Mailed links a respondent may have waiting at once (against filling their mailbox).
MAX_LINKS = 3
#: The field of the start-again confirmation ("yes" discards, "no" goes back).
CONFIRM_FIELD = "start_again"
#: The fields a code page posts.
CODE_FIELD = "code"


def _no_store(response):
    """A page with a code or a carried key: never kept by a browser's or a proxy's cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(mode: str, respondent, current, status: int = 200, **context):
    page = render_template(
        "respond/transfer.html",
        mode=mode,
        respondent=respondent,
        round=current,
        token=respondent.token,
        code_minutes=draft_transfers.CODE_MINUTES,
        link_hours=draft_transfers.LINK_HOURS,
        **context,
    )
    return _no_store((page, status))


def _closed_or_lead(respondent, current, visitor: str):
    """The page for a round that is closed, or for a lead on someone else's link; None
    when the respondent may go on."""
    if not current.is_open:
        return _page("closed", respondent, current, 409)
    if visitor == "lead":
        return _page("lead", respondent, current, 403)
    return None


@bp.route("/<token>/device", methods=["GET", "POST"])
@public
@client_link("their own draft carried to another device of theirs (no answers shown)")
def offer(token: str):
    """Continue on another device: choose a code or a mailed link, then get it."""
    respondent, current, draft = respond._link_or_404(token)
    visitor = respond._visitor(respondent)
    stop = _closed_or_lead(respondent, current, visitor)
    if stop is not None:
        return stop
    may_mail = bool(respondent.email) and uses_smtp(current_app.config)
    context = {"may_mail": may_mail, "email": _masked(respondent.email)}
    if not current.anonymous:
        return _page("not_needed", respondent, current, **context)
    if visitor == "respondent":
        return _page("log_in_there", respondent, current, **context)
    if draft.status == "invited":
        return _page("nothing_saved", respondent, current, **context)
    if visitor != "holder":
        return _page("not_holder", respondent, current, 403, **context)
    if request.method == "GET":
        return _page("offer", respondent, current, **context)
    secret = request.cookies.get(respond.answer_cookie(respondent)) or ""
    db = get_db()
    if request.form.get("how") == "mail" and may_mail:
        with transaction(db, write=True):
            waiting = db.execute(
                "SELECT COUNT(*) FROM draft_transfers WHERE respondent_id = ? AND kind = 'link'"
                " AND expires_at > ?",
                [respondent.id, utc_stamp()],
            ).fetchone()[0]
            if waiting >= MAX_LINKS:
                return _page("too_many_links", respondent, current, 429, **context)
            offer_id = draft_transfers.offer_link(db, respondent.id, secret, current_app.secret_key)
            queue_transfer_mail(db, respondent, current, offer_id)
        deliver_soon()
        return _page("mail_sent", respondent, current, **context)
    code = draft_transfers.offer_code(db, respondent.id, secret)
    return _page("code", respondent, current, code=code, **context)


def _masked(email: str | None) -> str | None:
    """An address as the respondent's own screen hints at it: e•••@example.com."""
    if not email or "@" not in email:
        return None
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@bp.post("/<token>/code")
@public
@client_link("the code that carries their own draft's key to this browser")
def enter_code(token: str):
    """The other device: the code typed with the personal link open."""
    respondent, current, draft = respond._link_or_404(token)
    visitor = respond._visitor(respondent)
    stop = _closed_or_lead(respondent, current, visitor)
    if stop is not None:
        return stop
    typed = request.form.get(CODE_FIELD, "")
    if not draft_transfers.normalise_code(typed):
        return _page("enter_code", respondent, current, 422, error=_("Please type the code."))
    try:
        carried = draft_transfers.redeem_code(get_db(), respondent.id, typed)
    except draft_transfers.WrongCode as wrong:
        if wrong.tries_left:
            error = _(
                "That code does not match. Check it on the other device and type it again"
                " (%(tries)d more tries).",
                tries=wrong.tries_left,
            )
        else:
            error = _(
                "That code does not match, and it has now stopped working after too many"
                " tries. Ask for a new code on the device that saved your answers."
            )
        return _page("enter_code", respondent, current, 422, error=error, typed=typed)
    except draft_transfers.Unusable:
        return _page("code_gone", respondent, current, 410, status_now=draft.status)
    return _carried(respondent, carried)


def _carried(respondent, carried: str):
    flash(
        _(
            "Your saved answers are here. Go on where you left off: this device and the"
            " other one both show them from now on."
        ),
        "success",
    )
    response = respond._keep_key(
        redirect(url_for("respond.answer", token=respondent.token)), respondent, carried
    )
    return _no_store(response)


@bp.route("/<token>/continue/<int:offer>/<secret>", methods=["GET", "POST"])
@public
@client_link("the mailed link that carries their own draft's key to this browser")
def mailed(token: str, offer: int, secret: str):
    """The mailed link: a button to press (GET uses nothing), then the key is here."""
    respondent, current, draft = respond._link_or_404(token)
    visitor = respond._visitor(respondent)
    stop = _closed_or_lead(respondent, current, visitor)
    if stop is not None:
        return stop
    if request.method == "GET":
        return _page("confirm_link", respondent, current, offer=offer, secret=secret)
    try:
        carried = draft_transfers.redeem_link(get_db(), respondent.id, offer, secret)
    except draft_transfers.Unusable:
        return _page("link_gone", respondent, current, 410, status_now=draft.status)
    return _carried(respondent, carried)


@bp.post("/<token>/start-again")
@public
@client_link("starting their own draft again: the mirror's items only (refused_fields)")
def start_again(token: str):
    """A browser without the key discards the draft saved elsewhere (asked first), and
    what its page holds becomes the draft. The answer form is posted here whole (its
    "Start again here" button), so nothing typed on this page is lost on the way."""
    respondent, current, draft = respond._link_or_404(token)
    visitor = respond._visitor(respondent)
    stop = _closed_or_lead(respondent, current, visitor)
    if stop is not None:
        return stop
    lang = current_language()
    Form = form_class(current.snapshot, current.kind, lang)
    form = Form()
    posted = set(request.form) - {CONFIRM_FIELD}
    if refused_fields(form, current, posted):
        return _page("refused_fields", respondent, current, 400)
    if visitor in ("holder", "respondent") or not current.anonymous or not respondent.answer_key:
        # Nothing to discard: this browser may save as it is (after a new link, its save
        # replaces the old answers, audited: respond.py).
        return redirect(url_for("respond.answer", token=token))
    if draft.status == "submitted":
        return _page("submitted", respondent, current, 409)
    choice = request.form.get(CONFIRM_FIELD)
    if choice == "no":
        page = render_live(
            form,
            respondent,
            current,
            responses.Draft(status=draft.status),
            notice=respond._other_browser_notice(respondent),
            locked=True,
            way_forward=True,
        )
        return page, 409
    if choice != "yes":
        hidden = [
            (name, value)
            for name, values in request.form.lists()
            if name not in ("csrf_token", CONFIRM_FIELD, "save", "submit_answers", "language")
            for value in values
        ]
        return _page(
            "confirm_start_again",
            respondent,
            current,
            hidden=hidden,
            had_draft=draft.status == "draft",
        )
    secret, new_key = respond._answer_key(respondent)
    db = get_db()
    discarded = draft_transfers.start_again(db, respondent.id, respondents.answer_key_hash(secret))
    with transaction(db, write=True):
        if discarded:
            audit.record(
                db,
                user_id=None,
                actor="personal link",
                action="personal_link.draft_discarded",
                object_type="round",
                object_id=current.id,
                details={"respondent": respondent.id, "name": respondent.name},
            )
    form.validate()
    answers, comments, invalid = draft_parts(form)
    if answers or comments or invalid:
        responses.save_response(
            db,
            respondent.id,
            answers,
            comments,
            submit=False,
            language=lang,
            answer_key=respondents.answer_key_hash(secret),
            invalid=invalid,
        )
        flash(
            _(
                "You started again here: the draft saved in the other browser was discarded,"
                " and what was on this page is saved as your draft."
            ),
            "success",
        )
    else:
        flash(
            _(
                "You started again here: the draft saved in the other browser was discarded."
                " Your answers from now on are saved in this browser."
            ),
            "success",
        )
    response = redirect(url_for("respond.answer", token=token))
    return respond._keep_key(response, respondent, secret) if new_key else response


# --- a lost session on the answer form: never a bare 400 --------------------------------------


def _form_expired(error: CSRFError):
    """The answer form (or its autosave) sent with a CSRF token this browser's session no
    longer matches: the cookies were cleared, or the session ended. Autosave gets a fresh
    token to send again; a page gets the form back with everything typed, and a word."""
    token = (request.view_args or {}).get("token", "")
    found = respondents.find_by_token(get_db(), token)
    if found is None:
        abort(404)
    if request.endpoint == "respond.autosave":
        return jsonify(saved=False, reason="expired", csrf_token=csrf_token()), 400
    respondent, current, draft = respond._link_or_404(token)
    visitor = respond._visitor(respondent)
    Form = form_class(current.snapshot, current.kind, current_language())
    form = Form(meta={"csrf": False})
    shown = draft if respond._may_see(current, visitor) else responses.Draft(status=draft.status)
    page = render_live(
        form,
        respondent,
        current,
        shown,
        notice=_(
            "Nothing was saved: this browser's session had ended (its cookies were cleared,"
            " or it was away a long time). Everything you typed is still here: press the"
            " button again."
        ),
        locked=not respond._may_save(respondent, current, visitor),
        way_forward=current.anonymous
        and visitor == "other"
        and draft.status != "invited"
        and respondent.answer_key is not None,
    )
    return respond._with_answer_key(make_response(page, 400), respondent, current, visitor)


def _transfer_expired(error: CSRFError):
    """One of this module's small forms, sent after the session ended: the page again."""
    token = (request.view_args or {}).get("token", "")
    respondent, current, _draft = respond._link_or_404(token)
    return _page(
        "expired",
        respondent,
        current,
        400,
        error=_("This page had expired, so nothing was done. Please try again."),
    )


respond.bp.register_error_handler(CSRFError, _form_expired)
bp.register_error_handler(CSRFError, _transfer_expired)
