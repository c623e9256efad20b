"""Answering through a personal link: no account, only the token in the address.

In an anonymous round, holding the link is not enough to read or change what was saved
through it (docs/anonymity.md, "Personal links"). A browser opening the link gets an
answer key: a secret in a cookie. The first save through the link records the key's
SHA-256 with the respondent, in the same transaction as the answers (so a save cut off by
a crash binds nothing, and a browser whose save went through but whose answer was lost
still holds the key it saved with). Saved answers are shown, and can be changed, only
where that key is presented (or to the respondent logged in with their own account). Any
other browser gets an empty form, a notice and the ways forward (a code from the other
device, or starting again: ``draft_transfer``); after a new link is issued (audited) the
next browser to save replaces the answers without ever seeing them. A logged-in lead or
admin opening someone else's link sees nothing saved, and may not send answers through it,
in any round: such an attempt is refused and recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlite_utils import Database
from wtforms.validators import ValidationError

from ..answers import Draft
from ..db import get_db
from ..sqlite import transaction
from ..store import audit, respondents, responses, rounds, team_views
from .access import client_link, public
from .answer_form import (
    answers_from_form,
    draft_parts,
    form_data_from_draft,
    restored_form,
)
from .client_access import refused_fields, refused_page
from .fastpath import unchanged
from .fastpath.answer_page import render_compiled, render_live
from .fastpath.forms import form_class
from .i18n import choose_language, current_language

#: The name of the language buttons on the answer form, which send the form itself.
LANGUAGE_FIELD = "language"
#: The value of "Submit anyway" on the review of a submission with unanswered items.
CONFIRMED = "anyway"

bp = Blueprint("respond", __name__, url_prefix="/r")

ANSWER_KEY_DAYS = 180  # how long a browser keeps an answer key


#: What a personal link opens: its respondent, their round as they answer it, their draft.
Link = tuple[respondents.Respondent, rounds.Round, Draft]


def _read_link(db: Database, token: str) -> Link | None:
    """The link's respondent, their round as they answer it (a client contact answers the
    mirror, always anonymously: ``Round.for_client``) and their saved draft, as of one
    moment; None for an unknown link."""
    respondent = respondents.find_by_token(db, token)
    if respondent is None:
        return None
    current = rounds.get_round(db, respondent.round_id).for_side(respondent.side)
    return respondent, current, _read_only(responses.load_draft(db, respondent.id))


def _read_only(draft: Draft) -> Draft:
    """The draft with read-only answers and comments: later requests may be handed it."""
    return replace(
        draft, answers=MappingProxyType(draft.answers), comments=MappingProxyType(draft.comments)
    )


def _link_or_404(token: str) -> Link:
    """``_read_link``, reused while the database is unchanged (``fastpath.unchanged``)."""
    db = get_db()
    found = unchanged.read(db, ("respond.link", token), lambda: _read_link(db, token))
    if found is None:
        abort(404)
    # The person's language (the one they saved in, else the one they were invited
    # with) opens their form, unless this browser chose one (web.i18n.current_language).
    g.person_language = found[2].language or found[0].language
    return found


def answer_cookie(respondent: respondents.Respondent) -> str:
    """The name of the cookie holding the respondent's answer key."""
    return f"pc_answer_{respondent.id}"


def _answer_key(respondent: respondents.Respondent) -> tuple[str, bool]:
    """This browser's answer key for the respondent, and whether it is new (to be set)."""
    secret = request.cookies.get(answer_cookie(respondent))
    if secret and 16 <= len(secret) <= 128:
        return secret, False
    return respondents.new_answer_key(), True


def _keep_key(response, respondent: respondents.Respondent, secret: str):
    """``response`` (a page or a redirect) with the answer-key cookie set: HttpOnly, and
    ``Secure`` and ``SameSite`` as the session cookie (``SESSION_COOKIE_SECURE`` secures
    every cookie the app sets, see ``web.security``)."""
    config = current_app.config
    response = make_response(response)
    response.set_cookie(
        answer_cookie(respondent),
        secret,
        max_age=ANSWER_KEY_DAYS * 24 * 3600,
        path=url_for("respond.answer", token="x").rsplit("/", 1)[0] + "/",
        secure=bool(config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite=config.get("SESSION_COOKIE_SAMESITE") or "Lax",
    )
    return response


def _visitor(respondent: respondents.Respondent) -> str:
    """Who opens the link: ``respondent`` (logged in with the respondent's own account),
    ``lead`` (a logged-in lead or admin, someone else), ``holder`` (the browser holding
    the answer key) or ``other``."""
    if current_user.is_authenticated:
        if respondent.user_id is not None and current_user.id == respondent.user_id:
            return "respondent"
        if current_user.role in ("admin", "lead"):
            return "lead"
    if respondents.holds_answer_key(respondent, request.cookies.get(answer_cookie(respondent))):
        return "holder"
    return "other"


def _may_see(current: rounds.Round, visitor: str) -> bool:
    """Whether this browser may see the answers saved through the link."""
    return not current.anonymous or visitor in ("respondent", "holder")


def _may_save(respondent: respondents.Respondent, current: rounds.Round, visitor: str) -> bool:
    """Whether this browser may save through the link: not a lead on someone else's link,
    and in an anonymous round only the key's holder (or anyone once a new link was issued)."""
    return visitor != "lead" and (_may_see(current, visitor) or respondent.answer_key is None)


def _lead_notice(respondent: respondents.Respondent) -> str:
    return _(
        "You are logged in, and this is the personal link of %(name)s. Nothing they saved is"
        " shown here, and answers cannot be sent from here: only they can answer through it.",
        name=respondent.name,
    )


def _other_browser_notice(respondent: respondents.Respondent) -> str:
    if respondent.answer_key is None:
        return _(
            "Answers were saved earlier through a previous link. To keep them private they are"
            " not shown here; answering again replaces them."
        )
    return _(
        "Answers have already been saved through this link from another browser (or from"
        " this one, before its cookies were cleared). To keep them private, only that"
        " browser can see or change them. Below: how to go on from here."
    )


def _refused(respondent, current, lang, notice: str, *, keep_typed: bool = False, status=None):
    """The form, locked, with ``notice``. A browser without the answer key (``keep_typed``)
    gets back everything it sent, and the ways forward (``web.draft_transfer``)."""
    Form = form_class(current.snapshot, current.kind, lang)
    form = Form(meta={"csrf": False}) if keep_typed else Form(formdata=None)
    page = render_live(
        form,
        respondent,
        current,
        responses.Draft(status=status or "invited"),
        notice=notice,
        locked=True,
        way_forward=keep_typed and current.anonymous,
    )
    return page, 403


def _log_refusal(respondent: respondents.Respondent, current: rounds.Round) -> None:
    db = get_db()
    with transaction(db, write=True):
        audit.record(
            db,
            user_id=current_user.id,
            actor=current_user.email,
            action="personal_link.refused",
            object_type="round",
            object_id=current.id,
            details={"respondent": respondent.id, "name": respondent.name},
        )


@bp.route("/<token>", methods=["GET", "POST"])
@public
@client_link("their own answer page: the mirror's items only (client_access.refused_fields)")
def answer(token: str):
    db = get_db()
    respondent, current, draft = _link_or_404(token)
    questionnaire = current.questionnaire
    lang = current_language()
    Form = form_class(current.snapshot, current.kind, lang)
    switching = request.method == "POST" and LANGUAGE_FIELD in request.form
    if switching:
        if refused_fields(Form(), current, set(request.form) - {LANGUAGE_FIELD}):
            abort(400)
        _choose_language_from_form()
        lang = current_language()
        Form = form_class(current.snapshot, current.kind, lang)
    visitor = _visitor(respondent)
    saved = draft.status != "invited"
    # Whose saved answers this browser may see and change (anonymous rounds).
    may_see = _may_see(current, visitor)
    may_save = _may_save(respondent, current, visitor)
    # What this browser is shown of the saved answers, and what it is told.
    notice = None
    shown = draft
    if visitor == "lead":
        notice, shown = _lead_notice(respondent), responses.Draft()
    elif not may_see and saved:
        notice, shown = _other_browser_notice(respondent), responses.Draft(status=draft.status)
    locked = not may_save
    # A browser without the key to answers saved elsewhere: shown how to go on (a code
    # from the other device, or starting again; web/draft_transfer.py).
    way_forward = notice is not None and visitor == "other" and respondent.answer_key is not None

    if not current.is_open:
        return (
            render_template(
                "respond/closed.html",
                respondent=respondent,
                round=current,
                draft=shown,
                token=token,
                team_summary=team_views.get(db, current.id).shared,
            ),
            403 if request.method == "POST" and not switching else 200,
        )

    if switching:
        # Back in the chosen language with everything typed still in it. A draft that
        # can be saved is saved, and the page comes back by a redirect (Back and reload
        # then ask nothing); what cannot be saved yet (a locked page, an answer to fix, a
        # submitted response whose changes count only with "Save changes") is shown
        # again as typed, and the page says it is not saved.
        if not locked and draft.status != "submitted":
            checked = Form()
            if checked.validate():
                return _save_and_return(checked, respondent, current, visitor, lang, shown, saved)
            if not refused_fields(checked, current, set(request.form) - {LANGUAGE_FIELD}):
                # Saving never waits for every answer to be valid: the valid ones are
                # saved, the others kept as typed with their messages (a redirect too).
                return _keep_invalid(
                    checked, respondent, current, visitor, lang, saved, submitting=False
                )
        form = Form()  # shown as typed, not checked yet
        if not locked:  # a locked page cannot be saved: "not yet saved" would mislead
            flash(
                _("Language changed. Your answers are kept on this page but not yet saved."),
                "info",
            )
        page = render_live(
            form, respondent, current, shown, notice=notice, locked=locked, way_forward=way_forward
        )
        return _with_answer_key(page, respondent, current, visitor)

    if request.method == "GET":
        if request.args.get("review") and notice is None and draft.status == "draft":
            # After "Submit answers" with items left blank (below): the saved draft with
            # the list of those items and "Submit anyway".
            form = Form(
                formdata=None, data=form_data_from_draft(questionnaire, current.kind, draft)
            )
            review = form.skipped_fields() or None
            page = render_live(form, respondent, current, draft, locked=locked, review=review)
            return _with_answer_key(page, respondent, current, visitor)
        if notice is not None:
            page = render_live(
                Form(formdata=None),
                respondent,
                current,
                shown,
                notice=notice,
                locked=locked,
                way_forward=way_forward,
            )
        elif draft.invalid:  # answers kept as typed: shown with their messages
            page = render_live(restored_form(Form, draft), respondent, current, draft)
        elif not current_user.is_authenticated:
            page = render_compiled(Form, respondent, current, draft, lang)
        else:
            form = Form(data=form_data_from_draft(questionnaire, current.kind, draft))
            page = render_live(form, respondent, current, draft)
        return _with_answer_key(page, respondent, current, visitor)

    if visitor == "lead":
        _log_refusal(respondent, current)
        return _refused(respondent, current, lang, _lead_notice(respondent))
    if not may_save:
        page = _refused(
            respondent,
            current,
            lang,
            _other_browser_notice(respondent),
            keep_typed=True,
            status=draft.status,
        )
        return _with_answer_key(make_response(*page), respondent, current, visitor)
    form = Form()
    if refused_fields(form, current, request.form):
        return refused_page(Form, respondent, current, shown)
    # Once submitted, every save is a submission (the page offers only "Save changes"):
    # a "Save draft" from a page left open before must not empty or un-submit it.
    submitting = bool(form.submit_answers.data) or draft.status == "submitted"
    valid = form.validate()
    if not valid and draft.status != "submitted":
        # Saving never waits for every answer to be valid: the draft keeps the valid
        # ones and the others as typed (a submission still waits until they are fixed).
        return _keep_invalid(form, respondent, current, visitor, lang, saved, submitting)
    if valid and submitting:
        valid = form.check_required()
    if not valid:
        return render_live(form, respondent, current, shown, notice=notice), 400
    first_submission = submitting and draft.status != "submitted"
    confirmed = request.form.get("submit_answers") == CONFIRMED
    if first_submission and not confirmed and form.skipped_fields():
        # Items left blank: saved as a draft, then (by a redirect, so that Back asks
        # nothing) the page listing them, with "Submit anyway". (Once submitted, the
        # respondent has seen this; "Save changes" saves at once.)
        return _save_and_return(form, respondent, current, visitor, lang, shown, saved, review=True)
    try:
        secret, new_key = _save(
            form, respondent, current, visitor, lang, submit=submitting, saved=saved
        )
    except responses.AnswerKeyTaken:  # another browser saved first, a moment ago
        taken = replace(respondent, answer_key=respondents.LOCKED_KEY)
        return _refused(respondent, current, lang, _other_browser_notice(taken))
    if submitting and draft.status == "submitted":
        flash(_("Your changes are saved. Your answers stay submitted."), "success")
    elif submitting:
        flash(
            _("Thank you: your answers are submitted. You can change them until the round closes."),
            "success",
        )
    else:
        flash(_("Draft saved. Come back through the same link to finish."), "success")
    response = redirect(url_for("respond.answer", token=token))
    return _keep_key(response, respondent, secret) if new_key else response


def _keep_invalid(form, respondent, current, visitor, lang, saved: bool, submitting: bool):
    """Save draft (or a first Submit) with invalid answers: the draft is saved with them
    kept as typed. Save draft goes back to the form, which shows each beside its message;
    Submit shows the form again at once, refused, with the same messages."""
    try:
        secret, new_key = _save(
            form, respondent, current, visitor, lang, submit=False, saved=saved, keep_invalid=True
        )
    except responses.AnswerKeyTaken:
        taken = replace(respondent, answer_key=respondents.LOCKED_KEY)
        return _refused(respondent, current, lang, _other_browser_notice(taken))
    if submitting:
        response = make_response(
            render_live(
                form, respondent, current, responses.Draft(status="draft"), kept_invalid=True
            ),
            400,
        )
    else:
        flash(
            _(
                "Draft saved. Some answers are kept as you typed them but are not valid yet:"
                " each says why beside it. Fix them before you submit."
            ),
            "warning",
        )
        response = redirect(url_for("respond.answer", token=respondent.token))
    return _keep_key(response, respondent, secret) if new_key else response


def _save_and_return(form, respondent, current, visitor, lang, shown, saved, *, review=False):
    """Save a valid form as a draft (unless it holds what is saved already) and redirect
    to the form: after a language switch, or to the review of unanswered items."""
    answers, comments = answers_from_form(form)
    secret, new_key = None, False
    if (answers, comments) != (shown.answers, shown.comments) or review:
        try:
            secret, new_key = _save(
                form, respondent, current, visitor, lang, submit=False, saved=saved
            )
        except responses.AnswerKeyTaken:  # another browser saved first, a moment ago
            taken = replace(respondent, answer_key=respondents.LOCKED_KEY)
            return _refused(respondent, current, lang, _other_browser_notice(taken))
        if not review:
            flash(_("Language changed. Your answers are saved."), "success")
    elif not review:
        flash(_("Language changed."), "info")
    target = url_for("respond.answer", token=respondent.token, review=1 if review else None)
    response = redirect(target)
    return _keep_key(response, respondent, secret) if new_key else response


def _save(
    form,
    respondent,
    current,
    visitor: str,
    lang: str,
    *,
    submit: bool,
    saved: bool,
    keep_invalid: bool = False,
):
    """Store what a ``form`` holds, binding this browser's answer key in an anonymous
    round: a valid form whole, or (``keep_invalid``, a draft) its valid answers and the
    invalid ones as typed. Returns (the key's secret, whether it is new to this browser);
    raises ``responses.AnswerKeyTaken`` when another browser saved through the link first."""
    db = get_db()
    if keep_invalid:
        answers, comments, invalid = draft_parts(form)
    else:
        (answers, comments), invalid = answers_from_form(form), None
    secret, new_key = _answer_key(respondent) if current.anonymous else (None, False)
    key = None
    if secret is not None and not (visitor == "respondent" and respondent.answer_key):
        key = respondents.answer_key_hash(secret)
    try:
        responses.save_response(
            db,
            respondent.id,
            answers,
            comments,
            submit=submit,
            language=lang,
            answer_key=key,
            invalid=invalid,
        )
    except rounds.RoundClosed:
        abort(403)
    except responses.InvalidAnswers:
        abort(400)
    if saved and key is not None and respondent.answer_key is None and visitor != "respondent":
        with transaction(db, write=True):
            audit.record(
                db,
                user_id=None,
                actor="personal link",
                action="personal_link.replaced",
                object_type="round",
                object_id=current.id,
                details={"respondent": respondent.id, "name": respondent.name},
            )
    return secret, new_key


@bp.post("/<token>/autosave")
@public
@client_link("their own form's drafts: the mirror's items only (client_access.refused_fields)")
def autosave(token: str):
    """A draft saved by the form's script as the respondent goes (app.js): the same
    checks as "Save draft", answered in JSON. A submitted response is not saved here:
    its changes count only when the respondent presses "Save changes"."""
    respondent, current, draft = _link_or_404(token)
    lang = current_language()
    Form = form_class(current.snapshot, current.kind, lang)
    visitor = _visitor(respondent)
    if not current.is_open:
        return jsonify(saved=False, reason="closed"), 409
    if visitor == "lead":
        _log_refusal(respondent, current)
        return jsonify(saved=False, reason="refused"), 403
    if not _may_save(respondent, current, visitor):
        return jsonify(saved=False, reason="refused"), 403
    if draft.status == "submitted":
        return jsonify(saved=False, reason="submitted"), 409
    form = Form()
    if refused_fields(form, current, request.form):
        return jsonify(saved=False, reason="refused_fields"), 400
    valid = form.validate()
    try:
        secret, new_key = _save(
            form,
            respondent,
            current,
            visitor,
            lang,
            submit=False,
            saved=draft.status != "invited",
            keep_invalid=not valid,
        )
    except responses.AnswerKeyTaken:
        return jsonify(saved=False, reason="refused"), 403
    # Every valid answer is saved; an invalid one is kept as typed, and said beside it.
    invalid = [
        {"field": field.name, "message": str(field.errors[0])}
        for field, _label in form.invalid_fields()
    ]
    response = jsonify(
        saved=True,
        status="draft",
        answered=sum(done for done, _asked in form.progress().values()),
        invalid=invalid,
    )
    return _keep_key(response, respondent, secret) if new_key else response


def _with_answer_key(page, respondent: respondents.Respondent, current: rounds.Round, visitor: str):
    """An anonymous round's page, with an answer key for this browser if it has none yet:
    given from the first visit, so a save whose answer is lost is still this browser's.
    A logged-in lead or admin on someone else's link gets none (they may not save)."""
    if not current.anonymous or visitor == "lead":
        return page
    secret, new = _answer_key(respondent)
    return _keep_key(page, respondent, secret) if new else page


def _choose_language_from_form() -> None:
    """A language button of the answer form. It sends the form itself (see
    ``respond/form.html``), so the answers typed so far come back with the page in the
    other language, with or without JavaScript."""
    language = request.form[LANGUAGE_FIELD]
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400)
    choose_language(language)
