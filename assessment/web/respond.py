"""Answering through a personal link: no account, only the token in the address."""

from __future__ import annotations

from functools import lru_cache

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from ..db import get_db, read_transaction
from ..store import responses, rounds
from .access import logged_in, public
from .answer_form import answers_from_form, build_form, form_data_from_draft, unknown_fields
from .answer_page import render_compiled, render_live
from .i18n import choose_language, current_language

#: The name of the language buttons on the answer form, which send the form itself.
LANGUAGE_FIELD = "language"

bp = Blueprint("respond", __name__, url_prefix="/r")


@lru_cache(maxsize=64)
def _form_class(snapshot: str, kind: str, lang: str) -> type:
    """Form classes are never changed once built: one per pinned questionnaire, round kind
    and language is enough (building one costs more than rendering half the page)."""
    return build_form(rounds.questionnaire_of(snapshot), kind, lang)


def _respondent_or_404(token: str) -> rounds.Respondent:
    respondent = rounds.find_by_token(get_db(), token)
    if respondent is None:
        abort(404)
    return respondent


@bp.route("/<token>", methods=["GET", "POST"])
@public
def answer(token: str):
    db = get_db()
    with read_transaction(db):  # the respondent, round and draft as of one moment
        respondent = _respondent_or_404(token)
        current = rounds.get_round(db, respondent.round_id)
        draft = responses.load_draft(db, respondent.id)
    questionnaire = current.questionnaire
    lang = current_language()
    Form = _form_class(current.snapshot, current.kind, lang)
    switching = request.method == "POST" and LANGUAGE_FIELD in request.form
    if switching:
        if unknown_fields(Form(), set(request.form) - {LANGUAGE_FIELD}):
            abort(400)
        _choose_language_from_form()
        lang = current_language()
        Form = _form_class(current.snapshot, current.kind, lang)

    if not current.is_open:
        return (
            render_template(
                "respond/closed.html", respondent=respondent, round=current, draft=draft
            ),
            403 if request.method == "POST" and not switching else 200,
        )

    if request.method == "GET":
        if not logged_in():
            return render_compiled(Form, respondent, current, draft, lang)
        form = Form(data=form_data_from_draft(questionnaire, current.kind, draft))
        return render_live(form, respondent, current, draft)

    if switching:
        # Back in the chosen language with everything typed still in it (saved or not,
        # valid or not); nothing is saved or checked.
        form = Form()
        flash(_("Language changed. Your answers are kept on this page but not yet saved."), "info")
        return render_live(form, respondent, current, draft)
    form = Form()
    if unknown_fields(form, set(request.form)):
        abort(400)
    # Once submitted, every save is a submission (the page offers only "Save changes"):
    # a "Save draft" from a page left open before must not empty or un-submit it.
    submitting = bool(form.submit_answers.data) or draft.status == "submitted"
    valid = form.validate()
    if valid and submitting:
        valid = form.check_required()
    if not valid:
        return render_live(form, respondent, current, draft), 400
    answers, comments = answers_from_form(form)
    try:
        responses.save_response(
            db, respondent.id, answers, comments, submit=submitting, language=lang
        )
    except rounds.RoundClosed:
        abort(403)
    except responses.InvalidAnswers:
        abort(400)
    if submitting and draft.status == "submitted":
        flash(_("Your changes are saved. Your answers stay submitted."), "success")
    elif submitting:
        flash(
            _("Thank you: your answers are submitted. You can change them until the round closes."),
            "success",
        )
    else:
        flash(_("Draft saved. Come back through the same link to finish."), "success")
    return redirect(url_for("respond.answer", token=token))


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
